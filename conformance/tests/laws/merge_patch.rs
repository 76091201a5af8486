//! LAW-MP-*: spec/20-merge-patch.md.

use patchlaw_conformance::laws::merge_patch as law;
use patchlaw_conformance::Native;
use serde_json::json;

use super::samples;

law_tests! {
    nonobject_replaces: "LAW-MP-NONOBJECT-REPLACES",
    idempotent: "LAW-MP-IDEMPOTENT",
    null_deletes: "LAW-MP-NULL-DELETES",
    diff_apply: "LAW-MP-DIFF-APPLY",
    diff_minimal: "LAW-MP-DIFF-MINIMAL",
    compose: "LAW-MP-COMPOSE",
    compose_assoc: "LAW-MP-COMPOSE-ASSOC",
}

/// LAW-MP-DIFF-APPLY and LAW-MP-COMPOSE: their declared cases reach both
/// sides of each partial law, so the property tests above check refusals
/// as well as results.
#[test]
fn generators_reach_both_sides_of_the_partial_laws() {
    let (representable, not): (Vec<_>, Vec<_>) = samples(&law::DIFF_APPLY, 500)
        .into_iter()
        .partition(|(a, b)| law::representable(a, b));
    let (representable, not) = (representable.len(), not.len());
    assert!(
        representable > 100 && not > 25,
        "diff: {representable} representable, {not} not"
    );
    let (composable, not): (Vec<_>, Vec<_>) = samples(&law::COMPOSE, 500)
        .into_iter()
        .partition(|(_, p, q)| law::composable(p, q));
    let (composable, not) = (composable.len(), not.len());
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
