//! # patchlaw
//!
//! The ways Kubernetes changes state, as a library over
//! [`serde_json::Value`], each operation checked against written laws.
//!
//! ## Overview
//!
//! | module | what | specification |
//! |---|---|---|
//! | [`pointer`](mod@pointer) | JSON Pointer: [`PointerBuf`], [`Pointer`] | [RFC 6901](https://www.rfc-editor.org/rfc/rfc6901) |
//! | [`merge_patch`] | JSON Merge Patch: apply, diff, compose | [RFC 7396](https://www.rfc-editor.org/rfc/rfc7396) |
//! | [`json_patch`] | JSON Patch: [`Patch`](json_patch::Patch), atomic apply, inverse | [RFC 6902](https://www.rfc-editor.org/rfc/rfc6902) |
//! | [`strategic`] | Kubernetes strategic merge patch: [`Schema`](strategic::Schema), apply, two-way diff | `k8s.io/apimachinery` `strategicpatch` |
//! | [`three_way`] | `kubectl apply`'s three-way patch, conflicts as data, the apply plan | kubectl v1.32 `apply` |
//! | [`limits`] | [`Limits`] for untrusted input | |
//! | [`error`] | [`Error`], [`ErrorKind`] and stable error codes | |
//!
//! Everything works in place on `&mut Value` and does no I/O. Every
//! recursive walk is bounded by [`Limits`], so hostile input gets
//! [`ErrorKind::LimitExceeded`], never a stack overflow.
//!
//! ```
//! use patchlaw::{merge_patch, PointerBuf};
//! use serde_json::json;
//!
//! let mut deployment = json!({"spec": {"replicas": 1, "paused": true}});
//! merge_patch::apply(&mut deployment, &json!({"spec": {"replicas": 3, "paused": null}}))?;
//! assert_eq!(PointerBuf::parse("/spec/replicas")?.get(&deployment)?, 3);
//! assert_eq!(deployment, json!({"spec": {"replicas": 3}}));
//! # Ok::<(), patchlaw::Error>(())
//! ```
//!
//! ## Which patch format should I use?
//!
//! - **JSON Merge Patch** (RFC 7396, `application/merge-patch+json`) when the
//!   change is "make these fields look like this": the patch is a partial
//!   document. It cannot set a value to `null`, and it replaces arrays whole,
//!   so it is a poor fit for lists that other writers also change.
//! - **JSON Patch** (RFC 6902, `application/json-patch+json`) when you need
//!   exact, ordered edits — insert at an index, move, copy — or a guard
//!   (`test`) for optimistic concurrency.
//! - **Strategic merge patch** (Kubernetes) for built-in Kubernetes objects:
//!   a merge patch whose lists merge element by element by a key (containers
//!   by `name`), which is what `kubectl apply` sends.
//! - **A three-way patch** ([`three_way`]) when several writers share an
//!   object: it changes only what your configuration changed since you last
//!   applied it, as `kubectl apply` and controllers with their own
//!   last-applied annotation do.
//!
//! ## Crate features
//!
//! - `preserve_order`: keep object members in insertion order (forwards to
//!   serde_json's feature of that name). Every operation keeps the order of
//!   members it does not touch: members are removed with `shift_remove`.
//! - `arbitrary_precision`: keep numbers as their exact decimal text
//!   (forwards to serde_json). [`json_patch::equal`] then compares decimals
//!   exactly.
//! - `arbitrary`: `arbitrary::Arbitrary` for [`PointerBuf`],
//!   [`json_patch::Operation`] and [`json_patch::Patch`], for fuzzing code
//!   that uses them.
//! - `quickcheck`: `quickcheck::Arbitrary` for the same types (with
//!   shrinking of patches and pointers).
//!
//! ## Conformance
//!
//! Each operation satisfies algebraic laws stated in the repository's
//! `spec/` and checked by property tests in `patchlaw-conformance`, for
//! example:
//!
//! - `LAW-PTR-ROUNDTRIP`: parsing a formatted pointer gives its tokens back;
//! - `LAW-PTR-STRICT-INDEX`: only canonical indices evaluate against arrays;
//! - `LAW-MP-IDEMPOTENT`: applying a merge patch twice equals applying it once;
//! - `LAW-MP-DIFF-APPLY`: `apply(a, diff(a, b)) = b` whenever `diff` succeeds,
//!   and `diff` fails exactly when no merge patch exists;
//! - `LAW-MP-COMPOSE`: `apply(d, compose(p, q)) = apply(apply(d, p), q)`;
//! - `LAW-JP-ATOMIC`: a JSON Patch that fails leaves the document exactly as
//!   it was, member order included;
//! - `LAW-JP-INVERSE`: the inverse patch gives the original document back;
//! - `LAW-JP-TEST-EQUALITY`: `test` compares as RFC 6902 §4.6 says (`1`
//!   equals `1.0`);
//! - `LAW-SMP-REDUCES-TO-MP`: without patch metadata or directives, a
//!   strategic merge patch is RFC 7396;
//! - `LAW-SMP-MERGE-KEY`, `LAW-SMP-DELETE`, `LAW-SMP-REPLACE`,
//!   `LAW-SMP-RETAIN-KEYS`, `LAW-SMP-PRIMITIVE-UNION`,
//!   `LAW-SMP-ELEMENT-ORDER`: what each strategic directive guarantees;
//! - `LAW-SMP-DIFF-APPLY`, `LAW-SMP-IDEMPOTENT`: a strategic diff applied to
//!   its source gives its target, list order included, and applies
//!   idempotently;
//! - `LAW-TW-CONVERGES`, `LAW-TW-DELETES-DROPPED`, `LAW-TW-PRESERVES-OTHERS`:
//!   a three-way apply sets what the user set, deletes what the user
//!   dropped, and keeps what only other writers touched (with the
//!   exceptions Kubernetes makes: atomic lists, `retainKeys` and `replace`
//!   fields);
//! - `LAW-TW-STABLE`, `LAW-TW-REDUCES-TO-TWO-WAY`: re-applying changes
//!   nothing, and with nobody else writing the result is the new
//!   configuration;
//! - `LAW-TW-CONFLICT`, `LAW-TW-DISJOINT-APPLIERS`: conflicts are exactly
//!   Kubernetes' rule, and appliers that own different fields never undo
//!   each other;
//! - `LAW-LIM-DEPTH`, `LAW-LIM-OPS`, `LAW-LIM-COPY-BOUND`: input beyond a
//!   limit is `limit-exceeded` with the document unchanged.

#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
#[cfg(any(feature = "arbitrary", feature = "quickcheck", test))]
mod generate;
pub mod json_patch;
pub mod limits;
pub mod merge_patch;
mod order;
pub mod pointer;
pub mod strategic;
pub mod three_way;
mod walk;

pub use error::{Error, ErrorKind};
pub use limits::Limits;
pub use pointer::{Pointer, PointerBuf};

/// The README's examples, compiled and run as doctests so that they cannot
/// rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
