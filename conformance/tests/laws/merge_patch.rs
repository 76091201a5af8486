//! LAW-MP-*: spec/20-merge-patch.md.

use patchlaw_conformance::laws::merge_patch as law;
use patchlaw_conformance::{strategy, Native};
use proptest::prelude::*;
use serde_json::json;

use super::{broken, natives};

proptest! {
    /// LAW-MP-NONOBJECT-REPLACES.
    #[test]
    fn nonobject_replaces(doc in strategy::arb_doc(), patch in strategy::arb_scalar_or_array()) {
        for mut native in natives() {
            law::nonobject_replaces(&mut native, &doc, &patch).map_err(broken)?;
        }
    }

    /// LAW-MP-IDEMPOTENT.
    #[test]
    fn idempotent((doc, patch) in strategy::arb_doc_and_merge_patch()) {
        for mut native in natives() {
            law::idempotent(&mut native, &doc, &patch).map_err(broken)?;
        }
    }

    /// LAW-MP-NULL-DELETES.
    #[test]
    fn null_deletes((doc, patch) in strategy::arb_doc_and_merge_patch()) {
        for mut native in natives() {
            law::null_deletes(&mut native, &doc, &patch).map_err(broken)?;
        }
    }

    /// LAW-MP-DIFF-APPLY.
    #[test]
    fn diff_apply((from, to) in strategy::arb_doc_pair()) {
        for mut native in natives() {
            law::diff_apply(&mut native, &from, &to).map_err(broken)?;
        }
    }

    /// LAW-MP-DIFF-MINIMAL.
    #[test]
    fn diff_minimal((from, to) in strategy::arb_doc_pair()) {
        for mut native in natives() {
            law::diff_minimal(&mut native, &from, &to).map_err(broken)?;
        }
    }

    /// LAW-MP-COMPOSE.
    #[test]
    fn compose((doc, first, second) in strategy::arb_doc_and_two_merge_patches()) {
        for mut native in natives() {
            law::compose(&mut native, &doc, &first, &second).map_err(broken)?;
        }
    }

    /// LAW-MP-COMPOSE-ASSOC.
    #[test]
    fn compose_assoc((p, q, r) in strategy::arb_three_merge_patches()) {
        for mut native in natives() {
            law::compose_assoc(&mut native, &p, &q, &r).map_err(broken)?;
        }
    }
}

/// LAW-MP-DIFF-APPLY and LAW-MP-COMPOSE: the generators reach both sides of
/// each partial law, so the property tests above check refusals as well as
/// results.
#[test]
fn generators_reach_both_sides_of_the_partial_laws() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let (mut representable, mut not) = (0, 0);
    for _ in 0..500 {
        let (a, b) = strategy::arb_doc_pair()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        if law::representable(&a, &b) {
            representable += 1
        } else {
            not += 1
        }
    }
    assert!(
        representable > 100 && not > 25,
        "diff: {representable} representable, {not} not"
    );
    let (mut composable, mut not) = (0, 0);
    for _ in 0..500 {
        let (_, p, q) = strategy::arb_doc_and_two_merge_patches()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        if law::composable(&p, &q) {
            composable += 1
        } else {
            not += 1
        }
    }
    assert!(
        composable > 100 && not > 10,
        "compose: {composable} composable, {not} not"
    );
}

/// LAW-MP-COMPOSE-ASSOC holds in one direction only: the spec's
/// counterexample, where the right grouping is defined and the left is not.
#[test]
fn compose_assoc_counterexample() {
    let (p, q, r) = (json!({"a": 1}), json!({"a": {"b": 1}}), json!({"a": 2}));
    let qr = patchlaw::merge_patch::compose(&q, &r).unwrap();
    assert_eq!(
        patchlaw::merge_patch::compose(&p, &qr).unwrap(),
        json!({"a": 2})
    );
    let err = patchlaw::merge_patch::compose(&p, &q).unwrap_err();
    assert_eq!(err.kind().code(), "unrepresentable");
    law::compose_assoc(&mut Native::new(), &p, &q, &r).unwrap();
}
