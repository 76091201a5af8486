//! The history of the store for the cache invariants: every version of
//! every object since the run started, never compacted, and the
//! revisions whose state it knows.

use std::collections::BTreeMap;

use super::scheduler::Patience;
use crate::error::{Error, ErrorKind};
use crate::object::{Key, Object, Revision, Selector};
use crate::store::{Event, ReadAt, Store, Watch};

/// What the store held at each revision since the run started, followed
/// through a watch of every object.
///
/// The history knows the state at revision `r` when `r` is between the
/// revision of its first list and the revision up to which it has read
/// every change, and not inside a *gap*: when its watch ends it watches
/// again from where it was, and when that revision is compacted away it
/// lists again, and the states between the two are lost.
pub(crate) struct History {
    watch: Option<Box<dyn Watch>>,
    versions: BTreeMap<Key, Vec<(Revision, Option<Object>)>>,
    /// The revision of the first list: nothing is known before it.
    start: Option<Revision>,
    /// Every change up to this revision has been read.
    known: Revision,
    /// The states at the revisions strictly between the two are unknown.
    gaps: Vec<(Revision, Revision)>,
    /// The revision the watch was asked to catch up with, and did.
    caught_up: Option<Revision>,
    /// How many times the watch ended.
    pub(crate) breaks: usize,
}

/// How many times the history lists again in one pump while the store is
/// compacted faster than it can watch.
const ATTEMPTS: usize = 3;

impl History {
    /// The history from the store's current state on: lists every object,
    /// and watches from the list's revision. When the store cannot be
    /// read, the history starts at the first pump that can.
    pub(crate) fn new(store: &dyn Store, notes: &mut dyn FnMut(String)) -> History {
        let mut history = History {
            watch: None,
            versions: BTreeMap::new(),
            start: None,
            known: Revision::ZERO,
            gaps: Vec::new(),
            caught_up: None,
            breaks: 0,
        };
        history.open(store, notes);
        history
    }

    /// The revision of the first list.
    pub(crate) fn start(&self) -> Option<Revision> {
        self.start
    }

    /// Asks the watch to catch up with `revision`, with the `patience`
    /// left; says whether it did (`None` without a watch: the next pump
    /// opens one).
    pub(crate) fn catch_up(
        &mut self,
        revision: Revision,
        patience: &mut Patience,
    ) -> Result<Option<bool>, Error> {
        let Some(watch) = &mut self.watch else {
            return Ok(None);
        };
        let caught_up = patience.catch_up(&mut **watch, revision)?;
        if caught_up {
            self.caught_up = Some(revision);
        }
        Ok(Some(caught_up))
    }

    /// Reads what the watch has; when it ends, watches again (or lists
    /// again) and says so in `notes`.
    pub(crate) fn pump(&mut self, store: &dyn Store, notes: &mut dyn FnMut(String)) {
        let caught_up = self.caught_up.take();
        if self.watch.is_none() {
            self.open(store, notes);
            return;
        }
        if let Err(err) = self.drain() {
            self.breaks += 1;
            notes(format!("the watch ended after rv {} ({err})", self.known));
            self.watch = None;
            if err.kind() == ErrorKind::Gone {
                self.relist(store, notes);
            } else {
                self.open(store, notes);
            }
            return;
        }
        if let Some(revision) = caught_up {
            self.known = self.known.max(revision);
        }
    }

    /// Whether the state at `revision` is known.
    pub(crate) fn knows(&self, revision: Revision) -> bool {
        self.start.is_some_and(|start| start <= revision)
            && revision <= self.known
            && !self
                .gaps
                .iter()
                .any(|(after, before)| *after < revision && revision < *before)
    }

    /// The keys `selector` selects at `revision`, with their revisions.
    pub(crate) fn state_at(
        &self,
        selector: &Selector,
        revision: Revision,
    ) -> Vec<(&Key, Revision)> {
        self.versions
            .iter()
            .filter(|(key, _)| selector.matches(key))
            .filter_map(|(key, versions)| {
                let after = versions.partition_point(|(r, _)| *r <= revision);
                let (_, object) = versions.get(after.checked_sub(1)?)?;
                object.as_ref().map(|o| (key, o.resource_version()))
            })
            .collect()
    }

    fn drain(&mut self) -> Result<(), Error> {
        let Some(watch) = &mut self.watch else {
            return Ok(());
        };
        while let Some(message) = watch.next()? {
            let revision = message.revision();
            // Every change up to a message's revision has come before it.
            self.known = self.known.max(revision);
            let (key, object) = match message.event {
                Event::Added(o) | Event::Modified(o) => (o.key().clone(), Some(o)),
                Event::Deleted(o) => (o.key().clone(), None),
                Event::Bookmark(_) => continue,
            };
            self.versions
                .entry(key)
                .or_default()
                .push((revision, object));
        }
        Ok(())
    }

    /// Watches from where the history is (listing first when it never
    /// has), or lists again when that revision is compacted away.
    fn open(&mut self, store: &dyn Store, notes: &mut dyn FnMut(String)) {
        let again = self.start.is_some();
        if !again {
            if let Err(err) = self.list(store) {
                notes(format!("cannot list the store ({err})"));
                return;
            }
        }
        match self.watch_from(store) {
            Ok(()) if again => notes(format!("watching again from rv {}", self.known)),
            Ok(()) => {}
            Err(err) if err.kind() == ErrorKind::Gone => self.relist(store, notes),
            Err(err) => notes(format!("cannot watch from rv {} ({err})", self.known)),
        }
    }

    /// Lists again, the watch having fallen behind a compaction, and
    /// watches from the list (again while the list's revision is
    /// compacted away before the watch starts).
    fn relist(&mut self, store: &dyn Store, notes: &mut dyn FnMut(String)) {
        for _ in 0..ATTEMPTS {
            let before = self.known;
            if let Err(err) = self.list(store) {
                notes(format!("cannot list the store ({err})"));
                return;
            }
            notes(format!(
                "rv {before} is compacted away: listed again at rv {} (the states between are unknown)",
                self.known
            ));
            match self.watch_from(store) {
                Ok(()) => return,
                Err(err) if err.kind() == ErrorKind::Gone => {}
                Err(err) => {
                    notes(format!("cannot watch from rv {} ({err})", self.known));
                    return;
                }
            }
        }
    }

    fn watch_from(&mut self, store: &dyn Store) -> Result<(), Error> {
        self.watch = Some(store.watch(&Selector::all(), self.known)?);
        Ok(())
    }

    /// Lists every object: the state at the list's revision. After a gap,
    /// the versions the list shows are added, and the keys it no longer
    /// shows are deleted at its revision.
    fn list(&mut self, store: &dyn Store) -> Result<(), Error> {
        let list = store.list(&Selector::all(), ReadAt::Latest)?;
        let at = list.revision;
        match self.start {
            None => self.start = Some(at),
            // A list no newer than what the history knows tells it nothing.
            Some(_) if at <= self.known => return Ok(()),
            Some(_) => self.gaps.push((self.known, at)),
        }
        let mut listed = BTreeMap::new();
        for object in list.items {
            listed.insert(object.key().clone(), object);
        }
        for (key, versions) in &mut self.versions {
            let live = versions.last().is_some_and(|(_, o)| o.is_some());
            if live && !listed.contains_key(key) {
                versions.push((at, None));
            }
        }
        for (key, object) in listed {
            let versions = self.versions.entry(key).or_default();
            let revision = object.resource_version();
            if versions.last().map_or(true, |(r, _)| *r < revision) {
                versions.push((revision, Some(object)));
            }
        }
        self.known = self.known.max(at);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::{json, Value};

    use super::*;
    use crate::store::MemoryStore;

    fn pod(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"}})
    }

    fn settle(history: &mut History, store: &MemoryStore, notes: &mut Vec<String>) {
        let mut patience = Patience::new(Duration::from_secs(1));
        let revision = store.revision().unwrap();
        assert_eq!(history.catch_up(revision, &mut patience), Ok(Some(true)));
        history.pump(store, &mut |note| notes.push(note));
    }

    fn state(history: &History, revision: u64) -> Vec<(String, u64)> {
        history
            .state_at(&Selector::all(), Revision::new(revision))
            .into_iter()
            .map(|(key, r)| (key.name().to_owned(), r.get()))
            .collect()
    }

    #[test]
    fn a_history_behind_a_compaction_lists_again_and_knows_what_it_saw() {
        let store = MemoryStore::new();
        store.create(pod("a")).unwrap();
        let mut notes = Vec::new();
        let mut history = History::new(&store, &mut |note| notes.push(note));
        assert_eq!(history.start(), Some(Revision::new(1)));
        let b = store.create(pod("b")).unwrap();
        settle(&mut history, &store, &mut notes);
        assert!(history.knows(Revision::new(2)));
        assert!(!history.knows(Revision::new(3)));
        // Behind its back: b deleted at 3, c created at 4, compacted to 4.
        store.delete(b.key(), None).unwrap();
        store.create(pod("c")).unwrap();
        store.compact(Revision::new(4)).unwrap();
        settle(&mut history, &store, &mut notes);
        assert_eq!(history.breaks, 1);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].starts_with("the watch ended after rv 2 (gone"),
            "{notes:?}"
        );
        assert_eq!(
            notes[1],
            "rv 2 is compacted away: listed again at rv 4 (the states between are unknown)"
        );
        let known: Vec<bool> = (0..6).map(|r| history.knows(Revision::new(r))).collect();
        assert_eq!(known, [false, true, true, false, true, false]);
        assert_eq!(
            state(&history, 2),
            [("a".to_owned(), 1), ("b".to_owned(), 2)]
        );
        assert_eq!(
            state(&history, 4),
            [("a".to_owned(), 1), ("c".to_owned(), 4)]
        );
        // And it follows the store from there.
        store.create(pod("d")).unwrap();
        settle(&mut history, &store, &mut notes);
        assert!(history.knows(Revision::new(5)));
        assert_eq!(state(&history, 5).len(), 3);
    }

    #[test]
    fn a_history_whose_watch_is_closed_watches_again_from_where_it_was() {
        let store = MemoryStore::new();
        let mut notes = Vec::new();
        let mut history = History::new(&store, &mut |note| notes.push(note));
        store.create(pod("a")).unwrap();
        settle(&mut history, &store, &mut notes);
        history.watch = Some(Box::new(Closed));
        store.create(pod("b")).unwrap();
        settle(&mut history, &store, &mut notes);
        assert_eq!(
            notes,
            [
                "the watch ended after rv 1 (disconnected: reset)",
                "watching again from rv 1",
            ]
        );
        settle(&mut history, &store, &mut notes);
        assert_eq!(history.gaps, []);
        assert!(history.knows(Revision::new(2)));
        assert_eq!(state(&history, 2).len(), 2);
    }

    /// A watch whose connection is closed.
    struct Closed;

    impl Watch for Closed {
        fn next(&mut self) -> Result<Option<crate::store::WatchEvent>, Error> {
            Err(Error::new(ErrorKind::Disconnected, "reset"))
        }

        fn request_progress(&mut self) {}
    }
}
