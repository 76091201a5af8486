//! The objects: metadata, pod specs, containers and the elements of their
//! lists, each built from a [`SplitMix64`]'s choices.

use serde_json::{json, Map, Value};

use super::{
    BuiltinKind, ObjectOptions, ANNOTATIONS, ANNOTATION_VALUES, ARGS, CONTAINERS, CONTAINER_PORTS,
    ENV, ENV_VALUES, FINALIZERS, IMAGES, INIT_CONTAINERS, LABELS, LABEL_VALUES, MOUNT_PATHS,
    SECRETS, SERVICE_PORTS, VOLUMES, VOLUME_SOURCES,
};
use crate::strategy::random::{ints, string_map, strs, word, SplitMix64};

/// An object of `kind`; `size` bounds its lists.
pub(super) fn builtin_object(
    kind: BuiltinKind,
    size: usize,
    d: &mut SplitMix64,
    options: ObjectOptions,
) -> Value {
    let mut object = Map::new();
    object.insert("apiVersion".into(), kind.api_version().into());
    object.insert("kind".into(), kind.name().into());
    object.insert("metadata".into(), object_meta(d, size, true, options));
    let spec = match kind {
        BuiltinKind::Pod => pod_spec(d, size, options),
        BuiltinKind::Deployment => {
            let mut spec = Map::new();
            if d.chance(70) {
                spec.insert("replicas".into(), json!(d.below(5)));
            }
            spec.insert("selector".into(), json!({"matchLabels": {"app": "web"}}));
            if d.chance(50) {
                spec.insert("strategy".into(), deployment_strategy(d));
            }
            let template = json!({"metadata": object_meta(d, size, false, options), "spec": pod_spec(d, size, options)});
            spec.insert("template".into(), template);
            Value::Object(spec)
        }
        BuiltinKind::Service => {
            let mut spec = Map::new();
            spec.insert("selector".into(), json!({"app": d.pick(LABEL_VALUES)}));
            if d.chance(50) {
                spec.insert("type".into(), word(d, &["ClusterIP", "NodePort"]));
            }
            let ports = keyed_list(
                d,
                "port",
                &ints(SERVICE_PORTS),
                size,
                1,
                options.duplicate_percent(20),
                service_port,
            );
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

pub(super) fn object_meta(
    d: &mut SplitMix64,
    size: usize,
    top: bool,
    options: ObjectOptions,
) -> Value {
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
        let finalizers = if options.repeated_keys {
            // Kubernetes keeps duplicates until a patch merges the list.
            (0..=d.below(size + 1))
                .map(|_| Value::from(*d.pick(FINALIZERS)))
                .collect()
        } else {
            strs(&d.subset(FINALIZERS, 1))
        };
        meta.insert("finalizers".into(), Value::Array(finalizers));
    }
    Value::Object(meta)
}

fn pod_spec(d: &mut SplitMix64, size: usize, options: ObjectOptions) -> Value {
    let mut spec = Map::new();
    let containers = keyed_list(d, "name", &strs(CONTAINERS), size, 1, 0, |d, size| {
        container(d, size, options)
    });
    spec.insert("containers".into(), Value::Array(containers));
    if d.chance(30) {
        let init = keyed_list(d, "name", &strs(INIT_CONTAINERS), 2, 1, 0, |d, size| {
            container(d, size, options)
        });
        spec.insert("initContainers".into(), Value::Array(init));
    }
    if d.chance(60) {
        let volumes = keyed_list(
            d,
            "name",
            &strs(VOLUMES),
            size,
            0,
            options.duplicate_percent(10),
            volume,
        );
        spec.insert("volumes".into(), Value::Array(volumes));
    }
    if d.chance(30) {
        spec.insert("tolerations".into(), tolerations(d));
    }
    if d.chance(30) {
        let secrets = keyed_list(
            d,
            "name",
            &strs(SECRETS),
            2,
            0,
            options.duplicate_percent(10),
            |_, _| Map::new(),
        );
        spec.insert("imagePullSecrets".into(), Value::Array(secrets));
    }
    if d.chance(30) {
        spec.insert(
            "restartPolicy".into(),
            word(d, &["Always", "OnFailure", "Never"]),
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
pub(super) fn container(
    d: &mut SplitMix64,
    size: usize,
    options: ObjectOptions,
) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("image".into(), word(d, IMAGES));
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
            options.duplicate_percent(15),
            |d, _| container_port(d),
        );
        c.insert("ports".into(), Value::Array(ports));
    }
    if d.chance(50) {
        let mounts = keyed_list(
            d,
            "mountPath",
            &strs(MOUNT_PATHS),
            size,
            0,
            options.duplicate_percent(10),
            |d, _| volume_mount(d),
        );
        c.insert("volumeMounts".into(), Value::Array(mounts));
    }
    if d.chance(40) {
        c.insert("resources".into(), resources(d));
    }
    if d.chance(20) {
        c.insert(
            "imagePullPolicy".into(),
            word(d, &["Always", "IfNotPresent"]),
        );
    }
    c
}

pub(super) fn args(d: &mut SplitMix64) -> Value {
    (0..d.below(4))
        .map(|_| Value::from(*d.pick(ARGS)))
        .collect()
}

pub(super) fn env_var(d: &mut SplitMix64) -> Map<String, Value> {
    let mut var = Map::new();
    if d.chance(80) {
        var.insert("value".into(), word(d, ENV_VALUES));
    } else {
        var.insert(
            "valueFrom".into(),
            json!({"fieldRef": {"fieldPath": "metadata.name"}}),
        );
    }
    var
}

pub(super) fn container_port(d: &mut SplitMix64) -> Map<String, Value> {
    let mut port = Map::new();
    if d.chance(50) {
        port.insert("protocol".into(), word(d, &["TCP", "UDP"]));
    }
    if d.chance(40) {
        port.insert("name".into(), word(d, &["http", "metrics", "dns"]));
    }
    port
}

pub(super) fn volume_mount(d: &mut SplitMix64) -> Map<String, Value> {
    let mut mount = Map::new();
    mount.insert("name".into(), word(d, VOLUMES));
    if d.chance(30) {
        mount.insert("readOnly".into(), d.chance(50).into());
    }
    mount
}

pub(super) fn resources(d: &mut SplitMix64) -> Value {
    let mut resources = Map::new();
    for part in ["limits", "requests"] {
        if d.chance(60) {
            let mut amounts = Map::new();
            if d.chance(70) {
                amounts.insert("cpu".into(), word(d, &["100m", "250m", "1"]));
            }
            if d.chance(70) {
                amounts.insert("memory".into(), word(d, &["64Mi", "128Mi", "1Gi"]));
            }
            resources.insert(part.into(), Value::Object(amounts));
        }
    }
    Value::Object(resources)
}

/// A volume without its name: one source.
pub(super) fn volume(d: &mut SplitMix64, _size: usize) -> Map<String, Value> {
    let source = *d.pick(VOLUME_SOURCES);
    let mut v = Map::new();
    v.insert(source.into(), volume_source(d, source));
    v
}

pub(super) fn volume_source(d: &mut SplitMix64, source: &str) -> Value {
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

pub(super) fn tolerations(d: &mut SplitMix64) -> Value {
    (0..=d.below(2))
        .map(|_| {
            let mut t = Map::new();
            t.insert("key".into(), word(d, &["dedicated", "gpu"]));
            if d.chance(50) {
                t.insert("operator".into(), "Exists".into());
            } else {
                t.insert("operator".into(), "Equal".into());
                t.insert("value".into(), word(d, &["true", "batch"]));
            }
            t.insert("effect".into(), word(d, &["NoSchedule", "NoExecute"]));
            Value::Object(t)
        })
        .collect()
}

fn deployment_strategy(d: &mut SplitMix64) -> Value {
    if d.chance(50) {
        json!({"type": "Recreate"})
    } else {
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": d.below(3), "maxUnavailable": "25%"}})
    }
}

pub(super) fn service_port(d: &mut SplitMix64, _size: usize) -> Map<String, Value> {
    let mut port = Map::new();
    if d.chance(60) {
        port.insert("protocol".into(), word(d, &["TCP", "UDP"]));
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
        port.insert("name".into(), word(d, &["http", "https", "dns", "alt"]));
    }
    port
}

/// A list of objects keyed by `key`: between `min` and `max` of `keys`, in
/// random order, and with probability `duplicate_percent` one key twice.
pub(super) fn keyed_list(
    d: &mut SplitMix64,
    key: &str,
    keys: &[Value],
    max: usize,
    min: usize,
    duplicate_percent: u64,
    mut body: impl FnMut(&mut SplitMix64, usize) -> Map<String, Value>,
) -> Vec<Value> {
    let mut chosen = keys.to_vec();
    d.shuffle(&mut chosen);
    let n = (min + d.below(max.saturating_sub(min) + 1)).min(chosen.len());
    chosen.truncate(n);
    let mut element = |d: &mut SplitMix64, k: &Value| {
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
