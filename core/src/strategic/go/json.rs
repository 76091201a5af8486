//! Go's `encoding/json` output for decoded JSON, as kubectl writes the
//! last-applied configuration.
//!
//! kubectl decodes a manifest into Go values (`int64` for integer literals
//! that fit, `float64` for every other number, maps, slices) and encodes it
//! again with `encoding/json` (Go 1.23, as kubectl v1.32 is built): object
//! members sorted by name (bytewise), no spaces, `<`, `>` and `&` escaped
//! as `\u003c`, `\u003e` and `\u0026` (HTML-safe), U+2028 and U+2029
//! escaped, floats in the shortest form that reads back, in exponent form
//! only below 1e-6 or from 1e21 on. The text matters: the annotation is
//! compared as text, so a different byte makes a patch.

use std::fmt::Write;

use serde_json::{Number, Value};

/// Appends Go's encoding of `value` to `out`. Depth is the caller's to
/// bound.
pub(crate) fn encode(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => number(n, out),
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            let mut names: Vec<(&String, &Value)> = members.iter().collect();
            // Go sorts map keys bytewise, as `str`'s `Ord` does; a
            // `BTreeMap` already iterates so.
            if !crate::order::sorted() {
                names.sort_unstable_by(|a, b| a.0.cmp(b.0));
            }
            for (i, (name, member)) in names.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(name, out);
                out.push(':');
                encode(member, out);
            }
            out.push('}');
        }
    }
}

/// `int64` literals as they are; every other number as Go's `float64`
/// encoder writes it.
fn number(n: &Number, out: &mut String) {
    if n.is_i64() {
        if let Some(i) = n.as_i64() {
            let _ = write!(out, "{i}");
            return;
        }
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    float(f, out);
}

/// `encoding/json`'s `floatEncoder` for 64 bits: `strconv.AppendFloat(f,
/// 'f' or 'e', -1, 64)`, exponent form when `|f| < 1e-6` or `|f| >= 1e21`,
/// with a two-digit negative exponent shortened (`e-07` → `e-7`).
pub(crate) fn float(f: f64, out: &mut String) {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust's `{:e}` gives the shortest round-trip digits, `d.ddde-7`;
        // Go writes the exponent with a sign and at least two digits, then
        // `encoding/json` drops the leading zero of `e-0d`.
        let text = format!("{f:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        out.push_str(mantissa);
        out.push('e');
        match exponent.strip_prefix('-') {
            Some(digits) => {
                out.push('-');
                out.push_str(digits);
            }
            None => {
                out.push('+');
                if exponent.len() < 2 {
                    out.push('0');
                }
                out.push_str(exponent);
            }
        }
    } else {
        // Shortest round-trip digits in plain notation; `-0` stays `-0`.
        let _ = write!(out, "{f}");
        // Rust prints integral floats without a fraction (`1`), as Go does.
    }
}

/// A string as `encoding/json` writes it with HTML escaping on.
fn string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            _ => None,
        };
        let hex = matches!(
            c,
            '\0'..='\u{1f}' | '<' | '>' | '&' | '\u{2028}' | '\u{2029}'
        );
        if escape.is_none() && !hex {
            continue;
        }
        out.push_str(&s[start..i]);
        match escape {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}
