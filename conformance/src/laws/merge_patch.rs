//! The JSON Merge Patch laws of `spec/20-merge-patch.md`.
//!
//! Results are compared with exact equality (serde_json's `==`): a merge
//! patch copies values, so even `1` and `1.0` must come out as they went in.
//! Where a law says when an operation must fail, the condition is computed
//! here from its definition in the spec ([`representable`],
//! [`composable`]), independently of any implementation.

use serde_json::{Map, Value};

use super::{call, call_ok, declare_checks, expect, shown, Violation};
use crate::implementation::{abbreviate, Implementation, Op};
use crate::strategy;

declare_checks! {
    /// `LAW-MP-NONOBJECT-REPLACES`: p not an object ⇒ apply(d, p) = p, for all
    /// documents d (any value; mostly objects) and non-object patches p.
    NONOBJECT_REPLACES: (Value, Value) = ("LAW-MP-NONOBJECT-REPLACES", [MergePatchApply])
        on (strategy::arb_doc(), strategy::arb_scalar_or_array()),
        |imp, (doc, patch)| nonobject_replaces(imp, doc, patch);

    /// `LAW-MP-IDEMPOTENT`: apply(apply(d, p), p) = apply(d, p), on documents
    /// with a merge patch written for each.
    IDEMPOTENT: (Value, Value) = ("LAW-MP-IDEMPOTENT", [MergePatchApply])
        on strategy::arb_doc_and_merge_patch(), |imp, (doc, patch)| idempotent(imp, doc, patch);

    /// `LAW-MP-NULL-DELETES`: `p[k] = null ⇒ k ∉ apply(d, p)`, on documents
    /// with a merge patch written for each.
    NULL_DELETES: (Value, Value) = ("LAW-MP-NULL-DELETES", [MergePatchApply])
        on strategy::arb_doc_and_merge_patch(), |imp, (doc, patch)| null_deletes(imp, doc, patch);

    /// `LAW-MP-DIFF-APPLY`: diff(a, b) = Ok(q) ⇒ apply(a, q) = b, and diff fails
    /// exactly when no merge patch maps a to b; on pairs of documents, mostly
    /// the second an edit of the first.
    DIFF_APPLY: (Value, Value) = ("LAW-MP-DIFF-APPLY", [MergePatchApply, MergePatchDiff])
        on strategy::arb_doc_pair(), |imp, (from, to)| diff_apply(imp, from, to);

    /// `LAW-MP-DIFF-MINIMAL`: diff has a member exactly where the objects
    /// differ; on pairs of documents, mostly the second an edit of the first.
    DIFF_MINIMAL: (Value, Value) = ("LAW-MP-DIFF-MINIMAL", [MergePatchDiff])
        on strategy::arb_doc_pair(), |imp, (from, to)| diff_minimal(imp, from, to);

    /// `LAW-MP-COMPOSE`: apply(d, compose(p, q)) = apply(apply(d, p), q), and
    /// compose fails exactly when no single patch has that effect; on a
    /// document and two overlapping patches.
    COMPOSE: (Value, Value, Value) = ("LAW-MP-COMPOSE", [MergePatchApply, MergePatchCompose])
        on strategy::arb_doc_and_two_merge_patches(),
        |imp, (doc, first, second)| compose(imp, doc, first, second);

    /// `LAW-MP-COMPOSE-ASSOC`: composition is associative where defined; on
    /// three patches, each written for the one before.
    COMPOSE_ASSOC: (Value, Value, Value) = ("LAW-MP-COMPOSE-ASSOC", [MergePatchCompose])
        on strategy::arb_three_merge_patches(), |imp, (p, q, r)| compose_assoc(imp, p, q, r);
}

/// Checks `LAW-MP-NONOBJECT-REPLACES` for a document and a non-object patch
/// (a patch that is an object is outside the law and passes).
///
/// # Errors
///
/// The violation, when the result is not exactly `patch`.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::merge_patch, Native};
/// use serde_json::json;
///
/// merge_patch::nonobject_replaces(&mut Native::new(), &json!({"a": 1}), &json!([null]))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn nonobject_replaces<I: Implementation + ?Sized>(
    imp: &mut I,
    doc: &Value,
    patch: &Value,
) -> Result<(), Violation> {
    if patch.is_object() {
        return Ok(());
    }
    let got = apply(imp, NONOBJECT_REPLACES.id, doc, patch)?;
    expect_exact(NONOBJECT_REPLACES.id, &got, patch, || {
        format!("apply({}, {})", abbreviate(doc), abbreviate(patch))
    })
}

/// Checks `LAW-MP-IDEMPOTENT`.
///
/// # Errors
///
/// The violation, when applying the patch a second time changes the result.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::merge_patch, Native};
/// use serde_json::json;
///
/// merge_patch::idempotent(&mut Native::new(), &json!(null), &json!({"a": {"b": null}}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn idempotent<I: Implementation + ?Sized>(
    imp: &mut I,
    doc: &Value,
    patch: &Value,
) -> Result<(), Violation> {
    let once = apply(imp, IDEMPOTENT.id, doc, patch)?;
    let twice = apply(imp, IDEMPOTENT.id, &once, patch)?;
    expect_exact(IDEMPOTENT.id, &twice, &once, || {
        format!(
            "apply twice of {} to {}",
            abbreviate(patch),
            abbreviate(doc)
        )
    })
}

/// Checks `LAW-MP-NULL-DELETES`: every member that an object patch sets to
/// `null` is absent from the result, at every level the patch reaches
/// through objects.
///
/// # Errors
///
/// The violation naming the member that survived.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::merge_patch, Native};
/// use serde_json::json;
///
/// merge_patch::null_deletes(&mut Native::new(), &json!({"a": {"b": 1}}), &json!({"a": {"b": null}}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn null_deletes<I: Implementation + ?Sized>(
    imp: &mut I,
    doc: &Value,
    patch: &Value,
) -> Result<(), Violation> {
    let got = apply(imp, NULL_DELETES.id, doc, patch)?;
    let mut path = Vec::new();
    check_nulls_deleted(patch, &got, &mut path).map_err(|at| {
        Violation::new(
            NULL_DELETES.id,
            format!(
                "member {at} is set to null by {} but present in the result {} (document {})",
                abbreviate(patch),
                abbreviate(&got),
                abbreviate(doc)
            ),
        )
    })
}

fn check_nulls_deleted(
    patch: &Value,
    result: &Value,
    path: &mut Vec<String>,
) -> Result<(), String> {
    let Value::Object(members) = patch else {
        return Ok(());
    };
    let Value::Object(out) = result else {
        return Err(format!(
            "{} (the result there is not an object)",
            pointer(path)
        ));
    };
    for (name, value) in members {
        path.push(name.clone());
        if value.is_null() {
            if out.contains_key(name) {
                return Err(pointer(path));
            }
        } else if let Some(inner) = out.get(name) {
            check_nulls_deleted(value, inner, path)?;
        } else {
            return Err(format!(
                "{} (missing although the patch sets it)",
                pointer(path)
            ));
        }
        path.pop();
    }
    Ok(())
}

/// Checks `LAW-MP-DIFF-APPLY` for the pair `from`, `to`: when diff succeeds,
/// applying its patch to `from` gives exactly `to`; diff fails with
/// `unrepresentable` exactly when [`representable`] is false.
///
/// # Errors
///
/// The violation, for a patch that misses `to`, a wrong refusal, or a
/// missing refusal.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::merge_patch, Native};
/// use serde_json::json;
///
/// let mut native = Native::new();
/// merge_patch::diff_apply(&mut native, &json!({"a": [1]}), &json!({"b": {"c": 1}}))?;
/// merge_patch::diff_apply(&mut native, &json!({}), &json!({"a": null}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn diff_apply<I: Implementation + ?Sized>(
    imp: &mut I,
    from: &Value,
    to: &Value,
) -> Result<(), Violation> {
    let arguments = [("from", from), ("to", to)];
    let possible = representable(from, to);
    let Some(patch) = partial(imp, DIFF_APPLY.id, Op::MergePatchDiff, &arguments, possible)? else {
        return Ok(());
    };
    let got = apply(imp, DIFF_APPLY.id, from, &patch)?;
    expect_exact(DIFF_APPLY.id, &got, to, || {
        format!(
            "apply(from, {}) after diff({}, {})",
            abbreviate(&patch),
            abbreviate(from),
            abbreviate(to)
        )
    })
}

/// Checks `LAW-MP-DIFF-MINIMAL`: for objects, the patch has a member exactly
/// for each name whose values differ (exact equality), recursively; when
/// either side is not an object, the patch is `to`. Pairs without a merge
/// patch are outside the law.
///
/// # Errors
///
/// The violation naming the first member that should or should not be in
/// the patch.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::merge_patch, Native};
/// use serde_json::json;
///
/// merge_patch::diff_minimal(&mut Native::new(), &json!({"a": 1, "b": 2}), &json!({"a": 1, "b": 3}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn diff_minimal<I: Implementation + ?Sized>(
    imp: &mut I,
    from: &Value,
    to: &Value,
) -> Result<(), Violation> {
    if !representable(from, to) {
        return Ok(());
    }
    let patch = call_ok(
        imp,
        DIFF_MINIMAL.id,
        Op::MergePatchDiff,
        &[("from", from), ("to", to)],
    )?;
    let mut path = Vec::new();
    check_minimal(from, to, &patch, &mut path).map_err(|why| {
        Violation::new(
            DIFF_MINIMAL.id,
            format!(
                "diff({}, {}) = {}: {why}",
                abbreviate(from),
                abbreviate(to),
                abbreviate(&patch)
            ),
        )
    })
}

fn check_minimal(
    from: &Value,
    to: &Value,
    patch: &Value,
    path: &mut Vec<String>,
) -> Result<(), String> {
    let (Value::Object(a), Value::Object(b)) = (from, to) else {
        return if patch == to {
            Ok(())
        } else {
            Err(format!(
                "at {} the patch should be the target value itself",
                pointer(path)
            ))
        };
    };
    let Value::Object(p) = patch else {
        return Err(format!(
            "at {} the patch should be an object",
            pointer(path)
        ));
    };
    for name in a.keys().chain(b.keys()) {
        path.push(name.clone());
        let expected_member = a.get(name) != b.get(name);
        match (p.get(name), expected_member) {
            (None, false) => {}
            (Some(_), false) => {
                return Err(format!(
                    "member {} is equal on both sides but in the patch",
                    pointer(path)
                ))
            }
            (None, true) => {
                return Err(format!(
                    "member {} differs but is not in the patch",
                    pointer(path)
                ))
            }
            (Some(member), true) => match (a.get(name), b.get(name)) {
                (_, None) if member.is_null() => {}
                (_, None) => {
                    return Err(format!(
                        "member {} is removed but the patch does not say null",
                        pointer(path)
                    ))
                }
                (Some(x @ Value::Object(_)), Some(y @ Value::Object(_))) => {
                    check_minimal(x, y, member, path)?
                }
                (_, Some(y)) if member == y => {}
                (_, Some(_)) => {
                    return Err(format!(
                        "member {} should be the target's value",
                        pointer(path)
                    ))
                }
            },
        }
        path.pop();
    }
    for name in p.keys() {
        if !a.contains_key(name) && !b.contains_key(name) {
            path.push(name.clone());
            return Err(format!("member {} is in neither document", pointer(path)));
        }
    }
    Ok(())
}

/// Checks `LAW-MP-COMPOSE` for the document `doc` and the patches `first`,
/// `second`: when compose succeeds its patch has the effect of both on
/// `doc`; compose fails with `unrepresentable` exactly when [`composable`]
/// is false.
///
/// # Errors
///
/// The violation, for a composed patch with another effect, a wrong refusal
/// or a missing refusal.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::merge_patch, Native};
/// use serde_json::json;
///
/// let mut native = Native::new();
/// merge_patch::compose(&mut native, &json!({"a": {"x": 1}}), &json!({"a": {"y": 2}}), &json!({"a": {"x": null}}))?;
/// merge_patch::compose(&mut native, &json!({}), &json!({"a": null}), &json!({"a": {"b": 1}}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn compose<I: Implementation + ?Sized>(
    imp: &mut I,
    doc: &Value,
    first: &Value,
    second: &Value,
) -> Result<(), Violation> {
    let arguments = [("first", first), ("second", second)];
    let possible = composable(first, second);
    let Some(both) = partial(imp, COMPOSE.id, Op::MergePatchCompose, &arguments, possible)? else {
        return Ok(());
    };
    let in_turn = apply(imp, COMPOSE.id, doc, first)?;
    let expected = apply(imp, COMPOSE.id, &in_turn, second)?;
    let got = apply(imp, COMPOSE.id, doc, &both)?;
    expect_exact(COMPOSE.id, &got, &expected, || {
        format!(
            "compose({}, {}) = {} applied to {}",
            abbreviate(first),
            abbreviate(second),
            abbreviate(&both),
            abbreviate(doc)
        )
    })
}

/// Runs `op`, which must succeed exactly when a merge patch with the
/// asked effect exists (`possible`) and otherwise fail with
/// `unrepresentable`: its result when it rightly succeeded, `None` when it
/// rightly refused.
fn partial<I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    op: Op,
    arguments: &[(&str, &Value)],
    possible: bool,
) -> Result<Option<Value>, Violation> {
    let what = || format!("{op} of {}", shown(arguments));
    match call(imp, law, op, arguments)? {
        Ok(result) if possible => Ok(Some(result)),
        Ok(result) => Err(Violation::new(
            law,
            format!(
                "{} gave {} but no such merge patch exists",
                what(),
                abbreviate(&result)
            ),
        )),
        Err(code) if code == "unrepresentable" && !possible => Ok(None),
        Err(code) => Err(Violation::new(
            law,
            format!(
                "{} failed with {code} although such a merge patch exists",
                what()
            ),
        )),
    }
}

/// Checks `LAW-MP-COMPOSE-ASSOC`: if compose(compose(p, q), r) is defined,
/// so is compose(p, compose(q, r)), and they are equal.
///
/// # Errors
///
/// The violation, when only the left grouping is defined or the two differ.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::merge_patch, Native};
/// use serde_json::json;
///
/// merge_patch::compose_assoc(&mut Native::new(), &json!({"a": 1}), &json!({"b": {"c": 2}}), &json!({"a": null}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn compose_assoc<I: Implementation + ?Sized>(
    imp: &mut I,
    p: &Value,
    q: &Value,
    r: &Value,
) -> Result<(), Violation> {
    let compose_two = |imp: &mut I, x: &Value, y: &Value| {
        call(
            imp,
            COMPOSE_ASSOC.id,
            Op::MergePatchCompose,
            &[("first", x), ("second", y)],
        )
    };
    let Ok(pq) = compose_two(imp, p, q)? else {
        return Ok(());
    };
    let Ok(left) = compose_two(imp, &pq, r)? else {
        return Ok(());
    };
    let what = || {
        format!(
            "p = {}, q = {}, r = {}",
            abbreviate(p),
            abbreviate(q),
            abbreviate(r)
        )
    };
    let qr = compose_two(imp, q, r)?.map_err(|code| {
        Violation::new(
            COMPOSE_ASSOC.id,
            format!("(p∘q)∘r is defined but q∘r fails with {code}: {}", what()),
        )
    })?;
    let right = compose_two(imp, p, &qr)?.map_err(|code| {
        Violation::new(
            COMPOSE_ASSOC.id,
            format!(
                "(p∘q)∘r is defined but p∘(q∘r) fails with {code}: {}",
                what()
            ),
        )
    })?;
    expect_exact(COMPOSE_ASSOC.id, &right, &left, || {
        format!("p∘(q∘r) against (p∘q)∘r for {}", what())
    })
}

/// Whether some merge patch turns `from` into `to` (the condition of
/// `spec/20-merge-patch.md`): `to` has no `null` member, reached through
/// objects, that `from` does not have as `null` at the same place.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::laws::merge_patch::representable;
/// use serde_json::json;
///
/// assert!(representable(&json!({"a": null}), &json!({"a": null, "b": [null]})));
/// assert!(!representable(&json!({"a": 1}), &json!({"a": null})));
/// assert!(!representable(&json!(1), &json!({"a": {"b": null}})));
/// ```
#[must_use]
pub fn representable(from: &Value, to: &Value) -> bool {
    match to {
        Value::Object(b) => match from {
            Value::Object(a) => b.iter().all(|(name, value)| match (a.get(name), value) {
                (Some(Value::Null), Value::Null) => true,
                (_, Value::Null) => false,
                (old, value) => member_representable(old, value),
            }),
            _ => written_whole(b),
        },
        _ => true,
    }
}

fn member_representable(old: Option<&Value>, new: &Value) -> bool {
    match old {
        Some(old) => representable(old, new),
        None => match new {
            Value::Object(b) => written_whole(b),
            _ => true,
        },
    }
}

/// An object written into a place that is not an object: no `null` may
/// appear through objects, since each would delete instead of being kept.
fn written_whole(members: &Map<String, Value>) -> bool {
    members.values().all(|value| match value {
        Value::Null => false,
        Value::Object(inner) => written_whole(inner),
        _ => true,
    })
}

/// Whether a single merge patch has the effect of `first` then `second`
/// (the condition of `spec/20-merge-patch.md`): nowhere does `second` merge
/// an object where `first` sets a non-object value or `null`.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::laws::merge_patch::composable;
/// use serde_json::json;
///
/// assert!(composable(&json!({"a": null}), &json!({"a": 1})));
/// assert!(!composable(&json!({"a": null}), &json!({"a": {}})));
/// assert!(!composable(&json!([]), &json!({})));
/// ```
#[must_use]
pub fn composable(first: &Value, second: &Value) -> bool {
    match (first, second) {
        (_, Value::Object(q)) => match first {
            Value::Object(p) => q.iter().all(|(name, value)| match (p.get(name), value) {
                (Some(earlier), Value::Object(_)) => composable(earlier, value),
                _ => true,
            }),
            _ => false,
        },
        _ => true,
    }
}

fn apply<I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    doc: &Value,
    patch: &Value,
) -> Result<Value, Violation> {
    call_ok(
        imp,
        law,
        Op::MergePatchApply,
        &[("doc", doc), ("patch", patch)],
    )
}

fn expect_exact(
    law: &'static str,
    got: &Value,
    expected: &Value,
    what: impl FnOnce() -> String,
) -> Result<(), Violation> {
    expect(law, got, expected, || {
        format!(
            "{}: got {}, expected {}",
            what(),
            abbreviate(got),
            abbreviate(expected)
        )
    })
}

fn pointer(path: &[String]) -> String {
    format!(
        "{:?}",
        patchlaw::PointerBuf::from_tokens(path.iter().cloned()).to_string()
    )
}
