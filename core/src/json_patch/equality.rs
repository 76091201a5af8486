//! RFC 6902 §4.6 equality.

use std::sync::OnceLock;

use serde_json::{Number, Value};

/// Whether two values are equal in the sense of
/// [RFC 6902 §4.6](https://www.rfc-editor.org/rfc/rfc6902#section-4.6), the
/// equality of the JSON Patch `test` operation.
///
/// - values of different JSON types are never equal;
/// - strings are equal when they hold the same code points;
/// - numbers are equal when their values are numerically equal: `1`, `1.0`
///   and `1e0` are equal. Without serde_json's `arbitrary_precision` this is
///   exact between integers (`i64`/`u64`), between an integer and a double,
///   and between doubles. With `arbitrary_precision` the decimal texts are
///   compared exactly, so `0.1000000000000000000001` is not `0.1` even though
///   both round to the same double;
/// - arrays are equal when they have the same length and equal elements at
///   each index;
/// - objects are equal when they have the same member names, whatever their
///   order, and equal values for each;
/// - `null`, `true` and `false` are each equal only to themselves.
///
/// The comparison is iterative, so it cannot overflow the stack on deep
/// values.
///
/// # Examples
///
/// ```
/// use patchlaw::json_patch::equal;
/// use serde_json::json;
///
/// assert!(equal(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
/// assert!(!equal(&json!(1), &json!("1")));
/// assert!(!equal(&json!([1, 2]), &json!([2, 1])));
/// ```
#[must_use]
pub fn equal(a: &Value, b: &Value) -> bool {
    // Scalars, the common case, are decided without allocating a stack.
    match scalar_equal(a, b) {
        Some(answer) => return answer,
        None if !same_container_shape(a, b) => return false,
        None => {}
    }
    let mut pending = vec![(a, b)];
    while let Some((a, b)) = pending.pop() {
        match (a, b) {
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (u, v) in x.iter().zip(y) {
                    match scalar_equal(u, v) {
                        Some(true) => {}
                        Some(false) => return false,
                        None => pending.push((u, v)),
                    }
                }
            }
            (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
                for (name, u) in x {
                    let Some(v) = y.get(name) else {
                        return false;
                    };
                    match scalar_equal(u, v) {
                        Some(true) => {}
                        Some(false) => return false,
                        None => pending.push((u, v)),
                    }
                }
            }
            _ => return false,
        }
    }
    true
}

/// `Some(answer)` unless both are containers of the same kind.
fn scalar_equal(a: &Value, b: &Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(_), Value::Array(_)) | (Value::Object(_), Value::Object(_)) => return None,
        _ => false,
    })
}

fn same_container_shape(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => x.len() == y.len(),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len(),
        _ => false,
    }
}

fn numbers_equal(a: &Number, b: &Number) -> bool {
    match (integer(a), integer(b)) {
        (Some(x), Some(y)) => x == y,
        _ if arbitrary_precision() => {
            Decimal::parse(&a.to_string()) == Decimal::parse(&b.to_string())
        }
        (Some(i), None) => b.as_f64().is_some_and(|f| double_equals_integer(f, i)),
        (None, Some(i)) => a.as_f64().is_some_and(|f| double_equals_integer(f, i)),
        (None, None) => a.as_f64() == b.as_f64(),
    }
}

fn integer(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

fn double_equals_integer(f: f64, i: i128) -> bool {
    // Every integral double below 2^127 converts to i128 exactly, and every
    // i64/u64 is below that, so this compares the exact values.
    f.fract() == 0.0 && f.abs() < 1.7e38 && f as i128 == i
}

/// Whether serde_json keeps numbers as decimal text (its
/// `arbitrary_precision` feature). Detected at run time rather than through
/// this crate's feature, because Cargo unifies serde_json's features across a
/// build: another crate may have turned it on.
pub(super) fn arbitrary_precision() -> bool {
    static DETECTED: OnceLock<bool> = OnceLock::new();
    *DETECTED.get_or_init(|| {
        let text = serde_json::from_str::<Value>("1.50").map(|v| v.to_string());
        text.is_ok_and(|t| t == "1.50")
    })
}

/// A decimal number as sign, significant digits and exponent, with no
/// leading or trailing zero digits, so that equal values have equal forms.
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: String,
    exponent: i128,
}

impl Decimal {
    /// Parses JSON number text; `None` for anything else.
    fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => {
                let exp = rest[at + 1..].strip_prefix('+').unwrap_or(&rest[at + 1..]);
                // Exponents beyond i128 do not occur in practice; saturate.
                let exp = exp.parse::<i128>().unwrap_or(if exp.starts_with('-') {
                    i128::MIN / 2
                } else {
                    i128::MAX / 2
                });
                (&rest[..at], exp)
            }
            None => (rest, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if whole.is_empty()
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let all: String = whole.chars().chain(fraction.chars()).collect();
        let significant = all.trim_start_matches('0');
        let trimmed = significant.trim_end_matches('0');
        if trimmed.is_empty() {
            return Some(Decimal {
                negative: false,
                digits: String::new(),
                exponent: 0,
            });
        }
        let exponent =
            exponent - fraction.len() as i128 + (significant.len() - trimmed.len()) as i128;
        Some(Decimal {
            negative,
            digits: trimmed.to_owned(),
            exponent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_normalize() {
        let d = |s: &str| Decimal::parse(s).unwrap();
        assert_eq!(d("1"), d("1.0"));
        assert_eq!(d("1"), d("1e0"));
        assert_eq!(d("100"), d("1e2"));
        assert_eq!(d("100"), d("1.00E+2"));
        assert_eq!(d("0.001"), d("1e-3"));
        assert_eq!(d("0"), d("-0.0"));
        assert_ne!(d("0.1"), d("0.1000000000000000000001"));
        assert_ne!(d("1"), d("-1"));
        assert_ne!(d("10"), d("1"));
    }

    #[test]
    fn integer_and_double() {
        assert!(double_equals_integer(1.0, 1));
        assert!(double_equals_integer(1_152_921_504_606_846_976.0, 1 << 60));
        assert!(!double_equals_integer(1.5, 1));
        assert!(!double_equals_integer(
            9_007_199_254_740_992.0,
            9_007_199_254_740_993
        ));
    }
}
