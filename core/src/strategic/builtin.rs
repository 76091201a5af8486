//! The built-in schemas of the core Kubernetes kinds.
//!
//! They are typed by the Go types of the Kubernetes API (v1.32), written
//! out in `builtin/go_types.txt`: for every struct the kinds reach, its
//! fields as Go's `encoding/json` sees them, the Go type of each, and the
//! patch metadata of its struct tags (`patchStrategy`, `patchMergeKey`),
//! which is where Kubernetes' strategic merge patch reads it for these
//! kinds. A member name a struct does not declare is refused where
//! Kubernetes refuses it ([`SchemaRef::lookup_struct`](super::schema)).
//! `conformance/tests/oracles/` checks the table against the published
//! schemas of Kubernetes v1.32 (the JSON Schemas of the PyPI package
//! `kubernetes-validate`, which keep the `x-kubernetes-patch-*` extensions
//! of the OpenAPI document): every type each kind reaches, every field,
//! both ways, and every field with patch metadata.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::schema::{Declares, Entry, Field, GoKind, Graph, Schema, Shape};
impl Schema {
    /// The built-in schema of a core Kubernetes kind, by `apiVersion` and
    /// `kind`: Pod, PodTemplate, ReplicationController, Deployment,
    /// StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Service, ConfigMap,
    /// Secret, ServiceAccount, Ingress, PersistentVolumeClaim, Node,
    /// Namespace and the RBAC kinds.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::Schema;
    ///
    /// let pod = Schema::builtin("v1", "Pod").unwrap();
    /// assert_eq!(pod.lookup("/spec/containers/ports")?.unwrap().merge_key(), Some("containerPort"));
    /// assert!(pod.lookup("/spec/tolerations")?.is_none()); // atomic
    /// assert!(Schema::builtin("example.com/v1", "Widget").is_none());
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn builtin(api_version: &str, kind: &str) -> Option<Schema> {
        lookup(api_version, kind)
    }

    /// The built-in schema for an object, by its own `apiVersion` and `kind`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::Schema;
    /// use serde_json::json;
    ///
    /// let schema = Schema::builtin_for(&json!({"apiVersion": "v1", "kind": "Service"})).unwrap();
    /// assert_eq!(schema.lookup("/spec/ports")?.unwrap().merge_key(), Some("port"));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn builtin_for(object: &Value) -> Option<Schema> {
        let api_version = object.get("apiVersion")?.as_str()?;
        let kind = object.get("kind")?.as_str()?;
        Schema::builtin(api_version, kind)
    }

    /// Every `(apiVersion, kind)` of the built-in table.
    ///
    /// # Examples
    ///
    /// ```
    /// let kinds = patchlaw::strategic::Schema::builtin_kinds();
    /// assert!(kinds.contains(&("apps/v1", "Deployment")));
    /// ```
    #[must_use]
    pub fn builtin_kinds() -> &'static [(&'static str, &'static str)] {
        KINDS
    }

    /// The Go types of the Kubernetes API (v1.32) that the built-in kinds
    /// reach, which type the built-in schemas: every struct, with its
    /// fields as Go's `encoding/json` sees them, their Go types and their
    /// patch metadata. Each kind's type has the kind's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::Schema;
    ///
    /// let types = Schema::builtin_go_types();
    /// let port = types.iter().find(|t| t.name() == "IntOrString").unwrap();
    /// let names: Vec<&str> = port.fields().iter().map(|f| f.name()).collect();
    /// assert_eq!(names, ["Type", "IntVal", "StrVal"]);
    /// ```
    #[must_use]
    pub fn builtin_go_types() -> &'static [GoStruct] {
        static TYPES: OnceLock<Vec<GoStruct>> = OnceLock::new();
        TYPES.get_or_init(go_types)
    }
}

/// The kinds of the table, as `(apiVersion, kind)`; each kind's Go type
/// has the kind's name.
const KINDS: &[(&str, &str)] = &[
    ("v1", "Pod"),
    ("v1", "PodTemplate"),
    ("v1", "ReplicationController"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("apps/v1", "ReplicaSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
    ("networking.k8s.io/v1", "Ingress"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "Node"),
    ("v1", "Namespace"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
];

/// The Go types, in the notation `builtin/go_types.txt` describes.
const GO_TYPES: &str = include_str!("builtin/go_types.txt");

/// A Go struct of the Kubernetes API, as the built-in schemas type it.
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::Schema;
///
/// let spec = Schema::builtin_go_types().iter().find(|t| t.name() == "DeploymentSpec").unwrap();
/// let replicas = spec.fields().iter().find(|f| f.name() == "replicas").unwrap();
/// assert_eq!(replicas.go_type(), "*int32");
/// ```
#[derive(Debug)]
pub struct GoStruct {
    name: &'static str,
    fields: Vec<GoField>,
}

impl GoStruct {
    /// The type's Go name, without its package (`ObjectMeta`).
    ///
    /// # Examples
    ///
    /// ```
    /// let types = patchlaw::strategic::Schema::builtin_go_types();
    /// assert!(types.iter().any(|t| t.name() == "ObjectMeta"));
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        self.name
    }

    /// The fields as Go's `encoding/json` sees them, in declaration order.
    ///
    /// # Examples
    ///
    /// ```
    /// let types = patchlaw::strategic::Schema::builtin_go_types();
    /// let time = types.iter().find(|t| t.name() == "Time").unwrap();
    /// assert!(time.fields().is_empty()); // its JSON is its own: a string
    /// ```
    #[must_use]
    pub fn fields(&self) -> &[GoField] {
        &self.fields
    }
}

/// A field of a [`GoStruct`].
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::Schema;
///
/// let pod_spec = Schema::builtin_go_types().iter().find(|t| t.name() == "PodSpec").unwrap();
/// let containers = pod_spec.fields().iter().find(|f| f.name() == "containers").unwrap();
/// assert_eq!(containers.go_type(), "[]Container");
/// assert_eq!(containers.metadata().merge_key(), Some("name"));
/// ```
#[derive(Debug)]
pub struct GoField {
    name: &'static str,
    go_type: &'static str,
    metadata: Field,
}

impl GoField {
    /// The member name: the `json` tag's name, or the Go field name of a
    /// field without one (IntOrString's `IntVal`).
    ///
    /// # Examples
    ///
    /// ```
    /// let types = patchlaw::strategic::Schema::builtin_go_types();
    /// let quantity = types.iter().find(|t| t.name() == "Quantity").unwrap();
    /// assert_eq!(quantity.fields()[0].name(), "Format");
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        self.name
    }

    /// The Go type: a struct's name, `*T`, `[]T`, `map[string]T`, or the
    /// kind of a scalar type (`string`, `int32`, `int64`, `bool`; `[]byte`
    /// for bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// let types = patchlaw::strategic::Schema::builtin_go_types();
    /// let spec = types.iter().find(|t| t.name() == "PodSpec").unwrap();
    /// let selector = spec.fields().iter().find(|f| f.name() == "nodeSelector").unwrap();
    /// assert_eq!(selector.go_type(), "map[string]string");
    /// ```
    #[must_use]
    pub fn go_type(&self) -> &str {
        self.go_type
    }

    /// The patch metadata of the field's struct tags.
    ///
    /// # Examples
    ///
    /// ```
    /// let types = patchlaw::strategic::Schema::builtin_go_types();
    /// let meta = types.iter().find(|t| t.name() == "ObjectMeta").unwrap();
    /// let finalizers = meta.fields().iter().find(|f| f.name() == "finalizers").unwrap();
    /// assert_eq!(finalizers.metadata().to_strategy_string(), "merge");
    /// ```
    #[must_use]
    pub fn metadata(&self) -> &Field {
        &self.metadata
    }
}

/// The Go types of [`GO_TYPES`], in the table's order.
///
/// # Panics
///
/// On a malformed line (the text is a constant, which the tests read).
fn go_types() -> Vec<GoStruct> {
    let mut types: Vec<GoStruct> = Vec::new();
    for line in GO_TYPES
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let Some(fields) = line.strip_prefix("    ") else {
            types.push(GoStruct {
                name: line.trim_end(),
                fields: Vec::new(),
            });
            continue;
        };
        let Some(go_struct) = types.last_mut() else {
            panic!("fields before the first type: {line:?}");
        };
        // A field never spans two lines.
        for field in fields.split(';').map(str::trim).filter(|f| !f.is_empty()) {
            go_struct.fields.push(go_field(field));
        }
    }
    types
}

/// `name type [strategy:key]`.
fn go_field(field: &'static str) -> GoField {
    let mut words = field.split_whitespace();
    let (Some(json), Some(go), meta, None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        panic!("a field is `name type [strategy:key]`: {field:?}");
    };
    let meta = meta.map_or_else(Field::new, |meta| {
        let (strategy, key) = meta.split_once(':').unwrap_or((meta, ""));
        let parsed =
            Field::from_strategy_string(strategy).unwrap_or_else(|err| panic!("{field:?}: {err}"));
        if key.is_empty() {
            parsed
        } else {
            parsed.with_merge_key(key)
        }
    });
    GoField {
        name: json,
        go_type: go,
        metadata: meta,
    }
}

/// The graph of every Go type of the table, one node per struct, and the
/// node of each type name.
fn go_graph() -> (Graph, HashMap<&'static str, usize>) {
    let types = Schema::builtin_go_types();
    let mut graph = Graph::default();
    let mut nodes = HashMap::new();
    for go_struct in types {
        let node = graph.add_node();
        graph.set_declares(node, Declares::GoStruct(go_struct.name.into()));
        nodes.insert(go_struct.name, node);
    }
    for go_struct in types {
        for field in &go_struct.fields {
            let entry = go_entry(field.go_type, field.metadata.clone(), &nodes);
            graph.set_field(nodes[go_struct.name], field.name, entry);
        }
    }
    (graph, nodes)
}

/// The entry of a field of Go type `go`: what `LookupPatchMetadataForStruct`
/// finds there (the type, one pointer dereferenced) and what
/// `LookupPatchMetadataForSlice` finds (the element type of a slice, the
/// pointee of a pointer, nothing else).
fn go_entry(go: &str, field: Field, nodes: &HashMap<&str, usize>) -> Entry {
    let (pointer, target) = match go.strip_prefix('*') {
        Some(target) => (true, target),
        None => (false, go),
    };
    let (node, value) = go_value(target, nodes);
    let object = match value {
        Shape::Node if pointer => Shape::Pointer,
        other => other,
    };
    let (node, list) = match target.strip_prefix("[]") {
        Some(element) => match element.strip_prefix('*') {
            Some(pointee) => {
                let (node, shape) = go_value(pointee, nodes);
                (
                    node,
                    if shape == Shape::Node {
                        Shape::Pointer
                    } else {
                        shape
                    },
                )
            }
            None => go_value(element, nodes),
        },
        None if pointer => (node, value),
        None => (node, Shape::NotList),
    };
    Entry {
        field,
        node,
        object,
        list,
    }
}

/// The node and shape of a value of the Go type `go` (not a pointer).
fn go_value(go: &str, nodes: &HashMap<&str, usize>) -> (Option<usize>, Shape) {
    if let Some(element) = go.strip_prefix("[]") {
        let element = element.trim_start_matches('*');
        return (nodes.get(element).copied(), Shape::Go(GoKind::Slice));
    }
    if go.starts_with("map[") {
        return (None, Shape::Go(GoKind::Map));
    }
    if let Some(&node) = nodes.get(go) {
        return (Some(node), Shape::Node);
    }
    let kind = match go {
        "byte" => GoKind::Uint8,
        other => GoKind::from_name(other)
            .unwrap_or_else(|| panic!("{other:?} is neither a type of the table nor a Go kind")),
    };
    (None, Shape::Go(kind))
}

/// The built-in schema of `apiVersion`/`kind`: one graph, built once, for
/// all the kinds, each rooted at its Go type.
fn lookup(api_version: &str, kind: &str) -> Option<Schema> {
    static SCHEMAS: OnceLock<HashMap<(&str, &str), Schema>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            let (graph, nodes) = go_graph();
            let all = Schema::from_graph(graph);
            KINDS
                .iter()
                .map(|&(version, kind)| {
                    let root = *nodes
                        .get(kind)
                        .unwrap_or_else(|| panic!("no Go type for the kind {kind}"));
                    ((version, kind), all.rooted_at(root))
                })
                .collect()
        })
        .get(&(api_version, kind))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_and_names_only_its_own_types() {
        let types = Schema::builtin_go_types();
        assert_eq!(types.len(), 229);
        assert_eq!(types.iter().map(|t| t.fields.len()).sum::<usize>(), 1019);
        let (_, nodes) = go_graph();
        for (_, kind) in KINDS {
            assert!(nodes.contains_key(kind), "{kind}");
        }
    }
}
