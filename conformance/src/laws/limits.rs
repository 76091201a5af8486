//! The resource-limit laws of `spec/90-limits.md`.
//!
//! The values here are deeper than serde_json's recursive `Clone`, `==` and
//! `Drop` can take on a small stack, so they are built by loops, handed over
//! by value, and taken apart with [`patchlaw::limits::dismantle`].

use patchlaw::Limits;
use serde_json::{json, Map, Value};

use super::{call_owned, declare_checks, Violation};
use crate::implementation::{Implementation, Op, Reply};

declare_checks! {
    /// `LAW-LIM-COPY-BOUND`: the copies of one application stay within the
    /// copy size limit; beyond it, `limit-exceeded` with the document
    /// unchanged; checked on the copy-doubling attack.
    COPY_BOUND: () = ("LAW-LIM-COPY-BOUND", [JsonPatchApply]) at (), |imp, ()| copy_bound(imp);

    /// `LAW-LIM-OPS`: a patch with more operations than the limit is
    /// `limit-exceeded` before any operation runs; checked with the default
    /// limit, one operation over it and exactly at it.
    OPS: usize = ("LAW-LIM-OPS", [JsonPatchApply]) at Limits::DEFAULT_MAX_OPERATIONS, |imp, max| {
        operation_count(imp, max + 1, true)?;
        operation_count(imp, *max, false)
    };

    /// `LAW-LIM-DEPTH`: input nested deeper than the depth limit is
    /// `limit-exceeded`, never a stack overflow; checked one level past the
    /// default limit.
    DEPTH: usize = ("LAW-LIM-DEPTH", [MergePatchApply, MergePatchDiff, MergePatchCompose])
        at Limits::DEFAULT_MAX_DEPTH + 1, |imp, depth| self::depth(imp, *depth);
}

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
                    DEPTH.id,
                    format!("{op} ({what}, depth {depth}) succeeded, expected limit-exceeded"),
                ));
            }
            other => {
                return Err(Violation::new(
                    DEPTH.id,
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

/// The copy-doubling attack (CVE-2019-1002100): `doublings` times
/// `copy /a → /a/-`, each copying the whole array into itself.
///
/// # Examples
///
/// ```
/// let patch = patchlaw_conformance::laws::limits::copy_doubling(3);
/// assert_eq!(patch.as_array().map(Vec::len), Some(3));
/// ```
#[must_use]
pub fn copy_doubling(doublings: usize) -> Value {
    Value::Array(
        (0..doublings)
            .map(|_| json!({"op": "copy", "from": "/a", "path": "/a/-"}))
            .collect(),
    )
}

/// Checks `LAW-LIM-COPY-BOUND` through the implementation: 40 doublings of
/// a 1 KiB string (2^40 copies, a petabyte) answer `limit-exceeded`.
///
/// # Errors
///
/// The violation, with the reply.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::limits, Native};
///
/// limits::copy_bound(&mut Native::new())?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn copy_bound<I: Implementation + ?Sized>(imp: &mut I) -> Result<(), Violation> {
    let doc = json!({"a": ["x".repeat(1024)]});
    match call_owned(
        imp,
        Op::JsonPatchApply,
        [("doc", doc), ("patch", copy_doubling(40))],
    ) {
        Reply::Error { code, .. } if code == "limit-exceeded" => Ok(()),
        other => Err(Violation::new(
            COPY_BOUND.id,
            format!(
                "40 self-doubling copies gave {}, expected limit-exceeded",
                other.describe()
            ),
        )),
    }
}

/// Checks `LAW-LIM-OPS` through the implementation: `count` `test`
/// operations that would all pass are `limit-exceeded` when `count` is
/// over the implementation's limit (`over_limit`), and applied otherwise.
///
/// # Errors
///
/// The violation, with the reply.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::limits, Native};
///
/// limits::operation_count(&mut Native::new(), 10_001, true)?;
/// limits::operation_count(&mut Native::new(), 10_000, false)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn operation_count<I: Implementation + ?Sized>(
    imp: &mut I,
    count: usize,
    over_limit: bool,
) -> Result<(), Violation> {
    let patch = Value::Array(vec![json!({"op": "test", "path": "", "value": {}}); count]);
    let reply = call_owned(
        imp,
        Op::JsonPatchApply,
        [("doc", json!({})), ("patch", patch)],
    );
    match (&reply, over_limit) {
        (Reply::Error { code, .. }, true) if code == "limit-exceeded" => Ok(()),
        (Reply::Ok { .. }, false) => Ok(()),
        _ => Err(Violation::new(
            OPS.id,
            format!("{count} operations gave {}", reply.describe()),
        )),
    }
}
