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
use super::list_order::{self, go_equal, GoType, Key};
use super::schema::{Schema, SchemaRef, Strategy};
use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::pointer::PointerBuf;

pub(crate) fn diff(
    from: &Value,
    to: &Value,
    schema: &Schema,
    limits: Limits,
) -> Result<Value, Error> {
    let (Value::Object(from), Value::Object(to)) = (from, to) else {
        return Err(Error::new(
            ErrorKind::InvalidPatch,
            "a strategic merge patch is computed between two objects",
        ));
    };
    let mut differ = Differ {
        path: Vec::new(),
        list_levels: 0,
        max_depth: limits.get_max_depth(),
    };
    differ
        .maps(from, to, schema.root(), false)
        .map(Value::Object)
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
}

/// A merge list's three parts: the patch list, the `$deleteFromPrimitiveList`
/// values, the `$setElementOrder` list.
type ListDiff = (Vec<Value>, Vec<Value>, Vec<Value>);

impl<'v> Differ<'v> {
    fn error(&self, kind: ErrorKind, detail: impl Into<String>) -> Error {
        Error::new(kind, detail)
            .with_pointer(PointerBuf::from_tokens(self.path.iter().copied()).to_string())
    }

    /// How many containers deep a value at the current path may be: the
    /// path counts the levels walked (object members and list elements
    /// alike).
    fn budget(&self) -> usize {
        self.max_depth
            .saturating_sub(self.path.len() + self.list_levels)
    }

    fn too_deep(&self) -> Error {
        crate::limits::depth_exceeded(self.max_depth, self.path.iter().copied())
    }

    /// A copy of the value at the current path.
    fn copy(&self, value: &Value) -> Result<Value, Error> {
        if crate::limits::depth_within(value, self.budget()) {
            Ok(value.clone())
        } else {
            Err(self.too_deep())
        }
    }

    /// Exact equality of two values at the current path.
    fn equal(&self, a: &Value, b: &Value) -> Result<bool, Error> {
        crate::limits::equal_within(a, b, self.budget()).map_err(|()| self.too_deep())
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
                    match old.peek().map(|(k, _)| k.as_str().cmp(key)) {
                        Some(Ordering::Less) => {
                            if let Some((k, v)) = old.next() {
                                dropped |= !v.is_null();
                                patch.insert(k.clone(), Value::Null);
                            }
                        }
                        Some(Ordering::Equal) => {
                            if let Some((_, current)) = old.next() {
                                self.pair(key, current, new, schema, &mut patch)?;
                            }
                            break;
                        }
                        _ => {
                            self.added(key, new, &mut patch)?;
                            break;
                        }
                    }
                }
            }
            for (k, v) in old {
                dropped |= !v.is_null();
                patch.insert(k.clone(), Value::Null);
            }
        } else {
            for (key, new) in modified {
                match original.get(key) {
                    Some(current) => self.pair(key, current, new, schema, &mut patch)?,
                    None => self.added(key, new, &mut patch)?,
                }
            }
            for (k, v) in original {
                if !modified.contains_key(k) {
                    dropped |= !v.is_null();
                    patch.insert(k.clone(), Value::Null);
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

    fn added(
        &mut self,
        key: &'v str,
        new: &Value,
        patch: &mut Map<String, Value>,
    ) -> Result<(), Error> {
        self.path.push(key);
        let copy = self.copy(new);
        self.path.pop();
        patch.insert(key.to_owned(), copy?);
        Ok(())
    }

    fn pair(
        &mut self,
        key: &'v str,
        old: &'v Value,
        new: &'v Value,
        schema: SchemaRef<'_>,
        patch: &mut Map<String, Value>,
    ) -> Result<(), Error> {
        let container = |v: &Value| matches!(v, Value::Object(_) | Value::Array(_));
        if !container(old) && !container(new) && key != PATCH {
            // Two scalars (most members): sent when they differ. Kubernetes
            // compares Go types, then `reflect.DeepEqual`; serde_json's `==`
            // agrees, telling `1` from `1.0` as `int64` from `float64`.
            if old != new {
                patch.insert(key.to_owned(), new.clone());
            }
            return Ok(());
        }
        self.path.push(key);
        let result = self.member(key, old, new, schema, patch);
        self.path.pop();
        result
    }

    fn member(
        &mut self,
        key: &'v str,
        old: &'v Value,
        new: &'v Value,
        schema: SchemaRef<'_>,
        patch: &mut Map<String, Value>,
    ) -> Result<(), Error> {
        if key == PATCH {
            // `handleDirectiveMarker`: a `$patch` in the documents themselves.
            let (Value::String(a), Value::String(b)) = (old, new) else {
                return Err(self.error(
                    ErrorKind::InvalidPatch,
                    format!("{PATCH} in a document must be a string"),
                ));
            };
            if a != b {
                patch.insert(key.to_owned(), new.clone());
            }
            return Ok(());
        }
        if GoType::of(old) != GoType::of(new) {
            patch.insert(key.to_owned(), self.copy(new)?);
            return Ok(());
        }
        match (old, new) {
            (Value::Object(a), Value::Object(b)) => {
                let field = schema.field(key);
                // A `replace` map is sent whole, changed or not.
                if field.strategy() == Strategy::Replace {
                    patch.insert(key.to_owned(), self.copy(new)?);
                } else if field.schema.is_plain() && self.equal(old, new)? {
                    // Equal and free of metadata: nothing to send. (An equal
                    // value *with* metadata below may still get directives:
                    // an unsorted primitive list, a `replace` field.)
                } else {
                    let retain = field.field.is_some_and(|f| f.retain_keys());
                    let inner = self.maps(a, b, field.schema, retain)?;
                    if !inner.is_empty() {
                        patch.insert(key.to_owned(), Value::Object(inner));
                    }
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                let field = schema.field(key);
                let merge_key = field.merge_key().filter(|k| !k.is_empty());
                let skip = field.strategy() == Strategy::Merge
                    && merge_key.is_some()
                    && field.schema.is_plain()
                    && !a.is_empty()
                    && a.iter().all(|e| {
                        merge_key.is_some_and(|k| e.as_object().is_some_and(|m| m.contains_key(k)))
                    })
                    && self.equal(old, new)?;
                if skip {
                    // Equal lists of objects keyed alike: no change, no
                    // reordering, and nothing below that adds directives.
                } else if field.strategy() == Strategy::Merge {
                    let retain = field.field.is_some_and(|f| f.retain_keys());
                    let (list, deletions, order) =
                        self.lists(a, b, field.schema, merge_key, retain)?;
                    if !list.is_empty() {
                        patch.insert(key.to_owned(), Value::Array(list));
                    }
                    if !deletions.is_empty() {
                        patch.insert(
                            format!("{DELETE_FROM_PRIMITIVE_LIST}/{key}"),
                            Value::Array(deletions),
                        );
                    }
                    if !order.is_empty() {
                        patch.insert(format!("{SET_ELEMENT_ORDER}/{key}"), Value::Array(order));
                    }
                } else if !self.equal(old, new)? {
                    patch.insert(key.to_owned(), self.copy(new)?);
                }
            }
            _ => {
                if old != new {
                    patch.insert(key.to_owned(), new.clone());
                }
            }
        }
        Ok(())
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
                let (mut list, deletions) =
                    self.lists_of_maps(original, modified, schema, merge_key, retain_keys)?;
                if list.len() > 1 {
                    let keys = modified
                        .iter()
                        .map(|v| self.key(v.get(merge_key)))
                        .collect::<Result<Vec<_>, _>>()?;
                    let list_keys = list
                        .iter()
                        .map(|v| self.key(v.get(merge_key)))
                        .collect::<Result<Vec<_>, _>>()?;
                    order_like(&mut list, &list_keys, &keys);
                }
                let same_order = original.len() == modified.len()
                    && original.iter().zip(modified).all(|(a, b)| {
                        match (a.get(merge_key), b.get(merge_key)) {
                            (Some(x), Some(y)) => go_equal(x, y),
                            _ => false,
                        }
                    });
                list.extend(deletions);
                let order = if !list.is_empty() || !same_order {
                    modified
                        .iter()
                        .map(|v| {
                            let mut only_key = Map::new();
                            let key = v.get(merge_key).cloned().unwrap_or(Value::Null);
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
                    let keys = modified
                        .iter()
                        .map(|v| self.key(Some(v)))
                        .collect::<Result<Vec<_>, _>>()?;
                    let added_keys = additions
                        .iter()
                        .map(|v| self.key(Some(v)))
                        .collect::<Result<Vec<_>, _>>()?;
                    order_like(&mut additions, &added_keys, &keys);
                }
                // Kubernetes sorts the live list in place (by text) to find
                // the additions and deletions, and then compares *that* with
                // the new list: an unchanged unsorted list gets an order
                // directive, a reordering into sorted order none.
                let mut sorted: Vec<&Value> = original.iter().collect();
                sorted.sort_by(|a, b| go_text(Some(a)).cmp(&go_text(Some(b))));
                let same_order = sorted.len() == modified.len()
                    && sorted.iter().zip(modified).all(|(a, b)| go_equal(a, b));
                let order = if !additions.is_empty() || !same_order {
                    modified.to_vec()
                } else {
                    Vec::new()
                };
                Ok((additions, deletions, order))
            }
        }
    }

    fn key(&self, value: Option<&Value>) -> Result<Key, Error> {
        let value = value.ok_or_else(|| {
            self.error(
                ErrorKind::MissingMergeKey,
                "a list element does not contain its merge key",
            )
        })?;
        Key::of(value).ok_or_else(|| {
            self.error(
                ErrorKind::InvalidPatch,
                "list elements are compared by a value that is an object or an array",
            )
        })
    }

    fn element_type(&self, original: &[Value], modified: &[Value]) -> Result<GoType, Error> {
        list_order::element_type(original, modified)
            .map_err(|why| self.error(ErrorKind::InvalidPatch, why))
    }

    /// `diffListsOfMaps`: both lists sorted by the text of their merge
    /// keys, then walked together.
    fn lists_of_maps(
        &mut self,
        original: &'v [Value],
        modified: &'v [Value],
        schema: SchemaRef<'_>,
        merge_key: &str,
        retain_keys: bool,
    ) -> Result<(Vec<Value>, Vec<Value>), Error> {
        // When the keys read alike position by position, sorting both lists
        // (stably) would pair the same elements: skip it. This is the usual
        // case — an unchanged or edited list in the same order.
        let aligned = original.len() == modified.len()
            && original
                .iter()
                .zip(modified)
                .all(|(a, b)| same_text(a.get(merge_key), b.get(merge_key)));
        if aligned {
            let mut patch = Vec::new();
            for (old_value, new_value) in original.iter().zip(modified) {
                self.paired(
                    old_value,
                    new_value,
                    schema,
                    merge_key,
                    retain_keys,
                    &mut patch,
                )?;
            }
            return Ok((patch, Vec::new()));
        }
        let by_text = |list: &'v [Value]| -> Vec<(Cow<'v, str>, &'v Value)> {
            let mut sorted: Vec<(Cow<'v, str>, &Value)> = list
                .iter()
                .map(|v| (go_text(v.get(merge_key)), v))
                .collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            sorted
        };
        let (old, new) = (by_text(original), by_text(modified));
        let mut patch = Vec::new();
        let mut deletions = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < new.len() {
            let old_item = old
                .get(i)
                .map(|(text, v)| (text, self.element(v, merge_key)));
            let new_item = new
                .get(j)
                .map(|(text, v)| (text, self.element(v, merge_key)));
            match (old_item, new_item) {
                (Some((a, o)), Some((b, m))) if a == b => {
                    // Both elements carry their keys (else the error).
                    o?;
                    m?;
                    self.paired(
                        old[i].1,
                        new[j].1,
                        schema,
                        merge_key,
                        retain_keys,
                        &mut patch,
                    )?;
                    i += 1;
                    j += 1;
                }
                (None, Some((_, m))) => {
                    patch.push(self.element_copy(m?.0)?);
                    j += 1;
                }
                (Some((a, _)), Some((b, m))) if a > b => {
                    patch.push(self.element_copy(m?.0)?);
                    j += 1;
                }
                (Some((_, o)), _) => {
                    let key = o?.1.clone();
                    let mut directive = Map::new();
                    directive.insert(PATCH.to_owned(), Value::String(DELETE.to_owned()));
                    directive.insert(merge_key.to_owned(), key);
                    deletions.push(Value::Object(directive));
                    i += 1;
                }
                (None, None) => break,
            }
        }
        Ok((patch, deletions))
    }

    /// Two elements with the same key: their diff, with the key, if not
    /// empty. Equal elements of a type without metadata need no walk.
    fn paired(
        &mut self,
        old_value: &'v Value,
        new_value: &'v Value,
        schema: SchemaRef<'_>,
        merge_key: &str,
        retain_keys: bool,
        patch: &mut Vec<Value>,
    ) -> Result<(), Error> {
        let (o, _) = self.element(old_value, merge_key)?;
        let (m, key) = self.element(new_value, merge_key)?;
        self.list_levels += 1;
        let equal = schema.is_plain() && matches!(self.equal(old_value, new_value), Ok(true));
        let result = if equal {
            Ok(Map::new())
        } else {
            self.maps(o, m, schema, retain_keys)
        };
        self.list_levels -= 1;
        let mut inner = result?;
        if !inner.is_empty() {
            inner.insert(merge_key.to_owned(), key.clone());
            patch.push(Value::Object(inner));
        }
        Ok(())
    }

    fn element_copy(&mut self, element: &Map<String, Value>) -> Result<Value, Error> {
        self.list_levels += 1;
        let ok = self.budget() > 0
            && element
                .values()
                .all(|v| crate::limits::depth_within(v, self.budget() - 1));
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
    ) -> Result<(Vec<Value>, Vec<Value>), Error> {
        let by_text = |list: &'v [Value]| -> Vec<(Cow<'v, str>, &'v Value)> {
            let mut sorted: Vec<(Cow<'v, str>, &Value)> =
                list.iter().map(|v| (go_text(Some(v)), v)).collect();
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
                (None, Some((_, m))) => {
                    additions.push((*m).clone());
                    j += 1;
                }
                (Some((a, _)), Some((b, m))) if a > b => {
                    additions.push((*m).clone());
                    j += 1;
                }
                (Some((_, o)), _) => {
                    deletions.push((*o).clone());
                    i += 1;
                }
            }
        }
        let keys: Vec<Key> = deletions
            .iter()
            .map(|v| Key::of(v).unwrap_or(Key::Nil))
            .collect();
        let mut items: Vec<usize> = (0..deletions.len()).collect();
        let len = list_order::deduplicate(&mut items, &keys);
        let deletions = items[..len].iter().map(|&i| deletions[i].clone()).collect();
        Ok((additions, deletions))
    }
}

/// `normalizeSliceOrder` of a patch list against the modified list: a
/// stable sort by position in `order` (every item is found there).
fn order_like(list: &mut Vec<Value>, keys: &[Key], order: &[Key]) {
    let positions = list_order::Positions::new(order);
    let mut items: Vec<usize> = (0..list.len()).collect();
    list_order::stable_sort(&mut items, |&x, &y| {
        match (positions.of(&keys[x]), positions.of(&keys[y])) {
            (Some(a), Some(b)) => a < b,
            _ => true,
        }
    });
    if items.iter().enumerate().all(|(i, &j)| i == j) {
        return;
    }
    let mut old = std::mem::take(list);
    *list = items.iter().map(|&i| std::mem::take(&mut old[i])).collect();
}

/// Whether [`go_text`] gives the same text for both, without building it
/// in the common cases.
fn same_text(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::String(x)), Some(Value::String(y))) => x == y,
        (Some(Value::Number(x)), Some(Value::Number(y))) if x.is_i64() && y.is_i64() => {
            x.as_i64() == y.as_i64()
        }
        _ => go_text(a) == go_text(b),
    }
}

/// The text Go's `%v` prints for a scalar: how Kubernetes sorts and
/// matches list elements when it diffs.
fn go_text(value: Option<&Value>) -> Cow<'_, str> {
    match value {
        None | Some(Value::Null) => Cow::Borrowed("<nil>"),
        Some(Value::Bool(b)) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Some(Value::String(s)) => Cow::Borrowed(s),
        Some(Value::Number(n)) if n.is_i64() => Cow::Owned(n.to_string()),
        Some(Value::Number(n)) => Cow::Owned(go_float_text(n.as_f64().unwrap_or(f64::NAN))),
        Some(other) => Cow::Owned(other.to_string()),
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, which `%v` uses: the shortest
/// digits, in exponent form when the decimal exponent is below -4 or at
/// least 6.
fn go_float_text(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d.ddde±x`.
    let scientific = format!("{f:e}");
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    // Plain notation.
    format!("{f}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go_prints_them() {
        assert_eq!(go_float_text(1.5), "1.5");
        assert_eq!(go_float_text(100000.0), "100000");
        assert_eq!(go_float_text(1e6), "1e+06");
        assert_eq!(go_float_text(1234567.5), "1.2345675e+06");
        assert_eq!(go_float_text(1e21), "1e+21");
        assert_eq!(go_float_text(0.00001), "1e-05");
        assert_eq!(go_float_text(0.0001), "0.0001");
    }
}
