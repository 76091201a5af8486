//! The two-way strategic merge patch Kubernetes computes
//! (`CreateTwoWayMergePatch` of apimachinery's `strategicpatch`, v1.32),
//! with the same output: deletions as `null`, merge lists as changed
//! elements plus `{"$patch": "delete"}` elements and `$setElementOrder`,
//! primitive merge lists as additions plus `$deleteFromPrimitiveList`,
//! `$retainKeys` for `retainKeys` fields.
//!
//! Kubernetes matches list elements by the text Go's `%v` gives their merge
//! key (or their value, for primitives), after sorting both lists by that
//! text; this module does the same, so duplicated keys pair up as they do
//! there.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::directive::{DELETE, DELETE_FROM_PRIMITIVE_LIST, PATCH, RETAIN_KEYS, SET_ELEMENT_ORDER};
use super::go::{self, go_equal, go_sort, go_text, same_text, GoType, Key};
use super::list_order::Positions;
use super::schema::{Schema, SchemaRef, Strategy};
use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::pointer::PointerBuf;
use crate::walk::{self, equal_within, maps_equal_within, members_equal_by_lookup, same_str};

pub(crate) fn diff(
    from: &Value,
    to: &Value,
    schema: &Schema,
    limits: Limits,
) -> Result<Value, Error> {
    diff_parts(from, to, schema, Parts::TWO_WAY, limits)
}

/// [`diff`] recording `parts` of the difference.
pub(crate) fn diff_parts(
    from: &Value,
    to: &Value,
    schema: &Schema,
    parts: Parts,
    limits: Limits,
) -> Result<Value, Error> {
    let (Value::Object(from), Value::Object(to)) = (from, to) else {
        return Err(Error::new(
            ErrorKind::InvalidPatch,
            "a strategic merge patch is computed between two objects",
        ));
    };
    diff_maps(from, to, schema.root(), parts, limits).map(Value::Object)
}

/// Which parts of the difference `diffMaps` records: Kubernetes'
/// `DiffOptions`. The three-way merge diffs with additions only, with
/// deletions only, and without order directives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Parts {
    /// Added members and elements, changed values (not
    /// `IgnoreChangesAndAdditions`).
    pub(crate) changes: bool,
    /// `null` for removed members, `$patch: delete` elements and
    /// `$deleteFromPrimitiveList` (not `IgnoreDeletions`).
    pub(crate) deletions: bool,
    /// `$setElementOrder` directives (`SetElementOrder`).
    pub(crate) element_order: bool,
}

impl Parts {
    /// `CreateTwoWayMergePatch`'s options.
    pub(crate) const TWO_WAY: Parts = Parts {
        changes: true,
        deletions: true,
        element_order: true,
    };
}

/// `diffMaps(from, to)` of two objects of the type `schema`, recording
/// `parts` of the difference.
pub(crate) fn diff_maps(
    from: &Map<String, Value>,
    to: &Map<String, Value>,
    schema: SchemaRef<'_>,
    parts: Parts,
    limits: Limits,
) -> Result<Map<String, Value>, Error> {
    let mut differ = Differ {
        path: Vec::with_capacity(16),
        list_levels: 0,
        max_depth: limits.get_max_depth(),
        parts,
    };
    differ.maps(from, to, schema, false)
}

/// The walk is bounded by the depth limit without a separate pass over
/// both documents: it goes down only where both have containers, counts
/// the levels, and checks the depth of each value it copies or compares
/// whole before doing so.
struct Differ<'v> {
    path: Vec<&'v str>,
    /// List levels walked, which the path (member names only) omits.
    list_levels: usize,
    max_depth: usize,
    parts: Parts,
}

/// A merge list of objects: its elements' type, merge key, and whether
/// they take `$retainKeys`.
#[derive(Clone, Copy)]
struct Keyed<'a> {
    schema: SchemaRef<'a>,
    merge_key: &'a str,
    retain_keys: bool,
}

/// A patch list element, with the index of the element of the modified list
/// it stands for.
type Placed = (usize, Value);

/// A merge list's three parts: the patch list, the `$deleteFromPrimitiveList`
/// values, the `$setElementOrder` list.
type ListDiff = (Vec<Value>, Vec<Value>, Vec<Value>);

impl<'v> Differ<'v> {
    fn error(&self, kind: ErrorKind, detail: impl Into<String>) -> Error {
        Error::new(kind, detail)
            .with_pointer(PointerBuf::from_tokens(self.path.iter().copied()).to_string())
    }

    /// A schema lookup's refusal, at the current path.
    fn located(&self, err: &Error) -> Error {
        self.error(err.kind(), err.detail())
    }

    /// How many containers deep a value at the current path may be: the
    /// path counts the levels walked (object members and list elements
    /// alike).
    fn budget(&self) -> usize {
        self.max_depth
            .saturating_sub(self.path.len() + self.list_levels)
    }

    fn too_deep(&self) -> Error {
        walk::depth_exceeded(self.max_depth, self.path.iter().copied())
    }

    /// A copy of the value at the current path.
    fn copy(&self, value: &Value) -> Result<Value, Error> {
        if walk::depth_within(value, self.budget()) {
            Ok(value.clone())
        } else {
            Err(self.too_deep())
        }
    }

    /// Exact equality of two values at the current path.
    fn equal(&self, a: &Value, b: &Value) -> Result<bool, Error> {
        equal_within(a, b, self.budget()).map_err(|()| self.too_deep())
    }

    /// `diffMaps`: the patch between two objects at the current path.
    fn maps(
        &mut self,
        original: &'v Map<String, Value>,
        modified: &'v Map<String, Value>,
        schema: SchemaRef<'_>,
        retain_keys: bool,
    ) -> Result<Map<String, Value>, Error> {
        if self.budget() == 0 {
            return Err(self.too_deep());
        }
        let mut patch = Map::new();
        let mut dropped = false;
        if crate::order::sorted() {
            // Both maps iterate in key order: one merged pass, no lookups.
            let mut old = original.iter().peekable();
            for (key, new) in modified {
                loop {
                    let order = old.peek().map(|(k, _)| {
                        if same_str(k, key) {
                            Ordering::Equal
                        } else {
                            k.as_str().cmp(key)
                        }
                    });
                    match order {
                        Some(Ordering::Less) => {
                            if let Some((k, v)) = old.next() {
                                dropped |= !v.is_null();
                                if self.parts.deletions {
                                    patch.insert(k.clone(), Value::Null);
                                }
                            }
                        }
                        Some(Ordering::Equal) => {
                            if let Some((_, current)) = old.next() {
                                self.pair(key, current, new, schema, &mut patch)?;
                            }
                            break;
                        }
                        _ => {
                            if self.parts.changes {
                                self.added(key, new, &mut patch)?;
                            }
                            break;
                        }
                    }
                }
            }
            for (k, v) in old {
                dropped |= !v.is_null();
                if self.parts.deletions {
                    patch.insert(k.clone(), Value::Null);
                }
            }
        } else {
            for (key, new) in modified {
                match original.get(key) {
                    Some(current) => self.pair(key, current, new, schema, &mut patch)?,
                    None if self.parts.changes => self.added(key, new, &mut patch)?,
                    None => {}
                }
            }
            for (k, v) in original {
                if !modified.contains_key(k) {
                    dropped |= !v.is_null();
                    if self.parts.deletions {
                        patch.insert(k.clone(), Value::Null);
                    }
                }
            }
        }
        if retain_keys && (!patch.is_empty() || dropped) {
            let mut retained: Vec<&str> = modified
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, _)| k.as_str())
                .collect();
            if !retained.is_empty() {
                retained.sort_unstable();
                let names = retained.into_iter().map(|k| Value::String(k.to_owned()));
                patch.insert(RETAIN_KEYS.to_owned(), Value::Array(names.collect()));
            }
        }
        Ok(patch)
    }

    /// Runs `step` with `key` on the path, which its errors and depth
    /// budget count.
    fn within<T>(
        &mut self,
        key: &'v str,
        step: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.path.push(key);
        let result = step(self);
        self.path.pop();
        result
    }

    fn added(
        &mut self,
        key: &'v str,
        new: &Value,
        patch: &mut Map<String, Value>,
    ) -> Result<(), Error> {
        let copy = self.within(key, |differ| differ.copy(new))?;
        patch.insert(key.to_owned(), copy);
        Ok(())
    }

    /// The patch of a member both objects have.
    fn pair(
        &mut self,
        key: &'v str,
        old: &'v Value,
        new: &'v Value,
        schema: SchemaRef<'_>,
        patch: &mut Map<String, Value>,
    ) -> Result<(), Error> {
        let container = |v: &Value| matches!(v, Value::Object(_) | Value::Array(_));
        if !container(old) && !container(new) && !is_patch(key) {
            // Two scalars (most members): sent when they differ. Kubernetes
            // compares Go types, then `reflect.DeepEqual`; JSON equality
            // agrees, telling `1` from `1.0` as `int64` from `float64`.
            // (Scalars never exceed a depth budget.)
            if self.parts.changes && equal_within(old, new, 0) != Ok(true) {
                patch.insert(key.to_owned(), new.clone());
            }
            return Ok(());
        }
        self.within(key, |differ| {
            if is_patch(key) {
                // `handleDirectiveMarker`: a `$patch` in the documents
                // themselves.
                let (Value::String(a), Value::String(b)) = (old, new) else {
                    return Err(differ.error(
                        ErrorKind::InvalidPatch,
                        format!("{PATCH} in a document must be a string"),
                    ));
                };
                if a != b {
                    patch.insert(key.to_owned(), new.clone());
                }
                return Ok(());
            }
            let changes = differ.parts.changes;
            if GoType::of(old) != GoType::of(new) {
                if changes {
                    patch.insert(key.to_owned(), differ.copy(new)?);
                }
                return Ok(());
            }
            match (old, new) {
                (Value::Object(a), Value::Object(b)) => {
                    // Kubernetes refuses a member its types do not declare,
                    // unless the two values are deeply equal.
                    let field = match schema.lookup_struct(key) {
                        Ok(field) => field,
                        Err(_) if differ.equal(old, new)? => return Ok(()),
                        Err(err) => return Err(differ.located(&err)),
                    };
                    // A `replace` map is sent whole, changed or not.
                    if field.strategy() == Strategy::Replace {
                        if changes {
                            patch.insert(key.to_owned(), differ.copy(new)?);
                        }
                    } else if field.schema.is_plain() && differ.equal(old, new)? {
                        // Equal and free of metadata: nothing to send. (An
                        // equal value *with* metadata below may still get
                        // directives: an unsorted primitive list, a
                        // `replace` field.)
                    } else {
                        let retain = field.field.is_some_and(|f| f.retain_keys());
                        let inner = differ.maps(a, b, field.schema, retain)?;
                        if !inner.is_empty() {
                            patch.insert(key.to_owned(), Value::Object(inner));
                        }
                    }
                }
                (Value::Array(a), Value::Array(b)) => {
                    let field = match schema.lookup_slice(key) {
                        Ok(field) => field,
                        Err(_) if differ.equal(old, new)? => return Ok(()),
                        Err(err) => return Err(differ.located(&err)),
                    };
                    let merge_key = field.merge_key().filter(|k| !k.is_empty());
                    let skip = match merge_key {
                        Some(k)
                            if field.strategy() == Strategy::Merge && field.schema.is_plain() =>
                        {
                            keyed_lists_equal_within(a, b, k, differ.budget())
                                .map_err(|()| differ.too_deep())?
                        }
                        _ => false,
                    };
                    if skip {
                        // Equal lists of objects keyed alike: no change, no
                        // reordering, and nothing below that adds
                        // directives.
                    } else if field.strategy() == Strategy::Merge {
                        let retain = field.field.is_some_and(|f| f.retain_keys());
                        let (list, deletions, order) =
                            differ.lists(a, b, field.schema, merge_key, retain)?;
                        if !list.is_empty() {
                            patch.insert(key.to_owned(), Value::Array(list));
                        }
                        if !deletions.is_empty() {
                            patch.insert(
                                directive_for(DELETE_FROM_PRIMITIVE_LIST, key),
                                Value::Array(deletions),
                            );
                        }
                        if !order.is_empty() {
                            patch
                                .insert(directive_for(SET_ELEMENT_ORDER, key), Value::Array(order));
                        }
                    } else if changes && !differ.equal(old, new)? {
                        patch.insert(key.to_owned(), differ.copy(new)?);
                    }
                }
                _ => {
                    if changes && old != new {
                        patch.insert(key.to_owned(), new.clone());
                    }
                }
            }
            Ok(())
        })
    }

    /// `diffLists`.
    fn lists(
        &mut self,
        original: &'v [Value],
        modified: &'v [Value],
        schema: SchemaRef<'_>,
        merge_key: Option<&str>,
        retain_keys: bool,
    ) -> Result<ListDiff, Error> {
        if original.is_empty() {
            if !self.parts.changes {
                return Ok((Vec::new(), Vec::new(), Vec::new()));
            }
            self.list_levels += 1;
            let copies: Result<Vec<Value>, Error> = modified.iter().map(|v| self.copy(v)).collect();
            self.list_levels -= 1;
            return Ok((copies?, Vec::new(), Vec::new()));
        }
        match self.element_type(original, modified)? {
            GoType::Map => {
                let Some(merge_key) = merge_key else {
                    return Err(self.error(
                        ErrorKind::MissingMergeKey,
                        "a merge list of objects needs a merge key",
                    ));
                };
                let keyed = Keyed {
                    schema,
                    merge_key,
                    retain_keys,
                };
                // Each element's key, read once.
                let old_keys: Vec<Option<&Value>> =
                    original.iter().map(|v| v.get(merge_key)).collect();
                let new_keys: Vec<Option<&Value>> =
                    modified.iter().map(|v| v.get(merge_key)).collect();
                let (mut list, deletions) =
                    self.lists_of_maps((original, &old_keys), (modified, &new_keys), keyed)?;
                if list.len() > 1 {
                    self.order_like(&mut list, &new_keys)?;
                }
                let mut list: Vec<Value> = list.into_iter().map(|(_, v)| v).collect();
                list.extend(deletions);
                let same_order = || {
                    old_keys.len() == new_keys.len()
                        && old_keys.iter().zip(&new_keys).all(|keys| match keys {
                            (Some(x), Some(y)) => go_equal(x, y),
                            _ => false,
                        })
                };
                // Kubernetes counts the deletions in the patch list here.
                let parts = self.parts;
                let wanted = parts.element_order
                    && ((parts.changes && (!list.is_empty() || !same_order()))
                        || (parts.deletions && !list.is_empty()));
                let order = if wanted {
                    new_keys
                        .iter()
                        .map(|key| {
                            let mut only_key = Map::new();
                            let key = key.cloned().unwrap_or(Value::Null);
                            only_key.insert(merge_key.to_owned(), key);
                            Value::Object(only_key)
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                Ok((list, Vec::new(), order))
            }
            _ => {
                let (mut additions, deletions) = self.lists_of_scalars(original, modified)?;
                if additions.len() > 1 {
                    let keys: Vec<Option<&Value>> = modified.iter().map(Some).collect();
                    self.order_like(&mut additions, &keys)?;
                }
                let additions: Vec<Value> = additions.into_iter().map(|(_, v)| v).collect();
                // Kubernetes sorts the live list in place (by text) to find
                // the additions and deletions, and then compares *that* with
                // the new list: an unchanged unsorted list gets an order
                // directive, a reordering into sorted order none.
                let mut sorted: Vec<&Value> = original.iter().collect();
                sorted.sort_by(|a, b| go_text(Some(a)).cmp(&go_text(Some(b))));
                let same_order = sorted.len() == modified.len()
                    && sorted.iter().zip(modified).all(|(a, b)| go_equal(a, b));
                let parts = self.parts;
                let wanted = parts.element_order
                    && ((parts.deletions && !deletions.is_empty())
                        || (parts.changes && !same_order));
                let order = if wanted {
                    modified.to_vec()
                } else {
                    Vec::new()
                };
                Ok((additions, deletions, order))
            }
        }
    }

    /// A value by which list elements are compared: present, and not an
    /// object or an array.
    fn scalar<'a>(&self, value: Option<&'a Value>) -> Result<&'a Value, Error> {
        match value {
            None => Err(self.error(
                ErrorKind::MissingMergeKey,
                "a list element does not contain its merge key",
            )),
            Some(Value::Object(_) | Value::Array(_)) => Err(self.error(
                ErrorKind::InvalidPatch,
                "list elements are compared by a value that is an object or an array",
            )),
            Some(value) => Ok(value),
        }
    }

    fn element_type(&self, original: &[Value], modified: &[Value]) -> Result<GoType, Error> {
        go::element_type(original, modified).map_err(|why| self.error(ErrorKind::InvalidPatch, why))
    }

    /// `diffListsOfMaps`: both lists sorted by the text of their merge
    /// keys, then walked together. Each patch element comes with the index
    /// of the element of `modified` it stands for.
    fn lists_of_maps(
        &mut self,
        (original, old_keys): (&'v [Value], &[Option<&'v Value>]),
        (modified, new_keys): (&'v [Value], &[Option<&'v Value>]),
        keyed: Keyed<'_>,
    ) -> Result<(Vec<Placed>, Vec<Value>), Error> {
        let merge_key = keyed.merge_key;
        // Kubernetes sorts both lists by key text with Go's `sort.Sort` and
        // a comparator that calls equal texts "less" (D4.13), so where a
        // text repeats, which elements pair up and the order they are sent
        // in depend on that algorithm: it is run as Go runs it. Where every
        // text is distinct in each list, any sort gives the same order and
        // elements pair by text; then the elements whose keys read alike
        // position by position from the start pair without sorting, and
        // only the rest is sorted. This is the usual case — an unchanged or
        // edited list in the same order, maybe with elements appended.
        let distinct = distinct_texts(old_keys) && distinct_texts(new_keys);
        let mut patch = Vec::new();
        let mut prefix = 0;
        for ((old_value, new_value), (&a, &b)) in original
            .iter()
            .zip(modified)
            .zip(old_keys.iter().zip(new_keys))
        {
            if !distinct || !same_text(a, b) {
                break;
            }
            let elements = match (old_value, new_value, a, b) {
                (Value::Object(o), Value::Object(m), Some(_), Some(key)) => (o, m, key),
                // An element without its key: the error the sorted walk
                // would report.
                _ => {
                    let (o, _) = self.element(old_value, merge_key)?;
                    let (m, key) = self.element(new_value, merge_key)?;
                    (o, m, key)
                }
            };
            self.paired(elements, prefix, keyed, &mut patch)?;
            prefix += 1;
        }
        let (original, modified) = (&original[prefix..], &modified[prefix..]);
        if original.is_empty() && modified.is_empty() {
            return Ok((patch, Vec::new()));
        }
        let by_text = |keys: &[Option<&'v Value>]| -> Vec<(Cow<'v, str>, usize)> {
            let mut sorted: Vec<(Cow<'v, str>, usize)> = keys
                .iter()
                .enumerate()
                .map(|(i, &key)| (go_text(key), i))
                .collect();
            if distinct {
                sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            } else {
                go_sort(&mut sorted, |a, b| a.0 <= b.0);
            }
            sorted
        };
        let (old, new) = (by_text(&old_keys[prefix..]), by_text(&new_keys[prefix..]));
        let mut deletions = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < new.len() {
            let old_item = old
                .get(i)
                .map(|(text, at)| (text, self.element(&original[*at], merge_key)));
            let new_item = new
                .get(j)
                .map(|(text, at)| (text, self.element(&modified[*at], merge_key)));
            match (old_item, new_item) {
                (Some((a, o)), Some((b, m))) if a == b => {
                    let ((o, _), (m, key)) = (o?, m?);
                    self.paired((o, m, key), prefix + new[j].1, keyed, &mut patch)?;
                    i += 1;
                    j += 1;
                }
                (None, Some((_, m))) => {
                    let (m, _) = m?;
                    if self.parts.changes {
                        patch.push((prefix + new[j].1, self.element_copy(m)?));
                    }
                    j += 1;
                }
                (Some((a, _)), Some((b, m))) if a > b => {
                    let (m, _) = m?;
                    if self.parts.changes {
                        patch.push((prefix + new[j].1, self.element_copy(m)?));
                    }
                    j += 1;
                }
                (Some((_, o)), _) => {
                    let key = o?.1;
                    if self.parts.deletions {
                        let mut directive = Map::new();
                        directive.insert(PATCH.to_owned(), Value::String(DELETE.to_owned()));
                        directive.insert(merge_key.to_owned(), key.clone());
                        deletions.push(Value::Object(directive));
                    }
                    i += 1;
                }
                (None, None) => break,
            }
        }
        Ok((patch, deletions))
    }

    /// `normalizeSliceOrder` of a patch list against the modified list:
    /// a stable sort by the position in `modified` of the first element
    /// with the same key (Go's `==`; for primitives the key is the value).
    /// `list` pairs each patch element with the index of the element of
    /// `modified` it came from, so the keys are compared in place instead
    /// of being collected.
    fn order_like(
        &self,
        list: &mut [Placed],
        modified_keys: &[Option<&Value>],
    ) -> Result<(), Error> {
        // Kubernetes compares keys with Go's `==`, which panics on maps and
        // slices; this refuses them wherever they are in the list.
        let mut keys = Vec::with_capacity(modified_keys.len());
        for &key in modified_keys {
            keys.push(self.scalar(key)?);
        }
        let first = |j: usize| {
            keys[..j]
                .iter()
                .position(|k| go_equal(k, keys[j]))
                .unwrap_or(j)
        };
        let mut positions: Vec<usize> = if list.len() <= 8 {
            list.iter().map(|&(j, _)| first(j)).collect()
        } else {
            // Many patch elements: one pass over the keys, hashed.
            let owned = keys
                .iter()
                .map(|v| Key::of(v).unwrap_or(Key::Nil))
                .collect::<Vec<_>>();
            let found = Positions::new(&owned);
            list.iter()
                .map(|&(j, _)| found.of(&owned[j]).unwrap_or(j))
                .collect()
        };
        // Elements that carry `$patch: delete` (as data of `modified`) go
        // last, in the walk's order (`extractToDeleteItems`).
        for (position, (_, element)) in positions.iter_mut().zip(list.iter()) {
            if element.get(PATCH).and_then(Value::as_str) == Some(DELETE) {
                *position = usize::MAX;
            }
        }
        if positions.windows(2).all(|w| w[0] <= w[1]) {
            return Ok(());
        }
        // Every element is found, so the order is consistent and any
        // stable sort gives Go's result.
        let mut items: Vec<usize> = (0..list.len()).collect();
        items.sort_by_key(|&i| positions[i]);
        let mut taken: Vec<Placed> = list.iter_mut().map(std::mem::take).collect();
        for (slot, i) in list.iter_mut().zip(items) {
            *slot = std::mem::take(&mut taken[i]);
        }
        Ok(())
    }

    /// Two elements with the same key (`key`, read from the modified one):
    /// their diff, with the key, if not empty. Equal elements of a type
    /// without metadata need no walk.
    fn paired(
        &mut self,
        (old, new, key): (&'v Map<String, Value>, &'v Map<String, Value>, &'v Value),
        at: usize,
        keyed: Keyed<'_>,
        patch: &mut Vec<Placed>,
    ) -> Result<(), Error> {
        self.list_levels += 1;
        let equal = keyed.schema.is_plain()
            && matches!(maps_equal_within(old, new, self.budget()), Ok(true));
        let result = if equal {
            Ok(Map::new())
        } else {
            self.maps(old, new, keyed.schema, keyed.retain_keys)
        };
        self.list_levels -= 1;
        let mut inner = result?;
        if !inner.is_empty() {
            inner.insert(keyed.merge_key.to_owned(), key.clone());
            patch.push((at, Value::Object(inner)));
        }
        Ok(())
    }

    fn element_copy(&mut self, element: &Map<String, Value>) -> Result<Value, Error> {
        self.list_levels += 1;
        let ok = self.budget() > 0
            && element
                .values()
                .all(|v| walk::depth_within(v, self.budget() - 1));
        self.list_levels -= 1;
        if ok {
            Ok(Value::Object(element.clone()))
        } else {
            Err(self.too_deep())
        }
    }

    /// An element of a merge list of objects, with its merge key's value.
    fn element(
        &self,
        value: &'v Value,
        merge_key: &str,
    ) -> Result<(&'v Map<String, Value>, &'v Value), Error> {
        let members = value.as_object().ok_or_else(|| {
            self.error(
                ErrorKind::InvalidPatch,
                "a merge list of objects holds a non-object",
            )
        })?;
        let key = members.get(merge_key).ok_or_else(|| {
            self.error(
                ErrorKind::MissingMergeKey,
                format!("an element does not contain its merge key {merge_key:?}"),
            )
        })?;
        Ok((members, key))
    }

    /// `diffListsOfScalars`: both lists sorted by text and walked together;
    /// the deletions deduplicated as Kubernetes does.
    fn lists_of_scalars(
        &self,
        original: &'v [Value],
        modified: &'v [Value],
    ) -> Result<(Vec<Placed>, Vec<Value>), Error> {
        // Equal texts are equal values here (one Go type per list), so any
        // stable sort does.
        let by_text = |list: &'v [Value]| -> Vec<(Cow<'v, str>, usize)> {
            let mut sorted: Vec<(Cow<'v, str>, usize)> = list
                .iter()
                .enumerate()
                .map(|(i, v)| (go_text(Some(v)), i))
                .collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            sorted
        };
        let (old, new) = (by_text(original), by_text(modified));
        let (mut additions, mut deletions) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        loop {
            match (old.get(i), new.get(j)) {
                (None, None) => break,
                (Some((a, _)), Some((b, _))) if a == b => {
                    i += 1;
                    j += 1;
                }
                (None, Some(&(_, m))) => {
                    if self.parts.changes {
                        additions.push((m, modified[m].clone()));
                    }
                    j += 1;
                }
                (Some((a, _)), Some(&(ref b, m))) if a > b => {
                    if self.parts.changes {
                        additions.push((m, modified[m].clone()));
                    }
                    j += 1;
                }
                (Some(&(_, o)), _) => {
                    if self.parts.deletions {
                        deletions.push(original[o].clone());
                    }
                    i += 1;
                }
            }
        }
        let keys: Vec<Key> = deletions
            .iter()
            .map(|v| Key::of(v).unwrap_or(Key::Nil))
            .collect();
        let mut items: Vec<usize> = (0..deletions.len()).collect();
        let len = go::deduplicate(&mut items, &keys);
        let deletions = items[..len].iter().map(|&i| deletions[i].clone()).collect();
        Ok((additions, deletions))
    }
}

/// Whether two lists are equal ([`equal_within`] of the lists), not
/// empty, and made of objects that all have the member `key`: in one pass,
/// as [`Differ::member`] asks it of every merge list it meets. `Err` past
/// `budget` levels, as [`equal_within`].
fn keyed_lists_equal_within(
    x: &[Value],
    y: &[Value],
    key: &str,
    budget: usize,
) -> Result<bool, ()> {
    if x.len() != y.len() || x.is_empty() {
        return Ok(false);
    }
    for (u, v) in x.iter().zip(y) {
        let (Value::Object(u), Value::Object(v)) = (u, v) else {
            return Ok(false);
        };
        if u.len() != v.len() {
            return Ok(false);
        }
        // The members are two containers below the list.
        let inner = budget.checked_sub(2).ok_or(())?;
        let mut keyed = false;
        for ((ku, vu), (kv, vv)) in u.iter().zip(v.iter()) {
            if !same_str(ku, kv) {
                // Members in different orders: the general comparison.
                keyed = u.contains_key(key) && members_equal_by_lookup(u, v, inner)?;
                break;
            }
            keyed |= same_str(ku, key);
            if !equal_within(vu, vv, inner)? {
                return Ok(false);
            }
        }
        if !keyed {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The member name `<directive>/<field>` (without `format!`'s machinery,
/// a tenth of its cost: this is built for every changed list).
fn directive_for(directive: &str, field: &str) -> String {
    let mut name = String::with_capacity(directive.len() + 1 + field.len());
    name.push_str(directive);
    name.push('/');
    name.push_str(field);
    name
}

/// Whether no two keys have the same [`go_text`] — or rather, whether
/// their texts' hashes are distinct: two equal hashes count as a repeat, and
/// only send the list down the slower path, exact for any list.
fn distinct_texts(keys: &[Option<&Value>]) -> bool {
    let hash = |key: Option<&Value>| match key {
        Some(Value::String(text)) => text_hash(text),
        // `0.0` and `-0.0` print differently but are equal in Go, which
        // the patch order follows: count them as a repeat (the exact path).
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => text_hash("0"),
        other => text_hash(&go_text(other)),
    };
    if keys.len() <= 32 {
        // An open-addressing set on the stack, at most half full; hashes
        // are made odd so that 0 marks a free slot.
        let mut table = [0_u64; 64];
        for &key in keys {
            let h = hash(key) | 1;
            let mut slot = (h >> 58) as usize;
            loop {
                match table[slot] {
                    0 => {
                        table[slot] = h;
                        break;
                    }
                    seen if seen == h => return false,
                    _ => slot = (slot + 1) % table.len(),
                }
            }
        }
        true
    } else {
        let mut hashes: Vec<u64> = keys.iter().map(|&key| hash(key)).collect();
        hashes.sort_unstable();
        hashes.windows(2).all(|w| w[0] != w[1])
    }
}

/// A fast hash of a key's text, eight bytes at a time (the multiply-rotate
/// step of rustc's FxHash). Hand-written: std's SipHash costs several times
/// more for these short names, and it runs on every changed merge list.
fn text_hash(text: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let bytes = text.as_bytes();
    let mut h = step(0, bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        h = step(h, u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let word = rest
            .iter()
            .rev()
            .fold(0, |word, &byte| (word << 8) | u64::from(byte));
        h = step(h, word);
    }
    h
}

/// Whether a member name is `$patch` (most are not: the first byte tells).
fn is_patch(key: &str) -> bool {
    key.starts_with('$') && key == PATCH
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn repeated_texts_are_found() {
        let texts = |values: &[Value]| distinct_texts(&values.iter().map(Some).collect::<Vec<_>>());
        assert!(texts(&[json!("a"), json!("b"), json!(1)]));
        // Kubernetes pairs by text: the string "1" and the number 1 repeat.
        assert!(!texts(&[json!("1"), json!("b"), json!(1)]));
        assert!(!texts(&[json!(1.0), json!(1)]));
        assert!(!texts(&[json!(0.0), json!(-0.0)]));
        let many: Vec<Value> = (0..40).map(|i| json!(format!("name-{i}"))).collect();
        assert!(texts(&many));
        let mut repeated = many.clone();
        repeated.push(json!("name-7"));
        assert!(!texts(&repeated));
        assert!(!texts(
            &many[..30]
                .iter()
                .cloned()
                .chain([json!("name-29")])
                .collect::<Vec<_>>()
        ));
    }
}
