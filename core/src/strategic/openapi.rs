//! Reading patch metadata from a Kubernetes OpenAPI document, version 2
//! (`/openapi/v2`) or 3 (`/openapi/v3/...`), into a [`Schema`].
//!
//! Kubernetes declares a field's patch strategy and merge key with the
//! extensions `x-kubernetes-patch-strategy` and
//! `x-kubernetes-patch-merge-key` of its property; list elements and map
//! values have the types of `items` and `additionalProperties`. Each named
//! definition becomes one object type of the schema's graph, read once,
//! so recursive types refer to themselves.
//!
//! The schema is typed as Kubernetes' `PatchMetaFromOpenAPIV3` types it: a
//! schema with `properties` declares exactly those names (matched exactly;
//! `additionalProperties` beside them plays no part); a schema without
//! `properties` — a map, a scalar, an object with no declared fields —
//! declares none, so an object or a list inside it is refused. A list's
//! elements have the type of the field's own `items`; a field without
//! `items` holds lists of its own type. One departure:
//! `x-kubernetes-preserve-unknown-fields: true` makes a type declare any
//! name (Kubernetes' lookup ignores the extension, which only custom
//! resources use, and kubectl patches those with JSON merge patch, never
//! with a strategic one).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::schema::{Declares, Entry, Field, Graph, Schema, Shape};
use crate::error::{Error, ErrorKind};

impl Schema {
    /// Reads patch metadata from an OpenAPI document: version 2
    /// (`definitions`, `$ref: "#/definitions/<name>"`, as Kubernetes serves
    /// `/openapi/v2`) or version 3 (`components.schemas`,
    /// `$ref: "#/components/schemas/<name>"`). `root` names the definition
    /// of the patched object, e.g. `io.k8s.api.apps.v1.Deployment`.
    ///
    /// Fields are read from `properties`, list elements from `items`, map
    /// values from `additionalProperties`, through `$ref` and single-entry
    /// `allOf` wrappers. Metadata comes from `x-kubernetes-patch-strategy`
    /// and `x-kubernetes-patch-merge-key` only; `x-kubernetes-list-map-keys`
    /// plays no part in strategic merge patch.
    ///
    /// The schema is typed by `properties`, as Kubernetes types it: an
    /// object or a list at a name a schema's `properties` lack, or inside a
    /// value whose schema has no `properties`, is refused
    /// ([`ErrorKind::UnknownField`]) — except under
    /// `x-kubernetes-preserve-unknown-fields: true`, which declares any
    /// name.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::PathNotFound`] when `root` or a `$ref` names no
    ///   definition;
    /// - [`ErrorKind::InvalidDirective`] for a malformed patch strategy;
    /// - [`ErrorKind::InvalidPatch`] when the document has neither
    ///   `definitions` nor `components.schemas`, or a `$ref` or extension is
    ///   not a string.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::Schema;
    /// use serde_json::json;
    ///
    /// let openapi = json!({"definitions": {
    ///     "Pod": {"properties": {"spec": {"$ref": "#/definitions/PodSpec"}}},
    ///     "PodSpec": {"properties": {"containers": {
    ///         "type": "array", "items": {"$ref": "#/definitions/Container"},
    ///         "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name"}}},
    ///     "Container": {"properties": {"name": {"type": "string"}}},
    /// }});
    /// let schema = Schema::from_openapi(&openapi, "Pod")?;
    /// assert_eq!(schema.lookup("/spec/containers")?.unwrap().merge_key(), Some("name"));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn from_openapi(document: &Value, root: &str) -> Result<Schema, Error> {
        let (definitions, prefix) = if let Some(defs) = document.get("definitions") {
            (defs, "#/definitions/")
        } else if let Some(defs) = document.get("components").and_then(|c| c.get("schemas")) {
            (defs, "#/components/schemas/")
        } else {
            return Err(Error::new(
                ErrorKind::InvalidPatch,
                "an OpenAPI document needs `definitions` (v2) or `components.schemas` (v3)",
            ));
        };
        let Value::Object(definitions) = definitions else {
            return Err(Error::new(
                ErrorKind::InvalidPatch,
                "the OpenAPI definitions must be an object",
            ));
        };
        let mut reader = OpenApiReader {
            definitions,
            prefix,
            graph: Graph::default(),
            by_name: HashMap::new(),
        };
        let root_schema = definitions.get(root).ok_or_else(|| {
            Error::new(
                ErrorKind::PathNotFound,
                format!("no definition named {root:?}"),
            )
        })?;
        let root = reader.named(root, root_schema)?;
        reader.graph.set_root(root);
        Ok(Schema::from_graph(reader.graph))
    }
}

struct OpenApiReader<'d> {
    definitions: &'d Map<String, Value>,
    prefix: &'static str,
    graph: Graph,
    by_name: HashMap<&'d str, usize>,
}

impl<'d> OpenApiReader<'d> {
    /// The node of the named definition, read once (recursive types refer
    /// to the node being read).
    fn named(&mut self, name: &'d str, schema: &'d Value) -> Result<usize, Error> {
        if let Some(&node) = self.by_name.get(name) {
            return Ok(node);
        }
        let node = self.graph.add_node();
        self.by_name.insert(name, node);
        self.fill(node, schema)?;
        Ok(node)
    }

    /// The node a schema describes, following `$ref` and `allOf`, or `None`
    /// for a schema without properties (scalars, free-form objects).
    fn node_of(&mut self, schema: &'d Value) -> Result<Option<usize>, Error> {
        let schema = self.resolve_wrappers(schema)?;
        if let Some(reference) = schema.get("$ref") {
            let (name, target) = self.reference(reference)?;
            return self.named(name, target).map(Some);
        }
        if schema.get("properties").is_none() && schema.get("additionalProperties").is_none() {
            if let Some(items) = schema.get("items") {
                return self.node_of(items);
            }
            return Ok(None);
        }
        let node = self.graph.add_node();
        self.fill(node, schema)?;
        Ok(Some(node))
    }

    /// A single-entry `allOf` stands for its entry (OpenAPI v3 wraps `$ref`
    /// in it to add a description or default).
    fn resolve_wrappers(&self, mut schema: &'d Value) -> Result<&'d Value, Error> {
        while schema.get("$ref").is_none() {
            match schema.get("allOf") {
                Some(Value::Array(all)) if all.len() == 1 => schema = &all[0],
                _ => break,
            }
        }
        Ok(schema)
    }

    /// The definition a `$ref` names, with its name.
    fn reference(&self, reference: &'d Value) -> Result<(&'d str, &'d Value), Error> {
        let Value::String(text) = reference else {
            return Err(Error::new(ErrorKind::InvalidPatch, "$ref must be a string"));
        };
        let name = text.strip_prefix(self.prefix).ok_or_else(|| {
            Error::new(
                ErrorKind::PathNotFound,
                format!("$ref {text:?} does not start with {:?}", self.prefix),
            )
        })?;
        let target = self.definitions.get(name).ok_or_else(|| {
            Error::new(
                ErrorKind::PathNotFound,
                format!("$ref names no definition: {name:?}"),
            )
        })?;
        Ok((name, target))
    }

    /// The schema itself, through wrappers and references.
    fn resolved(&self, schema: &'d Value) -> Result<&'d Value, Error> {
        // A definition that is only a reference to another: follow the chain
        // (a bounded number of hops, so that a cycle of bare references
        // cannot loop).
        let mut schema = self.resolve_wrappers(schema)?;
        let mut hops = 0;
        while let Some(reference) = schema.get("$ref") {
            hops += 1;
            if hops > self.definitions.len() {
                return Err(Error::new(
                    ErrorKind::InvalidPatch,
                    "a cycle of definitions that are only $ref",
                ));
            }
            schema = self.resolve_wrappers(self.reference(reference)?.1)?;
        }
        Ok(schema)
    }

    /// What a value of `schema` is merged as: its node when the schema
    /// declares names, otherwise a type that holds no members.
    fn shape(&self, schema: &'d Value) -> Result<Shape, Error> {
        let schema = self.resolved(schema)?;
        let typed = schema.get("properties").is_some_and(Value::is_object);
        Ok(if typed || preserves_unknown_fields(schema) {
            Shape::Node
        } else {
            Shape::NoProperties
        })
    }

    fn fill(&mut self, node: usize, schema: &'d Value) -> Result<(), Error> {
        let schema = self.resolved(schema)?;
        if !preserves_unknown_fields(schema) {
            self.graph.set_declares(node, Declares::Properties);
        }
        if let Some(Value::Object(properties)) = schema.get("properties") {
            for (name, property) in properties {
                let entry = self.entry(property)?;
                self.graph.set_field(node, name, entry);
            }
        }
        if let Some(additional @ Value::Object(_)) = schema.get("additionalProperties") {
            let entry = self.entry(additional)?;
            self.graph.set_any(node, entry);
        }
        Ok(())
    }

    fn entry(&mut self, property: &'d Value) -> Result<Entry, Error> {
        let text = |name: &str| -> Result<Option<&'d str>, Error> {
            match property.get(name) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(Error::new(
                    ErrorKind::InvalidPatch,
                    format!("{name} must be a string"),
                )),
            }
        };
        let mut field = match text("x-kubernetes-patch-strategy")? {
            Some(strategy) => Field::from_strategy_string(strategy)?,
            None => Field::new(),
        };
        if let Some(key) = text("x-kubernetes-patch-merge-key")? {
            field = field.with_merge_key(key);
        }
        let node = self.node_of(property)?;
        let object = self.shape(property)?;
        // `LookupPatchMetadataForSlice` takes the field's own `items`, and
        // keeps the field's schema when there are none.
        let list = match property.get("items") {
            Some(items) => self.shape(items)?,
            None => object,
        };
        Ok(Entry {
            field,
            node,
            object,
            list,
        })
    }
}

/// `x-kubernetes-preserve-unknown-fields: true`.
fn preserves_unknown_fields(schema: &Value) -> bool {
    schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openapi_v3_with_all_of_and_recursion() {
        let doc = json!({"components": {"schemas": {
            "T": {"properties": {
                "children": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/T"}]},
                             "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "id"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}}
            }}
        }}});
        let schema = Schema::from_openapi(&doc, "T").unwrap();
        let deep = schema
            .lookup("/children/children/children")
            .unwrap()
            .unwrap();
        assert_eq!(deep.merge_key(), Some("id"));
        assert_eq!(schema.lookup("/labels/x").unwrap(), None);
    }

    #[test]
    fn a_cycle_of_bare_references_is_an_error() {
        let doc = json!({"definitions": {
            "A": {"$ref": "#/definitions/B"},
            "B": {"allOf": [{"$ref": "#/definitions/A"}]},
        }});
        let err = Schema::from_openapi(&doc, "A").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidPatch);
        let missing = json!({"definitions": {"A": {"$ref": "#/definitions/Z"}}});
        assert_eq!(
            Schema::from_openapi(&missing, "A").unwrap_err().kind(),
            ErrorKind::PathNotFound
        );
    }
}
