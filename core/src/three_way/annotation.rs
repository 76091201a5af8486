//! The last-applied configuration: the annotation `kubectl apply` keeps on
//! each object, read and written as kubectl v1.32 does.

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind};
use crate::order::remove_member;
use crate::strategic::go::json;

/// The annotation in which `kubectl apply` keeps the configuration it last
/// applied. A controller that applies with its own annotation targets only
/// the fields it set itself.
///
/// # Examples
///
/// ```
/// assert_eq!(
///     patchlaw::three_way::LAST_APPLIED_ANNOTATION,
///     "kubectl.kubernetes.io/last-applied-configuration"
/// );
/// ```
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The configuration last applied to `object` under the annotation
/// `annotation`, parsed; `None` when the object has no such annotation (or
/// an empty one), as for an object another tool created.
///
/// # Errors
///
/// [`ErrorKind::InvalidPatch`] when the annotation is not a JSON text (or
/// not a string).
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::{last_applied, LAST_APPLIED_ANNOTATION};
/// use serde_json::json;
///
/// let live = json!({"metadata": {"annotations": {
///     LAST_APPLIED_ANNOTATION: "{\"spec\":{\"replicas\":3}}\n"}}});
/// assert_eq!(last_applied(&live, LAST_APPLIED_ANNOTATION)?, Some(json!({"spec": {"replicas": 3}})));
/// assert_eq!(last_applied(&json!({}), LAST_APPLIED_ANNOTATION)?, None);
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn last_applied(object: &Value, annotation: &str) -> Result<Option<Value>, Error> {
    let Some(text) = object
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(annotation))
    else {
        return Ok(None);
    };
    let Value::String(text) = text else {
        return Err(Error::new(
            ErrorKind::InvalidPatch,
            format!("the annotation {annotation} is not a string"),
        ));
    };
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_str(text).map(Some).map_err(|err| {
        Error::new(
            ErrorKind::InvalidPatch,
            format!("the annotation {annotation} is not a JSON document: {err}"),
        )
    })
}

/// The text `kubectl apply` stores as the last-applied configuration of
/// `desired` under `annotation`: the object without that annotation (and
/// with `metadata.annotations` present, `{}` if nothing else), encoded as
/// Go's `encoding/json` encodes it — compact, members sorted, `<`, `>` and
/// `&` escaped, numbers as Go prints `int64` and `float64` — and a final
/// newline.
///
/// # Errors
///
/// [`ErrorKind::InvalidPatch`] when `desired` is not an object, or its
/// `metadata` is not an object.
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::{last_applied_text, LAST_APPLIED_ANNOTATION};
/// use serde_json::json;
///
/// let desired = json!({"kind": "ConfigMap", "apiVersion": "v1",
///     "metadata": {"name": "web"}, "data": {"ratio": 1.0, "html": "<b>"}});
/// assert_eq!(
///     last_applied_text(&desired, LAST_APPLIED_ANNOTATION)?,
///     "{\"apiVersion\":\"v1\",\"data\":{\"html\":\"\\u003cb\\u003e\",\"ratio\":1},\"kind\":\"ConfigMap\",\
///      \"metadata\":{\"annotations\":{},\"name\":\"web\"}}\n"
/// );
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn last_applied_text(desired: &Value, annotation: &str) -> Result<String, Error> {
    let mut object = desired.clone();
    set_annotations(&mut object, annotation, None)?;
    let mut text = String::new();
    json::encode(&object, &mut text);
    text.push('\n');
    Ok(text)
}

/// kubectl's `GetModifiedConfiguration`: `object`'s annotations become its
/// string-valued annotations without `annotation`, plus `annotation: text`
/// when given. (kubectl reads annotations as a map of strings; a map with
/// any other value reads as none.)
pub(crate) fn set_annotations(
    object: &mut Value,
    annotation: &str,
    text: Option<String>,
) -> Result<(), Error> {
    let metadata = metadata_mut(object)?;
    let mut annotations = match metadata.get("annotations") {
        Some(Value::Object(map)) if map.values().all(Value::is_string) => map.clone(),
        _ => Map::new(),
    };
    remove_member(&mut annotations, annotation);
    if let Some(text) = text {
        annotations.insert(annotation.to_owned(), Value::String(text));
    }
    metadata.insert("annotations".to_owned(), Value::Object(annotations));
    Ok(())
}

/// An object's `metadata`, made an empty object where it is absent or
/// `null`.
pub(crate) fn metadata_mut(object: &mut Value) -> Result<&mut Map<String, Value>, Error> {
    let Value::Object(members) = object else {
        return Err(Error::new(
            ErrorKind::InvalidPatch,
            "a Kubernetes object must be a JSON object",
        ));
    };
    let metadata = members
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if metadata.is_null() {
        *metadata = Value::Object(Map::new());
    }
    match metadata {
        Value::Object(metadata) => Ok(metadata),
        _ => Err(Error::new(
            ErrorKind::InvalidPatch,
            "the metadata of a Kubernetes object must be an object",
        )),
    }
}
