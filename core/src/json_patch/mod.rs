//! JSON Patch, [RFC 6902](https://www.rfc-editor.org/rfc/rfc6902).
//!
//! A [`Patch`] is a list of [`Operation`]s applied in order to a document.
//! Its pointers are parsed once, when the patch is built; applying it is
//! atomic: if any operation fails, the document is left exactly as it was
//! (under `preserve_order`, member order included), restored from an undo
//! log of what the operations touched rather than from a copy of the whole
//! document.
//!
//! # Semantics
//!
//! - `add` at an array index equal to the length appends, beyond is
//!   `index-out-of-bounds`; `-` is the index after the last. Adding to an
//!   existing object member replaces it ([§4.1](https://www.rfc-editor.org/rfc/rfc6902#section-4.1)).
//! - `remove` and `replace` need the target to exist; `replace` at `""`
//!   replaces the whole document. The whole document cannot be removed
//!   (`invalid-patch`): a JSON document has a value.
//! - `move` is `remove` at `from` followed by `add` at `path`, the
//!   destination resolved after the removal; `from == path` changes nothing
//!   (but `from` must exist); moving into a proper descendant of `from` is
//!   `move-into-descendant` ([§4.4](https://www.rfc-editor.org/rfc/rfc6902#section-4.4)).
//! - `copy` adds a deep copy of the value at `from`.
//! - `test` compares with [`equal`], the equality of
//!   [§4.6](https://www.rfc-editor.org/rfc/rfc6902#section-4.6): `1` equals
//!   `1.0`, objects are unordered.
//! - Members an operation does not define are ignored
//!   ([§4](https://www.rfc-editor.org/rfc/rfc6902#section-4)); a missing or
//!   mistyped required member, or an unknown `op`, is `invalid-patch`.
//!
//! Every error carries the index of the failing operation
//! ([`Error::op_index`]) and the pointer involved.
//!
//! # Examples
//!
//! ```
//! use patchlaw::json_patch::Patch;
//! use serde_json::json;
//!
//! let patch = Patch::from_value(&json!([
//!     {"op": "test", "path": "/spec/replicas", "value": 1.0},
//!     {"op": "replace", "path": "/spec/replicas", "value": 3},
//!     {"op": "add", "path": "/spec/template/containers/-", "value": {"name": "sidecar"}},
//! ]))?;
//! let mut doc = json!({"spec": {"replicas": 1, "template": {"containers": [{"name": "app"}]}}});
//! patch.apply(&mut doc)?;
//! assert_eq!(doc["spec"]["replicas"], 3);
//! assert_eq!(doc["spec"]["template"]["containers"][1]["name"], "sidecar");
//! # Ok::<(), patchlaw::Error>(())
//! ```

use std::fmt;
use std::ops::Deref;

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::pointer::{Pointer, PointerBuf};

mod apply;
mod diff;
mod equality;

pub use diff::DiffOptions;
pub use equality::equal;

/// Computes a JSON Patch that turns `from` into `to`, with the default
/// [`DiffOptions`]: objects member by member, arrays aligned by a longest
/// common subsequence after their common prefix and suffix, so that one
/// inserted, removed or replaced array element is one operation, and an
/// element changed inside is diffed recursively.
///
/// # Errors
///
/// [`ErrorKind::LimitExceeded`] when the documents are nested deeper than
/// the depth limit where the diff must walk or copy.
///
/// # Examples
///
/// ```
/// use patchlaw::json_patch::diff;
/// use serde_json::json;
///
/// let from = json!({"spec": {"containers": [{"name": "app"}], "replicas": 1}});
/// let to = json!({"spec": {"containers": [{"name": "sidecar"}, {"name": "app"}], "replicas": 3}});
/// let patch = diff(&from, &to)?;
/// assert_eq!(patch.to_value(), json!([
///     {"op": "add", "path": "/spec/containers/0", "value": {"name": "sidecar"}},
///     {"op": "replace", "path": "/spec/replicas", "value": 3},
/// ]));
/// let mut doc = from.clone();
/// patch.apply(&mut doc)?;
/// assert_eq!(doc, to);
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn diff(from: &Value, to: &Value) -> Result<Patch, Error> {
    diff::diff(from, to, DiffOptions::new())
}

/// Computes a JSON Patch from `from` to `to` with explicit
/// [`DiffOptions`]: `move` operations for relocated array elements, guarding
/// `test` operations, the edit-distance cap, limits.
///
/// # Errors
///
/// As [`diff`].
///
/// # Examples
///
/// ```
/// use patchlaw::json_patch::{diff_with, DiffOptions};
/// use serde_json::json;
///
/// let patch = diff_with(&json!(["a", "b", "c"]), &json!(["c", "a", "b"]), DiffOptions::new().moves(true))?;
/// assert_eq!(patch.to_value(), json!([{"op": "move", "from": "/2", "path": "/0"}]));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn diff_with(from: &Value, to: &Value, options: DiffOptions) -> Result<Patch, Error> {
    diff::diff(from, to, options)
}

/// One JSON Patch operation
/// ([RFC 6902 §4](https://www.rfc-editor.org/rfc/rfc6902#section-4)).
///
/// # Examples
///
/// ```
/// use patchlaw::json_patch::Operation;
/// use patchlaw::PointerBuf;
/// use serde_json::json;
///
/// let op = Operation::Add { path: PointerBuf::parse("/a/-")?, value: json!(1) };
/// assert_eq!(op.to_value(), json!({"op": "add", "path": "/a/-", "value": 1}));
/// assert_eq!(Operation::from_value(&op.to_value())?, op);
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    /// Adds `value` at `path`: inserts into an array, adds or replaces an
    /// object member, or replaces the whole document at `""`.
    Add {
        /// Where.
        path: PointerBuf,
        /// What.
        value: Value,
    },
    /// Removes the value at `path`.
    Remove {
        /// Where.
        path: PointerBuf,
    },
    /// Replaces the value at `path`, which must exist.
    Replace {
        /// Where.
        path: PointerBuf,
        /// The new value.
        value: Value,
    },
    /// Removes the value at `from` and adds it at `path`.
    Move {
        /// The source.
        from: PointerBuf,
        /// The destination.
        path: PointerBuf,
    },
    /// Adds a copy of the value at `from` at `path`.
    Copy {
        /// The source.
        from: PointerBuf,
        /// The destination.
        path: PointerBuf,
    },
    /// Checks that the value at `path` equals `value` (§4.6 equality).
    Test {
        /// Where.
        path: PointerBuf,
        /// The expected value.
        value: Value,
    },
}

impl Operation {
    /// The operation's name: `add`, `remove`, `replace`, `move`, `copy` or
    /// `test`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{json_patch::Operation, PointerBuf};
    ///
    /// assert_eq!(Operation::Remove { path: PointerBuf::new() }.name(), "remove");
    /// ```
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Operation::Add { .. } => "add",
            Operation::Remove { .. } => "remove",
            Operation::Replace { .. } => "replace",
            Operation::Move { .. } => "move",
            Operation::Copy { .. } => "copy",
            Operation::Test { .. } => "test",
        }
    }

    /// The target location, `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{json_patch::Operation, PointerBuf};
    ///
    /// let op = Operation::Remove { path: PointerBuf::parse("/a")? };
    /// assert_eq!(op.path().to_string(), "/a");
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn path(&self) -> &Pointer {
        match self {
            Operation::Add { path, .. }
            | Operation::Remove { path }
            | Operation::Replace { path, .. }
            | Operation::Move { path, .. }
            | Operation::Copy { path, .. }
            | Operation::Test { path, .. } => path,
        }
    }

    /// The source location of `move` and `copy`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{json_patch::Operation, PointerBuf};
    ///
    /// let op = Operation::Copy { from: PointerBuf::parse("/a")?, path: PointerBuf::parse("/b")? };
    /// assert_eq!(op.from().map(|p| p.to_string()), Some("/a".to_owned()));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn from(&self) -> Option<&Pointer> {
        match self {
            Operation::Move { from, .. } | Operation::Copy { from, .. } => Some(from),
            _ => None,
        }
    }

    /// The value of `add`, `replace` and `test`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{json_patch::Operation, PointerBuf};
    /// use serde_json::json;
    ///
    /// let op = Operation::Test { path: PointerBuf::new(), value: json!(null) };
    /// assert_eq!(op.value(), Some(&json!(null)));
    /// ```
    #[must_use]
    pub fn value(&self) -> Option<&Value> {
        match self {
            Operation::Add { value, .. }
            | Operation::Replace { value, .. }
            | Operation::Test { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The operation as RFC 6902 JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{json_patch::Operation, PointerBuf};
    /// use serde_json::json;
    ///
    /// let op = Operation::Move { from: PointerBuf::parse("/a")?, path: PointerBuf::parse("/b")? };
    /// assert_eq!(op.to_value(), json!({"op": "move", "from": "/a", "path": "/b"}));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn to_value(&self) -> Value {
        let mut members = Map::new();
        members.insert("op".to_owned(), Value::String(self.name().to_owned()));
        if let Some(from) = self.from() {
            members.insert("from".to_owned(), Value::String(from.to_string()));
        }
        members.insert("path".to_owned(), Value::String(self.path().to_string()));
        if let Some(value) = self.value() {
            members.insert("value".to_owned(), value.clone());
        }
        Value::Object(members)
    }

    /// Reads one operation from RFC 6902 JSON, with the default [`Limits`].
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::InvalidPatch`]: not an object, `op` missing, not a
    ///   string or unknown, a required member (`path`, `from`, `value`)
    ///   missing, or `path`/`from` not a string;
    /// - [`ErrorKind::InvalidPointer`]: `path` or `from` is not a valid
    ///   pointer;
    /// - [`ErrorKind::LimitExceeded`]: `value` is nested deeper than the
    ///   depth limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::json_patch::Operation;
    /// use serde_json::json;
    ///
    /// let op = Operation::from_value(&json!({"op": "remove", "path": "/a", "value": "ignored"}))?;
    /// assert_eq!(op.name(), "remove");
    /// let err = Operation::from_value(&json!({"op": "add", "path": "/a"})).unwrap_err();
    /// assert_eq!(err.kind().code(), "invalid-patch");
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn from_value(value: &Value) -> Result<Operation, Error> {
        read_operation(value, Limits::new())
    }
}

fn read_operation(value: &Value, limits: Limits) -> Result<Operation, Error> {
    let Value::Object(members) = value else {
        return Err(invalid(format!(
            "an operation must be an object, not {}",
            kind_of(value)
        )));
    };
    let name = match members.get("op") {
        Some(Value::String(name)) => name.as_str(),
        Some(other) => {
            return Err(invalid(format!(
                "member `op` must be a string, not {}",
                kind_of(other)
            )))
        }
        None => return Err(invalid("member `op` is missing")),
    };
    let pointer = |member: &str| -> Result<PointerBuf, Error> {
        match members.get(member) {
            Some(Value::String(text)) => PointerBuf::parse(text),
            Some(other) => Err(invalid(format!(
                "member `{member}` must be a string, not {}",
                kind_of(other)
            ))),
            None => Err(invalid(format!(
                "member `{member}` is missing from `{name}`"
            ))),
        }
    };
    let value = |member: &str| -> Result<Value, Error> {
        let value = members
            .get(member)
            .ok_or_else(|| invalid(format!("member `{member}` is missing from `{name}`")))?;
        limits.check_depth(value)?;
        Ok(value.clone())
    };
    Ok(match name {
        "add" => Operation::Add {
            path: pointer("path")?,
            value: value("value")?,
        },
        "remove" => Operation::Remove {
            path: pointer("path")?,
        },
        "replace" => Operation::Replace {
            path: pointer("path")?,
            value: value("value")?,
        },
        "move" => Operation::Move {
            from: pointer("from")?,
            path: pointer("path")?,
        },
        "copy" => Operation::Copy {
            from: pointer("from")?,
            path: pointer("path")?,
        },
        "test" => Operation::Test {
            path: pointer("path")?,
            value: value("value")?,
        },
        other => return Err(invalid(format!("unknown op {other:?}"))),
    })
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidPatch, detail)
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_value(), f)
    }
}

impl serde::Serialize for Operation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;

        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("op", self.name())?;
        if let Some(from) = self.from() {
            map.serialize_entry("from", from)?;
        }
        map.serialize_entry("path", self.path())?;
        if let Some(value) = self.value() {
            map.serialize_entry("value", value)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Operation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Operation, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Operation::from_value(&value).map_err(serde::de::Error::custom)
    }
}

/// A JSON Patch: operations applied in order, atomically
/// ([RFC 6902](https://www.rfc-editor.org/rfc/rfc6902)).
///
/// Dereferences to `[Operation]`, collects from operations, and serializes
/// to (and deserializes from) RFC 6902 JSON exactly.
///
/// # Examples
///
/// ```
/// use patchlaw::json_patch::{Operation, Patch};
/// use patchlaw::PointerBuf;
/// use serde_json::json;
///
/// let patch: Patch = [Operation::Remove { path: PointerBuf::parse("/a")? }].into_iter().collect();
/// assert_eq!(patch.len(), 1);
/// assert_eq!(serde_json::to_value(&patch).unwrap(), json!([{"op": "remove", "path": "/a"}]));
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Patch(Vec<Operation>);

impl Patch {
    /// The empty patch.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::json_patch::Patch::new().is_empty());
    /// ```
    #[must_use]
    pub const fn new() -> Patch {
        Patch(Vec::new())
    }

    /// Reads a patch from RFC 6902 JSON, with the default [`Limits`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidPatch`] when `value` is not an array, and the
    /// errors of [`Operation::from_value`] for its elements, with the index
    /// of the operation ([`Error::op_index`]);
    /// [`ErrorKind::LimitExceeded`] for more operations than the limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::json_patch::Patch;
    /// use serde_json::json;
    ///
    /// let err = Patch::from_value(&json!([{"op": "add", "path": "/a", "value": 1}, {"op": "jump"}])).unwrap_err();
    /// assert_eq!(err.kind().code(), "invalid-patch");
    /// assert_eq!(err.op_index(), Some(1));
    /// ```
    pub fn from_value(value: &Value) -> Result<Patch, Error> {
        Patch::from_value_with_limits(value, Limits::new())
    }

    /// Reads a patch from RFC 6902 JSON, with explicit [`Limits`].
    ///
    /// # Errors
    ///
    /// As [`Patch::from_value`].
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{json_patch::Patch, Limits};
    /// use serde_json::json;
    ///
    /// let two = json!([{"op": "remove", "path": "/a"}, {"op": "remove", "path": "/b"}]);
    /// let err = Patch::from_value_with_limits(&two, Limits::new().max_operations(1)).unwrap_err();
    /// assert_eq!(err.kind().code(), "limit-exceeded");
    /// ```
    pub fn from_value_with_limits(value: &Value, limits: Limits) -> Result<Patch, Error> {
        let Value::Array(items) = value else {
            return Err(invalid(format!(
                "a JSON Patch must be an array of operations, not {}",
                kind_of(value)
            )));
        };
        check_operation_count(items.len(), limits)?;
        items
            .iter()
            .enumerate()
            .map(|(index, item)| read_operation(item, limits).map_err(|e| e.with_op_index(index)))
            .collect()
    }

    /// The patch as RFC 6902 JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::json_patch::Patch;
    /// use serde_json::json;
    ///
    /// let text = json!([{"op": "copy", "from": "/a", "path": "/b"}]);
    /// assert_eq!(Patch::from_value(&text)?.to_value(), text);
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn to_value(&self) -> Value {
        Value::Array(self.0.iter().map(Operation::to_value).collect())
    }

    /// The operations, by value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::json_patch::Patch::new().into_operations().is_empty());
    /// ```
    #[must_use]
    pub fn into_operations(self) -> Vec<Operation> {
        self.0
    }

    /// Applies the patch to `doc` in place, with the default [`Limits`].
    ///
    /// # Errors
    ///
    /// The first failing operation's error, with its index; `doc` is then
    /// exactly as it was. See the [module documentation](self) for each
    /// operation's rules and [`ErrorKind`] for the codes.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::json_patch::Patch;
    /// use serde_json::json;
    ///
    /// let mut doc = json!({"a": [1, 2]});
    /// let patch = Patch::from_value(&json!([
    ///     {"op": "add", "path": "/a/0", "value": 0},
    ///     {"op": "test", "path": "/a/0", "value": 1},
    /// ]))?;
    /// let err = patch.apply(&mut doc).unwrap_err();
    /// assert_eq!((err.kind().code(), err.op_index()), ("test-failed", Some(1)));
    /// assert_eq!(doc, json!({"a": [1, 2]}));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn apply(&self, doc: &mut Value) -> Result<(), Error> {
        self.apply_with_limits(doc, Limits::new())
    }

    /// Applies the patch to `doc` in place, with explicit [`Limits`]: at
    /// most [`max_operations`](Limits::max_operations) operations, values
    /// added or copied at most [`max_depth`](Limits::max_depth) deep, and
    /// `copy` operations copying at most
    /// [`max_copy_size`](Limits::max_copy_size) in all.
    ///
    /// # Errors
    ///
    /// As [`Patch::apply`], and [`ErrorKind::LimitExceeded`].
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{json_patch::Patch, Limits};
    /// use serde_json::json;
    ///
    /// let doubling: Vec<_> = (0..40).map(|_| json!({"op": "copy", "from": "/a", "path": "/a/-"})).collect();
    /// let patch = Patch::from_value(&json!(doubling))?;
    /// let mut doc = json!({"a": ["payload"]});
    /// let err = patch.apply_with_limits(&mut doc, Limits::new().max_copy_size(1 << 20)).unwrap_err();
    /// assert_eq!(err.kind().code(), "limit-exceeded");
    /// assert_eq!(doc, json!({"a": ["payload"]}));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn apply_with_limits(&self, doc: &mut Value, limits: Limits) -> Result<(), Error> {
        apply::apply(&self.0, doc, limits, false).map(|_| ())
    }

    /// Applies the patch and returns its inverse: a patch that, applied to
    /// the result, gives back the document as it was. With the default
    /// [`Limits`].
    ///
    /// The inverse is built from the undo log the application keeps anyway,
    /// so it costs no copy of the document (only of values a `move` carries
    /// into its own ancestor).
    ///
    /// # Errors
    ///
    /// As [`Patch::apply`]; `doc` is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::json_patch::Patch;
    /// use serde_json::json;
    ///
    /// let original = json!({"a": [1, 2], "b": {"c": 3}});
    /// let mut doc = original.clone();
    /// let patch = Patch::from_value(&json!([
    ///     {"op": "move", "from": "/b/c", "path": "/a/-"},
    ///     {"op": "replace", "path": "/a/0", "value": "one"},
    /// ]))?;
    /// let undo = patch.apply_with_inverse(&mut doc)?;
    /// assert_eq!(doc, json!({"a": ["one", 2, 3], "b": {}}));
    /// undo.apply(&mut doc)?;
    /// assert_eq!(doc, original);
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn apply_with_inverse(&self, doc: &mut Value) -> Result<Patch, Error> {
        self.apply_with_inverse_and_limits(doc, Limits::new())
    }

    /// [`Patch::apply_with_inverse`] with explicit [`Limits`].
    ///
    /// # Errors
    ///
    /// As [`Patch::apply_with_limits`].
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{json_patch::Patch, Limits};
    /// use serde_json::json;
    ///
    /// let mut doc = json!({"a": 1});
    /// let patch = Patch::from_value(&json!([{"op": "remove", "path": "/a"}]))?;
    /// let undo = patch.apply_with_inverse_and_limits(&mut doc, Limits::unlimited())?;
    /// assert_eq!(undo.to_value(), json!([{"op": "add", "path": "/a", "value": 1}]));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn apply_with_inverse_and_limits(
        &self,
        doc: &mut Value,
        limits: Limits,
    ) -> Result<Patch, Error> {
        apply::apply(&self.0, doc, limits, true).map(Option::unwrap_or_default)
    }
}

pub(crate) fn check_operation_count(count: usize, limits: Limits) -> Result<(), Error> {
    if count > limits.get_max_operations() {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "the patch has {count} operations, more than the limit of {}",
                limits.get_max_operations()
            ),
        ));
    }
    Ok(())
}

impl Deref for Patch {
    type Target = [Operation];

    fn deref(&self) -> &[Operation] {
        &self.0
    }
}

impl From<Vec<Operation>> for Patch {
    fn from(operations: Vec<Operation>) -> Patch {
        Patch(operations)
    }
}

impl FromIterator<Operation> for Patch {
    fn from_iter<I: IntoIterator<Item = Operation>>(iter: I) -> Patch {
        Patch(iter.into_iter().collect())
    }
}

impl IntoIterator for Patch {
    type Item = Operation;
    type IntoIter = std::vec::IntoIter<Operation>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Patch {
    type Item = &'a Operation;
    type IntoIter = std::slice::Iter<'a, Operation>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Extend<Operation> for Patch {
    fn extend<I: IntoIterator<Item = Operation>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl fmt::Display for Patch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_value(), f)
    }
}

impl serde::Serialize for Patch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Patch {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Patch, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Patch::from_value(&value).map_err(serde::de::Error::custom)
    }
}
