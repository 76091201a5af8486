//! The conformance crate's tests: laws, vectors (directly and through
//! `serve`), the protocol, and law traceability.

#![allow(unsafe_code)] // the counting allocator

mod allocations;
mod fuzz;
mod laws;
mod matrix;
mod report;
mod serve;
mod traceability;
mod vectors;
