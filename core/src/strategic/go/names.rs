//! How Go matches and prints field names: `encoding/json`'s
//! case-insensitive match of a JSON member to a struct field, and
//! `strconv.Quote` (`%q`), which Kubernetes' lookup errors use.

/// Whether the JSON member name `given` selects the struct field whose JSON
/// name is `declared` under `encoding/json`'s case-insensitive rule (the
/// `equalFold` that apimachinery's forked `encoding/json` picks for the
/// field: `foldFunc`, `equalFoldRight`).
///
/// Kubernetes' field names are ASCII. A name matches when it has the same
/// letters in any case and the same other characters, with the two
/// non-ASCII characters that Unicode simple case folding takes to ASCII
/// letters: `K` (U+212A KELVIN SIGN) for `k` and `ſ` (U+017F LATIN SMALL
/// LETTER LONG S) for `s`. Only an ASCII `declared` is matched.
pub(crate) fn equal_fold(declared: &str, given: &str) -> bool {
    let mut given = given.chars();
    for d in declared.bytes() {
        let Some(g) = given.next() else {
            return false;
        };
        let same = match g {
            // Two ASCII characters: equal, or the same letter in two cases.
            _ if g.is_ascii() => {
                let g = g as u8;
                g == d || (d.is_ascii_alphabetic() && g.eq_ignore_ascii_case(&d))
            }
            '\u{17F}' => matches!(d, b's' | b'S'),
            '\u{212A}' => matches!(d, b'k' | b'K'),
            _ => false,
        };
        if !same {
            return false;
        }
    }
    given.next().is_none()
}

/// `strconv.Quote(s)`: `s` in double quotes, with `"` and `\` escaped and
/// the characters Go does not print as they are (controls, spaces other than
/// U+0020, format characters) written as `\n`, `\x01`, `\u00a0` and the like.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            _ if c < ' ' || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            _ if !printable(c) => match u32::from(c) {
                code @ 0..=0xffff => out.push_str(&format!("\\u{code:04x}")),
                code => out.push_str(&format!("\\U{code:08x}")),
            },
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `unicode.IsPrint` for the characters a field name may plausibly hold:
/// not a control, not a space other than U+0020, not a format character.
fn printable(c: char) -> bool {
    !(c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(
            c,
            '\u{ad}'
                | '\u{600}'..='\u{605}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{feff}'
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_as_encoding_json_does() {
        for (declared, given) in [
            ("replicas", "Replicas"),
            ("replicas", "REPLICAS"),
            ("spec", "\u{17F}pec"),
            ("kind", "\u{212A}ind"),
            ("apiVersion", "APIVERSION"),
            ("IntVal", "intval"),
            ("hostIPC", "hostipc"),
        ] {
            assert!(equal_fold(declared, given), "{declared} {given}");
        }
        for (declared, given) in [
            ("replicas", "replica"),
            ("replicas", "replicass"),
            ("a1", "A2"),
            ("a_b", "a-b"),
            ("kind", "\u{212B}ind"),
            ("tag", "t\u{17F}g"),
            ("i", "\u{130}"),
            ("s", "\u{17F}\u{17F}"),
        ] {
            assert!(!equal_fold(declared, given), "{declared} {given}");
        }
    }

    #[test]
    fn quotes_as_strconv_does() {
        assert_eq!(quote("foo"), "\"foo\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("\n\u{1}\u{7f}"), "\"\\n\\x01\\x7f\"");
        assert_eq!(quote("\u{212A}\u{a0}"), "\"\u{212A}\\u00a0\"");
        assert_eq!(quote("\u{feff}"), "\"\\ufeff\"");
    }
}
