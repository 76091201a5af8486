//! Kubernetes objects of built-in kinds, with realistic pools of names,
//! images, ports and environment variables; strategic merge patches
//! written for them; edits of them for the diff; and three-writer cases
//! of `kubectl apply`.
//!
//! A Deployment (`apps/v1`), Pod or Service (`v1`) shaped as a cluster holds
//! it ([`arb_builtin_object`], built in `object.rs`), a patch written for
//! one ([`arb_strategic_patch_for`], `patch.rs` on the builder of
//! `builder.rs`), and an object with an edited copy ([`arb_builtin_pair_of`],
//! `edit.rs`). kubectl v1.32 applies and diffs these offline, so the
//! conformance crate's `oracles` test target checks patchlaw against it on
//! them.
//!
//! For the three-way merge of `kubectl apply`, [`arb_apply_case_of`]
//! (`apply.rs`) assembles a last-applied configuration, the user's edited
//! manifest and the live object that the API server and other writers
//! changed; [`arb_custom_apply_case`] does the same for a custom resource
//! (`custom.rs`) with free-form JSON.
//!
//! Each case is built by a small deterministic builder from seeds that
//! proptest draws ([`SplitMix64`]), because the choices depend on one
//! another: a patch names the containers the object has, a
//! `$setElementOrder` lists the keys its patch list holds.

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};

use super::random::SplitMix64;

mod apply;
mod builder;
mod custom;
mod edit;
mod object;
mod patch;

pub use apply::{arb_apply_case, arb_apply_case_of, arb_custom_apply_case, ApplyCase};

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

    /// The protocol's schema argument for the kind, e.g. `{"builtin":
    /// "apps/v1/Deployment"}` (as
    /// [`schema_argument`](crate::implementation::schema_argument) reads it).
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
    arb_builtin_object_with(kind, ObjectOptions::new())
}

/// An object of the given kind, as [`arb_builtin_object`] makes them, with
/// `options`.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::{arb_builtin_object_with, BuiltinKind, ObjectOptions};
/// use proptest::prelude::*;
///
/// let options = ObjectOptions::new().repeated_keys(false);
/// proptest!(|(pod in arb_builtin_object_with(BuiltinKind::Pod, options))| {
///     let names: Vec<_> = pod["spec"]["containers"].as_array().unwrap().iter().map(|c| &c["name"]).collect();
///     let mut unique = names.clone();
///     unique.dedup();
///     prop_assert_eq!(names.len(), unique.len());
/// });
/// ```
pub fn arb_builtin_object_with(kind: BuiltinKind, options: ObjectOptions) -> BoxedStrategy<Value> {
    (1usize..=4, any::<u64>())
        .prop_map(move |(size, seed)| {
            object::builtin_object(kind, size, &mut SplitMix64::new(seed), options)
        })
        .boxed()
}

/// How [`arb_builtin_object_with`] writes objects.
///
/// The default is what a cluster tolerates: lists that merge by a key
/// sometimes hold a key twice, and `finalizers` a value twice.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::ObjectOptions;
///
/// let valid = ObjectOptions::new().repeated_keys(false);
/// assert_ne!(valid, ObjectOptions::default());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectOptions {
    repeated_keys: bool,
}

impl ObjectOptions {
    /// Repeated keys allowed.
    #[must_use]
    pub const fn new() -> ObjectOptions {
        ObjectOptions {
            repeated_keys: true,
        }
    }

    /// Whether lists that merge may hold a merge key (or, for `finalizers`,
    /// a value) twice. Without, every object is in the domain where a diff
    /// round-trips (`LAW-SMP-DIFF-APPLY`).
    #[must_use]
    pub const fn repeated_keys(self, allowed: bool) -> ObjectOptions {
        ObjectOptions {
            repeated_keys: allowed,
        }
    }

    /// `percent` where repeated keys are allowed, else 0: the chance that a
    /// list holds a key twice.
    const fn duplicate_percent(self, percent: u64) -> u64 {
        if self.repeated_keys {
            percent
        } else {
            0
        }
    }
}

impl Default for ObjectOptions {
    fn default() -> ObjectOptions {
        ObjectOptions::new()
    }
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
        .prop_map(move |edits| patch::builtin_patch(&object, &edits))
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

/// An object of the given kind and an edit of it, for the diff: the pairs
/// `kubectl edit` would diff. The object has no repeated keys
/// ([`ObjectOptions::repeated_keys`]); one pair in twelve is unchanged, the
/// others get one to five edits that keep it valid (no `null`, merge keys
/// unique, primitive merge lists distinct; `apiVersion`, `kind` and
/// `metadata.name` unchanged): labels, annotations, finalizers, replicas,
/// the rollout strategy (`RollingUpdate` ⇄ `Recreate`, int-or-string
/// values changing type), containers, env, ports, mounts, volumes (their
/// source switched), tolerations, pull secrets, node selectors, a Service's
/// ports and type — elements inserted, removed, reordered and changed.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::{arb_builtin_pair_of, BuiltinKind};
/// use proptest::prelude::*;
///
/// proptest!(|((from, to) in arb_builtin_pair_of(BuiltinKind::Deployment))| {
///     let schema = patchlaw::strategic::Schema::builtin_for(&from).unwrap();
///     let patch = patchlaw::strategic::diff(&from, &to, &schema).unwrap();
///     let mut patched = from.clone();
///     patchlaw::strategic::apply(&mut patched, &patch, &schema).unwrap();
///     prop_assert_eq!(&to["metadata"]["name"], &from["metadata"]["name"]);
/// });
/// ```
pub fn arb_builtin_pair_of(kind: BuiltinKind) -> BoxedStrategy<(Value, Value)> {
    (3usize..=6, any::<u64>(), any::<u64>())
        .prop_map(move |(size, seed, edit_seed)| {
            let options = ObjectOptions::new().repeated_keys(false);
            let from = object::builtin_object(kind, size, &mut SplitMix64::new(seed), options);
            let mut to = from.clone();
            let d = &mut SplitMix64::new(edit_seed);
            if !d.chance(8) {
                for _ in 0..=d.below(5) {
                    edit::edit_object(&mut to, d);
                }
                // Some edits change nothing (a value set to what it was).
                for _ in 0..20 {
                    if to != from {
                        break;
                    }
                    edit::edit_object(&mut to, d);
                }
            }
            (from, to)
        })
        .boxed()
}

/// A Pod whose container has a long `env` list (2 to 60 variables) in
/// which names repeat, as Kubernetes allows, and an edit of it: variables
/// swapped, changed, removed, inserted and shuffled. How Kubernetes pairs
/// elements with repeated keys depends on how its sort leaves them
/// (insertion sort up to 12 elements, pattern-defeating quicksort above),
/// so these pairs are outside `LAW-SMP-DIFF-APPLY` but still diffed.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::strategic::arb_repeated_env_pair;
/// use proptest::prelude::*;
///
/// proptest!(|((from, to) in arb_repeated_env_pair())| {
///     prop_assert_eq!(&from["kind"], "Pod");
///     prop_assert!(from["spec"]["containers"][0]["env"].as_array().unwrap().len() >= 2);
///     prop_assert_eq!(&from["metadata"], &to["metadata"]);
/// });
/// ```
pub fn arb_repeated_env_pair() -> BoxedStrategy<(Value, Value)> {
    any::<u64>()
        .prop_map(|seed| edit::repeated_env_pair(&mut SplitMix64::new(seed)))
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
