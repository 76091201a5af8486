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
