//! What a write makes of an object, the same for every store: the checks
//! of a create, `generateName`, the patch of each type computed against the
//! live object, the `resourceVersion` and `uid` preconditions, and whether
//! a write changes anything. A store adds only how it reads the live object
//! and commits the result.

use patchlaw::strategic::{self, Schema};
use patchlaw::three_way::{self, Action, PlanOptions};
use serde_json::Value;

use super::Patch;
use crate::error::{Error, ErrorKind};
use crate::object::{
    kind_and_namespace, resource_version_of, set_resource_version, Key, Object, Revision,
};

/// What a patch comes to against the live object.
pub(crate) enum Planned {
    /// An apply of a missing object: create this value.
    Create(Value),
    /// Nothing changes: the live object is the answer.
    Unchanged(Object),
    /// Write this value over the live object (its `resourceVersion`
    /// precondition checked; the `uid` is checked by [`replaced`]).
    Replace(Value, Object),
}

/// Checks a value to create: a valid kind and namespace, no
/// `resourceVersion`.
pub(crate) fn check_new(object: &Value) -> Result<(), Error> {
    kind_and_namespace(object)?;
    if resource_version_of(object)?.is_some() {
        return Err(Error::new(
            ErrorKind::Invalid,
            "a new object must not name a resourceVersion",
        ));
    }
    Ok(())
}

/// Gives an object without a name one made from its
/// `metadata.generateName`: the prefix and five characters of the alphabet
/// Kubernetes uses, from the numbers `next` gives, until `taken` says a
/// name is free.
pub(crate) fn generate_name(
    object: &mut Value,
    mut next: impl FnMut() -> u64,
    mut taken: impl FnMut(&Key) -> Result<bool, Error>,
) -> Result<(), Error> {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let (kind, namespace) = {
        let (kind, namespace) = kind_and_namespace(object)?;
        (kind.to_owned(), namespace.to_owned())
    };
    let Some(Value::Object(metadata)) = object.get_mut("metadata") else {
        return Ok(());
    };
    let named = metadata
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let prefix = match metadata.get("generateName").and_then(Value::as_str) {
        Some(prefix) if !named && !prefix.is_empty() => prefix.to_owned(),
        _ => return Ok(()),
    };
    loop {
        let mut n = next();
        let mut name = prefix.clone();
        for _ in 0..5 {
            name.push(char::from(ALPHABET[(n % 27) as usize]));
            n /= 27;
        }
        if !taken(&Key::new(&kind, &namespace, &name))? {
            metadata.insert("name".to_owned(), Value::String(name));
            return Ok(());
        }
    }
}

/// Sets `metadata.uid`.
pub(crate) fn set_uid(object: &mut Value, uid: String) {
    if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
        metadata.insert("uid".to_owned(), Value::String(uid));
    }
}

/// What `patch` comes to against `current`, the live object at `key` (or
/// why there is none).
pub(crate) fn patched(
    key: &Key,
    current: Result<Object, Error>,
    patch: &Patch,
) -> Result<Planned, Error> {
    let (value, current) = match (patch, current) {
        (
            Patch::Apply {
                configuration,
                annotation,
            },
            current,
        ) => {
            let current = current.ok();
            let namespace = (!key.namespace().is_empty()).then_some(key.namespace());
            let options = PlanOptions::new()
                .annotation(annotation)
                .namespace(namespace);
            let schema = Schema::builtin_for(configuration);
            let plan = three_way::plan(
                configuration,
                current.as_ref().map(Object::value),
                schema.as_ref(),
                options,
            )
            .map_err(|e| Error::patch(e, key))?;
            match (plan.action, current) {
                (Action::Create, _) | (_, None) => {
                    same_key(key, &plan.result)?;
                    // A configuration that names a uid is about an object
                    // that exists: it never creates one.
                    if configuration["metadata"]
                        .get("uid")
                        .is_some_and(|u| !u.is_null())
                    {
                        return Err(Error::new(
                            ErrorKind::NotFound,
                            "the configuration names a uid, and there is no object",
                        )
                        .with_key(key));
                    }
                    return Ok(Planned::Create(plan.result));
                }
                (Action::Unchanged, Some(current)) => return Ok(Planned::Unchanged(current)),
                (_, Some(current)) => (plan.result, current),
            }
        }
        (_, Err(err)) => return Err(err),
        (Patch::Json(patch), Ok(current)) => {
            let mut value = current.to_value();
            patch.apply(&mut value).map_err(|e| Error::patch(e, key))?;
            (value, current)
        }
        (Patch::Merge(patch), Ok(current)) => {
            let mut value = current.to_value();
            patchlaw::merge_patch::apply(&mut value, patch).map_err(|e| Error::patch(e, key))?;
            (value, current)
        }
        (Patch::Strategic(patch), Ok(current)) => {
            let schema = Schema::builtin_for(current.value()).ok_or_else(|| {
                Error::new(
                    ErrorKind::UnsupportedPatch,
                    "no built-in schema for this kind: use a merge patch or a JSON Patch",
                )
                .with_key(key)
            })?;
            let mut value = current.to_value();
            strategic::apply(&mut value, patch, &schema).map_err(|e| Error::patch(e, key))?;
            (value, current)
        }
    };
    same_key(key, &value)?;
    let precondition = resource_version_of(&value).map_err(|e| e.with_key(key))?;
    check_precondition(key, &current, precondition)?;
    Ok(Planned::Replace(value, current))
}

/// The value to write over `current`, `None` when it changes nothing. A
/// value without a `metadata.uid` keeps the current one; another one is a
/// failed precondition, `conflict`, as on the API server. The value carries
/// the current `resourceVersion` (the store sets the new one).
pub(crate) fn replaced(
    key: &Key,
    current: &Object,
    mut value: Value,
) -> Result<Option<Value>, Error> {
    let uid = current.value()["metadata"].get("uid");
    if let (Some(uid), Some(Value::Object(metadata))) = (uid, value.get_mut("metadata")) {
        match metadata.get("uid") {
            None | Some(Value::Null) => {
                metadata.insert("uid".to_owned(), uid.clone());
            }
            Some(given) if given == uid => {}
            Some(given) => {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!("the object's uid is {uid}, not {given}"),
                )
                .with_key(key)
                .with_revision(current.resource_version()))
            }
        }
    }
    set_resource_version(&mut value, current.resource_version());
    if &value == current.value() {
        return Ok(None);
    }
    Ok(Some(value))
}

/// `conflict` unless `precondition` (when given) is the current object's
/// `resourceVersion`.
pub(crate) fn check_precondition(
    key: &Key,
    current: &Object,
    precondition: Option<Revision>,
) -> Result<(), Error> {
    match precondition {
        Some(expected) if expected != current.resource_version() => Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "the object is at resourceVersion {}, not {expected}",
                current.resource_version()
            ),
        )
        .with_key(key)
        .with_revision(current.resource_version())),
        _ => Ok(()),
    }
}

/// `invalid` unless `value` is an object at `key`.
fn same_key(key: &Key, value: &Value) -> Result<(), Error> {
    let found = Key::of(value).map_err(|e| e.with_key(key))?;
    if &found == key {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Invalid,
            format!("the result is {found}, not the object patched"),
        )
        .with_key(key))
    }
}

/// `gone`: the store is compacted to `compacted`.
pub(crate) fn gone(compacted: Revision) -> Error {
    Error::new(
        ErrorKind::Gone,
        format!("the store is compacted to revision {compacted}"),
    )
    .with_revision(compacted)
}
