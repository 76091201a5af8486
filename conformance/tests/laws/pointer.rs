//! LAW-PTR-*: spec/10-pointer.md.

use patchlaw::PointerBuf;
use patchlaw_conformance::laws::pointer as law;
use patchlaw_conformance::Native;
use proptest::prelude::*;

law_tests! {
    roundtrip: "LAW-PTR-ROUNDTRIP",
    escape_order: "LAW-PTR-ESCAPE-ORDER",
    strict_index: "LAW-PTR-STRICT-INDEX",
}

proptest! {
    /// LAW-PTR-ROUNDTRIP's second half, format(parse(s)) = s, on patchlaw's
    /// parser and on strings of its own: the declared cases are token
    /// lists, which cover the first half through `pointer.get`. Every
    /// string that parses formats back to itself.
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
