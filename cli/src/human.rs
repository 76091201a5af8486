//! The human view of a change: each changed place by its JSON Pointer,
//! then the value it had (`-`, red) and the value it gets (`+`, green), in
//! the spirit of `jd` and `kubectl diff`.
//!
//! ```text
//! @ /spec/replicas
//! - 1
//! + 3
//! ```
//!
//! Styles are ANSI sequences; the output stream strips them when colour is
//! off.

use anstyle::{AnsiColor, Style};
use patchlaw::json_patch::{Operation, Patch};
use serde_json::Value;

/// How a line starts, styled.
const PATH: Style = AnsiColor::Cyan.on_default().bold();
const REMOVED: Style = AnsiColor::Red.on_default();
const ADDED: Style = AnsiColor::Green.on_default();
const NOTE: Style = AnsiColor::Yellow.on_default();

/// Values printed on one line when their compact JSON is at most this long.
const ONE_LINE: usize = 80;

/// The changes `patch` makes to `from`, each with the value it replaces.
pub(crate) fn changes(from: &Value, patch: &Patch, indent: &str) -> String {
    let mut out = String::new();
    let mut state = from.clone();
    if patch.is_empty() {
        out.push_str(&format!("{indent}(none)\n"));
    }
    for op in patch.iter() {
        let before = op.path().get(&state).ok().cloned();
        match op {
            Operation::Add { path, value } | Operation::Replace { path, value } => {
                header(&path.to_string(), indent, &mut out);
                if let Some(before) = &before {
                    lines('-', before, REMOVED, indent, &mut out);
                }
                lines('+', value, ADDED, indent, &mut out);
            }
            Operation::Remove { path } => {
                header(&path.to_string(), indent, &mut out);
                if let Some(before) = &before {
                    lines('-', before, REMOVED, indent, &mut out);
                }
            }
            Operation::Move { from, path } | Operation::Copy { from, path } => {
                header(&path.to_string(), indent, &mut out);
                out.push_str(&format!(
                    "{indent}{NOTE}{} from {from}{NOTE:#}\n",
                    op.name()
                ));
            }
            Operation::Test { .. } => continue,
        }
        // Later operations address the document as the earlier ones left it.
        let single: Patch = std::iter::once(op.clone()).collect();
        if single.apply(&mut state).is_err() {
            break;
        }
    }
    out
}

/// A note in the human view's colour for notes (conflicts, actions).
pub(crate) fn note(text: &str) -> String {
    format!("{NOTE}{text}{NOTE:#}")
}

/// A heading (a path, an object's name).
pub(crate) fn heading(text: &str) -> String {
    format!("{PATH}{text}{PATH:#}")
}

fn header(path: &str, indent: &str, out: &mut String) {
    let shown = if path.is_empty() {
        "\"\" (the whole document)"
    } else {
        path
    };
    out.push_str(&format!("{indent}{PATH}@ {shown}{PATH:#}\n"));
}

/// `value` after `sign`, on one line or, when long, as indented JSON.
pub(crate) fn lines(sign: char, value: &Value, style: Style, indent: &str, out: &mut String) {
    let compact = value.to_string();
    let text = if compact.len() <= ONE_LINE {
        compact
    } else {
        serde_json::to_string_pretty(value).unwrap_or(compact)
    };
    for line in text.lines() {
        out.push_str(&format!("{indent}{style}{sign} {line}{style:#}\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plain(text: &str) -> String {
        anstream::adapter::strip_str(text).to_string()
    }

    #[test]
    fn each_change_with_its_old_value() {
        let from = json!({"a": [1, 2, 3], "b": "x", "c": true});
        let to = json!({"a": [1, 3], "b": "y", "d": null});
        let patch = patchlaw::json_patch::diff(&from, &to).unwrap();
        assert_eq!(
            plain(&changes(&from, &patch, "")),
            "@ /a/1\n- 2\n@ /b\n- \"x\"\n+ \"y\"\n@ /c\n- true\n@ /d\n+ null\n"
        );
    }
}
