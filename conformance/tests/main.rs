//! The conformance crate's tests: laws, vectors (directly and through
//! `serve`), the protocol, and law traceability.

mod laws;
mod serve;
mod traceability;
mod vectors;
