//! `[doc, patch]`: RFC 6902 apply is atomic (with and without an inverse),
//! the inverse undoes, concatenation splits anywhere, and limits hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw::Limits;
use patchlaw_conformance::laws::json_patch as law;
use patchlaw_conformance::Native;
use patchlaw_fuzz::{check, Case};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 2) else { return };
    let (doc, patch) = (case.get(0), case.get(1));
    check(&case, law::atomic(doc, patch, Limits::new()));
    // Small limits make every limit reachable by a small input.
    let tight = Limits::new().max_depth(8).max_operations(6).max_copy_size(2_048);
    check(&case, law::atomic(doc, patch, tight));
    check(&case, law::inverse(doc, patch));
    // Concatenation is a law of unlimited application, where a copy-doubling
    // input would take all memory: only patches without copies are split.
    let copies = patch.as_array().is_some_and(|ops| ops.iter().any(|op| op.get("op") == Some(&Value::from("copy"))));
    if let (Value::Array(ops), false) = (patch, copies) {
        let cut = ops.len() / 2;
        let (p, q) = (Value::Array(ops[..cut].to_vec()), Value::Array(ops[cut..].to_vec()));
        check(&case, law::concat(&mut Native::with_limits(Limits::unlimited()), doc, &p, &q));
        check(&case, law::concat_index(doc, &p, &q));
    }
});
