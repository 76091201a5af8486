//! `[schema, a, b]`: the declared strategic diff laws (LAW-SMP-DIFF-APPLY:
//! applying the diff gives the target, and the diff never fails on
//! documents valid under the schema; LAW-SMP-IDEMPOTENT: it applies
//! idempotently). `schema` is the protocol's form; an unusable one means
//! the empty schema.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw_conformance::laws::strategic as law;
use patchlaw_conformance::Native;
use patchlaw_fuzz::{holds, Case};

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 3) else { return };
    let input = (case.schema(0), case.get(1).clone(), case.get(2).clone());
    let mut native = Native::new();
    holds(&case, &law::DIFF_APPLY, &mut native, &input);
    holds(&case, &law::IDEMPOTENT, &mut native, &input);
});
