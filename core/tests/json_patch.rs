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
