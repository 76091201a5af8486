//! Kubernetes strategic merge patch, as `k8s.io/apimachinery`'s
//! `strategicpatch` applies it (Kubernetes v1.32), quirks included.
//!
//! A strategic merge patch is a JSON merge patch whose lists can merge
//! element by element. Which lists merge, and by which key, is patch
//! metadata: the [`Schema`]. Directives in the patch say what plain data
//! cannot:
//!
//! | directive | where | effect |
//! |---|---|---|
//! | `"$patch": "replace"` | in a map | the map becomes the patch's map without `$patch` |
//! | `"$patch": "delete"` | in a map | the map becomes `{}` |
//! | `{"$patch": "replace"}` | as a list element | the list becomes the patch's other elements |
//! | `{"$patch": "delete", <key>: v}` | as a list element | every element with merge key `v` goes |
//! | `"$retainKeys": [..]` | in a map | members not listed are removed |
//! | `"$deleteFromPrimitiveList/<f>": [..]` | beside `f` | the values are removed from the primitive list `f` |
//! | `"$setElementOrder/<f>": [..]` | beside `f` | the merged list `f` takes this relative order |
//!
//! [`diff`] computes the patch `kubectl` computes between two versions of
//! an object (`CreateTwoWayMergePatch`), directives included.
//!
//! `"$patch": "merge"` is rejected, as Kubernetes rejects it
//! ([`ErrorKind::InvalidDirective`](crate::ErrorKind::InvalidDirective)).
//! The exact rules — list order, duplicates, what happens to directives in
//! elements that are new to the target — are in the repository's
//! `spec/40-strategic.md`.
//!
//! # Examples
//!
//! ```
//! use patchlaw::strategic::{self, Schema};
//! use serde_json::json;
//!
//! let mut deployment = json!({
//!     "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
//!     "spec": {"template": {"spec": {"containers": [
//!         {"name": "app", "image": "app:1"},
//!         {"name": "proxy", "image": "envoy:1"},
//!     ]}}},
//! });
//! let schema = Schema::builtin("apps/v1", "Deployment").unwrap();
//! let patch = json!({"spec": {"template": {"spec": {"containers": [
//!     {"name": "app", "image": "app:2"},
//!     {"name": "proxy", "$patch": "delete"},
//! ]}}}});
//! strategic::apply(&mut deployment, &patch, &schema)?;
//! assert_eq!(
//!     deployment["spec"]["template"]["spec"]["containers"],
//!     json!([{"name": "app", "image": "app:2"}])
//! );
//! # Ok::<(), patchlaw::Error>(())
//! ```

mod apply;
mod builtin;
pub(crate) mod diff;
pub mod directive;
pub(crate) mod go;
pub(crate) mod list_order;
mod openapi;
pub(crate) mod schema;

pub use builtin::{GoField, GoStruct};
pub use schema::{Field, Schema, SchemaBuilder, Strategy};

use diff::Parts;

use serde_json::Value;

use crate::error::Error;
use crate::limits::Limits;

/// Applies the strategic merge patch `patch` to `doc` in place, with the
/// default [`Limits`].
///
/// `doc` must be an object, and so must `patch`; `null` counts as `{}` for
/// either, as in Kubernetes. On error `doc` is left exactly as it was.
///
/// # Errors
///
/// - [`ErrorKind::InvalidDirective`](crate::ErrorKind::InvalidDirective): a
///   `$patch` value other than `replace` or `delete` (in lists: `delete` or
///   a lone `replace`), a malformed `$retainKeys`, `$setElementOrder/` or
///   `$deleteFromPrimitiveList/` directive, a patch member a `$retainKeys`
///   does not list, or a patch list whose order contradicts its
///   `$setElementOrder`;
/// - [`ErrorKind::MissingMergeKey`](crate::ErrorKind::MissingMergeKey): an
///   element of a merged list of objects, in the patch or in the document,
///   without its merge key;
/// - [`ErrorKind::InvalidPatch`](crate::ErrorKind::InvalidPatch): `doc` or
///   `patch` not an object, or lists that cannot merge (lists of lists,
///   elements of different types, objects in a merge list without a merge
///   key, merge key values that are objects or arrays);
/// - [`ErrorKind::UnknownField`](crate::ErrorKind::UnknownField) and
///   [`ErrorKind::TypeMismatch`](crate::ErrorKind::TypeMismatch): under a
///   typed schema (built-in or OpenAPI), two objects or two lists at a
///   member the type does not declare or cannot hold — equal or not — or a
///   `$setElementOrder/` naming one, where Kubernetes refuses them
///   (`spec/40-strategic.md` D4.14);
/// - [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded): `patch`
///   nested deeper than the depth limit.
///
/// The error's [`pointer`](Error::pointer) names the place in the document
/// (for a refused member: the member).
///
/// ```
/// use patchlaw::strategic::{self, Schema};
/// use patchlaw::ErrorKind;
/// use serde_json::json;
///
/// let schema = Schema::builtin("apps/v1", "Deployment").unwrap();
/// let mut deployment = json!({"spec": {"replicas": 1, "extra": {"a": 1}}});
/// let err = strategic::apply(&mut deployment, &json!({"spec": {"extra": {"a": 2}}}), &schema)
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::UnknownField);
/// assert_eq!(err.pointer(), Some("/spec/extra"));
/// assert_eq!(
///     err.detail(),
///     "unable to find api field in struct DeploymentSpec for the json field \"extra\""
/// );
/// // Go's case-insensitive field match: `Replicas` is `replicas`, an int32.
/// let err = strategic::apply(
///     &mut json!({"spec": {"Replicas": {"a": {}}}}),
///     &json!({"spec": {"Replicas": {"a": {}}}}),
///     &schema,
/// )
/// .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::TypeMismatch);
/// ```
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::{self, Field, Schema};
/// use patchlaw::ErrorKind;
/// use serde_json::json;
///
/// let schema = Schema::builder().field("/spec/containers", Field::merge("name")).build()?;
/// let mut pod = json!({"spec": {"containers": [{"name": "a", "image": "a:1"}]}});
/// strategic::apply(&mut pod, &json!({"spec": {"containers": [{"name": "b", "image": "b:1"}]}}), &schema)?;
/// assert_eq!(pod["spec"]["containers"], json!([{"name": "b", "image": "b:1"}, {"name": "a", "image": "a:1"}]));
///
/// let err = strategic::apply(&mut pod, &json!({"spec": {"containers": [{"image": "c"}]}}), &schema)
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::MissingMergeKey);
/// assert_eq!(err.pointer(), Some("/spec/containers"));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn apply(doc: &mut Value, patch: &Value, schema: &Schema) -> Result<(), Error> {
    apply_with_limits(doc, patch, schema, Limits::new())
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
/// use patchlaw::strategic::{self, Schema};
/// use patchlaw::{ErrorKind, Limits};
/// use serde_json::json;
///
/// let mut doc = json!({});
/// let err = strategic::apply_with_limits(&mut doc, &json!({"a": {"b": {}}}), &Schema::empty(), Limits::new().max_depth(2))
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::LimitExceeded);
/// assert_eq!(doc, json!({}));
/// ```
pub fn apply_with_limits(
    doc: &mut Value,
    patch: &Value,
    schema: &Schema,
    limits: Limits,
) -> Result<(), Error> {
    apply::apply(doc, patch, schema, limits)
}

/// Computes the strategic merge patch that turns `from` into `to`, as
/// Kubernetes' `CreateTwoWayMergePatch` does, with the default [`Limits`].
///
/// The patch has the changed and added members, `null` for removed ones,
/// and for each `merge` list: the changed elements (by merge key, with only
/// their changes), `{"$patch": "delete", <key>: ..}` for removed elements,
/// `$setElementOrder/<list>` whenever the content or the order changed, and
/// for primitive lists the added values plus
/// `$deleteFromPrimitiveList/<list>`; `retainKeys` fields carry
/// `$retainKeys`. Atomic lists and `replace` fields are sent whole (a
/// `replace` object even when unchanged, as Kubernetes does).
///
/// # Errors
///
/// - [`ErrorKind::InvalidPatch`](crate::ErrorKind::InvalidPatch): `from` or
///   `to` not an object, or merge lists whose elements cannot be compared
///   (mixed types, lists of lists, object-valued merge keys);
/// - [`ErrorKind::MissingMergeKey`](crate::ErrorKind::MissingMergeKey): an
///   element of a merge list of objects without its merge key;
/// - [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded): an
///   input nested deeper than the depth limit.
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::{self, Field, Schema};
/// use serde_json::json;
///
/// let schema = Schema::builder().field("/containers", Field::merge("name")).build()?;
/// let from = json!({"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]});
/// let to = json!({"containers": [{"name": "a", "image": "a:2"}]});
/// let patch = strategic::diff(&from, &to, &schema)?;
/// assert_eq!(patch, json!({
///     "$setElementOrder/containers": [{"name": "a"}],
///     "containers": [{"name": "a", "image": "a:2"}, {"name": "b", "$patch": "delete"}],
/// }));
/// let mut doc = from.clone();
/// strategic::apply(&mut doc, &patch, &schema)?;
/// assert_eq!(doc, to);
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn diff(from: &Value, to: &Value, schema: &Schema) -> Result<Value, Error> {
    diff_with_limits(from, to, schema, Limits::new())
}

/// Computes the strategic merge patch from `from` to `to`, with explicit
/// [`Limits`].
///
/// # Errors
///
/// As [`diff`].
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::{self, Schema};
/// use patchlaw::Limits;
/// use serde_json::json;
///
/// let patch = strategic::diff_with_limits(&json!({"a": 1}), &json!({"b": 2}), &Schema::empty(), Limits::new())?;
/// assert_eq!(patch, json!({"a": null, "b": 2}));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn diff_with_limits(
    from: &Value,
    to: &Value,
    schema: &Schema,
    limits: Limits,
) -> Result<Value, Error> {
    diff::diff(from, to, schema, limits)
}

/// Which parts of the difference [`diff_with_options`] records, as
/// Kubernetes' `DiffOptions`: the changes (added and changed members and
/// elements), the deletions (`null`, `{"$patch": "delete"}`,
/// `$deleteFromPrimitiveList`), and the order directives
/// (`$setElementOrder`). The default records all three, as [`diff`] does;
/// the three-way merge diffs with one of the first two off, and its
/// conflict check without order.
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::DiffOptions;
///
/// let deletions_only = DiffOptions::new().changes(false);
/// assert!(!deletions_only.get_changes() && deletions_only.get_deletions());
/// assert_eq!(DiffOptions::default(), DiffOptions::new());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiffOptions {
    parts: Parts,
    limits: Limits,
}

impl DiffOptions {
    /// Everything recorded, default [`Limits`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::strategic::DiffOptions::new().get_element_order());
    /// ```
    #[must_use]
    pub const fn new() -> DiffOptions {
        DiffOptions {
            parts: Parts::TWO_WAY,
            limits: Limits::new(),
        }
    }

    /// Whether additions and changes are recorded (not Kubernetes'
    /// `IgnoreChangesAndAdditions`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!patchlaw::strategic::DiffOptions::new().changes(false).get_changes());
    /// ```
    #[must_use]
    pub const fn changes(self, on: bool) -> DiffOptions {
        let mut parts = self.parts;
        parts.changes = on;
        DiffOptions { parts, ..self }
    }

    /// Whether deletions are recorded (not Kubernetes' `IgnoreDeletions`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!patchlaw::strategic::DiffOptions::new().deletions(false).get_deletions());
    /// ```
    #[must_use]
    pub const fn deletions(self, on: bool) -> DiffOptions {
        let mut parts = self.parts;
        parts.deletions = on;
        DiffOptions { parts, ..self }
    }

    /// Whether `$setElementOrder` directives are written (Kubernetes'
    /// `SetElementOrder`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!patchlaw::strategic::DiffOptions::new().element_order(false).get_element_order());
    /// ```
    #[must_use]
    pub const fn element_order(self, on: bool) -> DiffOptions {
        let mut parts = self.parts;
        parts.element_order = on;
        DiffOptions { parts, ..self }
    }

    /// The [`Limits`] of the walk.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{strategic::DiffOptions, Limits};
    ///
    /// assert_eq!(DiffOptions::new().limits(Limits::unlimited()).get_limits(), Limits::unlimited());
    /// ```
    #[must_use]
    pub const fn limits(self, limits: Limits) -> DiffOptions {
        DiffOptions { limits, ..self }
    }

    /// See [`DiffOptions::changes`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::strategic::DiffOptions::new().get_changes());
    /// ```
    #[must_use]
    pub const fn get_changes(&self) -> bool {
        self.parts.changes
    }

    /// See [`DiffOptions::deletions`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::strategic::DiffOptions::new().get_deletions());
    /// ```
    #[must_use]
    pub const fn get_deletions(&self) -> bool {
        self.parts.deletions
    }

    /// See [`DiffOptions::element_order`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::strategic::DiffOptions::new().get_element_order());
    /// ```
    #[must_use]
    pub const fn get_element_order(&self) -> bool {
        self.parts.element_order
    }

    /// See [`DiffOptions::limits`].
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{strategic::DiffOptions, Limits};
    ///
    /// assert_eq!(DiffOptions::new().get_limits(), Limits::new());
    /// ```
    #[must_use]
    pub const fn get_limits(&self) -> Limits {
        self.limits
    }
}

impl Default for DiffOptions {
    fn default() -> DiffOptions {
        DiffOptions::new()
    }
}

/// Computes parts of the strategic merge patch from `from` to `to`
/// (Kubernetes' `diffMaps` with its `DiffOptions`); with everything on,
/// this is [`diff`].
///
/// # Errors
///
/// As [`diff`].
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::{self, DiffOptions, Schema};
/// use serde_json::json;
///
/// let (from, to) = (json!({"a": 1, "b": 2}), json!({"a": 3}));
/// let deletions = strategic::diff_with_options(&from, &to, &Schema::empty(), DiffOptions::new().changes(false))?;
/// assert_eq!(deletions, json!({"b": null}));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn diff_with_options(
    from: &Value,
    to: &Value,
    schema: &Schema,
    options: DiffOptions,
) -> Result<Value, Error> {
    diff::diff_parts(from, to, schema, options.parts, options.limits)
}
