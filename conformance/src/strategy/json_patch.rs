//! JSON Patch (RFC 6902): operations and patches, mostly written for a
//! document so that they succeed, and patches that fail at a chosen step.
//!
//! A patch for a document is built one operation at a time, each for the
//! document the operations before it produce ([`arb_patch_for`]): they
//! add, remove, replace, move, copy and test real locations, so that almost
//! all succeed and the laws check what they should rather than errors.

use patchlaw::PointerBuf;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};

use super::document::{
    arb_doc, arb_doc_pair, arb_pointer_for, arb_tokens, arb_value, existing_paths, renumber,
};

/// The choices behind one generated operation, which the patch generators turn
/// into an operation that fits the document at that point.
#[derive(Clone, Debug)]
pub struct OpSeed {
    kind: u8,
    a: usize,
    b: usize,
    value: Value,
}

fn arb_op_seed() -> impl Strategy<Value = OpSeed> {
    (0u8..6, any::<usize>(), any::<usize>(), arb_value()).prop_map(|(kind, a, b, value)| OpSeed {
        kind,
        a,
        b,
        value,
    })
}

/// A JSON Patch (as JSON) written for `doc`: each operation is chosen for
/// the document the operations before it produce, so almost all succeed;
/// they add, remove, replace, move, copy and test real locations, with
/// `-` and in-range indices, and `test` values that are §4.6-equal but
/// written differently.
pub fn arb_patch_for(doc: &Value) -> BoxedStrategy<Value> {
    let doc = doc.clone();
    vec(arb_op_seed(), 0..8)
        .prop_map(move |seeds| Value::Array(build_patch(&doc, &seeds).0))
        .boxed()
}

/// A JSON Patch for `doc` that fails: operations that succeed, then one
/// that cannot (a `test` that differs, a missing location, a bad index, a
/// move into its own child, a malformed operation), then more.
pub fn arb_failing_patch_for(doc: &Value) -> BoxedStrategy<Value> {
    let doc = doc.clone();
    (
        vec(arb_op_seed(), 0..5),
        0u8..9,
        any::<usize>(),
        vec(arb_op_seed(), 0..3),
    )
        .prop_map(move |(before, failure, pick, after)| {
            let (mut ops, state) = build_patch(&doc, &before);
            ops.push(failing_operation(&state, failure, pick));
            let (more, _) = build_patch(&state, &after);
            ops.extend(more);
            Value::Array(ops)
        })
        .boxed()
}

/// A document with a patch written for it.
pub fn arb_doc_and_patch() -> impl Strategy<Value = (Value, Value)> {
    arb_doc().prop_flat_map(|doc| {
        let patch = arb_patch_for(&doc);
        (Just(doc), patch)
    })
}

/// A document with a patch that fails on it.
pub fn arb_doc_and_failing_patch() -> impl Strategy<Value = (Value, Value)> {
    arb_doc().prop_flat_map(|doc| {
        let patch = arb_failing_patch_for(&doc);
        (Just(doc), patch)
    })
}

/// A document with a patch that mostly succeeds and sometimes fails.
pub fn arb_doc_and_any_patch() -> impl Strategy<Value = (Value, Value)> {
    arb_doc().prop_flat_map(|doc| {
        let patch = prop_oneof![3 => arb_patch_for(&doc), 1 => arb_failing_patch_for(&doc)];
        (Just(doc), patch)
    })
}

/// A document and two patches, the second written for what the first
/// produces; either may fail.
pub fn arb_doc_and_two_patches() -> impl Strategy<Value = (Value, Value, Value)> {
    arb_doc_and_any_patch().prop_flat_map(|(doc, first)| {
        let mut after = doc.clone();
        let ok = patchlaw::json_patch::Patch::from_value_with_limits(
            &first,
            patchlaw::Limits::unlimited(),
        )
        .and_then(|p| p.apply_with_limits(&mut after, patchlaw::Limits::unlimited()))
        .is_ok();
        let base = if ok { after } else { doc.clone() };
        let second = prop_oneof![3 => arb_patch_for(&base), 1 => arb_failing_patch_for(&base)];
        (Just(doc), Just(first), second)
    })
}

/// A document, a location in it (usually existing), and a value to test
/// against it: the value there written differently (§4.6-equal), the same
/// value, or another value.
pub fn arb_doc_path_and_test_value() -> impl Strategy<Value = (Value, PointerBuf, Value)> {
    arb_doc()
        .prop_flat_map(|doc| {
            let path = arb_pointer_for(&doc);
            (Just(doc), path)
        })
        .prop_flat_map(|(doc, path)| {
            let value = match path.get(&doc) {
                Ok(current) => prop_oneof![
                    3 => Just(renumber(current)),
                    1 => Just(current.clone()),
                    2 => arb_value(),
                ]
                .boxed(),
                Err(_) => arb_value().boxed(),
            };
            (Just(doc), Just(path), value)
        })
}

/// A document and two locations for `move` and `copy`: a source that
/// mostly exists and a destination where `add` can mostly write.
pub fn arb_doc_from_and_path() -> impl Strategy<Value = (Value, PointerBuf, PointerBuf)> {
    arb_doc().prop_flat_map(|doc| {
        let from = arb_pointer_for(&doc);
        let to = (any::<usize>(), any::<usize>()).prop_map({
            let doc = doc.clone();
            move |(a, b)| add_destination(&doc, a, b)
        });
        let path = prop_oneof![3 => to, 1 => arb_pointer_for(&doc)];
        (Just(doc), from, path)
    })
}

/// Any operation, with arbitrary pointers and values.
pub fn arb_operation() -> impl Strategy<Value = patchlaw::json_patch::Operation> {
    use patchlaw::json_patch::Operation;

    let pointer = || arb_tokens().prop_map(PointerBuf::from_tokens);
    prop_oneof![
        (pointer(), arb_value()).prop_map(|(path, value)| Operation::Add { path, value }),
        pointer().prop_map(|path| Operation::Remove { path }),
        (pointer(), arb_value()).prop_map(|(path, value)| Operation::Replace { path, value }),
        (pointer(), pointer()).prop_map(|(from, path)| Operation::Move { from, path }),
        (pointer(), pointer()).prop_map(|(from, path)| Operation::Copy { from, path }),
        (pointer(), arb_value()).prop_map(|(path, value)| Operation::Test { path, value }),
    ]
}

/// Any patch of up to eight operations.
pub fn arb_patch() -> impl Strategy<Value = patchlaw::json_patch::Patch> {
    vec(arb_operation(), 0..8).prop_map(patchlaw::json_patch::Patch::from)
}

/// Builds operations from seeds, each for the document the previous ones
/// produce; returns the patch and that final document.
fn build_patch(doc: &Value, seeds: &[OpSeed]) -> (Vec<Value>, Value) {
    let unlimited = patchlaw::Limits::unlimited();
    let mut current = doc.clone();
    let mut ops = Vec::new();
    for seed in seeds {
        let op = seeded_operation(&current, seed);
        let applied = patchlaw::json_patch::Patch::from_value_with_limits(&json!([op]), unlimited)
            .and_then(|p| p.apply_with_limits(&mut current, unlimited));
        if applied.is_ok() {
            ops.push(op);
        }
    }
    (ops, current)
}

fn seeded_operation(doc: &Value, seed: &OpSeed) -> Value {
    let paths = existing_paths(doc, 256);
    let pick = |n: usize| paths[n % paths.len()].to_string();
    let non_root: Vec<&PointerBuf> = paths.iter().filter(|p| !p.is_root()).collect();
    match (seed.kind, non_root.is_empty()) {
        (0, _) | (1 | 3, true) => {
            let path = add_destination(doc, seed.a, seed.b);
            json!({"op": "add", "path": path.to_string(), "value": seed.value})
        }
        (1, false) => {
            json!({"op": "remove", "path": non_root[seed.a % non_root.len()].to_string()})
        }
        (2, _) => json!({"op": "replace", "path": pick(seed.a), "value": seed.value}),
        (3, false) => {
            let from = non_root[seed.a % non_root.len()];
            // A destination outside the source, found in the document as it
            // will be after the removal.
            let mut without = doc.clone();
            let _ = patchlaw::json_patch::Patch::from_value(
                &json!([{"op": "remove", "path": from.to_string()}]),
            )
            .and_then(|p| p.apply(&mut without));
            let path = add_destination(&without, seed.b, seed.a.rotate_left(7));
            json!({"op": "move", "from": from.to_string(), "path": path.to_string()})
        }
        (4, _) => {
            let path = add_destination(doc, seed.b, seed.a.rotate_left(11));
            json!({"op": "copy", "from": pick(seed.a), "path": path.to_string()})
        }
        _ => {
            let path = &paths[seed.a % paths.len()];
            let current = path.get(doc).cloned().unwrap_or(Value::Null);
            let value = if seed.b % 2 == 0 {
                renumber(&current)
            } else {
                current
            };
            json!({"op": "test", "path": path.to_string(), "value": value})
        }
    }
}

/// A location `add` can write in `doc`: a new or existing member of an
/// object, an index up to the length or `-` of an array, or the root.
fn add_destination(doc: &Value, a: usize, b: usize) -> PointerBuf {
    let containers: Vec<PointerBuf> = existing_paths(doc, 256)
        .into_iter()
        .filter(|p| p.get(doc).is_ok_and(|v| v.is_object() || v.is_array()))
        .collect();
    if containers.is_empty() || a % 17 == 0 {
        return PointerBuf::new();
    }
    let mut path = containers[a % containers.len()].clone();
    match path.get(doc) {
        Ok(Value::Array(items)) => {
            let slot = b % (items.len() + 2);
            path.push(if slot > items.len() {
                "-".to_owned()
            } else {
                slot.to_string()
            });
        }
        Ok(Value::Object(members)) => {
            let names: Vec<&String> = members.keys().collect();
            let fresh = ["x", "a/b", "~1", "", "new"][b % 5];
            let name = if !names.is_empty() && b % 3 == 0 {
                names[b % names.len()].as_str()
            } else {
                fresh
            };
            path.push(name);
        }
        _ => {}
    }
    path
}

/// An operation that fails on `doc`, of one of nine kinds.
fn failing_operation(doc: &Value, kind: u8, pick: usize) -> Value {
    let paths = existing_paths(doc, 256);
    let path = &paths[pick % paths.len()];
    let missing = {
        let mut p = path.clone();
        p.push("\u{1F50D}missing");
        p
    };
    match kind {
        0 => {
            let current = path.get(doc).cloned().unwrap_or(Value::Null);
            let different = match current {
                Value::String(_) => json!(0),
                _ => json!("different"),
            };
            json!({"op": "test", "path": path.to_string(), "value": different})
        }
        1 => json!({"op": "remove", "path": missing.to_string()}),
        2 => json!({"op": "replace", "path": missing.to_string(), "value": 1}),
        3 => {
            let mut deeper = missing.clone();
            deeper.push("x");
            json!({"op": "add", "path": deeper.to_string(), "value": 1})
        }
        4 => json!({"op": "copy", "from": missing.to_string(), "path": path.to_string()}),
        5 => {
            let mut child = path.clone();
            child.push("x");
            json!({"op": "move", "from": path.to_string(), "path": child.to_string()})
        }
        6 => {
            let arrays: Vec<&PointerBuf> = paths
                .iter()
                .filter(|p| p.get(doc).is_ok_and(Value::is_array))
                .collect();
            match arrays.first() {
                Some(array) => {
                    let len = array
                        .get(doc)
                        .ok()
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len);
                    let mut p = (*array).clone();
                    p.push(if pick % 2 == 0 {
                        (len + 1).to_string()
                    } else {
                        "01".to_owned()
                    });
                    json!({"op": "add", "path": p.to_string(), "value": 1})
                }
                None => json!({"op": "remove", "path": missing.to_string()}),
            }
        }
        7 => json!({"op": "add", "path": path.to_string()}),
        _ => json!({"op": "test", "path": missing.to_string(), "value": null}),
    }
}

/// Two documents for a JSON Patch diff: mostly the second made from the
/// first by a generated patch (insertions, removals and moves in arrays
/// included), sometimes an edit as for merge patches, sometimes unrelated.
pub fn arb_doc_pair_for_diff() -> impl Strategy<Value = (Value, Value)> {
    prop_oneof![
        3 => arb_doc_and_patch().prop_map(|(doc, patch)| {
            let mut edited = doc.clone();
            let _ = patchlaw::json_patch::Patch::from_value(&patch).and_then(|p| p.apply(&mut edited));
            (doc, edited)
        }),
        2 => arb_doc_pair(),
        1 => (arb_doc(), arb_doc()),
    ]
}

/// A document with at least one array (one is added if there is none), the
/// pointer of one of its arrays, and an edit of one element of it.
pub fn arb_doc_array_and_edit(
) -> impl Strategy<Value = (Value, PointerBuf, crate::laws::json_patch::ArrayEdit)> {
    use crate::laws::json_patch::ArrayEdit;

    (arb_doc(), vec(arb_value(), 0..6))
        .prop_map(|(doc, extra)| {
            let has_array = existing_paths(&doc, 256)
                .iter()
                .any(|p| p.get(&doc).is_ok_and(Value::is_array));
            if has_array {
                doc
            } else {
                json!({"doc": doc, "list": extra})
            }
        })
        .prop_flat_map(|doc| {
            let arrays: Vec<PointerBuf> = existing_paths(&doc, 256)
                .into_iter()
                .filter(|p| p.get(&doc).is_ok_and(Value::is_array))
                .collect();
            (Just(doc), prop::sample::select(arrays))
        })
        .prop_flat_map(|(doc, array)| {
            let len = array
                .get(&doc)
                .ok()
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let neighbour = array
                .get(&doc)
                .ok()
                .and_then(Value::as_array)
                .and_then(|a| a.first().cloned());
            let value = match neighbour {
                Some(n) => {
                    prop_oneof![2 => arb_value(), 1 => Just(n.clone()), 1 => Just(renumber(&n))]
                        .boxed()
                }
                None => arb_value().boxed(),
            };
            let edit = prop_oneof![
                (0..=len, value.clone()).prop_map(|(i, v)| ArrayEdit::Insert(i, v)),
                (0..len.max(1)).prop_map(ArrayEdit::Remove),
                (0..len.max(1), value).prop_map(|(i, v)| ArrayEdit::Replace(i, v)),
            ];
            (Just(doc), Just(array), edit)
        })
}
