//! `[schema, doc, patch]`: the strategic merge patch apply laws
//! (reduces-to-RFC-7396, merge key, delete, replace, retainKeys, primitive
//! union, element order), and atomicity: a failed apply leaves the
//! document exactly as it was. `schema` is the protocol's form
//! (`{"builtin": "apps/v1/Deployment"}` or OpenAPI with `root`); an unusable
//! one means the empty schema.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw_conformance::implementation::schema_argument;
use patchlaw_conformance::laws::strategic as law;
use patchlaw_conformance::Native;
use patchlaw_fuzz::{check, Case};

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 3) else { return };
    let (doc, patch) = (case.get(1), case.get(2));
    let schema = match schema_argument(case.get(0)) {
        Ok(_) => case.get(0).clone(),
        Err(_) => law::empty_schema(),
    };
    let mut native = Native::new();
    check(&case, law::reduces_to_merge_patch(&mut native, doc, patch));
    check(&case, law::merge_key(&mut native, &schema, doc, patch));
    check(&case, law::delete(&mut native, &schema, doc, patch));
    check(&case, law::replace(&mut native, &schema, doc, patch));
    check(&case, law::retain_keys(&mut native, &schema, doc, patch));
    check(&case, law::primitive_union(&mut native, &schema, doc, patch));
    check(&case, law::element_order(&mut native, &schema, doc, patch));
    if let Ok(parsed) = schema_argument(&schema) {
        let mut target = doc.clone();
        if patchlaw::strategic::apply(&mut target, patch, &parsed).is_err() {
            assert!(target == *doc, "a failed apply changed the document\n{case:?}");
        }
    }
});
