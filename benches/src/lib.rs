//! Deterministic workloads for patchlaw's benchmarks (DESIGN.md §6).
//!
//! Every generator here is a pure function of its arguments: the
//! pseudo-random choices come from a [SplitMix64] generator with fixed seeds,
//! never from the operating system, so two runs (or two machines) benchmark
//! exactly the same documents.
//!
//! | workload | generator | size |
//! |---|---|---|
//! | Kubernetes-like `apps/v1` Deployment | [`deployment`], [`deployment_edited`] | ≈15 KB |
//! | the same with a sidecar container inserted first | [`deployment_sidecar`] | ≈18 KB |
//! | config-like tree of Deployments | [`large_document`], [`large_document_edited`] | ≈2.5 MB |
//! | the same, any number of Deployments (for the scale runs) | [`snapshot`], [`edit_snapshot`] | ≈14.2 KB per Deployment |
//! | long array of small objects | [`long_array`] | 10k items ≈ 0.85 MB |
//! | deeply nested objects | [`deep_document`] | depth ≈ 100 |
//! | JSON Patches (RFC 6902) for those, re-appliable | [`deployment_json_patch`], [`large_document_json_patch`], [`snapshot_json_patch`] | 1 or 100 operations |
//! | diff workloads: before, after and the patch a diff should find | [`diff_edits`], [`Edit`] | 1 to ≈ 9,000 operations |
//!
//! Sizes are of the compact serialization (`serde_json::to_string`); the
//! tests at the bottom of this file keep them in range.
//!
//! Each `*_edited` generator has a companion `*_EDITED_POINTERS` constant
//! listing the values its edit changes, so a benchmark can check, cheaply
//! and inside the timed loop, that a patch really was applied.
//!
//! [SplitMix64]: https://prng.di.unimi.it/splitmix64.c

#![deny(missing_docs)]

use serde_json::{json, Map, Value};

/// The pointers of the values [`deployment_edited`] changes: the replica
/// count, the image of the third container and the environment variable
/// appended to the first container.
pub const DEPLOYMENT_EDITED_POINTERS: &[&str] = &[
    "/spec/replicas",
    "/spec/template/spec/containers/2/image",
    "/spec/template/spec/containers/0/env/15/value",
];

/// The key, under `/objects`, of the Deployment that
/// [`large_document_edited`] changes.
pub const LARGE_DOCUMENT_EDITED_KEY: &str = "team-07/svc-079";

/// The pointers of the values [`large_document_edited`] changes: the replica
/// count and one annotation of the Deployment at
/// [`LARGE_DOCUMENT_EDITED_KEY`].
pub const LARGE_DOCUMENT_EDITED_POINTERS: &[&str] = &[
    "/objects/team-07~1svc-079/spec/replicas",
    "/objects/team-07~1svc-079/metadata/annotations/example.com~1change-cause",
];

/// The number of Deployments in [`large_document`].
pub const LARGE_DOCUMENT_OBJECTS: usize = 170;

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

/// A config-like tree of about 2.5 MB serialized: a snapshot whose
/// `objects` member maps `"<namespace>/<name>"` to one of
/// [`LARGE_DOCUMENT_OBJECTS`] Deployments like [`deployment`], each
/// generated from its own seed. It is [`snapshot`]`(LARGE_DOCUMENT_OBJECTS)`.
///
/// The objects are keyed by name rather than listed in an array so that a
/// merge patch can reach into one of them (RFC 7396 replaces arrays whole).
///
/// # Examples
///
/// ```
/// use patchlaw_benches::{large_document, LARGE_DOCUMENT_EDITED_KEY, LARGE_DOCUMENT_OBJECTS};
///
/// let doc = large_document();
/// assert_eq!(doc["objects"].as_object().unwrap().len(), LARGE_DOCUMENT_OBJECTS);
/// assert_eq!(doc["objects"][LARGE_DOCUMENT_EDITED_KEY]["kind"], "Deployment");
/// ```
#[must_use]
pub fn large_document() -> Value {
    snapshot(LARGE_DOCUMENT_OBJECTS)
}

/// A snapshot of `objects` Deployments, about 14.2 KB serialized each
/// (170 give [`large_document`], 1,700 about 24 MB, 17,000 about 240 MB).
/// The Deployment at index `i` is the same whatever `objects` is, so
/// smaller snapshots are prefixes of larger ones (in index order).
///
/// # Examples
///
/// ```
/// let doc = patchlaw_benches::snapshot(3);
/// assert_eq!(doc["objects"].as_object().unwrap().len(), 3);
/// assert_eq!(doc["objects"]["team-02/svc-002"]["kind"], "Deployment");
/// ```
#[must_use]
pub fn snapshot(objects: usize) -> Value {
    let mut members = Map::new();
    for index in 0..objects {
        let namespace = format!("team-{:02}", index % 12);
        let name = format!("svc-{index:03}");
        let mut rng = SplitMix64::new(0x5EED_1000 + index as u64);
        let object = build_deployment(&mut rng, &namespace, &name);
        members.insert(format!("{namespace}/{name}"), object);
    }
    json!({
        "apiVersion": "snapshot.example.com/v1",
        "kind": "ClusterSnapshot",
        "metadata": {"name": "prod-eu-1", "generation": 4211},
        "objects": members,
    })
}

/// [`large_document`] after a small edit to the Deployment at
/// [`LARGE_DOCUMENT_EDITED_KEY`]: its replica count and its
/// `example.com/change-cause` annotation change (see
/// [`LARGE_DOCUMENT_EDITED_POINTERS`]).
///
/// # Examples
///
/// ```
/// use patchlaw_benches::{large_document_edited, LARGE_DOCUMENT_EDITED_KEY};
///
/// let edited = large_document_edited();
/// assert_eq!(edited["objects"][LARGE_DOCUMENT_EDITED_KEY]["spec"]["replicas"], 7);
/// ```
#[must_use]
pub fn large_document_edited() -> Value {
    let mut doc = large_document();
    edit_snapshot(&mut doc);
    doc
}

/// Makes, in place, the small edit of [`large_document_edited`] to a
/// [`snapshot`] of at least 80 objects (so that it has the Deployment at
/// [`LARGE_DOCUMENT_EDITED_KEY`]).
///
/// # Panics
///
/// When the snapshot lacks that Deployment.
///
/// # Examples
///
/// ```
/// let mut doc = patchlaw_benches::snapshot(100);
/// patchlaw_benches::edit_snapshot(&mut doc);
/// assert_eq!(doc.pointer(patchlaw_benches::LARGE_DOCUMENT_EDITED_POINTERS[0]).unwrap(), 7);
/// ```
pub fn edit_snapshot(snapshot: &mut Value) {
    // `get_mut`, not `IndexMut`, which would insert a missing object.
    let object = snapshot["objects"]
        .get_mut(LARGE_DOCUMENT_EDITED_KEY)
        .expect("the edited Deployment is in the snapshot");
    object["spec"]["replicas"] = json!(7);
    object["metadata"]["annotations"]["example.com/change-cause"] =
        json!("scale up for the spring sale (OPS-4312)");
}

/// An array of `n` small objects (`id`, `name`, `enabled`, `weight`, `tags`),
/// about 85 bytes each serialized.
///
/// # Examples
///
/// ```
/// let items = patchlaw_benches::long_array(10_000);
/// assert_eq!(items.as_array().unwrap().len(), 10_000);
/// assert_eq!(items[42]["id"], 42);
/// ```
#[must_use]
pub fn long_array(n: usize) -> Value {
    let mut rng = SplitMix64::new(0x5EED_2000);
    let items = (0..n)
        .map(|id| {
            json!({
                "id": id,
                "name": format!("item-{id:05}"),
                "enabled": rng.below(4) != 0,
                "weight": rng.below(10_000) as f64 / 100.0,
                "tags": [rng.pick(WORDS), rng.pick(WORDS)],
            })
        })
        .collect();
    Value::Array(items)
}

/// Objects nested `depth` levels deep: each level is
/// `{"level": i, "name": "node-i", "child": {…}}`, and the innermost object
/// (level `depth - 1`) has no `child`. `depth` 0 gives `null`.
///
/// The depth is that of [`Limits`](patchlaw::Limits): the number of nested
/// containers. Values this shallow are safe for serde_json's recursive
/// `Drop`, `Clone` and `==`.
///
/// # Examples
///
/// ```
/// let doc = patchlaw_benches::deep_document(3);
/// assert_eq!(doc["child"]["child"]["level"], 2);
/// assert!(doc["child"]["child"].get("child").is_none());
/// ```
#[must_use]
pub fn deep_document(depth: usize) -> Value {
    let mut doc = Value::Null;
    for level in (0..depth).rev() {
        let mut node = Map::new();
        node.insert("level".to_owned(), json!(level));
        node.insert("name".to_owned(), json!(format!("node-{level}")));
        if !doc.is_null() {
            node.insert("child".to_owned(), doc);
        }
        doc = Value::Object(node);
    }
    doc
}

/// `value` as an application would have it: parsed from its compact JSON
/// text.
///
/// Benchmarks that traverse two documents use this, so that both (and the
/// copy a bound compares with) have the memory layout parsing gives. A
/// large document traverses up to 1.4× slower or faster depending on how
/// its nodes happen to lie in memory (a clone made while the allocator is
/// full of holes scatters them): comparing a diff of two clones with `==`
/// of two differently made clones measures the allocator, not the diff.
///
/// # Examples
///
/// ```
/// let doc = patchlaw_benches::deployment();
/// assert_eq!(patchlaw_benches::reparsed(&doc), doc);
/// ```
#[must_use]
pub fn reparsed(value: &Value) -> Value {
    let text = serde_json::to_string(value).expect("a Value serializes");
    serde_json::from_str(&text).expect("its own text parses")
}

/// A document, an edited copy, and the JSON Patch between them that a
/// diff should find, known by construction.
#[derive(Clone, Debug)]
pub struct Edit {
    /// The document before the edit.
    pub from: Value,
    /// The document after the edit.
    pub to: Value,
    /// A JSON Patch (RFC 6902, as JSON) from `from` to `to` that writes
    /// only what changed: one operation per place the edit changed, and no
    /// operation rewrites a value the edit left alone. (Replacing the whole
    /// document is always one operation; this is the smallest patch that
    /// does not rewrite what is unchanged.)
    pub minimal: Value,
}

impl Edit {
    /// The number of operations of [`Edit::minimal`].
    #[must_use]
    pub fn minimal_operations(&self) -> usize {
        self.minimal.as_array().map_or(0, Vec::len)
    }
}

/// The diff workloads of DESIGN.md §6, by name, smallest first (the
/// benchmark order): `deployment` ([`deployment_edit`]),
/// `deployment-sidecar` ([`deployment_sidecar_edit`]), `deep`
/// ([`deep_document_edit`] at depth 100), `long-array`
/// ([`long_array_edit`] of 10,000 items), `large`
/// ([`large_document_edit`]) and `large-10pct`
/// ([`large_document_10pct_edit`]).
///
/// # Examples
///
/// ```
/// let names: Vec<_> = patchlaw_benches::diff_edits().into_iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["deployment", "deployment-sidecar", "deep", "long-array", "large", "large-10pct"]);
/// ```
#[must_use]
pub fn diff_edits() -> Vec<(&'static str, Edit)> {
    vec![
        ("deployment", deployment_edit()),
        ("deployment-sidecar", deployment_sidecar_edit()),
        ("deep", deep_document_edit(100)),
        ("long-array", long_array_edit(10_000)),
        ("large", large_document_edit()),
        ("large-10pct", large_document_10pct_edit()),
    ]
}

/// [`deployment`] and [`deployment_edited`]: three operations, two
/// `replace`s and the `add` of the appended environment variable.
///
/// # Examples
///
/// ```
/// assert_eq!(patchlaw_benches::deployment_edit().minimal_operations(), 3);
/// ```
#[must_use]
pub fn deployment_edit() -> Edit {
    let to = deployment_edited();
    let at = |pointer: &str| to.pointer(pointer).cloned().unwrap_or_default();
    let [replicas, image, env] = DEPLOYMENT_EDITED_POINTERS else {
        unreachable!("three pointers")
    };
    let var = env.trim_end_matches("/value");
    let minimal = json!([
        {"op": "replace", "path": replicas, "value": at(replicas)},
        {"op": "replace", "path": image, "value": at(image)},
        {"op": "add", "path": var, "value": at(var)},
    ]);
    Edit {
        from: deployment(),
        to,
        minimal,
    }
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

/// [`deployment`] and [`deployment_sidecar`]: one `add` of the whole
/// sidecar container.
///
/// # Examples
///
/// ```
/// assert_eq!(patchlaw_benches::deployment_sidecar_edit().minimal_operations(), 1);
/// ```
#[must_use]
pub fn deployment_sidecar_edit() -> Edit {
    let to = deployment_sidecar();
    let sidecar = to.pointer(DEPLOYMENT_SIDECAR_POINTER).cloned();
    let minimal = json!([{"op": "add", "path": DEPLOYMENT_SIDECAR_POINTER, "value": sidecar}]);
    Edit {
        from: deployment(),
        to,
        minimal,
    }
}

/// [`large_document`] and [`large_document_edited`]: two `replace`s.
///
/// # Examples
///
/// ```
/// assert_eq!(patchlaw_benches::large_document_edit().minimal_operations(), 2);
/// ```
#[must_use]
pub fn large_document_edit() -> Edit {
    let from = large_document();
    let mut to = from.clone();
    edit_snapshot(&mut to);
    let minimal = LARGE_DOCUMENT_EDITED_POINTERS
        .iter()
        .map(|pointer| json!({"op": "replace", "path": pointer, "value": to.pointer(pointer)}))
        .collect();
    Edit { from, to, minimal }
}

/// [`large_document`] with about 10% of its leaf values changed (one in
/// ten, chosen by a seeded generator): strings get a `*` appended,
/// numbers grow by one, booleans flip; `null`s stay. The patch that
/// rewrites only what changed is one `replace` per changed leaf, in
/// document order.
///
/// # Examples
///
/// ```
/// let edit = patchlaw_benches::large_document_10pct_edit();
/// assert!(edit.minimal_operations() > 5_000);
/// ```
#[must_use]
pub fn large_document_10pct_edit() -> Edit {
    let from = large_document();
    let mut to = from.clone();
    let mut rng = SplitMix64::new(0x5EED_4000);
    let mut minimal = Vec::new();
    change_leaves(&mut to, &mut String::new(), &mut rng, 10, &mut minimal);
    Edit {
        from,
        to,
        minimal: Value::Array(minimal),
    }
}

/// Changes about one in `one_in` of the leaves under `value` (at
/// `pointer`), recording a `replace` for each in `log`.
fn change_leaves(
    value: &mut Value,
    pointer: &mut String,
    rng: &mut SplitMix64,
    one_in: u64,
    log: &mut Vec<Value>,
) {
    let children: Vec<(String, &mut Value)> = match value {
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        Value::Object(members) => members.iter_mut().map(|(k, v)| (escape(k), v)).collect(),
        _ => return,
    };
    for (token, child) in children {
        let len = pointer.len();
        pointer.push('/');
        pointer.push_str(&token);
        if changeable(child) {
            if rng.below(one_in) == 0 {
                *child = match &*child {
                    Value::String(s) => json!(format!("{s}*")),
                    Value::Bool(b) => json!(!b),
                    Value::Number(n) => match n.as_u64() {
                        Some(u) => json!(u + 1),
                        None => json!(n.as_f64().unwrap_or_default() + 1.0),
                    },
                    other => other.clone(),
                };
                log.push(json!({"op": "replace", "path": pointer.as_str(), "value": child}));
            }
        } else {
            change_leaves(child, pointer, rng, one_in, log);
        }
        pointer.truncate(len);
    }
}

/// A leaf [`change_leaves`] may change: a string, number or boolean.
fn changeable(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// [`long_array`]`(n)` and the same with one new item inserted in the
/// middle, at index `n / 2`: one `add`.
///
/// # Examples
///
/// ```
/// let edit = patchlaw_benches::long_array_edit(10);
/// assert_eq!(edit.minimal[0]["path"], "/5");
/// assert_eq!(edit.to.as_array().unwrap().len(), 11);
/// ```
#[must_use]
pub fn long_array_edit(n: usize) -> Edit {
    let from = long_array(n);
    let mut to = from.clone();
    let item = json!({
        "id": n,
        "name": "item-inserted",
        "enabled": true,
        "weight": 12.5,
        "tags": ["inserted", "middle"],
    });
    if let Value::Array(items) = &mut to {
        items.insert(n / 2, item.clone());
    }
    let minimal = json!([{"op": "add", "path": format!("/{}", n / 2), "value": item}]);
    Edit { from, to, minimal }
}

/// [`deep_document`]`(depth)` and the same with the innermost `name`
/// changed: one `replace`, `depth` tokens deep.
///
/// # Examples
///
/// ```
/// let edit = patchlaw_benches::deep_document_edit(3);
/// assert_eq!(edit.minimal[0]["path"], "/child/child/name");
/// ```
#[must_use]
pub fn deep_document_edit(depth: usize) -> Edit {
    let from = deep_document(depth);
    let mut to = from.clone();
    let path = format!("{}/name", "/child".repeat(depth.saturating_sub(1)));
    let value = json!(format!("node-{}-renamed", depth.saturating_sub(1)));
    if let Some(name) = to.pointer_mut(&path) {
        *name = value.clone();
    }
    let minimal = json!([{"op": "replace", "path": path, "value": value}]);
    Edit { from, to, minimal }
}

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

/// The JSON Patch of [`large_document_json_patch`] for any [`snapshot`]:
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
        let prefix = &prefixes[rng.below(prefixes.len() as u64) as usize];
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
                    let at = rng.below(len as u64 + 1) as usize;
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
        plain[rng.below(plain.len() as u64) as usize]
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
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Builds one Deployment from `rng`'s choices.
fn build_deployment(rng: &mut SplitMix64, namespace: &str, name: &str) -> Value {
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
const WORDS: &[&str] = &[
    "cache", "db", "queue", "search", "auth", "token", "region", "zone", "pool", "timeout",
    "retry", "limit", "url", "host", "port", "user", "level", "mode", "bucket", "shard", "replica",
    "feature", "trace", "sample",
];

/// Sebastiano Vigna's SplitMix64: a tiny, seedable generator, good enough to
/// vary workloads and fully deterministic.
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    const fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (with a negligible modulo bias).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// `len` lower-case hexadecimal digits.
    fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from_digit(self.below(16) as u32, 16).unwrap_or('0'))
            .collect()
    }

    /// A UUID-shaped string.
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

    /// An environment-variable value: a URL, a number, a flag or a token.
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
            2 => ["true", "false"][self.below(2) as usize].to_owned(),
            _ => self.hex(24),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(value: &Value) -> usize {
        serde_json::to_string(value).map(|s| s.len()).unwrap_or(0)
    }

    #[test]
    fn deployment_is_about_15_kb() {
        let n = size(&deployment());
        assert!((12_000..=18_000).contains(&n), "{n} bytes");
    }

    #[test]
    fn large_document_is_2_to_3_mb() {
        let n = size(&large_document());
        assert!((2_000_000..=3_000_000).contains(&n), "{n} bytes");
    }

    #[test]
    fn long_array_has_n_items() {
        let items = long_array(10_000);
        assert_eq!(items.as_array().map(Vec::len), Some(10_000));
        let n = size(&items);
        assert!((500_000..=1_200_000).contains(&n), "{n} bytes");
    }

    #[test]
    fn deep_document_has_the_depth_asked_for() {
        let limits = patchlaw::Limits::new();
        let doc = deep_document(100);
        assert!(limits.max_depth(100).check_depth(&doc).is_ok());
        assert!(limits.max_depth(99).check_depth(&doc).is_err());
        assert_eq!(deep_document(0), Value::Null);
    }

    #[test]
    fn generators_are_deterministic() {
        assert_eq!(deployment(), deployment());
        assert_eq!(size(&large_document()), size(&large_document()));
        assert_eq!(long_array(100), long_array(100));
    }

    #[test]
    fn edits_change_exactly_the_listed_pointers() {
        let cases = [
            (
                deployment(),
                deployment_edited(),
                DEPLOYMENT_EDITED_POINTERS,
            ),
            (
                large_document(),
                large_document_edited(),
                LARGE_DOCUMENT_EDITED_POINTERS,
            ),
        ];
        for (before, after, pointers) in &cases {
            assert_ne!(before, after);
            for pointer in *pointers {
                let changed = after.pointer(pointer).expect(pointer);
                assert_ne!(before.pointer(pointer), Some(changed), "{pointer}");
            }
            // The merge patch between the two reaches only the edited places.
            let patch = patchlaw::merge_patch::diff(before, after).expect("representable");
            let mut patched = before.clone();
            patchlaw::merge_patch::apply(&mut patched, &patch).expect("applies");
            assert_eq!(&patched, after);
        }
        let patch = patchlaw::merge_patch::diff(&large_document(), &large_document_edited())
            .expect("representable");
        assert!(size(&patch) < 200, "{patch}");
    }

    #[test]
    fn edits_change_existing_values_only() {
        let keys = |doc: &Value| -> Vec<String> {
            doc["objects"]
                .as_object()
                .map(|objects| objects.keys().cloned().collect())
                .unwrap_or_default()
        };
        assert_eq!(keys(&large_document()), keys(&large_document_edited()));
        let (before, after) = (large_document(), large_document_edited());
        for pointer in LARGE_DOCUMENT_EDITED_POINTERS {
            assert!(before.pointer(pointer).is_some(), "{pointer}");
            assert!(after.pointer(pointer).is_some(), "{pointer}");
        }
        for pointer in &DEPLOYMENT_EDITED_POINTERS[..2] {
            assert!(deployment().pointer(pointer).is_some(), "{pointer}");
        }
    }

    /// The document with every scalar turned into `null`: what a patch that
    /// only replaces scalars leaves unchanged.
    fn shape(value: &Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
            Value::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(name, member)| (name.clone(), shape(member)))
                    .collect(),
            ),
            _ => Value::Null,
        }
    }

    #[test]
    fn json_patches_apply_cleanly_and_again_to_their_result() {
        let cases = [
            (deployment(), deployment_json_patch(1), 1),
            (deployment(), deployment_json_patch(100), 100),
            (large_document(), large_document_json_patch(1), 1),
            (large_document(), large_document_json_patch(100), 100),
        ];
        for (doc, text, operations) in &cases {
            let patch = patchlaw::json_patch::Patch::from_value(text).expect("a valid patch");
            assert_eq!(patch.len(), *operations);
            assert_eq!(patch[0].name(), "replace");
            let mut once = doc.clone();
            patch.apply(&mut once).expect("applies");
            assert_ne!(&once, doc);
            assert_eq!(shape(&once), shape(doc));
            let mut twice = once.clone();
            patch.apply(&mut twice).expect("applies to its own result");
            assert_eq!(twice, once);
        }
    }

    #[test]
    fn mixed_json_patches_mix_the_operations() {
        for text in [deployment_json_patch(100), large_document_json_patch(100)] {
            let count = |op: &str| {
                text.as_array()
                    .map_or(0, |ops| ops.iter().filter(|o| o["op"] == op).count())
            };
            let (replaces, tests, adds, removes) = (
                count("replace"),
                count("test"),
                count("add"),
                count("remove"),
            );
            assert_eq!(replaces + tests + adds + removes, 100);
            assert!(
                replaces >= 25 && tests >= 8 && adds >= 12,
                "{replaces} {tests} {adds}"
            );
            assert_eq!(adds, removes);
            // Both members and array elements are added.
            let adds_to = |end: fn(&str) -> bool| {
                text.as_array().is_some_and(|ops| {
                    ops.iter().any(|o| {
                        o["op"] == "add"
                            && o["path"]
                                .as_str()
                                .and_then(|p| p.rsplit('/').next())
                                .is_some_and(end)
                    })
                })
            };
            assert!(adds_to(|last| last == "-" || last.parse::<usize>().is_ok()));
            assert!(adds_to(|last| last.contains("example.com")));
        }
        let large = large_document_json_patch(100);
        let objects: std::collections::BTreeSet<&str> = large
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["path"].as_str()?.split('/').nth(2))
            .collect();
        assert!(
            objects.len() >= LARGE_DOCUMENT_JSON_PATCH_OBJECTS / 2,
            "{objects:?}"
        );
        assert_eq!(deployment_json_patch(100), deployment_json_patch(100));
    }

    #[test]
    fn minimal_patches_turn_from_into_to() {
        for (name, edit) in diff_edits() {
            assert_ne!(edit.from, edit.to, "{name}");
            let patch = patchlaw::json_patch::Patch::from_value(&edit.minimal).expect(name);
            assert_eq!(patch.len(), edit.minimal_operations(), "{name}");
            let mut doc = edit.from.clone();
            patch.apply(&mut doc).expect(name);
            assert!(doc == edit.to, "{name}");
            // The peer agrees.
            let theirs: json_patch::Patch =
                serde_json::from_value(edit.minimal.clone()).expect(name);
            let mut doc = edit.from.clone();
            json_patch::patch(&mut doc, &theirs).expect(name);
            assert!(doc == edit.to, "{name}");
        }
    }

    fn leaves(value: &Value) -> usize {
        match value {
            Value::Array(items) => items.iter().map(leaves).sum(),
            Value::Object(members) => members.values().map(leaves).sum(),
            Value::Null => 0,
            _ => 1,
        }
    }

    #[test]
    fn ten_percent_edit_changes_about_a_tenth_of_the_leaves() {
        let edit = large_document_10pct_edit();
        let (changed, total) = (edit.minimal_operations(), leaves(&edit.from));
        assert!(
            (total / 12..=total / 8).contains(&changed),
            "{changed} of {total}"
        );
        assert_eq!(leaves(&edit.to), total);
    }

    #[test]
    fn sidecar_and_small_edits_are_one_or_few_operations() {
        assert_eq!(deployment_edit().minimal_operations(), 3);
        assert_eq!(deployment_sidecar_edit().minimal_operations(), 1);
        assert_eq!(large_document_edit().minimal_operations(), 2);
        assert_eq!(long_array_edit(10_000).minimal_operations(), 1);
        let deep = deep_document_edit(100);
        assert_eq!(deep.minimal_operations(), 1);
        let path = deep.minimal[0]["path"].as_str().unwrap_or_default();
        assert_eq!(path.matches('/').count(), 100);
    }

    #[test]
    fn snapshots_grow_by_whole_deployments() {
        let small = snapshot(3);
        let larger = snapshot(5);
        for (key, object) in small["objects"].as_object().into_iter().flatten() {
            assert_eq!(larger["objects"].get(key), Some(object), "{key}");
        }
        assert_eq!(snapshot(LARGE_DOCUMENT_OBJECTS), large_document());
        let n = size(&snapshot(10));
        assert!((130_000..=160_000).contains(&n), "{n} bytes");
    }

    #[test]
    fn snapshot_json_patches_apply_again_to_their_result() {
        let doc = snapshot(40);
        let patch = patchlaw::json_patch::Patch::from_value(&snapshot_json_patch(&doc, 100))
            .expect("a valid patch");
        let mut once = doc.clone();
        patch.apply(&mut once).expect("applies");
        let mut twice = once.clone();
        patch.apply(&mut twice).expect("applies again");
        assert_eq!(twice, once);
        assert_eq!(shape(&once), shape(&doc));
    }

    #[test]
    fn long_pointer_names_a_plain_value() {
        let doc = deployment();
        let value = doc.pointer("/spec/template/spec/containers/2/env/7/value");
        assert!(value.is_some_and(Value::is_string));
    }
}
