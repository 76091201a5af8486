//! The in-memory store: every version of every object since the last
//! compaction, and a log of the changes for watches, as etcd's MVCC keeps
//! them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;

use super::write::{self, check_precondition, gone, Planned};
use super::{Event, List, Patch, ReadAt, Store, Watch, WatchEvent};
use crate::error::{Error, ErrorKind};
use crate::object::{resource_version_of, set_resource_version, Key, Object, Revision, Selector};

/// A [`Store`] in memory. Clones are handles to the same store.
///
/// It keeps every version of every object since the last compaction, so
/// that reads at a past revision ([`ReadAt::Exact`]) and watches from a
/// past revision are served as etcd serves them.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::store::{MemoryStore, ReadAt, Store};
/// use patchlaw_reconcile::{ErrorKind, Revision, Selector};
/// use serde_json::json;
///
/// let store = MemoryStore::new();
/// let client = store.clone();
/// client.create(json!({"apiVersion": "v1", "kind": "ConfigMap",
///     "metadata": {"name": "settings", "namespace": "default"}, "data": {"a": "1"}}))?;
/// assert_eq!(store.revision()?, Revision::new(1));
/// store.compact(Revision::new(1))?;
/// let err = store.list(&Selector::all(), ReadAt::Exact(Revision::ZERO)).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Gone);
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct MemoryStore {
    shared: Arc<Mutex<State>>,
}

impl MemoryStore {
    /// An empty store, at revision [`ZERO`](Revision::ZERO).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::{MemoryStore, Store};
    ///
    /// assert_eq!(MemoryStore::new().revision()?.get(), 0);
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    #[must_use]
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock; a poisoned lock still
        // holds a consistent state.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("MemoryStore")
            .field("revision", &state.revision)
            .field("compacted", &state.compacted)
            .field("keys", &state.objects.len())
            .finish()
    }
}

impl Store for MemoryStore {
    fn revision(&self) -> Result<Revision, Error> {
        Ok(self.state().revision)
    }

    fn compacted(&self) -> Result<Revision, Error> {
        Ok(self.state().compacted)
    }

    fn get(&self, key: &Key, at: ReadAt) -> Result<Option<Object>, Error> {
        let state = self.state();
        let revision = state.read_revision(at)?;
        Ok(state.object_at(key, revision))
    }

    fn list(&self, selector: &Selector, at: ReadAt) -> Result<List, Error> {
        let state = self.state();
        let revision = state.read_revision(at)?;
        let items = state
            .objects
            .range(selector.lower_bound()..)
            .take_while(|(key, _)| selector.may_follow(key))
            .filter(|(key, _)| selector.matches(key))
            .filter_map(|(_, versions)| version_at(versions, revision))
            .collect();
        Ok(List { items, revision })
    }

    fn create(&self, object: Value) -> Result<Object, Error> {
        self.state().create(object)
    }

    fn update(&self, object: Value) -> Result<Object, Error> {
        let key = Key::of(&object)?;
        let mut state = self.state();
        let current = state.live(&key)?;
        let precondition = resource_version_of(&object).map_err(|e| e.with_key(&key))?;
        check_precondition(&key, &current, precondition)?;
        state.replace(&key, &current, object)
    }

    fn patch(&self, key: &Key, patch: &Patch) -> Result<Object, Error> {
        let mut state = self.state();
        let current = state.live(key);
        match write::patched(key, current, patch)? {
            Planned::Create(value) => state.create(value),
            Planned::Unchanged(current) => Ok(current),
            Planned::Replace(value, current) => state.replace(key, &current, value),
        }
    }

    fn delete(&self, key: &Key, precondition: Option<Revision>) -> Result<Object, Error> {
        let mut state = self.state();
        let current = state.live(key)?;
        check_precondition(key, &current, precondition)?;
        Ok(state.commit(key, None))
    }

    fn watch(&self, selector: &Selector, from: Revision) -> Result<Box<dyn Watch>, Error> {
        let state = self.state();
        if from < state.compacted {
            return Err(gone(state.compacted));
        }
        drop(state);
        Ok(Box::new(MemoryWatch {
            shared: Arc::clone(&self.shared),
            selector: selector.clone(),
            cursor: from,
            last_sent: from,
            progress: false,
            ended: None,
        }))
    }

    fn compact(&self, revision: Revision) -> Result<(), Error> {
        self.state().compact(revision)
    }
}

/// The store's data.
#[derive(Default)]
struct State {
    revision: Revision,
    compacted: Revision,
    /// Every version of each key since the compaction, oldest first; a
    /// deletion is a version without an object.
    objects: BTreeMap<Key, Vec<Version>>,
    /// The change of each revision from `log_start` on, for watches.
    log: VecDeque<Event>,
    log_start: Revision,
    /// How many names `generateName` has made.
    generated: u64,
}

struct Version {
    revision: Revision,
    object: Option<Object>,
}

impl State {
    /// The revision a read at `at` is served at.
    fn read_revision(&self, at: ReadAt) -> Result<Revision, Error> {
        match at {
            ReadAt::Latest => Ok(self.revision),
            ReadAt::NotOlderThan(r) | ReadAt::Exact(r) if r > self.revision => Err(Error::new(
                ErrorKind::FutureRevision,
                format!("revision {r} is not reached yet"),
            )
            .with_revision(self.revision)),
            ReadAt::NotOlderThan(_) => Ok(self.revision),
            ReadAt::Exact(r) if r < self.compacted => Err(gone(self.compacted)),
            ReadAt::Exact(r) => Ok(r),
        }
    }

    fn object_at(&self, key: &Key, revision: Revision) -> Option<Object> {
        self.objects
            .get(key)
            .and_then(|versions| version_at(versions, revision))
    }

    /// The object at `key` now, or `not-found`.
    fn live(&self, key: &Key) -> Result<Object, Error> {
        self.objects
            .get(key)
            .and_then(|versions| versions.last())
            .and_then(|version| version.object.clone())
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "").with_key(key))
    }

    fn create(&mut self, mut object: Value) -> Result<Object, Error> {
        write::check_new(&object)?;
        // Names from a counter, so that runs repeat.
        let mut generated = self.generated;
        write::generate_name(
            &mut object,
            || {
                generated += 1;
                generated
            },
            |key| Ok(self.live(key).is_ok()),
        )?;
        self.generated = generated;
        let key = Key::of(&object)?;
        if self.live(&key).is_ok() {
            return Err(Error::new(ErrorKind::AlreadyExists, "").with_key(&key));
        }
        // Unique in the store, and the same on every run.
        let uid = format!(
            "00000000-0000-4000-8000-{:012x}",
            self.revision.next().get()
        );
        write::set_uid(&mut object, uid);
        Ok(self.commit(&key, Some(object)))
    }

    /// Writes `value` over `current` unless it changes nothing.
    fn replace(&mut self, key: &Key, current: &Object, value: Value) -> Result<Object, Error> {
        match write::replaced(key, current, value)? {
            Some(value) => Ok(self.commit(key, Some(value))),
            None => Ok(current.clone()),
        }
    }

    /// Writes a new version of `key` (`None` deletes) at the next revision,
    /// and returns it (for a deletion, the last state at that revision).
    fn commit(&mut self, key: &Key, value: Option<Value>) -> Object {
        let revision = self.revision.next();
        self.revision = revision;
        if self.log.is_empty() {
            self.log_start = revision;
        }
        let versions = self.objects.entry(key.clone()).or_default();
        let last = versions.last().and_then(|v| v.object.as_ref());
        let (stored, event) = match value {
            Some(mut value) => {
                set_resource_version(&mut value, revision);
                let object = Object::new(key.clone(), revision, value);
                let event = if last.is_some() {
                    Event::Modified(object.clone())
                } else {
                    Event::Added(object.clone())
                };
                (Some(object), event)
            }
            None => {
                let deleted = last.map_or_else(
                    || Object::new(key.clone(), revision, Value::Null),
                    |o| o.at_revision(revision),
                );
                (None, Event::Deleted(deleted))
            }
        };
        versions.push(Version {
            revision,
            object: stored,
        });
        let returned = match &event {
            Event::Added(o) | Event::Modified(o) | Event::Deleted(o) => o.clone(),
            Event::Bookmark(_) => Object::new(key.clone(), revision, Value::Null),
        };
        self.log.push_back(event);
        returned
    }

    fn compact(&mut self, revision: Revision) -> Result<(), Error> {
        if revision > self.revision {
            return Err(Error::new(
                ErrorKind::FutureRevision,
                format!("cannot compact to revision {revision}, not reached yet"),
            )
            .with_revision(self.revision));
        }
        if revision <= self.compacted {
            return Ok(());
        }
        self.compacted = revision;
        while self.log_start < revision && !self.log.is_empty() {
            self.log.pop_front();
            self.log_start = self.log_start.next();
        }
        self.objects.retain(|_, versions| {
            // The version in effect at `revision` stays, unless it is a
            // deletion: reads below `revision` are gone.
            let in_effect = versions.partition_point(|v| v.revision <= revision);
            let keep_from = in_effect.saturating_sub(1);
            versions.drain(..keep_from);
            if versions.first().is_some_and(|v| v.object.is_none()) {
                versions.remove(0);
            }
            !versions.is_empty()
        });
        Ok(())
    }
}

/// The object in effect at `revision` among `versions` (oldest first).
fn version_at(versions: &[Version], revision: Revision) -> Option<Object> {
    let after = versions.partition_point(|v| v.revision <= revision);
    after
        .checked_sub(1)
        .and_then(|i| versions[i].object.clone())
}

/// A watch over a [`MemoryStore`]: a cursor into its log.
struct MemoryWatch {
    shared: Arc<Mutex<State>>,
    selector: Selector,
    /// The last revision looked at.
    cursor: Revision,
    /// The revision of the last message sent.
    last_sent: Revision,
    progress: bool,
    ended: Option<Error>,
}

impl Watch for MemoryWatch {
    fn next(&mut self) -> Result<Option<WatchEvent>, Error> {
        if let Some(err) = &self.ended {
            return Err(err.clone());
        }
        let state = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        if self.cursor < state.compacted {
            let err = gone(state.compacted);
            self.ended = Some(err.clone());
            return Err(err);
        }
        while self.cursor < state.revision {
            self.cursor = self.cursor.next();
            // Revisions from `log_start` on are in the log, one each.
            let index = (self.cursor.get() - state.log_start.get()) as usize;
            let Some(event) = state.log.get(index) else {
                continue;
            };
            if event
                .object()
                .is_some_and(|o| self.selector.matches(o.key()))
            {
                let previous = std::mem::replace(&mut self.last_sent, self.cursor);
                return Ok(Some(WatchEvent {
                    event: event.clone(),
                    previous,
                }));
            }
        }
        if self.progress {
            self.progress = false;
            let previous = std::mem::replace(&mut self.last_sent, state.revision);
            return Ok(Some(WatchEvent {
                event: Event::Bookmark(state.revision),
                previous,
            }));
        }
        Ok(None)
    }

    fn request_progress(&mut self) {
        self.progress = true;
    }
}
