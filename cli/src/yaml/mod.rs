//! YAML streams read into JSON values as kubectl reads them, and written
//! back.
//!
//! The events come from `saphyr-parser` (a YAML 1.2 parser that passes the
//! YAML test suite); what a plain scalar means follows kubectl
//! ([`resolve`]). Anchors and aliases expand (within a budget, against
//! "billion laughs" documents), `<<` merge keys merge as go-yaml merges
//! them (explicit keys win, then the merged maps in order), a later
//! duplicate key replaces an earlier one (as kubectl reads it), and member
//! order is kept.

mod emit;
mod resolve;

use std::collections::HashMap;
use std::fmt;

use patchlaw::Limits;
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::{Map, Value};

pub(crate) use emit::to_string;

/// A YAML document that cannot be read, with where.
#[derive(Debug)]
pub(crate) struct YamlError {
    line: usize,
    column: usize,
    message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// The documents of the YAML stream `text`, each as JSON. Empty documents
/// (a `---` with nothing after it) are left out, as kubectl leaves them
/// out.
pub(crate) fn parse(text: &str) -> Result<Vec<Value>, YamlError> {
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        documents: Vec::new(),
        expanded: 0,
        budget: ALIAS_BUDGET_FLOOR.max(text.len()),
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_owned(),
        })?;
        builder.event(event).map_err(|message| YamlError {
            line: span.start.line(),
            column: span.start.col() + 1,
            message,
        })?;
    }
    Ok(builder.documents)
}

/// Values that aliases may expand to in a document before it is refused,
/// at least (more for larger inputs: one per input byte).
const ALIAS_BUDGET_FLOOR: usize = 1_000_000;

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Value>,
    documents: Vec<Value>,
    /// Values copied by aliases so far, and how many may be.
    expanded: usize,
    budget: usize,
}

enum Frame {
    Sequence {
        anchor: usize,
        items: Vec<Value>,
    },
    Mapping {
        anchor: usize,
        members: Map<String, Value>,
        key: Option<Key>,
        /// Members that came from `<<` and that an explicit key replaces.
        merged: Vec<String>,
    },
}

enum Key {
    Name(String),
    Merge,
}

impl Builder {
    fn event(&mut self, event: Event<'_>) -> Result<(), String> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(Frame::Mapping {
                    key: key @ None, ..
                }) = self.stack.last_mut()
                {
                    if style == ScalarStyle::Plain && text == "<<" && tag.is_none() {
                        *key = Some(Key::Merge);
                        return Ok(());
                    }
                }
                if self.stack.is_empty() && text.is_empty() && style == ScalarStyle::Plain {
                    // An empty document, as between `---` and `---`.
                    return Ok(());
                }
                let value = scalar(&text, style, tag.as_deref())?;
                self.complete(value, anchor)
            }
            Event::Alias(id) => {
                let value = self
                    .anchors
                    .get(&id)
                    .ok_or_else(|| "an alias to an unknown anchor".to_owned())?
                    .clone();
                self.expanded += count_values(&value);
                if self.expanded > self.budget {
                    return Err(format!(
                        "aliases expand to more than {} values",
                        self.budget
                    ));
                }
                self.complete(value, 0)
            }
            Event::SequenceStart(anchor, _) => self.push(Frame::Sequence {
                anchor,
                items: Vec::new(),
            }),
            Event::MappingStart(anchor, _) => self.push(Frame::Mapping {
                anchor,
                members: Map::new(),
                key: None,
                merged: Vec::new(),
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let value = match self.stack.pop() {
                    Some(Frame::Sequence { anchor, items }) => (Value::Array(items), anchor),
                    Some(Frame::Mapping {
                        anchor, members, ..
                    }) => (Value::Object(members), anchor),
                    None => return Err("a collection ends that never began".to_owned()),
                };
                self.complete(value.0, value.1)
            }
            Event::DocumentEnd => {
                self.anchors.clear();
                Ok(())
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::Nothing => {
                Ok(())
            }
        }
    }

    fn push(&mut self, frame: Frame) -> Result<(), String> {
        if let Some(Frame::Mapping { key: None, .. }) = self.stack.last() {
            return Err("a mapping key must be a scalar for JSON".to_owned());
        }
        if self.stack.len() >= Limits::DEFAULT_MAX_DEPTH {
            return Err(format!(
                "nested deeper than {} levels",
                Limits::DEFAULT_MAX_DEPTH
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Puts a finished node where it belongs: into its collection, or as a
    /// document.
    fn complete(&mut self, value: Value, anchor: usize) -> Result<(), String> {
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match self.stack.last_mut() {
            None => self.documents.push(value),
            Some(Frame::Sequence { items, .. }) => items.push(value),
            Some(Frame::Mapping {
                members,
                key,
                merged,
                ..
            }) => match key.take() {
                None => {
                    let name = resolve::key_text(value).ok_or_else(|| {
                        "a mapping key must be a string, number or boolean for JSON".to_owned()
                    })?;
                    *key = Some(Key::Name(name));
                }
                Some(Key::Name(name)) => {
                    merged.retain(|m| *m != name);
                    members.insert(name, value);
                }
                Some(Key::Merge) => merge(members, merged, value)?,
            },
        }
        Ok(())
    }
}

/// `<<: *base` or `<<: [*a, *b]`: the members of each map that the mapping
/// does not have yet.
fn merge(
    members: &mut Map<String, Value>,
    merged: &mut Vec<String>,
    value: Value,
) -> Result<(), String> {
    let maps = match value {
        Value::Object(map) => vec![map],
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Ok(map),
                _ => Err("a << merge list must hold mappings".to_owned()),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("a << merge key needs a mapping or a list of mappings".to_owned()),
    };
    for map in maps {
        for (name, value) in map {
            if !members.contains_key(&name) {
                merged.push(name.clone());
                members.insert(name, value);
            }
        }
    }
    Ok(())
}

/// A scalar's value: plain ones resolve as kubectl resolves them, quoted
/// and block ones are strings, and a `!!str` tag makes any a string.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let as_string = style != ScalarStyle::Plain
        || tag.is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
    if as_string {
        Ok(Value::String(text.to_owned()))
    } else {
        resolve::plain(text)
    }
}

fn count_values(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(count_values).sum::<usize>(),
        Value::Object(members) => 1 + members.values().map(count_values).sum::<usize>(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let docs = parse(
            "base: &b {p: 1, q: 2}\nmerged:\n  <<: *b\n  q: 3\nref: *b\nboth:\n  r: 0\n  <<: [{r: 9, s: 1}, {s: 2, t: 3}]\n",
        )
        .unwrap();
        assert_eq!(
            docs,
            [
                json!({"base": {"p": 1, "q": 2}, "merged": {"p": 1, "q": 3}, "ref": {"p": 1, "q": 2},
                "both": {"r": 0, "s": 1, "t": 3}})
            ]
        );
    }

    #[test]
    fn streams_keep_order_and_skip_empty_documents() {
        let docs = parse("---\nz: 1\na: 2\n---\n---\n- x\n...\n---\nnull\n").unwrap();
        assert_eq!(docs, [json!({"z": 1, "a": 2}), json!(["x"]), json!(null)]);
        let keys: Vec<&String> = docs[0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["z", "a"]);
    }

    #[test]
    fn quoted_and_tagged_scalars_are_strings() {
        let docs = parse("a: \"on\"\nb: '0777'\nc: !!str 1\nd: |\n  x\ne: on\n").unwrap();
        assert_eq!(
            docs,
            [json!({"a": "on", "b": "0777", "c": "1", "d": "x\n", "e": true})]
        );
    }

    #[test]
    fn a_later_duplicate_key_wins() {
        assert_eq!(parse("a: 1\na: 2\n").unwrap(), [json!({"a": 2})]);
    }

    #[test]
    fn refusals_say_where() {
        let err = parse("a:\n  b: [1, 2\n").unwrap_err().to_string();
        assert!(err.starts_with("line "), "{err}");
        let err = parse("? [1]\n: x\n").unwrap_err().to_string();
        assert!(err.contains("mapping key"), "{err}");
        let err = parse("a: .inf\n").unwrap_err().to_string();
        assert_eq!(err, "line 1 column 4: .inf is not a JSON number");
    }

    #[test]
    fn billion_laughs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("aliases expand"), "{err}");
    }
}
