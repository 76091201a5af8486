//! `[doc, patch, second, third]`: the RFC 7396 laws (idempotence, null
//! deletes, non-object replaces, diff-apply and minimality, compose and its
//! associativity).
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw_conformance::laws::merge_patch as law;
use patchlaw_conformance::Native;
use patchlaw_fuzz::{check, Case};

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 2) else { return };
    let (doc, patch, second, third) = (case.get(0), case.get(1), case.get(2), case.get(3));
    for mut native in [Native::new(), Native::new().by_reference()] {
        check(&case, law::idempotent(&mut native, doc, patch));
        check(&case, law::null_deletes(&mut native, doc, patch));
        check(&case, law::nonobject_replaces(&mut native, doc, patch));
    }
    let mut native = Native::new();
    check(&case, law::diff_apply(&mut native, doc, patch));
    check(&case, law::diff_minimal(&mut native, doc, patch));
    check(&case, law::compose(&mut native, doc, patch, second));
    check(&case, law::compose_assoc(&mut native, patch, second, third));
});
