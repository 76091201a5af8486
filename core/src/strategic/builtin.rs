//! The built-in schemas of the core Kubernetes kinds.
//!
//! Only fields with patch metadata are listed; every other field merges
//! (objects) or is replaced whole (lists), which is what Kubernetes does for
//! a field without metadata. The table follows Kubernetes v1.32 and is
//! checked field by field, both ways, against the published schemas (the
//! JSON Schemas of the PyPI package `kubernetes-validate`, which keep the
//! `x-kubernetes-patch-*` extensions of the OpenAPI document) by
//! `core/tests/strategic/builtin.rs`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::schema::{Field, Schema, SchemaBuilder};

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
}

/// The kinds of the table, as `(apiVersion, kind)`.
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

/// `ObjectMeta`: of every object, and of the templates inside objects
/// (pod templates, job templates, persistent volume claim templates).
const OBJECT_META: &[(&str, Meta)] = &[
    ("/finalizers", Meta::Primitives),
    ("/ownerReferences", Meta::Merge("uid")),
];

/// `Container` and `EphemeralContainer`. `ports` merge by `containerPort`
/// alone, although `x-kubernetes-list-map-keys` also names `protocol`:
/// strategic merge patch reads only the patch extensions.
const CONTAINER: &[(&str, Meta)] = &[
    ("/ports", Meta::Merge("containerPort")),
    ("/env", Meta::Merge("name")),
    ("/volumeMounts", Meta::Merge("mountPath")),
    ("/volumeDevices", Meta::Merge("devicePath")),
];

/// `PodSpec`, without its containers and the metadata of its ephemeral
/// volume claim templates. `tolerations` is atomic: it has no metadata.
const POD_SPEC: &[(&str, Meta)] = &[
    ("/volumes", Meta::MergeRetainKeys("name")),
    ("/initContainers", Meta::Merge("name")),
    ("/containers", Meta::Merge("name")),
    ("/ephemeralContainers", Meta::Merge("name")),
    ("/imagePullSecrets", Meta::Merge("name")),
    ("/hostAliases", Meta::Merge("ip")),
    ("/topologySpreadConstraints", Meta::Merge("topologyKey")),
    ("/resourceClaims", Meta::MergeRetainKeys("name")),
    ("/schedulingGates", Meta::Merge("name")),
];

/// `PodStatus`, without its container statuses.
const POD_STATUS: &[(&str, Meta)] = &[
    ("/conditions", Meta::Merge("type")),
    ("/podIPs", Meta::Merge("ip")),
    ("/hostIPs", Meta::Merge("ip")),
    ("/resourceClaimStatuses", Meta::MergeRetainKeys("name")),
];

/// `ContainerStatus`, in `initContainerStatuses`, `containerStatuses` and
/// `ephemeralContainerStatuses`.
const CONTAINER_STATUS: &[(&str, Meta)] = &[
    ("/volumeMounts", Meta::Merge("mountPath")),
    ("/allocatedResourcesStatus", Meta::Merge("name")),
];

/// The `conditions` of a status, merged by `type`.
const CONDITIONS: &[(&str, Meta)] = &[("/conditions", Meta::Merge("type"))];

/// `NodeStatus`.
const NODE_STATUS: &[(&str, Meta)] = &[
    ("/conditions", Meta::Merge("type")),
    ("/addresses", Meta::Merge("type")),
];

#[derive(Clone, Copy)]
enum Meta {
    Merge(&'static str),
    MergeRetainKeys(&'static str),
    Primitives,
    RetainKeys,
}

impl Meta {
    fn field(self) -> Field {
        match self {
            Meta::Merge(key) => Field::merge(key),
            Meta::MergeRetainKeys(key) => Field::merge(key).with_retain_keys(true),
            Meta::Primitives => Field::merge_primitives(),
            Meta::RetainKeys => Field::new().with_retain_keys(true),
        }
    }
}

struct Table {
    builder: SchemaBuilder,
}

impl Table {
    fn new() -> Table {
        Table {
            builder: Schema::builder(),
        }
        .with_metadata("")
    }

    fn with(mut self, prefix: &str, fields: &[(&str, Meta)]) -> Table {
        for (path, meta) in fields {
            self.builder = self.builder.field(&format!("{prefix}{path}"), meta.field());
        }
        self
    }

    /// `ObjectMeta` at `prefix`/metadata.
    fn with_metadata(self, prefix: &str) -> Table {
        self.with(&format!("{prefix}/metadata"), OBJECT_META)
    }

    /// A pod template (metadata and spec) at `prefix`.
    fn with_pod_template(self, prefix: &str) -> Table {
        self.with_metadata(prefix)
            .with_pod_spec(&format!("{prefix}/spec"))
    }

    fn with_pod_spec(self, spec: &str) -> Table {
        let mut table = self
            .with(spec, POD_SPEC)
            .with_metadata(&format!("{spec}/volumes/ephemeral/volumeClaimTemplate"));
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            table = table.with(&format!("{spec}/{list}"), CONTAINER);
        }
        table
    }

    fn with_pod_status(self, status: &str) -> Table {
        let mut table = self.with(status, POD_STATUS);
        for list in [
            "initContainerStatuses",
            "containerStatuses",
            "ephemeralContainerStatuses",
        ] {
            table = table.with(&format!("{status}/{list}"), CONTAINER_STATUS);
        }
        table
    }

    /// A persistent volume claim (metadata and status) at `prefix`: a
    /// StatefulSet's `volumeClaimTemplates` are whole claims.
    fn with_volume_claim(self, prefix: &str) -> Table {
        self.with_metadata(prefix)
            .with(&format!("{prefix}/status"), CONDITIONS)
    }

    fn build(self) -> Schema {
        self.builder.build().unwrap_or_else(|_| Schema::empty())
    }
}

fn build(kind: &str) -> Schema {
    let table = Table::new();
    let table = match kind {
        "Pod" => table.with_pod_spec("/spec").with_pod_status("/status"),
        "PodTemplate" => table.with_pod_template("/template"),
        "ReplicationController" | "DaemonSet" | "ReplicaSet" | "Job" => table
            .with_pod_template("/spec/template")
            .with("/status", CONDITIONS),
        "Deployment" => table
            .with_pod_template("/spec/template")
            .with("/spec", &[("/strategy", Meta::RetainKeys)])
            .with("/status", CONDITIONS),
        "StatefulSet" => table
            .with_pod_template("/spec/template")
            .with_volume_claim("/spec/volumeClaimTemplates")
            .with("/status", CONDITIONS),
        // The status of a CronJob has no patch metadata.
        "CronJob" => table
            .with_metadata("/spec/jobTemplate")
            .with_pod_template("/spec/jobTemplate/spec/template"),
        "Service" => table
            .with("/spec", &[("/ports", Meta::Merge("port"))])
            .with("/status", CONDITIONS),
        "ServiceAccount" => table.with("", &[("/secrets", Meta::Merge("name"))]),
        "Node" => table
            .with("/spec", &[("/podCIDRs", Meta::Primitives)])
            .with("/status", NODE_STATUS),
        "Namespace" | "PersistentVolumeClaim" => table.with("/status", CONDITIONS),
        // ConfigMap, Secret, Ingress and the RBAC kinds: only their
        // metadata (`rules`, `subjects`, Ingress `rules` and `tls` are
        // atomic lists).
        _ => table,
    };
    table.build()
}

/// The built-in schema of `apiVersion`/`kind`, each built once.
fn lookup(api_version: &str, kind: &str) -> Option<Schema> {
    static SCHEMAS: OnceLock<HashMap<(&str, &str), Schema>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            KINDS
                .iter()
                .map(|&(version, kind)| ((version, kind), build(kind)))
                .collect()
        })
        .get(&(api_version, kind))
        .cloned()
}
