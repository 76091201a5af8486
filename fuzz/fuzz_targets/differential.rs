//! `[doc, patch]`: patchlaw against the `json-patch` crate where both claim
//! RFC 6902 behaviour. Where they may differ by design, the case is
//! excluded, each exclusion with its reason:
//!
//! - `test` of numbers: RFC 6902 §4.6 makes `1` equal `1.0`; the crate
//!   compares serde_json values exactly (1 ≠ 1.0);
//! - removing the whole document (`remove ""`): patchlaw refuses it
//!   (`invalid-patch`); the RFC does not say;
//! - array indices with a leading zero or sign, or tokens that are not
//!   canonical indices: the crate relies on serde_json's parsing of
//!   indices, which differs in edge cases (RFC 6901 §4 requires canonical
//!   indices);
//! - `move` or `copy` from the root `""`: the crate refuses any root `from`
//!   (`InvalidFromPointer`), even `move "" → ""`, which RFC 6902 §4.4
//!   allows (a no-op: `from` exists and is not a proper prefix of `path`),
//!   and `copy "" → "/x"`;
//! - copy sizes and depths beyond patchlaw's default limits: the crate has
//!   none (patchlaw's refusal is the point of the limits), so patches with
//!   more than 8 `copy` operations are not run at all (the crate would
//!   exhaust memory on a copy-doubling input).
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw::json_patch::Patch;
use patchlaw_fuzz::Case;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 2) else { return };
    let (doc, patch) = (case.get(0), case.get(1));
    let Ok(theirs) = serde_json::from_value::<json_patch::Patch>(patch.clone()) else { return };
    let Ok(ours) = Patch::from_value(patch) else {
        return;
    };
    if excluded(&ours) {
        return;
    }
    let mut a = doc.clone();
    let mut b = doc.clone();
    let ours_outcome = ours.apply(&mut a);
    // json-patch 5.0.0 panics when its own rollback fails (found by this
    // target: add /a/b, then a move of /a that fails); that is the peer's
    // bug, so a panic there ends the comparison instead of the run.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let theirs_outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| json_patch::patch(&mut b, &theirs)));
    std::panic::set_hook(hook);
    let Ok(theirs_outcome) = theirs_outcome else {
        // patchlaw must still have been atomic.
        if ours_outcome.is_err() {
            assert_eq!(&a, doc, "patchlaw changed the document on failure\n{case:?}");
        }
        return;
    };
    match (&ours_outcome, &theirs_outcome) {
        (Ok(()), Ok(())) => assert_eq!(a, b, "both succeeded with different results\n{case:?}"),
        (Err(_), Err(_)) => {
            // Both failed: both left the document as it was.
            assert_eq!(&a, doc, "patchlaw changed the document on failure\n{case:?}");
        }
        (Err(e), Ok(())) if e.kind() == patchlaw::ErrorKind::LimitExceeded => {}
        _ => panic!("patchlaw: {ours_outcome:?}, json-patch: {theirs_outcome:?}\n{case:?}"),
    }
});

fn excluded(patch: &Patch) -> bool {
    if patch.iter().filter(|op| op.name() == "copy").count() > 8 {
        return true;
    }
    patch.iter().any(|op| {
        let numeric_test = matches!(op, patchlaw::json_patch::Operation::Test { value, .. } if has_number(value));
        let root_remove = matches!(op, patchlaw::json_patch::Operation::Remove { path } if path.is_root());
        let odd_index = op
            .path()
            .tokens()
            .iter()
            .chain(op.from().map(|p| p.tokens()).unwrap_or_default())
            .any(|t| t.len() > 1 && (t.starts_with('0') || t.starts_with('+') || t.starts_with('-')));
        let root_from = op.from().is_some_and(patchlaw::Pointer::is_root);
        numeric_test || root_remove || odd_index || root_from
    })
}

fn has_number(value: &Value) -> bool {
    match value {
        Value::Number(_) => true,
        Value::Array(items) => items.iter().any(has_number),
        Value::Object(members) => members.values().any(has_number),
        _ => false,
    }
}
