//! `[doc, patch, second, third]`: the declared RFC 7396 laws
//! (LAW-MP-IDEMPOTENT, -NULL-DELETES and -NONOBJECT-REPLACES on `doc` and
//! `patch`, by value and by reference; -DIFF-APPLY and -DIFF-MINIMAL from
//! `doc` to `patch`; -COMPOSE of `patch` and `second` on `doc`;
//! -COMPOSE-ASSOC of `patch`, `second` and `third`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw_conformance::laws::merge_patch as law;
use patchlaw_conformance::Native;
use patchlaw_fuzz::{holds, Case};

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 2) else { return };
    let [doc, patch, second, third] = [0, 1, 2, 3].map(|i| case.get(i).clone());
    let pair = (doc.clone(), patch.clone());
    for mut native in [Native::new(), Native::new().by_reference()] {
        holds(&case, &law::IDEMPOTENT, &mut native, &pair);
        holds(&case, &law::NULL_DELETES, &mut native, &pair);
        holds(&case, &law::NONOBJECT_REPLACES, &mut native, &pair);
    }
    let mut native = Native::new();
    holds(&case, &law::DIFF_APPLY, &mut native, &pair);
    holds(&case, &law::DIFF_MINIMAL, &mut native, &pair);
    holds(&case, &law::COMPOSE, &mut native, &(doc, patch.clone(), second.clone()));
    holds(&case, &law::COMPOSE_ASSOC, &mut native, &(patch, second, third));
});
