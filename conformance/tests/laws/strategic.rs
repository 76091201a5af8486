//! LAW-SMP-*: spec/40-strategic.md.

use patchlaw_conformance::laws::strategic as law;
use patchlaw_conformance::Native;

law_tests! {
    reduces_to_merge_patch: "LAW-SMP-REDUCES-TO-MP",
    merge_key: "LAW-SMP-MERGE-KEY",
    delete: "LAW-SMP-DELETE",
    replace: "LAW-SMP-REPLACE",
    retain_keys: "LAW-SMP-RETAIN-KEYS",
    primitive_union: "LAW-SMP-PRIMITIVE-UNION",
    element_order: "LAW-SMP-ELEMENT-ORDER",
    diff_apply: "LAW-SMP-DIFF-APPLY",
    idempotent: "LAW-SMP-IDEMPOTENT",
}

/// Found by the `strategic_diff` fuzz target: lists whose element types
/// differ between the two documents (each document valid on its own) make
/// Kubernetes' diff fail, so the pair is outside LAW-SMP-DIFF-APPLY and
/// LAW-SMP-IDEMPOTENT rather than a violation.
#[test]
fn regression_lists_of_different_element_types_are_outside_the_diff_laws() {
    let schema = serde_json::json!({"builtin": "apps/v1/Deployment"});
    let a = serde_json::json!({"spec": {"template": {"metadata": {"finalizers": ["a"]}}}});
    let b = serde_json::json!({"spec": {"template": {"metadata": {"finalizers": [1]}}}});
    let case = (schema, a.clone(), b.clone());
    let mut native = Native::new();
    law::DIFF_APPLY.holds(&mut native, &case).unwrap();
    law::IDEMPOTENT.holds(&mut native, &case).unwrap();
    let err = patchlaw::strategic::diff(
        &a,
        &b,
        &patchlaw::strategic::Schema::builtin("apps/v1", "Deployment").unwrap(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), patchlaw::ErrorKind::InvalidPatch);
}
