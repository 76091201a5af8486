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

/// LAW-LIM-DEPTH through the implementation trait, just past the default
/// limit and far past it.
#[test]
fn depth_through_the_trait() {
    law::depth(&mut Native::new(), Limits::DEFAULT_MAX_DEPTH + 1).unwrap();
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
