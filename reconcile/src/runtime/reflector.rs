//! The reflector: list, then watch; resume after a disconnect; list again
//! when gone or when the messages do not chain; never back in time.

use std::time::Duration;

use super::{list_logged, open_watch, Activity, Backoff};
use crate::error::ErrorKind;
use crate::object::{Revision, Selector};
use crate::store::{Event, List, ReadAt, Store, Watch};

/// What a [`Reflector`] hands on to its cache.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::runtime::Delta;
/// use patchlaw_reconcile::store::Event;
/// use patchlaw_reconcile::Revision;
///
/// assert_eq!(Delta::Event(Event::Bookmark(Revision::new(3))).revision(), Revision::new(3));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Delta {
    /// A (re)list: the whole selection at a revision, replacing what the
    /// cache held.
    Replaced(List),
    /// A change (or a bookmark) after the last revision handed on.
    Event(Event),
}

impl Delta {
    /// The revision the cache is at once it has taken the delta in.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::Delta;
    /// use patchlaw_reconcile::store::List;
    /// use patchlaw_reconcile::Revision;
    ///
    /// let d = Delta::Replaced(List { items: Vec::new(), revision: Revision::new(8) });
    /// assert_eq!(d.revision(), Revision::new(8));
    /// ```
    #[must_use]
    pub fn revision(&self) -> Revision {
        match self {
            Delta::Replaced(list) => list.revision,
            Delta::Event(event) => event.revision(),
        }
    }
}

/// Keeps a cache in step with a store, as client-go's reflector does: it
/// lists, then watches from the list's revision; after a disconnect it
/// watches again from the last revision it took in, after a backoff; it
/// lists again when the store says that revision is gone, and when a
/// message does not chain on to the last one taken in (its
/// [`previous`](crate::store::WatchEvent::previous) is another revision:
/// a message was lost or reordered on the way); a message as old as what it
/// has taken in is set aside; and a relist asks for a state not older than
/// what it has seen. So the revisions it hands on only grow.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::runtime::{Backoff, Delta, Reflector};
/// use patchlaw_reconcile::store::{MemoryStore, Store};
/// use patchlaw_reconcile::{Revision, Selector};
/// use serde_json::json;
///
/// let store = MemoryStore::new();
/// store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}))?;
/// let mut reflector = Reflector::new(Selector::kind("Pod"), Backoff::new(Duration::from_secs(1), Duration::from_secs(8)));
/// let mut deltas = Vec::new();
/// reflector.poll(&store, Duration::ZERO, &mut |d| deltas.push(d), &mut |_| {});
/// store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}))?;
/// reflector.poll(&store, Duration::ZERO, &mut |d| deltas.push(d), &mut |_| {});
/// assert!(matches!(&deltas[0], Delta::Replaced(list) if list.items.len() == 1));
/// assert_eq!(deltas[1].revision(), Revision::new(2));
/// assert_eq!(reflector.revision(), Revision::new(2));
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
pub struct Reflector {
    selector: Selector,
    backoff: Backoff,
    /// The revision of the last list or message taken in.
    revision: Revision,
    listed: bool,
    relist: bool,
    watch: Option<Box<dyn Watch>>,
    failures: u32,
    retry_at: Duration,
}

/// How a drain of the watch ended.
enum Drained {
    /// Nothing more is available now.
    Caught,
    /// List again, now.
    Relist,
    /// Reconnect, after a backoff.
    Reconnect,
}

impl Reflector {
    /// A reflector over `selector`, retrying after failures with `backoff`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Reflector};
    /// use patchlaw_reconcile::{Revision, Selector};
    ///
    /// let r = Reflector::new(Selector::kind("Pod"), Backoff::new(Duration::from_millis(800), Duration::from_secs(30)));
    /// assert_eq!(r.revision(), Revision::ZERO);
    /// ```
    #[must_use]
    pub fn new(selector: Selector, backoff: Backoff) -> Reflector {
        Reflector {
            selector,
            backoff,
            revision: Revision::ZERO,
            listed: false,
            relist: false,
            watch: None,
            failures: 0,
            retry_at: Duration::ZERO,
        }
    }

    /// What the reflector lists and watches.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Reflector};
    /// use patchlaw_reconcile::Selector;
    ///
    /// let r = Reflector::new(Selector::kind("Pod"), Backoff::new(Duration::ZERO, Duration::ZERO));
    /// assert_eq!(r.selector(), &Selector::kind("Pod"));
    /// ```
    #[must_use]
    pub fn selector(&self) -> &Selector {
        &self.selector
    }

    /// The revision of the last list or message handed on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Reflector};
    /// use patchlaw_reconcile::{Revision, Selector};
    ///
    /// let r = Reflector::new(Selector::all(), Backoff::new(Duration::ZERO, Duration::ZERO));
    /// assert_eq!(r.revision(), Revision::ZERO);
    /// ```
    #[must_use]
    pub fn revision(&self) -> Revision {
        self.revision
    }

    /// Whether the reflector is watching (it has listed, and its watch has
    /// not ended).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Reflector};
    /// use patchlaw_reconcile::store::MemoryStore;
    /// use patchlaw_reconcile::Selector;
    ///
    /// let mut r = Reflector::new(Selector::all(), Backoff::new(Duration::ZERO, Duration::ZERO));
    /// assert!(!r.is_watching());
    /// r.poll(&MemoryStore::new(), Duration::ZERO, &mut |_| {}, &mut |_| {});
    /// assert!(r.is_watching());
    /// ```
    #[must_use]
    pub fn is_watching(&self) -> bool {
        self.watch.is_some()
    }

    /// Drops the watch and lists again at the next poll (a periodic
    /// relist).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Activity, Backoff, Reflector};
    /// use patchlaw_reconcile::store::MemoryStore;
    /// use patchlaw_reconcile::Selector;
    ///
    /// let store = MemoryStore::new();
    /// let mut r = Reflector::new(Selector::all(), Backoff::new(Duration::ZERO, Duration::ZERO));
    /// r.poll(&store, Duration::ZERO, &mut |_| {}, &mut |_| {});
    /// r.relist();
    /// let mut lists = 0;
    /// r.poll(&store, Duration::ZERO, &mut |_| {}, &mut |a| if matches!(a, Activity::Listed { .. }) { lists += 1 });
    /// assert_eq!(lists, 1);
    /// ```
    pub fn relist(&mut self) {
        self.watch = None;
        self.relist = true;
    }

    /// Does what is due at `now`: lists or reconnects if needed (and the
    /// backoff allows), then hands on every message available, in order.
    /// Deltas go to `deltas`, what it did to `log`.
    ///
    /// # Examples
    ///
    /// See [`Reflector`].
    pub fn poll(
        &mut self,
        store: &dyn Store,
        now: Duration,
        deltas: &mut dyn FnMut(Delta),
        log: &mut dyn FnMut(Activity),
    ) {
        // A relist per poll at most, besides the first list: a watch that
        // breaks again at once waits for the next poll.
        for _ in 0..2 {
            if self.watch.is_none() {
                if now < self.retry_at {
                    return;
                }
                let connected = if !self.listed || self.relist {
                    self.list(store, now, deltas, log)
                } else {
                    self.connect(store, now, log)
                };
                if !connected {
                    if self.relist && now >= self.retry_at {
                        // The watch's revision is gone: list now.
                        continue;
                    }
                    return;
                }
            }
            match self.drain(deltas, log) {
                Drained::Caught => return,
                Drained::Relist => {
                    self.watch = None;
                    self.relist = true;
                }
                Drained::Reconnect => {
                    self.watch = None;
                    self.fail(now);
                    return;
                }
            }
        }
    }

    /// Lists, hands the list on, and watches from its revision. `false`
    /// when it could not.
    fn list(
        &mut self,
        store: &dyn Store,
        now: Duration,
        deltas: &mut dyn FnMut(Delta),
        log: &mut dyn FnMut(Activity),
    ) -> bool {
        let at = if self.listed {
            ReadAt::NotOlderThan(self.revision)
        } else {
            ReadAt::Latest
        };
        let Ok(list) = list_logged(store, &self.selector, at, log) else {
            self.fail(now);
            return false;
        };
        self.revision = list.revision;
        self.listed = true;
        self.relist = false;
        self.failures = 0;
        deltas(Delta::Replaced(list));
        self.connect(store, now, log)
    }

    /// Watches from the last revision taken in.
    fn connect(&mut self, store: &dyn Store, now: Duration, log: &mut dyn FnMut(Activity)) -> bool {
        match open_watch(store, &self.selector, self.revision, log) {
            Ok(watch) => {
                self.watch = Some(watch);
                true
            }
            Err(ErrorKind::Gone) => {
                self.relist = true;
                false
            }
            Err(_) => {
                self.fail(now);
                false
            }
        }
    }

    fn drain(&mut self, deltas: &mut dyn FnMut(Delta), log: &mut dyn FnMut(Activity)) -> Drained {
        let Some(watch) = self.watch.as_mut() else {
            return Drained::Caught;
        };
        loop {
            match watch.next() {
                Ok(None) => return Drained::Caught,
                Ok(Some(message)) => {
                    let revision = message.revision();
                    if message.previous == self.revision && revision >= self.revision {
                        self.revision = revision;
                        self.failures = 0;
                        log(Activity::Received(message.event.clone()));
                        deltas(Delta::Event(message.event));
                    } else if revision <= self.revision {
                        log(Activity::Ignored(message.event));
                    } else {
                        log(Activity::Gap {
                            selector: self.selector.clone(),
                            expected: self.revision,
                            previous: message.previous,
                        });
                        return Drained::Relist;
                    }
                }
                Err(err) => {
                    log(Activity::WatchEnded {
                        selector: self.selector.clone(),
                        error: err.kind(),
                    });
                    return if err.kind() == ErrorKind::Gone {
                        Drained::Relist
                    } else {
                        Drained::Reconnect
                    };
                }
            }
        }
    }

    fn fail(&mut self, now: Duration) {
        self.failures += 1;
        self.retry_at = now + self.backoff.delay(self.failures);
    }
}
