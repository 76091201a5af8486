//! Checks against real implementations: kubectl v1.32 applies and diffs
//! the generated cases (and the vectors, which `patchlaw plan`, the
//! command line, must decide as kubectl does), and the published
//! Kubernetes schemas hold the patch metadata and the Go types of the
//! built-in table.
//!
//! This target is not part of `cargo test --workspace` (it needs kubectl
//! v1.32, `python3` and, once, the network for `pip`); run it with `cargo
//! test -p patchlaw-conformance --test oracles`. Without an oracle its tests
//! fail, never skip, and say what is missing.

mod builtin_table;
mod builtin_types;
mod cli_plan;
mod kubectl;
mod kubectl_apply;
mod kubectl_diff;
mod oracle;
mod three_way_vectors;
