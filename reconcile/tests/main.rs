//! Behaviour of the `patchlaw-reconcile` crate, one module per module of
//! `src/`. The laws are checked in `patchlaw-conformance`.

mod runtime;
mod sim;
mod store;
