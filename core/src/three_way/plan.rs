//! The client-side decision of `kubectl apply`, offline: create, patch (and
//! with which patch), or leave unchanged.

use serde_json::{Map, Value};

use super::annotation::{last_applied, last_applied_text, set_annotations};
use super::{Conflict, Options, LAST_APPLIED_ANNOTATION};
use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::strategic::Schema;

/// Kubernetes' limit on the size of all of an object's annotations
/// together: names and values, in bytes.
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// Options of [`plan`]: the annotation that holds the last-applied
/// configuration, whether conflicts block, the namespace to fill in.
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::PlanOptions;
///
/// let controller = PlanOptions::new().annotation("example.com/last-applied").overwrite(false);
/// assert_eq!(controller.get_annotation(), "example.com/last-applied");
/// assert_eq!(PlanOptions::new().get_annotation(), patchlaw::three_way::LAST_APPLIED_ANNOTATION);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanOptions<'a> {
    annotation: &'a str,
    namespace: Option<&'a str>,
    merge: Options,
}

impl<'a> PlanOptions<'a> {
    /// kubectl's defaults: its annotation, `overwrite` on, no namespace
    /// filled in.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::three_way::PlanOptions::new().get_overwrite());
    /// ```
    #[must_use]
    pub const fn new() -> PlanOptions<'static> {
        PlanOptions {
            annotation: LAST_APPLIED_ANNOTATION,
            namespace: None,
            merge: Options::new(),
        }
    }

    /// The annotation that holds the last-applied configuration: kubectl's
    /// by default; a controller keeps its own, so that its applies delete
    /// only what it set itself.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = patchlaw::three_way::PlanOptions::new().annotation("example.com/applied");
    /// assert_eq!(options.get_annotation(), "example.com/applied");
    /// ```
    #[must_use]
    pub const fn annotation<'b>(self, annotation: &'b str) -> PlanOptions<'b>
    where
        'a: 'b,
    {
        PlanOptions {
            annotation,
            namespace: self.namespace,
            merge: self.merge,
        }
    }

    /// Whether the apply goes ahead over conflicts (`--overwrite`, on by
    /// default).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!patchlaw::three_way::PlanOptions::new().overwrite(false).get_overwrite());
    /// ```
    #[must_use]
    pub const fn overwrite(self, overwrite: bool) -> PlanOptions<'a> {
        PlanOptions {
            merge: self.merge.overwrite(overwrite),
            ..self
        }
    }

    /// The namespace to set on a desired object that names none, as kubectl
    /// sets that of its context (or `--namespace`) on namespaced kinds.
    /// Leave it unset for cluster-scoped kinds.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = patchlaw::three_way::PlanOptions::new().namespace(Some("default"));
    /// assert_eq!(options.get_namespace(), Some("default"));
    /// ```
    #[must_use]
    pub const fn namespace<'b>(self, namespace: Option<&'b str>) -> PlanOptions<'b>
    where
        'a: 'b,
    {
        PlanOptions {
            annotation: self.annotation,
            namespace,
            merge: self.merge,
        }
    }

    /// The [`Limits`] of the merge.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{three_way::PlanOptions, Limits};
    ///
    /// assert_eq!(PlanOptions::new().limits(Limits::unlimited()).get_limits(), Limits::unlimited());
    /// ```
    #[must_use]
    pub const fn limits(self, limits: Limits) -> PlanOptions<'a> {
        PlanOptions {
            merge: self.merge.limits(limits),
            ..self
        }
    }

    /// See [`PlanOptions::annotation`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::three_way::PlanOptions::new().get_annotation().starts_with("kubectl"));
    /// ```
    #[must_use]
    pub const fn get_annotation(&self) -> &'a str {
        self.annotation
    }

    /// See [`PlanOptions::overwrite`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::three_way::PlanOptions::new().get_overwrite());
    /// ```
    #[must_use]
    pub const fn get_overwrite(&self) -> bool {
        self.merge.get_overwrite()
    }

    /// See [`PlanOptions::namespace`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::three_way::PlanOptions::new().get_namespace(), None);
    /// ```
    #[must_use]
    pub const fn get_namespace(&self) -> Option<&'a str> {
        self.namespace
    }

    /// See [`PlanOptions::limits`].
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{three_way::PlanOptions, Limits};
    ///
    /// assert_eq!(PlanOptions::new().get_limits(), Limits::new());
    /// ```
    #[must_use]
    pub const fn get_limits(&self) -> Limits {
        self.merge.get_limits()
    }
}

impl Default for PlanOptions<'static> {
    fn default() -> Self {
        PlanOptions::new()
    }
}

/// The kind of patch an apply sends.
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::PatchType;
///
/// assert_eq!(PatchType::Strategic.content_type(), "application/strategic-merge-patch+json");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PatchType {
    /// A strategic merge patch, for kinds with a schema.
    Strategic,
    /// An RFC 7396 merge patch, for kinds without one.
    Merge,
}

impl PatchType {
    /// The HTTP `Content-Type` kubectl sends the patch with.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::PatchType;
    ///
    /// assert_eq!(PatchType::Merge.content_type(), "application/merge-patch+json");
    /// ```
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            PatchType::Strategic => "application/strategic-merge-patch+json",
            PatchType::Merge => "application/merge-patch+json",
        }
    }
}

/// What an apply does.
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::{Action, PatchType};
///
/// assert_ne!(Action::Patch(PatchType::Strategic), Action::Unchanged);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// There is no live object: create it (HTTP `POST`).
    Create,
    /// Patch the live object (HTTP `PATCH` with this type).
    Patch(PatchType),
    /// The patch is empty: nothing is sent (`kubectl` prints "unchanged").
    Unchanged,
}

/// The whole client-side decision of `kubectl apply` for one object.
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::{plan, Action, PlanOptions};
/// use serde_json::json;
///
/// let desired = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
/// let created = plan(&desired, None, None, PlanOptions::new())?;
/// assert_eq!(created.action, Action::Create);
/// let again = plan(&desired, Some(&created.result), None, PlanOptions::new())?;
/// assert_eq!(again.action, Action::Unchanged);
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Plan {
    /// What kubectl does.
    pub action: Action,
    /// What it sends: the object to create, or the patch (`{}` when
    /// unchanged).
    pub body: Value,
    /// Where the patch overwrites another writer's changes (see
    /// [`Conflict`]). With kubectl's own flow the annotation itself is one
    /// of them whenever the configuration changed: the original (read from
    /// the annotation) never holds the annotation, and the live object does.
    pub conflicts: Vec<Conflict>,
    /// The new value of the last-applied annotation.
    pub last_applied: String,
    /// The object after the apply, as patchlaw applies the body to the live
    /// object (the created object, for a create).
    pub result: Value,
}

/// Decides, as `kubectl apply` (client-side) does, what to do to make the
/// live object `live` (or nothing, `None`) match `desired`: create it, or
/// patch it with the three-way patch from its last-applied configuration,
/// or nothing.
///
/// With a `schema` the patch is strategic (as kubectl does for the kinds it
/// knows); without one it is an RFC 7396 merge patch (as for custom
/// resources). The new configuration carries its last-applied annotation,
/// written as kubectl writes it.
///
/// # Errors
///
/// - [`ErrorKind::InvalidPatch`]: `desired` or `live` not an object, or a
///   last-applied annotation that is not JSON;
/// - [`ErrorKind::LimitExceeded`]: the annotations would exceed Kubernetes'
///   256 KiB for all of an object's annotations together
///   ([`TOTAL_ANNOTATION_SIZE_LIMIT`]), or an input is nested too deep;
/// - the errors of [`strategic`](super::strategic) and
///   [`merge_patch`](super::merge_patch), among them
///   [`ErrorKind::Conflict`] with `overwrite` off.
///
/// # Examples
///
/// The classic: an autoscaler owns `replicas`, an injector added a sidecar.
///
/// ```
/// use patchlaw::strategic::{self, Schema};
/// use patchlaw::three_way::{plan, Action, PatchType, PlanOptions};
/// use serde_json::json;
///
/// let schema = Schema::builtin("apps/v1", "Deployment").expect("a built-in kind");
/// let manifest = |image: &str| json!({"apiVersion": "apps/v1", "kind": "Deployment",
///     "metadata": {"name": "web"},
///     "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}});
///
/// let mut live = plan(&manifest("app:1"), None, Some(&schema), PlanOptions::new())?.result;
/// live["spec"]["replicas"] = json!(7);
/// live["spec"]["template"]["spec"]["containers"]
///     .as_array_mut().unwrap().push(json!({"name": "istio-proxy", "image": "proxy:1"}));
///
/// let apply = plan(&manifest("app:2"), Some(&live), Some(&schema), PlanOptions::new())?;
/// assert_eq!(apply.action, Action::Patch(PatchType::Strategic));
/// assert_eq!(apply.result["spec"]["replicas"], 7);
/// assert_eq!(apply.result["spec"]["template"]["spec"]["containers"], json!([
///     {"name": "app", "image": "app:2"}, {"name": "istio-proxy", "image": "proxy:1"}]));
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn plan(
    desired: &Value,
    live: Option<&Value>,
    schema: Option<&Schema>,
    options: PlanOptions<'_>,
) -> Result<Plan, Error> {
    let limits = options.get_limits();
    limits.check_depth(desired)?;
    let mut modified = desired.clone();
    if let Some(namespace) = options.get_namespace() {
        fill_namespace(&mut modified, namespace)?;
    }
    let annotation = options.get_annotation();
    let text = last_applied_text(&modified, annotation)?;
    set_annotations(&mut modified, annotation, Some(text.clone()))?;
    check_annotation_size(&modified)?;
    let Some(live) = live else {
        let mut object = modified;
        super::merge_patch::prune_nulls(&mut object);
        return Ok(Plan {
            action: Action::Create,
            body: object.clone(),
            conflicts: Vec::new(),
            last_applied: text,
            result: object,
        });
    };
    if !live.is_object() {
        return Err(Error::new(
            ErrorKind::InvalidPatch,
            "the live object must be a JSON object",
        ));
    }
    let original = last_applied(live, annotation)?.unwrap_or(Value::Null);
    let (outcome, patch_type) = match schema {
        Some(schema) => (
            super::strategic(&original, &modified, live, schema, options.merge)?,
            PatchType::Strategic,
        ),
        None => (
            super::merge_patch(&original, &modified, live, options.merge)?,
            PatchType::Merge,
        ),
    };
    let unchanged = outcome.patch.as_object().is_some_and(Map::is_empty);
    let mut result = live.clone();
    if !unchanged {
        match schema {
            Some(schema) => {
                crate::strategic::apply_with_limits(&mut result, &outcome.patch, schema, limits)?
            }
            None => crate::merge_patch::apply_with_limits(&mut result, &outcome.patch, limits)?,
        }
    }
    Ok(Plan {
        action: if unchanged {
            Action::Unchanged
        } else {
            Action::Patch(patch_type)
        },
        body: outcome.patch,
        conflicts: outcome.conflicts,
        last_applied: text,
        result,
    })
}

fn fill_namespace(object: &mut Value, namespace: &str) -> Result<(), Error> {
    let metadata = super::annotation::metadata_mut(object)?;
    let missing = metadata
        .get("namespace")
        .map_or(true, |ns| ns.is_null() || ns.as_str() == Some(""));
    if missing {
        metadata.insert("namespace".to_owned(), Value::String(namespace.to_owned()));
    }
    Ok(())
}

/// Kubernetes' `ValidateAnnotationsSize`.
fn check_annotation_size(object: &Value) -> Result<(), Error> {
    let Some(Value::Object(annotations)) =
        object.get("metadata").and_then(|m| m.get("annotations"))
    else {
        return Ok(());
    };
    let total: usize = annotations
        .iter()
        .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
        .sum();
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "the annotations would take {total} bytes, more than Kubernetes allows ({TOTAL_ANNOTATION_SIZE_LIMIT})"
            ),
        )
        .with_pointer("/metadata/annotations"));
    }
    Ok(())
}
