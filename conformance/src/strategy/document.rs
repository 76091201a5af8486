//! Documents: JSON values, pointers into them, merge patches and edits.
//!
//! Documents are mostly objects with nested objects and arrays, every
//! scalar kind (integers, unsigned integers beyond `i64`, finite doubles,
//! `1` and `1.0`), and member names that need escaping in pointers (`a/b`,
//! `~1`, `""`, `01`, `-`). Pointers mostly exist in the document they are
//! written for; merge patches written for a document delete, replace and
//! merge into the members it has ([`arb_merge_patch_for`]); edits keep,
//! drop and change them ([`arb_edit_of`]).

use patchlaw::PointerBuf;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Member names, biased towards those that need escaping or look like
/// indices.
pub fn arb_key() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        6 => "[a-e]{1,2}",
        1 => Just(String::new()),
        1 => prop::sample::select(vec!["~", "/", "a/b", "~0", "~1", "~01", "01", "0", "-", "é", "a b", "\"", "\\"])
            .prop_map(str::to_owned),
    ]
}

/// One reference token: any of [`arb_key`], or an arbitrary short string
/// of `~`, `/`, digits and other characters.
pub fn arb_token() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        3 => arb_key(),
        2 => "[~/0-9a-]{0,6}",
        1 => "\\PC{0,6}",
    ]
}

/// A list of up to five reference tokens.
pub fn arb_tokens() -> impl Strategy<Value = Vec<String>> + Clone {
    vec(arb_token(), 0..6)
}

/// Tokens to evaluate against an array: canonical indices (in and out of
/// range), and everything that looks like an index but is not one.
pub fn arb_index_token() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        6 => (0u32..16).prop_map(|i| i.to_string()),
        1 => "[0-9]{1,3}",
        1 => "[0-9]{19,24}",
        2 => prop::sample::select(vec!["-", "01", "00", "+1", "-1", "-0", "", " 1", "1 ", "1.0", "1e1", "0x1", "a", "١"])
            .prop_map(str::to_owned),
        1 => "[0-9+ .e-]{1,4}",
    ]
}

/// Numbers of every kind serde_json holds: small integers, any `i64`,
/// `u64` beyond `i64`, finite doubles, and integral doubles such as `1.0`.
pub fn arb_number() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        4 => (-3i64..10).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => (u64::MAX / 2..=u64::MAX).prop_map(Value::from),
        1 => (-3i64..10).prop_map(|i| json!(i as f64)),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
    ]
}

/// `null`, booleans, numbers and strings.
pub fn arb_scalar() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => arb_number(),
        2 => arb_key().prop_map(Value::String),
    ]
}

/// Any JSON value, up to four levels of containers and about 48 nodes.
pub fn arb_value() -> impl Strategy<Value = Value> + Clone {
    arb_scalar().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            1 => vec(inner.clone(), 0..5).prop_map(Value::Array),
            2 => btree_map(arb_key(), inner, 0..5).prop_map(object),
        ]
    })
}

/// An object of up to five members of any value.
pub fn arb_object() -> impl Strategy<Value = Value> + Clone {
    btree_map(arb_key(), arb_value(), 0..6).prop_map(object)
}

/// A document: mostly an object, sometimes any value.
pub fn arb_doc() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![4 => arb_object(), 1 => arb_value()]
}

/// A value that is not an object: a scalar or an array.
pub fn arb_scalar_or_array() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![2 => arb_scalar(), 1 => vec(arb_value(), 0..4).prop_map(Value::Array)]
}

/// Any merge patch: mostly an object (with `null` members that delete and
/// nested objects that merge), sometimes a value that replaces.
pub fn arb_merge_patch() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![4 => arb_object(), 1 => arb_value()]
}

/// A merge patch written for `doc`: it deletes, replaces and merges into
/// members `doc` has, adds a few it lacks, and sometimes replaces the
/// whole document.
pub fn arb_merge_patch_for(doc: &Value) -> BoxedStrategy<Value> {
    patch_for(doc, 0)
}

fn patch_for(doc: &Value, depth: u32) -> BoxedStrategy<Value> {
    let Value::Object(members) = doc else {
        return arb_merge_patch().boxed();
    };
    if depth > 4 {
        return arb_merge_patch().boxed();
    }
    let names: Vec<String> = members.keys().cloned().collect();
    let per_member: Vec<BoxedStrategy<Option<Value>>> = members
        .values()
        .map(|value| {
            prop_oneof![
                3 => Just(None),
                2 => Just(Some(Value::Null)),
                2 => patch_for(value, depth + 1).prop_map(Some),
                1 => arb_value().prop_map(Some),
            ]
            .boxed()
        })
        .collect();
    let extra = btree_map(arb_key(), arb_value(), 0..3);
    let object_patch = (per_member, extra).prop_map(move |(chosen, extra)| {
        let mut patch: Map<String, Value> = names
            .iter()
            .zip(chosen)
            .filter_map(|(name, value)| value.map(|v| (name.clone(), v)))
            .collect();
        for (name, value) in extra {
            patch.entry(name).or_insert(value);
        }
        Value::Object(patch)
    });
    prop_oneof![9 => object_patch, 1 => arb_scalar_or_array()].boxed()
}

/// A document and a merge patch written for it.
pub fn arb_doc_and_merge_patch() -> impl Strategy<Value = (Value, Value)> {
    arb_doc().prop_flat_map(|doc| {
        let patch = arb_merge_patch_for(&doc);
        (Just(doc), patch)
    })
}

/// A document and two merge patches: the first written for the document,
/// the second for the document the first produces (so that they overlap).
pub fn arb_doc_and_two_merge_patches() -> impl Strategy<Value = (Value, Value, Value)> {
    arb_doc_and_merge_patch().prop_flat_map(|(doc, first)| {
        let mut after = doc.clone();
        let second = match patchlaw::merge_patch::apply_with_limits(
            &mut after,
            &first,
            patchlaw::Limits::unlimited(),
        ) {
            Ok(()) => {
                prop_oneof![2 => arb_merge_patch_for(&after), 1 => arb_merge_patch_for(&first)]
                    .boxed()
            }
            Err(_) => arb_merge_patch().boxed(),
        };
        (Just(doc), Just(first), second)
    })
}

/// Three merge patches, each written for the one before, so that their
/// compositions overlap (and sometimes have no merge patch).
pub fn arb_three_merge_patches() -> impl Strategy<Value = (Value, Value, Value)> {
    arb_merge_patch()
        .prop_flat_map(|p| {
            let q = arb_merge_patch_for(&p);
            (Just(p), q)
        })
        .prop_flat_map(|(p, q)| {
            let r = arb_merge_patch_for(&q);
            (Just(p), Just(q), r)
        })
}

/// Two documents: mostly the second an edit of the first (members kept,
/// removed, replaced — `null` included — and edited inside, a few added),
/// sometimes unrelated, sometimes equal.
pub fn arb_doc_pair() -> impl Strategy<Value = (Value, Value)> {
    arb_doc().prop_flat_map(|a| {
        let b = prop_oneof![
            6 => arb_edit_of(&a),
            1 => arb_doc().boxed(),
            1 => Just(a.clone()).boxed(),
        ];
        (Just(a), b)
    })
}

/// An edited copy of `doc`.
pub fn arb_edit_of(doc: &Value) -> BoxedStrategy<Value> {
    edit_of(doc, 0)
}

fn edit_of(doc: &Value, depth: u32) -> BoxedStrategy<Value> {
    match doc {
        Value::Object(members) if depth <= 4 => {
            let names: Vec<String> = members.keys().cloned().collect();
            let per_member: Vec<BoxedStrategy<Option<Value>>> = members
                .values()
                .map(|value| {
                    prop_oneof![
                        4 => Just(Some(value.clone())),
                        1 => Just(None),
                        1 => Just(Some(Value::Null)),
                        2 => edit_of(value, depth + 1).prop_map(Some),
                        1 => arb_value().prop_map(Some),
                    ]
                    .boxed()
                })
                .collect();
            let extra = btree_map(arb_key(), arb_value(), 0..2);
            (per_member, extra)
                .prop_map(move |(chosen, extra)| {
                    let mut edited: Map<String, Value> = names
                        .iter()
                        .zip(chosen)
                        .filter_map(|(name, value)| value.map(|v| (name.clone(), v)))
                        .collect();
                    for (name, value) in extra {
                        edited.entry(name).or_insert(value);
                    }
                    Value::Object(edited)
                })
                .boxed()
        }
        Value::Array(items) if depth <= 4 && !items.is_empty() => {
            let per_item: Vec<BoxedStrategy<Value>> = items
                .iter()
                .map(|item| {
                    prop_oneof![3 => Just(item.clone()), 1 => edit_of(item, depth + 1)].boxed()
                })
                .collect();
            per_item.prop_map(Value::Array).boxed()
        }
        other => prop_oneof![2 => Just(other.clone()), 1 => arb_value()].boxed(),
    }
}

// ---------------------------------------------------------------------------
// Pointers

/// Every location in `doc` (the root included), in document order, up to
/// `limit` of them.
#[must_use]
pub fn existing_paths(doc: &Value, limit: usize) -> Vec<PointerBuf> {
    let mut found = vec![PointerBuf::new()];
    let mut pending = vec![(PointerBuf::new(), doc)];
    while let Some((at, value)) = pending.pop() {
        if found.len() >= limit {
            break;
        }
        let children: Vec<(String, &Value)> = match value {
            Value::Object(members) => members.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => continue,
        };
        for (token, child) in children.into_iter().rev() {
            let mut path = at.clone();
            path.push(token);
            found.push(path.clone());
            pending.push((path, child));
        }
    }
    found.truncate(limit);
    found
}

/// A pointer for `doc`: mostly one that exists, sometimes one step past an
/// existing value, sometimes arbitrary tokens.
pub fn arb_pointer_for(doc: &Value) -> BoxedStrategy<PointerBuf> {
    let paths = existing_paths(doc, 256);
    let extended = paths.clone();
    prop_oneof![
        6 => prop::sample::select(paths),
        2 => (prop::sample::select(extended), prop_oneof![arb_key(), arb_index_token()]).prop_map(|(mut p, t)| {
            p.push(t);
            p
        }),
        1 => arb_tokens().prop_map(PointerBuf::from_tokens),
    ]
    .boxed()
}

/// `value` with its numbers written the other way where that keeps the
/// value: integers as doubles (`1` → `1.0`) and integral doubles as
/// integers — equal under RFC 6902 §4.6, different under exact equality.
#[must_use]
pub fn renumber(value: &Value) -> Value {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() < 1 << 53) {
                json!(i as f64)
            } else if let Some(f) = n
                .as_f64()
                .filter(|f| n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15)
            {
                json!(f as i64)
            } else {
                value.clone()
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(renumber).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), renumber(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn object(members: std::collections::BTreeMap<String, Value>) -> Value {
    Value::Object(members.into_iter().collect())
}
