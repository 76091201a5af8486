//! The resource-limit laws of `spec/90-limits.md`.
//!
//! The values here are deeper than serde_json's recursive `Clone`, `==` and
//! `Drop` can take on a small stack, so they are built by loops, handed over
//! by value, and taken apart with [`patchlaw::limits::dismantle`].

use serde_json::{json, Map, Value};

use super::{call_owned, Violation};
use crate::implementation::{Implementation, Op, Reply};

/// `LAW-LIM-DEPTH`: input nested deeper than the depth limit is
/// `limit-exceeded`, never a stack overflow.
pub const DEPTH: &str = "LAW-LIM-DEPTH";

/// An array nested `depth` levels deep around `1`: `[[…[1]…]]`, built
/// without recursion.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::laws::limits::nested_arrays;
///
/// assert_eq!(nested_arrays(2), serde_json::json!([[1]]));
/// ```
#[must_use]
pub fn nested_arrays(depth: usize) -> Value {
    let mut value = json!(1);
    for _ in 0..depth {
        value = Value::Array(vec![value]);
    }
    value
}

/// An object nested `depth` levels deep: `{"a":{"a":…{"a":1}…}}`, built
/// without recursion.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::laws::limits::nested_objects;
///
/// assert_eq!(nested_objects(2), serde_json::json!({"a": {"a": 1}}));
/// ```
#[must_use]
pub fn nested_objects(depth: usize) -> Value {
    let mut value = json!(1);
    for _ in 0..depth {
        let mut members = Map::new();
        members.insert("a".to_owned(), value);
        value = Value::Object(members);
    }
    value
}

/// Builds the two arguments of a request around a value of the given depth.
type DeepArgs = fn(usize) -> [(&'static str, Value); 2];

/// `{name: value}`, without `json!`, which would copy `value` recursively.
fn member(name: &str, value: Value) -> Value {
    let mut members = Map::new();
    members.insert(name.to_owned(), value);
    Value::Object(members)
}

/// Checks `LAW-LIM-DEPTH` through the implementation: merge patch `apply`
/// with a patch, `diff` with documents, and `compose` with patches nested
/// `depth` levels deep (more than the implementation's limit) all answer
/// `limit-exceeded`.
///
/// # Errors
///
/// The violation naming the case that answered otherwise.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::limits, Native};
///
/// limits::depth(&mut Native::new(), 1_001)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn depth<I: Implementation + ?Sized>(imp: &mut I, depth: usize) -> Result<(), Violation> {
    let cases: [(&str, Op, DeepArgs); 7] = [
        ("apply, deep patch", Op::MergePatchApply, |d| {
            [("doc", json!({})), ("patch", nested_objects(d))]
        }),
        ("apply, deep array in patch", Op::MergePatchApply, |d| {
            [
                ("doc", json!({"a": 1})),
                ("patch", member("a", nested_arrays(d))),
            ]
        }),
        ("diff, deep equal objects", Op::MergePatchDiff, |d| {
            [("from", nested_objects(d)), ("to", nested_objects(d))]
        }),
        ("diff, deep equal arrays", Op::MergePatchDiff, |d| {
            [("from", nested_arrays(d)), ("to", nested_arrays(d))]
        }),
        ("diff, deep added member", Op::MergePatchDiff, |d| {
            [("from", json!({})), ("to", member("a", nested_arrays(d)))]
        }),
        ("compose, deep first", Op::MergePatchCompose, |d| {
            [("first", nested_objects(d)), ("second", json!({}))]
        }),
        ("compose, deep second", Op::MergePatchCompose, |d| {
            [("first", json!({})), ("second", nested_arrays(d))]
        }),
    ];
    for (what, op, build) in cases {
        match call_owned(imp, op, build(depth)) {
            Reply::Error { code, .. } if code == "limit-exceeded" => {}
            Reply::Ok { result, .. } => {
                // The result may be too deep to print or drop recursively.
                patchlaw::limits::dismantle(result);
                return Err(Violation::new(
                    DEPTH,
                    format!("{op} ({what}, depth {depth}) succeeded, expected limit-exceeded"),
                ));
            }
            other => {
                return Err(Violation::new(
                    DEPTH,
                    format!(
                        "{op} ({what}, depth {depth}) gave {}, expected limit-exceeded",
                        other.describe()
                    ),
                ))
            }
        }
    }
    Ok(())
}
