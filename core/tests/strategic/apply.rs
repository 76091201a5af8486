//! Applying strategic merge patches: atomicity, limits and the shape of
//! errors. What each directive does is pinned by the conformance vectors
//! (`conformance/vectors/strategic/`) and the kubectl differential test.

use patchlaw::strategic::{self, Field, Schema};
use patchlaw::{ErrorKind, Limits};
use serde_json::{json, Value};

fn schema() -> Schema {
    Schema::builder()
        .field("/items", Field::merge("name"))
        .field("/items/sub", Field::merge("id"))
        .field("/tags", Field::merge_primitives())
        .field("/whole", Field::replace())
        .build()
        .unwrap()
}

/// A patch that changes many places, reorders lists and then fails deep
/// inside leaves the document exactly as it was, member order included.
#[test]
fn a_failing_patch_leaves_the_document_unchanged() {
    let doc = json!({
        "a": 1, "m": {"x": 1, "y": 2},
        "tags": ["p", "q", "q", "r"],
        "items": [
            {"name": "one", "v": 1, "sub": [{"id": 1}, {"id": 2}]},
            {"name": "two", "v": 2},
            {"name": "three", "v": 3},
        ],
        "whole": {"k": 1},
    });
    let failing = [
        // The last element lacks its merge key.
        json!({"a": null, "m": {"$retainKeys": ["y"], "y": 3}, "tags": ["s"],
               "whole": {"z": 1},
               "items": [{"name": "three", "v": 30}, {"name": "two", "$patch": "delete"},
                         {"name": "four"}, {"v": 5}]}),
        // A nested list fails after its parent list was merged.
        json!({"$setElementOrder/items": [{"name": "three"}, {"name": "one"}],
               "items": [{"name": "one", "sub": [{"id": 3}, {"$patch": "merge"}]}]}),
        // An unknown `$patch` value after earlier members changed.
        json!({"a": 2, "b": {"c": 1}, "m": {"$patch": "bogus"}}),
    ];
    for patch in failing {
        let mut target = doc.clone();
        let err = strategic::apply(&mut target, &patch, &schema()).unwrap_err();
        assert_eq!(target, doc, "{patch}: {err}");
        let keys: Vec<&String> = target.as_object().unwrap().keys().collect();
        let original: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(keys, original, "member order");
    }
}

#[test]
fn errors_are_typed_and_located() {
    let cases: [(Value, ErrorKind, &str); 6] = [
        (
            json!({"items": [{"v": 1}]}),
            ErrorKind::MissingMergeKey,
            "/items",
        ),
        (
            json!({"items": [{"name": "one", "$patch": "merge"}]}),
            ErrorKind::InvalidDirective,
            "/items",
        ),
        (
            json!({"m": {"$patch": "merge"}}),
            ErrorKind::InvalidDirective,
            "/m",
        ),
        (json!({"tags": [1, "a"]}), ErrorKind::InvalidPatch, "/tags"),
        (
            json!({"m": {"$retainKeys": ["a"], "b": 1}}),
            ErrorKind::InvalidDirective,
            "/m",
        ),
        (
            json!({"$setElementOrderX/tags": []}),
            ErrorKind::InvalidDirective,
            "",
        ),
    ];
    let doc = json!({"items": [{"name": "one"}], "m": {"a": 1}, "tags": ["a"]});
    for (patch, kind, pointer) in cases {
        let mut target = doc.clone();
        let err = strategic::apply(&mut target, &patch, &schema()).unwrap_err();
        assert_eq!(
            (err.kind(), err.pointer()),
            (kind, Some(pointer)),
            "{patch}: {err}"
        );
        assert_eq!(target, doc);
    }
    let mut target = json!([1]);
    let err = strategic::apply(&mut target, &json!({}), &schema()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPatch);
    let err = strategic::apply(&mut json!({}), &json!([]), &schema()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPatch);
    let mut doc = json!({"a": 1});
    strategic::apply(&mut doc, &Value::Null, &schema()).unwrap();
    assert_eq!(doc, json!({"a": 1}), "a null patch is an empty one");
}

#[test]
fn a_null_document_is_an_empty_object() {
    let mut doc = Value::Null;
    strategic::apply(
        &mut doc,
        &json!({"a": {"b": null, "c": 1}}),
        &Schema::empty(),
    )
    .unwrap();
    assert_eq!(doc, json!({"a": {"c": 1}}));
    let mut doc = Value::Null;
    let err = strategic::apply(
        &mut doc,
        &json!({"a": {"$patch": "x"}, "$patch": "y"}),
        &Schema::empty(),
    );
    assert!(err.is_err());
    assert_eq!(doc, Value::Null, "restored after a failure");
}

#[test]
fn the_patch_depth_is_limited_before_anything_changes() {
    let mut patch = json!(1);
    for _ in 0..40 {
        patch = json!({ "a": patch });
    }
    let mut doc = json!({"a": {"b": 1}});
    let limits = Limits::new().max_depth(20);
    let err = strategic::apply_with_limits(&mut doc, &patch, &Schema::empty(), limits).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert_eq!(doc, json!({"a": {"b": 1}}));
}

/// A document far deeper than the limit is fine where the patch does not
/// reach: the walk follows the patch.
#[test]
fn deep_documents_are_walked_only_along_the_patch() {
    let mut deep = json!(0);
    for _ in 0..10_000 {
        deep = Value::Array(vec![deep]);
    }
    let mut doc = json!({"x": 1});
    doc["deep"] = deep;
    strategic::apply(&mut doc, &json!({"x": 2}), &Schema::empty()).unwrap();
    assert_eq!(doc["x"], 2);
    strategic::apply(&mut doc, &json!({"deep": null}), &Schema::empty()).unwrap();
    assert_eq!(doc, json!({"x": 2}));
}

#[test]
fn the_merge_key_comparison_is_go_equality() {
    let s = Schema::builder()
        .field("/ports", Field::merge("port"))
        .build()
        .unwrap();
    let mut doc = json!({"ports": [{"port": 80, "name": "a"}]});
    // 80.0 is a float in Go: a different key, so a new element.
    strategic::apply(
        &mut doc,
        &json!({"ports": [{"port": 80.0, "name": "b"}]}),
        &s,
    )
    .unwrap();
    assert_eq!(doc["ports"].as_array().unwrap().len(), 2);
    strategic::apply(&mut doc, &json!({"ports": [{"port": 80, "name": "c"}]}), &s).unwrap();
    // The live element keyed 80 is merged; it stays behind the 80.0 one,
    // which precedes it in the live list (D4.7).
    assert_eq!(
        doc["ports"],
        json!([{"port": 80.0, "name": "b"}, {"port": 80, "name": "c"}])
    );
}
