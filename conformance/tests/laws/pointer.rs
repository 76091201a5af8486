//! LAW-PTR-*: spec/10-pointer.md.

use patchlaw::PointerBuf;
use patchlaw_conformance::laws::pointer as law;
use patchlaw_conformance::{strategy, Native};
use proptest::prelude::*;

use super::broken;

proptest! {
    /// LAW-PTR-ROUNDTRIP, from token lists.
    #[test]
    fn roundtrip_from_tokens(tokens in strategy::arb_tokens()) {
        law::roundtrip(&mut Native::new(), &tokens).map_err(broken)?;
    }

    /// LAW-PTR-ROUNDTRIP, from strings: every string that parses formats
    /// back to itself.
    #[test]
    fn roundtrip_from_strings(text in "(/[a~01/]{0,3}){0,4}|[~a/]{0,6}") {
        if let Ok(pointer) = PointerBuf::parse(&text) {
            prop_assert_eq!(pointer.to_string(), text);
        } else {
            // Only a missing leading `/` or a bad `~` escape fails.
            let bad_escape = text.split('~').skip(1).any(|rest| !rest.starts_with(['0', '1']));
            prop_assert!(!text.starts_with('/') || bad_escape, "{:?} should parse", text);
        }
    }

    /// LAW-PTR-ESCAPE-ORDER.
    #[test]
    fn escape_order(token in strategy::arb_token()) {
        law::escape_order(&mut Native::new(), &token).map_err(broken)?;
    }

    /// LAW-PTR-STRICT-INDEX.
    #[test]
    fn strict_index(len in 0usize..12, token in strategy::arb_index_token()) {
        law::strict_index(&mut Native::new(), len, &token).map_err(broken)?;
    }
}

/// LAW-PTR-ESCAPE-ORDER: the cases that tell the right order from the wrong
/// one. Undoing `~0` first would turn `~01` into `~1` and then into `/`.
#[test]
fn escape_order_examples() {
    let mut native = Native::new();
    for token in ["~1", "~0", "/~", "~/", "~01", "~10", "a~b/c"] {
        law::escape_order(&mut native, token).unwrap();
    }
    assert_eq!(PointerBuf::parse("/~01").unwrap().tokens(), ["~1"]);
    assert_eq!(PointerBuf::parse("/~10").unwrap().tokens(), ["/0"]);
}

/// LAW-PTR-STRICT-INDEX: every non-canonical spelling is refused.
#[test]
fn strict_index_examples() {
    let mut native = Native::new();
    for token in [
        "0",
        "1",
        "2",
        "3",
        "01",
        "00",
        "+1",
        "-1",
        "-",
        "",
        " 0",
        "1.0",
        "1e0",
        "18446744073709551616",
    ] {
        law::strict_index(&mut native, 3, token).unwrap();
    }
}
