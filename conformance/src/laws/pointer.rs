//! The JSON Pointer laws of `spec/10-pointer.md`.
//!
//! Parsing and formatting are checked on patchlaw's own [`PointerBuf`] (the
//! reference), and then through the implementation's `pointer.get`: a
//! document is built in which the tokens lead to a marker value, and the
//! formatted pointer must find it.

use patchlaw::pointer::{escape, unescape};
use patchlaw::PointerBuf;
use serde_json::{json, Map, Value};

use super::{call, declare_checks, expect, Violation};
use crate::implementation::{Implementation, Op};
use crate::strategy;

declare_checks! {
    /// `LAW-PTR-ROUNDTRIP`: parse(format(t)) = t for every token list, and
    /// format(parse(s)) = s for every valid pointer string; checked on token
    /// lists biased towards escapes and index-like tokens.
    ROUNDTRIP: Vec<String> = ("LAW-PTR-ROUNDTRIP", [PointerGet])
        on strategy::arb_tokens(), |imp, tokens| roundtrip(imp, tokens);

    /// `LAW-PTR-ESCAPE-ORDER`: unescape is the inverse of escape; checked on
    /// tokens full of `~`, `/`, `0` and `1`.
    ESCAPE_ORDER: String = ("LAW-PTR-ESCAPE-ORDER", [PointerGet])
        on strategy::arb_token(), |imp, token| escape_order(imp, token);

    /// `LAW-PTR-STRICT-INDEX`: a token evaluates against an array iff it is a
    /// canonical index in range; checked on arrays of up to 11 elements and
    /// tokens that are indices or look like them.
    STRICT_INDEX: (usize, String) = ("LAW-PTR-STRICT-INDEX", [PointerGet])
        on (0usize..12, strategy::arb_index_token()),
        |imp, (len, token)| strict_index(imp, *len, token);
}

/// Checks `LAW-PTR-ROUNDTRIP` for the token list `tokens`.
///
/// # Errors
///
/// The violation, when the formatted pointer does not parse back to `tokens`,
/// does not format back to itself, or does not lead `pointer.get` to the
/// marker placed at the end of `tokens`.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::pointer, Native};
///
/// pointer::roundtrip(&mut Native::new(), &["a/b".to_owned(), "~1".to_owned(), String::new()])?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn roundtrip<I: Implementation + ?Sized>(
    imp: &mut I,
    tokens: &[String],
) -> Result<(), Violation> {
    let text = PointerBuf::from_tokens(tokens.iter().cloned()).to_string();
    let parsed = PointerBuf::parse(&text)
        .map_err(|e| Violation::new(ROUNDTRIP.id, format!("{text:?} does not parse: {e}")))?;
    if parsed.tokens() != tokens {
        return Err(Violation::new(
            ROUNDTRIP.id,
            format!("{text:?} parses to {:?}, not {tokens:?}", parsed.tokens()),
        ));
    }
    if parsed.to_string() != text {
        return Err(Violation::new(
            ROUNDTRIP.id,
            format!("{text:?} formats back as {:?}", parsed.to_string()),
        ));
    }
    expect_marker(imp, ROUNDTRIP.id, tokens, &text)
}

/// Checks `LAW-PTR-ESCAPE-ORDER` for one token: unescape(escape(t)) = t, and
/// the implementation finds the member `t` through the escaped form.
///
/// # Errors
///
/// The violation, when the round trip changes the token or `pointer.get`
/// misses the member.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::pointer, Native};
///
/// pointer::escape_order(&mut Native::new(), "~1")?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn escape_order<I: Implementation + ?Sized>(imp: &mut I, token: &str) -> Result<(), Violation> {
    let escaped = escape(token);
    let back = unescape(&escaped).map_err(|e| {
        Violation::new(
            ESCAPE_ORDER.id,
            format!("escape({token:?}) = {escaped:?} does not unescape: {e}"),
        )
    })?;
    if back != token {
        return Err(Violation::new(
            ESCAPE_ORDER.id,
            format!("unescape(escape({token:?})) = {back:?}"),
        ));
    }
    expect_marker(
        imp,
        ESCAPE_ORDER.id,
        &[token.to_owned()],
        &format!("/{escaped}"),
    )
}

/// Checks `LAW-PTR-STRICT-INDEX` for `token` evaluated against an array of
/// `len` elements: the element when the token is a canonical index below
/// `len`, `index-out-of-bounds` for a canonical index at or past `len`,
/// `invalid-index` for anything else (`-` included, since `pointer.get`
/// does not allow the past-the-end index).
///
/// # Errors
///
/// The violation, when the implementation answers otherwise.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::pointer, Native};
///
/// let mut native = Native::new();
/// pointer::strict_index(&mut native, 3, "01")?;
/// pointer::strict_index(&mut native, 3, "2")?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn strict_index<I: Implementation + ?Sized>(
    imp: &mut I,
    len: usize,
    token: &str,
) -> Result<(), Violation> {
    let items: Vec<Value> = (0..len).map(|i| json!({ "element": i })).collect();
    let doc = json!({ "list": items });
    let pointer = format!("/list/{}", escape(token));
    let canonical = token == "0"
        || (token.starts_with(|c: char| ('1'..='9').contains(&c))
            && token.bytes().all(|b| b.is_ascii_digit()));
    let expected = if !canonical {
        Err("invalid-index".to_owned())
    } else {
        match token.parse::<usize>() {
            Ok(i) if i < len => Ok(items[i].clone()),
            _ => Err("index-out-of-bounds".to_owned()),
        }
    };
    let arguments = [("doc", &doc), ("pointer", &Value::String(pointer.clone()))];
    let got = call(imp, STRICT_INDEX.id, Op::PointerGet, &arguments)?;
    expect(STRICT_INDEX.id, &got, &expected, || {
        format!("{pointer:?} on an array of {len}: expected {expected:?}, got {got:?}")
    })
}

/// Builds a document in which `tokens` lead through objects to a marker and
/// checks that `pointer.get` with `text` finds it.
fn expect_marker<I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    tokens: &[String],
    text: &str,
) -> Result<(), Violation> {
    let marker = json!({ "marker": text });
    let mut doc = marker.clone();
    for token in tokens.iter().rev() {
        let mut members = Map::new();
        // A decoy sibling catches implementations that unescape wrongly.
        members.insert(format!("{token}~"), json!("decoy"));
        members.insert(token.clone(), doc);
        doc = Value::Object(members);
    }
    let arguments = [("doc", &doc), ("pointer", &Value::String(text.to_owned()))];
    let got = call(imp, law, Op::PointerGet, &arguments)?;
    expect(law, &got.as_ref(), &Ok(&marker), || {
        format!("pointer.get({text:?}) gave {got:?}, expected {marker}")
    })
}
