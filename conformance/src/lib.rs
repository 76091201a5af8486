//! # patchlaw-conformance
//!
//! The conformance suite of patchlaw, usable on any implementation of JSON
//! Pointer (RFC 6901), JSON Merge Patch (RFC 7396), JSON Patch (RFC 6902)
//! and Kubernetes strategic merge patch, in any language:
//!
//! - [`vectors`](runner::vectors): test vectors (in `vectors/`, format in
//!   `vectors/README.md`), each with an expected result or error code;
//! - [`laws`]: the algebraic laws of the repository's `spec/`, one function
//!   each, generic over an [`Implementation`];
//! - [`strategy`]: proptest generators that feed the laws;
//! - [`runner`]: judges vectors and laws and reports; drives foreign
//!   implementations over a line-delimited JSON protocol ([`runner::Adapter`])
//!   and serves patchlaw over the same protocol ([`runner::serve`]).
//!
//! The binary `patchlaw-conformance` has these commands: `run` (vectors,
//! and laws with `--laws`, against patchlaw or `--adapter CMD`), `serve`
//! (patchlaw over the protocol), `matrix` (patchlaw and every adapter of
//! `conformance/adapters/`, compared) and `fuzz` (an adapter and patchlaw
//! on the same generated cases, disagreements shrunk into vectors). The adapter protocol, the statuses
//! and the known-failures file are specified in `conformance/PROTOCOL.md`;
//! `conformance/adapters/minimal-python/` is an adapter of 40 lines, and
//! the other folders there are adapters of published libraries.
//!
//! # Examples
//!
//! ```
//! use patchlaw_conformance::{laws, Native};
//!
//! let mut native = Native::new();
//! for law in laws::catalogue() {
//!     law.check(&mut native, 8).unwrap();
//! }
//! ```

#![deny(missing_docs)]

pub mod implementation;
pub mod laws;
pub mod runner;
pub mod strategy;

pub use implementation::{Implementation, Info, Native, Op, Reply};
