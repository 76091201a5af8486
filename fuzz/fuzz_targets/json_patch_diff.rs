//! `[from, to]`: RFC 6902 diff round-trips with every option, is empty on
//! equal documents, and is local for one array edit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw::json_patch::{diff_with, DiffOptions};
use patchlaw::PointerBuf;
use patchlaw_conformance::laws::json_patch::{self as law, ArrayEdit};
use patchlaw_conformance::{strategy, Native};
use patchlaw_fuzz::{check, Case};

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 2) else { return };
    let (from, to) = (case.get(0), case.get(1));
    let mut native = Native::new();
    check(&case, law::diff_apply(&mut native, from, to));
    check(&case, law::diff_self(&mut native, from));
    for options in [DiffOptions::new().moves(true), DiffOptions::new().tests(true), DiffOptions::new().max_edit_distance(2)] {
        if let Ok(patch) = diff_with(from, to, options) {
            let mut doc = from.clone();
            patch.apply(&mut doc).unwrap_or_else(|e| panic!("{options:?}: {patch} fails: {e}\n{case:?}"));
            assert_eq!(&doc, to, "{options:?}: {patch}\n{case:?}");
        }
    }
    // One edit of each array of `from`, using `to` as the new element.
    let arrays: Vec<PointerBuf> = strategy::existing_paths(from, 32)
        .into_iter()
        .filter(|p| p.get(from).is_ok_and(serde_json::Value::is_array))
        .collect();
    for (i, array) in arrays.iter().enumerate() {
        for edit in [ArrayEdit::Insert(i, to.clone()), ArrayEdit::Remove(i), ArrayEdit::Replace(i, to.clone())] {
            check(&case, law::diff_local(&mut native, from, array, &edit));
        }
    }
});
