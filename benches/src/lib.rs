//! Deterministic workloads for patchlaw's benchmarks (benches/README.md
//! describes them and how they are measured).
//!
//! Every generator here is a pure function of its arguments: the
//! pseudo-random choices come from a [`SplitMix64`] generator with fixed
//! seeds, never from the operating system, so two runs (or two machines)
//! benchmark exactly the same documents.
//!
//! | workload | module | generator | size |
//! |---|---|---|---|
//! | Kubernetes-like `apps/v1` Deployment | `deployment` | [`deployment`], [`deployment_edited`] | ≈15 KB |
//! | the same with a sidecar container inserted first | `deployment` | [`deployment_sidecar`] | ≈18 KB |
//! | the same as other writers left it (sidecar, autoscaled replicas, a label) | `deployment` | [`deployment_live`] | ≈18 KB |
//! | config-like tree of Deployments | `large_document` | [`large_document`], [`large_document_edited`] | ≈2.5 MB |
//! | the same, any number of Deployments (for the scale runs) | `large_document` | [`snapshot`], [`edit_snapshot`] | ≈14.2 KB per Deployment |
//! | long array of small objects | `long_array` | [`long_array`] | 10k items ≈ 0.85 MB |
//! | deeply nested objects | `deep_document` | [`deep_document`] | depth ≈ 100 |
//! | JSON Patches (RFC 6902) for those, re-appliable | `json_patches` | [`deployment_json_patch`], [`large_document_json_patch`], [`snapshot_json_patch`] | 1 or 100 operations |
//! | diff workloads: before, after and the patch a diff should find | `diff_edits` | [`diff_edits`], [`Edit`] | 1 to ≈ 9,000 operations |
//!
//! Sizes are of the compact serialization (`serde_json::to_string`); the
//! crate's tests keep them in range.
//!
//! Each `*_edited` generator has a companion `*_EDITED_POINTERS` constant
//! listing the values its edit changes, so a benchmark can check, cheaply
//! and inside the timed loop, that a patch really was applied
//! ([`values_at`] pairs the pointers with their values).
//!
//! Benchmarks that traverse two documents give them the memory layout
//! parsing gives ([`reparsed`], [`reparsed_deployment_pair`]).
//!
//! [`SplitMix64`]: patchlaw_conformance::strategy::random::SplitMix64

#![deny(missing_docs)]

mod checks;
mod deep_document;
mod deployment;
mod diff_edits;
mod json_patches;
mod large_document;
mod layout;
mod long_array;

pub use checks::values_at;
pub use deep_document::deep_document;
pub use deployment::{
    deployment, deployment_edited, deployment_live, deployment_sidecar, DEPLOYMENT_EDITED_POINTERS,
    DEPLOYMENT_SIDECAR_POINTER,
};
pub use diff_edits::{
    deep_document_edit, deployment_edit, deployment_sidecar_edit, diff_edits,
    large_document_10pct_edit, large_document_edit, long_array_edit, Edit,
};
pub use json_patches::{
    deployment_json_patch, large_document_json_patch, snapshot_json_patch,
    LARGE_DOCUMENT_JSON_PATCH_OBJECTS,
};
pub use large_document::{
    edit_snapshot, large_document, large_document_edited, snapshot, LARGE_DOCUMENT_EDITED_KEY,
    LARGE_DOCUMENT_EDITED_POINTERS, LARGE_DOCUMENT_OBJECTS,
};
pub use layout::{reparsed, reparsed_deployment_pair};
pub use long_array::long_array;

#[cfg(test)]
mod tests;
