//! `[doc, patch]`: the declared RFC 6902 apply laws: LAW-JP-ATOMIC (and,
//! through the same law function, with small limits that make every limit
//! reachable, with and without an inverse), LAW-JP-INVERSE, and
//! LAW-JP-CONCAT with its failing index for the patch split in two
//! (patches without copies only: the law is stated without limits, where a
//! copy-doubling input would take all memory).
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw::Limits;
use patchlaw_conformance::laws::json_patch as law;
use patchlaw_conformance::Native;
use patchlaw_fuzz::{check, holds, Case};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 2) else { return };
    let (doc, patch) = (case.get(0), case.get(1));
    let pair = (doc.clone(), patch.clone());
    let mut native = Native::new();
    holds(&case, &law::ATOMIC, &mut native, &pair);
    let tight = Limits::new().max_depth(8).max_operations(6).max_copy_size(2_048);
    check(&case, law::atomic(doc, patch, tight));
    holds(&case, &law::INVERSE, &mut native, &pair);
    let copies = patch.as_array().is_some_and(|ops| ops.iter().any(|op| op.get("op") == Some(&Value::from("copy"))));
    if let (Value::Array(ops), false) = (patch, copies) {
        let cut = ops.len() / 2;
        let (p, q) = (Value::Array(ops[..cut].to_vec()), Value::Array(ops[cut..].to_vec()));
        check(&case, law::concat_index(doc, &p, &q));
        holds(&case, &law::CONCAT, &mut Native::with_limits(Limits::unlimited()), &(doc.clone(), p, q));
    }
});
