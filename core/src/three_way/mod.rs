//! The three-way merge of `kubectl apply`: the patch that sets what the
//! user set, deletes what the user dropped, and leaves alone what other
//! writers did.
//!
//! `kubectl apply` keeps the configuration it last applied in an
//! annotation of the object and computes its patch from three documents:
//! that configuration (the *original*), the new configuration (the
//! *modified*) and the live object (the *current*). Additions and changes
//! come from the current object towards the modified one; deletions only
//! from the original towards the modified one, so a field the user never
//! set — the replicas an autoscaler manages, a sidecar an injector added —
//! is never deleted.
//!
//! | function | Kubernetes | used by kubectl for |
//! |---|---|---|
//! | [`strategic`] | `CreateThreeWayMergePatch` | kinds with a schema (the built-in kinds) |
//! | [`merge_patch`] | `CreateThreeWayJSONMergePatch` | custom resources and other kinds without one |
//! | [`plan`] | `kubectl apply`'s client-side decision | create, patch or leave unchanged |
//!
//! Both flavours return an [`Outcome`]: the patch and the [`Conflict`]s
//! found, places where the patch overwrites a change another writer made
//! since the last apply. With [`Options::overwrite`] off (`kubectl apply
//! --overwrite=false`), conflicts make the call fail with
//! [`ErrorKind::Conflict`], and the error still carries them
//! ([`Error::conflicts`]).
//!
//! The exact rules, as kubectl v1.32 computes them, are in the repository's
//! `spec/50-three-way.md`.
//!
//! # Examples
//!
//! An autoscaler set `replicas` and an injector added a sidecar; the user
//! changes the image. The patch changes the image and leaves both alone.
//!
//! ```
//! use patchlaw::strategic::{self, Schema};
//! use patchlaw::three_way::{self, Options};
//! use serde_json::json;
//!
//! let schema = Schema::builtin("apps/v1", "Deployment").expect("a built-in kind");
//! let original = json!({"spec": {"template": {"spec": {"containers": [
//!     {"name": "app", "image": "app:1"}]}}}});
//! let modified = json!({"spec": {"template": {"spec": {"containers": [
//!     {"name": "app", "image": "app:2"}]}}}});
//! let mut current = json!({"spec": {"replicas": 7, "template": {"spec": {"containers": [
//!     {"name": "app", "image": "app:1"}, {"name": "istio-proxy", "image": "proxy:1"}]}}}});
//!
//! let outcome = three_way::strategic(&original, &modified, &current, &schema, Options::new())?;
//! assert!(outcome.conflicts.is_empty());
//! strategic::apply(&mut current, &outcome.patch, &schema)?;
//! assert_eq!(current, json!({"spec": {"replicas": 7, "template": {"spec": {"containers": [
//!     {"name": "app", "image": "app:2"}, {"name": "istio-proxy", "image": "proxy:1"}]}}}}));
//! # Ok::<(), patchlaw::Error>(())
//! ```

mod annotation;
mod conflict;
mod merge_patch;
mod plan;
mod strategic;

pub use annotation::{last_applied, last_applied_text, LAST_APPLIED_ANNOTATION};
pub use conflict::{Conflict, Step};
pub use plan::{plan, Action, PatchType, Plan, PlanOptions, TOTAL_ANNOTATION_SIZE_LIMIT};

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::strategic::Schema;

/// Options of a three-way merge: whether conflicts block, and the
/// [`Limits`] of the walk.
///
/// The default is kubectl's: `overwrite` on, so conflicts are reported but
/// do not stop the merge.
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::Options;
/// use patchlaw::Limits;
///
/// let careful = Options::new().overwrite(false).limits(Limits::new().max_depth(64));
/// assert!(!careful.get_overwrite());
/// assert!(Options::default().get_overwrite());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    overwrite: bool,
    limits: Limits,
}

impl Options {
    /// kubectl's defaults: `overwrite` on, default [`Limits`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::three_way::Options::new(), Default::default());
    /// ```
    #[must_use]
    pub const fn new() -> Options {
        Options {
            overwrite: true,
            limits: Limits::new(),
        }
    }

    /// Whether the merge goes ahead over conflicts (`kubectl apply
    /// --overwrite`). Off, a conflict is an
    /// [`ErrorKind::Conflict`] error. The RFC
    /// 7396 flavour has no such switch in Kubernetes and ignores it.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!patchlaw::three_way::Options::new().overwrite(false).get_overwrite());
    /// ```
    #[must_use]
    pub const fn overwrite(self, overwrite: bool) -> Options {
        Options { overwrite, ..self }
    }

    /// The [`Limits`] of the walk.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{three_way::Options, Limits};
    ///
    /// assert_eq!(Options::new().limits(Limits::unlimited()).get_limits(), Limits::unlimited());
    /// ```
    #[must_use]
    pub const fn limits(self, limits: Limits) -> Options {
        Options { limits, ..self }
    }

    /// See [`Options::overwrite`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::three_way::Options::new().get_overwrite());
    /// ```
    #[must_use]
    pub const fn get_overwrite(&self) -> bool {
        self.overwrite
    }

    /// See [`Options::limits`].
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{three_way::Options, Limits};
    ///
    /// assert_eq!(Options::new().get_limits(), Limits::new());
    /// ```
    #[must_use]
    pub const fn get_limits(&self) -> Limits {
        self.limits
    }
}

impl Default for Options {
    fn default() -> Options {
        Options::new()
    }
}

/// What a three-way merge found: the patch, and the conflicts.
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::{self, Options};
/// use serde_json::json;
///
/// let outcome = three_way::merge_patch(&json!({"a": 1}), &json!({"b": 2}), &json!({"a": 1, "c": 3}), Options::new())?;
/// assert_eq!(outcome.patch, json!({"a": null, "b": 2}));
/// assert!(outcome.conflicts.is_empty());
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Outcome {
    /// The patch, to apply to the current object.
    pub patch: Value,
    /// Where the patch overwrites a change another writer made since the
    /// last apply.
    pub conflicts: Vec<Conflict>,
}

/// The strategic three-way patch (`CreateThreeWayMergePatch`, as kubectl
/// v1.32 computes it for kinds with a schema): the additions and changes
/// from `current` to `modified`, plus the deletions from `original` to
/// `modified`, with `$setElementOrder`, `$retainKeys` and
/// `$deleteFromPrimitiveList` where Kubernetes puts them.
///
/// Each document must be an object; `null` counts as `{}`, which is also
/// what a missing original is (a first apply, or an object another tool
/// created).
///
/// With `overwrite` off the patch is the one kubectl sends after its
/// conflict check, which sorts and deduplicates in place the lists of
/// scalars replaced whole (such as a container's `args`) that other
/// writers changed too: `["b", "a"]` may go out as `["a", "b"]`.
///
/// # Errors
///
/// - [`ErrorKind::InvalidPatch`]: a document that is neither an object nor
///   `null`, or lists that cannot be diffed (see
///   [`strategic::diff`](crate::strategic::diff));
/// - [`ErrorKind::MissingMergeKey`]: a merge-list element without its key;
/// - [`ErrorKind::Conflict`]: with `overwrite` off, a conflict
///   ([`Error::conflicts`] lists them);
/// - [`ErrorKind::UnknownField`] or [`ErrorKind::TypeMismatch`]: a field
///   the schema's types refuse (with `overwrite` off and no conflict, also
///   in the check: a `$deleteFromPrimitiveList` that both the patch and the
///   change since the last apply hold is looked up as a field);
/// - [`ErrorKind::LimitExceeded`]: a document nested deeper than the limit.
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::Schema;
/// use patchlaw::three_way::{self, Options};
/// use patchlaw::ErrorKind;
/// use serde_json::json;
///
/// let schema = Schema::builtin("v1", "ConfigMap").expect("built in");
/// let original = json!({"metadata": {"labels": {"team": "a", "tier": "web"}}});
/// let modified = json!({"metadata": {"labels": {"team": "b"}}});
/// let current = json!({"metadata": {"labels": {"team": "c", "tier": "web", "owner": "ops"}}});
///
/// // The user drops `tier`, changes `team`; another writer's `owner` stays.
/// let outcome = three_way::strategic(&original, &modified, &current, &schema, Options::new())?;
/// assert_eq!(outcome.patch, json!({"metadata": {"labels": {"team": "b", "tier": null}}}));
///
/// // Someone else had changed `team`: that is a conflict.
/// assert_eq!(outcome.conflicts.len(), 1);
/// let err = three_way::strategic(&original, &modified, &current, &schema, Options::new().overwrite(false))
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Conflict);
/// assert_eq!(err.conflicts(), &outcome.conflicts[..]);
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn strategic(
    original: &Value,
    modified: &Value,
    current: &Value,
    schema: &Schema,
    options: Options,
) -> Result<Outcome, Error> {
    strategic::three_way([original, modified, current], schema, options)
}

/// The RFC 7396 three-way patch (`CreateThreeWayJSONMergePatch`, which
/// kubectl v1.32 uses for kinds it has no schema for, such as custom
/// resources): the additions and changes from `current` to `modified`,
/// plus the deletions from `original` to `modified`, as one merge patch.
/// Arrays are replaced whole.
///
/// kubectl's preconditions hold: the patch may not change `apiVersion`,
/// `kind` or `metadata.name`. Kubernetes compares numbers as `float64`
/// here (`1` and `1.0` are equal). Its conflict check looks only for
/// disagreements between the user's changes and the user's deletions,
/// which never happen, so [`Outcome::conflicts`] is empty and
/// [`Options::overwrite`] changes nothing.
///
/// # Errors
///
/// - [`ErrorKind::InvalidPatch`]: a document that is neither an object nor
///   `null`;
/// - [`ErrorKind::PreconditionFailed`]: the patch would change
///   `apiVersion`, `kind` or `metadata.name`;
/// - [`ErrorKind::LimitExceeded`]: a document nested deeper than the limit.
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::{self, Options};
/// use patchlaw::ErrorKind;
/// use serde_json::json;
///
/// let original = json!({"kind": "Widget", "spec": {"size": 1, "color": "red"}});
/// let modified = json!({"kind": "Widget", "spec": {"size": 2}});
/// let current = json!({"kind": "Widget", "spec": {"size": 1, "color": "red", "zone": "b"}});
/// let outcome = three_way::merge_patch(&original, &modified, &current, Options::new())?;
/// assert_eq!(outcome.patch, json!({"spec": {"size": 2, "color": null}}));
///
/// let err = three_way::merge_patch(&original, &json!({"kind": "Gadget"}), &current, Options::new())
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::PreconditionFailed);
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn merge_patch(
    original: &Value,
    modified: &Value,
    current: &Value,
    options: Options,
) -> Result<Outcome, Error> {
    merge_patch::three_way([original, modified, current], options)
}

/// The original, modified and current documents as the objects Kubernetes
/// decodes them to: `null` is `{}`.
fn documents<'v>(
    docs: [&'v Value; 3],
    empty: &'v Map<String, Value>,
) -> Result<[&'v Map<String, Value>; 3], Error> {
    let mut objects = [empty; 3];
    for ((slot, doc), role) in objects
        .iter_mut()
        .zip(docs)
        .zip(["original", "modified", "current"])
    {
        *slot = match doc {
            Value::Object(members) => members,
            Value::Null => empty,
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidPatch,
                    format!("the {role} document of a three-way merge must be an object"),
                ))
            }
        };
    }
    Ok(objects)
}

/// The conflicts at `paths`, each with the value the original, modified
/// and current documents have there.
fn conflicts_at(paths: Vec<Vec<Step>>, docs: [&Value; 3]) -> Vec<Conflict> {
    paths
        .into_iter()
        .map(|path| {
            let [o, m, c] = docs.map(|doc| Step::find(doc, &path).cloned());
            Conflict::new(path, o, m, c)
        })
        .collect()
}

/// The error of a merge that conflicts without `overwrite`.
fn conflict_error(conflicts: Vec<Conflict>) -> Error {
    let shown: Vec<String> = conflicts.iter().take(3).map(ToString::to_string).collect();
    let more = conflicts.len().saturating_sub(shown.len());
    let mut detail = format!(
        "the patch overwrites changes made since the last apply: {}",
        shown.join("; ")
    );
    if more > 0 {
        detail.push_str(&format!(" (and {more} more)"));
    }
    Error::new(ErrorKind::Conflict, detail).with_conflicts(conflicts)
}
