//! Go's view of a decoded JSON value: its type, `==`, and the text `%v`
//! prints for it.
//!
//! apimachinery decodes JSON with `k8s.io/apimachinery/pkg/util/json`,
//! which gives `interface{}` values and keeps integer literals as `int64`
//! (other numbers are `float64`). It then compares merge keys and list
//! items with Go's `==` on those interfaces (which never equates an
//! `int64` with a `float64`, and panics on maps and slices), and its diff
//! sorts and pairs list elements by `fmt.Sprintf("%v", key)`, which prints
//! floats as `strconv.FormatFloat(f, 'g', -1, 64)` does. Which elements
//! Kubernetes pairs, finds or keeps apart follows from these three, so
//! this file reproduces them (Go 1.23, as kubectl v1.32 is built).

use std::borrow::Cow;

use serde_json::Value;

use crate::walk::same_str;

/// The Go type a JSON value decodes to (`k8s.io/apimachinery/pkg/util/json`
/// keeps integers as `int64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GoType {
    Nil,
    Bool,
    Int,
    Float,
    String,
    Map,
    Slice,
}

impl GoType {
    pub(crate) fn of(value: &Value) -> GoType {
        match value {
            Value::Null => GoType::Nil,
            Value::Bool(_) => GoType::Bool,
            // A literal without fraction or exponent that fits `int64` is an
            // integer; every other number (`1.0`, `1e2`, beyond 2⁶³) a float.
            Value::Number(n) if n.is_i64() => GoType::Int,
            Value::Number(_) => GoType::Float,
            Value::String(_) => GoType::String,
            Value::Object(_) => GoType::Map,
            Value::Array(_) => GoType::Slice,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            GoType::Nil => "null",
            GoType::Bool => "boolean",
            GoType::Int => "integer",
            GoType::Float => "non-integer number",
            GoType::String => "string",
            GoType::Map => "object",
            GoType::Slice => "array",
        }
    }
}

/// `sliceElementType` (apimachinery's `strategicpatch`): the one Go type
/// of every element of both lists, or why there is none.
pub(crate) fn element_type(first: &[Value], second: &[Value]) -> Result<GoType, String> {
    let mut seen = None;
    for value in first.iter().chain(second) {
        let t = GoType::of(value);
        match seen {
            None if t == GoType::Slice => return Err("lists of lists are not supported".into()),
            // Kubernetes crashes on a null first element.
            None if t == GoType::Nil => return Err("a merged list cannot start with null".into()),
            None => seen = Some(t),
            Some(s) if s != t => {
                return Err(format!(
                    "list element types are not identical: {} and {}",
                    s.name(),
                    t.name()
                ))
            }
            Some(_) => {}
        }
    }
    seen.ok_or_else(|| "no elements in either list".into())
}

/// A scalar as Go's `==` sees it, hashable. Containers have no key: Go
/// panics when it compares two maps or two slices.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Nil,
    Bool(bool),
    Int(i64),
    /// The bits of the `float64`, with `-0` folded into `0` (equal in Go).
    Float(u64),
    String(Box<str>),
}

impl Key {
    /// The key of a scalar, `None` for an object or an array.
    pub(crate) fn of(value: &Value) -> Option<Key> {
        Some(match value {
            Value::Null => Key::Nil,
            Value::Bool(b) => Key::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) if n.is_i64() => Key::Int(i),
                _ => {
                    let f = n.as_f64().unwrap_or(f64::NAN);
                    Key::Float(if f == 0.0 { 0 } else { f.to_bits() })
                }
            },
            Value::String(s) => Key::String(s.as_str().into()),
            Value::Object(_) | Value::Array(_) => return None,
        })
    }
}

/// Whether two scalars are equal under Go's `==` on `interface{}`; objects
/// and arrays are never equal here (Go panics on them).
pub(crate) fn go_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(_), Value::Number(_)) => Key::of(a) == Key::of(b),
        _ => false,
    }
}

/// Whether [`go_text`] gives the same text for both, without building it
/// in the common cases.
pub(crate) fn same_text(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::String(x)), Some(Value::String(y))) => same_str(x, y),
        (Some(Value::Number(x)), Some(Value::Number(y))) if x.is_i64() && y.is_i64() => {
            x.as_i64() == y.as_i64()
        }
        _ => go_text(a) == go_text(b),
    }
}

/// The text Go's `%v` prints for a scalar (`<nil>` for a missing one): how
/// Kubernetes sorts and matches list elements when it diffs.
pub(crate) fn go_text(value: Option<&Value>) -> Cow<'_, str> {
    match value {
        None | Some(Value::Null) => Cow::Borrowed("<nil>"),
        Some(Value::Bool(b)) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Some(Value::String(s)) => Cow::Borrowed(s),
        Some(Value::Number(n)) if n.is_i64() => Cow::Owned(n.to_string()),
        Some(Value::Number(n)) => Cow::Owned(go_float_text(n.as_f64().unwrap_or(f64::NAN))),
        Some(other) => Cow::Owned(other.to_string()),
    }
}

/// The text Go's `%s` prints for a scalar: how Kubernetes keys merge-list
/// elements when it looks for conflicts (`sliceOfMapsToMapOfMaps`). Only
/// strings print as themselves; anything else is a "bad verb", which also
/// names the Go type (`%!s(int64=80)`), so `80` and `"80"` differ here.
pub(crate) fn key_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed("%!s(<nil>)"),
        Value::Bool(b) => Cow::Owned(format!("%!s(bool={b})")),
        Value::Number(n) => Cow::Owned(match GoType::of(value) {
            GoType::Int => format!("%!s(int64={n})"),
            _ => format!(
                "%!s(float64={})",
                go_float_text(n.as_f64().unwrap_or(f64::NAN))
            ),
        }),
        other => Cow::Owned(other.to_string()),
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, which `%v` uses: the shortest
/// digits, in exponent form when the decimal exponent is below -4 or at
/// least 6.
fn go_float_text(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d.ddde±x`.
    let scientific = format!("{f:e}");
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    // Plain notation.
    format!("{f}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_equality_separates_integers_and_floats() {
        assert!(go_equal(&json!(1), &json!(1)));
        assert!(!go_equal(&json!(1), &json!(1.0)));
        assert!(go_equal(&json!(-0.0), &json!(0.0)));
        assert!(!go_equal(&json!({}), &json!({})));
        assert!(go_equal(&json!(null), &json!(null)));
    }

    #[test]
    fn floats_print_as_go_prints_them() {
        assert_eq!(go_float_text(1.5), "1.5");
        assert_eq!(go_float_text(100000.0), "100000");
        assert_eq!(go_float_text(1e6), "1e+06");
        assert_eq!(go_float_text(1234567.5), "1.2345675e+06");
        assert_eq!(go_float_text(1e21), "1e+21");
        assert_eq!(go_float_text(0.00001), "1e-05");
        assert_eq!(go_float_text(0.0001), "0.0001");
    }

    #[test]
    fn keys_print_as_percent_s_prints_them() {
        assert_eq!(key_text(&json!("80")), "80");
        assert_eq!(key_text(&json!(80)), "%!s(int64=80)");
        assert_eq!(key_text(&json!(80.0)), "%!s(float64=80)");
        assert_eq!(key_text(&json!(1e6)), "%!s(float64=1e+06)");
        assert_eq!(key_text(&json!(true)), "%!s(bool=true)");
        assert_eq!(key_text(&json!(null)), "%!s(<nil>)");
    }
}
