//! Behaviour of the `patchlaw` crate, one module per module of `src/`.
//! The algebraic laws are checked in `patchlaw-conformance`.

mod error;
mod json_patch;
mod merge_patch;
mod pointer;
mod strategic;
