//! Edits of objects, for the diff: each keeps the object valid (no
//! `null`, merge keys unique, primitive merge lists distinct) and leaves
//! `apiVersion`, `kind` and `metadata.name` alone (`kubectl edit` refuses
//! to change them), so that the diff of the pair round-trips.

use serde_json::{json, Map, Value};

use super::object::{
    container, container_port, env_var, resources, service_port, tolerations, volume, volume_mount,
    volume_source,
};
use super::{
    ObjectOptions, ANNOTATIONS, ANNOTATION_VALUES, ARGS, CONTAINERS, CONTAINER_PORTS, ENV,
    FINALIZERS, IMAGES, INIT_CONTAINERS, LABELS, LABEL_VALUES, MOUNT_PATHS, SECRETS, SERVICE_PORTS,
    VOLUMES, VOLUME_SOURCES,
};
use crate::strategy::random::SplitMix64;

/// New elements and containers have no repeated keys either.
const VALID: ObjectOptions = ObjectOptions::new().repeated_keys(false);

pub(super) fn edit_object(object: &mut Value, d: &mut SplitMix64) {
    let kind = object["kind"].as_str().expect("a kind").to_owned();
    match d.below(10) {
        0 | 1 => edit_metadata(&mut object["metadata"], d),
        _ => match kind.as_str() {
            "Pod" => edit_pod_spec(&mut object["spec"], d),
            "Service" => edit_service_spec(&mut object["spec"], d),
            _ => edit_deployment_spec(&mut object["spec"], d),
        },
    }
}

pub(super) fn edit_metadata(metadata: &mut Value, d: &mut SplitMix64) {
    let metadata = metadata.as_object_mut().expect("metadata");
    match d.below(4) {
        0 => edit_string_map(metadata, "labels", LABELS, LABEL_VALUES, d),
        1 => edit_string_map(metadata, "annotations", ANNOTATIONS, ANNOTATION_VALUES, d),
        // The one primitive merge list: `$deleteFromPrimitiveList`.
        _ => edit_primitive_list(metadata, "finalizers", FINALIZERS, d),
    }
}

fn edit_deployment_spec(spec: &mut Value, d: &mut SplitMix64) {
    match d.below(8) {
        0 => {
            let spec = spec.as_object_mut().expect("a spec");
            if d.chance(25) {
                spec.remove("replicas");
            } else {
                spec.insert("replicas".into(), json!(d.below(6)));
            }
        }
        1 => match spec.get_mut("strategy") {
            // RollingUpdate ⇄ Recreate drops a key: `$retainKeys`.
            Some(strategy) if d.chance(50) => *strategy = rollout_strategy(d),
            Some(Value::Object(strategy)) => {
                if let Some(Value::Object(rolling)) = strategy.get_mut("rollingUpdate") {
                    let field = *d.pick(&["maxSurge", "maxUnavailable"]);
                    if rolling.contains_key(field) && d.chance(30) {
                        rolling.remove(field);
                    } else {
                        rolling.insert(field.into(), surge(d));
                    }
                } else {
                    *strategy = rollout_strategy(d).as_object().expect("a strategy").clone();
                }
            }
            _ => {
                spec["strategy"] = rollout_strategy(d);
            }
        },
        2 => {
            let template = spec["template"]["metadata"]
                .as_object_mut()
                .expect("template metadata");
            edit_string_map(template, "annotations", ANNOTATIONS, ANNOTATION_VALUES, d);
        }
        _ => edit_pod_spec(&mut spec["template"]["spec"], d),
    }
}

fn edit_service_spec(spec: &mut Value, d: &mut SplitMix64) {
    let spec = spec.as_object_mut().expect("a spec");
    match d.below(6) {
        0 => edit_string_map(spec, "selector", LABELS, LABEL_VALUES, d),
        1 => {
            let value = json!(*d.pick(&["ClusterIP", "NodePort", "LoadBalancer"]));
            set_or_remove(spec, "type", value, d);
        }
        2 => set_or_remove(spec, "sessionAffinity", json!("ClientIP"), d),
        _ => {
            let pool: Vec<Value> = SERVICE_PORTS.iter().map(|p| json!(p)).collect();
            edit_keyed_list(
                spec,
                "ports",
                "port",
                &pool,
                &|d, port| element("port", port, service_port(d, 1)),
                &|d, port| {
                    let port = port.as_object_mut().expect("a port");
                    match d.below(3) {
                        0 => {
                            // int ⇄ string
                            let target = if port.get("targetPort").is_some_and(Value::is_i64) {
                                json!("http")
                            } else {
                                json!(9000 + d.below(3))
                            };
                            port.insert("targetPort".into(), target);
                        }
                        1 => {
                            let name = json!(format!("n{}", d.below(3)));
                            set_or_remove(port, "name", name, d);
                        }
                        _ => {
                            port.insert("protocol".into(), json!(*d.pick(&["TCP", "UDP"])));
                        }
                    }
                },
                d,
            );
        }
    }
}

fn edit_pod_spec(spec: &mut Value, d: &mut SplitMix64) {
    let spec = spec.as_object_mut().expect("a pod spec");
    match d.below(12) {
        0..=4 => edit_containers(spec, "containers", CONTAINERS, d),
        5 => edit_containers(spec, "initContainers", INIT_CONTAINERS, d),
        6 | 7 => {
            let pool: Vec<Value> = VOLUMES.iter().map(|v| json!(v)).collect();
            edit_keyed_list(
                spec,
                "volumes",
                "name",
                &pool,
                &|d, name| element("name", name, volume(d, 1)),
                &|d, volume| {
                    // Switching the source drops a key: `$retainKeys`.
                    let volume = volume.as_object_mut().expect("a volume");
                    let name = volume["name"].clone();
                    volume.clear();
                    volume.insert("name".into(), name);
                    let source = *d.pick(VOLUME_SOURCES);
                    let value = volume_source(d, source);
                    volume.insert(source.into(), value);
                },
                d,
            );
        }
        8 => {
            // Atomic: any change sends the whole list.
            let value = tolerations(d);
            set_or_remove(spec, "tolerations", value, d);
        }
        9 => {
            let pool: Vec<Value> = SECRETS.iter().map(|s| json!(s)).collect();
            edit_keyed_list(
                spec,
                "imagePullSecrets",
                "name",
                &pool,
                &|_, name| json!({"name": name}),
                &|_, _| {},
                d,
            );
        }
        10 => edit_string_map(
            spec,
            "nodeSelector",
            &["disktype", "zone"],
            &["ssd", "a", "b"],
            d,
        ),
        _ => {
            let value = json!(*d.pick(&["Always", "OnFailure", "Never"]));
            set_or_remove(spec, "restartPolicy", value, d);
        }
    }
}

fn edit_containers(spec: &mut Map<String, Value>, field: &str, names: &[&str], d: &mut SplitMix64) {
    let pool: Vec<Value> = names.iter().map(|n| json!(n)).collect();
    edit_keyed_list(
        spec,
        field,
        "name",
        &pool,
        &|d, name| element("name", name, container(d, 2, VALID)),
        &|d, c| edit_container(c, d),
        d,
    );
    // A Pod needs a container; kubectl does not check, but keep it real.
    let has_one = matches!(spec.get(field), Some(Value::Array(l)) if !l.is_empty());
    if field == "containers" && !has_one {
        spec.insert(
            field.into(),
            json!([element("name", &json!("app"), container(d, 2, VALID))]),
        );
    }
}

fn edit_container(c: &mut Value, d: &mut SplitMix64) {
    edit_container_map(c.as_object_mut().expect("a container"), d);
}

fn edit_container_map(c: &mut Map<String, Value>, d: &mut SplitMix64) {
    match d.below(8) {
        0 => {
            c.insert("image".into(), json!(*d.pick(IMAGES)));
        }
        1 => {
            let pool: Vec<Value> = ENV.iter().map(|n| json!(n)).collect();
            edit_keyed_list(
                c,
                "env",
                "name",
                &pool,
                &|d, name| element("name", name, env_var(d)),
                &|d, var| {
                    // A new value, or `value` ⇄ `valueFrom`.
                    let name = var["name"].clone();
                    *var = element("name", &name, env_var(d));
                },
                d,
            );
        }
        2 => {
            let pool: Vec<Value> = CONTAINER_PORTS.iter().map(|p| json!(p)).collect();
            edit_keyed_list(
                c,
                "ports",
                "containerPort",
                &pool,
                &|d, port| element("containerPort", port, container_port(d)),
                &|d, port| {
                    let port = port.as_object_mut().expect("a port");
                    if d.chance(50) {
                        let name = json!(format!("x{}", d.below(3)));
                        set_or_remove(port, "name", name, d);
                    } else {
                        let protocol = json!(*d.pick(&["TCP", "UDP"]));
                        set_or_remove(port, "protocol", protocol, d);
                    }
                },
                d,
            );
        }
        3 => {
            let pool: Vec<Value> = MOUNT_PATHS.iter().map(|m| json!(m)).collect();
            edit_keyed_list(
                c,
                "volumeMounts",
                "mountPath",
                &pool,
                &|d, path| element("mountPath", path, volume_mount(d)),
                &|d, m| {
                    let m = m.as_object_mut().expect("a mount");
                    if d.chance(50) {
                        set_or_remove(m, "readOnly", json!(true), d);
                    } else {
                        m.insert("name".into(), json!(*d.pick(VOLUMES)));
                    }
                },
                d,
            );
        }
        4 => {
            // Atomic: new items, fewer, another order; sometimes a string
            // instead of a list (a type change kubectl does not check).
            let value = if d.chance(10) {
                json!("serve")
            } else {
                json!(d.subset(ARGS, 1))
            };
            set_or_remove(c, "args", value, d);
        }
        5 => match c.get_mut("resources") {
            Some(Value::Object(r)) if d.chance(70) => {
                let section = *d.pick(&["limits", "requests"]);
                match r.get_mut(section) {
                    Some(Value::Object(s)) if d.chance(70) => {
                        // string ⇄ number, or another value
                        s.insert("cpu".into(), cpu(d));
                    }
                    _ => {
                        let value = json!({"cpu": cpu(d)});
                        set_or_remove(r, section, value, d);
                    }
                }
            }
            _ => {
                let value = resources(d);
                set_or_remove(c, "resources", value, d);
            }
        },
        _ => {
            // Several edits to one container.
            edit_container_map(c, d);
            edit_container_map(c, d);
        }
    }
}

/// Inserts `value` at `field`, or removes `field` (one time in four when
/// it is there).
fn set_or_remove(map: &mut Map<String, Value>, field: &str, value: Value, d: &mut SplitMix64) {
    if map.contains_key(field) && d.chance(25) {
        map.remove(field);
    } else {
        map.insert(field.into(), value);
    }
}

fn edit_string_map(
    parent: &mut Map<String, Value>,
    field: &str,
    keys: &[&str],
    values: &[&str],
    d: &mut SplitMix64,
) {
    let mut map = match parent.remove(field) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    match d.below(4) {
        0 if !map.is_empty() => {
            let key = map.keys().nth(d.below(map.len())).expect("a key").clone();
            map.remove(&key);
        }
        1 if d.chance(30) => map.clear(),
        _ => {
            map.insert((*d.pick(keys)).to_owned(), json!(*d.pick(values)));
        }
    }
    // An empty map stays `{}` or goes.
    if !map.is_empty() || d.chance(50) {
        parent.insert(field.into(), Value::Object(map));
    }
}

/// Adds, removes, reorders or clears the items of a primitive merge list,
/// keeping them distinct.
fn edit_primitive_list(
    parent: &mut Map<String, Value>,
    field: &str,
    pool: &[&str],
    d: &mut SplitMix64,
) {
    let mut list = match parent.remove(field) {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    };
    let absent: Vec<&str> = pool
        .iter()
        .copied()
        .filter(|p| !list.contains(&json!(p)))
        .collect();
    match d.below(6) {
        0 | 1 if !absent.is_empty() => {
            let at = d.below(list.len() + 1);
            list.insert(at, json!(*d.pick(&absent)));
        }
        2 | 3 if !list.is_empty() => {
            list.remove(d.below(list.len()));
        }
        4 if list.len() >= 2 => shuffle_changed(d, &mut list),
        _ => {
            list.clear();
            if !absent.is_empty() && d.chance(50) {
                list.push(json!(*d.pick(&absent)));
            }
        }
    }
    if !list.is_empty() || d.chance(50) {
        parent.insert(field.into(), Value::Array(list));
    }
}

type Make<'a> = &'a dyn Fn(&mut SplitMix64, &Value) -> Value;
type Modify<'a> = &'a dyn Fn(&mut SplitMix64, &mut Value);

/// Inserts, deletes, reorders or changes the elements of a list that
/// merges by `key`, keeping keys unique (new keys come from `pool`).
fn edit_keyed_list(
    parent: &mut Map<String, Value>,
    field: &str,
    key: &str,
    pool: &[Value],
    make: Make<'_>,
    modify: Modify<'_>,
    d: &mut SplitMix64,
) {
    let had = parent.contains_key(field);
    let mut list = match parent.remove(field) {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    };
    let absent: Vec<&Value> = pool
        .iter()
        .filter(|k| !list.iter().any(|e| &e[key] == *k))
        .collect();
    match d.below(8) {
        0 | 1 if !absent.is_empty() => {
            let at = d.below(list.len() + 1);
            let new_key = *d.pick(&absent);
            let new = make(d, new_key);
            list.insert(at, new);
        }
        2 | 3 if !list.is_empty() => {
            list.remove(d.below(list.len()));
        }
        4 if list.len() >= 2 => shuffle_changed(d, &mut list),
        5 if list.len() >= 2 && !absent.is_empty() => {
            // Several changes at once: reorder, replace one key, change one.
            shuffle_changed(d, &mut list);
            let i = d.below(list.len());
            let new_key = *d.pick(&absent);
            list[i] = make(d, new_key);
            let j = d.below(list.len());
            modify(d, &mut list[j]);
        }
        6 if had && d.chance(30) => list.clear(),
        _ if !list.is_empty() => {
            let i = d.below(list.len());
            modify(d, &mut list[i]);
        }
        _ => {}
    }
    if !list.is_empty() || (had && d.chance(50)) {
        parent.insert(field.into(), Value::Array(list));
    }
}

/// The element of a keyed list whose `key` is `value`, with `body`.
fn element(key: &str, value: &Value, body: Map<String, Value>) -> Value {
    let mut element = Map::new();
    element.insert(key.to_owned(), value.clone());
    element.extend(body);
    Value::Object(element)
}

/// Shuffles `items` (two or more) into another order.
fn shuffle_changed(d: &mut SplitMix64, items: &mut [Value]) {
    let before = items.to_vec();
    d.shuffle(items);
    if items == before.as_slice() {
        items.swap(0, 1);
    }
}

fn rollout_strategy(d: &mut SplitMix64) -> Value {
    if d.chance(40) {
        return json!({"type": "Recreate"});
    }
    let mut rolling = Map::new();
    if d.chance(80) {
        rolling.insert("maxSurge".into(), surge(d));
    }
    if d.chance(60) {
        rolling.insert("maxUnavailable".into(), surge(d));
    }
    json!({"type": "RollingUpdate", "rollingUpdate": rolling})
}

/// An int-or-string, so that edits change its type.
fn surge(d: &mut SplitMix64) -> Value {
    if d.chance(50) {
        json!(d.below(3))
    } else {
        json!(*d.pick(&["25%", "50%"]))
    }
}

/// A quantity, as a string or a number.
fn cpu(d: &mut SplitMix64) -> Value {
    if d.chance(30) {
        json!(1 + d.below(2))
    } else {
        json!(*d.pick(&["100m", "250m", "1"]))
    }
}

/// A Pod whose container has a long `env` list in which names repeat
/// (which Kubernetes allows), edited by reordering, changing, adding and
/// removing variables: Kubernetes pairs and orders elements with repeated
/// keys as its sort leaves them (`sort.Sort` with a comparator that calls
/// equal keys "less"; spec/40-strategic.md, D4.13), insertion sort up to
/// 12 elements, pattern-defeating quicksort above.
pub(super) fn repeated_env_pair(d: &mut SplitMix64) -> (Value, Value) {
    let names = ["A", "B", "C", "D", "E"];
    let length = 2 + d.below(59);
    let mut env: Vec<Value> = (0..length)
        .map(|v| json!({"name": d.pick(&names), "value": format!("v{v}")}))
        .collect();
    let from = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "app", "image": "nginx", "env": env.clone()}]},
    });
    let edits = 1 + d.below(6);
    for e in 0..edits {
        match d.below(5) {
            0 if env.len() > 1 => {
                let (a, b) = (d.below(env.len()), d.below(env.len()));
                env.swap(a, b);
            }
            1 if !env.is_empty() => {
                let at = d.below(env.len());
                env[at]["value"] = json!(format!("w{e}"));
            }
            2 if env.len() > 1 => {
                env.remove(d.below(env.len()));
            }
            3 => {
                let at = d.below(env.len() + 1);
                env.insert(
                    at,
                    json!({"name": d.pick(&names), "value": format!("x{e}")}),
                );
            }
            _ => d.shuffle(&mut env),
        }
    }
    let mut to = from.clone();
    to["spec"]["containers"][0]["env"] = Value::Array(env);
    (from, to)
}
