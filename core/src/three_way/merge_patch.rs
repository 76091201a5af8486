//! The RFC 7396 three-way patch: `CreateThreeWayJSONMergePatch` of
//! apimachinery's `jsonmergepatch` (Kubernetes v1.32), which builds on
//! `evanphx/json-patch` v4.
//!
//! Kubernetes diffs the current object against the modified one and drops
//! the deletions (every `null`, at any depth of objects), diffs the original
//! against the modified one and keeps only the deletions, checks that the
//! two do not disagree, and merges the second into the first as a merge
//! patch. The JSON is decoded with Go's standard library, so every number is
//! a `float64`: `1` and `1.0` are equal here, unlike in the strategic
//! flavour. spec/50-three-way.md (D5.6) states each step.

use serde_json::{Map, Value};

use super::{Options, Outcome, Step};
use crate::error::{Error, ErrorKind};
use crate::order::remove_member;

/// The RFC 7396 three-way merge of `[original, modified, current]`.
pub(crate) fn three_way(docs: [&Value; 3], options: Options) -> Result<Outcome, Error> {
    let empty = Map::new();
    let [o, m, c] = super::documents(docs, &empty)?;
    // The walks below recurse along the documents: bound them first.
    let limits = options.get_limits();
    for doc in docs {
        limits.check_depth(doc)?;
    }
    let additions = without_nulls(diff(c, m), false);
    let deletions = without_nulls(diff(o, m), true);
    let mut found = Vec::new();
    disagreements(
        &Value::Object(additions.clone()),
        &Value::Object(deletions.clone()),
        &mut Vec::new(),
        &mut found,
    );
    if !found.is_empty() {
        // Kubernetes has no overwrite switch here: a disagreement is always
        // an error.
        return Err(super::conflict_error(super::conflicts_at(found, docs)));
    }
    let mut patch = deletions;
    merge(&mut patch, additions);
    for (member, within) in [
        ("apiVersion", None),
        ("kind", None),
        ("name", Some("metadata")),
    ] {
        let holder = match within {
            None => Some(&patch),
            Some(parent) => patch.get(parent).and_then(Value::as_object),
        };
        if holder.is_some_and(|h| h.contains_key(member)) {
            let place = within.map_or(member.to_owned(), |p| format!("{p}.{member}"));
            return Err(Error::new(
                ErrorKind::PreconditionFailed,
                format!("the patch would change {place}: at least one of apiVersion, kind and name was changed"),
            ));
        }
    }
    Ok(Outcome {
        patch: Value::Object(patch),
        conflicts: Vec::new(),
    })
}

/// `getDiff`: the merge patch from `a` to `b`, values compared as Go's
/// `encoding/json` decodes them (every number a `float64`).
fn diff(a: &Map<String, Value>, b: &Map<String, Value>) -> Map<String, Value> {
    let mut into = Map::new();
    for (key, new) in b {
        let Some(old) = a.get(key) else {
            into.insert(key.clone(), new.clone());
            continue;
        };
        match (old, new) {
            (Value::Object(x), Value::Object(y)) => {
                let inner = diff(x, y);
                if !inner.is_empty() {
                    into.insert(key.clone(), Value::Object(inner));
                }
            }
            _ => {
                if !matches(old, new) {
                    into.insert(key.clone(), new.clone());
                }
            }
        }
    }
    for key in a.keys() {
        if !b.contains_key(key) {
            into.insert(key.clone(), Value::Null);
        }
    }
    into
}

/// `matchesValue`: same type and value, numbers as `float64`.
fn matches(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(u, v)| matches(u, v))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && y.iter()
                    .all(|(k, v)| x.get(k).is_some_and(|u| matches(u, v)))
        }
        _ => false,
    }
}

/// `keepOrDeleteNullInObj`: with `keep_null`, only the `null` members (and
/// the objects that lead to them); without, everything but them. An object
/// that was empty to begin with is a value and stays (without `keep_null`);
/// one emptied by the filter goes.
fn without_nulls(members: Map<String, Value>, keep_null: bool) -> Map<String, Value> {
    let mut kept = Map::new();
    for (key, value) in members {
        match value {
            Value::Null => {
                if keep_null {
                    kept.insert(key, Value::Null);
                }
            }
            Value::Object(inner) if inner.is_empty() => {
                if !keep_null {
                    kept.insert(key, Value::Object(inner));
                }
            }
            Value::Object(inner) => {
                let inner = without_nulls(inner, keep_null);
                if !inner.is_empty() {
                    kept.insert(key, Value::Object(inner));
                }
            }
            other => {
                if !keep_null {
                    kept.insert(key, other);
                }
            }
        }
    }
    kept
}

/// `mergepatch.HasConflicts`: where two patches set the same place to
/// different values.
fn disagreements(left: &Value, right: &Value, path: &mut Vec<Step>, found: &mut Vec<Vec<Step>>) {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            for (key, value) in l {
                if let Some(other) = r.get(key) {
                    path.push(Step::Member(key.clone()));
                    disagreements(value, other, path, found);
                    path.pop();
                }
            }
        }
        (Value::Array(l), Value::Array(r)) if l.len() == r.len() => {
            for (i, (u, v)) in l.iter().zip(r).enumerate() {
                path.push(Step::Index(i));
                disagreements(u, v, path, found);
                path.pop();
            }
        }
        (Value::Object(_) | Value::Array(_), _) => found.push(path.clone()),
        _ => {
            if !matches(left, right) {
                found.push(path.clone());
            }
        }
    }
}

/// `MergePatch(doc, patch)` of evanphx/json-patch v4 (`mergeDocs` without
/// `mergeMerge`): `null` deletes, objects merge, and a value new to the
/// document loses its `null` members, also inside arrays.
fn merge(doc: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        if value.is_null() {
            remove_member(doc, &key);
            continue;
        }
        match doc.get_mut(&key) {
            Some(slot) if !slot.is_null() => {
                match (slot, value) {
                    (Value::Object(current), Value::Object(inner)) => merge(current, inner),
                    // A patch object over a non-object loses its nulls; a
                    // non-object patch value is taken as it is.
                    (slot @ Value::Object(_), other) => *slot = other,
                    (slot, mut other) => {
                        prune_nulls(&mut other);
                        *slot = other;
                    }
                }
            }
            _ => {
                let mut value = value;
                prune_nulls(&mut value);
                doc.insert(key, value);
            }
        }
    }
}

/// `pruneNulls`: drops `null` members of objects, at any depth, arrays
/// included (their `null` elements stay). kubectl strips an object it
/// creates the same way.
pub(super) fn prune_nulls(value: &mut Value) {
    match value {
        Value::Object(members) => {
            let nulls: Vec<String> = members
                .iter()
                .filter(|(_, v)| v.is_null())
                .map(|(k, _)| k.clone())
                .collect();
            for key in nulls {
                remove_member(members, &key);
            }
            members.values_mut().for_each(prune_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(prune_nulls),
        _ => {}
    }
}
