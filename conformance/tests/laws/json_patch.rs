//! LAW-JP-*: spec/30-json-patch.md.

use patchlaw::json_patch::{diff_with, DiffOptions, Patch};
use patchlaw::Limits;
use patchlaw_conformance::laws::json_patch as law;
use patchlaw_conformance::{strategy, Native};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::broken;

fn unlimited() -> Native {
    Native::with_limits(Limits::unlimited())
}

proptest! {
    /// LAW-JP-ATOMIC, on patches that fail after changing the document.
    #[test]
    fn atomic((doc, patch) in strategy::arb_doc_and_failing_patch()) {
        law::atomic(&doc, &patch, Limits::new()).map_err(broken)?;
    }

    /// LAW-JP-ATOMIC, on arbitrary operations with arbitrary pointers and
    /// values: whatever they do, a failure undoes it, and nothing panics.
    #[test]
    fn atomic_on_arbitrary_patches(doc in strategy::arb_doc(), patch in strategy::arb_patch()) {
        law::atomic(&doc, &patch.to_value(), Limits::new()).map_err(broken)?;
    }

    /// LAW-JP-EMPTY.
    #[test]
    fn empty(doc in strategy::arb_doc()) {
        law::empty(&mut Native::new(), &doc).map_err(broken)?;
    }

    /// LAW-JP-CONCAT, results and error codes through the implementation,
    /// and the failing index on patchlaw.
    #[test]
    fn concat((doc, p, q) in strategy::arb_doc_and_two_patches()) {
        law::concat(&mut unlimited(), &doc, &p, &q).map_err(broken)?;
        law::concat_index(&doc, &p, &q).map_err(broken)?;
    }

    /// LAW-JP-INVERSE.
    #[test]
    fn inverse((doc, patch) in strategy::arb_doc_and_patch()) {
        law::inverse(&doc, &patch).map_err(broken)?;
    }

    /// LAW-JP-TEST-EQUALITY.
    #[test]
    fn test_equality((doc, path, value) in strategy::arb_doc_path_and_test_value()) {
        law::test_equality(&mut Native::new(), &doc, &path, &value).map_err(broken)?;
    }

    /// LAW-JP-MOVE-IS-REMOVE-ADD.
    #[test]
    fn move_is_remove_add((doc, from, path) in strategy::arb_doc_from_and_path()) {
        law::move_is_remove_add(&mut unlimited(), &doc, &from, &path).map_err(broken)?;
    }

    /// LAW-JP-COPY-IS-ADD.
    #[test]
    fn copy_is_add((doc, from, path) in strategy::arb_doc_from_and_path()) {
        law::copy_is_add(&mut unlimited(), &doc, &from, &path).map_err(broken)?;
    }

    /// LAW-JP-SERDE-ROUNDTRIP.
    #[test]
    fn serde_roundtrip(patch in strategy::arb_patch()) {
        law::serde_roundtrip(&patch).map_err(broken)?;
    }
}

/// LAW-JP-ATOMIC and LAW-JP-INVERSE are only as strong as the patches fed
/// to them: most generated patches succeed and do several things, and the
/// failing ones change the document before they fail.
#[test]
fn generators_build_meaningful_patches() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let (mut succeeded, mut operations, mut kinds) = (0, 0, std::collections::BTreeSet::new());
    for _ in 0..400 {
        let (doc, patch) = strategy::arb_doc_and_patch()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let ops = patch.as_array().unwrap();
        operations += ops.len();
        kinds.extend(ops.iter().map(|op| op["op"].as_str().unwrap().to_owned()));
        let mut target = doc.clone();
        if Patch::from_value(&patch)
            .and_then(|p| p.apply(&mut target))
            .is_ok()
        {
            succeeded += 1;
        }
    }
    assert!(succeeded >= 380, "{succeeded}/400 valid patches succeeded");
    assert!(
        operations >= 1_000,
        "{operations} operations in 400 patches"
    );
    assert_eq!(kinds.len(), 6, "{kinds:?}");

    let (mut failed, mut changed_first) = (0, 0);
    for _ in 0..400 {
        let (doc, patch) = strategy::arb_doc_and_failing_patch()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let Ok(parsed) = Patch::from_value(&patch) else {
            failed += 1;
            continue;
        };
        let err = parsed.apply(&mut doc.clone()).unwrap_err();
        failed += 1;
        let index = err.op_index().unwrap();
        let mut prefix = doc.clone();
        Patch::from(parsed[..index].to_vec())
            .apply(&mut prefix)
            .unwrap();
        if prefix != doc {
            changed_first += 1;
        }
    }
    assert_eq!(failed, 400);
    assert!(
        changed_first >= 150,
        "only {changed_first}/400 failing patches changed the document first"
    );
}

/// LAW-JP-ATOMIC under `preserve_order`: a member removed and re-added,
/// members added and removed, all rolled back to the original order.
#[test]
fn atomic_keeps_member_order() {
    let doc: Value =
        serde_json::from_str(r#"{"z": 1, "m": {"q": 1, "b": 2, "k": 3}, "a": [1, 2]}"#).unwrap();
    let patch = json!([
        {"op": "remove", "path": "/m/b"},
        {"op": "add", "path": "/m/new", "value": 0},
        {"op": "move", "from": "/z", "path": "/m/z"},
        {"op": "replace", "path": "/m/q", "value": 5},
        {"op": "copy", "from": "/m", "path": "/a/-"},
        {"op": "move", "from": "/a/0", "path": "/first"},
        {"op": "test", "path": "/m/k", "value": "not 3"},
    ]);
    law::atomic(&doc, &patch, Limits::new()).unwrap();
    let mut target = doc.clone();
    let err = Patch::from_value(&patch)
        .unwrap()
        .apply(&mut target)
        .unwrap_err();
    assert_eq!(
        (err.kind().code(), err.op_index()),
        ("test-failed", Some(6))
    );
    assert_eq!(target.to_string(), doc.to_string());
}

/// LAW-JP-CONCAT: a malformed patch is refused before any operation runs,
/// which is why the law is stated for well-formed patches.
#[test]
fn concat_needs_well_formed_patches() {
    let p = json!([{"op": "test", "path": "/a", "value": 2}]);
    let q = json!([{"op": "add", "path": "/b"}]);
    let joined = json!([p[0], q[0]]);
    let err = Patch::from_value(&joined).unwrap_err();
    assert_eq!(
        (err.kind().code(), err.op_index()),
        ("invalid-patch", Some(1))
    );
    let err = Patch::from_value(&p)
        .unwrap()
        .apply(&mut json!({"a": 1}))
        .unwrap_err();
    assert_eq!(err.kind().code(), "test-failed");
}

/// LAW-JP-INVERSE: a move into an ancestor of its source cannot be undone by
/// a move; the inverse re-adds a copy.
#[test]
fn inverse_of_moves_into_ancestors() {
    let cases = [
        (
            json!({"a": {"b": 1, "c": 2}}),
            json!([{"op": "move", "from": "/a/b", "path": "/a"}]),
        ),
        (
            json!({"a": [{"x": 1}]}),
            json!([{"op": "move", "from": "/a/0/x", "path": "/a/0"}]),
        ),
        (
            json!({"a": {"b": [1]}}),
            json!([{"op": "move", "from": "/a/b", "path": ""}]),
        ),
        (
            json!({"a": [1, 2, 3]}),
            json!([{"op": "move", "from": "/a/0", "path": "/a/-"}, {"op": "move", "from": "/a/2", "path": "/a/0"}]),
        ),
    ];
    for (doc, patch) in cases {
        law::inverse(&doc, &patch).unwrap();
        // …and a later failure rolls them back, copies and all.
        let mut failing = patch.as_array().unwrap().clone();
        failing.push(json!({"op": "test", "path": "", "value": "no"}));
        law::atomic(&doc, &Value::Array(failing), Limits::new()).unwrap();
    }
}

proptest! {
    /// LAW-JP-DIFF-APPLY, with each diff option.
    #[test]
    fn diff_apply((from, to) in strategy::arb_doc_pair_for_diff()) {
        law::diff_apply(&mut Native::new(), &from, &to).map_err(broken)?;
        for options in [DiffOptions::new().moves(true), DiffOptions::new().tests(true), DiffOptions::new().max_edit_distance(1)] {
            let patch = diff_with(&from, &to, options).unwrap();
            let mut doc = from.clone();
            patch.apply(&mut doc).unwrap();
            prop_assert_eq!(&doc, &to, "{:?}: {}", options, patch);
        }
    }

    /// LAW-JP-DIFF-SELF.
    #[test]
    fn diff_self(doc in strategy::arb_doc()) {
        law::diff_self(&mut Native::new(), &doc).map_err(broken)?;
    }

    /// LAW-JP-DIFF-LOCAL.
    #[test]
    fn diff_local((doc, array, edit) in strategy::arb_doc_array_and_edit()) {
        law::diff_local(&mut Native::new(), &doc, &array, &edit).map_err(broken)?;
    }
}

/// LAW-JP-DIFF-APPLY with guarding tests: the patch applies to the
/// document it was made from, and fails on one changed since.
#[test]
fn guarded_diffs_detect_concurrent_changes() {
    let from = json!({"spec": {"replicas": 1, "paused": false}, "list": [1, 2, 3]});
    let to = json!({"spec": {"replicas": 3}, "list": [1, 3]});
    let patch = diff_with(&from, &to, DiffOptions::new().tests(true)).unwrap();
    assert!(
        patch.iter().filter(|op| op.name() == "test").count() >= 3,
        "{patch}"
    );
    let mut doc = from.clone();
    patch.apply(&mut doc).unwrap();
    assert_eq!(doc, to);
    let mut changed = from.clone();
    changed["spec"]["replicas"] = json!(2);
    let err = patch.apply(&mut changed).unwrap_err();
    assert_eq!(err.kind().code(), "test-failed");
}

/// LAW-JP-DIFF-LOCAL on the workloads DESIGN.md names: one insertion in
/// the middle of 10,000 elements, and a sidecar inserted at
/// `containers[0]`, are one operation each.
#[test]
fn one_insertion_is_one_operation() {
    let before: Vec<Value> = (0..10_000)
        .map(|i| json!({"id": i, "name": format!("item-{i}")}))
        .collect();
    let mut after = before.clone();
    after.insert(5_000, json!({"id": "new"}));
    let patch =
        patchlaw::json_patch::diff(&Value::Array(before.clone()), &Value::Array(after.clone()))
            .unwrap();
    assert_eq!(
        patch.to_value(),
        json!([{"op": "add", "path": "/5000", "value": {"id": "new"}}])
    );

    let containers = json!([{"name": "app", "image": "app:1"}, {"name": "log", "image": "log:2"}]);
    let from = json!({"spec": {"template": {"spec": {"containers": containers}}}});
    let mut to = from.clone();
    to["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"name": "istio-proxy"}));
    let patch = patchlaw::json_patch::diff(&from, &to).unwrap();
    assert_eq!(patch.len(), 1, "{patch}");
}

/// The edit-distance cap bounds the work on unrelated arrays: two
/// unrelated 100,000-element arrays diff (element by element) and round
/// trip.
#[test]
fn unrelated_long_arrays_are_bounded() {
    let a: Vec<Value> = (0..100_000).map(|i| json!(i)).collect();
    let b: Vec<Value> = (0..100_000).map(|i| json!(format!("{i}"))).collect();
    let (a, b) = (Value::Array(a), Value::Array(b));
    let patch = patchlaw::json_patch::diff(&a, &b).unwrap();
    assert_eq!(patch.len(), 100_000);
    let mut doc = a.clone();
    patch
        .apply_with_limits(&mut doc, Limits::unlimited())
        .unwrap();
    assert_eq!(doc, b);
}

/// Regression (found by the `differential` fuzz target, where the
/// `json-patch` crate panics while rolling back): an `add` under a member
/// that a later failing `move` would carry away is rolled back exactly.
#[test]
fn regression_failed_move_after_add_rolls_back() {
    let doc = json!({"a": {}});
    let patch = json!([
        {"op": "add", "path": "/a/b", "value": {}},
        {"op": "move", "from": "/a", "path": "/froma/b/c"},
    ]);
    law::atomic(&doc, &patch, Limits::new()).unwrap();
    let err = Patch::from_value(&patch)
        .unwrap()
        .apply(&mut doc.clone())
        .unwrap_err();
    assert_eq!(
        (err.kind().code(), err.op_index()),
        ("path-not-found", Some(1))
    );
}
