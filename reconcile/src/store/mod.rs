//! The versioned store: the [`Store`] trait, the requests and events it
//! speaks, [`MemoryStore`], its in-memory implementation, and (feature
//! `etcd`) `etcd::EtcdStore`, its implementation over etcd.
//!
//! The model is etcd's, as Kubernetes uses it: one revision per store,
//! raised by one by every write; each object carries the revision of its
//! last write as its `resourceVersion`; reads are served at a revision;
//! writes can be made conditional on the object's `resourceVersion`
//! (optimistic concurrency: a stale write is a [`Conflict`]); a watch
//! delivers every change after a revision, in revision order; compaction
//! forgets old revisions, after which a read or watch that needs them is
//! [`Gone`] and the client must list again.
//!
//! # Compaction
//!
//! [`Store::compact`]`(c)` forgets the states before revision `c`: a read
//! at a revision below `c` is [`Gone`], and so is a watch from a revision
//! `r` with `r < c`: the state at `c` is kept, the change made at `c` is
//! not (etcd's compaction removes a deletion made at `c`, so an etcd watch
//! from the start revision `c` would miss it). A range read at a revision
//! follows etcd's rule exactly.
//!
//! # Watches
//!
//! A [`Watch`] from revision `r` delivers, in revision order, every change
//! with a revision above `r` to an object its [`Selector`] selects, each
//! once, and a [`Event::Bookmark`] when asked
//! ([`Watch::request_progress`]) once it has delivered everything up to
//! the store's revision. Each message also names the revision of the
//! message before it on the same watch ([`WatchEvent::previous`]; the
//! watch's start revision for the first), so that a consumer can tell
//! whether it received every message: the store never breaks that chain,
//! a lossy path between the store and the consumer does.
//!
//! A watch that falls behind a compaction ends with [`Gone`]. A deleted
//! object is reported with its last state, at the revision of the deletion,
//! as Kubernetes reports it.
//!
//! # Patches
//!
//! [`Store::patch`] applies a [`Patch`] through patchlaw: RFC 6902 JSON
//! Patch, RFC 7396 merge patch, Kubernetes strategic merge patch (for the
//! kinds of patchlaw's built-in schema table), and apply, the whole of
//! `kubectl apply` (`patchlaw::three_way::plan`) computed against the live
//! object with the last-applied configuration kept under an annotation
//! whose name is part of the patch, so that each applier keeps its own.
//! A patched object that names a `resourceVersion` or a `metadata.uid`
//! other than the live object's is a [`Conflict`], as on the API server (a
//! uid is a precondition: an apply that names one never creates, so that a
//! controller applying from a cache that has not yet seen a deletion cannot
//! bring the object back); a write that changes nothing is not written (no
//! new revision, no event).
//!
//! # Other implementations
//!
//! The trait is etcd's v3 API with Kubernetes' conventions on top: the
//! store over etcd (module `etcd`, feature `etcd`) maps each operation to
//! etcd's, and its module docs say how, and where etcd 3.4 needs care. The
//! law `LAW-LT-WRITES-SEEN` of `patchlaw-conformance` takes any
//! `&dyn Store`, and the simulation runs on any store.
//!
//! [`Conflict`]: crate::ErrorKind::Conflict
//! [`Gone`]: crate::ErrorKind::Gone

use serde_json::Value;

use crate::error::Error;
use crate::object::{Key, Object, Revision, Selector};

#[cfg(feature = "etcd")]
pub mod etcd;
mod memory;
mod write;

pub use memory::MemoryStore;

/// A versioned object store: the operations a Kubernetes API server offers
/// over etcd, for any implementation (in memory, or over etcd itself).
///
/// Methods take `&self`: a store is a handle that clients share, and an
/// implementation synchronises inside.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::store::{MemoryStore, Patch, ReadAt, Store};
/// use patchlaw_reconcile::{ErrorKind, Key, Revision, Selector};
/// use serde_json::json;
///
/// let store = MemoryStore::new();
/// let web = store.create(json!({"apiVersion": "apps/v1", "kind": "Deployment",
///     "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 1}}))?;
///
/// // A merge patch from an autoscaler.
/// let scaled = store.patch(web.key(), &Patch::Merge(json!({"spec": {"replicas": 3}})))?;
/// assert_eq!(scaled.resource_version(), Revision::new(2));
///
/// // An update made from the first read is stale: conflict.
/// let err = store.update(web.to_value()).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Conflict);
///
/// // The history is kept until compaction.
/// let before = store.get(web.key(), ReadAt::Exact(Revision::new(1)))?.unwrap();
/// assert_eq!(before.value()["spec"]["replicas"], 1);
///
/// // A watch from revision 1 sees the patch.
/// let mut watch = store.watch(&Selector::kind("Deployment"), Revision::new(1))?;
/// let event = watch.next()?.unwrap();
/// assert_eq!(event.revision(), Revision::new(2));
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
pub trait Store {
    /// The store's current revision: that of its last write.
    ///
    /// # Errors
    ///
    /// An implementation's transport errors.
    fn revision(&self) -> Result<Revision, Error>;

    /// The revision the store is compacted to ([`ZERO`](Revision::ZERO)
    /// before any compaction).
    ///
    /// # Errors
    ///
    /// An implementation's transport errors.
    fn compacted(&self) -> Result<Revision, Error>;

    /// The object at `key` as of `at`, `None` if there is none.
    ///
    /// # Errors
    ///
    /// [`Gone`](crate::ErrorKind::Gone) for a revision compacted away,
    /// [`FutureRevision`](crate::ErrorKind::FutureRevision) for one not
    /// reached yet.
    fn get(&self, key: &Key, at: ReadAt) -> Result<Option<Object>, Error>;

    /// The objects `selector` selects as of `at`, in key order, with the
    /// revision they were read at.
    ///
    /// # Errors
    ///
    /// As [`Store::get`].
    fn list(&self, selector: &Selector, at: ReadAt) -> Result<List, Error>;

    /// Creates an object. A `metadata.name` may be left out in favour of a
    /// `metadata.generateName` prefix, to which the store adds a suffix of
    /// its own, unique in the store. The store gives the object a
    /// `metadata.uid`, unique in the store and immutable.
    ///
    /// # Errors
    ///
    /// [`AlreadyExists`](crate::ErrorKind::AlreadyExists) when the key
    /// holds an object; [`Invalid`](crate::ErrorKind::Invalid) for a value
    /// [`Key::of`] refuses or that names a `resourceVersion`.
    fn create(&self, object: Value) -> Result<Object, Error>;

    /// Replaces an object. When the value names a `resourceVersion`, it is
    /// a precondition: the write is made only if it is the object's
    /// current one; so is a `metadata.uid`.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound), [`Conflict`](crate::ErrorKind::Conflict),
    /// [`Invalid`](crate::ErrorKind::Invalid).
    fn update(&self, object: Value) -> Result<Object, Error>;

    /// Patches the object at `key` (an apply of a missing object creates
    /// it).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound); [`PatchFailed`](crate::ErrorKind::PatchFailed)
    /// with patchlaw's error; [`UnsupportedPatch`](crate::ErrorKind::UnsupportedPatch)
    /// for a strategic patch on a kind without a built-in schema;
    /// [`Conflict`](crate::ErrorKind::Conflict) when the patched object names
    /// another `resourceVersion`; [`Invalid`](crate::ErrorKind::Invalid) when
    /// the patch changes the key.
    fn patch(&self, key: &Key, patch: &Patch) -> Result<Object, Error>;

    /// Deletes the object at `key`, if its `resourceVersion` is
    /// `precondition` (when given). Returns its last state, at the
    /// revision of the deletion.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound), [`Conflict`](crate::ErrorKind::Conflict).
    fn delete(&self, key: &Key, precondition: Option<Revision>) -> Result<Object, Error>;

    /// Watches the changes after revision `from` to the objects `selector`
    /// selects.
    ///
    /// # Errors
    ///
    /// [`Gone`](crate::ErrorKind::Gone) when a change the watch would
    /// deliver has been compacted away.
    fn watch(&self, selector: &Selector, from: Revision) -> Result<Box<dyn Watch>, Error>;

    /// Forgets the states before `revision` (see the [module](self) docs).
    /// Compacting to a revision at or below the current compaction does
    /// nothing.
    ///
    /// # Errors
    ///
    /// [`FutureRevision`](crate::ErrorKind::FutureRevision) for a revision
    /// above the store's.
    fn compact(&self, revision: Revision) -> Result<(), Error>;
}

/// Which state a read is served from, as the Kubernetes API's
/// `resourceVersion` and `resourceVersionMatch` parameters say.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::store::ReadAt;
/// use patchlaw_reconcile::Revision;
///
/// assert_ne!(ReadAt::Latest, ReadAt::NotOlderThan(Revision::new(3)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadAt {
    /// The newest state (a consistent read).
    Latest,
    /// Any state at least as new as the revision: what a cache in front
    /// of the store may serve, and what a client that has seen the
    /// revision asks for, so that it never goes back in time.
    NotOlderThan(Revision),
    /// The state at exactly the revision.
    Exact(Revision),
}

/// The result of [`Store::list`]: the objects, in key order, and the
/// revision they were read at, from which to watch.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::store::{MemoryStore, ReadAt, Store};
/// use patchlaw_reconcile::Selector;
/// use serde_json::json;
///
/// let store = MemoryStore::new();
/// store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}))?;
/// store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}))?;
/// let list = store.list(&Selector::kind("Pod"), ReadAt::Latest)?;
/// assert_eq!(list.revision.get(), 2);
/// assert_eq!(list.items.iter().map(|o| o.key().name()).collect::<Vec<_>>(), ["a", "b"]);
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct List {
    /// The objects, in key order.
    pub items: Vec<Object>,
    /// The revision of the state listed.
    pub revision: Revision,
}

/// A change to apply with [`Store::patch`], through patchlaw.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::store::{MemoryStore, Patch, Store};
/// use patchlaw_reconcile::Key;
/// use serde_json::json;
///
/// let store = MemoryStore::new();
/// let manifest = json!({"apiVersion": "apps/v1", "kind": "Deployment",
///     "metadata": {"name": "web", "namespace": "default"},
///     "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:1"}]}}}});
/// let key = Key::of(&manifest)?;
///
/// // kubectl apply creates, then patches.
/// store.patch(&key, &Patch::apply(manifest.clone()))?;
/// // An autoscaler scales; a controller injects a sidecar with its own annotation.
/// store.patch(&key, &Patch::Merge(json!({"spec": {"replicas": 3}})))?;
/// let sidecar = json!({"apiVersion": "apps/v1", "kind": "Deployment",
///     "metadata": {"name": "web", "namespace": "default"},
///     "spec": {"template": {"spec": {"containers": [{"name": "proxy", "image": "proxy:1"}]}}}});
/// store.patch(&key, &Patch::apply_as(sidecar, "example.com/last-applied"))?;
///
/// // The user's next apply changes the image and leaves both alone (the
/// // sidecar came first: a strategic merge puts the patch's new elements
/// // first, as Kubernetes does).
/// let mut next = manifest;
/// next["spec"]["template"]["spec"]["containers"][0]["image"] = json!("app:2");
/// let live = store.patch(&key, &Patch::apply(next))?;
/// assert_eq!(live.value()["spec"]["replicas"], 3);
/// assert_eq!(live.value()["spec"]["template"]["spec"]["containers"], json!([
///     {"name": "proxy", "image": "proxy:1"}, {"name": "app", "image": "app:2"}]));
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Patch {
    /// An RFC 6902 JSON Patch (`application/json-patch+json`).
    Json(patchlaw::json_patch::Patch),
    /// An RFC 7396 merge patch (`application/merge-patch+json`).
    Merge(Value),
    /// A strategic merge patch (`application/strategic-merge-patch+json`),
    /// under patchlaw's built-in schema for the object's `apiVersion` and
    /// `kind`.
    Strategic(Value),
    /// `kubectl apply` of a configuration: the three-way patch from the
    /// last-applied configuration kept under `annotation`, strategic for the
    /// kinds of the built-in schema table, RFC 7396 for the others; a create
    /// when there is no live object.
    Apply {
        /// The whole configuration the applier wants.
        configuration: Value,
        /// The annotation that holds the applier's last-applied
        /// configuration.
        annotation: String,
    },
}

impl Patch {
    /// `kubectl apply` of `configuration`, with kubectl's annotation
    /// ([`patchlaw::three_way::LAST_APPLIED_ANNOTATION`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::Patch;
    /// use serde_json::json;
    ///
    /// let Patch::Apply { annotation, .. } = Patch::apply(json!({})) else { unreachable!() };
    /// assert_eq!(annotation, patchlaw::three_way::LAST_APPLIED_ANNOTATION);
    /// ```
    #[must_use]
    pub fn apply(configuration: Value) -> Patch {
        Patch::apply_as(configuration, patchlaw::three_way::LAST_APPLIED_ANNOTATION)
    }

    /// An apply of `configuration` that keeps its last-applied
    /// configuration under `annotation`, as a controller that applies does,
    /// so that it deletes only what it set itself.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::Patch;
    /// use serde_json::json;
    ///
    /// let patch = Patch::apply_as(json!({}), "example.com/last-applied");
    /// assert!(matches!(patch, Patch::Apply { annotation, .. } if annotation == "example.com/last-applied"));
    /// ```
    #[must_use]
    pub fn apply_as(configuration: Value, annotation: impl Into<String>) -> Patch {
        Patch::Apply {
            configuration,
            annotation: annotation.into(),
        }
    }

    /// A short name for traces: `json-patch`, `merge`, `strategic`, `apply`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::Patch;
    /// use serde_json::json;
    ///
    /// assert_eq!(Patch::Merge(json!({})).name(), "merge");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Patch::Json(_) => "json-patch",
            Patch::Merge(_) => "merge",
            Patch::Strategic(_) => "strategic",
            Patch::Apply { .. } => "apply",
        }
    }
}

/// A change a watch reports.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::store::{Event, MemoryStore, Store};
/// use patchlaw_reconcile::{Revision, Selector};
/// use serde_json::json;
///
/// let store = MemoryStore::new();
/// let mut watch = store.watch(&Selector::all(), Revision::ZERO)?;
/// let pod = store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}))?;
/// store.delete(pod.key(), None)?;
/// let added = watch.next()?.unwrap();
/// assert!(matches!(added.event, Event::Added(ref o) if o == &pod));
/// let deleted = watch.next()?.unwrap();
/// assert!(matches!(deleted.event, Event::Deleted(ref o) if o.resource_version() == Revision::new(2)));
/// assert!(watch.next()?.is_none());
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// An object was created.
    Added(Object),
    /// An object was changed.
    Modified(Object),
    /// An object was deleted: its last state, at the revision of the
    /// deletion.
    Deleted(Object),
    /// Every change up to the revision has been delivered.
    Bookmark(Revision),
}

impl Event {
    /// The revision of the change, or of the bookmark.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::Event;
    /// use patchlaw_reconcile::Revision;
    ///
    /// assert_eq!(Event::Bookmark(Revision::new(9)).revision(), Revision::new(9));
    /// ```
    #[must_use]
    pub fn revision(&self) -> Revision {
        match self {
            Event::Added(o) | Event::Modified(o) | Event::Deleted(o) => o.resource_version(),
            Event::Bookmark(revision) => *revision,
        }
    }

    /// The object changed, `None` for a bookmark.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::Event;
    /// use patchlaw_reconcile::Revision;
    ///
    /// assert!(Event::Bookmark(Revision::ZERO).object().is_none());
    /// ```
    #[must_use]
    pub fn object(&self) -> Option<&Object> {
        match self {
            Event::Added(o) | Event::Modified(o) | Event::Deleted(o) => Some(o),
            Event::Bookmark(_) => None,
        }
    }
}

/// A message of a watch: an [`Event`], and the revision of the message
/// before it on the same watch (the watch's start revision for the first).
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::store::{MemoryStore, Store};
/// use patchlaw_reconcile::{Revision, Selector};
/// use serde_json::json;
///
/// let store = MemoryStore::new();
/// store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}))?;
/// store.create(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}}))?;
/// store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}))?;
/// let mut pods = store.watch(&Selector::kind("Pod"), Revision::ZERO)?;
/// let first = pods.next()?.unwrap();
/// let second = pods.next()?.unwrap();
/// assert_eq!((first.previous, first.revision()), (Revision::ZERO, Revision::new(1)));
/// assert_eq!((second.previous, second.revision()), (Revision::new(1), Revision::new(3)));
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct WatchEvent {
    /// The change.
    pub event: Event,
    /// The revision of the message before this one on the same watch.
    pub previous: Revision,
}

impl WatchEvent {
    /// The revision of the event.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::{Event, WatchEvent};
    /// use patchlaw_reconcile::Revision;
    ///
    /// let e = WatchEvent { event: Event::Bookmark(Revision::new(4)), previous: Revision::new(2) };
    /// assert_eq!(e.revision(), Revision::new(4));
    /// ```
    #[must_use]
    pub fn revision(&self) -> Revision {
        self.event.revision()
    }
}

impl std::fmt::Debug for dyn Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watch")
    }
}

/// A stream of [`WatchEvent`]s from a [`Store::watch`], read without
/// waiting: a driver polls it (the simulation between steps; a program
/// over a networked store, when its runtime wakes it).
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::store::{Event, MemoryStore, Store};
/// use patchlaw_reconcile::{Revision, Selector};
///
/// let store = MemoryStore::new();
/// let mut watch = store.watch(&Selector::all(), Revision::ZERO)?;
/// assert!(watch.next()?.is_none());
/// watch.request_progress();
/// assert_eq!(watch.next()?.unwrap().event, Event::Bookmark(Revision::ZERO));
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
pub trait Watch: Send {
    /// The next message, if one is available now.
    ///
    /// # Errors
    ///
    /// [`Gone`](crate::ErrorKind::Gone) when the watch has fallen behind a
    /// compaction, [`Disconnected`](crate::ErrorKind::Disconnected) when the
    /// connection is closed; either ends the watch (every later call gives
    /// the same error).
    fn next(&mut self) -> Result<Option<WatchEvent>, Error>;

    /// Asks for a [`Event::Bookmark`], delivered once every change up to the
    /// store's current revision has been (etcd's progress request).
    fn request_progress(&mut self);

    /// Waits, at most `timeout`, until every message of the watch up to
    /// `revision` can be read with [`Watch::next`] without waiting, and says
    /// whether that is so. A watch that has ended is caught up (its next
    /// call gives its error).
    ///
    /// A store in the same process delivers a change before the write
    /// returns, so its watches are always caught up (the default). A watch
    /// over the network receives changes some time after they are
    /// acknowledged: a driver that steps its consumers in lockstep with the
    /// writes (the simulation, run on a networked store) calls this between
    /// steps. It adds no message to the watch.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::store::{MemoryStore, Store};
    /// use patchlaw_reconcile::Selector;
    /// use serde_json::json;
    ///
    /// let store = MemoryStore::new();
    /// let mut watch = store.watch(&Selector::all(), store.revision()?)?;
    /// let pod = store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}))?;
    /// assert!(watch.catch_up(pod.resource_version(), Duration::from_secs(1))?);
    /// assert!(watch.next()?.is_some());
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// An implementation's transport errors while asking for progress.
    fn catch_up(
        &mut self,
        revision: Revision,
        timeout: std::time::Duration,
    ) -> Result<bool, Error> {
        let _ = (revision, timeout);
        Ok(true)
    }
}
