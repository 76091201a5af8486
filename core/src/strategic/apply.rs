//! Applying a strategic merge patch as apimachinery's `strategicpatch`
//! (`StrategicMergeMapPatch`, Kubernetes v1.32) does, quirks included, in
//! place and atomically.
//!
//! The walk follows the patch, so its depth is bounded by the patch's,
//! checked before anything changes. Every change is recorded in an undo
//! log that holds what it displaced (moved, not copied) and names the place
//! by a path valid at the time of the change; a failure rolls the log back
//! in reverse, which leaves the document exactly as it was.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::directive::{
    self, DELETE, DELETE_FROM_PRIMITIVE_LIST, MERGE, PATCH, REPLACE, RETAIN_KEYS, SET_ELEMENT_ORDER,
};
use super::go::{self, decoded_capacity, go_equal, GoType, Key, View};
use super::list_order::{self, Positions};
use super::schema::{FieldRef, Schema, SchemaRef, Strategy};
use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::order::{insert_member_at, remove_member_at};
use crate::pointer::PointerBuf;
use crate::walk::dismantle;

pub(crate) fn apply(
    doc: &mut Value,
    patch: &Value,
    schema: &Schema,
    limits: Limits,
) -> Result<(), Error> {
    limits.check_depth(patch)?;
    // Kubernetes decodes a `null` patch as an empty map.
    let empty = Map::new();
    let patch = match patch {
        Value::Object(patch) => patch,
        Value::Null => &empty,
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidPatch,
                "a strategic merge patch must be an object",
            ))
        }
    };
    // Kubernetes decodes a `null` document as an empty map.
    let was_null = doc.is_null();
    if was_null {
        *doc = Value::Object(Map::new());
    }
    let Value::Object(target) = doc else {
        return Err(Error::new(
            ErrorKind::InvalidPatch,
            "a strategic merge patch applies to an object",
        ));
    };
    let mut engine = Engine {
        path: Vec::new(),
        journal: Vec::new(),
    };
    match engine.merge_map(target, patch, schema.root()) {
        Ok(()) => {
            for undo in engine.journal {
                undo.discard();
            }
            Ok(())
        }
        Err(err) => {
            while let Some(undo) = engine.journal.pop() {
                undo.revert(doc);
            }
            if was_null {
                dismantle(std::mem::take(doc));
            }
            Err(err)
        }
    }
}

/// One step of the path from the document's root to the value being
/// patched. Member names are borrowed from the patch, whose names are the
/// document's.
#[derive(Clone, Copy, Debug)]
enum Seg<'p> {
    Key(&'p str),
    Index(usize),
}

/// What one change displaced, and where.
#[derive(Debug)]
enum Undo<'p> {
    /// The member `key` of the object at `path` was added (`old: None`) or
    /// removed from position `old.0`.
    Member {
        path: Vec<Seg<'p>>,
        key: Cow<'p, str>,
        old: Option<(usize, Value)>,
    },
    /// The value at `path` was replaced.
    Replaced { path: Vec<Seg<'p>>, old: Value },
    /// Element `index` of the array at `path` was removed.
    Removed {
        path: Vec<Seg<'p>>,
        index: usize,
        value: Value,
    },
    /// An element was appended to the array at `path`.
    Pushed { path: Vec<Seg<'p>> },
    /// The array at `path` was reordered: new element `i` was `order[i]`.
    Reordered {
        path: Vec<Seg<'p>>,
        order: Vec<usize>,
    },
}

impl Undo<'_> {
    fn discard(self) {
        match self {
            Undo::Member { old, .. } => {
                if let Some((_, value)) = old {
                    dismantle(value);
                }
            }
            Undo::Replaced { old, .. } => dismantle(old),
            Undo::Removed { value, .. } => dismantle(value),
            Undo::Pushed { .. } | Undo::Reordered { .. } => {}
        }
    }

    fn revert(self, doc: &mut Value) {
        // The path was valid right after this change, and every later change
        // has been reverted, so it is valid again.
        match self {
            Undo::Member { path, key, old } => {
                if let Some(Value::Object(members)) = locate(doc, &path) {
                    match old {
                        None => {
                            if let Some(added) = crate::order::remove_member(members, &key) {
                                dismantle(added);
                            }
                        }
                        Some((position, value)) => {
                            insert_member_at(members, position, key.into_owned(), value);
                        }
                    }
                }
            }
            Undo::Replaced { path, old } => {
                if let Some(slot) = locate(doc, &path) {
                    dismantle(std::mem::replace(slot, old));
                }
            }
            Undo::Removed { path, index, value } => {
                if let Some(Value::Array(items)) = locate(doc, &path) {
                    items.insert(index.min(items.len()), value);
                }
            }
            Undo::Pushed { path } => {
                if let Some(Value::Array(items)) = locate(doc, &path) {
                    if let Some(added) = items.pop() {
                        dismantle(added);
                    }
                }
            }
            Undo::Reordered { path, order } => {
                if let Some(Value::Array(items)) = locate(doc, &path) {
                    let mut current = std::mem::take(items);
                    let mut old = Vec::with_capacity(current.len());
                    old.resize_with(current.len(), || Value::Null);
                    for (new, &was) in order.iter().enumerate() {
                        old[was] = std::mem::take(&mut current[new]);
                    }
                    *items = old;
                }
            }
        }
    }
}

fn locate<'v>(doc: &'v mut Value, path: &[Seg<'_>]) -> Option<&'v mut Value> {
    path.iter()
        .try_fold(doc, |value, step| match (value, step) {
            (Value::Object(members), Seg::Key(key)) => members.get_mut(*key),
            (Value::Array(items), Seg::Index(i)) => items.get_mut(*i),
            _ => None,
        })
}

struct Engine<'p> {
    path: Vec<Seg<'p>>,
    journal: Vec<Undo<'p>>,
}

impl<'p> Engine<'p> {
    /// The current path, for the undo log: member names are borrowed from
    /// the patch, so this is one allocation.
    fn steps(&self) -> Vec<Seg<'p>> {
        self.path.clone()
    }

    fn error(&self, kind: ErrorKind, detail: impl Into<String>) -> Error {
        let tokens = self.path.iter().map(|seg| match seg {
            Seg::Key(k) => (*k).to_owned(),
            Seg::Index(i) => i.to_string(),
        });
        Error::new(kind, detail).with_pointer(PointerBuf::from_tokens(tokens).to_string())
    }

    /// Replaces the value at the current path, recording the old one.
    fn replace_here(&mut self, slot: &mut Value, new: Value) {
        let old = std::mem::replace(slot, new);
        self.journal.push(Undo::Replaced {
            path: self.steps(),
            old,
        });
    }

    /// Sets member `key` of the object at the current path.
    fn set_member(&mut self, members: &mut Map<String, Value>, key: &'p str, value: Value) {
        match members.get_mut(key) {
            Some(slot) => {
                self.path.push(Seg::Key(key));
                self.replace_here(slot, value);
                self.path.pop();
            }
            None => {
                members.insert(key.to_owned(), value);
                self.journal.push(Undo::Member {
                    path: self.steps(),
                    key: Cow::Borrowed(key),
                    old: None,
                });
            }
        }
    }

    fn remove_member(&mut self, members: &mut Map<String, Value>, key: Cow<'p, str>) {
        if let Some(old) = remove_member_at(members, &key) {
            self.journal.push(Undo::Member {
                path: self.steps(),
                key,
                old: Some(old),
            });
        }
    }

    /// `mergeMap`: merges `patch` into `target`, the object at the current
    /// path.
    fn merge_map(
        &mut self,
        target: &mut Map<String, Value>,
        patch: &'p Map<String, Value>,
        schema: SchemaRef<'_>,
    ) -> Result<(), Error> {
        if let Some(directive) = patch.get(PATCH) {
            let replacement = match directive.as_str() {
                // Only `$patch` goes: other directives and nulls in the
                // replacement stay as data.
                Some(REPLACE) => patch
                    .iter()
                    .filter(|(k, _)| *k != PATCH)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                // Kubernetes leaves an empty map, not an absent member.
                Some(DELETE) => Map::new(),
                _ => {
                    return Err(self.error(
                        ErrorKind::InvalidDirective,
                        format!("unknown patch type {directive} in a map"),
                    ))
                }
            };
            let old = std::mem::replace(target, replacement);
            self.journal.push(Undo::Replaced {
                path: self.steps(),
                old: Value::Object(old),
            });
            return Ok(());
        }
        self.retain_keys(target, patch)?;
        let mut ordered: Vec<&'p str> = Vec::new();
        for (key, order) in patch {
            if key.starts_with(SET_ELEMENT_ORDER) {
                if let Some(field) = self.set_element_order(target, patch, key, order, schema)? {
                    ordered.push(field);
                }
            }
        }
        // Kubernetes walks the patch in Go's random map order; the only
        // order that shows is between `$deleteFromPrimitiveList/f` and `f`,
        // and patchlaw deletes after merging.
        for deletions in [false, true] {
            for (key, value) in patch {
                let is_deletion = key.starts_with(DELETE_FROM_PRIMITIVE_LIST);
                if is_deletion != deletions
                    || key == RETAIN_KEYS
                    || key.starts_with(SET_ELEMENT_ORDER)
                    || ordered.contains(&key.as_str())
                {
                    continue;
                }
                let name = if is_deletion {
                    directive::field_of(key, DELETE_FROM_PRIMITIVE_LIST)
                        .map_err(|e| self.relocate(e))?
                } else {
                    key.as_str()
                };
                self.merge_member(target, name, value, schema, is_deletion)?;
            }
        }
        Ok(())
    }

    fn relocate(&self, err: Error) -> Error {
        self.error(err.kind(), err.detail())
    }

    /// `applyRetainKeysDirective`.
    fn retain_keys(
        &mut self,
        target: &mut Map<String, Value>,
        patch: &'p Map<String, Value>,
    ) -> Result<(), Error> {
        let Some(retain) = patch.get(RETAIN_KEYS) else {
            return Ok(());
        };
        let Value::Array(retain) = retain else {
            return Err(self.error(
                ErrorKind::InvalidDirective,
                format!("{RETAIN_KEYS} must be a list, not {retain}"),
            ));
        };
        if retain.iter().any(|k| k.is_object() || k.is_array()) {
            return Err(self.error(
                ErrorKind::InvalidDirective,
                format!("{RETAIN_KEYS} may hold only member names"),
            ));
        }
        let kept = |name: &str| retain.iter().any(|k| k.as_str() == Some(name));
        for (key, value) in patch {
            let exempt = value.is_null()
                || key == RETAIN_KEYS
                || key.starts_with(DELETE_FROM_PRIMITIVE_LIST)
                || key.starts_with(SET_ELEMENT_ORDER);
            if !exempt && !kept(key) {
                return Err(self.error(
                    ErrorKind::InvalidDirective,
                    format!("the patch sets {key:?}, which {RETAIN_KEYS} does not list"),
                ));
            }
        }
        let doomed: Vec<String> = target.keys().filter(|k| !kept(k)).cloned().collect();
        for key in doomed {
            self.remove_member(target, Cow::Owned(key));
        }
        Ok(())
    }

    /// The body of `mergeMap`'s loop for one patch member.
    fn merge_member(
        &mut self,
        target: &mut Map<String, Value>,
        name: &'p str,
        value: &'p Value,
        schema: SchemaRef<'_>,
        deletion: bool,
    ) -> Result<(), Error> {
        if value.is_null() {
            // Also for `$deleteFromPrimitiveList/f: null`, which deletes `f`.
            self.remove_member(target, Cow::Borrowed(name));
            return Ok(());
        }
        let same_type = target
            .get(name)
            .is_some_and(|current| GoType::of(current) == GoType::of(value));
        if !same_type {
            if !deletion {
                // New to the target: nulls are dropped, and so is every
                // object carrying `$patch`, this one included.
                match added_value(value) {
                    Some(clean) => self.set_member(target, name, clean),
                    None => self.remove_member(target, Cow::Borrowed(name)),
                }
            }
            return Ok(());
        }
        let Some(slot) = target.get_mut(name) else {
            return Ok(());
        };
        self.path.push(Seg::Key(name));
        // Kubernetes looks the field up only to descend into two objects or
        // two lists, equal or not; a typed schema may refuse it there.
        let result = match (&mut *slot, value) {
            (Value::Object(current), Value::Object(patch)) => match schema.lookup_struct(name) {
                Err(err) => Err(self.relocate(err)),
                Ok(field) if field.strategy() == Strategy::Replace => {
                    self.replace_here(slot, value.clone());
                    Ok(())
                }
                Ok(field) => self.merge_map(current, patch, field.schema),
            },
            (Value::Array(current), Value::Array(patch)) => match schema.lookup_slice(name) {
                Err(err) => Err(self.relocate(err)),
                Ok(field) if field.strategy() == Strategy::Merge || deletion => {
                    self.merge_list(current, patch, field, deletion, None)
                }
                Ok(_) => {
                    self.replace_here(slot, value.clone());
                    Ok(())
                }
            },
            _ => {
                self.replace_here(slot, value.clone());
                Ok(())
            }
        };
        self.path.pop();
        result
    }

    /// `sliceElementType`: the one Go type of every element of both lists.
    fn element_type(&self, current: &[Value], patch: &[Value]) -> Result<GoType, Error> {
        go::element_type(current, patch).map_err(|why| self.error(ErrorKind::InvalidPatch, why))
    }

    /// The Go key of a list item: its merge key's value for a list of
    /// objects, the item itself for primitives.
    fn item_key(&self, item: &Value, merge_key: Option<&str>) -> Result<Key, Error> {
        let keyed = match merge_key {
            None => item,
            Some(mk) => {
                let Value::Object(members) = item else {
                    return Err(self.error(
                        ErrorKind::InvalidPatch,
                        format!("a list merged by {mk:?} holds a non-object"),
                    ));
                };
                members.get(mk).ok_or_else(|| {
                    self.error(
                        ErrorKind::MissingMergeKey,
                        format!("an element does not contain its merge key {mk:?}"),
                    )
                })?
            }
        };
        // Go panics comparing two maps or two slices.
        Key::of(keyed).ok_or_else(|| {
            self.error(
                ErrorKind::InvalidPatch,
                "list elements are compared by a value that is an object or an array",
            )
        })
    }

    /// `mergeSlice`: merges `patch` into `current`, the list at the current
    /// path. `deletion` is set for `$deleteFromPrimitiveList`.
    fn merge_list(
        &mut self,
        current: &mut Vec<Value>,
        patch: &'p [Value],
        field: FieldRef<'_>,
        deletion: bool,
        view: Option<&mut View>,
    ) -> Result<(), Error> {
        if current.is_empty() && patch.is_empty() {
            return Ok(());
        }
        if self.element_type(current, patch)? != GoType::Map {
            return self.merge_primitives(current, patch, deletion, view);
        }
        let Some(merge_key) = field.merge_key().filter(|k| !k.is_empty()) else {
            return Err(self.error(
                ErrorKind::InvalidPatch,
                "cannot merge a list of objects without a merge key",
            ));
        };
        self.merge_objects(current, patch, merge_key, field.schema, view)
    }

    fn merge_primitives(
        &mut self,
        current: &mut Vec<Value>,
        patch: &'p [Value],
        deletion: bool,
        view: Option<&mut View>,
    ) -> Result<(), Error> {
        let keys = current
            .iter()
            .chain(patch)
            .map(|v| self.item_key(v, None))
            .collect::<Result<Vec<Key>, Error>>()?;
        let n = current.len();
        let patch_keys = Positions::new(&keys[n..]);
        if deletion {
            // `deleteFromSlice`: a new list, in live order.
            if keys[..n].iter().any(|k| patch_keys.contains(k)) {
                let kept: Vec<Value> = current
                    .iter()
                    .zip(&keys)
                    .filter(|(_, k)| !patch_keys.contains(k))
                    .map(|(v, _)| v.clone())
                    .collect();
                self.replace_list(current, kept);
            }
            return Ok(());
        }
        // `both := append(original, patch...)` writes into the live list's
        // array when it has room (always for an empty patch); the in-place
        // deduplication then rearranges what Kubernetes later reads as the
        // live order.
        let aliased = patch.is_empty() || n + patch.len() <= decoded_capacity(n);
        let mut items: Vec<usize> = (0..keys.len()).collect();
        let len = go::deduplicate(&mut items, &keys);
        let server_order: Vec<Key> = if aliased {
            items[..n].iter().map(|&i| keys[i].clone()).collect()
        } else {
            keys[..n].to_vec()
        };
        let (patch_items, server_only): (Vec<usize>, Vec<usize>) = items[..len]
            .iter()
            .partition(|&&i| patch_keys.contains(&keys[i]));
        let order = list_order::normalize_element_order(
            patch_items,
            server_only,
            &keys,
            None,
            &keys[n..],
            &server_order,
        );
        if aliased {
            if let Some(view) = view {
                view.rearranged(server_order);
            }
        }
        let merged: Vec<Value> = order
            .iter()
            .map(|&i| match i.checked_sub(n) {
                None => current[i].clone(),
                Some(p) => patch[p].clone(),
            })
            .collect();
        if merged != *current {
            self.replace_list(current, merged);
        }
        Ok(())
    }

    fn replace_list(&mut self, current: &mut Vec<Value>, new: Vec<Value>) {
        let old = std::mem::replace(current, new);
        self.journal.push(Undo::Replaced {
            path: self.steps(),
            old: Value::Array(old),
        });
    }

    fn merge_objects(
        &mut self,
        current: &mut Vec<Value>,
        patch: &'p [Value],
        merge_key: &str,
        schema: SchemaRef<'_>,
        mut view: Option<&mut View>,
    ) -> Result<(), Error> {
        // `mergeSliceWithSpecialElements`: deletions and `replace`, in
        // patch order.
        let mut replace = false;
        let mut rest: Vec<&'p Map<String, Value>> = Vec::with_capacity(patch.len());
        for element in patch {
            let Value::Object(members) = element else {
                return Err(self.error(
                    ErrorKind::InvalidPatch,
                    "a patch list of objects holds a non-object",
                ));
            };
            let Some(directive) = members.get(PATCH) else {
                rest.push(members);
                continue;
            };
            match directive.as_str() {
                Some(DELETE) => {
                    let Some(key) = members.get(merge_key) else {
                        return Err(self.error(
                            ErrorKind::MissingMergeKey,
                            format!("a {PATCH}: {DELETE} element does not contain its merge key {merge_key:?}"),
                        ));
                    };
                    // Every matching element goes, duplicates included.
                    while let Some(index) = find_by_key(current, merge_key, key) {
                        let value = current.remove(index);
                        self.journal.push(Undo::Removed {
                            path: self.steps(),
                            index,
                            value,
                        });
                        if let Some(view) = view.as_deref_mut() {
                            view.remove(index);
                        }
                    }
                }
                Some(REPLACE) => replace = true,
                Some(MERGE) => {
                    return Err(self.error(
                        ErrorKind::InvalidDirective,
                        format!("{PATCH}: {MERGE} is not supported in lists"),
                    ))
                }
                _ => {
                    return Err(self.error(
                        ErrorKind::InvalidDirective,
                        format!("unknown patch type {directive} in a list"),
                    ))
                }
            }
        }
        if replace {
            // The list becomes the patch's other elements, as written.
            let new = rest.iter().map(|m| Value::Object((*m).clone())).collect();
            self.replace_list(current, new);
            if let Some(view) = view.as_deref_mut() {
                view.detach();
            }
            rest.clear();
        }
        // `mergeSliceWithoutSpecialElements`: the first element with the
        // same key takes the patch element; otherwise it is appended as
        // written, directives and nulls included.
        let server_len = current.len();
        let mut patch_keys = Vec::with_capacity(rest.len());
        for &members in &rest {
            let Some(key) = members.get(merge_key) else {
                return Err(self.error(
                    ErrorKind::MissingMergeKey,
                    format!("an element does not contain its merge key {merge_key:?}"),
                ));
            };
            let patch_key = Key::of(key).ok_or_else(|| {
                self.error(
                    ErrorKind::InvalidPatch,
                    format!("the merge key {merge_key:?} is an object or an array"),
                )
            })?;
            match find_by_key(current, merge_key, key) {
                Some(index) => {
                    self.path.push(Seg::Index(index));
                    let result = match &mut current[index] {
                        Value::Object(target) => self.merge_map(target, members, schema),
                        _ => Ok(()),
                    };
                    self.path.pop();
                    result?;
                }
                None => {
                    current.push(Value::Object(members.clone()));
                    self.journal.push(Undo::Pushed { path: self.steps() });
                    if let Some(view) = view.as_deref_mut() {
                        view.push(patch_key.clone());
                    }
                }
            }
            patch_keys.push(patch_key);
        }
        // Enforce the order: patch elements in patch order first, then the
        // others in live order.
        let keys = current
            .iter()
            .map(|v| self.item_key(v, Some(merge_key)))
            .collect::<Result<Vec<Key>, Error>>()?;
        let marks: Vec<bool> = current.iter().map(directive::is_delete_marker).collect();
        let in_patch = Positions::new(&patch_keys);
        let (patch_items, server_only): (Vec<usize>, Vec<usize>) =
            (0..current.len()).partition(|&i| in_patch.contains(&keys[i]));
        let order = list_order::normalize_element_order(
            patch_items,
            server_only,
            &keys,
            Some(&marks),
            &patch_keys,
            &keys[..server_len],
        );
        self.reorder(current, order);
        Ok(())
    }

    fn reorder(&mut self, current: &mut Vec<Value>, order: Vec<usize>) {
        if order.iter().enumerate().all(|(i, &j)| i == j) {
            return;
        }
        let mut old = std::mem::take(current);
        *current = order.iter().map(|&i| std::mem::take(&mut old[i])).collect();
        self.journal.push(Undo::Reordered {
            path: self.steps(),
            order,
        });
    }

    /// `mergePatchIntoOriginal` for one `$setElementOrder/<field>`: merges
    /// the patch's list (if any) into the live one, then orders the result.
    /// Returns the field, which the rest of the merge then skips.
    fn set_element_order(
        &mut self,
        target: &mut Map<String, Value>,
        patch: &'p Map<String, Value>,
        key: &'p str,
        order: &'p Value,
        schema: SchemaRef<'_>,
    ) -> Result<Option<&'p str>, Error> {
        let Value::Array(order) = order else {
            return Err(self.error(ErrorKind::InvalidDirective, format!("{key} must be a list")));
        };
        let name = directive::field_of(key, SET_ELEMENT_ORDER).map_err(|e| self.relocate(e))?;
        let current_is_list = match target.get(name) {
            None => None,
            Some(Value::Array(_)) => Some(()),
            Some(_) => {
                return Err(self.error(
                    ErrorKind::InvalidDirective,
                    format!("{key} orders {name:?}, which is not a list"),
                ))
            }
        };
        let patch_list = match patch.get(name) {
            None => None,
            Some(Value::Array(list)) => Some(list.as_slice()),
            Some(_) => {
                return Err(self.error(
                    ErrorKind::InvalidDirective,
                    format!("{key} orders {name:?}, which the patch does not give as a list"),
                ))
            }
        };
        // Looked up whether or not the document or the patch has the list.
        self.path.push(Seg::Key(name));
        let field = schema.lookup_slice(name).map_err(|err| self.relocate(err));
        self.path.pop();
        let field = field?;
        let merge_key = field.merge_key().filter(|k| !k.is_empty());
        self.validate_order(patch_list.unwrap_or(&[]), order, merge_key)?;
        if current_is_list.is_none() && patch_list.is_none() {
            return Ok(None);
        }
        let initial: &[Value] = match target.get(name) {
            Some(Value::Array(list)) => list,
            _ => &[],
        };
        let kind = self.element_type(initial, patch_list.unwrap_or(&[]))?;
        let view_keys = initial
            .iter()
            .map(|v| view_key(v, merge_key))
            .collect::<Vec<Key>>();
        let mut view = View::new(view_keys);
        match (target.get_mut(name), patch_list) {
            (Some(Value::Array(current)), Some(list)) => {
                self.path.push(Seg::Key(name));
                let result = if field.strategy() == Strategy::Merge {
                    self.merge_list(current, list, field, false, Some(&mut view))
                } else {
                    let new = list.to_vec();
                    self.replace_list(current, new);
                    Ok(())
                };
                self.path.pop();
                result?;
            }
            (None, Some(list)) => {
                // A list new to the target loses every object carrying
                // `$patch`, but keeps its nulls.
                let added = list.iter().filter_map(without_patch_directives).collect();
                self.set_member(target, name, Value::Array(added));
            }
            _ => {}
        }
        let Some(Value::Array(current)) = target.get_mut(name) else {
            return Ok(Some(name));
        };
        self.path.push(Seg::Key(name));
        let result = self.order_by(current, order, merge_key, kind, view.keys());
        self.path.pop();
        result.map(|()| Some(name))
    }

    /// Orders the merged list by `$setElementOrder`, then by the live list.
    fn order_by(
        &mut self,
        current: &mut Vec<Value>,
        order: &'p [Value],
        merge_key: Option<&str>,
        kind: GoType,
        server_order: &[Key],
    ) -> Result<(), Error> {
        let keys = current
            .iter()
            .map(|v| self.item_key(v, merge_key))
            .collect::<Result<Vec<Key>, Error>>()?;
        let is_map = kind == GoType::Map && merge_key.is_some();
        let order_keys: Vec<Key> = if is_map {
            order
                .iter()
                .map(|v| self.item_key(v, merge_key))
                .collect::<Result<_, _>>()?
        } else {
            order
                .iter()
                .map(|v| self.item_key(v, None))
                .collect::<Result<_, _>>()?
        };
        let in_order = Positions::new(&order_keys);
        let (patch_items, server_only): (Vec<usize>, Vec<usize>) =
            (0..current.len()).partition(|&i| in_order.contains(&keys[i]));
        let marks: Vec<bool> = current.iter().map(directive::is_delete_marker).collect();
        let sorted = list_order::normalize_element_order(
            patch_items,
            server_only,
            &keys,
            is_map.then_some(marks.as_slice()),
            &order_keys,
            server_order,
        );
        self.reorder(current, sorted);
        Ok(())
    }

    /// `validatePatchWithSetOrderList`: the patch list's elements (other
    /// than deletions) appear in `$setElementOrder` in the same relative
    /// order.
    fn validate_order(
        &self,
        patch_list: &[Value],
        order: &[Value],
        merge_key: Option<&str>,
    ) -> Result<(), Error> {
        if order.is_empty() || patch_list.is_empty() {
            return Ok(());
        }
        let listed: Vec<&Value> = match merge_key {
            Some(_) => {
                if patch_list.iter().any(|v| !v.is_object()) {
                    return Err(self.error(
                        ErrorKind::InvalidPatch,
                        "a patch list with a merge key holds a non-object",
                    ));
                }
                patch_list
                    .iter()
                    .filter(|v| !directive::is_delete_marker(v))
                    .collect()
            }
            None => patch_list.iter().collect(),
        };
        let (mut p, mut o) = (0, 0);
        while p < listed.len() && o < order.len() {
            // A directive element (`{"$patch": "replace"}`) is passed over,
            // but only while the order list lasts.
            if directive::has_patch_directive(listed[p]) {
                p += 1;
                continue;
            }
            if self.item_key(listed[p], merge_key)? == self.item_key(&order[o], merge_key)? {
                p += 1;
            }
            o += 1;
        }
        if p < listed.len() {
            return Err(self.error(
                ErrorKind::InvalidDirective,
                format!("the order of the patch list does not match {SET_ELEMENT_ORDER}"),
            ));
        }
        Ok(())
    }
}

/// `findMapInSliceBasedOnKeyValue`: the first object whose merge key is
/// Go-equal to `key`.
fn find_by_key(list: &[Value], merge_key: &str, key: &Value) -> Option<usize> {
    list.iter().position(|v| {
        v.as_object()
            .and_then(|m| m.get(merge_key))
            .is_some_and(|k| go_equal(k, key))
    })
}

/// How Kubernetes' `index` identifies an item of the live list it sorts
/// by: a missing merge key reads as `nil`; an uncomparable one (which makes
/// Go panic) matches nothing real.
fn view_key(item: &Value, merge_key: Option<&str>) -> Key {
    let keyed = match merge_key {
        Some(mk) => item.get(mk),
        None => Some(item),
    };
    keyed
        .and_then(Key::of)
        .unwrap_or(Key::String("\u{0}uncomparable".into()))
}

/// A value new to the target (`discardNullValuesFromPatch`, then the
/// removal of directive maps): `null` members are dropped, objects carrying
/// `$patch` vanish (`None` for the value itself), arrays keep their nulls.
fn added_value(value: &Value) -> Option<Value> {
    match value {
        Value::Object(members) => {
            let live = |(_, v): &(&String, &Value)| !v.is_null();
            if members.iter().filter(live).any(|(k, _)| k == PATCH) {
                return None;
            }
            Some(Value::Object(
                members
                    .iter()
                    .filter(live)
                    .filter_map(|(k, v)| added_value(v).map(|v| (k.clone(), v)))
                    .collect(),
            ))
        }
        Value::Array(items) => Some(Value::Array(items.iter().filter_map(added_value).collect())),
        other => Some(other.clone()),
    }
}

/// A list new to the target under `$setElementOrder` (`removeDirectives`):
/// objects carrying `$patch` vanish, nulls stay.
fn without_patch_directives(value: &Value) -> Option<Value> {
    match value {
        Value::Object(members) => {
            if directive::has_patch_directive(value) {
                return None;
            }
            Some(Value::Object(
                members
                    .iter()
                    .filter_map(|(k, v)| without_patch_directives(v).map(|v| (k.clone(), v)))
                    .collect(),
            ))
        }
        Value::Array(items) => Some(Value::Array(
            items.iter().filter_map(without_patch_directives).collect(),
        )),
        other => Some(other.clone()),
    }
}
