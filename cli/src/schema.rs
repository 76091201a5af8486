//! The strategic schema of an object: from `--schema FILE` (OpenAPI v2 or
//! v3), or the built-in table for the kinds Kubernetes compiles in.

use std::path::Path;

use patchlaw::strategic::Schema;
use serde_json::Value;

use crate::document;
use crate::failure::Failure;

/// An OpenAPI document given with `--schema`, read once.
#[derive(Debug)]
pub(crate) struct OpenApi {
    name: String,
    document: Value,
}

impl OpenApi {
    /// Reads `--schema FILE`, if given.
    pub(crate) fn load(path: Option<&Path>) -> Result<Option<OpenApi>, Failure> {
        let Some(path) = path else { return Ok(None) };
        let name = path.display().to_string();
        let document = document::read(&name)?.single()?;
        Ok(Some(OpenApi { name, document }))
    }
}

/// The schema for `object`: its definition in `openapi` (the one whose
/// `x-kubernetes-group-version-kind` names the object's apiVersion and
/// kind, or whose name ends with `.Kind`), else the built-in one, else
/// none.
pub(crate) fn for_object(
    object: &Value,
    openapi: Option<&OpenApi>,
) -> Result<Option<Schema>, Failure> {
    if let Some(openapi) = openapi {
        if let Some(root) = root_for(&openapi.document, object) {
            return Schema::from_openapi(&openapi.document, &root)
                .map(Some)
                .map_err(|e| Failure::patchlaw(&openapi.name, &e, None));
        }
    }
    Ok(Schema::builtin_for(object))
}

/// `apiVersion kind` of an object, for messages.
pub(crate) fn kind_of(object: &Value) -> String {
    let text = |name: &str| object.get(name).and_then(Value::as_str).unwrap_or("?");
    format!("{} {}", text("apiVersion"), text("kind"))
}

fn root_for(document: &Value, object: &Value) -> Option<String> {
    let definitions = document
        .get("definitions")
        .or_else(|| document.get("components")?.get("schemas"))?
        .as_object()?;
    let api_version = object.get("apiVersion")?.as_str()?;
    let kind = object.get("kind")?.as_str()?;
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let names_it = |gvk: &Value| {
        gvk.get("group").and_then(Value::as_str).unwrap_or("") == group
            && gvk.get("version").and_then(Value::as_str) == Some(version)
            && gvk.get("kind").and_then(Value::as_str) == Some(kind)
    };
    let by_gvk = definitions.iter().find(|(_, definition)| {
        definition
            .get("x-kubernetes-group-version-kind")
            .and_then(Value::as_array)
            .is_some_and(|all| all.iter().any(names_it))
    });
    let by_name = || {
        definitions
            .keys()
            .find(|name| *name == kind || name.ends_with(&format!(".{kind}")))
    };
    by_gvk.map(|(name, _)| name).or_else(by_name).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn definitions_are_found_by_group_version_kind_then_name() {
        let document = json!({"definitions": {
            "com.example.v1.Widget": {"x-kubernetes-group-version-kind": [
                {"group": "example.com", "version": "v1", "kind": "Widget"}]},
            "Gadget": {},
        }});
        let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget"});
        assert_eq!(
            root_for(&document, &widget).as_deref(),
            Some("com.example.v1.Widget")
        );
        let gadget = json!({"apiVersion": "example.com/v1", "kind": "Gadget"});
        assert_eq!(root_for(&document, &gadget).as_deref(), Some("Gadget"));
        let other = json!({"apiVersion": "v1", "kind": "Pod"});
        assert_eq!(root_for(&document, &other), None);
    }
}
