//! Applying strategic merge patches.
