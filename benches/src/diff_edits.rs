//! The diff workloads: a document, an edited copy, and the JSON Patch a
//! diff should find, known by construction.

use patchlaw_conformance::strategy::random::SplitMix64;
use serde_json::{json, Value};

use crate::json_patches::escape;
use crate::{
    deep_document, deployment, deployment_edited, deployment_sidecar, edit_snapshot,
    large_document, long_array, DEPLOYMENT_EDITED_POINTERS, DEPLOYMENT_SIDECAR_POINTER,
    LARGE_DOCUMENT_EDITED_POINTERS,
};

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

/// The diff workloads, by name, smallest first (the
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

/// [`large_document`] and [`large_document_edited`](crate::large_document_edited): two `replace`s.
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
    one_in: usize,
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
