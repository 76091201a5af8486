//! proptest generators of documents, pointers and patches, one module per
//! source of cases:
//!
//! | module | cases |
//! |---|---|
//! | [`document`] | JSON values, pointers into them, merge patches, edits |
//! | [`json_patch`] | JSON Patch operations and patches, succeeding and failing |
//! | [`kubernetes`] | Deployments, Pods and Services with realistic pools; strategic patches and edits for them |
//! | [`schema`] | generated OpenAPI schemas with documents, strategic patches and edits |
//! | [`three_way`] | three writers of one object: generated schemas, and `kubectl apply` cases of built-in kinds and a custom resource |
//! | [`random`] | [`SplitMix64`](random::SplitMix64), the seeded source of the builders |
//!
//! The generators aim at meaningful cases, not only noise: documents are
//! mostly objects with nested objects and arrays, every scalar kind, and
//! member names that need escaping in pointers. Patches are built *for* a
//! document, so that most of them touch members that exist, and delete,
//! replace and merge into them.
//!
//! The generators of documents and JSON Patches are re-exported here,
//! those of strategic merge patch in [`strategic`], and those of the
//! three-way merge in [`three_way`].
//!
//! These strategies are public so that other crates can check their own
//! implementations against the laws.
//!
//! # Examples
//!
//! Check a function of your own against `LAW-MP-IDEMPOTENT`:
//!
//! ```
//! use patchlaw_conformance::strategy;
//! use proptest::prelude::*;
//!
//! fn my_merge(doc: &mut serde_json::Value, patch: &serde_json::Value) {
//!     patchlaw::merge_patch::apply(doc, patch).unwrap();
//! }
//!
//! proptest!(|((doc, patch) in strategy::arb_doc_and_merge_patch())| {
//!     let mut once = doc.clone();
//!     my_merge(&mut once, &patch);
//!     let mut twice = once.clone();
//!     my_merge(&mut twice, &patch);
//!     prop_assert_eq!(once, twice);
//! });
//! ```

pub mod document;
pub mod json_patch;
pub mod kubernetes;
pub mod random;
pub mod schema;
pub mod strategic;
pub mod three_way;

pub use document::*;
pub use json_patch::*;
