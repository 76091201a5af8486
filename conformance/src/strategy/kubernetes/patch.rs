//! Patches for an object: each edit picks a part of the object (metadata,
//! a container, a list, the rollout strategy, a Service's ports) and writes
//! into the patch what a client would — changes, deletions, directives —
//! and now and then what Kubernetes rejects.

use serde_json::{json, Map, Value};

use super::builder::PatchBuilder;
use super::object::{
    args, container, container_port, env_var, keyed_list, service_port, tolerations, volume,
    volume_mount, volume_source,
};
use super::{
    BuiltinKind, ObjectOptions, ANNOTATIONS, ANNOTATION_VALUES, CONTAINERS, CONTAINER_PORTS, ENV,
    FINALIZERS, IMAGES, INIT_CONTAINERS, LABELS, LABEL_VALUES, MOUNT_PATHS, SECRETS, SERVICE_PORTS,
    VOLUMES, VOLUME_SOURCES,
};
use crate::strategy::document::renumber;
use crate::strategy::random::{ints, string_map, strs, word, SplitMix64};

/// A patch for `object` made of `edits`: each a choice of what to edit and
/// a seed for how.
pub(super) fn builtin_patch(object: &Value, edits: &[(u8, u64)]) -> Value {
    let kind = BuiltinKind::of(object).unwrap_or(BuiltinKind::Pod);
    let mut builder = PatchBuilder::new();
    for &(choice, seed) in edits {
        let d = &mut SplitMix64::new(seed);
        builder.builtin_edit(object, kind, choice, d);
    }
    builder.finish()
}

impl PatchBuilder {
    fn builtin_edit(&mut self, object: &Value, kind: BuiltinKind, choice: u8, d: &mut SplitMix64) {
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
                    self.set("/spec/type", word(d, &["ClusterIP", "NodePort"]));
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
                    word(d, &["Always", "OnFailure"]),
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
        d: &mut SplitMix64,
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
            0..=4 => self.set_member(path, &key, word(d, values)),
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

    fn finalizers(&mut self, object: &Value, d: &mut SplitMix64) {
        let path = "/metadata/finalizers";
        let live = object.pointer(path).cloned();
        let some_values = |d: &mut SplitMix64| -> Value {
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
                self.order(path, None, live.as_ref(), d.next_u64());
            }
            8 => {
                if d.chance(50) {
                    let values = some_values(d);
                    self.set_member("/metadata", "$deleteFromPrimitiveList/finalizers", values);
                }
                self.order(path, None, live.as_ref(), d.next_u64());
            }
            _ => self.set(path, Value::Null),
        }
    }

    fn container(&mut self, object: &Value, spec: &str, d: &mut SplitMix64) {
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
            let mut body = container(d, 2, ObjectOptions::new());
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
            0..=1 => self.set(&format!("{at}/image"), word(d, IMAGES)),
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

    fn resources(&mut self, at: &str, d: &mut SplitMix64) {
        let part = d.pick(&["limits", "requests"]);
        let amount = d.pick(&["cpu", "memory"]);
        let path = format!("{at}/resources");
        match d.below(7) {
            0..=1 => self.set(
                &format!("{path}/{part}/{amount}"),
                word(d, &["500m", "2", "256Mi"]),
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
    fn containers(&mut self, object: &Value, spec: &str, d: &mut SplitMix64) {
        let list = format!("{spec}/containers");
        let live = object.pointer(&list).cloned();
        match d.below(4) {
            0..=1 => {
                if d.chance(50) {
                    let names = keys_of(live.as_ref(), "name");
                    if let Some(name) = names.first() {
                        let at = self.element(&list, "name", name);
                        self.set(&format!("{at}/image"), word(d, IMAGES));
                    }
                }
                self.order(&list, Some("name"), live.as_ref(), d.next_u64());
            }
            2 => {
                let replacement = keyed_list(d, "name", &strs(CONTAINERS), 2, 1, 0, |d, _| {
                    container(d, 1, ObjectOptions::new())
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
        body: &dyn Fn(&mut SplitMix64) -> Map<String, Value>,
        d: &mut SplitMix64,
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
            k = renumber(&k);
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
                self.order(list, Some(key), live, d.next_u64());
            }
            _ => self.set(list, Value::Null),
        }
    }

    fn volume(&mut self, object: &Value, spec: &str, d: &mut SplitMix64) {
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
                self.order(&list, Some("name"), live_list.as_ref(), d.next_u64());
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

    fn deployment(&mut self, object: &Value, d: &mut SplitMix64) {
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
            6 => self.set("/spec/selector/matchLabels/tier", word(d, LABEL_VALUES)),
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

    fn service_port(&mut self, object: &Value, d: &mut SplitMix64) {
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

    fn service_ports(&mut self, object: &Value, d: &mut SplitMix64) {
        let live = object.pointer("/spec/ports").cloned();
        match d.below(3) {
            0..=1 => {
                if d.chance(50) {
                    self.service_port(object, d);
                }
                self.order("/spec/ports", Some("port"), live.as_ref(), d.next_u64());
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
    fn erroneous(&mut self, object: &Value, kind: BuiltinKind, d: &mut SplitMix64) {
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
