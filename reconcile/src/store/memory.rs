//! The in-memory store: every version of every object since the last
//! compaction, and a log of the changes for watches, as etcd's MVCC keeps
//! them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use patchlaw::strategic::{self, Schema};
use patchlaw::three_way::{self, Action, PlanOptions};
use serde_json::Value;

use super::{Event, List, Patch, ReadAt, Store, Watch, WatchEvent};
use crate::error::{Error, ErrorKind};
use crate::object::{
    kind_and_namespace, resource_version_of, set_resource_version, Key, Object, Revision, Selector,
};

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
        let patched = match (patch, current) {
            (
                Patch::Apply {
                    configuration,
                    annotation,
                },
                current,
            ) => {
                let current = current.ok();
                let namespace = (!key.namespace().is_empty()).then_some(key.namespace());
                let options = PlanOptions::new()
                    .annotation(annotation)
                    .namespace(namespace);
                let schema = Schema::builtin_for(configuration);
                let plan = three_way::plan(
                    configuration,
                    current.as_ref().map(Object::value),
                    schema.as_ref(),
                    options,
                )
                .map_err(|e| Error::patch(e, key))?;
                match (plan.action, current) {
                    (Action::Create, _) | (_, None) => {
                        same_key(key, &plan.result)?;
                        // A configuration that names a uid is about an
                        // object that exists: it never creates one.
                        if configuration["metadata"]
                            .get("uid")
                            .is_some_and(|u| !u.is_null())
                        {
                            return Err(Error::new(
                                ErrorKind::NotFound,
                                "the configuration names a uid, and there is no object",
                            )
                            .with_key(key));
                        }
                        return state.create(plan.result);
                    }
                    (Action::Unchanged, Some(current)) => return Ok(current),
                    (_, Some(current)) => (plan.result, current),
                }
            }
            (_, Err(err)) => return Err(err),
            (Patch::Json(patch), Ok(current)) => {
                let mut value = current.to_value();
                patch.apply(&mut value).map_err(|e| Error::patch(e, key))?;
                (value, current)
            }
            (Patch::Merge(patch), Ok(current)) => {
                let mut value = current.to_value();
                patchlaw::merge_patch::apply(&mut value, patch)
                    .map_err(|e| Error::patch(e, key))?;
                (value, current)
            }
            (Patch::Strategic(patch), Ok(current)) => {
                let schema = Schema::builtin_for(current.value()).ok_or_else(|| {
                    Error::new(
                        ErrorKind::UnsupportedPatch,
                        "no built-in schema for this kind: use a merge patch or a JSON Patch",
                    )
                    .with_key(key)
                })?;
                let mut value = current.to_value();
                strategic::apply(&mut value, patch, &schema).map_err(|e| Error::patch(e, key))?;
                (value, current)
            }
        };
        let (value, current) = patched;
        same_key(key, &value)?;
        let precondition = resource_version_of(&value).map_err(|e| e.with_key(key))?;
        check_precondition(key, &current, precondition)?;
        state.replace(key, &current, value)
    }

    fn delete(&self, key: &Key, precondition: Option<Revision>) -> Result<Object, Error> {
        let mut state = self.state();
        let current = state.live(key)?;
        check_precondition(key, &current, precondition)?;
        Ok(state.commit(key, None))
    }

    fn watch(&self, selector: &Selector, from: Revision) -> Result<Box<dyn Watch>, Error> {
        let state = self.state();
        if from.next() < state.compacted {
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
        kind_and_namespace(&object)?;
        if resource_version_of(&object)?.is_some() {
            return Err(Error::new(
                ErrorKind::Invalid,
                "a new object must not name a resourceVersion",
            ));
        }
        self.generate_name(&mut object)?;
        let key = Key::of(&object)?;
        if self.live(&key).is_ok() {
            return Err(Error::new(ErrorKind::AlreadyExists, "").with_key(&key));
        }
        if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
            // Unique in the store, and the same on every run.
            let uid = format!(
                "00000000-0000-4000-8000-{:012x}",
                self.revision.next().get()
            );
            metadata.insert("uid".to_owned(), Value::String(uid));
        }
        Ok(self.commit(&key, Some(object)))
    }

    /// Gives an object without a name one made from its
    /// `metadata.generateName`: the prefix and five characters of the
    /// alphabet Kubernetes uses, from a counter, so that runs repeat.
    fn generate_name(&mut self, object: &mut Value) -> Result<(), Error> {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let (kind, namespace) = {
            let (kind, namespace) = kind_and_namespace(object)?;
            (kind.to_owned(), namespace.to_owned())
        };
        let Some(Value::Object(metadata)) = object.get_mut("metadata") else {
            return Ok(());
        };
        let named = metadata
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        let prefix = match metadata.get("generateName").and_then(Value::as_str) {
            Some(prefix) if !named && !prefix.is_empty() => prefix.to_owned(),
            _ => return Ok(()),
        };
        loop {
            self.generated += 1;
            let mut n = self.generated;
            let mut name = prefix.clone();
            for _ in 0..5 {
                name.push(char::from(ALPHABET[(n % 27) as usize]));
                n /= 27;
            }
            if self.live(&Key::new(&kind, &namespace, &name)).is_err() {
                metadata.insert("name".to_owned(), Value::String(name));
                return Ok(());
            }
        }
    }

    /// Writes `value` over `current` unless it changes nothing. A value
    /// without a `metadata.uid` keeps the current one; another one is a
    /// failed precondition, `conflict`, as on the API server.
    fn replace(&mut self, key: &Key, current: &Object, mut value: Value) -> Result<Object, Error> {
        let uid = current.value()["metadata"].get("uid");
        if let (Some(uid), Some(Value::Object(metadata))) = (uid, value.get_mut("metadata")) {
            match metadata.get("uid") {
                None | Some(Value::Null) => {
                    metadata.insert("uid".to_owned(), uid.clone());
                }
                Some(given) if given == uid => {}
                Some(given) => {
                    return Err(Error::new(
                        ErrorKind::Conflict,
                        format!("the object's uid is {uid}, not {given}"),
                    )
                    .with_key(key)
                    .with_revision(current.resource_version()))
                }
            }
        }
        set_resource_version(&mut value, current.resource_version());
        if &value == current.value() {
            return Ok(current.clone());
        }
        Ok(self.commit(key, Some(value)))
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

fn gone(compacted: Revision) -> Error {
    Error::new(
        ErrorKind::Gone,
        format!("the store is compacted to revision {compacted}"),
    )
    .with_revision(compacted)
}

/// `conflict` unless `precondition` (when given) is the current object's
/// `resourceVersion`.
fn check_precondition(
    key: &Key,
    current: &Object,
    precondition: Option<Revision>,
) -> Result<(), Error> {
    match precondition {
        Some(expected) if expected != current.resource_version() => Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "the object is at resourceVersion {}, not {expected}",
                current.resource_version()
            ),
        )
        .with_key(key)
        .with_revision(current.resource_version())),
        _ => Ok(()),
    }
}

/// `invalid` unless `value` is an object at `key`.
fn same_key(key: &Key, value: &Value) -> Result<(), Error> {
    let found = Key::of(value).map_err(|e| e.with_key(key))?;
    if &found == key {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Invalid,
            format!("the result is {found}, not the object patched"),
        )
        .with_key(key))
    }
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
        if self.cursor.next() < state.compacted {
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
