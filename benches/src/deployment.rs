//! The Kubernetes-like `apps/v1` Deployment (≈15 KB), an edit of it, and
//! the same with a sidecar container inserted first; the builder of every
//! Deployment the workloads hold.

use patchlaw_conformance::strategy::random::SplitMix64;
use serde_json::{json, Value};

/// The pointers of the values [`deployment_edited`] changes: the replica
/// count, the image of the third container and the environment variable
/// appended to the first container.
pub const DEPLOYMENT_EDITED_POINTERS: &[&str] = &[
    "/spec/replicas",
    "/spec/template/spec/containers/2/image",
    "/spec/template/spec/containers/0/env/15/value",
];

/// A Kubernetes-like `apps/v1` Deployment of about 15 KB serialized.
///
/// Metadata with labels and annotations; a pod template whose spec has four
/// containers, each with 15 environment variables (plain values and
/// `valueFrom` references), ports, volume mounts, resources and three
/// probes; volumes, tolerations and node and pod anti-affinity; and a
/// `status`. `/spec/template/spec/containers/2/env/7/value` is a plain
/// string value (the benchmarks' long pointer).
///
/// # Examples
///
/// ```
/// let doc = patchlaw_benches::deployment();
/// assert_eq!(doc["kind"], "Deployment");
/// assert_eq!(doc["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(), 4);
/// ```
#[must_use]
pub fn deployment() -> Value {
    build_deployment(&mut SplitMix64::new(0x5EED_0001), "team-01", "shop-api")
}

/// [`deployment`] after a typical edit: `replicas` 3 → 5, a new image tag
/// for the third container, and an environment variable appended to the
/// first container (see [`DEPLOYMENT_EDITED_POINTERS`]).
///
/// As a merge patch (RFC 7396 replaces arrays whole) the edit is the new
/// replica count plus the whole `containers` array.
///
/// # Examples
///
/// ```
/// let edited = patchlaw_benches::deployment_edited();
/// assert_eq!(edited["spec"]["replicas"], 5);
/// assert_ne!(edited, patchlaw_benches::deployment());
/// ```
#[must_use]
pub fn deployment_edited() -> Value {
    let mut doc = deployment();
    doc["spec"]["replicas"] = json!(5);
    let containers = &mut doc["spec"]["template"]["spec"]["containers"];
    let image = containers[2]["image"].as_str().unwrap_or_default();
    let (repository, _) = image.rsplit_once(':').unwrap_or((image, ""));
    containers[2]["image"] = json!(format!("{repository}:v1.28.0"));
    if let Value::Array(env) = &mut containers[0]["env"] {
        env.push(json!({"name": "FEATURE_FLAGS", "value": "checkout-v2,fast-search"}));
    }
    doc
}

/// The pointer of the sidecar container [`deployment_sidecar`] inserts.
pub const DEPLOYMENT_SIDECAR_POINTER: &str = "/spec/template/spec/containers/0";

/// [`deployment`] with a sidecar container (an Envoy-like proxy with
/// its own ports, environment, mounts and probes) inserted before the
/// others, at [`DEPLOYMENT_SIDECAR_POINTER`], as an admission webhook
/// would.
///
/// # Examples
///
/// ```
/// let doc = patchlaw_benches::deployment_sidecar();
/// assert_eq!(doc["spec"]["template"]["spec"]["containers"][0]["name"], "istio-proxy");
/// assert_eq!(doc["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(), 5);
/// ```
#[must_use]
pub fn deployment_sidecar() -> Value {
    let mut doc = deployment();
    let mut rng = SplitMix64::new(0x5EED_0002);
    let mut sidecar = build_container(&mut rng, "shop-api", "istio-proxy", 4);
    sidecar["image"] = json!("docker.io/istio/proxyv2:1.24.1");
    if let Value::Array(containers) = &mut doc["spec"]["template"]["spec"]["containers"] {
        containers.insert(0, sidecar);
    }
    doc
}

/// The Deployment as another writer left it after [`deployment`] was
/// applied: [`deployment_sidecar`]'s injected container, `replicas` set by
/// an autoscaler (9) and a label added (`autoscaled: "true"`). With
/// [`deployment`] as the last-applied configuration and
/// [`deployment_edited`] as the new one, this is the three-way workload: the
/// user's edit plus other writers' changes, `replicas` among them a
/// conflict.
///
/// # Examples
///
/// ```
/// let live = patchlaw_benches::deployment_live();
/// assert_eq!(live["spec"]["replicas"], 9);
/// assert_eq!(live["spec"]["template"]["spec"]["containers"][0]["name"], "istio-proxy");
/// ```
#[must_use]
pub fn deployment_live() -> Value {
    let mut live = deployment_sidecar();
    live["spec"]["replicas"] = json!(9);
    live["metadata"]["labels"]["autoscaled"] = json!("true");
    live
}

/// Builds one Deployment from `rng`'s choices.
pub(crate) fn build_deployment(rng: &mut SplitMix64, namespace: &str, name: &str) -> Value {
    let team = namespace.trim_start_matches("team-");
    let labels = json!({
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": format!("{name}-prod"),
        "app.kubernetes.io/version": "1.27.3",
        "app.kubernetes.io/component": "backend",
        "app.kubernetes.io/part-of": "shop",
        "app.kubernetes.io/managed-by": "patchlaw-bench",
        "team": format!("team-{team}"),
        "tier": "web",
    });
    let selector = json!({
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": format!("{name}-prod"),
    });
    let container_names = ["app", "worker", "metrics-exporter", "log-shipper"];
    let containers: Vec<Value> = container_names
        .iter()
        .enumerate()
        .map(|(index, container)| build_container(rng, name, container, index))
        .collect();
    let volumes: Vec<Value> = VOLUMES
        .iter()
        .map(|(volume, _)| match *volume {
            "config" => json!({"name": volume, "configMap": {"name": format!("{name}-config"), "defaultMode": 420}}),
            "secrets" => json!({"name": volume, "secret": {"secretName": format!("{name}-secrets"), "defaultMode": 256}}),
            "tls" => json!({"name": volume, "secret": {"secretName": format!("{name}-tls"), "items": [
                {"key": "tls.crt", "path": "tls.crt"}, {"key": "tls.key", "path": "tls.key"}]}}),
            "cache" => json!({"name": volume, "emptyDir": {"sizeLimit": "512Mi"}}),
            _ => json!({"name": volume, "emptyDir": {}}),
        })
        .collect();
    let tolerations = json!([
        {"key": "dedicated", "operator": "Equal", "value": "shop", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    ]);
    let affinity = json!({
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [
                {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]},
                {"key": "node.example.com/pool", "operator": "In", "values": ["general", "compute"]},
            ]},
        ]}},
        "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "podAffinityTerm": {
                "labelSelector": {"matchLabels": selector},
                "topologyKey": "kubernetes.io/hostname",
            }},
            {"weight": 50, "podAffinityTerm": {
                "labelSelector": {"matchLabels": selector},
                "topologyKey": "topology.kubernetes.io/zone",
            }},
        ]},
    });
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": rng.uuid(),
            "resourceVersion": rng.below(90_000_000).to_string(),
            "generation": rng.below(40) + 1,
            "creationTimestamp": "2025-11-03T09:14:27Z",
            "labels": labels,
            "annotations": {
                "deployment.kubernetes.io/revision": (rng.below(30) + 1).to_string(),
                "example.com/owner": format!("team-{team}@example.com"),
                "example.com/runbook": format!("https://runbooks.example.com/{namespace}/{name}"),
                "example.com/change-cause": "routine release",
                "prometheus.io/scrape": "true",
                "prometheus.io/port": "9090",
            },
        },
        "spec": {
            "replicas": 3,
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "selector": {"matchLabels": selector},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {
                        "checksum/config": rng.hex(64),
                        "kubectl.kubernetes.io/default-container": "app",
                    },
                },
                "spec": {
                    "serviceAccountName": name,
                    "automountServiceAccountToken": false,
                    "terminationGracePeriodSeconds": 45,
                    "dnsPolicy": "ClusterFirst",
                    "restartPolicy": "Always",
                    "schedulerName": "default-scheduler",
                    "priorityClassName": "business-critical",
                    "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "fsGroup": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "imagePullSecrets": [{"name": "registry-credentials"}],
                    "nodeSelector": {"kubernetes.io/os": "linux", "node.example.com/pool": "general"},
                    "topologySpreadConstraints": [
                        {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                            "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": selector}},
                        {"maxSkew": 2, "topologyKey": "kubernetes.io/hostname",
                            "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": selector}},
                    ],
                    "containers": containers,
                    "volumes": volumes,
                    "tolerations": tolerations,
                    "affinity": affinity,
                },
            },
        },
        "status": {
            "observedGeneration": 7,
            "replicas": 3,
            "updatedReplicas": 3,
            "readyReplicas": 3,
            "availableReplicas": 3,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                    "lastUpdateTime": "2025-11-03T09:15:02Z", "lastTransitionTime": "2025-11-03T09:15:02Z"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                    "message": format!("ReplicaSet \"{name}-{}\" has successfully progressed.", rng.hex(10)),
                    "lastUpdateTime": "2025-11-03T09:16:40Z", "lastTransitionTime": "2025-11-03T09:14:27Z"},
            ],
        },
    })
}

/// The volumes of every pod, with the mount path their containers use.
const VOLUMES: &[(&str, &str)] = &[
    ("config", "/etc/app"),
    ("secrets", "/var/run/secrets/app"),
    ("tls", "/etc/tls"),
    ("cache", "/var/cache/app"),
    ("tmp", "/tmp"),
];

/// Builds the container at `index` of Deployment `deployment`.
fn build_container(rng: &mut SplitMix64, deployment: &str, container: &str, index: usize) -> Value {
    let env: Vec<Value> = (0..15)
        .map(|i| {
            let name = format!("{}_{}", rng.pick(WORDS), rng.pick(WORDS)).to_uppercase();
            // Every fifth variable is a reference; the others, index 7
            // included (the benchmarks' long pointer), are plain values.
            match i % 5 {
                4 => match rng.below(3) {
                    0 => json!({"name": name, "valueFrom": {"secretKeyRef": {
                        "name": format!("{deployment}-secrets"), "key": rng.pick(WORDS)}}}),
                    1 => json!({"name": name, "valueFrom": {"configMapKeyRef": {
                        "name": format!("{deployment}-config"), "key": rng.pick(WORDS), "optional": true}}}),
                    _ => json!({"name": name, "valueFrom": {"fieldRef": {
                        "apiVersion": "v1", "fieldPath": "metadata.namespace"}}}),
                },
                _ => json!({"name": name, "value": rng.value_string()}),
            }
        })
        .collect();
    let port = 8080 + index as u64;
    let mounts: Vec<Value> = VOLUMES
        .iter()
        .take(2 + index % 4)
        .map(|(volume, path)| json!({"name": volume, "mountPath": path, "readOnly": *volume != "cache" && *volume != "tmp"}))
        .collect();
    let probe = |path: &str, period: u64| {
        json!({
            "httpGet": {"path": path, "port": "http", "scheme": "HTTP"},
            "initialDelaySeconds": 5,
            "periodSeconds": period,
            "timeoutSeconds": 2,
            "successThreshold": 1,
            "failureThreshold": 3,
        })
    };
    json!({
        "name": container,
        "image": format!("registry.example.com/shop/{deployment}-{container}:v1.27.3"),
        "imagePullPolicy": "IfNotPresent",
        "args": ["--config=/etc/app/config.yaml", format!("--listen=:{port}"), "--log-format=json"],
        "ports": [
            {"name": "http", "containerPort": port, "protocol": "TCP"},
            {"name": "metrics", "containerPort": 9090 + index as u64, "protocol": "TCP"},
        ],
        "env": env,
        "resources": {
            "requests": {"cpu": format!("{}m", 100 * (rng.below(8) + 1)), "memory": format!("{}Mi", 128 * (rng.below(8) + 1))},
            "limits": {"cpu": "2", "memory": format!("{}Mi", 256 * (rng.below(8) + 1))},
        },
        "volumeMounts": mounts,
        "livenessProbe": probe("/healthz", 10),
        "readinessProbe": probe("/readyz", 5),
        "startupProbe": probe("/startz", 2),
        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
            "capabilities": {"drop": ["ALL"]}},
        "lifecycle": {"preStop": {"exec": {"command": ["/bin/sh", "-c", "sleep 10 && kill -TERM 1"]}}},
        "workingDir": "/srv/app",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    })
}

/// Words for generated names.
pub(crate) const WORDS: &[&str] = &[
    "cache", "db", "queue", "search", "auth", "token", "region", "zone", "pool", "timeout",
    "retry", "limit", "url", "host", "port", "user", "level", "mode", "bucket", "shard", "replica",
    "feature", "trace", "sample",
];

/// The choices of the workload builders beyond those of [`SplitMix64`].
pub(crate) trait Choices {
    /// `len` lower-case hexadecimal digits.
    fn hex(&mut self, len: usize) -> String;
    /// A UUID-shaped string.
    fn uuid(&mut self) -> String;
    /// An environment-variable value: a URL, a number, a flag or a token.
    fn value_string(&mut self) -> String;
}

impl Choices for SplitMix64 {
    fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from_digit(self.below(16) as u32, 16).unwrap_or('0'))
            .collect()
    }

    fn uuid(&mut self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(12)
        )
    }

    fn value_string(&mut self) -> String {
        match self.below(4) {
            0 => format!(
                "https://{}.{}.svc.cluster.local:{}/{}",
                self.pick(WORDS),
                self.pick(WORDS),
                8000 + self.below(1000),
                self.pick(WORDS)
            ),
            1 => self.below(100_000).to_string(),
            2 => ["true", "false"][self.below(2)].to_owned(),
            _ => self.hex(24),
        }
    }
}
