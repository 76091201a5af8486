//! The JSON Patch laws of `spec/30-json-patch.md`.
//!
//! Most are checked through an [`Implementation`]; the ones about
//! patchlaw's in-place API (atomicity, the failing operation's index, the
//! inverse patch, serde) take patchlaw's types directly, because the
//! adapter protocol cannot observe them.

use patchlaw::json_patch::{diff_with, DiffOptions, Patch};
use patchlaw::{Limits, PointerBuf};
use serde_json::{json, Value};

use super::{call, call_ok, declare_checks, expect, Violation};
use crate::implementation::{abbreviate, Implementation, Op};
use crate::strategy;

declare_checks! {
    /// `LAW-JP-ATOMIC`: a failed application leaves the document unchanged; on
    /// patches written for the document that fail after changing it.
    ATOMIC: (Value, Value) = ("LAW-JP-ATOMIC", [])
        on strategy::arb_doc_and_failing_patch(),
        |_, (doc, patch)| atomic(doc, patch, Limits::new());

    /// `LAW-JP-EMPTY`: the empty patch changes nothing, for all documents.
    EMPTY: Value = ("LAW-JP-EMPTY", [JsonPatchApply])
        on strategy::arb_doc(), |imp, doc| empty(imp, doc);

    /// `LAW-JP-CONCAT`: applying p ++ q is applying p, then q; on a document
    /// and two patches, the second written for what the first produces.
    CONCAT: (Value, Value, Value) = ("LAW-JP-CONCAT", [JsonPatchApply])
        on strategy::arb_doc_and_two_patches(),
        |imp, (doc, first, second)| concat(imp, doc, first, second);

    /// `LAW-JP-INVERSE`: the inverse patch gives the original back; on
    /// patches written for the document.
    INVERSE: (Value, Value) = ("LAW-JP-INVERSE", [])
        on strategy::arb_doc_and_patch(), |_, (doc, patch)| inverse(doc, patch);

    /// `LAW-JP-TEST-EQUALITY`: `test` passes iff the values are §4.6-equal; on
    /// locations of the document and values equal to what is there, written
    /// differently or not, or different.
    TEST_EQUALITY: (Value, PointerBuf, Value) = ("LAW-JP-TEST-EQUALITY", [JsonPatchApply])
        on strategy::arb_doc_path_and_test_value(),
        |imp, (doc, path, value)| test_equality(imp, doc, path, value);

    /// `LAW-JP-MOVE-IS-REMOVE-ADD`: `move` is `remove` then `add`; on sources
    /// that mostly exist and destinations where `add` can mostly write.
    MOVE_IS_REMOVE_ADD: (Value, PointerBuf, PointerBuf) =
        ("LAW-JP-MOVE-IS-REMOVE-ADD", [JsonPatchApply])
        on strategy::arb_doc_from_and_path(),
        |imp, (doc, from, path)| move_is_remove_add(imp, doc, from, path);

    /// `LAW-JP-COPY-IS-ADD`: `copy` is `add` of the value at `from`; on sources
    /// that mostly exist and destinations where `add` can mostly write.
    COPY_IS_ADD: (Value, PointerBuf, PointerBuf) = ("LAW-JP-COPY-IS-ADD", [JsonPatchApply])
        on strategy::arb_doc_from_and_path(),
        |imp, (doc, from, path)| copy_is_add(imp, doc, from, path);

    /// `LAW-JP-SERDE-ROUNDTRIP`: a patch survives serialization; on any patch
    /// of up to eight operations.
    SERDE_ROUNDTRIP: Patch = ("LAW-JP-SERDE-ROUNDTRIP", [])
        on strategy::arb_patch(), |_, patch| serde_roundtrip(patch);

    /// `LAW-JP-DIFF-APPLY`: apply(a, diff(a, b)) = b; on pairs of documents,
    /// mostly the second an edit of the first.
    DIFF_APPLY: (Value, Value) = ("LAW-JP-DIFF-APPLY", [JsonPatchApply, JsonPatchDiff])
        on strategy::arb_doc_pair_for_diff(), |imp, (from, to)| diff_apply(imp, from, to);

    /// `LAW-JP-DIFF-SELF`: diff(a, a) = [], for all documents.
    DIFF_SELF: Value = ("LAW-JP-DIFF-SELF", [JsonPatchDiff])
        on strategy::arb_doc(), |imp, doc| diff_self(imp, doc);

    /// `LAW-JP-DIFF-LOCAL`: one array element inserted, removed or replaced
    /// gives a diff local to it; on an array of the document and one edit.
    DIFF_LOCAL: (Value, PointerBuf, ArrayEdit) = ("LAW-JP-DIFF-LOCAL", [JsonPatchDiff])
        on strategy::arb_doc_array_and_edit(),
        |imp, (doc, array, edit)| diff_local(imp, doc, array, edit);
}

/// Checks `LAW-JP-ATOMIC` on patchlaw's in-place API, with and without an
/// inverse being built: when reading or applying `patch` fails, `doc` is exactly as it was, member order
/// included (compared as serialized text, which shows the order under
/// `preserve_order`).
///
/// # Errors
///
/// The violation, showing the document before and after.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::laws::json_patch;
/// use serde_json::json;
///
/// let patch = json!([{"op": "remove", "path": "/a"}, {"op": "test", "path": "/b", "value": 0}]);
/// json_patch::atomic(&json!({"a": 1, "b": 2}), &patch, patchlaw::Limits::new())?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn atomic(doc: &Value, patch: &Value, limits: Limits) -> Result<(), Violation> {
    for with_inverse in [false, true] {
        let mut target = doc.clone();
        let outcome = Patch::from_value_with_limits(patch, limits).and_then(|p| {
            if with_inverse {
                p.apply_with_inverse_and_limits(&mut target, limits)
                    .map(drop)
            } else {
                p.apply_with_limits(&mut target, limits)
            }
        });
        if outcome.is_err() && (target != *doc || !same_text(&target, doc)) {
            let how = if with_inverse {
                "apply_with_inverse"
            } else {
                "apply"
            };
            return Err(Violation::new(
                ATOMIC.id,
                format!(
                    "{} failed ({how}) but changed {} into {}",
                    abbreviate(patch),
                    abbreviate(doc),
                    abbreviate(&target)
                ),
            ));
        }
    }
    Ok(())
}

/// Whether two values serialize to the same text: equal, and with their
/// members in the same order.
fn same_text(a: &Value, b: &Value) -> bool {
    let (a, b) = (a.to_string(), b.to_string());
    a == b
}

/// Checks `LAW-JP-EMPTY`: applying `[]` gives the document back exactly.
///
/// # Errors
///
/// The violation, when the result differs or the application fails.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::json_patch, Native};
///
/// json_patch::empty(&mut Native::new(), &serde_json::json!({"a": [1.0]}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn empty<I: Implementation + ?Sized>(imp: &mut I, doc: &Value) -> Result<(), Violation> {
    let got = apply(imp, EMPTY.id, doc, &json!([]))?;
    expect(EMPTY.id, &got.as_ref(), &Ok(doc), || {
        format!("[] applied to {} gave {got:?}", abbreviate(doc))
    })
}

/// Checks `LAW-JP-CONCAT` through an implementation: for well-formed
/// patches, applying `first ++ second` succeeds iff applying `first` and
/// then `second` does, with the same result, or fails with the same error
/// code.
///
/// # Errors
///
/// The violation, showing both outcomes.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::json_patch, Native};
/// use serde_json::json;
///
/// let mut native = Native::with_limits(patchlaw::Limits::unlimited());
/// let p = json!([{"op": "add", "path": "/a", "value": [1]}]);
/// let q = json!([{"op": "copy", "from": "/a", "path": "/a/-"}]);
/// json_patch::concat(&mut native, &json!({}), &p, &q)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn concat<I: Implementation + ?Sized>(
    imp: &mut I,
    doc: &Value,
    first: &Value,
    second: &Value,
) -> Result<(), Violation> {
    let (Value::Array(p), Value::Array(q)) = (first, second) else {
        return Ok(());
    };
    if !well_formed(first) || !well_formed(second) {
        // A malformed patch is refused as a whole, before any operation
        // runs, so p ++ q can fail where p alone fails later.
        return Ok(());
    }
    let joined = Value::Array(p.iter().chain(q).cloned().collect());
    let together = apply(imp, CONCAT.id, doc, &joined)?;
    let in_turn = match apply(imp, CONCAT.id, doc, first)? {
        Ok(middle) => apply(imp, CONCAT.id, &middle, second)?,
        Err(code) => Err(code),
    };
    expect(CONCAT.id, &together, &in_turn, || {
        format!(
            "on {}: p ++ q gave {together:?}, p then q gave {in_turn:?} (p = {}, q = {})",
            abbreviate(doc),
            abbreviate(first),
            abbreviate(second)
        )
    })
}

/// Checks the part of `LAW-JP-CONCAT` the protocol cannot see, on
/// patchlaw: when `first ++ second` fails in `second`, the failing index is
/// the index in `second` plus the length of `first`, and when it fails in
/// `first`, the same index as `first` alone.
///
/// # Errors
///
/// The violation, showing both indices.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::laws::json_patch;
/// use serde_json::json;
///
/// let p = json!([{"op": "add", "path": "/a", "value": 1}]);
/// let q = json!([{"op": "test", "path": "/a", "value": 2}]);
/// json_patch::concat_index(&json!({}), &p, &q)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn concat_index(doc: &Value, first: &Value, second: &Value) -> Result<(), Violation> {
    let (Value::Array(p), Value::Array(q)) = (first, second) else {
        return Ok(());
    };
    if !well_formed(first) || !well_formed(second) {
        return Ok(());
    }
    let unlimited = Limits::unlimited();
    let run = |patch: &Value, doc: &mut Value| {
        Patch::from_value_with_limits(patch, unlimited)
            .and_then(|p| p.apply_with_limits(doc, unlimited))
    };
    let joined = Value::Array(p.iter().chain(q).cloned().collect());
    let together = run(&joined, &mut doc.clone())
        .err()
        .and_then(|e| e.op_index());
    let mut middle = doc.clone();
    let expected = match run(first, &mut middle) {
        Err(e) => e.op_index(),
        Ok(()) => run(second, &mut middle)
            .err()
            .and_then(|e| e.op_index())
            .map(|i| i + p.len()),
    };
    expect(CONCAT.id, &together, &expected, || {
        format!(
            "p ++ q failed at {together:?}, expected {expected:?} (p = {}, q = {})",
            abbreviate(first),
            abbreviate(second)
        )
    })
}

/// Whether `patch` reads as a JSON Patch (RFC 6902 §3, §4).
fn well_formed(patch: &Value) -> bool {
    Patch::from_value_with_limits(patch, Limits::unlimited()).is_ok()
}

/// Checks `LAW-JP-INVERSE` on patchlaw: when `apply_with_inverse` succeeds,
/// applying the inverse to the result gives the original document.
///
/// # Errors
///
/// The violation, showing the inverse and what it produced.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::laws::json_patch;
/// use serde_json::json;
///
/// let patch = json!([{"op": "move", "from": "/a/b", "path": "/a"}]);
/// json_patch::inverse(&json!({"a": {"b": 1, "c": 2}}), &patch)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn inverse(doc: &Value, patch: &Value) -> Result<(), Violation> {
    let Ok(patch) = Patch::from_value(patch) else {
        return Ok(());
    };
    let mut target = doc.clone();
    let Ok(undo) = patch.apply_with_inverse(&mut target) else {
        return Ok(());
    };
    let after = target.clone();
    match undo.apply(&mut target) {
        Ok(()) if target == *doc => Ok(()),
        outcome => Err(Violation::new(
            INVERSE.id,
            format!(
                "{patch} on {} gave {} with inverse {undo}, which gave {}",
                abbreviate(doc),
                abbreviate(&after),
                match outcome {
                    Ok(()) => abbreviate(&target),
                    Err(e) => format!("error {e}"),
                }
            ),
        )),
    }
}

/// Checks `LAW-JP-TEST-EQUALITY`: `test` at an existing `path` passes iff
/// `value` equals the value there under RFC 6902 §4.6, as
/// [`reference_equal`] computes it; on a missing path it fails with
/// `path-not-found`.
///
/// # Errors
///
/// The violation, with both values.
///
/// # Examples
///
/// ```
/// use patchlaw::PointerBuf;
/// use patchlaw_conformance::{laws::json_patch, Native};
/// use serde_json::json;
///
/// let path = PointerBuf::parse("/a")?;
/// json_patch::test_equality(&mut Native::new(), &json!({"a": [1, {"b": 2}]}), &path, &json!([1.0, {"b": 2.0}]))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn test_equality<I: Implementation + ?Sized>(
    imp: &mut I,
    doc: &Value,
    path: &PointerBuf,
    value: &Value,
) -> Result<(), Violation> {
    let patch = json!([{"op": "test", "path": path.to_string(), "value": value}]);
    let got = apply(imp, TEST_EQUALITY.id, doc, &patch)?;
    let expected = match path.get(doc) {
        Ok(current) if reference_equal(current, value) => Ok(doc.clone()),
        Ok(_) => Err("test-failed".to_owned()),
        Err(e) => Err(e.kind().code().to_owned()),
    };
    expect(TEST_EQUALITY.id, &got, &expected, || {
        format!(
            "test {path} = {} on {}: expected {expected:?}, got {got:?}",
            abbreviate(value),
            abbreviate(doc)
        )
    })
}

/// RFC 6902 §4.6 equality, written from the RFC independently of
/// patchlaw's: numbers compare as exact decimals of their text, the rest
/// structurally with objects unordered. (It reads integral doubles beyond
/// 2^53 by their shortest text; the generators do not pit those against
/// integers.)
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::laws::json_patch::reference_equal;
/// use serde_json::json;
///
/// assert!(reference_equal(&json!({"a": 1, "b": [2]}), &json!({"b": [2.0], "a": 1.0})));
/// assert!(!reference_equal(&json!(1), &json!(true)));
/// ```
#[must_use]
pub fn reference_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => decimal(&x.to_string()) == decimal(&y.to_string()),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(u, v)| reference_equal(u, v))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, u)| y.get(k).is_some_and(|v| reference_equal(u, v)))
        }
        _ => a == b,
    }
}

/// A number's text as (negative, significant digits, exponent).
fn decimal(text: &str) -> (bool, String, i64) {
    let (negative, rest) = text.strip_prefix('-').map_or((false, text), |r| (true, r));
    let (mantissa, exponent) = match rest.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i64>().unwrap_or(0)),
        None => (rest, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let leading = digits.trim_start_matches('0');
    let significant = leading.trim_end_matches('0');
    if significant.is_empty() {
        return (false, String::new(), 0);
    }
    let exponent = exponent - fraction.len() as i64 + (leading.len() - significant.len()) as i64;
    (negative, significant.to_owned(), exponent)
}

/// Checks `LAW-JP-MOVE-IS-REMOVE-ADD`: unless `from` is the root or a
/// proper prefix of `path`, `move` gives what `remove` at `from` then `add` at `path` of the
/// removed value gives, failures included (same error code).
///
/// # Errors
///
/// The violation, with both outcomes.
///
/// # Examples
///
/// ```
/// use patchlaw::PointerBuf;
/// use patchlaw_conformance::{laws::json_patch, Native};
/// use serde_json::json;
///
/// let (from, path) = (PointerBuf::parse("/a/0")?, PointerBuf::parse("/a/1")?);
/// json_patch::move_is_remove_add(&mut Native::new(), &json!({"a": [1, 2, 3]}), &from, &path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn move_is_remove_add<I: Implementation + ?Sized>(
    imp: &mut I,
    doc: &Value,
    from: &PointerBuf,
    path: &PointerBuf,
) -> Result<(), Violation> {
    if from.is_proper_prefix_of(path) || from.is_root() {
        // The root cannot be removed, so remove-then-add is not defined
        // there; moving from the root is covered by move-into-descendant
        // and by `from == path`.
        return Ok(());
    }
    let moved = json!([{"op": "move", "from": from.to_string(), "path": path.to_string()}]);
    let got = apply(imp, MOVE_IS_REMOVE_ADD.id, doc, &moved)?;
    let expected = match from.get(doc) {
        Ok(value) => {
            let steps = json!([
                {"op": "remove", "path": from.to_string()},
                {"op": "add", "path": path.to_string(), "value": value},
            ]);
            apply(imp, MOVE_IS_REMOVE_ADD.id, doc, &steps)?
        }
        Err(e) => Err(e.kind().code().to_owned()),
    };
    expect(MOVE_IS_REMOVE_ADD.id, &got, &expected, || {
        format!(
            "move {from} → {path} on {}: got {got:?}, remove then add gave {expected:?}",
            abbreviate(doc)
        )
    })
}

/// Checks `LAW-JP-COPY-IS-ADD`: when `from` exists, `copy` gives what `add`
/// at `path` of the value at `from` gives, failures included.
///
/// # Errors
///
/// The violation, with both outcomes.
///
/// # Examples
///
/// ```
/// use patchlaw::PointerBuf;
/// use patchlaw_conformance::{laws::json_patch, Native};
/// use serde_json::json;
///
/// let (from, path) = (PointerBuf::parse("/a")?, PointerBuf::parse("/a/-")?);
/// json_patch::copy_is_add(&mut Native::new(), &json!({"a": [1]}), &from, &path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn copy_is_add<I: Implementation + ?Sized>(
    imp: &mut I,
    doc: &Value,
    from: &PointerBuf,
    path: &PointerBuf,
) -> Result<(), Violation> {
    let Ok(value) = from.get(doc) else {
        return Ok(());
    };
    let copied = json!([{"op": "copy", "from": from.to_string(), "path": path.to_string()}]);
    let added = json!([{"op": "add", "path": path.to_string(), "value": value}]);
    let got = apply(imp, COPY_IS_ADD.id, doc, &copied)?;
    let expected = apply(imp, COPY_IS_ADD.id, doc, &added)?;
    expect(COPY_IS_ADD.id, &got, &expected, || {
        format!(
            "copy {from} → {path} on {}: got {got:?}, add gave {expected:?}",
            abbreviate(doc)
        )
    })
}

/// Checks `LAW-JP-SERDE-ROUNDTRIP` on patchlaw's types: a patch read back
/// from its JSON value, and from its JSON text, is the same patch.
///
/// # Errors
///
/// The violation, with the patch and what came back.
///
/// # Examples
///
/// ```
/// use patchlaw::json_patch::Patch;
/// use patchlaw_conformance::laws::json_patch;
/// use serde_json::json;
///
/// let patch = Patch::from_value(&json!([{"op": "move", "from": "/a~1b", "path": "/-"}]))?;
/// json_patch::serde_roundtrip(&patch)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn serde_roundtrip(patch: &Patch) -> Result<(), Violation> {
    let value = patch.to_value();
    let back = Patch::from_value_with_limits(&value, Limits::unlimited());
    if back.as_ref() != Ok(patch) {
        return Err(Violation::new(
            SERDE_ROUNDTRIP.id,
            format!("{value} read back as {back:?}"),
        ));
    }
    let text = serde_json::to_string(patch)
        .map_err(|e| Violation::new(SERDE_ROUNDTRIP.id, e.to_string()))?;
    let parsed: Result<Patch, _> = serde_json::from_str(&text);
    match parsed {
        Ok(parsed)
            if parsed == *patch
                && serde_json::from_str::<Value>(&text).ok().as_ref() == Some(&value) =>
        {
            Ok(())
        }
        other => Err(Violation::new(
            SERDE_ROUNDTRIP.id,
            format!("{text} read back as {other:?}"),
        )),
    }
}

/// Checks `LAW-JP-DIFF-APPLY`: the implementation's diff, applied by the
/// implementation to `from`, gives exactly `to` (exact equality: a diff
/// must carry `1.0` as `1.0`).
///
/// # Errors
///
/// The violation, with the patch and what it produced.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::json_patch, Native};
/// use serde_json::json;
///
/// json_patch::diff_apply(&mut Native::new(), &json!({"a": [1, 2, 3]}), &json!({"a": [0, 2, 3.0], "b": 1}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn diff_apply<I: Implementation + ?Sized>(
    imp: &mut I,
    from: &Value,
    to: &Value,
) -> Result<(), Violation> {
    let patch = diff(imp, DIFF_APPLY.id, from, to)?;
    let got = call_ok(
        imp,
        DIFF_APPLY.id,
        Op::JsonPatchApply,
        &[("doc", from), ("patch", &patch)],
    )?;
    expect(DIFF_APPLY.id, &got, to, || {
        format!(
            "diff({}, {}) = {} produces {}",
            abbreviate(from),
            abbreviate(to),
            abbreviate(&patch),
            abbreviate(&got)
        )
    })
}

/// Checks the part of `LAW-JP-DIFF-APPLY` about patchlaw's diff options,
/// which the protocol does not carry: the diff with moves, with guarding
/// `test` operations, or with an edit-distance cap of 1 or 2, applied to
/// `from`, gives exactly `to`.
///
/// # Errors
///
/// The violation, with the options, the patch and what it produced.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::laws::json_patch;
/// use serde_json::json;
///
/// json_patch::diff_apply_with_options(&json!({"a": [1, 2, 3], "b": 1}), &json!({"a": [3, 1], "c": 1}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn diff_apply_with_options(from: &Value, to: &Value) -> Result<(), Violation> {
    let options = [
        DiffOptions::new().moves(true),
        DiffOptions::new().tests(true),
        DiffOptions::new().max_edit_distance(1),
        DiffOptions::new().max_edit_distance(2),
    ];
    for options in options {
        let what = || {
            format!(
                "{options:?}: diff({}, {})",
                abbreviate(from),
                abbreviate(to)
            )
        };
        let patch = diff_with(from, to, options)
            .map_err(|e| Violation::new(DIFF_APPLY.id, format!("{} failed: {e}", what())))?;
        let mut doc = from.clone();
        match patch.apply(&mut doc) {
            Ok(()) if doc == *to => {}
            outcome => {
                let got = outcome.map_or_else(|e| format!("error {e}"), |()| abbreviate(&doc));
                return Err(Violation::new(
                    DIFF_APPLY.id,
                    format!("{} = {patch} produces {got}", what()),
                ));
            }
        }
    }
    Ok(())
}

/// Checks `LAW-JP-DIFF-SELF`: the diff of a document with itself is empty.
///
/// # Errors
///
/// The violation, with the patch.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::json_patch, Native};
///
/// json_patch::diff_self(&mut Native::new(), &serde_json::json!({"a": [1, {"b": null}]}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn diff_self<I: Implementation + ?Sized>(imp: &mut I, doc: &Value) -> Result<(), Violation> {
    let patch = diff(imp, DIFF_SELF.id, doc, doc)?;
    expect(DIFF_SELF.id, &patch, &json!([]), || {
        format!(
            "diff(d, d) = {} for d = {}",
            abbreviate(&patch),
            abbreviate(doc)
        )
    })
}

/// An edit of one element of one array in a document, for
/// `LAW-JP-DIFF-LOCAL`.
#[derive(Clone, Debug)]
pub enum ArrayEdit {
    /// Insert this value at this index.
    Insert(usize, Value),
    /// Remove the element at this index.
    Remove(usize),
    /// Replace the element at this index by this value.
    Replace(usize, Value),
}

/// Checks `LAW-JP-DIFF-LOCAL`: with `to` equal to `from` but for `edit` of
/// the array at `array`, an insertion or a removal diffs to exactly one
/// operation, and a replacement to operations all at or under the element.
/// Cases where the edit does not apply (no array there, index out of
/// range) or changes nothing are outside the law.
///
/// # Errors
///
/// The violation, with the patch.
///
/// # Examples
///
/// ```
/// use patchlaw::PointerBuf;
/// use patchlaw_conformance::laws::json_patch::{diff_local, ArrayEdit};
/// use patchlaw_conformance::Native;
/// use serde_json::json;
///
/// let from = json!({"list": [1, 2, 3, 2, 1]});
/// let array = PointerBuf::parse("/list")?;
/// diff_local(&mut Native::new(), &from, &array, &ArrayEdit::Insert(2, json!(2)))?;
/// diff_local(&mut Native::new(), &from, &array, &ArrayEdit::Replace(1, json!({"x": 2})))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff_local<I: Implementation + ?Sized>(
    imp: &mut I,
    from: &Value,
    array: &PointerBuf,
    edit: &ArrayEdit,
) -> Result<(), Violation> {
    let mut to = from.clone();
    let Ok(Value::Array(items)) = array.get_mut(&mut to) else {
        return Ok(());
    };
    let index = match edit {
        ArrayEdit::Insert(i, value) if *i <= items.len() => {
            items.insert(*i, value.clone());
            *i
        }
        ArrayEdit::Remove(i) if *i < items.len() => {
            items.remove(*i);
            *i
        }
        ArrayEdit::Replace(i, value) if *i < items.len() && items[*i] != *value => {
            items[*i] = value.clone();
            *i
        }
        _ => return Ok(()),
    };
    let patch = diff(imp, DIFF_LOCAL.id, from, &to)?;
    let operations = patch.as_array().cloned().unwrap_or_default();
    let mut element = array.clone();
    element.push(index.to_string());
    let local = match edit {
        ArrayEdit::Insert(..) | ArrayEdit::Remove(_) => operations.len() == 1,
        ArrayEdit::Replace(..) => {
            !operations.is_empty()
                && operations.iter().all(|op| {
                    let at = |member: &str| {
                        op.get(member)
                            .and_then(Value::as_str)
                            .and_then(|p| PointerBuf::parse(p).ok())
                            .map_or(true, |p| p.starts_with(&element))
                    };
                    at("path") && at("from")
                })
        }
    };
    if local {
        Ok(())
    } else {
        Err(Violation::new(
            DIFF_LOCAL.id,
            format!(
                "{edit:?} at {array} in {} diffs to {}",
                abbreviate(from),
                abbreviate(&patch)
            ),
        ))
    }
}

/// Runs `json_patch.apply` of `patch` on `doc`.
fn apply<I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    doc: &Value,
    patch: &Value,
) -> Result<Result<Value, String>, Violation> {
    call(
        imp,
        law,
        Op::JsonPatchApply,
        &[("doc", doc), ("patch", patch)],
    )
}

/// Runs `json_patch.diff` from `from` to `to`; an error is a violation.
fn diff<I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    from: &Value,
    to: &Value,
) -> Result<Value, Violation> {
    call_ok(imp, law, Op::JsonPatchDiff, &[("from", from), ("to", to)])
}
