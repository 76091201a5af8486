//! LAW-LIM-*: spec/90-limits.md.
//!
//! Deep values are built by loops, compared with the iterative
//! `json_patch::equal` and freed with `dismantle`: serde_json's recursive
//! `Clone`, `==` and `Drop` would overflow the test thread's stack on them.

use patchlaw::json_patch::equal;
use patchlaw::limits::dismantle;
use patchlaw::{merge_patch, ErrorKind, Limits};
use patchlaw_conformance::laws::limits::{self as law, nested_arrays, nested_objects};
use patchlaw_conformance::Native;
use serde_json::{json, Map, Value};

const DEEP: usize = 10_000;

law_tests! {
    depth: "LAW-LIM-DEPTH",
    copy_bound: "LAW-LIM-COPY-BOUND",
    operations: "LAW-LIM-OPS",
}

/// LAW-LIM-DEPTH through the implementation trait far past the limit (the
/// declared case is just past it).
#[test]
fn depth_far_past_the_limit() {
    law::depth(&mut Native::new(), DEEP).unwrap();
}

/// LAW-LIM-DEPTH in place: apply with a 10,000-level patch fails and leaves
/// the document exactly as it was.
#[test]
fn deep_patch_leaves_the_document_unchanged() {
    for owned in [false, true] {
        let mut doc = json!({"a": {"b": [1, 2]}, "c": "d"});
        let before = doc.clone();
        let patch = member("a", nested_objects(DEEP));
        let err = if owned {
            merge_patch::apply_owned(&mut doc, patch).unwrap_err()
        } else {
            let err = merge_patch::apply(&mut doc, &patch).unwrap_err();
            dismantle(patch);
            err
        };
        assert_eq!(err.kind(), ErrorKind::LimitExceeded);
        assert_eq!(doc, before);
    }
}

/// LAW-LIM-DEPTH: diff and compose of 10,000-level values fail, and the
/// error names where the limit was crossed.
#[test]
fn deep_diff_and_compose_fail() {
    let (a, b) = (nested_arrays(DEEP), nested_arrays(DEEP));
    let err = merge_patch::diff(&member("x", a), &member("x", b)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);

    let to = member("x", nested_objects(DEEP));
    let err = merge_patch::diff(&json!({}), &to).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert!(
        err.pointer().unwrap().starts_with("/x/a/a/"),
        "{:?}",
        err.pointer()
    );
    dismantle(to);

    let deep = nested_objects(DEEP);
    for (first, second) in [(&deep, &json!({})), (&json!({}), &deep)] {
        let err = merge_patch::compose(first, second).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    }
    dismantle(deep);
}

/// LAW-LIM-DEPTH: the limit is exact. A patch of depth exactly the limit is
/// applied; one level more is refused.
#[test]
fn depth_limit_is_exact() {
    let limits = Limits::new().max_depth(50);
    let mut doc = json!({});
    merge_patch::apply_with_limits(&mut doc, &nested_objects(50), limits).unwrap();
    assert!(equal(&doc, &nested_objects(50)));
    let err = merge_patch::apply_with_limits(&mut doc, &nested_objects(51), limits).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert!(
        merge_patch::diff_with_limits(&nested_objects(50), &nested_objects(50), limits).is_ok()
    );
    assert!(
        merge_patch::diff_with_limits(&nested_objects(51), &nested_objects(51), limits).is_err()
    );
    assert!(merge_patch::compose_with_limits(&nested_objects(50), &json!({}), limits).is_ok());
    assert!(merge_patch::compose_with_limits(&nested_objects(51), &json!({}), limits).is_err());
}

/// A document deeper than any limit is fine where no operation walks into
/// it: replacing or deleting it does not recurse (the old value is taken
/// apart iteratively), and a shallow patch beside it applies.
#[test]
fn deep_documents_are_replaced_without_recursion() {
    let mut doc = member("deep", nested_arrays(100_000));
    merge_patch::apply(&mut doc, &json!({"other": 1})).unwrap();
    merge_patch::apply(&mut doc, &json!({"deep": null})).unwrap();
    assert_eq!(doc, json!({"other": 1}));

    let mut doc = nested_objects(100_000);
    merge_patch::apply(&mut doc, &json!([])).unwrap();
    assert_eq!(doc, json!([]));
}

/// `{name: value}` without `json!`, which copies its input recursively.
fn member(name: &str, value: Value) -> Value {
    let mut members = Map::new();
    members.insert(name.to_owned(), value);
    Value::Object(members)
}

/// LAW-LIM-DEPTH: a walk to exactly the default limit fits the 2 MiB stack
/// of a spawned thread, in every build and feature set this runs in, so
/// the default never trades a `limit-exceeded` for a stack overflow.
#[test]
fn the_default_depth_fits_a_small_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let depth = Limits::DEFAULT_MAX_DEPTH;
            let mut doc = json!({});
            merge_patch::apply(&mut doc, &nested_objects(depth)).unwrap();
            let mut owned = json!({});
            merge_patch::apply_owned(&mut owned, nested_objects(depth)).unwrap();
            let diff = merge_patch::diff(&nested_objects(depth), &nested_objects(depth)).unwrap();
            assert_eq!(diff, json!({}));
            let composed =
                merge_patch::compose(&nested_objects(depth), &nested_objects(depth)).unwrap();
            assert!(equal(&composed, &nested_objects(depth)));
            for value in [doc, owned, composed] {
                dismantle(value);
            }
        });
    worker.unwrap().join().unwrap();
}

/// LAW-LIM-COPY-BOUND in place: 40 self-doubling copies stop with
/// limit-exceeded, the document unchanged, and the memory allocated on the
/// way bounded by the limit (measured by the counting allocator of this
/// test binary), not by the 2^40 copies asked for.
#[test]
fn copy_doubling_is_bounded() {
    use patchlaw::json_patch::Patch;

    let patch = Patch::from_value(&law::copy_doubling(40)).unwrap();
    for limit in [1 << 20, Limits::DEFAULT_MAX_COPY_SIZE] {
        let original = json!({"a": ["x".repeat(100)], "b": 1});
        let mut doc = original.clone();
        let (outcome, peak) = crate::allocations::peak_during(|| {
            patch.apply_with_limits(&mut doc, Limits::new().max_copy_size(limit))
        });
        let err = outcome.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LimitExceeded);
        assert_eq!(err.pointer(), Some("/a"));
        assert_eq!(doc, original);
        // The copies themselves stay under the limit; the array that holds
        // them may have up to twice the capacity it uses.
        assert!(
            peak <= 3 * limit,
            "peak {peak} bytes for a copy limit of {limit}"
        );
    }
}

/// LAW-LIM-COPY-BOUND: copies are charged per application, so the same
/// copies succeed one application at a time (and a smaller patch under the
/// limit succeeds).
#[test]
fn copy_budget_is_per_application() {
    use patchlaw::json_patch::Patch;

    let limits = Limits::new().max_copy_size(64 * 1024);
    let mut doc = json!({"a": ["x".repeat(100)]});
    Patch::from_value(&law::copy_doubling(5))
        .unwrap()
        .apply_with_limits(&mut doc, limits)
        .unwrap();
    // Each copy appends the whole array to itself: one element more, twice
    // the size.
    assert_eq!(doc["a"].as_array().unwrap().len(), 6);
    let err = Patch::from_value(&law::copy_doubling(20))
        .unwrap()
        .apply_with_limits(&mut doc, limits)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert_eq!(doc["a"].as_array().unwrap().len(), 6);
}

/// LAW-LIM-OPS in place: refused before any operation runs (the document
/// is untouched although the first operation would succeed), and when the
/// patch is read.
#[test]
fn operation_count_in_place() {
    use patchlaw::json_patch::Patch;

    let patch: Patch = (0..4)
        .map(|i| patchlaw::json_patch::Operation::Add {
            path: patchlaw::PointerBuf::from_tokens([i.to_string()]),
            value: json!(i),
        })
        .collect();
    let mut doc = json!({});
    let err = patch
        .apply_with_limits(&mut doc, Limits::new().max_operations(3))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert_eq!(err.op_index(), None);
    assert_eq!(doc, json!({}));
    patch
        .apply_with_limits(&mut doc, Limits::new().max_operations(4))
        .unwrap();
    assert_eq!(doc.as_object().unwrap().len(), 4);
    let err = Patch::from_value_with_limits(&patch.to_value(), Limits::new().max_operations(3))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
}

/// LAW-LIM-DEPTH for JSON Patch: a value deeper than the limit, added,
/// replaced, tested or copied, is limit-exceeded with the document
/// unchanged; the document itself may be deeper than any limit.
#[test]
fn json_patch_depth() {
    use patchlaw::json_patch::{Operation, Patch};
    use patchlaw::PointerBuf;

    let deep = || nested_arrays(DEEP);
    let root = PointerBuf::new;
    let at = |s: &str| PointerBuf::parse(s).unwrap();
    for op in [
        Operation::Add {
            path: at("/x"),
            value: deep(),
        },
        Operation::Replace {
            path: root(),
            value: deep(),
        },
    ] {
        let patch = Patch::from(vec![
            Operation::Add {
                path: at("/y"),
                value: json!(1),
            },
            op,
        ]);
        let mut doc = json!({"a": 1});
        let err = patch.apply(&mut doc).unwrap_err();
        assert_eq!(
            (err.kind(), err.op_index()),
            (ErrorKind::LimitExceeded, Some(1))
        );
        assert_eq!(doc, json!({"a": 1}));
        for op in patch.into_operations() {
            if let Operation::Add { value, .. } | Operation::Replace { value, .. } = op {
                dismantle(value);
            }
        }
    }

    // Reading a patch checks its values too.
    let text = Value::Array(vec![
        member("op", json!("add")),
        member("path", json!("/x")),
    ]);
    dismantle(text);
    let mut op = serde_json::Map::new();
    op.insert("op".into(), json!("test"));
    op.insert("path".into(), json!(""));
    op.insert("value".into(), deep());
    let patch = Value::Array(vec![Value::Object(op)]);
    let err = Patch::from_value(&patch).unwrap_err();
    assert_eq!(
        (err.kind(), err.op_index()),
        (ErrorKind::LimitExceeded, Some(0))
    );
    dismantle(patch);

    // A deep document: pointers walk it without recursion, and copying a
    // deep part of it is refused.
    let mut doc = member("d", deep());
    let deep_path = PointerBuf::from_tokens(
        std::iter::once("d".to_owned()).chain((0..DEEP - 1).map(|_| "0".to_owned())),
    );
    let patch = Patch::from(vec![
        Operation::Test {
            path: deep_path.clone(),
            value: json!([1]),
        },
        Operation::Replace {
            path: deep_path.clone(),
            value: json!("leaf"),
        },
        Operation::Copy {
            from: at("/d"),
            path: at("/e"),
        },
    ]);
    let err = patch.apply(&mut doc).unwrap_err();
    assert_eq!(
        (err.kind(), err.op_index()),
        (ErrorKind::LimitExceeded, Some(2))
    );
    assert_eq!(deep_path.get(&doc).unwrap(), &json!([1]));
    Patch::from(patch[..2].to_vec()).apply(&mut doc).unwrap();
    assert_eq!(deep_path.get(&doc).unwrap(), &json!("leaf"));
    dismantle(doc);
}

/// LAW-LIM-DEPTH and LAW-LIM-COPY-BOUND for the copy an inverse keeps of a
/// value moved into an ancestor of its source: bounded like any copy, so a
/// deep moved value is limit-exceeded (document unchanged), never a stack
/// overflow, while plain `apply` of the same move succeeds.
#[test]
fn inverse_copies_are_bounded() {
    use patchlaw::json_patch::Patch;

    let patch = Patch::from_value(&json!([{"op": "move", "from": "/a/b", "path": "/a"}])).unwrap();
    let build = || member("a", member("b", nested_arrays(200_000)));
    let mut doc = build();
    let err = patch.apply_with_inverse(&mut doc).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    let expected = build();
    assert!(equal(&doc, &expected));
    patch.apply(&mut doc).unwrap();
    for value in [doc, expected] {
        dismantle(value);
    }

    let mut doc = json!({"a": {"b": "x".repeat(10_000)}});
    let before = doc.clone();
    let err = patch
        .apply_with_inverse_and_limits(&mut doc, Limits::new().max_copy_size(1_000))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert_eq!(doc, before);
}

/// LAW-LIM-COPY-BOUND under `arbitrary_precision`: a number is its text,
/// and the text is charged, so long numbers cannot slip past the limit.
#[cfg(feature = "arbitrary_precision")]
#[test]
fn long_numbers_are_charged() {
    use patchlaw::json_patch::Patch;

    let long: Value = serde_json::from_str(&"9".repeat(10_000)).unwrap();
    let mut doc = member("a", Value::Array(vec![long]));
    let before = doc.clone();
    let err = Patch::from_value(&law::copy_doubling(10))
        .unwrap()
        .apply_with_limits(&mut doc, Limits::new().max_copy_size(64 * 1024))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert_eq!(doc, before);
}
