//! LAW-JP-*: spec/30-json-patch.md.

use patchlaw::json_patch::{diff_with, DiffOptions, Patch};
use patchlaw::Limits;
use patchlaw_conformance::laws::json_patch as law;
use patchlaw_conformance::{strategy, Native};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::{on_cases_of, samples};

law_tests! {
    atomic: "LAW-JP-ATOMIC",
    empty: "LAW-JP-EMPTY",
    concat: "LAW-JP-CONCAT",
    inverse: "LAW-JP-INVERSE",
    test_equality: "LAW-JP-TEST-EQUALITY",
    move_is_remove_add: "LAW-JP-MOVE-IS-REMOVE-ADD",
    copy_is_add: "LAW-JP-COPY-IS-ADD",
    serde_roundtrip: "LAW-JP-SERDE-ROUNDTRIP",
    diff_apply: "LAW-JP-DIFF-APPLY",
    diff_self: "LAW-JP-DIFF-SELF",
    diff_local: "LAW-JP-DIFF-LOCAL",
}

/// LAW-JP-CONCAT's failing index, which the protocol does not carry, on
/// patchlaw and the law's declared cases.
#[test]
fn concat_failing_index() {
    on_cases_of(&law::CONCAT, file!(), |(doc, p, q)| {
        law::concat_index(doc, p, q)
    });
}

/// LAW-JP-DIFF-APPLY with patchlaw's diff options, which the protocol does
/// not carry, on the law's declared cases.
#[test]
fn diff_apply_with_options() {
    on_cases_of(&law::DIFF_APPLY, file!(), |(from, to)| {
        law::diff_apply_with_options(from, to)
    });
}

proptest! {
    /// LAW-JP-ATOMIC on a second source of cases, on purpose: arbitrary
    /// operations with arbitrary pointers and values (the declared cases
    /// are patches written to fail after changing the document). Whatever
    /// they do, a failure undoes it, and nothing panics.
    #[test]
    fn atomic_on_arbitrary_patches(doc in strategy::arb_doc(), patch in strategy::arb_patch()) {
        let case = (doc, patch.to_value());
        law::ATOMIC.holds(&mut Native::new(), &case).map_err(super::broken)?;
    }
}

/// LAW-JP-ATOMIC and LAW-JP-INVERSE are only as strong as the patches fed
/// to them: most generated patches succeed and do several things, and the
/// failing ones change the document before they fail.
#[test]
fn generators_build_meaningful_patches() {
    let (mut succeeded, mut operations, mut kinds) = (0, 0, std::collections::BTreeSet::new());
    for (doc, patch) in samples(&law::INVERSE, 400) {
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
    for (doc, patch) in samples(&law::ATOMIC, 400) {
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

/// LAW-JP-DIFF-LOCAL on the benchmark workloads (benches/README.md): one insertion in
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
