//! The directives of strategic merge patch: the member names and values
//! that are instructions rather than data.

use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// `$patch`: `replace` or `delete` on a map or a list element, `replace` as
/// a list element of its own.
pub const PATCH: &str = "$patch";
/// `$retainKeys`: the keys a map keeps.
pub const RETAIN_KEYS: &str = "$retainKeys";
/// `$deleteFromPrimitiveList/<field>`: values to remove from a primitive
/// list.
pub const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";
/// `$setElementOrder/<field>`: the order of a merged list's elements.
pub const SET_ELEMENT_ORDER: &str = "$setElementOrder";

/// The value `replace` of `$patch`.
pub const REPLACE: &str = "replace";
/// The value `delete` of `$patch`.
pub const DELETE: &str = "delete";
/// The value `merge` of `$patch`, which Kubernetes rejects.
pub const MERGE: &str = "merge";

/// The field a `$deleteFromPrimitiveList/<field>` or
/// `$setElementOrder/<field>` member names: everything after the first `/`.
/// Kubernetes recognises the directive by its prefix alone, so
/// `$setElementOrderX` is a malformed directive, not a field.
pub(crate) fn field_of<'k>(key: &'k str, prefix: &str) -> Result<&'k str, Error> {
    match key.split_once('/') {
        Some((head, field)) if head == prefix => Ok(field),
        _ => Err(Error::new(
            ErrorKind::InvalidDirective,
            format!("{key:?} is not of the form {prefix}/<field>"),
        )),
    }
}

/// Whether `value` is an object carrying `$patch: delete`.
pub(crate) fn is_delete_marker(value: &Value) -> bool {
    value
        .as_object()
        .and_then(|m| m.get(PATCH))
        .is_some_and(|d| d == DELETE)
}

/// Whether `value` is an object with a `$patch` member.
pub(crate) fn has_patch_directive(value: &Value) -> bool {
    value.as_object().is_some_and(|m| m.contains_key(PATCH))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_after_the_first_slash() {
        assert_eq!(
            field_of("$setElementOrder/a/b", SET_ELEMENT_ORDER).unwrap(),
            "a/b"
        );
        assert_eq!(
            field_of("$setElementOrder/", SET_ELEMENT_ORDER).unwrap(),
            ""
        );
        assert!(field_of("$setElementOrderX/a", SET_ELEMENT_ORDER).is_err());
        assert!(field_of("$setElementOrder", SET_ELEMENT_ORDER).is_err());
    }
}
