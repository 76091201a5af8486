//! LAW-SMP-*: spec/40-strategic.md.

use patchlaw_conformance::laws::strategic as law;
use patchlaw_conformance::strategy::{
    self,
    strategic::{arb_strategic_case, arb_strategic_pair},
};
use patchlaw_conformance::Native;
use proptest::prelude::*;

use super::broken;

proptest! {
    /// LAW-SMP-REDUCES-TO-MP.
    #[test]
    fn reduces_to_merge_patch((doc, patch) in strategy::arb_doc_and_merge_patch()) {
        law::reduces_to_merge_patch(&mut Native::new(), &doc, &patch).map_err(broken)?;
    }

    /// LAW-SMP-MERGE-KEY.
    #[test]
    fn merge_key(case in arb_strategic_case()) {
        law::merge_key(&mut Native::new(), &case.schema, &case.doc, &case.patch).map_err(broken)?;
    }

    /// LAW-SMP-DELETE.
    #[test]
    fn delete(case in arb_strategic_case()) {
        law::delete(&mut Native::new(), &case.schema, &case.doc, &case.patch).map_err(broken)?;
    }

    /// LAW-SMP-REPLACE.
    #[test]
    fn replace(case in arb_strategic_case()) {
        law::replace(&mut Native::new(), &case.schema, &case.doc, &case.patch).map_err(broken)?;
    }

    /// LAW-SMP-RETAIN-KEYS.
    #[test]
    fn retain_keys(case in arb_strategic_case()) {
        law::retain_keys(&mut Native::new(), &case.schema, &case.doc, &case.patch).map_err(broken)?;
    }

    /// LAW-SMP-PRIMITIVE-UNION.
    #[test]
    fn primitive_union(case in arb_strategic_case()) {
        law::primitive_union(&mut Native::new(), &case.schema, &case.doc, &case.patch).map_err(broken)?;
    }

    /// LAW-SMP-ELEMENT-ORDER.
    #[test]
    fn element_order(case in arb_strategic_case()) {
        law::element_order(&mut Native::new(), &case.schema, &case.doc, &case.patch).map_err(broken)?;
    }

    /// LAW-SMP-DIFF-APPLY.
    #[test]
    fn diff_apply((schema, a, b) in arb_strategic_pair()) {
        law::diff_apply(&mut Native::new(), &schema, &a, &b).map_err(broken)?;
    }

    /// LAW-SMP-IDEMPOTENT.
    #[test]
    fn idempotent((schema, a, b) in arb_strategic_pair()) {
        law::idempotent(&mut Native::new(), &schema, &a, &b, &[&a, &b]).map_err(broken)?;
    }
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
    let mut native = Native::new();
    law::diff_apply(&mut native, &schema, &a, &b).unwrap();
    law::idempotent(&mut native, &schema, &a, &b, &[&a, &b]).unwrap();
    let err = patchlaw::strategic::diff(
        &a,
        &b,
        &patchlaw::strategic::Schema::builtin("apps/v1", "Deployment").unwrap(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), patchlaw::ErrorKind::InvalidPatch);
}
