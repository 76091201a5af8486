//! A custom resource, for the RFC 7396 flavour of `kubectl apply`: an
//! `example.com/v1` `Widget` whose `spec` is free-form JSON, the user's
//! edits of it, and what the server and other writers do to it.

use serde_json::{json, Map, Value};

use super::apply::{other_finalizer, other_metadata, other_scalar, server_metadata};
use super::{edit, object, ObjectOptions};
use crate::strategy::random::SplitMix64;

/// A Widget manifest named `web`.
pub(super) fn widget(d: &mut SplitMix64) -> Value {
    let options = ObjectOptions::new().repeated_keys(false);
    json!({
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": object::object_meta(d, 2, true, options),
        "spec": Value::Object(map(d, 0)),
    })
}

/// One edit by the user: metadata (one time in six) or a place in `spec`.
pub(super) fn edit_widget(widget: &mut Value, d: &mut SplitMix64) {
    if d.chance(15) {
        edit::edit_metadata(&mut widget["metadata"], d);
        return;
    }
    let target = some_map(&mut widget["spec"], d);
    let keys: Vec<String> = target.keys().cloned().collect();
    match d.below(20) {
        0..=7 if !keys.is_empty() => {
            // Another value, often of another type.
            let key = d.pick(&keys).clone();
            let value = if d.chance(50) {
                other_scalar(&target[&key], d)
            } else {
                value(d, 1)
            };
            target.insert(key, value);
        }
        8..=11 if !keys.is_empty() => {
            let key = d.pick(&keys).clone();
            target.remove(&key);
        }
        12 if !keys.is_empty() => {
            // The user writes `null`, which deletes.
            let key = d.pick(&keys).clone();
            target.insert(key, Value::Null);
        }
        13 | 14 if !keys.is_empty() => {
            // A map made a scalar, or a scalar a map.
            let key = d.pick(&keys).clone();
            let value = if target[&key].is_object() {
                scalar(d)
            } else {
                Value::Object(map(d, 2))
            };
            target.insert(key, value);
        }
        _ => {
            target.insert((*d.pick(KEYS)).to_owned(), value(d, 1));
        }
    }
}

/// The server's metadata, and numbers as the server stores them: through
/// Go's `float64` and `int64`, so that an integral `2.0` comes back `2`.
pub(super) fn server(live: &mut Value, d: &mut SplitMix64) {
    server_metadata(live, true, d);
    go_numbers(live);
}

/// One change by another writer: a member a webhook adds, a `status`, a
/// value changed, metadata.
pub(super) fn other_writer(live: &mut Value, d: &mut SplitMix64) {
    match d.below(8) {
        0 | 1 => {
            let target = some_map(&mut live["spec"], d);
            let key = *d.pick(&["defaulted", "observedSize", "zone", "size"]);
            let value = value(d, 2);
            target.insert(key.to_owned(), value);
            go_numbers(live);
        }
        2 => {
            live["status"] = json!({"phase": *d.pick(&["Pending", "Ready"]),
                "observedGeneration": 1 + d.below(3), "ratio": 0.75,
                "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-05-01T10:00:03Z"}]});
        }
        3 | 4 => {
            let target = some_map(&mut live["spec"], d);
            let scalars: Vec<String> = target
                .iter()
                .filter(|(_, v)| !v.is_object() && !v.is_array())
                .map(|(k, _)| k.clone())
                .collect();
            if !scalars.is_empty() {
                let key = d.pick(&scalars).clone();
                let changed = other_scalar(&target[&key], d);
                target.insert(key, changed);
            }
        }
        5 => other_finalizer(live, d),
        _ => other_metadata(&mut live["metadata"], d),
    }
}

/// A map in `spec`: the root or one nested in it, inside arrays too.
fn some_map<'v>(spec: &'v mut Value, d: &mut SplitMix64) -> &'v mut Map<String, Value> {
    if !spec.is_object() {
        *spec = json!({});
    }
    let mut here = spec;
    while d.chance(50) {
        let inner: Vec<usize> = match &*here {
            Value::Object(members) => members
                .values()
                .enumerate()
                .filter(|(_, v)| {
                    v.is_object() || v.as_array().is_some_and(|l| l.iter().any(Value::is_object))
                })
                .map(|(i, _)| i)
                .collect(),
            _ => Vec::new(),
        };
        if inner.is_empty() {
            break;
        }
        let i = *d.pick(&inner);
        let next = here
            .as_object_mut()
            .and_then(|m| m.values_mut().nth(i))
            .expect("a member");
        here = match next {
            Value::Array(items) => {
                let maps: Vec<usize> = (0..items.len()).filter(|&j| items[j].is_object()).collect();
                let j = *d.pick(&maps);
                &mut items[j]
            }
            map => map,
        };
    }
    here.as_object_mut().expect("a map")
}

/// A map of two to five members; `depth` bounds the nesting.
fn map(d: &mut SplitMix64, depth: usize) -> Map<String, Value> {
    let mut keys = KEYS.to_vec();
    d.shuffle(&mut keys);
    keys.into_iter()
        .take(2 + d.below(4))
        .map(|k| (k.to_owned(), value(d, depth + 1)))
        .collect()
}

fn value(d: &mut SplitMix64, depth: usize) -> Value {
    match d.below(20) {
        0..=3 if depth < 3 => Value::Object(map(d, depth)),
        4 | 5 => (0..d.below(4)).map(|_| scalar(d)).collect(),
        6 if depth < 3 => (0..1 + d.below(2))
            .map(|_| Value::Object(map(d, depth + 1)))
            .collect(),
        7 if d.chance(20) => Value::Null,
        _ => scalar(d),
    }
}

fn scalar(d: &mut SplitMix64) -> Value {
    match d.below(4) {
        0 => json!(*d.pick(INTEGERS)),
        1 => json!(*d.pick(FLOATS)),
        2 => json!(d.chance(50)),
        _ => json!(*d.pick(STRINGS)),
    }
}

/// Numbers as Go's `encoding/json` writes the `float64`s and `int64`s it
/// decoded them to, read back: an integral float (but `-0`) becomes an
/// integer.
fn go_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or_default();
            // Go writes integral floats below 10^21 without a fraction;
            // those generated here fit an `i64`.
            if f.fract() == 0.0 && f.abs() < 1e18 && !(f == 0.0 && f.is_sign_negative()) {
                *value = json!(f as i64);
            }
        }
        Value::Object(members) => members.values_mut().for_each(go_numbers),
        Value::Array(items) => items.iter_mut().for_each(go_numbers),
        _ => {}
    }
}

const KEYS: &[&str] = &[
    "size",
    "ratio",
    "enabled",
    "color",
    "tags",
    "limits",
    "mode",
    "weights",
    "selector",
    "threshold",
    "items",
    "owner",
    "path/to",
    "tilde~key",
    "with space",
];
const INTEGERS: &[i64] = &[
    0,
    1,
    3,
    42,
    -5,
    1000,
    4_294_967_296,
    9_007_199_254_740_991,
    -9_007_199_254_740_991,
];
const FLOATS: &[f64] = &[
    0.5,
    0.25,
    1.5,
    -2.75,
    0.1,
    1.234_5,
    2.0,
    100.0,
    -0.0,
    1e-7,
    2.5e21,
    1e300,
    123_456.789,
    5e-324,
];
const STRINGS: &[&str] = &[
    "red",
    "blue",
    "",
    "<b>bold</b> & co",
    "caf\u{e9} \u{65e5}\u{672c}",
    "line\u{2028}separator\u{2029}",
    "tab\there\nnewline",
    "quote\" and back\\slash",
    "\u{1}\u{8}\u{c}\u{7f}",
    "100m",
    "true",
];
