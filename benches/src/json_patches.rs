//! JSON Patches (RFC 6902) for the Deployment and the large document,
//! re-appliable: they leave the document's shape as they found it.

use patchlaw_conformance::strategy::random::SplitMix64;
use serde_json::{json, Map, Value};

use crate::deployment::Choices;
use crate::{deployment, large_document};

/// The number of Deployments of [`large_document`] that
/// [`large_document_json_patch`] edits.
pub const LARGE_DOCUMENT_JSON_PATCH_OBJECTS: usize = 10;

/// A JSON Patch (RFC 6902, as JSON) of `operations` operations for
/// [`deployment`]: a realistic mix of edits deep in the document.
///
/// About a third of the operations replace a scalar (an environment
/// variable's value, an image, a memory limit, a probe period, the replica
/// count, an annotation); one in six is a `test` guard on a name or the UID
/// followed by a `replace`; the rest add object members (annotations,
/// labels, resource limits) and array elements (environment variables
/// inserted anywhere, ports appended, tolerations prepended), and remove
/// them. The first operation always replaces an environment variable's
/// value, so `deployment_json_patch(1)` is that one `replace`.
///
/// Every `add` is undone by a `remove` at the end of the patch (in reverse
/// order, so the indices hold), and no `test` looks at a value the patch
/// replaces. The patch therefore leaves the document's shape as it found it
/// (only scalars change), and it applies again to its own result, doing the
/// same work and giving the same document: a benchmark can apply it over
/// and over in place.
///
/// # Examples
///
/// ```
/// use patchlaw::json_patch::Patch;
///
/// let patch = Patch::from_value(&patchlaw_benches::deployment_json_patch(100))?;
/// assert_eq!(patch.len(), 100);
/// let mut doc = patchlaw_benches::deployment();
/// patch.apply(&mut doc)?;
/// let once = doc.clone();
/// patch.apply(&mut doc)?;
/// assert_eq!(doc, once);
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[must_use]
pub fn deployment_json_patch(operations: usize) -> Value {
    json_patch_for(&deployment(), &[String::new()], operations, 0x5EED_3000)
}

/// A JSON Patch (RFC 6902, as JSON) of `operations` operations for
/// [`large_document`]: the mix of [`deployment_json_patch`], each edit
/// made to one of [`LARGE_DOCUMENT_JSON_PATCH_OBJECTS`] Deployments spread
/// over the snapshot (pointers such as
/// `/objects/team-05~1svc-017/spec/template/spec/containers/1/env/3/value`).
/// It too applies again to its own result with the same work.
///
/// # Examples
///
/// ```
/// let patch = patchlaw_benches::large_document_json_patch(1);
/// assert_eq!(patch[0]["op"], "replace");
/// assert!(patch[0]["path"].as_str().unwrap().starts_with("/objects/"));
/// ```
#[must_use]
pub fn large_document_json_patch(operations: usize) -> Value {
    snapshot_json_patch(&large_document(), operations)
}

/// The JSON Patch of [`large_document_json_patch`] for any [`snapshot`](crate::snapshot):
/// `operations` operations spread over [`LARGE_DOCUMENT_JSON_PATCH_OBJECTS`]
/// of its Deployments, evenly spaced in key order. For
/// [`large_document`] it is [`large_document_json_patch`]`(operations)`.
///
/// # Examples
///
/// ```
/// use patchlaw::json_patch::Patch;
///
/// let mut doc = patchlaw_benches::snapshot(30);
/// let patch = Patch::from_value(&patchlaw_benches::snapshot_json_patch(&doc, 100))?;
/// patch.apply(&mut doc)?;
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[must_use]
pub fn snapshot_json_patch(snapshot: &Value, operations: usize) -> Value {
    let objects = snapshot["objects"].as_object();
    let count = objects.map_or(0, Map::len);
    let step = (count / LARGE_DOCUMENT_JSON_PATCH_OBJECTS).max(1);
    // Only the Deployments edited, so that building the patch does not
    // copy a snapshot of hundreds of megabytes.
    let chosen: Map<String, Value> = objects
        .into_iter()
        .flatten()
        .step_by(step)
        .map(|(key, object)| (key.clone(), object.clone()))
        .collect();
    let prefixes: Vec<String> = chosen
        .keys()
        .map(|key| format!("/objects/{}", escape(key)))
        .collect();
    let edited = json!({ "objects": chosen });
    json_patch_for(&edited, &prefixes, operations, 0x5EED_3001)
}

/// Builds `operations` operations editing the Deployments at `prefixes` in
/// `doc`, following the document as the operations change it, so that
/// every pointer exists and every `test` holds when its turn comes.
fn json_patch_for(doc: &Value, prefixes: &[String], operations: usize, seed: u64) -> Value {
    let mut rng = SplitMix64::new(seed);
    let mut patch = PatchBuilder {
        state: doc.clone(),
        operations: Vec::new(),
        undo: Vec::new(),
        added: 0,
    };
    while patch.len() < operations {
        let prefix = &prefixes[rng.below(prefixes.len())];
        let container = format!("{prefix}/spec/template/spec/containers/{}", rng.below(4));
        // Edits of two operations (kinds 7 and up) only where two are left.
        let kind = match operations - patch.len() {
            _ if patch.operations.is_empty() => 0,
            1 => rng.below(7),
            _ => rng.below(20),
        };
        let n = patch.added;
        match kind {
            0..=2 => {
                let k = patch.plain_env_var(&container, &mut rng);
                patch.replace(
                    format!("{container}/env/{k}/value"),
                    json!(rng.value_string()),
                );
            }
            3..=6 => match rng.below(5) {
                0 => {
                    let image = patch
                        .current(&format!("{container}/image"))
                        .as_str()
                        .unwrap_or_default();
                    let (repository, _) = image.rsplit_once(':').unwrap_or((image, ""));
                    let image = format!("{repository}:v1.{}.{}", 28 + rng.below(3), rng.below(10));
                    patch.replace(format!("{container}/image"), json!(image));
                }
                1 => {
                    let memory = format!("{}Mi", 256 * (rng.below(8) + 1));
                    patch.replace(
                        format!("{container}/resources/limits/memory"),
                        json!(memory),
                    );
                }
                2 => patch.replace(
                    format!("{container}/readinessProbe/periodSeconds"),
                    json!(rng.below(30) + 1),
                ),
                3 => patch.replace(format!("{prefix}/spec/replicas"), json!(rng.below(10) + 1)),
                _ => {
                    let cause = format!("rollout {}", rng.hex(8));
                    patch.replace(
                        format!("{prefix}/metadata/annotations/example.com~1change-cause"),
                        json!(cause),
                    );
                }
            },
            // A guard on something the patch never replaces, then an edit.
            7..=11 => match rng.below(3) {
                0 => {
                    patch.test(format!("{container}/name"));
                    let memory = format!("{}Mi", 128 * (rng.below(8) + 1));
                    patch.replace(
                        format!("{container}/resources/requests/memory"),
                        json!(memory),
                    );
                }
                1 => {
                    let k = patch.plain_env_var(&container, &mut rng);
                    patch.test(format!("{container}/env/{k}/name"));
                    patch.replace(
                        format!("{container}/env/{k}/value"),
                        json!(rng.value_string()),
                    );
                }
                _ => {
                    patch.test(format!("{prefix}/metadata/uid"));
                    patch.replace(format!("{prefix}/spec/replicas"), json!(rng.below(10) + 1));
                }
            },
            12..=15 => match rng.below(3) {
                0 => patch.add_member(
                    &format!("{prefix}/metadata/annotations"),
                    &format!("example.com/patch-{n}"),
                    json!(rng.hex(16)),
                ),
                1 => patch.add_member(
                    &format!("{prefix}/spec/template/metadata/labels"),
                    &format!("patch.example.com/step-{n}"),
                    json!(format!("step-{n}")),
                ),
                _ => patch.add_member(
                    &format!("{container}/resources/limits"),
                    &format!("example.com/device-{n}"),
                    json!("1"),
                ),
            },
            _ => match rng.below(3) {
                0 => {
                    let env = format!("{container}/env");
                    let len = patch.current(&env).as_array().map_or(0, Vec::len);
                    let at = rng.below(len + 1);
                    let var =
                        json!({"name": format!("PATCH_VAR_{n}"), "value": rng.value_string()});
                    patch.insert_element(&env, Some(at), var);
                }
                1 => {
                    let port = json!({"name": format!("extra-{n}"), "containerPort": 10_000 + n, "protocol": "TCP"});
                    patch.insert_element(&format!("{container}/ports"), None, port);
                }
                _ => {
                    let toleration = json!({"key": format!("example.com/patch-{n}"), "operator": "Exists", "effect": "NoSchedule"});
                    patch.insert_element(
                        &format!("{prefix}/spec/template/spec/tolerations"),
                        Some(0),
                        toleration,
                    );
                }
            },
        }
    }
    patch.finish()
}

/// A JSON Patch being written, and the document as it leaves it so far.
struct PatchBuilder {
    state: Value,
    operations: Vec<Value>,
    /// The `remove`s undoing the `add`s so far, in the order of the adds.
    undo: Vec<Value>,
    /// How many members and elements the patch has added, to name new ones.
    added: usize,
}

impl PatchBuilder {
    fn len(&self) -> usize {
        self.operations.len() + self.undo.len()
    }

    fn current(&self, pointer: &str) -> &Value {
        self.state
            .pointer(pointer)
            .expect("the generated pointer exists")
    }

    fn current_mut(&mut self, pointer: &str) -> &mut Value {
        self.state
            .pointer_mut(pointer)
            .expect("the generated pointer exists")
    }

    /// The index of an environment variable of `container` with a plain
    /// `value` (not a `valueFrom` reference).
    fn plain_env_var(&self, container: &str, rng: &mut SplitMix64) -> usize {
        let env = self
            .current(&format!("{container}/env"))
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        let plain: Vec<usize> = (0..env.len())
            .filter(|&k| env[k].get("value").is_some())
            .collect();
        plain[rng.below(plain.len())]
    }

    fn test(&mut self, path: String) {
        let value = self.current(&path).clone();
        self.operations
            .push(json!({"op": "test", "path": path, "value": value}));
    }

    fn replace(&mut self, path: String, value: Value) {
        *self.current_mut(&path) = value.clone();
        self.operations
            .push(json!({"op": "replace", "path": path, "value": value}));
    }

    fn add_member(&mut self, object: &str, name: &str, value: Value) {
        if let Value::Object(members) = self.current_mut(object) {
            assert!(
                members.insert(name.to_owned(), value.clone()).is_none(),
                "{name} is new"
            );
        }
        let path = format!("{object}/{}", escape(name));
        self.operations
            .push(json!({"op": "add", "path": path, "value": value}));
        self.undo.push(json!({"op": "remove", "path": path}));
        self.added += 1;
    }

    /// Inserts at `index`, or appends (with `-`) when `index` is `None`.
    fn insert_element(&mut self, array: &str, index: Option<usize>, value: Value) {
        let Value::Array(items) = self.current_mut(array) else {
            panic!("{array} is an array");
        };
        let at = index.unwrap_or(items.len());
        items.insert(at, value.clone());
        let token = index.map_or_else(|| "-".to_owned(), |at| at.to_string());
        self.operations
            .push(json!({"op": "add", "path": format!("{array}/{token}"), "value": value}));
        self.undo
            .push(json!({"op": "remove", "path": format!("{array}/{at}")}));
        self.added += 1;
    }

    /// The operations, then the `remove`s, latest add first.
    fn finish(mut self) -> Value {
        self.undo.reverse();
        self.operations.append(&mut self.undo);
        Value::Array(self.operations)
    }
}

/// `token` escaped for a JSON Pointer (RFC 6901 §3).
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
