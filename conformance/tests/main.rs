//! The conformance crate's tests: laws, vectors (directly and through
//! `serve`), the protocol, and law traceability.

#![allow(unsafe_code)] // the counting allocator

mod allocations;
mod kubectl;
mod kubectl_diff;
mod laws;
mod oracle;
mod serve;
mod traceability;
mod vectors;
