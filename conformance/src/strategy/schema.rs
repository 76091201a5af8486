//! Generated schemas: a small random OpenAPI v2 schema with patch
//! metadata, documents valid under it, patches with directives for them
//! ([`arb_strategic_case`]) and edits of them ([`arb_strategic_pair`]), for
//! the strategic laws.
//!
//! A schema is drawn as a `Shape` tree (merge lists keyed by a string or
//! an integer, some `retainKeys`, some nested; primitive merge lists;
//! atomic lists; `retainKeys` and `replace` maps; free-form maps;
//! scalars), then written as OpenAPI, and the documents and
//! patches are built from the same tree.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::random::{ints, string_map, strs, word, SplitMix64};

/// A generated case for the strategic laws: a schema, a document valid
/// under it and a patch for the document.
#[derive(Clone, Debug)]
pub struct StrategicCase {
    /// The schema in the protocol's form (as
    /// [`schema_argument`](crate::implementation::schema_argument) reads
    /// it): `{"root": "Root", "definitions": {..}}`, OpenAPI v2 with
    /// `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key`.
    pub schema: Value,
    /// A document valid under the schema: every element of a list merged by
    /// key carries its key, keys are scalars and unique in their list,
    /// primitive merge lists hold no duplicates.
    pub doc: Value,
    /// A strategic merge patch for `doc`, mostly valid.
    pub patch: Value,
}

/// A small random schema, a document valid under it, and a patch with
/// directives for the document.
///
/// The schemas have a few definitions, reached through `$ref` (with the
/// patch metadata beside it, as Kubernetes serves them) or inline: lists of
/// objects merged by a string or integer key (some `merge,retainKeys`, some
/// nested in the elements of another), primitive merge lists, atomic lists,
/// `retainKeys` and `replace` maps, free-form maps and scalars.
///
/// The patches mostly change what the document has: scalars, `null`
/// deletions, changed, new and deleted (`$patch: delete`) list elements,
/// `{"$patch": "replace"}` lists, `$patch: replace|delete` maps,
/// `$retainKeys` (listing the keys the patch sets, sometimes more, rarely
/// too few), `$setElementOrder` (rarely inconsistent),
/// `$deleteFromPrimitiveList` (never beside its list, see the module
/// docs). A few are invalid: an element without its merge key, `$patch:
/// merge`.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::arb_strategic_case;
/// use patchlaw_conformance::implementation::schema_argument;
/// use proptest::prelude::*;
///
/// proptest!(|(case in arb_strategic_case())| {
///     let schema = schema_argument(&case.schema).unwrap();
///     let mut doc = case.doc.clone();
///     let _ = patchlaw::strategic::apply(&mut doc, &case.patch, &schema);
/// });
/// ```
pub fn arb_strategic_case() -> BoxedStrategy<StrategicCase> {
    (any::<u64>(), 1usize..=3, any::<u64>(), any::<u64>())
        .prop_map(|(schema_seed, size, doc_seed, patch_seed)| {
            let shape = root_shape(&mut SplitMix64::new(schema_seed));
            let doc = document(&shape, size, &mut SplitMix64::new(doc_seed));
            let patch = value_patch(&shape, Some(&doc), &mut SplitMix64::new(patch_seed))
                .unwrap_or_else(|| json!({}));
            let mut patch = match patch {
                Value::Object(_) => patch,
                _ => json!({}),
            };
            super::strategic::drop_nondeterministic(&mut patch);
            StrategicCase {
                schema: openapi(&shape),
                doc,
                patch,
            }
        })
        .boxed()
}

/// A schema (as in [`StrategicCase`]) and two documents valid under it, the
/// second a plausible edit of the first: members kept, removed, changed and
/// added; list elements reordered, inserted, deleted and changed (nested
/// merge lists included); duplicates added to primitive lists now and
/// then. Sometimes the two are equal.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::arb_strategic_pair;
/// use patchlaw_conformance::implementation::schema_argument;
/// use proptest::prelude::*;
///
/// proptest!(|((schema, a, b) in arb_strategic_pair())| {
///     prop_assert!(schema_argument(&schema).is_ok());
///     prop_assert!(a.is_object() && b.is_object());
/// });
/// ```
pub fn arb_strategic_pair() -> BoxedStrategy<(Value, Value, Value)> {
    (any::<u64>(), 1usize..=3, any::<u64>(), any::<u64>())
        .prop_map(|(schema_seed, size, doc_seed, edit_seed)| {
            let shape = root_shape(&mut SplitMix64::new(schema_seed));
            let a = document(&shape, size, &mut SplitMix64::new(doc_seed));
            let d = &mut SplitMix64::new(edit_seed);
            let b = if d.chance(10) {
                a.clone()
            } else {
                edit(&shape, &a, d)
            };
            (openapi(&shape), a, b)
        })
        .boxed()
}

/// The type of a value, with the patch metadata of the field holding it.
#[derive(Clone, Debug)]
pub(super) enum Shape {
    Str,
    Int,
    /// A map with known fields; `strategy` is `""`, `"retainKeys"` or
    /// `"replace"`; `inline` writes it in place rather than through `$ref`.
    Object {
        fields: Vec<(String, Shape)>,
        strategy: &'static str,
        inline: bool,
    },
    /// A map of strings (`additionalProperties`).
    FreeMap,
    /// A list of objects merged by `key`, a scalar field of `item`.
    MergeList {
        key: String,
        item: Box<Shape>,
        retain_keys: bool,
    },
    /// A list of scalars merged as a set.
    Primitives(Box<Shape>),
    /// A list replaced whole.
    Atomic(Box<Shape>),
}

const FIELDS: &[&str] = &["alpha", "beta", "gamma", "delta", "eps", "zeta"];
pub(super) const STR_VALUES: &[&str] = &["a", "b", "c", "d"];
const STR_KEYS: &[&str] = &["x", "y", "z", "w", "v"];
const INT_KEYS: &[i64] = &[1, 2, 3, 4, 5, 6];
pub(super) const MAP_KEYS: &[&str] = &["k1", "k2", "k3"];

pub(super) fn root_shape(d: &mut SplitMix64) -> Shape {
    let mut root = object_shape(d, 0, "", None);
    // Every root has at least one list that merges by key.
    if let Shape::Object { fields, .. } = &mut root {
        if !fields
            .iter()
            .any(|(_, s)| matches!(s, Shape::MergeList { .. }))
        {
            fields.push(("items".into(), merge_list_shape(d, 1, false)));
        }
    }
    root
}

fn object_shape(
    d: &mut SplitMix64,
    depth: usize,
    strategy: &'static str,
    key: Option<(&str, Shape)>,
) -> Shape {
    let mut names = FIELDS.to_vec();
    d.shuffle(&mut names);
    let count = if depth == 0 {
        3 + d.below(3)
    } else {
        1 + d.below(3)
    };
    let mut fields: Vec<(String, Shape)> = names
        .into_iter()
        .take(count)
        .map(|n| (n.to_owned(), field_shape(d, depth + 1)))
        .collect();
    if let Some((name, shape)) = key {
        fields.insert(0, (name.to_owned(), shape));
    }
    Shape::Object {
        fields,
        strategy,
        inline: d.chance(30),
    }
}

fn field_shape(d: &mut SplitMix64, depth: usize) -> Shape {
    if depth >= 3 {
        return if d.chance(70) { Shape::Str } else { Shape::Int };
    }
    match d.below(15) {
        0..=2 => Shape::Str,
        3 => Shape::Int,
        4..=5 => merge_list_shape(d, depth, false),
        6 => merge_list_shape(d, depth, true),
        7..=8 => Shape::Primitives(Box::new(if d.chance(70) { Shape::Str } else { Shape::Int })),
        9 => Shape::Atomic(Box::new(if d.chance(50) {
            Shape::Str
        } else {
            object_shape(d, depth + 1, "", None)
        })),
        10 => object_shape(d, depth, "retainKeys", None),
        11 => object_shape(d, depth, "replace", None),
        12..=13 => object_shape(d, depth, "", None),
        _ => Shape::FreeMap,
    }
}

fn merge_list_shape(d: &mut SplitMix64, depth: usize, retain_keys: bool) -> Shape {
    let (key, key_shape) = if d.chance(65) {
        ("name", Shape::Str)
    } else {
        ("id", Shape::Int)
    };
    Shape::MergeList {
        key: key.to_owned(),
        item: Box::new(object_shape(d, depth, "", Some((key, key_shape)))),
        retain_keys,
    }
}

/// The protocol's schema argument for a root shape.
pub(super) fn openapi(root: &Shape) -> Value {
    let mut definitions = Map::new();
    let Shape::Object { fields, .. } = root else {
        unreachable!("roots are objects")
    };
    let root_definition = object_schema(fields, &mut definitions);
    definitions.insert("Root".into(), root_definition);
    json!({"root": "Root", "definitions": definitions})
}

fn object_schema(fields: &[(String, Shape)], definitions: &mut Map<String, Value>) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|(name, shape)| (name.clone(), property(shape, definitions)))
        .collect();
    json!({"type": "object", "properties": properties})
}

fn property(shape: &Shape, definitions: &mut Map<String, Value>) -> Value {
    match shape {
        Shape::Str => json!({"type": "string"}),
        Shape::Int => json!({"type": "integer", "format": "int64"}),
        Shape::FreeMap => json!({"type": "object", "additionalProperties": {"type": "string"}}),
        Shape::Object {
            fields,
            strategy,
            inline,
        } => {
            let schema = object_schema(fields, definitions);
            let mut property = if *inline {
                schema
            } else {
                let name = format!("Def{}", definitions.len() + 1);
                definitions.insert(name.clone(), schema);
                json!({"$ref": format!("#/definitions/{name}")})
            };
            if !strategy.is_empty() {
                property["x-kubernetes-patch-strategy"] = (*strategy).into();
            }
            property
        }
        Shape::MergeList {
            key,
            item,
            retain_keys,
        } => {
            let strategy = if *retain_keys {
                "merge,retainKeys"
            } else {
                "merge"
            };
            json!({"type": "array", "items": property(item, definitions),
                "x-kubernetes-patch-strategy": strategy, "x-kubernetes-patch-merge-key": key})
        }
        Shape::Primitives(item) => json!({"type": "array", "items": property(item, definitions),
            "x-kubernetes-patch-strategy": "merge"}),
        Shape::Atomic(item) => json!({"type": "array", "items": property(item, definitions)}),
    }
}

pub(super) fn scalar(shape: &Shape, d: &mut SplitMix64) -> Value {
    match shape {
        Shape::Int => json!(d.below(6)),
        _ => Value::from(*d.pick(STR_VALUES)),
    }
}

pub(super) fn key_pool(shape: &Shape) -> Vec<Value> {
    match shape {
        Shape::Int => ints(INT_KEYS),
        _ => strs(STR_KEYS),
    }
}

pub(super) fn key_shape<'s>(item: &'s Shape, key: &str) -> &'s Shape {
    match item {
        Shape::Object { fields, .. } => fields
            .iter()
            .find(|(n, _)| n == key)
            .map_or(&Shape::Str, |(_, s)| s),
        _ => &Shape::Str,
    }
}

/// A value valid under `shape`.
pub(super) fn document(shape: &Shape, size: usize, d: &mut SplitMix64) -> Value {
    match shape {
        Shape::Str | Shape::Int => scalar(shape, d),
        Shape::FreeMap => Value::Object(string_map(d, MAP_KEYS, STR_VALUES, 2)),
        Shape::Object { fields, .. } => {
            let mut members = Map::new();
            for (name, field) in fields {
                if d.chance(75) {
                    members.insert(name.clone(), document(field, size, d));
                }
            }
            Value::Object(members)
        }
        Shape::MergeList { key, item, .. } => {
            let mut keys = key_pool(key_shape(item, key));
            d.shuffle(&mut keys);
            keys.truncate(d.below(size + 2));
            keys.into_iter()
                .map(|k| list_element(item, key, k, size, d))
                .collect()
        }
        Shape::Primitives(item) => {
            let mut values: Vec<Value> = Vec::new();
            for _ in 0..d.below(size + 2) {
                let v = scalar(item, d);
                if !values.contains(&v) {
                    values.push(v);
                }
            }
            Value::Array(values)
        }
        Shape::Atomic(item) => (0..d.below(3)).map(|_| document(item, size, d)).collect(),
    }
}

/// An element of a merged list with the key `k`.
pub(super) fn list_element(
    item: &Shape,
    key: &str,
    k: Value,
    size: usize,
    d: &mut SplitMix64,
) -> Value {
    let mut element = document(item, size, d);
    if let Value::Object(members) = &mut element {
        members.insert(key.to_owned(), k);
    }
    element
}

/// A patch for `live` (a value under `shape`), or `None` for no change.
/// Directives that go beside a list (in the parent map) come back from
/// [`list_patch`] instead.
fn value_patch(shape: &Shape, live: Option<&Value>, d: &mut SplitMix64) -> Option<Value> {
    match (shape, live) {
        (
            Shape::Object {
                fields, strategy, ..
            },
            Some(Value::Object(live)),
        ) => Some(object_patch(fields, strategy, live, d)),
        (Shape::FreeMap, Some(Value::Object(live))) => {
            let mut patch = Map::new();
            for key in MAP_KEYS {
                match d.below(6) {
                    0 if live.contains_key(*key) => {
                        patch.insert((*key).into(), Value::Null);
                    }
                    1..=2 => {
                        patch.insert((*key).into(), word(d, STR_VALUES));
                    }
                    _ => {}
                }
            }
            Some(Value::Object(patch))
        }
        _ => Some(document(shape, 2, d)),
    }
}

fn object_patch(
    fields: &[(String, Shape)],
    strategy: &str,
    live: &Map<String, Value>,
    d: &mut SplitMix64,
) -> Value {
    if d.chance(3) {
        let mut whole = Map::new();
        whole.insert("$patch".into(), "replace".into());
        if let Value::Object(members) = document(
            &Shape::Object {
                fields: fields.to_vec(),
                strategy: "",
                inline: true,
            },
            2,
            d,
        ) {
            whole.extend(members);
        }
        return Value::Object(whole);
    }
    if d.chance(2) {
        return json!({"$patch": "delete"});
    }
    let mut patch = Map::new();
    for (name, shape) in fields {
        let current = live.get(name);
        match d.below(20) {
            0..=5 => {}
            6..=7 if current.is_some() => {
                patch.insert(name.clone(), Value::Null);
            }
            8..=17 => match shape {
                Shape::MergeList { .. } | Shape::Primitives(_) => {
                    for (member, value) in list_patch(name, shape, current, d) {
                        patch.insert(member, value);
                    }
                }
                _ => {
                    if let Some(value) = value_patch(shape, current, d) {
                        patch.insert(name.clone(), value);
                    }
                }
            },
            _ => {
                patch.insert(name.clone(), document(shape, 2, d));
            }
        }
    }
    if strategy == "retainKeys" && d.chance(60) {
        let mut keys: Vec<Value> = patch
            .iter()
            .filter(|(k, v)| !k.starts_with('$') && !v.is_null())
            .map(|(k, _)| Value::from(k.as_str()))
            .collect();
        if d.chance(30) {
            // Keep a live key the patch does not touch.
            if let Some(k) = live.keys().find(|k| !patch.contains_key(*k)) {
                keys.push(Value::from(k.as_str()));
            }
        }
        if d.chance(10) && !keys.is_empty() {
            // Invalid: the patch sets a key the list lacks.
            keys.remove(0);
        }
        patch.insert("$retainKeys".into(), Value::Array(keys));
    }
    if d.chance(1) {
        patch.insert("$patch".into(), "merge".into());
    }
    Value::Object(patch)
}

/// The members a patch of the merged list `name` writes in its parent: the
/// list and its `$setElementOrder`, or a `$deleteFromPrimitiveList`.
fn list_patch(
    name: &str,
    shape: &Shape,
    live: Option<&Value>,
    d: &mut SplitMix64,
) -> Vec<(String, Value)> {
    let live_items = live.and_then(Value::as_array).cloned().unwrap_or_default();
    let mut members = Vec::new();
    let mut items: Vec<Value> = Vec::new();
    let merge_key: Option<String>;
    let mut order: Vec<Value>;
    match shape {
        Shape::MergeList {
            key,
            item,
            retain_keys,
        } => {
            let key = key.clone();
            let pool = key_pool(key_shape(item, &key));
            let mut live_keys = Vec::new();
            for element in &live_items {
                let Some(k) = element.get(&key).cloned() else {
                    continue;
                };
                live_keys.push(k.clone());
                match d.below(10) {
                    0..=3 => {
                        let mut patch = value_patch(item, Some(element), d)
                            .and_then(|p| p.as_object().cloned())
                            .unwrap_or_default();
                        if *retain_keys && d.chance(30) && !patch.contains_key("$patch") {
                            let mut keep: Vec<Value> = patch
                                .keys()
                                .filter(|k| !k.starts_with('$'))
                                .map(|k| Value::from(k.as_str()))
                                .collect();
                            keep.push(Value::from(key.as_str()));
                            keep.dedup();
                            patch.insert("$retainKeys".into(), Value::Array(keep));
                        }
                        if patch.get("$patch").and_then(Value::as_str) == Some("delete") {
                            patch.clear();
                        }
                        patch.insert(key.clone(), k);
                        items.push(Value::Object(patch));
                    }
                    4 => items.push({
                        let mut m = Map::new();
                        m.insert(key.clone(), k);
                        m.insert("$patch".into(), "delete".into());
                        Value::Object(m)
                    }),
                    _ => {}
                }
            }
            for k in pool
                .iter()
                .filter(|k| !live_keys.contains(k))
                .take(d.below(3))
            {
                let element = list_element(item, &key, k.clone(), 1, d);
                let at = d.below(items.len() + 1);
                items.insert(at, element);
            }
            if d.chance(2) {
                items.push(json!({"unkeyed": true}));
            }
            if d.chance(3) {
                items.retain(|i| i.get("$patch").is_none());
                items.push(json!({"$patch": "replace"}));
            }
            order = live_keys;
            merge_key = Some(key);
        }
        Shape::Primitives(item) => {
            if d.chance(20) && !live_items.is_empty() {
                let mut gone = live_items.clone();
                d.shuffle(&mut gone);
                gone.truncate(1 + d.below(gone.len()));
                members.push((
                    format!("$deleteFromPrimitiveList/{name}"),
                    Value::Array(gone),
                ));
                if d.chance(50) {
                    return members;
                }
                // A `$setElementOrder` beside it, but no list (module docs).
                let mut all = live_items.clone();
                d.shuffle(&mut all);
                members.push((format!("$setElementOrder/{name}"), Value::Array(all)));
                return members;
            }
            for v in &live_items {
                if d.chance(40) {
                    items.push(v.clone());
                }
            }
            for _ in 0..d.below(3) {
                let v = scalar(item, d);
                if !items.contains(&v) {
                    let at = d.below(items.len() + 1);
                    items.insert(at, v);
                }
            }
            order = live_items.clone();
            merge_key = None;
        }
        _ => unreachable!("only merged lists"),
    }
    // Kubernetes rejects an order for a list empty on both sides ("no
    // elements in either list"): now and then, not often.
    let empty = items.is_empty() && live_items.is_empty();
    if d.chance(30) && (!empty || d.chance(20)) {
        let key_of = |i: &Value| match &merge_key {
            Some(_) if i.get("$patch").is_some() => None,
            Some(key) => i.get(key).cloned(),
            None => Some(i.clone()),
        };
        let patch_keys: Vec<Value> = items.iter().filter_map(key_of).collect();
        for k in &patch_keys {
            if !order.contains(k) {
                order.push(k.clone());
            }
        }
        d.shuffle(&mut order);
        if !d.chance(5) {
            let mut in_patch_order = patch_keys.iter();
            for slot in order.iter_mut() {
                if patch_keys.contains(slot) {
                    *slot = in_patch_order.next().expect("as many").clone();
                }
            }
        }
        let entries = order
            .into_iter()
            .map(|k| match shape {
                Shape::MergeList { key, .. } => {
                    let mut entry = Map::new();
                    entry.insert(key.clone(), k);
                    Value::Object(entry)
                }
                _ => k,
            })
            .collect();
        members.push((format!("$setElementOrder/{name}"), Value::Array(entries)));
    }
    members.push((name.to_owned(), Value::Array(items)));
    members
}

/// A plausible edit of `value` (under `shape`).
pub(super) fn edit(shape: &Shape, value: &Value, d: &mut SplitMix64) -> Value {
    match (shape, value) {
        (Shape::Object { fields, .. }, Value::Object(members)) => {
            let mut edited = Map::new();
            for (name, field) in fields {
                match members.get(name) {
                    Some(current) => match d.below(20) {
                        0..=12 => {
                            edited.insert(name.clone(), current.clone());
                        }
                        13..=14 => {}
                        _ => {
                            edited.insert(name.clone(), edit(field, current, d));
                        }
                    },
                    None if d.chance(20) => {
                        edited.insert(name.clone(), document(field, 2, d));
                    }
                    None => {}
                }
            }
            Value::Object(edited)
        }
        (Shape::FreeMap, Value::Object(members)) => {
            let mut edited = members.clone();
            let key = *d.pick(MAP_KEYS);
            if d.chance(50) {
                edited.remove(key);
            } else {
                edited.insert(key.into(), word(d, STR_VALUES));
            }
            Value::Object(edited)
        }
        (Shape::MergeList { key, item, .. }, Value::Array(items)) => {
            let mut edited: Vec<Value> = Vec::new();
            for element in items {
                match d.below(10) {
                    0 => {}
                    1..=3 => {
                        let mut changed = edit(item, element, d);
                        if let (Value::Object(m), Some(k)) = (&mut changed, element.get(key)) {
                            m.insert(key.clone(), k.clone());
                        }
                        edited.push(changed);
                    }
                    _ => edited.push(element.clone()),
                }
            }
            let used: Vec<Value> = items.iter().filter_map(|e| e.get(key).cloned()).collect();
            let fresh: Vec<Value> = key_pool(key_shape(item, key))
                .into_iter()
                .filter(|k| !used.contains(k))
                .collect();
            for k in fresh.into_iter().take(d.below(3)) {
                let element = list_element(item, key, k, 1, d);
                let at = d.below(edited.len() + 1);
                edited.insert(at, element);
            }
            if d.chance(25) {
                d.shuffle(&mut edited);
            }
            Value::Array(edited)
        }
        (Shape::Primitives(item), Value::Array(items)) => {
            let mut edited: Vec<Value> = items.iter().filter(|_| d.chance(80)).cloned().collect();
            for _ in 0..d.below(3) {
                let v = scalar(item, d);
                if !edited.contains(&v) {
                    let at = d.below(edited.len() + 1);
                    edited.insert(at, v);
                }
            }
            if d.chance(25) {
                d.shuffle(&mut edited);
            }
            if !edited.is_empty() && d.chance(10) {
                let twin = d.pick(&edited).clone();
                let at = d.below(edited.len() + 1);
                edited.insert(at, twin);
            }
            Value::Array(edited)
        }
        (Shape::Atomic(_), _) | (Shape::Str | Shape::Int, _) if d.chance(70) => value.clone(),
        _ => document(shape, 2, d),
    }
}
