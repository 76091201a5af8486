use patchlaw::json_patch::equal;
use serde_json::{json, Value};

#[test]
fn numbers_compare_by_value() {
    assert!(equal(&json!(1), &json!(1.0)));
    assert!(equal(&json!(-0.0), &json!(0)));
    assert!(equal(&json!(u64::MAX), &json!(u64::MAX)));
    assert!(!equal(&json!(u64::MAX), &json!(i64::MAX)));
    assert!(!equal(&json!(1), &json!(1.5)));
    if !cfg!(feature = "arbitrary_precision") {
        // A double converts to the exact integer it holds; under
        // arbitrary_precision it is stored as its shortest decimal text
        // (1.152921504606847e18), a different decimal, so they differ.
        assert!(equal(&json!(1u64 << 60), &json!((1u64 << 60) as f64)));
    }
    assert!(!equal(
        &json!(9_007_199_254_740_993u64),
        &json!(9_007_199_254_740_992.0)
    ));
    let parsed: Value = serde_json::from_str("[1e2, 100, 1.00E+2]").unwrap();
    assert!(equal(&parsed[0], &parsed[1]) && equal(&parsed[1], &parsed[2]));
}

#[test]
fn types_must_match() {
    assert!(!equal(&json!(1), &json!("1")));
    assert!(!equal(&json!(null), &json!(false)));
    assert!(!equal(&json!([]), &json!({})));
    assert!(!equal(&json!(0), &json!(false)));
}

#[test]
fn containers_compare_structurally() {
    assert!(equal(
        &json!({"a": [1, {"b": 2.0}], "c": null}),
        &json!({"c": null, "a": [1.0, {"b": 2}]})
    ));
    assert!(!equal(&json!([1, 2]), &json!([2, 1])));
    assert!(!equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    assert!(!equal(&json!({"a": 1}), &json!({"b": 1})));
    assert!(!equal(&json!({"a": null}), &json!({})));
}

#[test]
fn deep_values_do_not_overflow() {
    let build = || {
        let mut v = json!(1);
        for _ in 0..200_000 {
            v = Value::Array(vec![v]);
        }
        v
    };
    let (a, b) = (build(), build());
    assert!(equal(&a, &b));
    patchlaw::limits::dismantle(a);
    patchlaw::limits::dismantle(b);
}

/// With `arbitrary_precision`, numbers keep their decimal text and compare
/// exactly, beyond what a double can tell apart.
#[cfg(feature = "arbitrary_precision")]
#[test]
fn arbitrary_precision_compares_decimals_exactly() {
    let parsed: Value = serde_json::from_str(
        "[0.1, 0.1000000000000000000001, 0.10, 1e-1, 123456789012345678901234567890, 1.23456789012345678901234567890e29]",
    )
    .unwrap();
    assert!(!equal(&parsed[0], &parsed[1]));
    assert!(equal(&parsed[0], &parsed[2]));
    assert!(equal(&parsed[0], &parsed[3]));
    assert!(equal(&parsed[4], &parsed[5]));
}

mod patch {
    use patchlaw::json_patch::{Operation, Patch};
    use patchlaw::{ErrorKind, PointerBuf};
    use serde_json::{json, Value};

    fn apply(doc: Value, patch: Value) -> Result<Value, patchlaw::Error> {
        let mut doc = doc;
        Patch::from_value(&patch)?.apply(&mut doc)?;
        Ok(doc)
    }

    #[test]
    fn malformed_patches_say_what_and_where() {
        let cases = [
            (json!({}), None, "a JSON Patch must be an array"),
            (json!([1]), Some(0), "must be an object"),
            (json!([{"path": "/a"}]), Some(0), "`op` is missing"),
            (
                json!([{"op": 1, "path": "/a"}]),
                Some(0),
                "`op` must be a string",
            ),
            (
                json!([{"op": "remove", "path": "/a"}, {"op": "jump", "path": "/a"}]),
                Some(1),
                "unknown op \"jump\"",
            ),
            (
                json!([{"op": "add", "path": "/a"}]),
                Some(0),
                "`value` is missing from `add`",
            ),
            (
                json!([{"op": "move", "path": "/a"}]),
                Some(0),
                "`from` is missing from `move`",
            ),
            (
                json!([{"op": "remove", "path": 7}]),
                Some(0),
                "`path` must be a string",
            ),
        ];
        for (patch, index, detail) in cases {
            let err = Patch::from_value(&patch).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidPatch, "{patch}");
            assert_eq!(err.op_index(), index, "{patch}");
            assert!(err.detail().contains(detail), "{patch}: {}", err.detail());
        }
        let err = Patch::from_value(&json!([{"op": "remove", "path": "a"}])).unwrap_err();
        assert_eq!(
            (err.kind(), err.op_index()),
            (ErrorKind::InvalidPointer, Some(0))
        );
    }

    #[test]
    fn errors_name_the_operation_and_pointer() {
        let err = apply(json!({"a": [1]}), json!([{"op": "test", "path": "/a/0", "value": 1.0}, {"op": "add", "path": "/a/5", "value": 0}])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::IndexOutOfBounds);
        assert_eq!(err.op_index(), Some(1));
        assert_eq!(err.pointer(), Some("/a/5"));
        assert!(
            err.to_string()
                .starts_with("operation 1: array index out of bounds at \"/a/5\""),
            "{err}"
        );

        let err = apply(
            json!({"a": {}}),
            json!([{"op": "move", "from": "/a", "path": "/a/b"}]),
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MoveIntoDescendant);
        let err = apply(
            json!({"a": 1}),
            json!([{"op": "copy", "from": "/b", "path": "/c"}]),
        )
        .unwrap_err();
        assert_eq!(
            (err.kind(), err.pointer()),
            (ErrorKind::PathNotFound, Some("/b"))
        );
        let err = apply(
            json!({"a": 1}),
            json!([{"op": "test", "path": "/a", "value": "1"}]),
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TestFailed);
        assert!(
            err.detail().contains("expected \"1\", found 1"),
            "{}",
            err.detail()
        );
        let err = apply(json!({"a": 1}), json!([{"op": "remove", "path": ""}])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidPatch);
    }

    #[test]
    fn operations_follow_rfc_6902() {
        let doc = json!({"a": [1, 2, 3], "o": {"k": "v"}});
        let ok = |patch: Value, expected: Value| {
            assert_eq!(
                apply(doc.clone(), patch.clone()).unwrap(),
                expected,
                "{patch}"
            )
        };
        ok(
            json!([{"op": "add", "path": "/a/3", "value": 4}]),
            json!({"a": [1, 2, 3, 4], "o": {"k": "v"}}),
        );
        ok(
            json!([{"op": "add", "path": "/a/-", "value": 4}]),
            json!({"a": [1, 2, 3, 4], "o": {"k": "v"}}),
        );
        ok(
            json!([{"op": "add", "path": "/o/k", "value": 0}]),
            json!({"a": [1, 2, 3], "o": {"k": 0}}),
        );
        ok(json!([{"op": "add", "path": "", "value": [0]}]), json!([0]));
        ok(
            json!([{"op": "move", "from": "/a/0", "path": "/a/2"}]),
            json!({"a": [2, 3, 1], "o": {"k": "v"}}),
        );
        ok(
            json!([{"op": "move", "from": "/a", "path": "/a"}]),
            doc.clone(),
        );
        ok(
            json!([{"op": "move", "from": "/a", "path": "/ab"}]),
            json!({"ab": [1, 2, 3], "o": {"k": "v"}}),
        );
        ok(
            json!([{"op": "copy", "from": "/a", "path": "/a/-"}]),
            json!({"a": [1, 2, 3, [1, 2, 3]], "o": {"k": "v"}}),
        );
        ok(
            json!([{"op": "copy", "from": "/o", "path": "/p"}, {"op": "add", "path": "/p/k", "value": 1}]),
            json!({"a": [1, 2, 3], "o": {"k": "v"}, "p": {"k": 1}}),
        );
        ok(
            json!([{"op": "test", "path": "/a", "value": [1.0, 2, 3e0]}]),
            doc.clone(),
        );
        ok(
            json!([{"op": "remove", "path": "/a/1", "value": "ignored", "extra": true}]),
            json!({"a": [1, 3], "o": {"k": "v"}}),
        );
    }

    #[test]
    fn inverse_undoes() {
        let original = json!({"a": [1, 2, 3], "o": {"k": "v"}, "n": null});
        let patch = Patch::from_value(&json!([
            {"op": "add", "path": "/a/1", "value": "x"},
            {"op": "remove", "path": "/n"},
            {"op": "replace", "path": "/o/k", "value": "w"},
            {"op": "move", "from": "/a/0", "path": "/o/first"},
            {"op": "copy", "from": "/o", "path": "/a/-"},
            {"op": "add", "path": "/o/k", "value": "overwritten"},
            {"op": "test", "path": "/a/0", "value": "x"},
        ]))
        .unwrap();
        let mut doc = original.clone();
        let undo = patch.apply_with_inverse(&mut doc).unwrap();
        assert_ne!(doc, original);
        undo.apply(&mut doc).unwrap();
        assert_eq!(doc, original);
        assert!(undo.iter().any(|op| op.name() == "move"), "{undo}");
    }

    #[test]
    fn serde_is_rfc_6902_json() {
        let text = r#"[{"op":"add","path":"/a/-","value":{"b":[1,2.5,null]}},{"op":"remove","path":"/x~1y"},{"op":"replace","path":"","value":0},{"op":"move","from":"/a","path":"/b"},{"op":"copy","from":"/b","path":"/c"},{"op":"test","path":"/c","value":"s"}]"#;
        let patch: Patch = serde_json::from_str(text).unwrap();
        assert_eq!(patch.len(), 6);
        assert_eq!(serde_json::to_string(&patch).unwrap(), text);
        assert_eq!(patch.to_string(), patch.to_value().to_string());
        let op = Operation::Move {
            from: PointerBuf::parse("/a").unwrap(),
            path: PointerBuf::parse("/b").unwrap(),
        };
        assert_eq!(
            serde_json::to_value(&op).unwrap(),
            json!({"op": "move", "from": "/a", "path": "/b"})
        );
        assert!(serde_json::from_str::<Patch>(r#"[{"op":"add","path":"/a"}]"#).is_err());
        let collected: Patch = patch.iter().cloned().collect();
        assert_eq!(collected, patch);
    }
}

/// The `arbitrary` feature: patches generated from fuzzer bytes read back
/// from their JSON, whatever the bytes.
#[cfg(feature = "arbitrary")]
#[test]
fn arbitrary_patches_round_trip() {
    use arbitrary::{Arbitrary, Unstructured};
    use patchlaw::json_patch::Patch;

    let mut seen = 0;
    for seed in 0..200u32 {
        let bytes: Vec<u8> = (0..256u32)
            .map(|i| (i.wrapping_mul(seed + 17) ^ seed) as u8)
            .collect();
        let patch = Patch::arbitrary(&mut Unstructured::new(&bytes)).unwrap();
        seen += patch.len();
        assert_eq!(
            Patch::from_value_with_limits(&patch.to_value(), patchlaw::Limits::unlimited()),
            Ok(patch)
        );
    }
    assert!(seen > 100);
}

/// The `quickcheck` feature: LAW-JP-SERDE-ROUNDTRIP as a quickcheck
/// property.
#[cfg(feature = "quickcheck")]
#[test]
fn quickcheck_patches_round_trip() {
    use patchlaw::json_patch::Patch;

    fn round_trips(patch: Patch) -> bool {
        Patch::from_value_with_limits(&patch.to_value(), patchlaw::Limits::unlimited()).as_ref()
            == Ok(&patch)
    }
    quickcheck::quickcheck(round_trips as fn(Patch) -> bool);
}
