//! The informer: a reflector and the cache it keeps, reporting changes.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Activity, Backoff, Delta, Reflector};
use crate::object::{Key, Object, Revision, Selector};
use crate::store::{Event, Store};

/// A change to one object, as a cache reports it: its state before
/// (`None`: it was not there) and after (`None`: it is gone). A resync
/// reports every object with the same state before and after.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::runtime::Change;
/// use patchlaw_reconcile::{Key, Object};
/// use serde_json::json;
///
/// let pod = Object::from_value(json!({"apiVersion": "v1", "kind": "Pod",
///     "metadata": {"name": "a", "resourceVersion": "3"}}))?;
/// let added = Change { key: pod.key().clone(), old: None, new: Some(pod) };
/// assert!(added.old.is_none());
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The object's key.
    pub key: Key,
    /// Its state before, if it was there.
    pub old: Option<Object>,
    /// Its state after, if it is there.
    pub new: Option<Object>,
}

/// The objects of one selection as a consumer last saw them, at a
/// revision.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::runtime::Cache;
/// use patchlaw_reconcile::{Key, Object, Revision, Selector};
/// use serde_json::json;
///
/// let pod = Object::from_value(json!({"apiVersion": "v1", "kind": "Pod",
///     "metadata": {"name": "a", "namespace": "default", "resourceVersion": "3"}}))?;
/// let cache = Cache::from_objects(Selector::kind("Pod"), vec![pod], Revision::new(3));
/// assert!(cache.get(&Key::new("Pod", "default", "a")).is_some());
/// assert_eq!(cache.revision(), Revision::new(3));
/// assert!(cache.has_synced());
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Cache {
    selector: Selector,
    objects: BTreeMap<Key, Object>,
    revision: Revision,
    synced: bool,
}

impl Cache {
    /// An empty cache of `selector` that has not synced.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::Cache;
    /// use patchlaw_reconcile::Selector;
    ///
    /// let cache = Cache::new(Selector::kind("Pod"));
    /// assert!(cache.is_empty() && !cache.has_synced());
    /// ```
    #[must_use]
    pub fn new(selector: Selector) -> Cache {
        Cache {
            selector,
            objects: BTreeMap::new(),
            revision: Revision::ZERO,
            synced: false,
        }
    }

    /// A synced cache holding `objects` at `revision`: a fixture for testing
    /// a reconcile function without a store.
    ///
    /// # Examples
    ///
    /// See [`Cache`].
    #[must_use]
    pub fn from_objects(selector: Selector, objects: Vec<Object>, revision: Revision) -> Cache {
        Cache {
            selector,
            objects: objects.into_iter().map(|o| (o.key().clone(), o)).collect(),
            revision,
            synced: true,
        }
    }

    /// The object at `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::Cache;
    /// use patchlaw_reconcile::{Key, Selector};
    ///
    /// assert!(Cache::new(Selector::all()).get(&Key::new("Pod", "", "a")).is_none());
    /// ```
    #[must_use]
    pub fn get(&self, key: &Key) -> Option<&Object> {
        self.objects.get(key)
    }

    /// The objects, in key order.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::Cache;
    /// use patchlaw_reconcile::Selector;
    ///
    /// assert_eq!(Cache::new(Selector::all()).iter().count(), 0);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &Object> + '_ {
        self.objects.values()
    }

    /// How many objects.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::Cache;
    /// use patchlaw_reconcile::Selector;
    ///
    /// assert_eq!(Cache::new(Selector::all()).len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether the cache holds no object.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::Cache;
    /// use patchlaw_reconcile::Selector;
    ///
    /// assert!(Cache::new(Selector::all()).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The revision of the last list or event taken in.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::Cache;
    /// use patchlaw_reconcile::{Revision, Selector};
    ///
    /// assert_eq!(Cache::new(Selector::all()).revision(), Revision::ZERO);
    /// ```
    #[must_use]
    pub fn revision(&self) -> Revision {
        self.revision
    }

    /// Whether the cache has taken in a list (client-go's `HasSynced`).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::Cache;
    /// use patchlaw_reconcile::Selector;
    ///
    /// assert!(!Cache::new(Selector::all()).has_synced());
    /// ```
    #[must_use]
    pub fn has_synced(&self) -> bool {
        self.synced
    }

    /// What the cache holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::Cache;
    /// use patchlaw_reconcile::Selector;
    ///
    /// assert_eq!(Cache::new(Selector::kind("Pod")).selector(), &Selector::kind("Pod"));
    /// ```
    #[must_use]
    pub fn selector(&self) -> &Selector {
        &self.selector
    }

    /// Takes a delta in, reporting each object it changes. A relist is
    /// compared with what the cache held: objects missing from it are
    /// reported deleted, objects at another revision changed, the others
    /// not at all.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::{Cache, Delta};
    /// use patchlaw_reconcile::store::{Event, List};
    /// use patchlaw_reconcile::{Object, Revision, Selector};
    /// use serde_json::json;
    ///
    /// let pod = Object::from_value(json!({"apiVersion": "v1", "kind": "Pod",
    ///     "metadata": {"name": "a", "resourceVersion": "3"}}))?;
    /// let mut cache = Cache::from_objects(Selector::kind("Pod"), vec![pod], Revision::new(3));
    /// let mut changes = Vec::new();
    /// cache.apply(Delta::Replaced(List { items: Vec::new(), revision: Revision::new(5) }), &mut |c| changes.push(c));
    /// assert!(changes[0].new.is_none());
    /// assert!(cache.is_empty());
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    pub fn apply(&mut self, delta: Delta, on_change: &mut dyn FnMut(Change)) {
        self.revision = delta.revision();
        match delta {
            Delta::Replaced(list) => {
                self.synced = true;
                let listed: BTreeMap<Key, Object> = list
                    .items
                    .into_iter()
                    .map(|o| (o.key().clone(), o))
                    .collect();
                let old = std::mem::replace(&mut self.objects, listed);
                for (key, object) in &old {
                    if !self.objects.contains_key(key) {
                        on_change(Change {
                            key: key.clone(),
                            old: Some(object.clone()),
                            new: None,
                        });
                    }
                }
                for (key, object) in &self.objects {
                    let before = old.get(key);
                    if before.map(Object::resource_version) != Some(object.resource_version()) {
                        on_change(Change {
                            key: key.clone(),
                            old: before.cloned(),
                            new: Some(object.clone()),
                        });
                    }
                }
            }
            Delta::Event(Event::Added(object) | Event::Modified(object)) => {
                let key = object.key().clone();
                let old = self.objects.insert(key.clone(), object.clone());
                on_change(Change {
                    key,
                    old,
                    new: Some(object),
                });
            }
            Delta::Event(Event::Deleted(object)) => {
                let key = object.key().clone();
                let old = self.objects.remove(&key);
                on_change(Change {
                    key,
                    old: old.or(Some(object)),
                    new: None,
                });
            }
            Delta::Event(Event::Bookmark(_)) => {}
        }
    }
}

/// A [`Reflector`] and the [`Cache`] it keeps (client-go's shared informer
/// without the sharing).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::runtime::{Backoff, Informer};
/// use patchlaw_reconcile::store::{MemoryStore, Patch, Store};
/// use patchlaw_reconcile::{Key, Selector};
/// use serde_json::json;
///
/// let store = MemoryStore::new();
/// let pod = store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}))?;
/// let mut informer = Informer::new(Selector::kind("Pod"), Backoff::new(Duration::from_secs(1), Duration::from_secs(8)));
/// let mut changes = Vec::new();
/// informer.poll(&store, Duration::ZERO, &mut |c| changes.push(c), &mut |_| {});
/// store.patch(pod.key(), &Patch::Merge(json!({"metadata": {"labels": {"app": "web"}}})))?;
/// informer.poll(&store, Duration::ZERO, &mut |c| changes.push(c), &mut |_| {});
/// assert_eq!(changes.len(), 2);
/// assert_eq!(informer.cache().get(pod.key()).unwrap().value()["metadata"]["labels"]["app"], "web");
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
pub struct Informer {
    reflector: Reflector,
    cache: Cache,
}

impl Informer {
    /// An informer over `selector`, its reflector retrying with `backoff`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Informer};
    /// use patchlaw_reconcile::Selector;
    ///
    /// let informer = Informer::new(Selector::kind("Pod"), Backoff::new(Duration::ZERO, Duration::ZERO));
    /// assert!(!informer.cache().has_synced());
    /// ```
    #[must_use]
    pub fn new(selector: Selector, backoff: Backoff) -> Informer {
        Informer {
            reflector: Reflector::new(selector.clone(), backoff),
            cache: Cache::new(selector),
        }
    }

    /// Polls the reflector and takes its deltas into the cache, reporting
    /// each change.
    ///
    /// # Examples
    ///
    /// See [`Informer`].
    pub fn poll(
        &mut self,
        store: &dyn Store,
        now: Duration,
        on_change: &mut dyn FnMut(Change),
        log: &mut dyn FnMut(Activity),
    ) {
        let cache = &mut self.cache;
        self.reflector
            .poll(store, now, &mut |delta| cache.apply(delta, on_change), log);
    }

    /// Lists again at the next poll (see [`Reflector::relist`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Informer};
    /// use patchlaw_reconcile::store::MemoryStore;
    /// use patchlaw_reconcile::Selector;
    ///
    /// let mut informer = Informer::new(Selector::kind("Pod"), Backoff::new(Duration::ZERO, Duration::ZERO));
    /// informer.poll(&MemoryStore::new(), Duration::ZERO, &mut |_| {}, &mut |_| {});
    /// informer.relist();
    /// assert!(!informer.reflector().is_watching());
    /// ```
    pub fn relist(&mut self) {
        self.reflector.relist();
    }

    /// Reports every cached object as unchanged (a resync: the cache is
    /// replayed, not listed again).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Informer};
    /// use patchlaw_reconcile::Selector;
    ///
    /// let informer = Informer::new(Selector::kind("Pod"), Backoff::new(Duration::ZERO, Duration::ZERO));
    /// let mut n = 0;
    /// informer.resync(&mut |_| n += 1);
    /// assert_eq!(n, 0);
    /// ```
    pub fn resync(&self, on_change: &mut dyn FnMut(Change)) {
        for object in self.cache.iter() {
            on_change(Change {
                key: object.key().clone(),
                old: Some(object.clone()),
                new: Some(object.clone()),
            });
        }
    }

    /// The cache.
    ///
    /// # Examples
    ///
    /// See [`Informer`].
    #[must_use]
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The reflector.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Informer};
    /// use patchlaw_reconcile::Selector;
    ///
    /// let informer = Informer::new(Selector::kind("Pod"), Backoff::new(Duration::ZERO, Duration::ZERO));
    /// assert!(!informer.reflector().is_watching());
    /// ```
    #[must_use]
    pub fn reflector(&self) -> &Reflector {
        &self.reflector
    }
}
