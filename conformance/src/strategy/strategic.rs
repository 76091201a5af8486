//! Generators for strategic merge patch: schemas, documents valid under
//! them, and patches with directives.
//!
//! Two families:
//!
//! - **Built-in kinds.** A Deployment (`apps/v1`), Pod or Service (`v1`)
//!   shaped as a cluster holds them ([`arb_builtin_object`]), and a patch
//!   written for one ([`arb_strategic_patch_for`]). kubectl applies these
//!   offline, so `tests/kubectl.rs` checks patchlaw against it on them.
//! - **Generated schemas.** A small OpenAPI v2 schema, a document valid
//!   under it and a patch ([`arb_strategic_case`]), or a document and an
//!   edit of it ([`arb_strategic_pair`]), for the laws.
//!
//! The cases are built by small deterministic builders from seeds that
//! proptest draws, because the choices depend on one another: a patch names
//! the containers the object has, a `$setElementOrder` lists the keys its
//! patch list holds, a `$retainKeys` lists the keys its map sets. proptest
//! shrinks the number of edits and the size, not the single choices.
//!
//! What the generators never produce, and why:
//!
//! - `null` elements and mixed scalar/object elements in lists that merge,
//!   and merge keys whose value is an object or a list: kubectl panics on
//!   them (an invalid object a cluster would not hold anyway);
//! - integral doubles (`80.0`) in live objects: kubectl re-encodes the
//!   object through Go before patching, so `80.0` in a file reaches the
//!   patch code as the integer `80`, which says nothing about strategic
//!   merge patch (patches do carry them: there Kubernetes keeps them as
//!   `float64`, and `80.0` does not match the key `80`);
//! - a patch with both `$deleteFromPrimitiveList/f` and a list `f` in one
//!   map: Kubernetes then applies the two in Go's random map order, so its
//!   result is not deterministic.

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------
// Built-in kinds

/// The built-in kinds the generators write objects of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinKind {
    /// `apps/v1` Deployment: a pod template, `strategy` (retainKeys).
    Deployment,
    /// `v1` Pod.
    Pod,
    /// `v1` Service: `ports` merge by `port`.
    Service,
}

impl BuiltinKind {
    /// Every kind.
    pub const ALL: [BuiltinKind; 3] = [
        BuiltinKind::Deployment,
        BuiltinKind::Pod,
        BuiltinKind::Service,
    ];

    /// The kind's `apiVersion`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::strategy::strategic::BuiltinKind;
    /// assert_eq!(BuiltinKind::Deployment.api_version(), "apps/v1");
    /// ```
    #[must_use]
    pub fn api_version(self) -> &'static str {
        match self {
            BuiltinKind::Deployment => "apps/v1",
            BuiltinKind::Pod | BuiltinKind::Service => "v1",
        }
    }

    /// The kind's name, as in `kind`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            BuiltinKind::Deployment => "Deployment",
            BuiltinKind::Pod => "Pod",
            BuiltinKind::Service => "Service",
        }
    }

    /// The protocol's schema argument for the kind (DESIGN §4), e.g.
    /// `{"builtin": "apps/v1/Deployment"}`.
    #[must_use]
    pub fn schema_argument(self) -> Value {
        json!({"builtin": format!("{}/{}", self.api_version(), self.name())})
    }

    /// The kind of a generated object, from its `kind` member.
    #[must_use]
    pub fn of(object: &Value) -> Option<BuiltinKind> {
        match object.get("kind")?.as_str()? {
            "Deployment" => Some(BuiltinKind::Deployment),
            "Pod" => Some(BuiltinKind::Pod),
            "Service" => Some(BuiltinKind::Service),
            _ => None,
        }
    }

    /// Where the pod spec is, as a JSON Pointer, if the kind has one.
    fn pod_spec(self) -> Option<&'static str> {
        match self {
            BuiltinKind::Deployment => Some("/spec/template/spec"),
            BuiltinKind::Pod => Some("/spec"),
            BuiltinKind::Service => None,
        }
    }
}

/// A Deployment, Pod or Service as a cluster holds it: metadata (name
/// `web`, labels, annotations, finalizers sometimes duplicated), and for
/// the workloads a pod spec with containers and init containers (unique
/// names) with `env` (unique names), `ports`, `volumeMounts`, atomic
/// `args` and `resources`; `volumes` with `emptyDir`, `hostPath` or
/// `configMap` sources, atomic `tolerations`, `imagePullSecrets`; for a
/// Service, `ports` merged by `port`. Lists that merge are in any order and
/// sometimes hold a merge key twice, as Kubernetes tolerates.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::arb_builtin_object;
/// use proptest::prelude::*;
///
/// proptest!(|(object in arb_builtin_object())| {
///     prop_assert!(object["metadata"]["name"].is_string());
///     prop_assert!(patchlaw::strategic::Schema::builtin_for(&object).is_some());
/// });
/// ```
pub fn arb_builtin_object() -> BoxedStrategy<Value> {
    prop::sample::select(BuiltinKind::ALL.to_vec())
        .prop_flat_map(arb_builtin_object_of)
        .boxed()
}

/// An object of the given kind, as [`arb_builtin_object`] makes them.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::{arb_builtin_object_of, BuiltinKind};
/// use proptest::prelude::*;
///
/// proptest!(|(service in arb_builtin_object_of(BuiltinKind::Service))| {
///     prop_assert_eq!(&service["kind"], "Service");
///     prop_assert!(!service["spec"]["ports"].as_array().unwrap().is_empty());
/// });
/// ```
pub fn arb_builtin_object_of(kind: BuiltinKind) -> BoxedStrategy<Value> {
    (1usize..=4, any::<u64>())
        .prop_map(move |(size, seed)| builtin_object(kind, size, seed))
        .boxed()
}

/// A strategic merge patch for `object` (one of [`arb_builtin_object`]'s
/// kinds). It mostly touches the keys and list elements the object has, so
/// that merges happen, and sometimes new ones: scalar changes, `null`
/// deletions, new and changed list elements, `{"$patch": "delete", key}`
/// and `{"$patch": "replace"}` list elements, `$patch: replace|delete` on
/// maps, `$retainKeys` on volumes and on a Deployment's `strategy` (mostly
/// listing the keys the patch sets, sometimes invalid),
/// `$setElementOrder/<list>` (mostly consistent with the patch list,
/// sometimes with items missing or extra), `$deleteFromPrimitiveList/
/// finalizers`, changes to atomic lists, directives inside new elements,
/// merge keys written as doubles (`80.0`), and a few errors: an element
/// without its merge key, `$patch: merge`, an unknown `$patch`, malformed
/// directive values.
///
/// The patch never changes `apiVersion`, `kind` or `metadata.name`, so it
/// can be applied to several objects of the kind at once.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::{arb_builtin_object, arb_strategic_patch_for};
/// use proptest::prelude::*;
///
/// let cases = arb_builtin_object().prop_flat_map(|o| (Just(o.clone()), arb_strategic_patch_for(&o)));
/// proptest!(|((object, patch) in cases)| {
///     prop_assert!(patch.is_object());
///     prop_assert!(patch.pointer("/metadata/name").is_none());
///     let _ = object;
/// });
/// ```
pub fn arb_strategic_patch_for(object: &Value) -> BoxedStrategy<Value> {
    let object = object.clone();
    vec((any::<u8>(), any::<u64>()), 1..=4)
        .prop_map(move |edits| builtin_patch(&object, &edits))
        .boxed()
}

/// An object of [`arb_builtin_object`] and a patch for it from
/// [`arb_strategic_patch_for`].
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::arb_builtin_case;
/// use proptest::prelude::*;
///
/// proptest!(|((object, patch) in arb_builtin_case())| {
///     let schema = patchlaw::strategic::Schema::builtin_for(&object).unwrap();
///     let mut patched = object.clone();
///     let _ = patchlaw::strategic::apply(&mut patched, &patch, &schema);
/// });
/// ```
pub fn arb_builtin_case() -> BoxedStrategy<(Value, Value)> {
    arb_builtin_object()
        .prop_flat_map(|object| {
            let patch = arb_strategic_patch_for(&object);
            (Just(object), patch)
        })
        .boxed()
}

const CONTAINERS: &[&str] = &["app", "proxy", "sidecar", "log"];
const INIT_CONTAINERS: &[&str] = &["init", "setup", "migrate"];
const IMAGES: &[&str] = &["nginx:1.25", "nginx:1.27", "envoy:v1.30", "busybox:1.36"];
const ENV: &[&str] = &["MODE", "PORT", "DEBUG", "LOG_LEVEL", "HOME"];
const ENV_VALUES: &[&str] = &["1", "true", "info", "debug", ""];
const CONTAINER_PORTS: &[i64] = &[80, 443, 8080, 9090];
const MOUNT_PATHS: &[&str] = &["/data", "/cache", "/etc/config", "/var/log"];
const VOLUMES: &[&str] = &["data", "cache", "config", "logs"];
const VOLUME_SOURCES: &[&str] = &["emptyDir", "hostPath", "configMap"];
const FINALIZERS: &[&str] = &[
    "example.com/a",
    "example.com/b",
    "kubernetes",
    "foregroundDeletion",
];
const LABELS: &[&str] = &["app", "tier", "team", "version"];
const LABEL_VALUES: &[&str] = &["web", "db", "blue", "green", "v2"];
const ANNOTATIONS: &[&str] = &["example.com/owner", "note", "prometheus.io/scrape"];
const ANNOTATION_VALUES: &[&str] = &["team-a", "true", "see runbook"];
const SECRETS: &[&str] = &["regcred", "mirror", "gcr"];
const SERVICE_PORTS: &[i64] = &[80, 443, 53, 8080];
const ARGS: &[&str] = &["--verbose", "--port=8080", "serve", "-c", "/etc/app.conf"];

fn builtin_object(kind: BuiltinKind, size: usize, seed: u64) -> Value {
    let d = &mut Dice::new(seed);
    let mut object = Map::new();
    object.insert("apiVersion".into(), kind.api_version().into());
    object.insert("kind".into(), kind.name().into());
    object.insert("metadata".into(), object_meta(d, size, true));
    let spec = match kind {
        BuiltinKind::Pod => pod_spec(d, size),
        BuiltinKind::Deployment => {
            let mut spec = Map::new();
            if d.chance(70) {
                spec.insert("replicas".into(), json!(d.below(5)));
            }
            spec.insert("selector".into(), json!({"matchLabels": {"app": "web"}}));
            if d.chance(50) {
                spec.insert("strategy".into(), deployment_strategy(d));
            }
            let template =
                json!({"metadata": object_meta(d, size, false), "spec": pod_spec(d, size)});
            spec.insert("template".into(), template);
            Value::Object(spec)
        }
        BuiltinKind::Service => {
            let mut spec = Map::new();
            spec.insert("selector".into(), json!({"app": d.pick(LABEL_VALUES)}));
            if d.chance(50) {
                spec.insert("type".into(), d.word(&["ClusterIP", "NodePort"]));
            }
            let ports = keyed_list(d, "port", &ints(SERVICE_PORTS), size, 1, 20, service_port);
            spec.insert("ports".into(), Value::Array(ports));
            if d.chance(20) {
                spec.insert("sessionAffinity".into(), "ClientIP".into());
            }
            Value::Object(spec)
        }
    };
    object.insert("spec".into(), spec);
    Value::Object(object)
}

fn object_meta(d: &mut Dice, size: usize, top: bool) -> Value {
    let mut meta = Map::new();
    if top {
        meta.insert("name".into(), "web".into());
    }
    if d.chance(if top { 70 } else { 90 }) {
        let mut labels = string_map(d, LABELS, LABEL_VALUES, 3);
        if !top {
            labels.insert("app".into(), "web".into());
        }
        meta.insert("labels".into(), Value::Object(labels));
    }
    if d.chance(40) {
        let annotations = string_map(d, ANNOTATIONS, ANNOTATION_VALUES, 2);
        meta.insert("annotations".into(), Value::Object(annotations));
    }
    if top && d.chance(40) {
        // Duplicates are allowed: Kubernetes keeps them until a patch merges.
        let finalizers = (0..=d.below(size + 1))
            .map(|_| Value::from(*d.pick(FINALIZERS)))
            .collect();
        meta.insert("finalizers".into(), Value::Array(finalizers));
    }
    Value::Object(meta)
}

fn pod_spec(d: &mut Dice, size: usize) -> Value {
    let mut spec = Map::new();
    let containers = keyed_list(d, "name", &strs(CONTAINERS), size, 1, 0, container);
    spec.insert("containers".into(), Value::Array(containers));
    if d.chance(30) {
        let init = keyed_list(d, "name", &strs(INIT_CONTAINERS), 2, 1, 0, container);
        spec.insert("initContainers".into(), Value::Array(init));
    }
    if d.chance(60) {
        let volumes = keyed_list(d, "name", &strs(VOLUMES), size, 0, 10, volume);
        spec.insert("volumes".into(), Value::Array(volumes));
    }
    if d.chance(30) {
        spec.insert("tolerations".into(), tolerations(d));
    }
    if d.chance(30) {
        let secrets = keyed_list(d, "name", &strs(SECRETS), 2, 0, 10, |_, _| Map::new());
        spec.insert("imagePullSecrets".into(), Value::Array(secrets));
    }
    if d.chance(30) {
        spec.insert(
            "restartPolicy".into(),
            d.word(&["Always", "OnFailure", "Never"]),
        );
    }
    if d.chance(20) {
        spec.insert("nodeSelector".into(), json!({"disktype": "ssd"}));
    }
    if d.chance(20) {
        spec.insert("serviceAccountName".into(), "runner".into());
    }
    Value::Object(spec)
}

/// A container without its name; `size` bounds its lists.
fn container(d: &mut Dice, size: usize) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("image".into(), d.word(IMAGES));
    if d.chance(40) {
        c.insert("args".into(), args(d));
    }
    if d.chance(70) {
        let env = keyed_list(d, "name", &strs(ENV), size, 0, 0, |d, _| env_var(d));
        c.insert("env".into(), Value::Array(env));
    }
    if d.chance(50) {
        let ports = keyed_list(
            d,
            "containerPort",
            &ints(CONTAINER_PORTS),
            size,
            0,
            15,
            |d, _| container_port(d),
        );
        c.insert("ports".into(), Value::Array(ports));
    }
    if d.chance(50) {
        let mounts = keyed_list(d, "mountPath", &strs(MOUNT_PATHS), size, 0, 10, |d, _| {
            volume_mount(d)
        });
        c.insert("volumeMounts".into(), Value::Array(mounts));
    }
    if d.chance(40) {
        c.insert("resources".into(), resources(d));
    }
    if d.chance(20) {
        c.insert(
            "imagePullPolicy".into(),
            d.word(&["Always", "IfNotPresent"]),
        );
    }
    c
}

fn args(d: &mut Dice) -> Value {
    (0..d.below(4))
        .map(|_| Value::from(*d.pick(ARGS)))
        .collect()
}

fn env_var(d: &mut Dice) -> Map<String, Value> {
    let mut var = Map::new();
    if d.chance(80) {
        var.insert("value".into(), d.word(ENV_VALUES));
    } else {
        var.insert(
            "valueFrom".into(),
            json!({"fieldRef": {"fieldPath": "metadata.name"}}),
        );
    }
    var
}

fn container_port(d: &mut Dice) -> Map<String, Value> {
    let mut port = Map::new();
    if d.chance(50) {
        port.insert("protocol".into(), d.word(&["TCP", "UDP"]));
    }
    if d.chance(40) {
        port.insert("name".into(), d.word(&["http", "metrics", "dns"]));
    }
    port
}

fn volume_mount(d: &mut Dice) -> Map<String, Value> {
    let mut mount = Map::new();
    mount.insert("name".into(), d.word(VOLUMES));
    if d.chance(30) {
        mount.insert("readOnly".into(), d.chance(50).into());
    }
    mount
}

fn resources(d: &mut Dice) -> Value {
    let mut resources = Map::new();
    for part in ["limits", "requests"] {
        if d.chance(60) {
            let mut amounts = Map::new();
            if d.chance(70) {
                amounts.insert("cpu".into(), d.word(&["100m", "250m", "1"]));
            }
            if d.chance(70) {
                amounts.insert("memory".into(), d.word(&["64Mi", "128Mi", "1Gi"]));
            }
            resources.insert(part.into(), Value::Object(amounts));
        }
    }
    Value::Object(resources)
}

/// A volume without its name: one source.
fn volume(d: &mut Dice, _size: usize) -> Map<String, Value> {
    let source = *d.pick(VOLUME_SOURCES);
    let mut v = Map::new();
    v.insert(source.into(), volume_source(d, source));
    v
}

fn volume_source(d: &mut Dice, source: &str) -> Value {
    match source {
        "emptyDir" if d.chance(50) => json!({"medium": "Memory"}),
        "emptyDir" => json!({}),
        "hostPath" if d.chance(50) => {
            json!({"path": d.pick(&["/var/lib/app", "/tmp"]), "type": "Directory"})
        }
        "hostPath" => json!({"path": d.pick(&["/var/lib/app", "/tmp"])}),
        _ if d.chance(50) => json!({"name": d.pick(&["app-config", "cfg"]), "defaultMode": 420}),
        _ => json!({"name": d.pick(&["app-config", "cfg"])}),
    }
}

fn tolerations(d: &mut Dice) -> Value {
    (0..=d.below(2))
        .map(|_| {
            let mut t = Map::new();
            t.insert("key".into(), d.word(&["dedicated", "gpu"]));
            if d.chance(50) {
                t.insert("operator".into(), "Exists".into());
            } else {
                t.insert("operator".into(), "Equal".into());
                t.insert("value".into(), d.word(&["true", "batch"]));
            }
            t.insert("effect".into(), d.word(&["NoSchedule", "NoExecute"]));
            Value::Object(t)
        })
        .collect()
}

fn deployment_strategy(d: &mut Dice) -> Value {
    if d.chance(50) {
        json!({"type": "Recreate"})
    } else {
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": d.below(3), "maxUnavailable": "25%"}})
    }
}

fn service_port(d: &mut Dice, _size: usize) -> Map<String, Value> {
    let mut port = Map::new();
    if d.chance(60) {
        port.insert("protocol".into(), d.word(&["TCP", "UDP"]));
    }
    if d.chance(70) {
        let target = if d.chance(50) {
            json!(d.pick(&[8080, 8443, 5353]))
        } else {
            json!(d.pick(&["http", "https"]))
        };
        port.insert("targetPort".into(), target);
    }
    if d.chance(50) {
        port.insert("name".into(), d.word(&["http", "https", "dns", "alt"]));
    }
    port
}

/// A list of objects keyed by `key`: between `min` and `max` of `keys`, in
/// random order, and with probability `duplicate_percent` one key twice.
fn keyed_list(
    d: &mut Dice,
    key: &str,
    keys: &[Value],
    max: usize,
    min: usize,
    duplicate_percent: u64,
    mut body: impl FnMut(&mut Dice, usize) -> Map<String, Value>,
) -> Vec<Value> {
    let mut chosen = keys.to_vec();
    d.shuffle(&mut chosen);
    let n = (min + d.below(max.saturating_sub(min) + 1)).min(chosen.len());
    chosen.truncate(n);
    let mut element = |d: &mut Dice, k: &Value| {
        let mut m = Map::new();
        m.insert(key.to_owned(), k.clone());
        m.extend(body(d, max));
        Value::Object(m)
    };
    let mut list: Vec<Value> = chosen.iter().map(|k| element(d, k)).collect();
    if !chosen.is_empty() && d.chance(duplicate_percent) {
        let k = d.pick(&chosen).clone();
        let at = d.below(list.len() + 1);
        let twin = element(d, &k);
        list.insert(at, twin);
    }
    list
}

fn string_map(d: &mut Dice, keys: &[&str], values: &[&str], max: usize) -> Map<String, Value> {
    let mut chosen = keys.to_vec();
    d.shuffle(&mut chosen);
    chosen
        .into_iter()
        .take(1 + d.below(max))
        .map(|k| (k.to_owned(), Value::from(*d.pick(values))))
        .collect()
}

fn strs(items: &[&str]) -> Vec<Value> {
    items.iter().map(|s| Value::from(*s)).collect()
}

fn ints(items: &[i64]) -> Vec<Value> {
    items.iter().map(|&i| Value::from(i)).collect()
}

/// The values of `key` in the objects of `list`, first occurrences, in
/// order.
fn keys_of(list: Option<&Value>, key: &str) -> Vec<Value> {
    let mut keys = Vec::new();
    for item in list.and_then(Value::as_array).into_iter().flatten() {
        if let Some(k) = item.get(key) {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    keys
}

/// The first element of `list` whose `key` is `value`.
fn element_of<'v>(list: Option<&'v Value>, key: &str, value: &Value) -> Option<&'v Value> {
    list.and_then(Value::as_array)?
        .iter()
        .find(|e| e.get(key) == Some(value))
}

fn builtin_patch(object: &Value, edits: &[(u8, u64)]) -> Value {
    let kind = BuiltinKind::of(object).unwrap_or(BuiltinKind::Pod);
    let mut builder = PatchBuilder {
        patch: Value::Object(Map::new()),
        orders: Vec::new(),
    };
    for &(choice, seed) in edits {
        let d = &mut Dice::new(seed);
        builder.builtin_edit(object, kind, choice, d);
    }
    builder.finish()
}

/// A patch being built: edits write into it; the `$setElementOrder`
/// directives are written last, once the patch lists they order are known.
struct PatchBuilder {
    patch: Value,
    orders: Vec<Order>,
}

/// A `$setElementOrder/<field>` to write in the map at `parent` (a pointer
/// into the patch) once the patch list is final.
struct Order {
    parent: String,
    field: String,
    /// The merge key, or `None` for a list of primitives.
    key: Option<String>,
    /// The live list.
    live: Vec<Value>,
    seed: u64,
}

impl PatchBuilder {
    /// The map at `path` in the patch, made (or made a map) on the way.
    /// Indices step into lists the builder made.
    fn map_at(&mut self, path: &str) -> &mut Map<String, Value> {
        let mut here = &mut self.patch;
        for token in path.split('/').skip(1) {
            here = match here {
                Value::Array(items) => {
                    let i: usize = token.parse().expect("an index the builder wrote");
                    &mut items[i]
                }
                other => {
                    if !other.is_object() {
                        *other = Value::Object(Map::new());
                    }
                    other
                        .as_object_mut()
                        .expect("made an object")
                        .entry(token)
                        .or_insert_with(|| Value::Object(Map::new()))
                }
            };
        }
        if !here.is_object() {
            *here = Value::Object(Map::new());
        }
        here.as_object_mut().expect("made an object")
    }

    /// Sets the member at `path` (its last token is the member's name).
    fn set(&mut self, path: &str, value: Value) {
        let (parent, name) = path.rsplit_once('/').expect("a member path");
        self.map_at(parent).insert(name.to_owned(), value);
    }

    /// Sets the member `name` (which may hold a `/`) of the map at `parent`.
    fn set_member(&mut self, parent: &str, name: &str, value: Value) {
        self.map_at(parent).insert(name.to_owned(), value);
    }

    /// The patch list at `path`, made (or made a list) if needed.
    fn list_at(&mut self, path: &str) -> &mut Vec<Value> {
        let (parent, name) = path.rsplit_once('/').expect("a member path");
        let slot = self
            .map_at(parent)
            .entry(name)
            .or_insert_with(|| Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        slot.as_array_mut().expect("made a list")
    }

    /// The pointer of the patch list element at `list` whose `key` is
    /// `value` (and that is not a directive), added if missing.
    fn element(&mut self, list: &str, key: &str, value: &Value) -> String {
        let items = self.list_at(list);
        let at = items
            .iter()
            .position(|e| e.get(key) == Some(value) && e.get("$patch").is_none())
            .unwrap_or_else(|| {
                let mut element = Map::new();
                element.insert(key.to_owned(), value.clone());
                items.push(Value::Object(element));
                items.len() - 1
            });
        format!("{list}/{at}")
    }

    fn order(&mut self, list: &str, key: Option<&str>, live: Option<&Value>, seed: u64) {
        let (parent, field) = list.rsplit_once('/').expect("a member path");
        self.orders.push(Order {
            parent: parent.to_owned(),
            field: field.to_owned(),
            key: key.map(str::to_owned),
            live: live.and_then(Value::as_array).cloned().unwrap_or_default(),
            seed,
        });
    }

    fn builtin_edit(&mut self, object: &Value, kind: BuiltinKind, choice: u8, d: &mut Dice) {
        match (kind.pod_spec(), choice % 16) {
            (_, 0) => {
                let path = if kind == BuiltinKind::Deployment && d.chance(30) {
                    "/spec/template/metadata/labels"
                } else {
                    "/metadata/labels"
                };
                self.map_edit(object, path, LABELS, LABEL_VALUES, d);
            }
            (_, 1) => {
                self.map_edit(
                    object,
                    "/metadata/annotations",
                    ANNOTATIONS,
                    ANNOTATION_VALUES,
                    d,
                );
            }
            (_, 2) => self.finalizers(object, d),
            (_, 3) if d.chance(50) => self.erroneous(object, kind, d),
            (None, 3..=7) => self.service_port(object, d),
            (None, 8..=10) => self.service_ports(object, d),
            (None, 11..=12) => {
                self.map_edit(object, "/spec/selector", LABELS, LABEL_VALUES, d);
            }
            (None, _) => {
                if d.chance(50) {
                    self.set("/spec/type", d.word(&["ClusterIP", "NodePort"]));
                } else {
                    let value = if d.chance(50) {
                        json!("None")
                    } else {
                        Value::Null
                    };
                    self.set("/spec/sessionAffinity", value);
                }
            }
            (Some(spec), 3..=7) => self.container(object, spec, d),
            (Some(spec), 8) => self.containers(object, spec, d),
            (Some(spec), 9..=10) => self.volume(object, spec, d),
            (Some(spec), 11) => {
                let path = format!("{spec}/tolerations");
                let value = match d.below(10) {
                    0..=6 => tolerations(d),
                    7..=8 => Value::Null,
                    _ => json!([]),
                };
                self.set(&path, value);
            }
            (Some(spec), 12) => {
                let list = format!("{spec}/imagePullSecrets");
                let live = object.pointer(&list).cloned();
                self.keyed_edit(
                    &list,
                    "name",
                    live.as_ref(),
                    &strs(SECRETS),
                    &|_| Map::new(),
                    d,
                );
            }
            (Some(spec), 13) => match d.below(4) {
                0 => self.set(
                    &format!("{spec}/restartPolicy"),
                    d.word(&["Always", "OnFailure"]),
                ),
                1 => self.set(&format!("{spec}/serviceAccountName"), Value::Null),
                _ => self.map_edit(
                    object,
                    &format!("{spec}/nodeSelector"),
                    &["disktype", "zone"],
                    &["ssd", "hdd", "a"],
                    d,
                ),
            },
            (Some(_), _) if kind == BuiltinKind::Deployment => self.deployment(object, d),
            (Some(spec), _) => self.container(object, spec, d),
        }
    }

    /// Sets, deletes and replaces members of the string map at `path`.
    fn map_edit(
        &mut self,
        object: &Value,
        path: &str,
        keys: &[&str],
        values: &[&str],
        d: &mut Dice,
    ) {
        let live: Vec<String> = object
            .pointer(path)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let key = if !live.is_empty() && d.chance(70) {
            d.pick(&live).clone()
        } else {
            (*d.pick(keys)).to_owned()
        };
        match d.below(10) {
            0..=4 => self.set_member(path, &key, d.word(values)),
            5..=6 => self.set_member(path, &key, Value::Null),
            7 => {
                let replacement = string_map(d, keys, values, 2);
                let map = self.map_at(path);
                map.insert("$patch".into(), "replace".into());
                map.extend(replacement);
            }
            8 => {
                self.map_at(path).insert("$patch".into(), "delete".into());
            }
            _ => self.set(path, Value::Null),
        }
    }

    fn finalizers(&mut self, object: &Value, d: &mut Dice) {
        let path = "/metadata/finalizers";
        let live = object.pointer(path).cloned();
        let some_values = |d: &mut Dice| -> Value {
            let mut values: Vec<Value> = live
                .as_ref()
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            values.dedup();
            d.shuffle(&mut values);
            values.truncate(d.below(values.len() + 1));
            if values.is_empty() || d.chance(40) {
                values.push((*d.pick(FINALIZERS)).into());
            }
            let mut unique = Vec::new();
            for v in values {
                if !unique.contains(&v) {
                    unique.push(v);
                }
            }
            if d.chance(10) {
                let twin = d.pick(&unique).clone();
                unique.push(twin);
            }
            Value::Array(unique)
        };
        match d.below(10) {
            0..=2 => {
                let values = some_values(d);
                self.set(path, values);
            }
            3 => self.set(path, json!([])),
            4..=5 => {
                let values = some_values(d);
                self.set_member("/metadata", "$deleteFromPrimitiveList/finalizers", values);
            }
            6..=7 => {
                let values = some_values(d);
                self.set(path, values);
                self.order(path, None, live.as_ref(), d.next());
            }
            8 => {
                if d.chance(50) {
                    let values = some_values(d);
                    self.set_member("/metadata", "$deleteFromPrimitiveList/finalizers", values);
                }
                self.order(path, None, live.as_ref(), d.next());
            }
            _ => self.set(path, Value::Null),
        }
    }

    fn container(&mut self, object: &Value, spec: &str, d: &mut Dice) {
        let (field, pool) = if d.chance(75) {
            ("containers", CONTAINERS)
        } else {
            ("initContainers", INIT_CONTAINERS)
        };
        let list = format!("{spec}/{field}");
        let live_list = object.pointer(&list);
        let live_names = keys_of(live_list, "name");
        let name = if !live_names.is_empty() && d.chance(80) {
            d.pick(&live_names).clone()
        } else {
            Value::from(*d.pick(pool))
        };
        let live = element_of(live_list, "name", &name).cloned();
        let what = d.below(12);
        if what == 11 {
            self.list_at(&list)
                .push(json!({"name": name, "$patch": "delete"}));
            return;
        }
        let at = self.element(&list, "name", &name);
        if live.is_none() && d.chance(70) {
            // A new container, whole; sometimes with a directive inside,
            // which Kubernetes keeps as data in a new element.
            let mut body = container(d, 2);
            if d.chance(30) {
                let inner = if d.chance(50) {
                    json!([{"name": d.pick(ENV), "$patch": "delete"}])
                } else {
                    json!([{"$patch": "replace"}, {"name": d.pick(ENV), "value": "1"}])
                };
                body.insert("env".into(), inner);
            }
            let element = self.map_at(&at);
            for (k, v) in body {
                element.entry(k).or_insert(v);
            }
        }
        let live_field = |f: &str| live.as_ref().and_then(|c| c.get(f)).cloned();
        match what {
            0..=1 => self.set(&format!("{at}/image"), d.word(IMAGES)),
            2..=4 => {
                let env = live_field("env");
                self.keyed_edit(
                    &format!("{at}/env"),
                    "name",
                    env.as_ref(),
                    &strs(ENV),
                    &env_var,
                    d,
                );
            }
            5..=6 => {
                let ports = live_field("ports");
                self.keyed_edit(
                    &format!("{at}/ports"),
                    "containerPort",
                    ports.as_ref(),
                    &ints(CONTAINER_PORTS),
                    &container_port,
                    d,
                );
            }
            7 => {
                let mounts = live_field("volumeMounts");
                self.keyed_edit(
                    &format!("{at}/volumeMounts"),
                    "mountPath",
                    mounts.as_ref(),
                    &strs(MOUNT_PATHS),
                    &volume_mount,
                    d,
                );
            }
            8 => {
                let value = match d.below(4) {
                    0 => Value::Null,
                    1 => json!([]),
                    _ => args(d),
                };
                self.set(&format!("{at}/args"), value);
            }
            _ => self.resources(&at, d),
        }
    }

    fn resources(&mut self, at: &str, d: &mut Dice) {
        let part = d.pick(&["limits", "requests"]);
        let amount = d.pick(&["cpu", "memory"]);
        let path = format!("{at}/resources");
        match d.below(7) {
            0..=1 => self.set(
                &format!("{path}/{part}/{amount}"),
                d.word(&["500m", "2", "256Mi"]),
            ),
            2 => self.set(&format!("{path}/{part}/{amount}"), Value::Null),
            3 => {
                let map = self.map_at(&path);
                map.insert("$patch".into(), "replace".into());
                map.insert("limits".into(), json!({"cpu": "1"}));
            }
            4 => {
                self.map_at(&format!("{path}/{part}"))
                    .insert("$patch".into(), "delete".into());
            }
            5 => self.set(&format!("{path}/{part}"), Value::Null),
            _ => self.set(&path, Value::Null),
        }
    }

    /// List-level edits of `containers`: order, replace, delete several.
    fn containers(&mut self, object: &Value, spec: &str, d: &mut Dice) {
        let list = format!("{spec}/containers");
        let live = object.pointer(&list).cloned();
        match d.below(4) {
            0..=1 => {
                if d.chance(50) {
                    let names = keys_of(live.as_ref(), "name");
                    if let Some(name) = names.first() {
                        let at = self.element(&list, "name", name);
                        self.set(&format!("{at}/image"), d.word(IMAGES));
                    }
                }
                self.order(&list, Some("name"), live.as_ref(), d.next());
            }
            2 => {
                let replacement = keyed_list(d, "name", &strs(CONTAINERS), 2, 1, 0, |d, _| {
                    container(d, 1)
                });
                let mut items = vec![json!({"$patch": "replace"})];
                let at = d.below(replacement.len() + 1);
                items.splice(0..0, replacement);
                let marker = items.pop().expect("the marker");
                items.insert(at, marker);
                self.set(&list, Value::Array(items));
            }
            _ => {
                for name in keys_of(live.as_ref(), "name") {
                    if d.chance(60) {
                        self.list_at(&list)
                            .push(json!({"name": name, "$patch": "delete"}));
                    }
                }
            }
        }
    }

    /// Edits of the keyed list at `list` (a patch pointer) whose live
    /// version is `live`: elements changed, deleted, added, the list
    /// replaced, ordered or deleted.
    fn keyed_edit(
        &mut self,
        list: &str,
        key: &str,
        live: Option<&Value>,
        pool: &[Value],
        body: &dyn Fn(&mut Dice) -> Map<String, Value>,
        d: &mut Dice,
    ) {
        let live_keys = keys_of(live, key);
        let mut k = if !live_keys.is_empty() && d.chance(75) {
            d.pick(&live_keys).clone()
        } else {
            d.pick(pool).clone()
        };
        if d.chance(10) {
            // Kubernetes reads `80.0` in a patch as a float64, which is not
            // the key `80` of the live list.
            k = crate::strategy::renumber(&k);
        }
        match d.below(12) {
            0..=4 => {
                let at = self.element(list, key, &k);
                let fields = body(d);
                self.map_at(&at).extend(fields);
                if d.chance(5) {
                    // The same key twice in the patch list.
                    let mut twin = body(d);
                    twin.insert(key.to_owned(), k);
                    self.list_at(list).push(Value::Object(twin));
                }
            }
            5 => {
                let at = self.element(list, key, &k);
                let live_element = element_of(live, key, &k);
                let mut names: Vec<String> = live_element
                    .and_then(Value::as_object)
                    .map(|m| m.keys().filter(|n| *n != key).cloned().collect())
                    .unwrap_or_default();
                names.extend(body(d).keys().cloned());
                if !names.is_empty() {
                    let name = d.pick(&names).clone();
                    self.map_at(&at).insert(name, Value::Null);
                }
            }
            6..=7 => {
                let mut element = Map::new();
                element.insert(key.to_owned(), k);
                element.insert("$patch".into(), "delete".into());
                self.list_at(list).push(Value::Object(element));
            }
            8 => {
                let mut items: Vec<Value> = Vec::new();
                let mut keys = pool.to_vec();
                d.shuffle(&mut keys);
                for k in keys.into_iter().take(d.below(3)) {
                    let mut element = Map::new();
                    element.insert(key.to_owned(), k);
                    element.extend(body(d));
                    items.push(Value::Object(element));
                }
                let at = d.below(items.len() + 1);
                items.insert(at, json!({"$patch": "replace"}));
                self.set(list, Value::Array(items));
            }
            9..=10 => {
                if d.chance(60) {
                    let at = self.element(list, key, &k);
                    let fields = body(d);
                    self.map_at(&at).extend(fields);
                }
                self.order(list, Some(key), live, d.next());
            }
            _ => self.set(list, Value::Null),
        }
    }

    fn volume(&mut self, object: &Value, spec: &str, d: &mut Dice) {
        let list = format!("{spec}/volumes");
        let live_list = object.pointer(&list).cloned();
        let live_names = keys_of(live_list.as_ref(), "name");
        let name = if !live_names.is_empty() && d.chance(75) {
            d.pick(&live_names).clone()
        } else {
            Value::from(*d.pick(VOLUMES))
        };
        let live = element_of(live_list.as_ref(), "name", &name).cloned();
        let current = live.as_ref().and_then(Value::as_object).and_then(|m| {
            m.keys()
                .find(|k| VOLUME_SOURCES.contains(&k.as_str()))
                .cloned()
        });
        match d.below(10) {
            0..=3 => {
                // Switch the source: with `$retainKeys` the old one goes.
                let others: Vec<&str> = VOLUME_SOURCES
                    .iter()
                    .copied()
                    .filter(|s| Some(*s) != current.as_deref())
                    .collect();
                let source = *d.pick(&others);
                let value = volume_source(d, source);
                let at = self.element(&list, "name", &name);
                self.set(&format!("{at}/{source}"), value);
                match d.below(20) {
                    0..=10 => {
                        let element = self.map_at(&at);
                        let keys: Vec<Value> = element
                            .keys()
                            .filter(|k| !k.starts_with('$'))
                            .map(|k| Value::from(k.as_str()))
                            .collect();
                        element.insert("$retainKeys".into(), Value::Array(keys));
                    }
                    // Invalid: the patch sets a key the list lacks.
                    11 => {
                        self.map_at(&at)
                            .insert("$retainKeys".into(), json!(["name"]));
                    }
                    12 => {
                        self.map_at(&at).insert("$retainKeys".into(), json!("name"));
                    }
                    13..=15 => {
                        // Also keeps a key the patch does not set.
                        let element = self.map_at(&at);
                        let mut keys: Vec<Value> = element
                            .keys()
                            .filter(|k| !k.starts_with('$'))
                            .map(|k| Value::from(k.as_str()))
                            .collect();
                        if let Some(old) = &current {
                            keys.push(Value::from(old.as_str()));
                        }
                        element.insert("$retainKeys".into(), Value::Array(keys));
                    }
                    _ => {
                        if let Some(old) = &current {
                            if d.chance(50) {
                                self.set(&format!("{at}/{old}"), Value::Null);
                            }
                        }
                    }
                }
            }
            4 => {
                let source = current.clone().unwrap_or_else(|| "emptyDir".into());
                let at = self.element(&list, "name", &name);
                let value = volume_source(d, &source);
                self.set(&format!("{at}/{source}"), value);
            }
            5..=6 => self
                .list_at(&list)
                .push(json!({"name": name, "$patch": "delete"})),
            7 => self.keyed_edit(
                &list,
                "name",
                live_list.as_ref(),
                &strs(VOLUMES),
                &|d| volume(d, 1),
                d,
            ),
            8 => {
                if d.chance(50) {
                    let at = self.element(&list, "name", &name);
                    let source = *d.pick(VOLUME_SOURCES);
                    let value = volume_source(d, source);
                    self.set(&format!("{at}/{source}"), value);
                }
                self.order(&list, Some("name"), live_list.as_ref(), d.next());
            }
            _ => {
                if d.chance(30) {
                    self.set(&list, Value::Null);
                } else {
                    // A new volume whose `$retainKeys` has nothing to act on.
                    let fresh = VOLUMES
                        .iter()
                        .find(|v| !live_names.contains(&Value::from(**v)))
                        .copied()
                        .unwrap_or("extra");
                    let source = *d.pick(VOLUME_SOURCES);
                    let value = volume_source(d, source);
                    let mut element = Map::new();
                    element.insert("name".into(), fresh.into());
                    element.insert(source.into(), value);
                    element.insert("$retainKeys".into(), json!(["name", source]));
                    self.list_at(&list).push(Value::Object(element));
                }
            }
        }
    }

    fn deployment(&mut self, object: &Value, d: &mut Dice) {
        match d.below(8) {
            0..=1 => {
                let replicas = if d.chance(15) {
                    json!(d.below(5) as f64)
                } else {
                    json!(d.below(5))
                };
                self.set("/spec/replicas", replicas);
            }
            2 => self.set(
                "/spec/strategy",
                json!({"type": "Recreate", "rollingUpdate": null}),
            ),
            3..=4 => {
                let strategy = self.map_at("/spec/strategy");
                if d.chance(50) {
                    strategy.insert("type".into(), "Recreate".into());
                    strategy.insert("$retainKeys".into(), json!(["type"]));
                } else {
                    strategy.insert("type".into(), "RollingUpdate".into());
                    strategy.insert("rollingUpdate".into(), json!({"maxSurge": d.below(3)}));
                    strategy.insert("$retainKeys".into(), json!(["type", "rollingUpdate"]));
                }
            }
            // Invalid: `type` is set but not retained.
            5 => self.set(
                "/spec/strategy",
                json!({"$retainKeys": ["rollingUpdate"], "type": "Recreate"}),
            ),
            6 => self.set("/spec/selector/matchLabels/tier", d.word(LABEL_VALUES)),
            _ => {
                let strategy = object.pointer("/spec/strategy").is_some();
                let patch = if strategy && d.chance(50) {
                    json!({"$patch": "delete"})
                } else {
                    json!({"$patch": "replace", "type": "Recreate"})
                };
                self.set("/spec/strategy", patch);
            }
        }
    }

    fn service_port(&mut self, object: &Value, d: &mut Dice) {
        let live = object.pointer("/spec/ports").cloned();
        self.keyed_edit(
            "/spec/ports",
            "port",
            live.as_ref(),
            &ints(SERVICE_PORTS),
            &|d| service_port(d, 1),
            d,
        );
    }

    fn service_ports(&mut self, object: &Value, d: &mut Dice) {
        let live = object.pointer("/spec/ports").cloned();
        match d.below(3) {
            0..=1 => {
                if d.chance(50) {
                    self.service_port(object, d);
                }
                self.order("/spec/ports", Some("port"), live.as_ref(), d.next());
            }
            _ => {
                for port in keys_of(live.as_ref(), "port") {
                    if d.chance(50) {
                        self.list_at("/spec/ports")
                            .push(json!({"port": port, "$patch": "delete"}));
                    }
                }
            }
        }
    }

    /// Patches Kubernetes rejects (or, for a malformed
    /// `$deleteFromPrimitiveList`, ignores).
    fn erroneous(&mut self, object: &Value, kind: BuiltinKind, d: &mut Dice) {
        let (list, key) = match kind.pod_spec() {
            Some(spec) => (format!("{spec}/containers"), "name"),
            None => ("/spec/ports".to_owned(), "port"),
        };
        let first = keys_of(object.pointer(&list), key)
            .first()
            .cloned()
            .unwrap_or_else(|| json!("app"));
        match d.below(8) {
            0 => self
                .list_at(&list)
                .push(json!({"image": "x", "name2": "y"})),
            1 if key == "name" => {
                let at = self.element(&list, key, &first);
                self.list_at(&format!("{at}/env"))
                    .push(json!({"value": "orphan"}));
            }
            1 => self.list_at(&list).push(json!({"targetPort": 1})),
            2 => {
                self.map_at("/metadata/labels")
                    .insert("$patch".into(), "merge".into());
            }
            3 => {
                let mut element = Map::new();
                element.insert(key.to_owned(), first);
                element.insert("$patch".into(), "merge".into());
                self.list_at(&list).push(Value::Object(element));
            }
            4 => {
                self.map_at("/metadata/annotations")
                    .insert("$patch".into(), "remove".into());
            }
            5 => {
                let mut element = Map::new();
                element.insert(key.to_owned(), first);
                element.insert("$patch".into(), "remove".into());
                self.list_at(&list).push(Value::Object(element));
            }
            6 => self.set_member(
                "/metadata",
                "$setElementOrder/finalizers",
                json!("kubernetes"),
            ),
            _ => self.set_member(
                "/metadata",
                "$deleteFromPrimitiveList/finalizers",
                json!("kubernetes"),
            ),
        }
    }

    fn finish(mut self) -> Value {
        for order in std::mem::take(&mut self.orders) {
            write_order(&mut self.patch, &order);
        }
        drop_nondeterministic(&mut self.patch);
        self.patch
    }
}

/// Writes `$setElementOrder/<field>`: the live keys and the patch's, in a
/// random order that keeps the patch list's relative order (as Kubernetes
/// requires), sometimes with a key missing, an extra one, or in any order.
fn write_order(patch: &mut Value, order: &Order) {
    let Some(Value::Object(parent)) = patch.pointer_mut(&order.parent) else {
        return;
    };
    let d = &mut Dice::new(order.seed);
    let key_of = |item: &Value| -> Option<Value> {
        match &order.key {
            Some(key) if item.get("$patch").is_none() => item.get(key).cloned(),
            Some(_) => None,
            None => Some(item.clone()),
        }
    };
    let patch_keys: Vec<Value> = match parent.get(&order.field) {
        Some(Value::Array(items)) => items.iter().filter_map(key_of).collect(),
        _ => Vec::new(),
    };
    let mut all: Vec<Value> = Vec::new();
    for k in order
        .live
        .iter()
        .filter_map(key_of)
        .chain(patch_keys.clone())
    {
        if !all.contains(&k) {
            all.push(k);
        }
    }
    d.shuffle(&mut all);
    if !d.chance(5) {
        // Put the patch's keys, in the patch's order, where the shuffle put
        // some of them.
        let mut in_patch_order = patch_keys.iter().filter({
            let mut seen = Vec::new();
            move |k| {
                let fresh = !seen.contains(*k);
                seen.push((*k).clone());
                fresh
            }
        });
        for slot in all.iter_mut() {
            if patch_keys.contains(slot) {
                *slot = in_patch_order.next().expect("as many").clone();
            }
        }
    }
    if !all.is_empty() && d.chance(15) {
        let at = d.below(all.len());
        all.remove(at);
    }
    if d.chance(10) {
        // A key the patch deletes, or a key twice.
        let deleted = match (parent.get(&order.field), &order.key) {
            (Some(Value::Array(items)), Some(key)) => items
                .iter()
                .find(|i| i.get("$patch").is_some_and(|p| p == "delete"))
                .and_then(|i| i.get(key))
                .cloned(),
            _ => None,
        };
        if let Some(k) = deleted.or_else(|| all.first().cloned()) {
            let at = d.below(all.len() + 1);
            all.insert(at, k);
        }
    }
    if d.chance(10) {
        let extra = match &order.key {
            Some(_) if all.first().is_some_and(Value::is_number) => json!(7777),
            _ => json!("extra"),
        };
        let at = d.below(all.len() + 1);
        all.insert(at, extra);
    }
    let entries = all
        .into_iter()
        .map(|k| match &order.key {
            Some(key) => {
                let mut entry = Map::new();
                entry.insert(key.clone(), k);
                Value::Object(entry)
            }
            None => k,
        })
        .collect();
    parent.insert(
        format!("$setElementOrder/{}", order.field),
        Value::Array(entries),
    );
}

/// Removes `$deleteFromPrimitiveList/f` from every map that also holds the
/// list `f`: Kubernetes applies the two in Go's random map order, so the
/// result is not deterministic (KUBERNETES-NOTES.md).
fn drop_nondeterministic(patch: &mut Value) {
    match patch {
        Value::Object(members) => {
            let clashing: Vec<String> = members
                .keys()
                .filter(|k| {
                    k.strip_prefix("$deleteFromPrimitiveList/")
                        .is_some_and(|f| members.contains_key(f))
                })
                .cloned()
                .collect();
            for k in clashing {
                members.remove(&k);
            }
            members.values_mut().for_each(drop_nondeterministic);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nondeterministic),
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Generated schemas

/// A generated case for the strategic laws: a schema, a document valid
/// under it and a patch for the document.
#[derive(Clone, Debug)]
pub struct StrategicCase {
    /// The schema in the protocol's form (DESIGN §4): `{"root": "Root",
    /// "definitions": {..}}`, OpenAPI v2 with `x-kubernetes-patch-strategy`
    /// and `x-kubernetes-patch-merge-key`.
    pub schema: Value,
    /// A document valid under the schema: every element of a list merged by
    /// key carries its key, keys are scalars and unique in their list,
    /// primitive merge lists hold no duplicates.
    pub doc: Value,
    /// A strategic merge patch for `doc`, mostly valid.
    pub patch: Value,
}

/// A small random schema, a document valid under it, and a patch with
/// directives for the document.
///
/// The schemas have a few definitions, reached through `$ref` (with the
/// patch metadata beside it, as Kubernetes serves them) or inline: lists of
/// objects merged by a string or integer key (some `merge,retainKeys`, some
/// nested in the elements of another), primitive merge lists, atomic lists,
/// `retainKeys` and `replace` maps, free-form maps and scalars.
///
/// The patches mostly change what the document has: scalars, `null`
/// deletions, changed, new and deleted (`$patch: delete`) list elements,
/// `{"$patch": "replace"}` lists, `$patch: replace|delete` maps,
/// `$retainKeys` (listing the keys the patch sets, sometimes more, rarely
/// too few), `$setElementOrder` (rarely inconsistent),
/// `$deleteFromPrimitiveList` (never beside its list, see the module
/// docs). A few are invalid: an element without its merge key, `$patch:
/// merge`.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::arb_strategic_case;
/// use patchlaw_conformance::implementation::schema_argument;
/// use proptest::prelude::*;
///
/// proptest!(|(case in arb_strategic_case())| {
///     let schema = schema_argument(&case.schema).unwrap();
///     let mut doc = case.doc.clone();
///     let _ = patchlaw::strategic::apply(&mut doc, &case.patch, &schema);
/// });
/// ```
pub fn arb_strategic_case() -> BoxedStrategy<StrategicCase> {
    (any::<u64>(), 1usize..=3, any::<u64>(), any::<u64>())
        .prop_map(|(schema_seed, size, doc_seed, patch_seed)| {
            let shape = root_shape(&mut Dice::new(schema_seed));
            let doc = document(&shape, size, &mut Dice::new(doc_seed));
            let patch = value_patch(&shape, Some(&doc), &mut Dice::new(patch_seed))
                .unwrap_or_else(|| json!({}));
            let mut patch = match patch {
                Value::Object(_) => patch,
                _ => json!({}),
            };
            drop_nondeterministic(&mut patch);
            StrategicCase {
                schema: openapi(&shape),
                doc,
                patch,
            }
        })
        .boxed()
}

/// A schema (as in [`StrategicCase`]) and two documents valid under it, the
/// second a plausible edit of the first: members kept, removed, changed and
/// added; list elements reordered, inserted, deleted and changed (nested
/// merge lists included); duplicates added to primitive lists now and
/// then. Sometimes the two are equal.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::arb_strategic_pair;
/// use patchlaw_conformance::implementation::schema_argument;
/// use proptest::prelude::*;
///
/// proptest!(|((schema, a, b) in arb_strategic_pair())| {
///     prop_assert!(schema_argument(&schema).is_ok());
///     prop_assert!(a.is_object() && b.is_object());
/// });
/// ```
pub fn arb_strategic_pair() -> BoxedStrategy<(Value, Value, Value)> {
    (any::<u64>(), 1usize..=3, any::<u64>(), any::<u64>())
        .prop_map(|(schema_seed, size, doc_seed, edit_seed)| {
            let shape = root_shape(&mut Dice::new(schema_seed));
            let a = document(&shape, size, &mut Dice::new(doc_seed));
            let d = &mut Dice::new(edit_seed);
            let b = if d.chance(10) {
                a.clone()
            } else {
                edit(&shape, &a, d)
            };
            (openapi(&shape), a, b)
        })
        .boxed()
}

/// The type of a value, with the patch metadata of the field holding it.
#[derive(Clone, Debug)]
enum Shape {
    Str,
    Int,
    /// A map with known fields; `strategy` is `""`, `"retainKeys"` or
    /// `"replace"`; `inline` writes it in place rather than through `$ref`.
    Object {
        fields: Vec<(String, Shape)>,
        strategy: &'static str,
        inline: bool,
    },
    /// A map of strings (`additionalProperties`).
    FreeMap,
    /// A list of objects merged by `key`, a scalar field of `item`.
    MergeList {
        key: String,
        item: Box<Shape>,
        retain_keys: bool,
    },
    /// A list of scalars merged as a set.
    Primitives(Box<Shape>),
    /// A list replaced whole.
    Atomic(Box<Shape>),
}

const FIELDS: &[&str] = &["alpha", "beta", "gamma", "delta", "eps", "zeta"];
const STR_VALUES: &[&str] = &["a", "b", "c", "d"];
const STR_KEYS: &[&str] = &["x", "y", "z", "w", "v"];
const INT_KEYS: &[i64] = &[1, 2, 3, 4, 5, 6];
const MAP_KEYS: &[&str] = &["k1", "k2", "k3"];

fn root_shape(d: &mut Dice) -> Shape {
    let mut root = object_shape(d, 0, "", None);
    // Every root has at least one list that merges by key.
    if let Shape::Object { fields, .. } = &mut root {
        if !fields
            .iter()
            .any(|(_, s)| matches!(s, Shape::MergeList { .. }))
        {
            fields.push(("items".into(), merge_list_shape(d, 1, false)));
        }
    }
    root
}

fn object_shape(
    d: &mut Dice,
    depth: usize,
    strategy: &'static str,
    key: Option<(&str, Shape)>,
) -> Shape {
    let mut names = FIELDS.to_vec();
    d.shuffle(&mut names);
    let count = if depth == 0 {
        3 + d.below(3)
    } else {
        1 + d.below(3)
    };
    let mut fields: Vec<(String, Shape)> = names
        .into_iter()
        .take(count)
        .map(|n| (n.to_owned(), field_shape(d, depth + 1)))
        .collect();
    if let Some((name, shape)) = key {
        fields.insert(0, (name.to_owned(), shape));
    }
    Shape::Object {
        fields,
        strategy,
        inline: d.chance(30),
    }
}

fn field_shape(d: &mut Dice, depth: usize) -> Shape {
    if depth >= 3 {
        return if d.chance(70) { Shape::Str } else { Shape::Int };
    }
    match d.below(15) {
        0..=2 => Shape::Str,
        3 => Shape::Int,
        4..=5 => merge_list_shape(d, depth, false),
        6 => merge_list_shape(d, depth, true),
        7..=8 => Shape::Primitives(Box::new(if d.chance(70) { Shape::Str } else { Shape::Int })),
        9 => Shape::Atomic(Box::new(if d.chance(50) {
            Shape::Str
        } else {
            object_shape(d, depth + 1, "", None)
        })),
        10 => object_shape(d, depth, "retainKeys", None),
        11 => object_shape(d, depth, "replace", None),
        12..=13 => object_shape(d, depth, "", None),
        _ => Shape::FreeMap,
    }
}

fn merge_list_shape(d: &mut Dice, depth: usize, retain_keys: bool) -> Shape {
    let (key, key_shape) = if d.chance(65) {
        ("name", Shape::Str)
    } else {
        ("id", Shape::Int)
    };
    Shape::MergeList {
        key: key.to_owned(),
        item: Box::new(object_shape(d, depth, "", Some((key, key_shape)))),
        retain_keys,
    }
}

/// The protocol's schema argument for a root shape.
fn openapi(root: &Shape) -> Value {
    let mut definitions = Map::new();
    let Shape::Object { fields, .. } = root else {
        unreachable!("roots are objects")
    };
    let root_definition = object_schema(fields, &mut definitions);
    definitions.insert("Root".into(), root_definition);
    json!({"root": "Root", "definitions": definitions})
}

fn object_schema(fields: &[(String, Shape)], definitions: &mut Map<String, Value>) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|(name, shape)| (name.clone(), property(shape, definitions)))
        .collect();
    json!({"type": "object", "properties": properties})
}

fn property(shape: &Shape, definitions: &mut Map<String, Value>) -> Value {
    match shape {
        Shape::Str => json!({"type": "string"}),
        Shape::Int => json!({"type": "integer", "format": "int64"}),
        Shape::FreeMap => json!({"type": "object", "additionalProperties": {"type": "string"}}),
        Shape::Object {
            fields,
            strategy,
            inline,
        } => {
            let schema = object_schema(fields, definitions);
            let mut property = if *inline {
                schema
            } else {
                let name = format!("Def{}", definitions.len() + 1);
                definitions.insert(name.clone(), schema);
                json!({"$ref": format!("#/definitions/{name}")})
            };
            if !strategy.is_empty() {
                property["x-kubernetes-patch-strategy"] = (*strategy).into();
            }
            property
        }
        Shape::MergeList {
            key,
            item,
            retain_keys,
        } => {
            let strategy = if *retain_keys {
                "merge,retainKeys"
            } else {
                "merge"
            };
            json!({"type": "array", "items": property(item, definitions),
                "x-kubernetes-patch-strategy": strategy, "x-kubernetes-patch-merge-key": key})
        }
        Shape::Primitives(item) => json!({"type": "array", "items": property(item, definitions),
            "x-kubernetes-patch-strategy": "merge"}),
        Shape::Atomic(item) => json!({"type": "array", "items": property(item, definitions)}),
    }
}

fn scalar(shape: &Shape, d: &mut Dice) -> Value {
    match shape {
        Shape::Int => json!(d.below(6)),
        _ => Value::from(*d.pick(STR_VALUES)),
    }
}

fn key_pool(shape: &Shape) -> Vec<Value> {
    match shape {
        Shape::Int => ints(INT_KEYS),
        _ => strs(STR_KEYS),
    }
}

fn key_shape<'s>(item: &'s Shape, key: &str) -> &'s Shape {
    match item {
        Shape::Object { fields, .. } => fields
            .iter()
            .find(|(n, _)| n == key)
            .map_or(&Shape::Str, |(_, s)| s),
        _ => &Shape::Str,
    }
}

/// A value valid under `shape`.
fn document(shape: &Shape, size: usize, d: &mut Dice) -> Value {
    match shape {
        Shape::Str | Shape::Int => scalar(shape, d),
        Shape::FreeMap => Value::Object(string_map(d, MAP_KEYS, STR_VALUES, 2)),
        Shape::Object { fields, .. } => {
            let mut members = Map::new();
            for (name, field) in fields {
                if d.chance(75) {
                    members.insert(name.clone(), document(field, size, d));
                }
            }
            Value::Object(members)
        }
        Shape::MergeList { key, item, .. } => {
            let mut keys = key_pool(key_shape(item, key));
            d.shuffle(&mut keys);
            keys.truncate(d.below(size + 2));
            keys.into_iter()
                .map(|k| list_element(item, key, k, size, d))
                .collect()
        }
        Shape::Primitives(item) => {
            let mut values: Vec<Value> = Vec::new();
            for _ in 0..d.below(size + 2) {
                let v = scalar(item, d);
                if !values.contains(&v) {
                    values.push(v);
                }
            }
            Value::Array(values)
        }
        Shape::Atomic(item) => (0..d.below(3)).map(|_| document(item, size, d)).collect(),
    }
}

/// An element of a merged list with the key `k`.
fn list_element(item: &Shape, key: &str, k: Value, size: usize, d: &mut Dice) -> Value {
    let mut element = document(item, size, d);
    if let Value::Object(members) = &mut element {
        members.insert(key.to_owned(), k);
    }
    element
}

/// A patch for `live` (a value under `shape`), or `None` for no change.
/// Directives that go beside a list (in the parent map) come back from
/// [`list_patch`] instead.
fn value_patch(shape: &Shape, live: Option<&Value>, d: &mut Dice) -> Option<Value> {
    match (shape, live) {
        (
            Shape::Object {
                fields, strategy, ..
            },
            Some(Value::Object(live)),
        ) => Some(object_patch(fields, strategy, live, d)),
        (Shape::FreeMap, Some(Value::Object(live))) => {
            let mut patch = Map::new();
            for key in MAP_KEYS {
                match d.below(6) {
                    0 if live.contains_key(*key) => {
                        patch.insert((*key).into(), Value::Null);
                    }
                    1..=2 => {
                        patch.insert((*key).into(), d.word(STR_VALUES));
                    }
                    _ => {}
                }
            }
            Some(Value::Object(patch))
        }
        _ => Some(document(shape, 2, d)),
    }
}

fn object_patch(
    fields: &[(String, Shape)],
    strategy: &str,
    live: &Map<String, Value>,
    d: &mut Dice,
) -> Value {
    if d.chance(3) {
        let mut whole = Map::new();
        whole.insert("$patch".into(), "replace".into());
        if let Value::Object(members) = document(
            &Shape::Object {
                fields: fields.to_vec(),
                strategy: "",
                inline: true,
            },
            2,
            d,
        ) {
            whole.extend(members);
        }
        return Value::Object(whole);
    }
    if d.chance(2) {
        return json!({"$patch": "delete"});
    }
    let mut patch = Map::new();
    for (name, shape) in fields {
        let current = live.get(name);
        match d.below(20) {
            0..=5 => {}
            6..=7 if current.is_some() => {
                patch.insert(name.clone(), Value::Null);
            }
            8..=17 => match shape {
                Shape::MergeList { .. } | Shape::Primitives(_) => {
                    for (member, value) in list_patch(name, shape, current, d) {
                        patch.insert(member, value);
                    }
                }
                _ => {
                    if let Some(value) = value_patch(shape, current, d) {
                        patch.insert(name.clone(), value);
                    }
                }
            },
            _ => {
                patch.insert(name.clone(), document(shape, 2, d));
            }
        }
    }
    if strategy == "retainKeys" && d.chance(60) {
        let mut keys: Vec<Value> = patch
            .iter()
            .filter(|(k, v)| !k.starts_with('$') && !v.is_null())
            .map(|(k, _)| Value::from(k.as_str()))
            .collect();
        if d.chance(30) {
            // Keep a live key the patch does not touch.
            if let Some(k) = live.keys().find(|k| !patch.contains_key(*k)) {
                keys.push(Value::from(k.as_str()));
            }
        }
        if d.chance(10) && !keys.is_empty() {
            // Invalid: the patch sets a key the list lacks.
            keys.remove(0);
        }
        patch.insert("$retainKeys".into(), Value::Array(keys));
    }
    if d.chance(1) {
        patch.insert("$patch".into(), "merge".into());
    }
    Value::Object(patch)
}

/// The members a patch of the merged list `name` writes in its parent: the
/// list and its `$setElementOrder`, or a `$deleteFromPrimitiveList`.
fn list_patch(
    name: &str,
    shape: &Shape,
    live: Option<&Value>,
    d: &mut Dice,
) -> Vec<(String, Value)> {
    let live_items = live.and_then(Value::as_array).cloned().unwrap_or_default();
    let mut members = Vec::new();
    let mut items: Vec<Value> = Vec::new();
    let merge_key: Option<String>;
    let mut order: Vec<Value>;
    match shape {
        Shape::MergeList {
            key,
            item,
            retain_keys,
        } => {
            let key = key.clone();
            let pool = key_pool(key_shape(item, &key));
            let mut live_keys = Vec::new();
            for element in &live_items {
                let Some(k) = element.get(&key).cloned() else {
                    continue;
                };
                live_keys.push(k.clone());
                match d.below(10) {
                    0..=3 => {
                        let mut patch = value_patch(item, Some(element), d)
                            .and_then(|p| p.as_object().cloned())
                            .unwrap_or_default();
                        if *retain_keys && d.chance(30) && !patch.contains_key("$patch") {
                            let mut keep: Vec<Value> = patch
                                .keys()
                                .filter(|k| !k.starts_with('$'))
                                .map(|k| Value::from(k.as_str()))
                                .collect();
                            keep.push(Value::from(key.as_str()));
                            keep.dedup();
                            patch.insert("$retainKeys".into(), Value::Array(keep));
                        }
                        if patch.get("$patch").and_then(Value::as_str) == Some("delete") {
                            patch.clear();
                        }
                        patch.insert(key.clone(), k);
                        items.push(Value::Object(patch));
                    }
                    4 => items.push({
                        let mut m = Map::new();
                        m.insert(key.clone(), k);
                        m.insert("$patch".into(), "delete".into());
                        Value::Object(m)
                    }),
                    _ => {}
                }
            }
            for k in pool
                .iter()
                .filter(|k| !live_keys.contains(k))
                .take(d.below(3))
            {
                let element = list_element(item, &key, k.clone(), 1, d);
                let at = d.below(items.len() + 1);
                items.insert(at, element);
            }
            if d.chance(2) {
                items.push(json!({"unkeyed": true}));
            }
            if d.chance(3) {
                items.retain(|i| i.get("$patch").is_none());
                items.push(json!({"$patch": "replace"}));
            }
            order = live_keys;
            merge_key = Some(key);
        }
        Shape::Primitives(item) => {
            if d.chance(20) && !live_items.is_empty() {
                let mut gone = live_items.clone();
                d.shuffle(&mut gone);
                gone.truncate(1 + d.below(gone.len()));
                members.push((
                    format!("$deleteFromPrimitiveList/{name}"),
                    Value::Array(gone),
                ));
                if d.chance(50) {
                    return members;
                }
                // A `$setElementOrder` beside it, but no list (module docs).
                let mut all = live_items.clone();
                d.shuffle(&mut all);
                members.push((format!("$setElementOrder/{name}"), Value::Array(all)));
                return members;
            }
            for v in &live_items {
                if d.chance(40) {
                    items.push(v.clone());
                }
            }
            for _ in 0..d.below(3) {
                let v = scalar(item, d);
                if !items.contains(&v) {
                    let at = d.below(items.len() + 1);
                    items.insert(at, v);
                }
            }
            order = live_items.clone();
            merge_key = None;
        }
        _ => unreachable!("only merged lists"),
    }
    // Kubernetes rejects an order for a list empty on both sides ("no
    // elements in either list"): now and then, not often.
    let empty = items.is_empty() && live_items.is_empty();
    if d.chance(30) && (!empty || d.chance(20)) {
        let key_of = |i: &Value| match &merge_key {
            Some(_) if i.get("$patch").is_some() => None,
            Some(key) => i.get(key).cloned(),
            None => Some(i.clone()),
        };
        let patch_keys: Vec<Value> = items.iter().filter_map(key_of).collect();
        for k in &patch_keys {
            if !order.contains(k) {
                order.push(k.clone());
            }
        }
        d.shuffle(&mut order);
        if !d.chance(5) {
            let mut in_patch_order = patch_keys.iter();
            for slot in order.iter_mut() {
                if patch_keys.contains(slot) {
                    *slot = in_patch_order.next().expect("as many").clone();
                }
            }
        }
        let entries = order
            .into_iter()
            .map(|k| match shape {
                Shape::MergeList { key, .. } => {
                    let mut entry = Map::new();
                    entry.insert(key.clone(), k);
                    Value::Object(entry)
                }
                _ => k,
            })
            .collect();
        members.push((format!("$setElementOrder/{name}"), Value::Array(entries)));
    }
    members.push((name.to_owned(), Value::Array(items)));
    members
}

/// A plausible edit of `value` (under `shape`).
fn edit(shape: &Shape, value: &Value, d: &mut Dice) -> Value {
    match (shape, value) {
        (Shape::Object { fields, .. }, Value::Object(members)) => {
            let mut edited = Map::new();
            for (name, field) in fields {
                match members.get(name) {
                    Some(current) => match d.below(20) {
                        0..=12 => {
                            edited.insert(name.clone(), current.clone());
                        }
                        13..=14 => {}
                        _ => {
                            edited.insert(name.clone(), edit(field, current, d));
                        }
                    },
                    None if d.chance(20) => {
                        edited.insert(name.clone(), document(field, 2, d));
                    }
                    None => {}
                }
            }
            Value::Object(edited)
        }
        (Shape::FreeMap, Value::Object(members)) => {
            let mut edited = members.clone();
            let key = *d.pick(MAP_KEYS);
            if d.chance(50) {
                edited.remove(key);
            } else {
                edited.insert(key.into(), d.word(STR_VALUES));
            }
            Value::Object(edited)
        }
        (Shape::MergeList { key, item, .. }, Value::Array(items)) => {
            let mut edited: Vec<Value> = Vec::new();
            for element in items {
                match d.below(10) {
                    0 => {}
                    1..=3 => {
                        let mut changed = edit(item, element, d);
                        if let (Value::Object(m), Some(k)) = (&mut changed, element.get(key)) {
                            m.insert(key.clone(), k.clone());
                        }
                        edited.push(changed);
                    }
                    _ => edited.push(element.clone()),
                }
            }
            let used: Vec<Value> = items.iter().filter_map(|e| e.get(key).cloned()).collect();
            let fresh: Vec<Value> = key_pool(key_shape(item, key))
                .into_iter()
                .filter(|k| !used.contains(k))
                .collect();
            for k in fresh.into_iter().take(d.below(3)) {
                let element = list_element(item, key, k, 1, d);
                let at = d.below(edited.len() + 1);
                edited.insert(at, element);
            }
            if d.chance(25) {
                d.shuffle(&mut edited);
            }
            Value::Array(edited)
        }
        (Shape::Primitives(item), Value::Array(items)) => {
            let mut edited: Vec<Value> = items.iter().filter(|_| d.chance(80)).cloned().collect();
            for _ in 0..d.below(3) {
                let v = scalar(item, d);
                if !edited.contains(&v) {
                    let at = d.below(edited.len() + 1);
                    edited.insert(at, v);
                }
            }
            if d.chance(25) {
                d.shuffle(&mut edited);
            }
            if !edited.is_empty() && d.chance(10) {
                let twin = d.pick(&edited).clone();
                let at = d.below(edited.len() + 1);
                edited.insert(at, twin);
            }
            Value::Array(edited)
        }
        (Shape::Atomic(_), _) | (Shape::Str | Shape::Int, _) if d.chance(70) => value.clone(),
        _ => document(shape, 2, d),
    }
}

/// A deterministic source of choices (splitmix64) seeded by proptest.
struct Dice(u64);

impl Dice {
    fn new(seed: u64) -> Dice {
        Dice(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// One of `words`, as a JSON string.
    fn word(&mut self, words: &[&str]) -> Value {
        Value::from(*self.pick(words))
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}
