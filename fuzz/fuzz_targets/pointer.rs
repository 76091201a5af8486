//! `[doc, pointer]`: the declared pointer laws on the pointer's tokens
//! (LAW-PTR-ROUNDTRIP on the token list, LAW-PTR-ESCAPE-ORDER and
//! LAW-PTR-STRICT-INDEX on each token, against an array of three); the
//! pointer formats back to its text; evaluation never panics and an error
//! carries the pointer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw::PointerBuf;
use patchlaw_conformance::laws::pointer as law;
use patchlaw_conformance::Native;
use patchlaw_fuzz::{holds, Case};

fuzz_target!(|data: &[u8]| {
    let Some(case) = Case::parse(data, 2) else { return };
    let mut native = Native::new();
    let doc = case.get(0);
    let text = case.get(1).as_str().unwrap_or_default();
    if let Ok(pointer) = PointerBuf::parse(text) {
        assert_eq!(pointer.to_string(), text, "{case:?}");
        holds(&case, &law::ROUNDTRIP, &mut native, &pointer.tokens().to_vec());
        for token in pointer.tokens() {
            holds(&case, &law::ESCAPE_ORDER, &mut native, token);
            holds(&case, &law::STRICT_INDEX, &mut native, &(3, token.clone()));
        }
        if let Err(err) = pointer.get(doc) {
            assert_eq!(err.pointer(), Some(text), "{case:?}");
        }
    }
    let _ = PointerBuf::parse_uri_fragment(text);
});
