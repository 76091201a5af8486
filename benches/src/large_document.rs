//! The config-like tree of Deployments (≈2.5 MB), any number of them for
//! the scale runs, and a small edit of it.

use patchlaw_conformance::strategy::random::SplitMix64;
use serde_json::{json, Map, Value};

use crate::deployment::build_deployment;

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

/// A config-like tree of about 2.5 MB serialized: a snapshot whose
/// `objects` member maps `"<namespace>/<name>"` to one of
/// [`LARGE_DOCUMENT_OBJECTS`] Deployments like [`deployment`](crate::deployment), each
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
