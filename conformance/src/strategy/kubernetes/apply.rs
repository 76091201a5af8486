//! Three-writer cases of `kubectl apply`: the configuration the user last
//! applied, the user's new manifest, and the live object as the cluster
//! holds it after the API server's defaulting and other writers (an
//! autoscaler, a sidecar injector, controllers, people with `kubectl
//! edit`) changed it.
//!
//! A case is assembled from three sources of choices, in the order they
//! happen in a cluster: the user's manifest and its edits, the apply that
//! stored the first manifest (or another tool's create), the server's
//! defaults, then the other writers.

use patchlaw::three_way::{last_applied_text, LAST_APPLIED_ANNOTATION};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::{custom, edit, object, BuiltinKind, ObjectOptions, FINALIZERS};
use crate::strategy::random::SplitMix64;

/// A case of `kubectl apply` with three writers: what kubectl reads and
/// computes its patch from.
///
/// The objects are named `web` in the namespace `default` (set or left to
/// kubectl's context); [`ApplyCase::rename`] names all three at once.
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::{plan, Action, PlanOptions};
/// use patchlaw_conformance::strategy::three_way::arb_apply_case;
/// use proptest::prelude::*;
///
/// proptest!(|(case in arb_apply_case())| {
///     let schema = patchlaw::strategic::Schema::builtin_for(&case.modified);
///     let options = PlanOptions::new().overwrite(case.overwrite).namespace(Some("default"));
///     if let Ok(apply) = plan(&case.modified, case.current.as_ref(), schema.as_ref(), options) {
///         prop_assert_eq!(apply.action == Action::Create, case.current.is_none());
///     }
/// });
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ApplyCase {
    /// The configuration last applied, as kubectl reads it from the live
    /// object's annotation [`LAST_APPLIED_ANNOTATION`]: the manifest it
    /// applied, with the namespace of its context filled in and
    /// `metadata.annotations` present. `None` when the live object has no
    /// annotation (another tool created it) or there is no live object.
    pub original: Option<Value>,
    /// The user's new manifest, as the file holds it: without the
    /// annotation, sometimes without a namespace. Often edited from the
    /// last one, sometimes the same (a re-apply).
    pub modified: Value,
    /// The live object, `None` when there is none (kubectl creates it).
    /// It carries the annotation with the original's text when there is
    /// an original, the server's fields and defaults, and other writers'
    /// changes: some overlap the user's own fields (conflicts).
    pub current: Option<Value>,
    /// `kubectl apply --overwrite`: off, conflicts make kubectl refuse.
    pub overwrite: bool,
}

impl ApplyCase {
    /// Names the object `name` in the three documents, rewriting the live
    /// object's annotation to match (and the original as read from it).
    ///
    /// # Panics
    ///
    /// When a document is not an object with an object `metadata` (the
    /// generators never make such a case).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::{last_applied, LAST_APPLIED_ANNOTATION};
    /// use patchlaw_conformance::strategy::three_way::arb_apply_case;
    /// use proptest::prelude::*;
    ///
    /// proptest!(|(mut case in arb_apply_case())| {
    ///     case.rename("w-1");
    ///     prop_assert_eq!(&case.modified["metadata"]["name"], "w-1");
    ///     if let Some(live) = &case.current {
    ///         let original = last_applied(live, LAST_APPLIED_ANNOTATION).unwrap();
    ///         prop_assert_eq!(original, case.original.clone());
    ///     }
    /// });
    /// ```
    pub fn rename(&mut self, name: &str) {
        let documents = [
            self.original.as_mut(),
            Some(&mut self.modified),
            self.current.as_mut(),
        ];
        for document in documents.into_iter().flatten() {
            document["metadata"]["name"] = json!(name);
        }
        if let (Some(original), Some(live)) = (&mut self.original, &mut self.current) {
            let text = applied_text(original);
            // The original is what kubectl reads back from the text.
            *original = serde_json::from_str(&text).expect("Go's JSON text");
            live["metadata"]["annotations"][LAST_APPLIED_ANNOTATION] = json!(text);
        }
    }
}

/// A case of [`arb_apply_case_of`] for one of the built-in kinds (three
/// cases in four) or of [`arb_custom_apply_case`].
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::three_way::arb_apply_case;
/// use proptest::prelude::*;
///
/// proptest!(|(case in arb_apply_case())| {
///     prop_assert!(case.original.is_none() || case.current.is_some());
/// });
/// ```
pub fn arb_apply_case() -> BoxedStrategy<ApplyCase> {
    prop_oneof![
        3 => prop::sample::select(BuiltinKind::ALL.to_vec()).prop_flat_map(arb_apply_case_of),
        1 => arb_custom_apply_case(),
    ]
    .boxed()
}

/// A three-writer apply of a Deployment, Pod or Service.
///
/// The manifests are objects of [`arb_builtin_object_with`] without
/// repeated keys, edited 0 to 5 times by the edits of
/// [`arb_builtin_pair_of`] (no edit: a re-apply). One case in ten is a
/// create (no live object), three in twenty adopt an object another tool
/// created (no annotation). The live object holds the server's fields
/// (`uid`, `resourceVersion`, …) and defaults (`imagePullPolicy`,
/// `terminationMessagePath`, `dnsPolicy`, `revisionHistoryLimit`, a
/// Service's `clusterIP` and port `protocol`s, a Pod's default
/// tolerations, `creationTimestamp: null` in a template), then up to four
/// changes by other writers: an autoscaler's `replicas` (whether the
/// manifest sets it or not), an injected sidecar container and volume
/// (first or last), labels and annotations added or changed, environment
/// variables added or changed, merge lists reordered, a merge key
/// repeated, finalizers added, a `status`; and, one case in three, a
/// scalar the user set (mostly one the user changes or removes) changed
/// by another writer. `overwrite` is off in three cases in ten.
///
/// [`arb_builtin_object_with`]: super::arb_builtin_object_with
/// [`arb_builtin_pair_of`]: super::arb_builtin_pair_of
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::Schema;
/// use patchlaw::three_way::{self, Options};
/// use patchlaw_conformance::strategy::strategic::BuiltinKind;
/// use patchlaw_conformance::strategy::three_way::arb_apply_case_of;
/// use proptest::prelude::*;
///
/// let schema = Schema::builtin("apps/v1", "Deployment").unwrap();
/// proptest!(|(case in arb_apply_case_of(BuiltinKind::Deployment))| {
///     prop_assert_eq!(&case.modified["kind"], "Deployment");
///     if let Some(current) = &case.current {
///         let original = case.original.clone().unwrap_or_default();
///         let outcome = three_way::strategic(&original, &case.modified, current, &schema, Options::new());
///         prop_assert!(outcome.is_ok());
///     }
/// });
/// ```
pub fn arb_apply_case_of(kind: BuiltinKind) -> BoxedStrategy<ApplyCase> {
    (1usize..=4, any::<u64>(), any::<u64>())
        .prop_map(move |(size, object_seed, seed)| {
            let options = ObjectOptions::new().repeated_keys(false);
            let manifest =
                object::builtin_object(kind, size, &mut SplitMix64::new(object_seed), options);
            assemble(manifest, &BUILTIN, &mut SplitMix64::new(seed))
        })
        .boxed()
}

/// A three-writer apply of a custom resource, for the RFC 7396 flavour:
/// an `example.com/v1` `Widget` whose `spec` nests maps and arrays of
/// strings (with characters Go's encoder escapes: `<`, `&`, U+2028,
/// control characters), integers (within ±2^53, as kubectl passes them
/// through `float64`), floats (`0.5`, `2.0`, `1e-7`, `2.5e21`, `-0.0`, …),
/// booleans and, rarely, `null`s.
///
/// The user edits it 0 to 5 times (values changed, also to another type,
/// members added and removed, maps made scalars and back, labels,
/// annotations and finalizers); the server adds its metadata and stores
/// numbers as Go does (`2.0` as `2`); other writers add members and a
/// `status`, and change values, the user's too. Creates, adoptions and
/// `overwrite` come in the shares of [`arb_apply_case_of`].
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::{self, Options};
/// use patchlaw_conformance::strategy::three_way::arb_custom_apply_case;
/// use proptest::prelude::*;
///
/// proptest!(|(case in arb_custom_apply_case())| {
///     prop_assert_eq!(&case.modified["kind"], "Widget");
///     if let Some(current) = &case.current {
///         let original = case.original.clone().unwrap_or_default();
///         let outcome = three_way::merge_patch(&original, &case.modified, current, Options::new());
///         prop_assert!(outcome.is_ok());
///     }
/// });
/// ```
pub fn arb_custom_apply_case() -> BoxedStrategy<ApplyCase> {
    (any::<u64>(), any::<u64>())
        .prop_map(|(object_seed, seed)| {
            let manifest = custom::widget(&mut SplitMix64::new(object_seed));
            assemble(manifest, &CUSTOM, &mut SplitMix64::new(seed))
        })
        .boxed()
}

/// The writers of one family of kinds.
struct Writers {
    /// One edit of the user's manifest.
    edit: fn(&mut Value, &mut SplitMix64),
    /// What the API server adds to an object it stores.
    server: fn(&mut Value, &mut SplitMix64),
    /// One change by another writer.
    other: fn(&mut Value, &mut SplitMix64),
}

const BUILTIN: Writers = Writers {
    edit: edit::edit_object,
    server: server_defaults,
    other: other_writer,
};

const CUSTOM: Writers = Writers {
    edit: custom::edit_widget,
    server: custom::server,
    other: custom::other_writer,
};

/// The case around the user's first manifest: its edits, how the live
/// object came to be, and what happened to it since.
fn assemble(mut manifest: Value, writers: &Writers, d: &mut SplitMix64) -> ApplyCase {
    if d.chance(20) {
        manifest["metadata"]["namespace"] = json!("default");
    }
    let mut modified = manifest.clone();
    for _ in 0..d.below(6) {
        (writers.edit)(&mut modified, d);
    }
    let overwrite = !d.chance(30);
    let start = d.below(20);
    if start < 2 {
        return ApplyCase {
            original: None,
            modified,
            current: None,
            overwrite,
        };
    }
    let mut applied = manifest;
    if applied["metadata"].get("namespace").is_none() {
        applied["metadata"]["namespace"] = json!("default");
    }
    // Three in twenty were created by another tool, without the annotation.
    let original = (start >= 5).then(|| {
        let text = applied_text(&applied);
        let original: Value = serde_json::from_str(&text).expect("Go's JSON text");
        (original, text)
    });
    let mut live = match &original {
        Some((original, text)) => {
            let mut live = original.clone();
            live["metadata"]["annotations"][LAST_APPLIED_ANNOTATION] = json!(text);
            live
        }
        None => applied.clone(),
    };
    // kubectl creates objects without their `null` members.
    prune_nulls(&mut live);
    (writers.server)(&mut live, d);
    if d.chance(35) {
        overlap(&mut live, &applied, &modified, d);
    }
    for _ in 0..d.below(5) {
        (writers.other)(&mut live, d);
    }
    ApplyCase {
        original: original.map(|(original, _)| original),
        modified,
        current: Some(live),
        overwrite,
    }
}

/// The last-applied text of an object, as kubectl writes it.
fn applied_text(object: &Value) -> String {
    last_applied_text(object, LAST_APPLIED_ANNOTATION).expect("an object with object metadata")
}

fn prune_nulls(value: &mut Value) {
    match value {
        Value::Object(members) => {
            members.retain(|_, v| !v.is_null());
            members.values_mut().for_each(prune_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(prune_nulls),
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Another writer on the user's fields

/// Another writer changes a scalar the user set in `applied`: mostly one
/// that `modified` changes or removes, else any.
fn overlap(live: &mut Value, applied: &Value, modified: &Value, d: &mut SplitMix64) {
    let (mut changed, mut set) = (Vec::new(), Vec::new());
    leaves(applied, Some(modified), "", &mut changed, &mut set);
    let pool = if !changed.is_empty() && d.chance(70) {
        changed
    } else {
        set
    };
    if pool.is_empty() {
        return;
    }
    let at = d.pick(&pool);
    if let Some(value) = live.pointer_mut(at) {
        *value = other_scalar(value, d);
    }
}

/// The pointers to the scalars of `a` that name neither the object nor a
/// list element, in `set`; those where `b` has no equal value, also in
/// `changed`.
fn leaves(
    a: &Value,
    b: Option<&Value>,
    at: &str,
    changed: &mut Vec<String>,
    set: &mut Vec<String>,
) {
    match a {
        Value::Object(members) => {
            for (key, value) in members {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                let identity = [
                    "/apiVersion",
                    "/kind",
                    "/metadata/name",
                    "/metadata/namespace",
                ];
                let merge_key = at
                    .rsplit('/')
                    .next()
                    .is_some_and(|t| t.parse::<usize>().is_ok())
                    && ["name", "port", "containerPort", "mountPath"].contains(&key.as_str());
                if identity.contains(&here.as_str()) || merge_key {
                    continue;
                }
                leaves(value, b.and_then(|b| b.get(key)), &here, changed, set);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                leaves(
                    item,
                    b.and_then(|b| b.get(i)),
                    &format!("{at}/{i}"),
                    changed,
                    set,
                );
            }
        }
        Value::Null => {}
        scalar => {
            set.push(at.to_owned());
            if b != Some(scalar) {
                changed.push(at.to_owned());
            }
        }
    }
}

/// A scalar of the same type as `value`, different from it (an integer
/// moves towards zero by 1 to 3).
pub(super) fn other_scalar(value: &Value, d: &mut SplitMix64) -> Value {
    match value {
        Value::Bool(b) => json!(!b),
        Value::Number(n) => match n.as_i64() {
            // Within ±2^53, which kubectl's RFC 7396 flavour keeps exact.
            Some(i) if i > 0 => json!(i - 1 - d.below(3) as i64),
            Some(i) => json!(i + 1 + d.below(3) as i64),
            None => json!(n.as_f64().unwrap_or_default() + 0.5),
        },
        Value::String(s) => json!(format!("{s}-{}", 1 + d.below(3))),
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------
// The API server

/// The server's fields and defaults for a built-in kind, each most of the
/// time (an object stored by an older server may lack some).
fn server_defaults(live: &mut Value, d: &mut SplitMix64) {
    let kind = BuiltinKind::of(live).expect("a built-in kind");
    server_metadata(live, kind == BuiltinKind::Deployment, d);
    if let Some(at) = kind.pod_spec() {
        let spec = live.pointer_mut(at).expect("a pod spec");
        pod_defaults(spec, d);
    }
    let spec = live["spec"].as_object_mut().expect("a spec");
    match kind {
        BuiltinKind::Deployment => {
            default(spec, "revisionHistoryLimit", json!(10), d);
            default(spec, "progressDeadlineSeconds", json!(600), d);
            let rolling = json!({"type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
            default(spec, "strategy", rolling, d);
            if d.chance(80) {
                spec["template"]["metadata"]["creationTimestamp"] = Value::Null;
            }
        }
        BuiltinKind::Pod => {
            default(spec, "nodeName", json!("node-1"), d);
            default(spec, "serviceAccountName", json!("default"), d);
            if let Some(account) = spec.get("serviceAccountName").cloned() {
                default(spec, "serviceAccount", account, d);
            }
            default(spec, "enableServiceLinks", json!(true), d);
            if d.chance(80) {
                // Appended by admission, to a list that is replaced whole.
                let tolerations = spec.entry("tolerations").or_insert_with(|| json!([]));
                if let Value::Array(list) = tolerations {
                    for taint in ["not-ready", "unreachable"] {
                        list.push(json!({"key": format!("node.kubernetes.io/{taint}"),
                            "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
                    }
                }
            }
        }
        BuiltinKind::Service => {
            default(spec, "clusterIP", json!("10.96.12.7"), d);
            let ips = json!([spec
                .get("clusterIP")
                .cloned()
                .unwrap_or(json!("10.96.12.7"))]);
            default(spec, "clusterIPs", ips, d);
            default(spec, "type", json!("ClusterIP"), d);
            default(spec, "sessionAffinity", json!("None"), d);
            default(spec, "ipFamilies", json!(["IPv4"]), d);
            default(spec, "ipFamilyPolicy", json!("SingleStack"), d);
            default(spec, "internalTrafficPolicy", json!("Cluster"), d);
            for port in elements(spec, "ports") {
                default(port, "protocol", json!("TCP"), d);
                let number = port["port"].clone();
                default(port, "targetPort", number, d);
            }
        }
    }
}

/// `uid`, `resourceVersion`, `creationTimestamp` and, where counted,
/// `generation`.
pub(super) fn server_metadata(live: &mut Value, generation: bool, d: &mut SplitMix64) {
    let metadata = live["metadata"].as_object_mut().expect("metadata");
    let uid = format!("6f1c2a4e-0d3b-4c5a-9e8f-{:012x}", d.next_u64() >> 16);
    default(metadata, "uid", json!(uid), d);
    default(
        metadata,
        "resourceVersion",
        json!((1000 + d.below(9000)).to_string()),
        d,
    );
    default(
        metadata,
        "creationTimestamp",
        json!("2024-05-01T10:00:00Z"),
        d,
    );
    if generation {
        default(metadata, "generation", json!(1 + d.below(4)), d);
    }
}

fn pod_defaults(spec: &mut Value, d: &mut SplitMix64) {
    let spec = spec.as_object_mut().expect("a pod spec");
    for field in ["containers", "initContainers"] {
        for container in elements(spec, field) {
            default(container, "imagePullPolicy", json!("IfNotPresent"), d);
            default(
                container,
                "terminationMessagePath",
                json!("/dev/termination-log"),
                d,
            );
            default(container, "terminationMessagePolicy", json!("File"), d);
            default(container, "resources", json!({}), d);
            for port in elements(container, "ports") {
                default(port, "protocol", json!("TCP"), d);
            }
        }
    }
    for volume in elements(spec, "volumes") {
        if let Some(Value::Object(config)) = volume.get_mut("configMap") {
            default(config, "defaultMode", json!(420), d);
        }
        if let Some(Value::Object(host)) = volume.get_mut("hostPath") {
            default(host, "type", json!(""), d);
        }
    }
    default(spec, "restartPolicy", json!("Always"), d);
    default(spec, "dnsPolicy", json!("ClusterFirst"), d);
    default(spec, "schedulerName", json!("default-scheduler"), d);
    default(spec, "securityContext", json!({}), d);
    default(spec, "terminationGracePeriodSeconds", json!(30), d);
}

/// Sets `field` to `value` where it is missing, nine times in ten.
fn default(map: &mut Map<String, Value>, field: &str, value: Value, d: &mut SplitMix64) {
    if !map.contains_key(field) && d.chance(90) {
        map.insert(field.to_owned(), value);
    }
}

/// The objects in the list `field` of `map`.
fn elements<'m>(
    map: &'m mut Map<String, Value>,
    field: &str,
) -> impl Iterator<Item = &'m mut Map<String, Value>> {
    map.get_mut(field)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

// ---------------------------------------------------------------------------
// Other writers of built-in kinds

fn other_writer(live: &mut Value, d: &mut SplitMix64) {
    let kind = BuiltinKind::of(live).expect("a built-in kind");
    let pod_spec = kind.pod_spec();
    match d.below(10) {
        0 if kind == BuiltinKind::Deployment => {
            // An autoscaler.
            live["spec"]["replicas"] = json!(1 + d.below(10));
        }
        1 | 2 => match pod_spec {
            Some(at) => inject_sidecar(live, at, d),
            None => node_ports(live, d),
        },
        3 => match pod_spec.and_then(|at| live.pointer_mut(at)) {
            Some(spec) => other_env(spec, d),
            None => other_metadata(&mut live["metadata"], d),
        },
        4 => reorder(live, d),
        5 => repeat_key(live, d),
        6 => other_finalizer(live, d),
        7 => other_status(live, kind, d),
        8 if kind == BuiltinKind::Deployment && d.chance(50) => {
            let metadata = &mut live["spec"]["template"]["metadata"];
            other_metadata(metadata, d);
        }
        _ => other_metadata(&mut live["metadata"], d),
    }
}

/// A label or annotation added, or one of another writer's or the user's
/// changed (never the last-applied annotation).
pub(super) fn other_metadata(metadata: &mut Value, d: &mut SplitMix64) {
    let (field, keys, values) = if d.chance(50) {
        ("labels", OTHER_LABELS, OTHER_LABEL_VALUES)
    } else {
        ("annotations", OTHER_ANNOTATIONS, OTHER_ANNOTATION_VALUES)
    };
    if !metadata.is_object() {
        *metadata = json!({});
    }
    let map = metadata[field].as_object_mut();
    let map = match map {
        Some(map) => map,
        None => {
            metadata[field] = json!({});
            metadata[field].as_object_mut().expect("a map")
        }
    };
    let theirs: Vec<String> = map
        .keys()
        .filter(|k| *k != LAST_APPLIED_ANNOTATION)
        .cloned()
        .collect();
    if !theirs.is_empty() && d.chance(40) {
        let key = d.pick(&theirs).clone();
        let changed = other_scalar(&map[&key], d);
        map.insert(key, changed);
    } else {
        map.insert((*d.pick(keys)).to_owned(), json!(*d.pick(values)));
    }
}

/// A finalizer added by a controller, at any place.
pub(super) fn other_finalizer(live: &mut Value, d: &mut SplitMix64) {
    let metadata = live["metadata"].as_object_mut().expect("metadata");
    let list = metadata.entry("finalizers").or_insert_with(|| json!([]));
    if let Value::Array(list) = list {
        let finalizer = if d.chance(50) {
            "example.com/protect"
        } else {
            *d.pick(FINALIZERS)
        };
        let at = d.below(list.len() + 1);
        list.insert(at, json!(finalizer));
    }
}

/// An injector's sidecar container, init container and volume, first or
/// last in their lists, and its annotation on the pod.
fn inject_sidecar(live: &mut Value, at: &str, d: &mut SplitMix64) {
    let sidecar = json!({"name": "istio-proxy", "image": "istio/proxyv2:1.22.0",
        "args": ["proxy", "sidecar"],
        "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
        "volumeMounts": [{"mountPath": "/etc/istio/proxy", "name": "istio-envoy"}],
        "env": [{"name": "ISTIO_META_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]});
    let init =
        json!({"name": "istio-init", "image": "istio/proxyv2:1.22.0", "args": ["istio-iptables"]});
    let volume = json!({"name": "istio-envoy", "emptyDir": {"medium": "Memory"}});
    let first = d.chance(50);
    let spec = live
        .pointer_mut(at)
        .and_then(Value::as_object_mut)
        .expect("a pod spec");
    let mut insert = |field: &str, element: Value| {
        let list = spec.entry(field).or_insert_with(|| json!([]));
        if let Value::Array(list) = list {
            if !list.iter().any(|e| e["name"] == element["name"]) {
                let place = if first { 0 } else { list.len() };
                list.insert(place, element);
            }
        }
    };
    insert("containers", sidecar);
    insert("volumes", volume);
    if d.chance(40) {
        insert("initContainers", init);
    }
    let owner = if at == "/spec" {
        "/metadata"
    } else {
        "/spec/template/metadata"
    };
    if let Some(Value::Object(metadata)) = live.pointer_mut(owner) {
        let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
        if let Value::Object(annotations) = annotations {
            annotations.insert(
                "sidecar.istio.io/status".into(),
                json!("{\"containers\":[\"istio-proxy\"],\"volumes\":[\"istio-envoy\"]}"),
            );
        }
    }
}

/// Node ports a Service controller assigned.
fn node_ports(live: &mut Value, d: &mut SplitMix64) {
    let spec = live["spec"].as_object_mut().expect("a spec");
    for port in elements(spec, "ports") {
        if d.chance(70) {
            port.insert("nodePort".into(), json!(30000 + d.below(2768)));
        }
    }
}

/// An environment variable another writer added to a container, or one
/// it changed.
fn other_env(spec: &mut Value, d: &mut SplitMix64) {
    let Some(Value::Array(containers)) = spec.get_mut("containers") else {
        return;
    };
    if containers.is_empty() {
        return;
    }
    let at = d.below(containers.len());
    let container = containers[at].as_object_mut().expect("a container");
    let env = container.entry("env").or_insert_with(|| json!([]));
    let Value::Array(env) = env else { return };
    if !env.is_empty() && d.chance(30) {
        let i = d.below(env.len());
        if let Some(Value::String(value)) = env[i].get("value") {
            env[i]["value"] = json!(format!("{value}-set"));
            return;
        }
    }
    let var = if d.chance(70) {
        json!({"name": *d.pick(OTHER_ENV), "value": "injected"})
    } else {
        json!({"name": *d.pick(OTHER_ENV), "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}})
    };
    let at = d.below(env.len() + 1);
    env.insert(at, var);
}

/// The merge lists of a live object, as pointers, with their merge keys
/// (`None` for a list of scalars).
fn merge_lists(live: &Value) -> Vec<(String, Option<&'static str>)> {
    let mut lists = vec![("/metadata/finalizers".to_owned(), None)];
    if let Some(at) = BuiltinKind::of(live).and_then(BuiltinKind::pod_spec) {
        for (field, key) in [
            ("containers", "name"),
            ("initContainers", "name"),
            ("volumes", "name"),
            ("imagePullSecrets", "name"),
        ] {
            lists.push((format!("{at}/{field}"), Some(key)));
        }
        let count = live
            .pointer(&format!("{at}/containers"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        for i in 0..count {
            for (field, key) in [
                ("env", "name"),
                ("ports", "containerPort"),
                ("volumeMounts", "mountPath"),
            ] {
                lists.push((format!("{at}/containers/{i}/{field}"), Some(key)));
            }
        }
    } else {
        lists.push(("/spec/ports".to_owned(), Some("port")));
    }
    lists.retain(|(at, _)| {
        live.pointer(at)
            .and_then(Value::as_array)
            .is_some_and(|l| !l.is_empty())
    });
    lists
}

/// A merge list another writer reordered (a list of two or more).
fn reorder(live: &mut Value, d: &mut SplitMix64) {
    let lists: Vec<String> = merge_lists(live)
        .into_iter()
        .map(|(at, _)| at)
        .filter(|at| {
            live.pointer(at)
                .and_then(Value::as_array)
                .is_some_and(|l| l.len() >= 2)
        })
        .collect();
    if lists.is_empty() {
        return;
    }
    let at = d.pick(&lists).clone();
    if let Some(Value::Array(list)) = live.pointer_mut(&at) {
        list.reverse();
        d.shuffle(list);
    }
}

/// An element of a merge list repeated with its key, as the API server
/// lets some lists hold (`env`, ports, pull secrets, finalizers; not
/// containers, volumes or mounts, which its validation keeps unique).
fn repeat_key(live: &mut Value, d: &mut SplitMix64) {
    let lists: Vec<String> = merge_lists(live)
        .into_iter()
        .map(|(at, _)| at)
        .filter(|at| {
            ["/env", "/ports", "/imagePullSecrets", "/finalizers"]
                .iter()
                .any(|end| at.ends_with(end))
        })
        .collect();
    if lists.is_empty() {
        return;
    }
    let at = d.pick(&lists).clone();
    if let Some(Value::Array(list)) = live.pointer_mut(&at) {
        let mut twin = d.pick(list).clone();
        if let Some(Value::String(value)) = twin.get("value") {
            twin["value"] = json!(format!("{value}-again"));
        } else if twin.get("protocol").is_some() {
            twin["protocol"] = json!("UDP");
        }
        let place = d.below(list.len() + 1);
        list.insert(place, twin);
    }
}

fn other_status(live: &mut Value, kind: BuiltinKind, d: &mut SplitMix64) {
    let ready = d.below(4);
    live["status"] = match kind {
        BuiltinKind::Deployment => json!({
            "observedGeneration": 1 + d.below(3),
            "replicas": ready, "updatedReplicas": ready, "readyReplicas": ready,
            "availableReplicas": ready,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                 "message": "Deployment has minimum availability.",
                 "lastUpdateTime": "2024-05-01T10:00:05Z", "lastTransitionTime": "2024-05-01T10:00:05Z"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                 "message": "ReplicaSet \"web-7d4b9c\" has successfully progressed.",
                 "lastUpdateTime": "2024-05-01T10:00:05Z", "lastTransitionTime": "2024-05-01T10:00:01Z"},
            ],
        }),
        BuiltinKind::Pod => json!({
            "phase": *d.pick(&["Pending", "Running"]),
            "podIP": "10.244.1.7", "podIPs": [{"ip": "10.244.1.7"}], "hostIP": "172.18.0.2",
            "startTime": "2024-05-01T10:00:00Z", "qosClass": "BestEffort",
            "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null,
                "lastTransitionTime": "2024-05-01T10:00:03Z"}],
        }),
        BuiltinKind::Service => json!({"loadBalancer": {}}),
    };
}

const OTHER_LABELS: &[&str] = &["pod-template-hash", "team", "app.kubernetes.io/managed-by"];
const OTHER_LABEL_VALUES: &[&str] = &["7d4b9c", "ops", "helm"];
const OTHER_ANNOTATIONS: &[&str] = &[
    "deployment.kubernetes.io/revision",
    "example.com/scanned",
    "note",
];
const OTHER_ANNOTATION_VALUES: &[&str] = &["2", "true", "<b>checked</b> & fine"];
const OTHER_ENV: &[&str] = &["OTEL_SERVICE_NAME", "POD_IP", "MODE"];
