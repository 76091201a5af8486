//! `[from, to]`: the declared RFC 6902 diff laws: LAW-JP-DIFF-APPLY (and
//! patchlaw's diff options), LAW-JP-DIFF-SELF on `from`, and
//! LAW-JP-DIFF-LOCAL for one edit of each array of `from`, with `to` as the
//! new element.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw::PointerBuf;
use patchlaw_conformance::laws::json_patch::{self as law, ArrayEdit};
use patchlaw_conformance::{strategy, Native};
use patchlaw_fuzz::{check, holds, Case};

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 2) else { return };
    let (from, to) = (case.get(0), case.get(1));
    let mut native = Native::new();
    holds(&case, &law::DIFF_APPLY, &mut native, &(from.clone(), to.clone()));
    check(&case, law::diff_apply_with_options(from, to));
    holds(&case, &law::DIFF_SELF, &mut native, from);
    let arrays: Vec<PointerBuf> = strategy::existing_paths(from, 32)
        .into_iter()
        .filter(|p| p.get(from).is_ok_and(serde_json::Value::is_array))
        .collect();
    for (i, array) in arrays.into_iter().enumerate() {
        for edit in [ArrayEdit::Insert(i, to.clone()), ArrayEdit::Remove(i), ArrayEdit::Replace(i, to.clone())] {
            holds(&case, &law::DIFF_LOCAL, &mut native, &(from.clone(), array.clone(), edit));
        }
    }
});
