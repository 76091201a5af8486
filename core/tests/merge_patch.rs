use patchlaw::{merge_patch, ErrorKind};
use serde_json::{json, Value};

#[test]
fn apply_and_apply_owned_agree() {
    let cases = [
        (json!({"a": "b"}), json!({"a": "c"})),
        (
            json!({"a": {"b": 1}}),
            json!({"a": {"b": null, "c": {"d": null, "e": [null]}}}),
        ),
        (json!([1]), json!({"a": {"b": null}})),
        (json!({"a": 1}), json!(null)),
        (json!({"a": 1}), json!(["x"])),
        (json!(null), json!({"": {"~": 1}})),
    ];
    for (doc, patch) in cases {
        let mut by_ref = doc.clone();
        merge_patch::apply(&mut by_ref, &patch).unwrap();
        let mut owned = doc.clone();
        merge_patch::apply_owned(&mut owned, patch.clone()).unwrap();
        assert_eq!(by_ref, owned, "{doc} + {patch}");
    }
}

/// New members are written without the `null`s of their objects (they
/// delete from nothing), but arrays are copied exactly.
#[test]
fn new_members_lose_object_nulls_only() {
    let mut doc = json!({});
    merge_patch::apply(
        &mut doc,
        &json!({"a": {"b": null, "c": [null, {"d": null}]}}),
    )
    .unwrap();
    assert_eq!(doc, json!({"a": {"c": [null, {"d": null}]}}));
}

/// Numbers are copied as they are written: the patch's `1.0` stays a
/// double (and its text, under `arbitrary_precision`).
#[test]
fn numbers_are_copied_exactly() {
    let mut doc = json!({"a": 1});
    let patch: Value = serde_json::from_str(r#"{"a": 1.0, "b": 18446744073709551615, "c": 1e400}"#)
        .unwrap_or_else(|_| json!({"a": 1.0, "b": u64::MAX}));
    merge_patch::apply(&mut doc, &patch).unwrap();
    assert_eq!(doc["a"], patch["a"]);
    assert!(doc["a"].is_f64() || cfg!(feature = "arbitrary_precision"));
    assert_eq!(doc["b"], json!(u64::MAX));
}

/// Under `preserve_order`, members the patch does not touch keep their
/// order, whether a member before them is deleted, replaced or added.
#[test]
fn member_order_is_kept() {
    let mut doc: Value = serde_json::from_str(r#"{"z": 1, "y": 2, "x": 3, "w": 4}"#).unwrap();
    merge_patch::apply(&mut doc, &json!({"y": null, "x": 30, "v": 5})).unwrap();
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    if cfg!(feature = "preserve_order") {
        assert_eq!(keys, ["z", "x", "w", "v"]);
    } else {
        assert_eq!(keys, ["v", "w", "x", "z"]);
    }
}

#[test]
fn diff_errors_name_the_member() {
    let cases = [
        (json!({}), json!({"a": null}), "/a"),
        (json!({"a": 1}), json!({"a": null}), "/a"),
        (json!({"a": 1}), json!({"a": {"b": {"c": null}}}), "/a/b/c"),
        (json!(1), json!({"x/y": null}), "/x~1y"),
        (
            json!({"k": {"a": null}}),
            json!({"k": {"a": null, "b": null}}),
            "/k/b",
        ),
    ];
    for (from, to, pointer) in cases {
        let err = merge_patch::diff(&from, &to).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unrepresentable, "{from} → {to}");
        assert_eq!(err.pointer(), Some(pointer), "{from} → {to}");
    }
}

#[test]
fn diff_keeps_nulls_that_are_already_there() {
    let from = json!({"k": {"a": null}, "arr": [null]});
    let to = json!({"k": {"a": null, "b": 1}, "arr": [null, null]});
    let patch = merge_patch::diff(&from, &to).unwrap();
    assert_eq!(patch, json!({"k": {"b": 1}, "arr": [null, null]}));
}

#[test]
fn compose_errors_name_the_member() {
    let cases = [
        (json!({"a": null}), json!({"a": {"b": 1}}), "/a"),
        (
            json!({"a": {"b": 1}}),
            json!({"a": {"b": {"c": 1}}}),
            "/a/b",
        ),
        (json!([]), json!({}), ""),
    ];
    for (first, second, pointer) in cases {
        let err = merge_patch::compose(&first, &second).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unrepresentable);
        assert_eq!(err.pointer(), Some(pointer));
    }
}
