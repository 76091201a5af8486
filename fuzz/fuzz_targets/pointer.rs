//! `[doc, pointer]`: parsing and formatting round trip, escaping round
//! trips, evaluation never panics and agrees with the strict-index law.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw::PointerBuf;
use patchlaw_conformance::laws::pointer as law;
use patchlaw_conformance::Native;
use patchlaw_fuzz::{check, Case};

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 2) else { return };
    let mut native = Native::new();
    let doc = case.get(0);
    let text = case.get(1).as_str().unwrap_or_default();
    if let Ok(pointer) = PointerBuf::parse(text) {
        check(&case, law::roundtrip(&mut native, pointer.tokens()));
        for token in pointer.tokens() {
            check(&case, law::escape_order(&mut native, token));
            check(&case, law::strict_index(&mut native, 3, token));
        }
        // Evaluation never panics; an error carries the pointer.
        if let Err(err) = pointer.get(doc) {
            assert_eq!(err.pointer(), Some(text), "{case:?}");
        }
    }
    let _ = PointerBuf::parse_uri_fragment(text);
});
