//! Generators for strategic merge patch: schemas, documents valid under
//! them, and patches with directives.
