//! Documents as an application has them in memory.

use serde_json::Value;

use crate::{deployment, deployment_edited};

/// `value` as an application would have it: parsed from its compact JSON
/// text.
///
/// Benchmarks that traverse two documents use this, so that both (and the
/// copy a bound compares with) have the memory layout parsing gives. A
/// large document traverses up to 1.4× slower or faster depending on how
/// its nodes happen to lie in memory (a clone made while the allocator is
/// full of holes scatters them): comparing a diff of two clones with `==`
/// of two differently made clones measures the allocator, not the diff.
///
/// # Examples
///
/// ```
/// let doc = patchlaw_benches::deployment();
/// assert_eq!(patchlaw_benches::reparsed(&doc), doc);
/// ```
#[must_use]
pub fn reparsed(value: &Value) -> Value {
    let text = serde_json::to_string(value).expect("a Value serializes");
    serde_json::from_str(&text).expect("its own text parses")
}

/// [`deployment`] and [`deployment_edited`], each [`reparsed`]: the
/// Deployment workload's pair as the benchmarks that diff or patch it
/// hold it.
///
/// # Examples
///
/// ```
/// let (doc, edited) = patchlaw_benches::reparsed_deployment_pair();
/// assert_eq!(doc, patchlaw_benches::deployment());
/// assert_eq!(edited, patchlaw_benches::deployment_edited());
/// ```
#[must_use]
pub fn reparsed_deployment_pair() -> (Value, Value) {
    // One statement each: the generated document is freed before the next
    // one is made, so the heap holds only the two parsed copies.
    let doc = reparsed(&deployment());
    let edited = reparsed(&deployment_edited());
    (doc, edited)
}
