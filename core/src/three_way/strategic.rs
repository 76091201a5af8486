//! The strategic three-way patch: `CreateThreeWayMergePatch` of
//! apimachinery's `strategicpatch` (Kubernetes v1.32), with its conflicts
//! reported as data.
//!
//! Kubernetes computes two diffs towards the modified object — from the
//! current object keeping only additions and changes, from the original
//! keeping only deletions — and merges the second into the first as one
//! patch merges into another (`mergeMap` with `MergeOptions{}`: directives
//! are kept, not carried out). Without `overwrite` it also diffs the
//! original against the current object and fails where that change and
//! the patch disagree (`MergingMapsHaveConflicts`); that check sorts and
//! deduplicates in place the patch's lists of scalars that are replaced
//! whole, where the change holds the same list, and kubectl sends the
//! patch so changed. spec/50-three-way.md states each step (D5.2–D5.5).

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Options, Outcome, Step};
use crate::error::{Error, ErrorKind};
use crate::order::remove_member;
use crate::pointer::PointerBuf;
use crate::strategic::diff::{diff_maps, Parts};
use crate::strategic::directive::{
    DELETE, DELETE_FROM_PRIMITIVE_LIST, MERGE, PATCH, REPLACE, RETAIN_KEYS, SET_ELEMENT_ORDER,
};
use crate::strategic::go::{
    deduplicate, element_type, go_equal, go_sort, go_text, key_text, GoType, Key,
};
use crate::strategic::list_order::normalize_element_order;
use crate::strategic::schema::{FieldRef, Schema, SchemaRef, Strategy};
use crate::walk::equal_within;

/// The diff that keeps additions and changes (Kubernetes' `IgnoreDeletions`).
const ADDITIONS: Parts = Parts {
    changes: true,
    deletions: false,
    element_order: true,
};

/// The diff that keeps deletions (Kubernetes' `IgnoreChangesAndAdditions`).
const DELETIONS: Parts = Parts {
    changes: false,
    deletions: true,
    element_order: true,
};

/// The change from the original to the current object, as the conflict
/// check sees it (`DiffOptions{}`: no order directives).
const CHANGES: Parts = Parts {
    changes: true,
    deletions: true,
    element_order: false,
};

/// The strategic three-way merge of `[original, modified, current]`.
pub(crate) fn three_way(
    docs: [&Value; 3],
    schema: &Schema,
    options: Options,
) -> Result<Outcome, Error> {
    let empty = Map::new();
    let [o, m, c] = super::documents(docs, &empty)?;
    let limits = options.get_limits();
    let root = schema.root();
    let delta = diff_maps(c, m, root, ADDITIONS, limits)?;
    let deletions = diff_maps(o, m, root, DELETIONS, limits)?;
    let patch = Merger { path: Vec::new() }.maps(deletions, delta, root)?;
    let mut finder = Finder {
        path: Vec::new(),
        at: Vec::new(),
        found: Vec::new(),
        failure: None,
        sorted: Vec::new(),
        max_depth: limits.get_max_depth(),
        limits,
    };
    // Without `overwrite`, Kubernetes diffs the original against the
    // current object whole, and fails where that diff fails.
    if !options.get_overwrite() {
        diff_maps(o, c, root, CHANGES, limits)?;
    }
    let checked = finder
        .maps(&patch, RightMap::Diff(o, c), root)
        .and(finder.failure.take().map_or(Ok(()), Err));
    let conflicts = super::conflicts_at(std::mem::take(&mut finder.found), docs);
    if !options.get_overwrite() {
        if !conflicts.is_empty() {
            return Err(super::conflict_error(conflicts));
        }
        checked?;
    }
    let mut patch = Value::Object(patch);
    if !options.get_overwrite() {
        // The check sorted the patch's own lists in place, and Kubernetes
        // sends them so.
        for at in &finder.sorted {
            if let Some(Value::Array(list)) = patch.pointer_mut(at) {
                let (order, _) = sorted_in_place(list);
                *list = order.into_iter().map(|i| list[i].clone()).collect();
            }
        }
    }
    Ok(Outcome { patch, conflicts })
}

/// `mergeMap` and `mergeSlice` with `MergeOptions{}`: one patch merged into
/// another. Directives of the first stay as they are; those of the second
/// replace them (`$setElementOrder`, `$deleteFromPrimitiveList`) or must
/// agree with them (`$retainKeys`).
struct Merger {
    /// For errors: the place in the patch.
    path: Vec<String>,
}

impl Merger {
    fn error(&self, kind: ErrorKind, detail: impl Into<String>) -> Error {
        Error::new(kind, detail).with_pointer(PointerBuf::from_tokens(self.path.iter()).to_string())
    }

    fn maps(
        &mut self,
        mut original: Map<String, Value>,
        mut patch: Map<String, Value>,
        schema: SchemaRef<'_>,
    ) -> Result<Map<String, Value>, Error> {
        if let Some(directive) = patch.get(PATCH) {
            // `handleDirectiveInMergeMap`.
            return match directive.as_str() {
                Some(REPLACE) => {
                    remove_member(&mut patch, PATCH);
                    Ok(patch)
                }
                Some(DELETE) => Ok(Map::new()),
                _ => Err(self.error(
                    ErrorKind::InvalidDirective,
                    format!("unknown patch type {directive} in a map"),
                )),
            };
        }
        // `applyRetainKeysDirective`: both patches list the modified
        // object's keys, so two lists must be the same.
        if let Some(retain) = remove_member(&mut patch, RETAIN_KEYS) {
            match original.get(RETAIN_KEYS) {
                Some(existing) if equal_within(existing, &retain, usize::MAX) != Ok(true) => {
                    return Err(self.error(
                        ErrorKind::InvalidDirective,
                        format!("{existing} and {retain} are not deep equal: this may happen when calculating the 3-way diff patch"),
                    ));
                }
                Some(_) => {}
                None => {
                    original.insert(RETAIN_KEYS.to_owned(), retain);
                }
            }
        }
        for (key, value) in patch {
            if key.starts_with(SET_ELEMENT_ORDER) || key.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
                original.insert(key, value);
                continue;
            }
            if value.is_null() {
                // Deleted, then set to the `null` that the patch sends on.
                remove_member(&mut original, &key);
                original.insert(key, value);
                continue;
            }
            // Both patches order a list they both have by the modified
            // object's order, which each gives as `$setElementOrder`.
            let order = match &value {
                Value::Array(_) => original.get(&format!("{SET_ELEMENT_ORDER}/{key}")).cloned(),
                _ => None,
            };
            let Some(slot) = original.get_mut(&key) else {
                original.insert(key, value);
                continue;
            };
            if GoType::of(slot) != GoType::of(&value) {
                *slot = value;
                continue;
            }
            let lookup = match (&*slot, &value) {
                (Value::Object(_), Value::Object(_)) => schema.lookup_struct(&key),
                (Value::Array(_), Value::Array(_)) => schema.lookup_slice(&key),
                _ => Ok(schema.field(&key)),
            };
            let field = match lookup {
                Ok(field) => field,
                Err(err) => {
                    self.path.push(key.clone());
                    let err = self.error(err.kind(), err.detail());
                    self.path.pop();
                    return Err(err);
                }
            };
            match (std::mem::take(slot), value) {
                (Value::Object(old), Value::Object(new)) => {
                    *slot = if field.strategy() == Strategy::Replace {
                        Value::Object(new)
                    } else {
                        self.path.push(key.clone());
                        let merged = self.maps(old, new, field.schema);
                        self.path.pop();
                        Value::Object(merged?)
                    };
                }
                (Value::Array(old), Value::Array(new)) => {
                    *slot = if field.strategy() == Strategy::Merge {
                        self.path.push(key.clone());
                        let merged = self.lists(old, new, field, order.as_ref());
                        self.path.pop();
                        Value::Array(merged?)
                    } else {
                        Value::Array(new)
                    };
                }
                (_, new) => *slot = new,
            }
        }
        Ok(original)
    }

    /// `mergeSlice` for a merge list.
    fn lists(
        &mut self,
        original: Vec<Value>,
        patch: Vec<Value>,
        field: FieldRef<'_>,
        order: Option<&Value>,
    ) -> Result<Vec<Value>, Error> {
        if original.is_empty() && patch.is_empty() {
            return Ok(original);
        }
        let kind = element_type(&original, &patch)
            .map_err(|why| self.error(ErrorKind::InvalidPatch, why))?;
        if kind != GoType::Map {
            return self.primitives(original, patch);
        }
        let Some(merge_key) = field.merge_key().filter(|k| !k.is_empty()) else {
            return Err(self.error(
                ErrorKind::InvalidPatch,
                "cannot merge a list of objects without a merge key",
            ));
        };
        // `mergeSliceWithSpecialElements`.
        let mut server = original;
        let mut rest = Vec::with_capacity(patch.len());
        let mut replace = false;
        for element in patch {
            let directive = element.get(PATCH).map(|d| d.as_str().map(str::to_owned));
            match directive {
                None => rest.push(element),
                Some(Some(d)) if d == DELETE => {
                    let key = element.get(merge_key).ok_or_else(|| {
                        self.error(
                            ErrorKind::MissingMergeKey,
                            format!("a {PATCH}: {DELETE} element does not contain its merge key {merge_key:?}"),
                        )
                    })?;
                    server.retain(|item| !item.get(merge_key).is_some_and(|k| go_equal(k, key)));
                }
                Some(Some(d)) if d == REPLACE => replace = true,
                Some(Some(d)) if d == MERGE => {
                    return Err(self.error(
                        ErrorKind::InvalidDirective,
                        format!("{PATCH}: {MERGE} is not supported in lists"),
                    ))
                }
                Some(_) => {
                    return Err(
                        self.error(ErrorKind::InvalidDirective, "unknown patch type in a list")
                    )
                }
            }
        }
        if replace {
            return Ok(rest);
        }
        // `mergeSliceWithoutSpecialElements`: the first element with a
        // Go-equal key takes the patch element, else it is appended.
        let key_of = |merger: &Merger, item: &Value| -> Result<Key, Error> {
            let Some(value) = item.as_object().and_then(|m| m.get(merge_key)) else {
                return Err(merger.error(
                    ErrorKind::MissingMergeKey,
                    format!("an element does not contain its merge key {merge_key:?}"),
                ));
            };
            Key::of(value).ok_or_else(|| {
                merger.error(
                    ErrorKind::InvalidPatch,
                    format!("the merge key {merge_key:?} is an object or an array"),
                )
            })
        };
        let server_order = server
            .iter()
            .map(|item| key_of(self, item))
            .collect::<Result<Vec<Key>, Error>>()?;
        let patch_order = rest
            .iter()
            .map(|item| key_of(self, item))
            .collect::<Result<Vec<Key>, Error>>()?;
        let mut merged = server;
        let mut keys = server_order.clone();
        for (element, key) in rest.into_iter().zip(&patch_order) {
            match keys.iter().position(|k| k == key) {
                Some(at) => {
                    let (Value::Object(old), Value::Object(new)) =
                        (std::mem::take(&mut merged[at]), element)
                    else {
                        return Err(self.error(
                            ErrorKind::InvalidPatch,
                            "a merge list of objects holds a non-object",
                        ));
                    };
                    self.path.push(at.to_string());
                    let inner = self.maps(old, new, field.schema);
                    self.path.pop();
                    merged[at] = Value::Object(inner?);
                }
                None => {
                    merged.push(element);
                    keys.push(key.clone());
                }
            }
        }
        let marks: Vec<bool> = merged
            .iter()
            .map(|item| item.get(PATCH).and_then(Value::as_str) == Some(DELETE))
            .collect();
        let order = match order.and_then(Value::as_array) {
            // As kubectl v1.32 orders them (established by recording its
            // patches): every element by its place in the modified list,
            // the `$patch: delete` elements after them, in their order.
            Some(order) => {
                let positions: Vec<Option<Key>> = order
                    .iter()
                    .map(|item| item.get(merge_key).and_then(Key::of))
                    .collect();
                let place = |i: usize| {
                    positions
                        .iter()
                        .position(|k| k.as_ref() == Some(&keys[i]))
                        .unwrap_or(usize::MAX)
                };
                let mut items: Vec<(bool, usize, usize)> =
                    (0..merged.len()).map(|i| (marks[i], place(i), i)).collect();
                items.sort_by_key(|&(deleted, at, i)| (deleted, if deleted { i } else { at }));
                items.into_iter().map(|(_, _, i)| i).collect()
            }
            // `normalizeElementOrder`, with the elements the second patch
            // names as the patch items.
            None => {
                let (patch_items, server_only): (Vec<usize>, Vec<usize>) =
                    (0..merged.len()).partition(|&i| patch_order.contains(&keys[i]));
                normalize_element_order(
                    patch_items,
                    server_only,
                    &keys,
                    Some(&marks),
                    &patch_order,
                    &server_order,
                )
            }
        };
        let mut taken: Vec<Option<Value>> = merged.into_iter().map(Some).collect();
        Ok(order.into_iter().filter_map(|i| taken[i].take()).collect())
    }

    /// `mergeSlice` for primitives: the deduplicated union. (The two patches
    /// of a three-way merge never both hold the same primitive list: the
    /// deletions are `$deleteFromPrimitiveList`, so this is for completeness.)
    fn primitives(&mut self, original: Vec<Value>, patch: Vec<Value>) -> Result<Vec<Value>, Error> {
        let n = original.len();
        let all: Vec<Value> = original.into_iter().chain(patch).collect();
        let keys = all
            .iter()
            .map(|v| {
                Key::of(v).ok_or_else(|| {
                    self.error(
                        ErrorKind::InvalidPatch,
                        "a primitive list holds a container",
                    )
                })
            })
            .collect::<Result<Vec<Key>, Error>>()?;
        let mut items: Vec<usize> = (0..all.len()).collect();
        let len = deduplicate(&mut items, &keys);
        let (patch_items, server_only): (Vec<usize>, Vec<usize>) = items[..len]
            .iter()
            .partition(|&&i| keys[n..].contains(&keys[i]));
        let order = normalize_element_order(
            patch_items,
            server_only,
            &keys,
            None,
            &keys[n..],
            &keys[..n],
        );
        Ok(order.into_iter().map(|i| all[i].clone()).collect())
    }
}

/// Finds the conflicts between the patch and the change from the original
/// to the current object (`MergingMapsHaveConflicts(patch, diffMaps(o,
/// c))`) without building that change: it is worked out only where the
/// patch has something, which for an apply is a small part of the object.
/// Kubernetes stops at the first conflict; this records every one.
struct Finder {
    path: Vec<Step>,
    /// The same place as a JSON Pointer into the patch.
    at: Vec<String>,
    found: Vec<Vec<Step>>,
    /// Where Kubernetes' check fails rather than finding a conflict (the
    /// first such place). It walks the patch in Go's random map order and
    /// stops at the first conflict or failure, so with both either can
    /// come out; patchlaw reports the conflicts and, when there are none,
    /// the failure.
    failure: Option<Error>,
    /// The patch's lists of scalars that Kubernetes' check deduplicates and
    /// sorts in place (`deduplicateAndSortScalars` on the patch's own
    /// slice), as JSON Pointers into the patch.
    sorted: Vec<String>,
    max_depth: usize,
    limits: crate::Limits,
}

/// The right-hand side of a comparison: a part of the change.
enum Right<'a> {
    /// `diffMaps(o, c)` of two objects, not built.
    Maps(&'a Map<String, Value>, &'a Map<String, Value>),
    /// `diffLists(o, c)` of a merge list of objects, not built.
    Lists(&'a [Value], &'a [Value]),
    /// A value of the change.
    Value(Cow<'a, Value>),
}

/// The right-hand side where it is an object.
enum RightMap<'a> {
    Diff(&'a Map<String, Value>, &'a Map<String, Value>),
    Value(&'a Map<String, Value>),
}

impl Finder {
    fn conflict(&mut self) {
        self.found.push(self.path.clone());
    }

    /// Steps into the patch: `step` on the conflict's path, `token` in the
    /// patch.
    fn enter(&mut self, step: Step, token: String) {
        self.path.push(step);
        self.at.push(token);
    }

    fn leave(&mut self) {
        self.path.pop();
        self.at.pop();
    }

    /// `mergingMapFieldsHaveConflicts` of a list element of the patch (at
    /// the step and position `at`) and its counterpart in the change.
    fn element(
        &mut self,
        at: (Step, String),
        left: &Value,
        right: Right<'_>,
        schema: SchemaRef<'_>,
    ) -> Result<(), Error> {
        self.enter(at.0, at.1);
        let result = self.fields(left, right, schema, Strategy::Default, None);
        self.leave();
        result
    }

    fn error(&self, kind: ErrorKind, detail: impl Into<String>) -> Error {
        let tokens = self.path.iter().map(|step| match step {
            Step::Member(name) => name.clone(),
            Step::Index(i) => i.to_string(),
            Step::Element { value, .. } => key_text(value).into_owned(),
        });
        Error::new(kind, detail).with_pointer(PointerBuf::from_tokens(tokens).to_string())
    }

    fn budget(&self) -> usize {
        self.max_depth.saturating_sub(self.path.len())
    }

    /// Go's `reflect.DeepEqual` of decoded JSON.
    fn equal(&self, a: &Value, b: &Value) -> Result<bool, Error> {
        equal_within(a, b, self.budget()).map_err(|()| {
            crate::walk::depth_exceeded(self.max_depth, self.path.iter().map(|_| "…"))
        })
    }

    /// `mergingMapFieldsHaveConflicts(left, right)`.
    fn fields(
        &mut self,
        left: &Value,
        right: Right<'_>,
        schema: SchemaRef<'_>,
        strategy: Strategy,
        merge_key: Option<&str>,
    ) -> Result<(), Error> {
        match left {
            Value::Object(l) => {
                let right = match &right {
                    Right::Maps(o, c) => RightMap::Diff(o, c),
                    Right::Value(v) => match v.as_ref() {
                        Value::Object(r) => RightMap::Value(r),
                        _ => {
                            self.conflict();
                            return Ok(());
                        }
                    },
                    Right::Lists(..) => {
                        self.conflict();
                        return Ok(());
                    }
                };
                // A directive acts on the whole map: one side having it,
                // or the two having different ones, is a conflict.
                let left_marker = l.get(PATCH);
                let right_marker = right.marker();
                if left_marker.is_some() || right_marker.is_some() {
                    let same = match (left_marker, &right_marker) {
                        (Some(a), Some(b)) => go_equal(a, b),
                        _ => false,
                    };
                    if !same {
                        self.conflict();
                        return Ok(());
                    }
                }
                if strategy == Strategy::Replace {
                    return Ok(());
                }
                self.maps(l, right, schema)
            }
            Value::Array(l) => match right {
                Right::Lists(o, c) => self.lazy_lists(l, o, c, schema, strategy, merge_key),
                Right::Value(v) => match v.as_ref() {
                    Value::Array(r) => self.lists(l, r, schema, strategy, merge_key),
                    _ => {
                        self.conflict();
                        Ok(())
                    }
                },
                Right::Maps(..) => {
                    self.conflict();
                    Ok(())
                }
            },
            _ => {
                let same = match &right {
                    Right::Value(v) => self.equal(left, v)?,
                    _ => false,
                };
                if !same {
                    self.conflict();
                }
                Ok(())
            }
        }
    }

    /// `mapsHaveConflicts`: each member of the patch that the change also
    /// has, compared.
    fn maps(
        &mut self,
        left: &Map<String, Value>,
        right: RightMap<'_>,
        schema: SchemaRef<'_>,
    ) -> Result<(), Error> {
        if self.budget() == 0 {
            return Err(crate::walk::depth_exceeded(
                self.max_depth,
                std::iter::empty::<&str>(),
            ));
        }
        for (key, value) in left {
            if key == PATCH || key == RETAIN_KEYS {
                continue;
            }
            let Some(mut other) = right.entry(key, schema, self)? else {
                continue;
            };
            // Kubernetes looks up the member of every object or list of the
            // patch that the change also has, and fails on a refusal.
            let lookup = match value {
                Value::Object(_) => schema.lookup_struct(key),
                Value::Array(_) => schema.lookup_slice(key),
                _ => Ok(schema.field(key)),
            };
            let field = match lookup {
                Ok(field) => field,
                Err(err) => {
                    // (A `$deleteFromPrimitiveList/<f>` both have is one:
                    // the type has no field of that name.) The walk goes
                    // on, for the conflicts.
                    if self.failure.is_none() {
                        self.enter(Step::Member(key.clone()), key.clone());
                        self.failure = Some(self.error(err.kind(), err.detail()));
                        self.leave();
                    }
                    continue;
                }
            };
            let (sub, strategy, merge_key) = match value {
                Value::Object(_) | Value::Array(_) => {
                    (field.schema, field.strategy(), field.merge_key())
                }
                _ => (field.schema, Strategy::Default, None),
            };
            // An unbuilt diff is walked only where the patch goes into it;
            // where the patch holds something else there (or a directive,
            // which acts on the whole), it is built, and an empty one is no
            // change at all.
            let walks = match (&other, value) {
                (Right::Maps(..), Value::Object(l)) => !l.contains_key(PATCH),
                (Right::Lists(..), Value::Array(_)) => true,
                (Right::Value(_), _) => true,
                _ => false,
            };
            if !walks {
                let built = match &other {
                    Right::Maps(o, c) => {
                        let built = diff_maps(o, c, sub, CHANGES, self.limits)?;
                        (!built.is_empty()).then_some(Value::Object(built))
                    }
                    Right::Lists(o, c) => {
                        let one = |list: &[Value]| {
                            let mut m = Map::new();
                            m.insert(key.clone(), Value::Array(list.to_vec()));
                            m
                        };
                        let mut built = diff_maps(&one(o), &one(c), schema, CHANGES, self.limits)?;
                        remove_member(&mut built, key)
                    }
                    Right::Value(_) => None,
                };
                match built {
                    Some(built) => other = Right::Value(Cow::Owned(built)),
                    None => continue,
                }
            }
            self.enter(Step::Member(key.clone()), key.clone());
            let result = self.fields(value, other, sub, strategy, merge_key);
            self.leave();
            result?;
        }
        Ok(())
    }

    /// `slicesHaveConflicts` of the patch's list and a list of the change.
    fn lists(
        &mut self,
        left: &[Value],
        right: &[Value],
        schema: SchemaRef<'_>,
        strategy: Strategy,
        merge_key: Option<&str>,
    ) -> Result<(), Error> {
        let kind =
            element_type(left, right).map_err(|why| self.error(ErrorKind::InvalidPatch, why))?;
        if strategy == Strategy::Merge {
            // Merged primitive lists never conflict.
            if kind != GoType::Map {
                return Ok(());
            }
            let key = merge_key.unwrap_or_default();
            let rights: HashMap<String, &Value> = self.by_key(right, key)?.into_iter().collect();
            for (text, element) in self.by_key(left, key)? {
                if let Some(&other) = rights.get(&text) {
                    let value = element.get(key).cloned().unwrap_or(Value::Null);
                    self.enter(Step::element(key, value), index_in(left, element));
                    let result = self.fields(
                        element,
                        Right::Value(Cow::Borrowed(other)),
                        schema,
                        Strategy::Default,
                        None,
                    );
                    self.leave();
                    result?;
                }
            }
            return Ok(());
        }
        if left.len() != right.len() {
            self.conflict();
            return Ok(());
        }
        if kind != GoType::Map {
            // Compared as sets: deduplicated and sorted by text, in place,
            // the patch's own list too.
            self.sorted
                .push(PointerBuf::from_tokens(self.at.iter()).to_string());
            let set = |list: &[Value]| {
                let (order, len) = sorted_in_place(list);
                order[..len]
                    .iter()
                    .map(|&i| list[i].clone())
                    .collect::<Vec<Value>>()
            };
            let (l, r) = (set(left), set(right));
            // (Kubernetes indexes past the end of a shorter right side and
            // crashes; that is a conflict here.)
            let differ = l.len() > r.len() || l.iter().zip(&r).any(|(a, b)| !go_equal(a, b));
            if differ {
                self.conflict();
            }
            return Ok(());
        }
        for (i, (l, r)) in left.iter().zip(right).enumerate() {
            let at = (Step::Index(i), i.to_string());
            self.element(at, l, Right::Value(Cow::Borrowed(r)), schema)?;
        }
        Ok(())
    }

    /// `slicesHaveConflicts` of the patch's merge list against
    /// `diffLists(o, c)`, element by element: only the elements the patch
    /// names are diffed.
    fn lazy_lists(
        &mut self,
        left: &[Value],
        original: &[Value],
        current: &[Value],
        schema: SchemaRef<'_>,
        strategy: Strategy,
        merge_key: Option<&str>,
    ) -> Result<(), Error> {
        let key = merge_key.unwrap_or_default();
        if strategy != Strategy::Merge || !left.iter().any(Value::is_object) {
            return Ok(());
        }
        let find = |list: &'_ [Value], text: &str| -> Option<usize> {
            list.iter()
                .position(|item| item.get(key).is_some_and(|k| key_text(k) == text))
        };
        for (text, element) in self.by_key(left, key)? {
            let value = element.get(key).cloned().unwrap_or(Value::Null);
            let other: Option<Cow<'_, Value>> = match (find(original, &text), find(current, &text))
            {
                (Some(i), Some(j)) => match (&original[i], &current[j]) {
                    // The pair's diff, walked only where the patch element
                    // goes (its key, equal on both sides, is no conflict);
                    // built when the element is a directive, which acts on
                    // the whole and meets an empty diff as no element at all.
                    (Value::Object(o), Value::Object(c)) if !has_patch(element) => {
                        let at = (Step::element(key, value), index_in(left, element));
                        self.element(at, element, Right::Maps(o, c), schema)?;
                        continue;
                    }
                    (Value::Object(o), Value::Object(c)) => {
                        self.enter(Step::element(key, value.clone()), index_in(left, element));
                        let built = diff_maps(o, c, schema, CHANGES, self.limits);
                        self.leave();
                        let mut built = built?;
                        (!built.is_empty()).then(|| {
                            built.insert(
                                key.to_owned(),
                                current[j].get(key).cloned().unwrap_or(Value::Null),
                            );
                            Cow::Owned(Value::Object(built))
                        })
                    }
                    _ => None,
                },
                (None, Some(j)) => Some(Cow::Borrowed(&current[j])),
                (Some(i), None) => {
                    let mut directive = Map::new();
                    directive.insert(PATCH.to_owned(), Value::String(DELETE.to_owned()));
                    directive.insert(
                        key.to_owned(),
                        original[i].get(key).cloned().unwrap_or(Value::Null),
                    );
                    Some(Cow::Owned(Value::Object(directive)))
                }
                (None, None) => None,
            };
            if let Some(other) = other {
                let at = (Step::element(key, value), index_in(left, element));
                self.element(at, element, Right::Value(other), schema)?;
            }
        }
        Ok(())
    }

    /// `sliceOfMapsToMapOfMaps`: the elements by the `%s` text of their
    /// merge key (a later element with the same text wins).
    fn by_key<'v>(&self, list: &'v [Value], key: &str) -> Result<Vec<(String, &'v Value)>, Error> {
        let mut out: Vec<(String, &'v Value)> = Vec::with_capacity(list.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for item in list {
            let Value::Object(members) = item else {
                return Err(self.error(
                    ErrorKind::InvalidPatch,
                    "invalid element type in a merging list",
                ));
            };
            let Some(value) = members.get(key) else {
                return Err(self.error(
                    ErrorKind::MissingMergeKey,
                    format!("cannot find merge key {key:?} in a merging list element"),
                ));
            };
            let text = key_text(value).into_owned();
            match seen.get(&text) {
                Some(&at) => out[at].1 = item,
                None => {
                    seen.insert(text.clone(), out.len());
                    out.push((text, item));
                }
            }
        }
        Ok(out)
    }
}

impl<'a> RightMap<'a> {
    /// The change's `$patch` member, if it has one.
    fn marker(&self) -> Option<Cow<'a, Value>> {
        match *self {
            RightMap::Value(map) => map.get(PATCH).map(Cow::Borrowed),
            // `handleDirectiveMarker` and the deletion of a removed member.
            RightMap::Diff(o, c) => match (o.get(PATCH), c.get(PATCH)) {
                (Some(a), Some(b)) if a == b => None,
                (_, Some(b)) => Some(Cow::Borrowed(b)),
                (Some(_), None) => Some(Cow::Owned(Value::Null)),
                (None, None) => None,
            },
        }
    }

    /// The change's member `key`: for an unbuilt diff, what `diffMaps(o, c)`
    /// would hold there.
    fn entry(
        &self,
        key: &str,
        schema: SchemaRef<'_>,
        finder: &Finder,
    ) -> Result<Option<Right<'a>>, Error> {
        let (o, c) = match *self {
            RightMap::Value(map) => {
                return Ok(map.get(key).map(|v| Right::Value(Cow::Borrowed(v))))
            }
            RightMap::Diff(o, c) => (o, c),
        };
        if key.starts_with(SET_ELEMENT_ORDER) {
            return Ok(None);
        }
        if let Some(field) = key
            .strip_prefix(DELETE_FROM_PRIMITIVE_LIST)
            .and_then(|rest| rest.strip_prefix('/'))
        {
            // The deletions of the primitive list `field`, diffed alone.
            let (Some(ov), Some(cv)) = (o.get(field), c.get(field)) else {
                return Ok(None);
            };
            let one = |v: &Value| {
                let mut m = Map::new();
                m.insert(field.to_owned(), v.clone());
                m
            };
            let mut built = diff_maps(&one(ov), &one(cv), schema, CHANGES, finder.limits)?;
            return Ok(
                crate::order::remove_member(&mut built, key).map(|v| Right::Value(Cow::Owned(v)))
            );
        }
        Ok(match (o.get(key), c.get(key)) {
            (None, None) => None,
            (None, Some(cv)) => Some(Right::Value(Cow::Borrowed(cv))),
            (Some(_), None) => Some(Right::Value(Cow::Owned(Value::Null))),
            (Some(ov), Some(cv)) => {
                if GoType::of(ov) != GoType::of(cv) {
                    return Ok(Some(Right::Value(Cow::Borrowed(cv))));
                }
                let field = schema.field(key);
                match (ov, cv) {
                    (Value::Object(a), Value::Object(b)) => {
                        if field.strategy() == Strategy::Replace {
                            Some(Right::Value(Cow::Borrowed(cv)))
                        } else {
                            Some(Right::Maps(a, b))
                        }
                    }
                    (Value::Array(a), Value::Array(b)) if field.strategy() == Strategy::Merge => {
                        if a.iter().chain(b).any(Value::is_object) {
                            Some(Right::Lists(a, b))
                        } else {
                            // Added values: never a conflict, but present.
                            let one = |v: &Value| {
                                let mut m = Map::new();
                                m.insert(key.to_owned(), v.clone());
                                m
                            };
                            let mut built =
                                diff_maps(&one(ov), &one(cv), schema, CHANGES, finder.limits)?;
                            crate::order::remove_member(&mut built, key)
                                .map(|v| Right::Value(Cow::Owned(v)))
                        }
                    }
                    _ => (!finder.equal(ov, cv)?).then_some(Right::Value(Cow::Borrowed(cv))),
                }
            }
        })
    }
}

/// The index of `element`, an item of `list`, as a pointer token.
fn index_in(list: &[Value], element: &Value) -> String {
    list.iter()
        .position(|item| std::ptr::eq(item, element))
        .unwrap_or_default()
        .to_string()
}

/// `deduplicateAndSortScalars` on a list of scalars, in place as
/// Kubernetes does it: the order of the list's own array afterwards, and
/// the length of the deduplicated, sorted prefix. Each duplicate gives its
/// place to the last item (`deduplicateScalars`), the prefix is sorted by
/// `%v` text with `sort.Sort`, and the tail keeps what the deduplication
/// left there.
fn sorted_in_place(list: &[Value]) -> (Vec<usize>, usize) {
    let keys: Vec<Key> = list
        .iter()
        .map(|item| Key::of(item).unwrap_or(Key::Nil))
        .collect();
    let mut order: Vec<usize> = (0..list.len()).collect();
    let len = deduplicate(&mut order, &keys);
    go_sort(&mut order[..len], |&a, &b| {
        go_text(Some(&list[a])) <= go_text(Some(&list[b]))
    });
    (order, len)
}

/// Whether a list element carries `$patch`.
fn has_patch(element: &Value) -> bool {
    element.get(PATCH).is_some()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::three_way::{strategic, Options};

    fn pod(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
    }

    fn containers(list: Value) -> Value {
        pod(json!({"containers": list}))
    }

    fn schema() -> Schema {
        Schema::builtin("v1", "Pod").expect("built in")
    }

    /// kubectl v1.32 sends the elements of a list that both diffs hold in
    /// the `$setElementOrder` order (`mergePatchIntoOriginal`), not with the
    /// second diff's elements first.
    #[test]
    fn the_lists_of_both_diffs_follow_set_element_order() {
        let original = containers(json!([{"name": "a", "image": "x", "args": ["1"]}]));
        let current = original.clone();
        for (order, expected) in [
            (
                json!([{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]),
                json!([{"args": null, "name": "a"}, {"image": "y", "name": "b"}]),
            ),
            (
                json!([{"name": "b", "image": "y"}, {"name": "a", "image": "x"}]),
                json!([{"image": "y", "name": "b"}, {"args": null, "name": "a"}]),
            ),
        ] {
            let modified = containers(order);
            let outcome =
                strategic(&original, &modified, &current, &schema(), Options::new()).unwrap();
            assert_eq!(outcome.patch["spec"]["containers"], expected);
        }
    }

    /// Without `overwrite`, Kubernetes' check deduplicates and sorts in
    /// place the patch's lists that are replaced whole, where the other
    /// writers changed the same list, and kubectl v1.32 sends them so.
    #[test]
    fn the_check_sorts_the_patch_lists_of_scalars_in_place() {
        for (mine, theirs, sent) in [
            (json!(["b", "a"]), json!(["a", "b"]), json!(["a", "b"])),
            (
                json!(["-c", "-c", "--verbose"]),
                json!(["-c", "-c-3", "--verbose"]),
                json!(["--verbose", "-c", "--verbose"]),
            ),
        ] {
            let original = containers(json!([{"name": "app", "image": "x", "args": mine}]));
            let current = containers(json!([{"name": "app", "image": "x", "args": theirs}]));
            let careful = Options::new().overwrite(false);
            let outcome = strategic(&original, &original, &current, &schema(), careful).unwrap();
            assert_eq!(outcome.patch["spec"]["containers"][0]["args"], sent);
            let outcome =
                strategic(&original, &original, &current, &schema(), Options::new()).unwrap();
            assert_eq!(outcome.patch["spec"]["containers"][0]["args"], mine);
        }
    }

    /// Kubernetes' check looks `$deleteFromPrimitiveList/<f>` up as a field
    /// when the change from the original holds it too, and fails; it stops
    /// at whichever of that failure and a conflict it meets first in Go's
    /// random map order, and patchlaw reports the conflicts (the failure
    /// comes first in patchlaw's walk: `$` sorts before letters).
    #[test]
    fn a_deletion_from_a_primitive_list_on_both_sides_fails_the_check() {
        let meta = |finalizers: Value, labels: Value| json!({"metadata": {"finalizers": finalizers, "labels": labels}});
        let original = meta(json!(["a", "b"]), json!({"x": "1"}));
        let modified = meta(json!(["a"]), json!({"x": "1"}));
        let careful = Options::new().overwrite(false);
        let current = meta(json!(["a"]), json!({"x": "1"}));
        let err = strategic(&original, &modified, &current, &schema(), careful).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnknownField);
        let outcome = strategic(&original, &modified, &current, &schema(), Options::new()).unwrap();
        assert_eq!(
            outcome.patch["metadata"]["$deleteFromPrimitiveList/finalizers"],
            json!(["b"])
        );
        assert!(outcome.conflicts.is_empty());

        let current = meta(json!(["a"]), json!({"x": "2"}));
        let err = strategic(&original, &modified, &current, &schema(), careful).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict);
        assert_eq!(err.conflicts().len(), 1);
    }
}
