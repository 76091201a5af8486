//! `[schema, doc, patch]`: the declared strategic merge patch apply laws
//! (LAW-SMP-REDUCES-TO-MP on `doc` and `patch`; -MERGE-KEY, -DELETE,
//! -REPLACE, -RETAIN-KEYS, -PRIMITIVE-UNION and -ELEMENT-ORDER on the
//! three), and atomicity: a failed apply leaves the document exactly as it
//! was. `schema` is the protocol's form (`{"builtin": "apps/v1/Deployment"}`
//! or OpenAPI with `root`); an unusable one means the empty schema.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw_conformance::implementation::schema_argument;
use patchlaw_conformance::laws::strategic as law;
use patchlaw_conformance::strategy::strategic::StrategicCase;
use patchlaw_conformance::Native;
use patchlaw_fuzz::{holds, Case};

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 3) else { return };
    let (doc, patch) = (case.get(1).clone(), case.get(2).clone());
    let mut native = Native::new();
    holds(&case, &law::REDUCES_TO_MP, &mut native, &(doc.clone(), patch.clone()));
    let input = StrategicCase { schema: case.schema(0), doc, patch };
    for declared in [&law::MERGE_KEY, &law::DELETE, &law::REPLACE, &law::RETAIN_KEYS, &law::PRIMITIVE_UNION, &law::ELEMENT_ORDER] {
        holds(&case, declared, &mut native, &input);
    }
    if let Ok(parsed) = schema_argument(&input.schema) {
        let mut target = input.doc.clone();
        if patchlaw::strategic::apply(&mut target, &input.patch, &parsed).is_err() {
            assert!(target == input.doc, "a failed apply changed the document\n{case:?}");
        }
    }
});
