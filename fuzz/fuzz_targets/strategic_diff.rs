//! `[schema, a, b]`: the strategic diff laws (applying the diff gives the
//! target, and applies idempotently) for documents valid under the schema,
//! and that the diff never fails on valid documents. `schema` is the
//! protocol's form; an unusable one means the empty schema.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw_conformance::implementation::schema_argument;
use patchlaw_conformance::laws::strategic as law;
use patchlaw_conformance::Native;
use patchlaw_fuzz::{check, Case};

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 3) else { return };
    let (a, b) = (case.get(1), case.get(2));
    let schema = match schema_argument(case.get(0)) {
        Ok(_) => case.get(0).clone(),
        Err(_) => law::empty_schema(),
    };
    let mut native = Native::new();
    check(&case, law::diff_apply(&mut native, &schema, a, b));
    check(&case, law::idempotent(&mut native, &schema, a, b, &[a, b]));
});
