//! JSON values written as block YAML, in the layout kubectl prints
//! (`kubectl get -o yaml`: two-space indentation, list items at their
//! key's indentation), such that reading the text back gives the same
//! value.
//!
//! A string is written plain only when nothing could read it as another
//! type: not under YAML 1.1 (kubectl), not under YAML 1.2, not as a
//! number, date or sexagesimal in any of them. Multi-line strings are
//! literal blocks; anything else is double-quoted with escapes.

use serde_json::Value;

use super::resolve;

/// `value` as a YAML document, ending in a newline.
pub(crate) fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => block(value, 0, &mut out),
        Value::Array(a) if !a.is_empty() => block(value, 0, &mut out),
        _ => {
            inline(value, 0, &mut out);
            out.push('\n');
        }
    }
    out
}

/// A non-empty container, each line indented by `indent`.
fn block(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(members) => {
            for (name, value) in members {
                pad(indent, out);
                string(name, indent, out, false);
                out.push(':');
                member_value(value, indent, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                pad(indent, out);
                out.push('-');
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        // The item's first member on the dash's line.
                        let mut nested = String::new();
                        block(item, indent + 2, &mut nested);
                        out.push(' ');
                        out.push_str(&nested[indent + 2..]);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        let mut nested = String::new();
                        block(item, indent + 2, &mut nested);
                        out.push(' ');
                        out.push_str(&nested[indent + 2..]);
                    }
                    _ => {
                        out.push(' ');
                        inline(item, indent + 2, out);
                        out.push('\n');
                    }
                }
            }
        }
        _ => unreachable!("block is called with containers only"),
    }
}

fn member_value(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            block(value, indent + 2, out);
        }
        // Lists at the key's indentation, as kubectl prints them.
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            block(value, indent, out);
        }
        _ => {
            out.push(' ');
            inline(value, indent + 2, out);
            out.push('\n');
        }
    }
}

/// A scalar or an empty container on the current line; a literal block's
/// lines are indented by `indent`.
fn inline(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => string(s, indent, out, true),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn string(s: &str, indent: usize, out: &mut String, block_allowed: bool) {
    if plain_safe(s) {
        out.push_str(s);
    } else if block_allowed && literal_safe(s) {
        literal(s, indent, out);
    } else {
        double_quoted(s, out);
    }
}

fn pad(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Whether `s` can be written plain and read back as the same string by
/// any YAML reader.
fn plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // Numbers, dates, times and sexagesimals all start with one of these.
    if first.is_ascii_digit() || "-?:,[]{}#&*!|>'\"%@`+.~= ".contains(first) {
        return false;
    }
    if s.ends_with([' ', ':']) || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if s.chars().any(|c| c.is_control() || !printable(c)) {
        return false;
    }
    // YAML 1.1 booleans and null in any case, and `<<`.
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "y" | "yes" | "n" | "no" | "true" | "false" | "on" | "off" | "null" | "<<"
    ) {
        return false;
    }
    matches!(resolve::plain(s), Ok(Value::String(ref read)) if read == s)
}

/// Whether `s` reads back exactly from a literal block (`|`): several
/// lines of printable text, the first not starting with a space.
fn literal_safe(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\n'])
        && s.chars()
            .all(|c| c == '\n' || (!c.is_control() && printable(c)))
        && s.lines().all(|line| !line.ends_with(' '))
}

fn literal(s: &str, indent: usize, out: &mut String) {
    out.push('|');
    let body = s.trim_end_matches('\n');
    match s.len() - body.len() {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    let trailing = s.len() - body.len();
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(indent, out);
            out.push_str(line);
        }
        out.push('\n');
    }
    // `|+` keeps the empty lines after the last one.
    for _ in 1..trailing {
        out.push('\n');
    }
    out.pop();
}

/// Characters YAML allows unescaped (its `c-printable`, less the line
/// breaks it folds and the byte order mark).
fn printable(c: char) -> bool {
    !matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
    )
}

fn double_quoted(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || !printable(c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn round_trip(value: &Value) -> String {
        let text = to_string(value);
        let read = super::super::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(read.as_slice(), std::slice::from_ref(value), "{text}");
        text
    }

    #[test]
    fn kubectl_layout() {
        let text = round_trip(&json!({
            "apiVersion": "apps/v1",
            "spec": {"replicas": 3, "containers": [{"name": "app", "ports": [{"containerPort": 80}]}],
                "args": ["a", "b"], "empty": {}, "none": [], "matrix": [[1, 2], []]},
        }));
        assert_eq!(
            text,
            "apiVersion: apps/v1\nspec:\n  replicas: 3\n  containers:\n  - name: app\n    ports:\n    - containerPort: 80\n  args:\n  - a\n  - b\n  empty: {}\n  none: []\n  matrix:\n  - - 1\n    - 2\n  - []\n"
        );
    }

    #[test]
    fn strings_that_would_read_as_something_else_are_quoted() {
        for s in [
            "on",
            "Yes",
            "NO",
            "y",
            "null",
            "~",
            "",
            "0777",
            "1.0",
            "1e3",
            "1:20",
            "2001-12-14",
            "-x",
            "- x",
            "a: b",
            "a #b",
            "trailing ",
            " leading",
            "<<",
            ".inf",
            "=",
            "#",
            "@x",
            "tab\there",
            "nel\u{85}",
            "ls\u{2028}",
            "bom\u{feff}",
            "\u{1}",
            "\"",
            "'",
        ] {
            let text = round_trip(&json!({"k": s}));
            assert!(
                !text.starts_with(&format!("k: {s}\n")) || s.is_empty(),
                "{s:?} written plain: {text}"
            );
        }
        for s in [
            "app:2",
            "a\\b",
            "web",
            "v1",
            "nginx:1.25",
            "a-b_c",
            "héllo",
            "x y",
        ] {
            assert_eq!(round_trip(&json!({"k": s})), format!("k: {s}\n"));
        }
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        assert_eq!(round_trip(&json!({"k": "a\nb\n"})), "k: |\n  a\n  b\n");
        assert_eq!(round_trip(&json!({"k": "a\n\nb"})), "k: |-\n  a\n\n  b\n");
        assert_eq!(round_trip(&json!({"k": "a\n\n\n"})), "k: |+\n  a\n\n\n");
        assert_eq!(round_trip(&json!(["x\ny\n"])), "- |\n  x\n  y\n");
        round_trip(&json!({"k": " indented\nfirst line"}));
        round_trip(&json!({"k": "trailing \nspace"}));
        round_trip(&json!({"k": {"deeper": ["one\ntwo", {"x": "three\nfour\n"}]}}));
    }

    #[test]
    fn numbers_and_scalars_keep_their_text() {
        let value: Value =
            serde_json::from_str(r#"{"a": 1.10, "b": 123456789012345678901234567890, "c": -0, "d": 1e-300, "e": true, "f": null}"#)
                .unwrap();
        assert_eq!(
            round_trip(&value),
            "a: 1.10\nb: 123456789012345678901234567890\nc: -0\nd: 1e-300\ne: true\nf: null\n"
        );
        round_trip(&json!("top"));
        round_trip(&json!([]));
        round_trip(&json!(1));
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        // Strings from the characters that make YAML hard: indicators,
        // spaces, line breaks, controls, YAML 1.1 words and number shapes.
        let text = prop_oneof![
            "[-a-z0-9 :#'\"?!&*|>%@`{}\\[\\],.~=+<\n\t\r\u{85}\u{2028}\u{feff}\u{1}é]{0,12}",
            prop::sample::select(vec![
                "on", "No", "y", "~", "null", "0777", "0x1F", "1_000", "1.10", ".inf", "<<", "-",
                "---", "1:20"
            ])
            .prop_map(str::to_owned),
        ];
        let number = prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| f.to_string()),
            Just("123456789012345678901234567890".to_owned()),
            Just("1.10".to_owned()),
        ]
        .prop_map(|n| Value::Number(n.parse().expect("a JSON number")));
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            number,
            text.clone().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((text.clone(), inner), 0..5)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn what_is_written_reads_back(value in arb_value()) {
            round_trip(&value);
        }
    }

    #[test]
    fn awkward_keys_are_quoted() {
        round_trip(&json!({"on": 1, "a: b": 2, "": 3, "-": 4, "1": 5, "x\ny": 6}));
    }
}
