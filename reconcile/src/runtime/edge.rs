//! Edge-triggered consumers: act on each change's delta from the last
//! value kept, with or without gap detection.

use std::collections::BTreeMap;
use std::time::Duration;

use super::controller::send_all;
use super::{list_logged, open_watch, Activity, Backoff, Change, Consumer, Informer, Write};
use crate::error::ErrorKind;
use crate::object::{Key, Object, Revision, Selector};
use crate::store::{Event, ReadAt, Store, Watch};

/// An edge-triggered handler: it is told each change (the object's last
/// value kept, and its new one) and returns the writes the change calls
/// for. It acts on the delta, not on the state: what it misses, it never
/// acts on.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::runtime::{Change, EdgeHandler, Write};
/// use patchlaw_reconcile::Selector;
///
/// /// Counts the ConfigMaps it has seen created.
/// struct Counter(u64);
/// impl EdgeHandler for Counter {
///     fn selector(&self) -> Selector { Selector::kind("ConfigMap") }
///     fn on_change(&mut self, change: &Change) -> Vec<Write> {
///         if change.old.is_none() && change.new.is_some() { self.0 += 1 }
///         Vec::new()
///     }
/// }
/// # let _ = Counter(0).selector();
/// ```
pub trait EdgeHandler {
    /// What the consumer watches.
    fn selector(&self) -> Selector;

    /// The writes a change calls for.
    fn on_change(&mut self, change: &Change) -> Vec<Write>;
}

/// How an [`Edge`] consumer follows the store.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::runtime::EdgeMode;
///
/// assert_ne!(EdgeMode::Naive, EdgeMode::GapDetecting);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeMode {
    /// Lists once, then takes every message as it comes, in the order it
    /// comes, and keeps the last value of each object from them; after a
    /// disconnect it watches again from the last revision it saw; when that
    /// is gone it watches from the store's current revision, skipping what
    /// happened in between. It never lists again.
    Naive,
    /// Follows the store with a [`Reflector`](super::Reflector): messages
    /// that do not chain on to the last one taken in (lost, duplicated,
    /// late) and `gone` make it list again, and the relist is compared with
    /// the last values kept, so that every change is handled once, in
    /// order; with [`EdgeOptions::relist`], it also lists again
    /// periodically.
    GapDetecting,
}

/// Options of an [`Edge`] consumer: the backoff of its watch, and the
/// period of its relists ([`EdgeMode::GapDetecting`] only).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::runtime::EdgeOptions;
///
/// let o = EdgeOptions::new().relist(Some(Duration::from_secs(300)));
/// assert_eq!(o.get_relist(), Some(Duration::from_secs(300)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EdgeOptions {
    backoff: Backoff,
    relist: Option<Duration>,
}

impl EdgeOptions {
    /// Watches retried from 800 ms to 30 s, no periodic relist.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::runtime::EdgeOptions::new().get_relist(), None);
    /// ```
    #[must_use]
    pub const fn new() -> EdgeOptions {
        EdgeOptions {
            backoff: Backoff::new(Duration::from_millis(800), Duration::from_secs(30)),
            relist: None,
        }
    }

    /// The backoff of the watch.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, EdgeOptions};
    ///
    /// let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(2));
    /// assert_eq!(EdgeOptions::new().backoff(b).get_backoff(), b);
    /// ```
    #[must_use]
    pub const fn backoff(self, backoff: Backoff) -> EdgeOptions {
        EdgeOptions { backoff, ..self }
    }

    /// List again this often (`None`: only when needed).
    ///
    /// # Examples
    ///
    /// See [`EdgeOptions`].
    #[must_use]
    pub const fn relist(self, period: Option<Duration>) -> EdgeOptions {
        EdgeOptions {
            relist: period,
            ..self
        }
    }

    /// See [`EdgeOptions::backoff`].
    ///
    /// # Examples
    ///
    /// See [`EdgeOptions::backoff`].
    #[must_use]
    pub const fn get_backoff(&self) -> Backoff {
        self.backoff
    }

    /// See [`EdgeOptions::relist`].
    ///
    /// # Examples
    ///
    /// See [`EdgeOptions`].
    #[must_use]
    pub const fn get_relist(&self) -> Option<Duration> {
        self.relist
    }
}

impl Default for EdgeOptions {
    fn default() -> EdgeOptions {
        EdgeOptions::new()
    }
}

/// An edge-triggered consumer: an [`EdgeHandler`] fed with changes, in one
/// of two [`EdgeMode`]s. The writes the handler returns are all made, and
/// their failures are not retried.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::runtime::{Change, Consumer, Edge, EdgeHandler, EdgeMode, EdgeOptions, Write};
/// use patchlaw_reconcile::store::{MemoryStore, Store};
/// use patchlaw_reconcile::Selector;
/// use serde_json::json;
///
/// struct Created(Vec<String>);
/// impl EdgeHandler for Created {
///     fn selector(&self) -> Selector { Selector::kind("Pod") }
///     fn on_change(&mut self, change: &Change) -> Vec<Write> {
///         if change.old.is_none() { self.0.push(change.key.name().to_owned()) }
///         Vec::new()
///     }
/// }
///
/// let store = MemoryStore::new();
/// let mut edge = Edge::new(Created(Vec::new()), EdgeMode::GapDetecting, EdgeOptions::new());
/// edge.step(&store, Duration::ZERO, &mut |_| {});
/// store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}))?;
/// edge.step(&store, Duration::ZERO, &mut |_| {});
/// assert_eq!(edge.handler().0, ["a"]);
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
pub struct Edge<H> {
    handler: H,
    options: EdgeOptions,
    follower: Follower,
    next_relist: Option<Duration>,
}

enum Follower {
    Naive(Naive),
    /// One informer (a slice, for [`Consumer::informers`]).
    Gap(Vec<Informer>),
}

impl<H: EdgeHandler> Edge<H> {
    /// A consumer feeding `handler`.
    ///
    /// # Examples
    ///
    /// See [`Edge`].
    #[must_use]
    pub fn new(handler: H, mode: EdgeMode, options: EdgeOptions) -> Edge<H> {
        let selector = handler.selector();
        let follower = match mode {
            EdgeMode::Naive => Follower::Naive(Naive {
                selector,
                options,
                last: BTreeMap::new(),
                revision: Revision::ZERO,
                listed: false,
                watch: None,
                failures: 0,
                retry_at: Duration::ZERO,
            }),
            EdgeMode::GapDetecting => {
                Follower::Gap(vec![Informer::new(selector, options.get_backoff())])
            }
        };
        Edge {
            handler,
            options,
            follower,
            next_relist: None,
        }
    }

    /// The handler.
    ///
    /// # Examples
    ///
    /// See [`Edge`].
    #[must_use]
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The mode.
    ///
    /// # Examples
    ///
    /// ```
    /// # use patchlaw_reconcile::runtime::{Change, Edge, EdgeHandler, EdgeMode, EdgeOptions, Write};
    /// # use patchlaw_reconcile::Selector;
    /// # struct H;
    /// # impl EdgeHandler for H {
    /// #     fn selector(&self) -> Selector { Selector::all() }
    /// #     fn on_change(&mut self, _: &Change) -> Vec<Write> { Vec::new() }
    /// # }
    /// assert_eq!(Edge::new(H, EdgeMode::Naive, EdgeOptions::new()).mode(), EdgeMode::Naive);
    /// ```
    #[must_use]
    pub fn mode(&self) -> EdgeMode {
        match self.follower {
            Follower::Naive(_) => EdgeMode::Naive,
            Follower::Gap(_) => EdgeMode::GapDetecting,
        }
    }
}

impl<H: EdgeHandler> Consumer for Edge<H> {
    fn step(&mut self, store: &dyn Store, now: Duration, log: &mut dyn FnMut(Activity)) {
        let mut changes = Vec::new();
        match &mut self.follower {
            Follower::Naive(naive) => naive.poll(store, now, &mut changes, log),
            Follower::Gap(informers) => {
                let informer = &mut informers[0];
                if let Some(period) = self.options.get_relist() {
                    let due = *self.next_relist.get_or_insert(now + period);
                    if now >= due {
                        informer.relist();
                        self.next_relist = Some(now + period);
                    }
                }
                informer.poll(store, now, &mut |change| changes.push(change), log);
            }
        }
        for change in changes {
            let writes = self.handler.on_change(&change);
            if !writes.is_empty() {
                let (writes, _) = send_all(store, writes, false);
                log(Activity::Handled {
                    key: change.key,
                    writes,
                });
            }
        }
    }

    fn informers(&self) -> &[Informer] {
        match &self.follower {
            Follower::Naive(_) => &[],
            Follower::Gap(informers) => informers,
        }
    }
}

/// The naive follower: the last values kept from the messages as they come.
struct Naive {
    selector: Selector,
    options: EdgeOptions,
    last: BTreeMap<Key, Object>,
    revision: Revision,
    listed: bool,
    watch: Option<Box<dyn Watch>>,
    failures: u32,
    retry_at: Duration,
}

impl Naive {
    fn poll(
        &mut self,
        store: &dyn Store,
        now: Duration,
        changes: &mut Vec<Change>,
        log: &mut dyn FnMut(Activity),
    ) {
        for _ in 0..2 {
            if self.watch.is_none() {
                if now < self.retry_at {
                    return;
                }
                if !self.listed {
                    match self.list(store, log) {
                        Some(listed) => changes.extend(listed),
                        None => return self.fail(now),
                    }
                }
                match open_watch(store, &self.selector, self.revision, log) {
                    Ok(watch) => self.watch = Some(watch),
                    Err(why) => {
                        self.lost(store, now, why);
                        continue;
                    }
                }
            }
            let Some(watch) = self.watch.as_mut() else {
                return;
            };
            loop {
                match watch.next() {
                    Ok(None) => return,
                    Ok(Some(message)) => {
                        log(Activity::Received(message.event.clone()));
                        self.revision = message.revision();
                        let change = match message.event {
                            Event::Added(object) | Event::Modified(object) => Change {
                                key: object.key().clone(),
                                old: self.last.insert(object.key().clone(), object.clone()),
                                new: Some(object),
                            },
                            Event::Deleted(object) => Change {
                                key: object.key().clone(),
                                old: self.last.remove(object.key()).or(Some(object)),
                                new: None,
                            },
                            Event::Bookmark(_) => continue,
                        };
                        changes.push(change);
                    }
                    Err(err) => {
                        log(Activity::WatchEnded {
                            selector: self.selector.clone(),
                            error: err.kind(),
                        });
                        self.watch = None;
                        self.lost(store, now, err.kind());
                        break;
                    }
                }
            }
        }
    }

    /// After a watch is lost: when gone, skip to the store's revision;
    /// otherwise wait and watch again.
    fn lost(&mut self, store: &dyn Store, now: Duration, why: ErrorKind) {
        if why == ErrorKind::Gone {
            self.revision = store.revision().unwrap_or(self.revision);
        } else {
            self.fail(now);
        }
    }

    fn fail(&mut self, now: Duration) {
        self.failures += 1;
        self.retry_at = now + self.options.get_backoff().delay(self.failures);
    }

    /// The first list: every object is new. `None` when it failed.
    fn list(&mut self, store: &dyn Store, log: &mut dyn FnMut(Activity)) -> Option<Vec<Change>> {
        let list = list_logged(store, &self.selector, ReadAt::Latest, log).ok()?;
        self.revision = list.revision;
        self.listed = true;
        let changes = list
            .items
            .into_iter()
            .map(|object| Change {
                key: object.key().clone(),
                old: self.last.insert(object.key().clone(), object.clone()),
                new: Some(object),
            })
            .collect();
        Some(changes)
    }
}
