//! What a plain (unquoted) YAML scalar means, as kubectl reads it.
//!
//! kubectl turns YAML into JSON with `sigs.k8s.io/yaml`, over go-yaml v2,
//! which resolves plain scalars by YAML 1.1's rules: `yes`, `on` and `y`
//! are `true`, `0644` is the octal 420, `1_000` is 1000. A manifest means
//! what kubectl reads in it, so this module reproduces that resolution
//! (each rule below was checked against `kubectl patch --local` v1.32),
//! with one difference: numbers keep their exact decimal text where go-yaml
//! would round them to a double (`123456789012345678901234567890`,
//! `1.10`, `18446744073709551615`).

use serde_json::{Number, Value};

/// The value of the plain scalar `text`; `Err` names a float JSON cannot
/// hold (`.inf`, `.nan`), which kubectl refuses too.
pub(crate) fn plain(text: &str) -> Result<Value, String> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Ok(Value::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Ok(Value::Bool(false))
        }
        _ => {}
    }
    // go-yaml tries numbers only for scalars that start like one.
    if !text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return Ok(Value::String(text.to_owned()));
    }
    let bare = text.trim_start_matches(['+', '-']);
    if matches!(bare, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN")
        && text.len() - bare.len() <= 1
    {
        return Err(format!("{text} is not a JSON number"));
    }
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(number) = integer(&digits) {
        return Ok(Value::Number(number));
    }
    if let Some(number) = float(&digits) {
        return Ok(number);
    }
    Ok(Value::String(text.to_owned()))
}

/// The text a mapping key of value `key` stands for in JSON, as
/// `sigs.k8s.io/yaml` converts it (`1` → `"1"`, `true` → `"true"`), or
/// `None` for a key JSON cannot have (null, a container).
pub(crate) fn key_text(key: Value) -> Option<String> {
    match key {
        Value::String(s) => Some(s),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// Go's `strconv.ParseInt(text, 0, 64)`, then `ParseUint`: an optional
/// sign, then `0x`, `0o`, `0b` or a leading `0` (octal) prefix, or
/// decimal digits. A decimal integer out of 64-bit range is kept exact
/// (go-yaml makes it a double).
fn integer(text: &str) -> Option<Number> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(rest) = strip_prefix_ci(unsigned, "0x") {
        (16, rest)
    } else if let Some(rest) = strip_prefix_ci(unsigned, "0o") {
        (8, rest)
    } else if let Some(rest) = strip_prefix_ci(unsigned, "0b") {
        (2, rest)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        (8, &unsigned[1..])
    } else {
        (10, unsigned)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    if radix == 10 {
        // Decimal: the digits as written, of any size (`-0` stays `-0`).
        let sign = if negative { "-" } else { "" };
        return format!("{sign}{digits}").parse().ok();
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        let value = 0i64.checked_sub_unsigned(magnitude)?;
        Some(Number::from(value))
    } else {
        Some(Number::from(magnitude))
    }
}

fn strip_prefix_ci<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// go-yaml's float syntax, `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`,
/// as exact JSON number text. A value beyond a double's range stays a
/// string, as go-yaml leaves it.
fn float(text: &str) -> Option<Value> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'-' => ("-", &text[1..]),
        b'+' => ("", &text[1..]),
        _ => ("", text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let valid = all_digits(whole)
        && fraction.is_none_or(all_digits)
        && (!whole.is_empty() || fraction.is_some_and(|f| !f.is_empty()))
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && all_digits(e)
        });
    if !valid {
        return None;
    }
    if text.parse::<f64>().ok()?.is_infinite() {
        return Some(Value::String(text.to_owned()));
    }
    let whole = whole.trim_start_matches('0');
    let mut json = format!("{sign}{}", if whole.is_empty() { "0" } else { whole });
    match fraction {
        Some(f) if !f.is_empty() => json.push_str(&format!(".{f}")),
        Some(_) => json.push_str(".0"),
        None => {}
    }
    if let Some(e) = exponent {
        json.push('e');
        json.push_str(e);
    }
    json.parse().ok().map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Each case as `kubectl patch --local -o json` v1.32 reads it, except
    /// where it rounds a number to a double: then the exact number.
    #[test]
    fn plain_scalars_resolve_as_kubectl_reads_them() {
        let cases: &[(&str, Value)] = &[
            ("on", json!(true)),
            ("yes", json!(true)),
            ("y", json!(true)),
            ("off", json!(false)),
            ("NO", json!(false)),
            ("True", json!(true)),
            ("~", json!(null)),
            ("Null", json!(null)),
            ("0777", json!(511)),
            ("0o777", json!(511)),
            ("-0777", json!(-511)),
            ("0_777", json!(511)),
            ("0x1F", json!(31)),
            ("0x_1F", json!(31)),
            ("+0x10", json!(16)),
            ("0b101", json!(5)),
            ("-0o17", json!(-15)),
            ("1_000", json!(1000)),
            ("1__0", json!(10)),
            ("1_", json!(1)),
            ("00", json!(0)),
            ("+12", json!(12)),
            ("08", json!(8)),
            ("9007199254740993", json!(9_007_199_254_740_993u64)),
            ("18446744073709551615", json!(u64::MAX)),
            ("_1", json!("_1")),
            ("0x", json!("0x")),
            ("0o", json!("0o")),
            ("2e", json!("2e")),
            ("=", json!("=")),
            ("1:20", json!("1:20")),
            ("2001-12-14", json!("2001-12-14")),
            ("0xFFFFFFFFFFFFFFFFFF", json!("0xFFFFFFFFFFFFFFFFFF")),
            ("1e400", json!("1e400")),
            ("app:2", json!("app:2")),
        ];
        for (text, expected) in cases {
            assert_eq!(&plain(text).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn decimals_keep_their_exact_text() {
        // The JSON text each stands for, as serde_json keeps it.
        let cases = [
            ("1.0", "1.0"),
            ("1.10", "1.10"),
            ("1.", "1.0"),
            ("0.", "0.0"),
            (".5", "0.5"),
            ("+.5", "0.5"),
            ("1_0.5", "10.5"),
            ("1e3", "1e3"),
            ("1E+03", "1E+03"),
            ("12e03", "12e03"),
            ("-0", "-0"),
            ("0.1000000000000000000001", "0.1000000000000000000001"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("-9223372036854775809", "-9223372036854775809"),
        ];
        for (text, exact) in cases {
            let json: Number = exact.parse().unwrap();
            assert_eq!(plain(text).unwrap(), Value::Number(json), "{text}");
        }
    }

    #[test]
    fn infinities_are_refused() {
        for text in [".inf", "-.Inf", "+.INF", ".nan", ".NaN"] {
            assert!(plain(text).is_err(), "{text}");
        }
        assert_eq!(plain("-.nan.").unwrap(), json!("-.nan."));
    }

    #[test]
    fn keys_become_their_json_text() {
        assert_eq!(key_text(plain("1").unwrap()).as_deref(), Some("1"));
        assert_eq!(key_text(plain("true").unwrap()).as_deref(), Some("true"));
        assert_eq!(key_text(plain("0x10").unwrap()).as_deref(), Some("16"));
        assert_eq!(key_text(plain("1.5").unwrap()).as_deref(), Some("1.5"));
        assert_eq!(key_text(plain("null").unwrap()), None);
    }
}
