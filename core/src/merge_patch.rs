//! JSON Merge Patch, [RFC 7396](https://www.rfc-editor.org/rfc/rfc7396)
//! (which obsoletes RFC 7386 and keeps its algorithm).
//!
//! A merge patch looks like the document it changes: an object patch merges
//! member by member, a `null` member deletes, and anything that is not an
//! object replaces the target whole. Arrays are always replaced whole, and
//! `null`s inside arrays are kept.
//!
//! Because a `null` member means "delete", a merge patch cannot set a member
//! to `null`; and because an object patch merges, it cannot replace an object
//! by another object that lacks some of its members, except by listing them as
//! `null`. So [`diff`] and [`compose`] are partial: they return
//! [`ErrorKind::Unrepresentable`] exactly when no merge patch has the required
//! effect, never a patch that would do something else.
//!
//! Every function walks at most [`Limits::get_max_depth`] levels (512 by
//! default) and fails with [`ErrorKind::LimitExceeded`] beyond, before
//! changing anything.
//!
//! # Examples
//!
//! ```
//! use patchlaw::merge_patch;
//! use serde_json::json;
//!
//! let mut doc = json!({"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"}});
//! merge_patch::apply(&mut doc, &json!({"title": "Hello!", "author": {"familyName": null}}))?;
//! assert_eq!(doc, json!({"title": "Hello!", "author": {"givenName": "John"}}));
//! # Ok::<(), patchlaw::Error>(())
//! ```

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::order::remove_member;
use crate::pointer::PointerBuf;
use crate::walk::{self, dismantle};

/// Applies the merge patch `patch` to `doc` in place
/// ([RFC 7396 §2](https://www.rfc-editor.org/rfc/rfc7396#section-2)),
/// with the default [`Limits`].
///
/// # Errors
///
/// [`ErrorKind::LimitExceeded`] when `patch` is nested deeper than the depth
/// limit; `doc` is then unchanged. Merge patch application cannot otherwise
/// fail.
///
/// # Examples
///
/// ```
/// use patchlaw::merge_patch;
/// use serde_json::json;
///
/// let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}});
/// merge_patch::apply(&mut doc, &json!({"a": "z", "c": {"f": null}}))?;
/// assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}}));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn apply(doc: &mut Value, patch: &Value) -> Result<(), Error> {
    apply_with_limits(doc, patch, Limits::new())
}

/// Applies `patch` to `doc` in place, with explicit [`Limits`].
///
/// # Errors
///
/// As [`apply`].
///
/// # Examples
///
/// ```
/// use patchlaw::{merge_patch, ErrorKind, Limits};
/// use serde_json::json;
///
/// let mut doc = json!({});
/// let err = merge_patch::apply_with_limits(&mut doc, &json!({"a": {"b": 1}}), Limits::new().max_depth(1))
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::LimitExceeded);
/// assert_eq!(doc, json!({}));
/// ```
pub fn apply_with_limits(doc: &mut Value, patch: &Value, limits: Limits) -> Result<(), Error> {
    limits.check_depth(patch)?;
    merge_ref(doc, patch);
    Ok(())
}

/// Applies `patch` to `doc` in place, moving the patch's values into the
/// document instead of cloning them, with the default [`Limits`].
///
/// # Errors
///
/// As [`apply`].
///
/// # Examples
///
/// ```
/// use patchlaw::merge_patch;
/// use serde_json::json;
///
/// let mut doc = json!({"tags": ["a"], "n": 1});
/// merge_patch::apply_owned(&mut doc, json!({"tags": ["a", "b"], "n": null}))?;
/// assert_eq!(doc, json!({"tags": ["a", "b"]}));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn apply_owned(doc: &mut Value, patch: Value) -> Result<(), Error> {
    apply_owned_with_limits(doc, patch, Limits::new())
}

/// Applies `patch` to `doc` in place, moving its values, with explicit
/// [`Limits`].
///
/// # Errors
///
/// As [`apply`]. The rejected patch is taken apart without recursion.
///
/// # Examples
///
/// ```
/// use patchlaw::{merge_patch, Limits};
/// use serde_json::json;
///
/// let mut doc = json!([1]);
/// merge_patch::apply_owned_with_limits(&mut doc, json!({"x": 1}), Limits::unlimited())?;
/// assert_eq!(doc, json!({"x": 1}));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn apply_owned_with_limits(doc: &mut Value, patch: Value, limits: Limits) -> Result<(), Error> {
    if let Err(err) = limits.check_depth(&patch) {
        dismantle(patch);
        return Err(err);
    }
    merge_owned(doc, patch);
    Ok(())
}

// Recursion below is bounded by the patch's depth, checked by the caller.
fn merge_ref(target: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        assign(target, patch);
        return;
    };
    let target = as_object(target);
    for (name, value) in members {
        if value.is_null() {
            delete_member(target, name);
        } else if let Some(slot) = target.get_mut(name) {
            merge_ref(slot, value);
        } else {
            target.insert(name.clone(), without_null_members(value));
        }
    }
}

/// Makes `target` a copy of `value`, a non-object part of the patch, reusing
/// the arrays, objects and strings of `target` where both have the same
/// shape.
///
/// RFC 7396 replaces arrays whole, and in practice by an edited copy of the
/// array they replace (a Deployment's `containers` with one image changed).
/// Cloning the patch's array and then freeing the old one allocates and frees
/// every node, and the freeing goes through [`dismantle`] (the document, unlike
/// the patch, is not depth-checked, so `Drop` could overflow the stack): that
/// made this apply slower than the `json-patch` crate's. Copying onto the
/// old nodes allocates and frees only where they differ.
///
/// Recursion goes down only where both sides are containers, so no deeper
/// than `value`, whose depth the caller checked; whatever of `target` is not
/// reused is freed through [`dismantle`].
fn assign(target: &mut Value, value: &Value) {
    match (target, value) {
        (Value::String(old), Value::String(new)) => old.clone_from(new),
        (Value::Array(old), Value::Array(new)) => {
            if old.len() > new.len() {
                old.drain(new.len()..).for_each(dismantle);
            }
            for (slot, item) in old.iter_mut().zip(new) {
                assign(slot, item);
            }
            let reused = old.len();
            old.extend_from_slice(&new[reused..]);
        }
        // Same names in the same order, so assigning the values one by one
        // also keeps the order (`preserve_order`). Otherwise rebuilding the
        // object member by member would cost more than a clone.
        (Value::Object(old), Value::Object(new))
            if old.len() == new.len() && old.keys().eq(new.keys()) =>
        {
            for (slot, item) in old.values_mut().zip(new.values()) {
                assign(slot, item);
            }
        }
        (target, value) => replace(target, value.clone()),
    }
}

fn merge_owned(target: &mut Value, patch: Value) {
    let Value::Object(members) = patch else {
        replace(target, patch);
        return;
    };
    let target = as_object(target);
    for (name, value) in members {
        if value.is_null() {
            delete_member(target, &name);
        } else if let Some(slot) = target.get_mut(&name) {
            merge_owned(slot, value);
        } else {
            let mut fresh = Value::Null;
            merge_owned(&mut fresh, value);
            target.insert(name, fresh);
        }
    }
}

/// Makes `target` an object, replacing a non-object by `{}` (RFC 7396 §2:
/// "If Target is not an Object: Target = {}").
fn as_object(target: &mut Value) -> &mut Map<String, Value> {
    if !target.is_object() {
        replace(target, Value::Object(Map::new()));
    }
    match target {
        Value::Object(members) => members,
        _ => unreachable!("target was just made an object"),
    }
}

fn replace(target: &mut Value, value: Value) {
    dismantle(std::mem::replace(target, value));
}

/// What a `null` in the patch does: the member goes (RFC 7396 §2), and
/// what it held is freed without recursion.
fn delete_member(target: &mut Map<String, Value>, name: &str) {
    if let Some(old) = remove_member(target, name) {
        dismantle(old);
    }
}

/// What merging `value` into an absent member gives: `value` itself when it
/// is not an object, otherwise a copy without the `null` members of its
/// objects (arrays are copied exactly).
fn without_null_members(value: &Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_null_members(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Computes the minimal merge patch that turns `from` into `to`, with the
/// default [`Limits`].
///
/// For two objects the patch has a member exactly for each name whose values
/// differ (exact equality): `null` for a member `to` lacks, a nested patch
/// when both values are objects, `to`'s value otherwise. When either side is
/// not an object the patch is `to` itself.
///
/// # Errors
///
/// - [`ErrorKind::Unrepresentable`] when no merge patch turns `from` into
///   `to`: `to` has a `null` member, reached through objects, that `from`
///   does not have with the same `null` value. The error's pointer names it.
/// - [`ErrorKind::LimitExceeded`] when the comparison would go deeper than the
///   depth limit.
///
/// # Examples
///
/// ```
/// use patchlaw::{merge_patch, ErrorKind};
/// use serde_json::json;
///
/// let from = json!({"a": 1, "b": {"c": 2, "d": 3}});
/// let to = json!({"b": {"c": 2, "d": 4}, "e": [null]});
/// assert_eq!(merge_patch::diff(&from, &to)?, json!({"a": null, "b": {"d": 4}, "e": [null]}));
///
/// let err = merge_patch::diff(&json!({}), &json!({"a": null})).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Unrepresentable);
/// assert_eq!(err.pointer(), Some("/a"));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn diff(from: &Value, to: &Value) -> Result<Value, Error> {
    diff_with_limits(from, to, Limits::new())
}

/// Computes the minimal merge patch from `from` to `to`, with explicit
/// [`Limits`].
///
/// # Errors
///
/// As [`diff`].
///
/// # Examples
///
/// ```
/// use patchlaw::{merge_patch, Limits};
/// use serde_json::json;
///
/// let patch = merge_patch::diff_with_limits(&json!([1]), &json!([2]), Limits::unlimited())?;
/// assert_eq!(patch, json!([2]));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn diff_with_limits(from: &Value, to: &Value, limits: Limits) -> Result<Value, Error> {
    let mut path = Vec::new();
    let max_depth = limits.get_max_depth();
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            if max_depth == 0 {
                return Err(walk::depth_exceeded(max_depth, path));
            }
            diff_objects(a, b, &mut path, max_depth).map(Value::Object)
        }
        _ => as_member_patch(to, &mut path, max_depth, true),
    }
}

/// Diffs two objects sitting at `path` (depth `path.len() + 1`).
fn diff_objects<'a>(
    a: &'a Map<String, Value>,
    b: &'a Map<String, Value>,
    path: &mut Vec<&'a str>,
    max_depth: usize,
) -> Result<Map<String, Value>, Error> {
    let mut patch = Map::new();
    for name in a.keys() {
        if !b.contains_key(name) {
            patch.insert(name.clone(), Value::Null);
        }
    }
    for (name, new) in b {
        path.push(name);
        let member = match (a.get(name), new) {
            (Some(Value::Object(x)), Value::Object(y)) => {
                if path.len() >= max_depth {
                    return Err(walk::depth_exceeded(max_depth, path.iter().copied()));
                }
                let nested = diff_objects(x, y, path, max_depth)?;
                (!nested.is_empty()).then_some(Value::Object(nested))
            }
            (Some(old), _) => {
                let budget = max_depth - path.len();
                let same = walk::equal_within(old, new, budget)
                    .map_err(|()| walk::depth_exceeded(max_depth, path.iter().copied()))?;
                if same {
                    None
                } else {
                    Some(as_member_patch(new, path, max_depth, false)?)
                }
            }
            (None, _) => Some(as_member_patch(new, path, max_depth, false)?),
        };
        if let Some(member) = member {
            patch.insert(name.clone(), member);
        }
        path.pop();
    }
    Ok(patch)
}

/// The patch value that makes the value at `path` equal to `value` whatever
/// was there before, if there is one: `value` itself, provided it is not a
/// `null` member and its objects have no `null` members (they would delete).
fn as_member_patch(
    value: &Value,
    path: &mut Vec<&str>,
    max_depth: usize,
    at_root: bool,
) -> Result<Value, Error> {
    if value.is_null() && !at_root {
        return Err(unrepresentable(
            path,
            "a merge patch cannot set a member to null (null deletes)",
        ));
    }
    walk::check_depth_at(value, max_depth.saturating_sub(path.len()), path)?;
    if let Some(null_path) = null_member(value, path) {
        return Err(unrepresentable(
            &null_path,
            "a merge patch cannot set a member to null (null deletes); the object around it is not in the source",
        ));
    }
    Ok(value.clone())
}

/// The path of the first `null` member reachable from `value` through
/// objects only.
fn null_member<'a>(value: &'a Value, path: &[&'a str]) -> Option<Vec<&'a str>> {
    fn find<'a>(value: &'a Value, path: &mut Vec<&'a str>) -> bool {
        let Value::Object(members) = value else {
            return false;
        };
        for (name, member) in members {
            path.push(name);
            if member.is_null() || find(member, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = path.to_vec();
    find(value, &mut path).then_some(path)
}

fn unrepresentable(path: &[&str], why: &str) -> Error {
    Error::new(ErrorKind::Unrepresentable, why)
        .with_pointer(PointerBuf::from_tokens(path.iter().copied()).to_string())
}

/// Composes two merge patches into one that has the effect of applying
/// `first` and then `second`, with the default [`Limits`].
///
/// # Errors
///
/// - [`ErrorKind::Unrepresentable`] exactly when no single merge patch has
///   that effect: somewhere `second` merges an object into a place where
///   `first` sets a non-object or deletes (`null`). After `first`, that place
///   holds a known value, which `second` turns into a known object; but an
///   object patch there would keep whatever members the document had. The
///   pointer names the place.
/// - [`ErrorKind::LimitExceeded`] when either patch is nested deeper than the
///   depth limit.
///
/// # Examples
///
/// ```
/// use patchlaw::{merge_patch, ErrorKind};
/// use serde_json::json;
///
/// let both = merge_patch::compose(&json!({"a": 1, "b": {"c": 1}}), &json!({"b": {"d": 2}, "e": null}))?;
/// assert_eq!(both, json!({"a": 1, "b": {"c": 1, "d": 2}, "e": null}));
///
/// let err = merge_patch::compose(&json!({"a": null}), &json!({"a": {"b": 1}})).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Unrepresentable);
/// assert_eq!(err.pointer(), Some("/a"));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn compose(first: &Value, second: &Value) -> Result<Value, Error> {
    compose_with_limits(first, second, Limits::new())
}

/// Composes two merge patches, with explicit [`Limits`].
///
/// # Errors
///
/// As [`compose`].
///
/// # Examples
///
/// ```
/// use patchlaw::{merge_patch, Limits};
/// use serde_json::json;
///
/// let both = merge_patch::compose_with_limits(&json!({"a": 1}), &json!([]), Limits::unlimited())?;
/// assert_eq!(both, json!([]));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn compose_with_limits(first: &Value, second: &Value, limits: Limits) -> Result<Value, Error> {
    limits.check_depth(first)?;
    limits.check_depth(second)?;
    let mut path = Vec::new();
    compose_at(first, second, &mut path)
}

// Recursion is bounded by the depth of the patches, checked by the caller.
fn compose_at<'a>(
    first: &'a Value,
    second: &'a Value,
    path: &mut Vec<&'a str>,
) -> Result<Value, Error> {
    let Value::Object(later) = second else {
        return Ok(second.clone());
    };
    let Value::Object(earlier) = first else {
        return Err(unrepresentable(
            path,
            "the second patch merges an object where the first sets a non-object value",
        ));
    };
    // Built member by member: cloning `earlier` whole and then replacing
    // the members `later` touches would copy those subtrees at every level
    // (quadratic in the depth).
    let mut composed = Map::new();
    for (name, set) in earlier {
        let merged = match (set, later.get(name)) {
            (_, None) => set.clone(),
            (Value::Object(_), Some(value @ Value::Object(_))) => {
                path.push(name);
                let nested = compose_at(set, value, path)?;
                path.pop();
                nested
            }
            (_, Some(Value::Object(_))) => {
                path.push(name);
                let what = if set.is_null() {
                    "deletes"
                } else {
                    "sets a non-object value"
                };
                return Err(unrepresentable(
                    path,
                    &format!("the second patch merges an object where the first {what}"),
                ));
            }
            (_, Some(value)) => value.clone(),
        };
        composed.insert(name.clone(), merged);
    }
    for (name, value) in later {
        if !earlier.contains_key(name) {
            composed.insert(name.clone(), value.clone());
        }
    }
    Ok(Value::Object(composed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `assign` gives exactly a clone of the value, member order included
    /// (compared as text, which shows the order under `preserve_order`).
    #[test]
    fn assign_is_a_clone() {
        let ordered = |text: &str| -> Value { serde_json::from_str(text).unwrap() };
        let cases = [
            (json!("short"), json!("a longer string")),
            (json!("a longer string"), json!("short")),
            (json!([1, "a", [2]]), json!([3, "bb", [4, 5], {"x": 1}])),
            (json!([1, "a", [2], {"x": 1}]), json!(["b", [[]]])),
            (json!([{"a": 1, "b": [1]}]), json!([{"a": [2], "b": "c"}])),
            (json!({"a": 1, "b": 2}), json!({"a": 1, "c": 2})),
            (
                ordered(r#"{"b": 1, "a": 2}"#),
                ordered(r#"{"a": 3, "b": 4}"#),
            ),
            (json!({"a": 1}), json!([{"a": 1}])),
            (json!([1]), json!(1.5)),
            (json!(2), json!(null)),
            (json!(null), json!([null])),
        ];
        for (old, new) in cases {
            let mut target = old.clone();
            assign(&mut target, &new);
            assert_eq!(target.to_string(), new.to_string(), "{old} := {new}");
        }
    }

    /// Only as deep as the value: a document far deeper than the stack
    /// allows is replaced without recursing into it.
    #[test]
    fn assign_does_not_follow_the_target_down() {
        let mut deep = json!(1);
        for _ in 0..200_000 {
            deep = Value::Array(vec![deep]);
        }
        // Not `json!([[deep]])`: that serializes `deep`, recursively.
        let mut target = Value::Array(vec![Value::Array(vec![deep])]);
        assign(&mut target, &json!([["flat"], 2]));
        assert_eq!(target, json!([["flat"], 2]));
    }
}
