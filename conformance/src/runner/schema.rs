//! The JSON Schema of the protocol's messages (`conformance/protocol.schema.json`)
//! and the validator `--strict` checks every adapter message with.
//!
//! The validator implements the keywords the schema uses, as JSON Schema
//! 2020-12 defines them: `type`, `const`, `enum`, `properties`, `required`,
//! `additionalProperties`, `items`, `minimum`, `allOf`, `anyOf`, `oneOf`,
//! `not` and `$ref` to `#/$defs/<name>`. Any other keyword is ignored.

use serde_json::Value;

/// The schema, as the crate was built with it.
///
/// # Examples
///
/// ```
/// let schema: serde_json::Value =
///     serde_json::from_str(patchlaw_conformance::runner::schema::SCHEMA).unwrap();
/// assert!(schema["$defs"]["response"].is_object());
/// ```
pub const SCHEMA: &str = include_str!("../../protocol.schema.json");

/// A message and the definition of the schema (`request`, `handshake`,
/// `response`) it must follow.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::runner::schema::violations;
/// use serde_json::json;
///
/// assert!(violations(&json!({"seq": 1, "result": null}), "response").is_empty());
/// let wrong = violations(&json!({"seq": 1, "error": {"code": "NotFound"}}), "response");
/// assert!(!wrong.is_empty());
/// ```
#[must_use]
pub fn violations(message: &Value, definition: &str) -> Vec<String> {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap_or_default();
    let mut found = Vec::new();
    let root = &schema["$defs"][definition];
    check(&schema, root, message, "", &mut found);
    found
}

fn check(root: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        return;
    };
    let here = if at.is_empty() { "the message" } else { at };
    if let Some(Value::String(target)) = schema.get("$ref") {
        let name = target.trim_start_matches("#/$defs/");
        check(root, &root["$defs"][name], value, at, found);
    }
    if let Some(kinds) = schema.get("type") {
        let kinds: Vec<&str> = match kinds {
            Value::String(kind) => vec![kind.as_str()],
            Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !kinds.iter().any(|kind| is_of_type(value, kind)) {
            found.push(format!(
                "{here} must be {}, not {value}",
                kinds.join(" or ")
            ));
            return;
        }
    }
    if let Some(constant) = schema.get("const") {
        if !same(constant, value) {
            found.push(format!("{here} must be {constant}, not {value}"));
        }
    }
    if let Some(Value::Array(allowed)) = schema.get("enum") {
        if !allowed.iter().any(|a| same(a, value)) {
            found.push(format!("{here} is {value}, not one of the allowed values"));
        }
    }
    if let (Some(minimum), Some(n)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) {
        if n < minimum {
            found.push(format!("{here} must be at least {minimum}, not {value}"));
        }
    }
    if let Value::Object(members) = value {
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !members.contains_key(name) {
                    found.push(format!("{here} lacks the member `{name}`"));
                }
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, member) in members {
            let path = format!("{at}/{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(property) => check(root, property, member, &path, found),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    found.push(format!("{here} has the unknown member `{name}`"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Value::Array(elements)) = (schema.get("items"), value) {
        for (i, element) in elements.iter().enumerate() {
            check(root, items, element, &format!("{at}/{i}"), found);
        }
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for sub in all {
            check(root, sub, value, at, found);
        }
    }
    if let Some(Value::Array(any)) = schema.get("anyOf") {
        if !any.iter().any(|sub| passes(root, sub, value)) {
            found.push(format!("{here} matches none of the allowed forms"));
        }
    }
    if let Some(Value::Array(one)) = schema.get("oneOf") {
        let matching: Vec<&Value> = one.iter().filter(|sub| passes(root, sub, value)).collect();
        match matching.len() {
            1 => {}
            0 => {
                // Name what is wrong with the form the message comes
                // closest to: the one with the fewest violations.
                let closest = one
                    .iter()
                    .map(|sub| {
                        let mut inner = Vec::new();
                        check(root, sub, value, at, &mut inner);
                        inner
                    })
                    .min_by_key(Vec::len)
                    .unwrap_or_default();
                found.extend(closest);
            }
            _ => found.push(format!("{here} matches more than one form")),
        }
    }
    if let Some(not) = schema.get("not") {
        if passes(root, not, value) {
            found.push(format!("{here} has members of more than one form"));
        }
    }
}

fn passes(root: &Value, schema: &Value, value: &Value) -> bool {
    let mut found = Vec::new();
    check(root, schema, value, "", &mut found);
    found.is_empty()
}

fn is_of_type(value: &Value, kind: &str) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

/// JSON Schema equality for `const` and `enum`: `1` and `1.0` differ in
/// the protocol (the runner refuses `"protocol": 1.0`).
fn same(a: &Value, b: &Value) -> bool {
    a == b
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_form_of_every_message() {
        let good = [
            (json!({"cmd": "start", "version": 1}), "request"),
            (
                json!({"cmd": "run", "seq": 3, "op": "pointer.get", "args": {}}),
                "request",
            ),
            (json!({"cmd": "stop"}), "request"),
            (
                json!({"protocol": 1, "implementation": {"name": "a", "language": "b", "version": "c"}, "capabilities": ["pointer.get"], "limits": {"max_ops": 5}}),
                "handshake",
            ),
            (json!({"seq": 1, "result": [1]}), "response"),
            (json!({"seq": 1, "result": {}, "conflicts": []}), "response"),
            (
                json!({"seq": 1, "error": {"code": "test-failed", "message": ""}}),
                "response",
            ),
            (
                json!({"seq": 1, "unsupported": true, "message": "no"}),
                "response",
            ),
            (
                json!({"seq": null, "errored": true, "message": "bad line"}),
                "response",
            ),
        ];
        for (message, definition) in good {
            assert_eq!(
                violations(&message, definition),
                Vec::<String>::new(),
                "{message}"
            );
        }
        let bad = [
            (
                json!({"protocol": 1.0, "implementation": {"name": "a", "language": "b", "version": "c"}, "capabilities": []}),
                "handshake",
            ),
            (
                json!({"protocol": 1, "implementation": {"name": "a"}, "capabilities": ["pointer.set"]}),
                "handshake",
            ),
            (
                json!({"protocol": 1, "implementation": {"name": "a", "language": "b", "version": "c"}, "capabilities": [], "limits": {"depth": 3}}),
                "handshake",
            ),
            (json!({"seq": 1}), "response"),
            (json!({"seq": "1", "result": 1}), "response"),
            (json!({"seq": 1, "result": 1, "errored": true}), "response"),
            (json!({"seq": 1, "error": {"code": "NotFound"}}), "response"),
            (json!({"seq": 1, "unsupported": false}), "response"),
            (json!([1]), "response"),
        ];
        for (message, definition) in bad {
            assert!(!violations(&message, definition).is_empty(), "{message}");
        }
    }
}
