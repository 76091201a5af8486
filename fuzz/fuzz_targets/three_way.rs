//! `[schema, original, modified, current]`: the declared three-way laws
//! (LAW-TW-CONVERGES, -DELETES-DROPPED, -PRESERVES-OTHERS, -STABLE,
//! -REDUCES-TO-TWO-WAY, -CONFLICT) on any input. `schema` is the protocol's
//! form; `null` means the RFC 7396 flavour, and an unusable one the empty
//! schema. Inputs outside the laws' domain (documents not valid under the
//! schema) pass; on the others the merge must succeed and its patch apply.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw_conformance::laws::three_way as law;
use patchlaw_conformance::strategy::three_way::ThreeWayCase;
use patchlaw_conformance::Native;
use patchlaw_fuzz::{holds, Case};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 4) else { return };
    let schema = match case.get(0) {
        Value::Null => Value::Null,
        _ => case.schema(0),
    };
    let input = ThreeWayCase {
        schema,
        original: case.get(1).clone(),
        modified: case.get(2).clone(),
        current: case.get(3).clone(),
    };
    let mut native = Native::new();
    for law in [
        &law::CONVERGES,
        &law::DELETES_DROPPED,
        &law::PRESERVES_OTHERS,
        &law::STABLE,
        &law::REDUCES_TO_TWO_WAY,
        &law::CONFLICT,
    ] {
        holds(&case, law, &mut native, &input);
    }
});
