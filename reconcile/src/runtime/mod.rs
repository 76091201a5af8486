//! The client runtime: what a controller runs on, over any [`Store`].
//!
//! - [`Reflector`]: lists, then watches from the list's revision; after a
//!   disconnect, watches again from the last revision it saw; lists again
//!   when that is gone or when the messages it receives do not chain (a
//!   message lost, duplicated or out of order on the way); never hands on
//!   an older state after a newer one.
//! - [`Informer`]: a reflector and the [`Cache`] it keeps, reporting each
//!   [`Change`] (a relist is compared with the cache, so that objects
//!   deleted meanwhile are reported deleted).
//! - [`Queue`]: a work queue of keys: each key queued once, at most one in
//!   flight, re-queued with exponential backoff after a failure.
//! - [`Controller`]: a level-triggered controller: its [`Reconciler`] sees
//!   only the cache, and returns the writes to make and when to look
//!   again; a periodic resync queues every key.
//! - [`Edge`]: the edge-triggered consumers it is contrasted with: one that
//!   acts on each event's delta from the last value it kept, and one that
//!   also detects gaps and lists again.
//!
//! The runtime does no I/O of its own but through the [`Store`] it is
//! given, and reads no clock: each `step` is told the time, as a
//! [`Duration`] since the driver started (a tick of the simulation, or a
//! program's clock).

use std::time::Duration;

use crate::error::ErrorKind;
use crate::object::{Key, Revision, Selector};
use crate::store::{Event, List, ReadAt, Store};

mod cache;
mod controller;
mod edge;
mod queue;
mod reflector;

pub use cache::{Cache, Change, Informer};
pub use controller::{
    controller_owner, Controller, ControllerOptions, Reconcile, Reconciler, View, Watches, Write,
};
pub use edge::{Edge, EdgeHandler, EdgeMode, EdgeOptions};
pub use queue::Queue;
pub use reflector::{Delta, Reflector};

/// A consumer of a store's changes that a driver steps: a level-triggered
/// [`Controller`] or an edge-triggered [`Edge`] consumer.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::runtime::{Consumer, Edge, EdgeHandler, EdgeMode, EdgeOptions, Change, Write};
/// use patchlaw_reconcile::store::{MemoryStore, Store};
/// use patchlaw_reconcile::Selector;
/// use serde_json::json;
///
/// struct Count(usize);
/// impl EdgeHandler for Count {
///     fn selector(&self) -> Selector { Selector::kind("Pod") }
///     fn on_change(&mut self, change: &Change) -> Vec<Write> {
///         if change.old.is_none() { self.0 += 1 }
///         Vec::new()
///     }
/// }
///
/// let store = MemoryStore::new();
/// store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}))?;
/// let mut consumer: Box<dyn Consumer> = Box::new(Edge::new(Count(0), EdgeMode::Naive, EdgeOptions::new()));
/// consumer.step(&store, Duration::ZERO, &mut |_| {});
/// assert!(consumer.informers().is_empty());
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
pub trait Consumer {
    /// Does what is due at `now`: reads what the watches have delivered,
    /// relists or reconnects when needed, and acts. What it did goes to
    /// `log`.
    fn step(&mut self, store: &dyn Store, now: Duration, log: &mut dyn FnMut(Activity));

    /// The informers whose caches the consumer reads (none for an
    /// edge-triggered consumer), for the laws about caches.
    fn informers(&self) -> &[Informer] {
        &[]
    }
}

/// Exponential backoff: `initial`, then twice as long after each further
/// failure, at most `max`. No jitter: runs repeat exactly.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::runtime::Backoff;
///
/// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
/// let delays: Vec<u64> = (0..5).map(|n| backoff.delay(n).as_secs()).collect();
/// assert_eq!(delays, [0, 1, 2, 4, 5]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
}

impl Backoff {
    /// Backoff from `initial` to `max`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::Backoff;
    ///
    /// assert_eq!(Backoff::new(Duration::from_secs(2), Duration::from_secs(8)).delay(1), Duration::from_secs(2));
    /// ```
    #[must_use]
    pub const fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff { initial, max }
    }

    /// The delay after `failures` failures in a row (none after none).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::Backoff;
    ///
    /// let b = Backoff::new(Duration::from_millis(5), Duration::from_secs(1000));
    /// assert_eq!(b.delay(3), Duration::from_millis(20));
    /// assert_eq!(b.delay(60), Duration::from_secs(1000));
    /// ```
    #[must_use]
    pub fn delay(self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let factor = 1u32.checked_shl(failures - 1).unwrap_or(u32::MAX);
        self.initial
            .checked_mul(factor)
            .map_or(self.max, |d| d.min(self.max))
    }

    /// The longest delay.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::Backoff;
    ///
    /// assert_eq!(Backoff::new(Duration::ZERO, Duration::from_secs(3)).max(), Duration::from_secs(3));
    /// ```
    #[must_use]
    pub const fn max(self) -> Duration {
        self.max
    }
}

/// What a consumer did, reported to its driver's log: for traces, and for
/// the laws.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::runtime::Activity;
/// use patchlaw_reconcile::{Revision, Selector};
///
/// let a = Activity::Listed { selector: Selector::kind("Pod"), revision: Revision::new(4), objects: 2 };
/// assert_eq!(a.to_string(), "list Pod: 2 at rv 4");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Activity {
    /// A list: how many objects, at which revision.
    Listed {
        /// What was listed.
        selector: Selector,
        /// The revision of the list.
        revision: Revision,
        /// How many objects.
        objects: usize,
    },
    /// A list that failed (it is retried after a backoff).
    ListFailed {
        /// What was listed.
        selector: Selector,
        /// Why.
        error: ErrorKind,
    },
    /// A watch started.
    Watching {
        /// What is watched.
        selector: Selector,
        /// The revision it starts after.
        from: Revision,
    },
    /// A watch ended: `gone` (a relist follows) or `disconnected` (a
    /// reconnect follows, after a backoff).
    WatchEnded {
        /// What was watched.
        selector: Selector,
        /// Why.
        error: ErrorKind,
    },
    /// A message taken in.
    Received(Event),
    /// A message set aside: older than, or as old as, what was seen.
    Ignored(Event),
    /// A message whose predecessor on its watch is not the last message
    /// taken in: something was lost or reordered on the way.
    Gap {
        /// What is watched.
        selector: Selector,
        /// The revision of the last message taken in.
        expected: Revision,
        /// The revision the message names as its predecessor.
        previous: Revision,
    },
    /// A periodic resync queued every key.
    Resynced {
        /// How many keys.
        keys: usize,
    },
    /// A reconcile ran, with the writes it made.
    Reconciled {
        /// The key reconciled.
        key: Key,
        /// The writes, in order (the first failure stops them).
        writes: Vec<Written>,
        /// `Ok` when the reconcile and its writes succeeded, or why not (the
        /// key is then queued again after a backoff).
        outcome: Result<(), ErrorKind>,
    },
    /// An edge-triggered consumer handled a change, with the writes it
    /// made.
    Handled {
        /// The key changed.
        key: Key,
        /// The writes.
        writes: Vec<Written>,
    },
}

/// A write a consumer made, and how it went.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::runtime::Written;
/// use patchlaw_reconcile::{ErrorKind, Revision};
///
/// let w = Written { action: "delete Pod default/web-1".to_owned(), result: Err(ErrorKind::NotFound) };
/// assert_eq!(w.to_string(), "delete Pod default/web-1 → not-found");
/// let w = Written { action: "apply Pod default/web-0".to_owned(), result: Ok(Revision::new(9)) };
/// assert_eq!(w.to_string(), "apply Pod default/web-0 → rv 9");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The write, e.g. `apply Pod default/web-0`.
    pub action: String,
    /// The revision of the object written, or why the write failed.
    pub result: Result<Revision, ErrorKind>,
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.result {
            Ok(revision) => write!(f, "{} → rv {revision}", self.action),
            Err(kind) => write!(f, "{} → {kind}", self.action),
        }
    }
}

impl std::fmt::Display for Activity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let writes = |f: &mut std::fmt::Formatter<'_>, writes: &[Written]| {
            for (i, w) in writes.iter().enumerate() {
                write!(f, "{}{w}", if i == 0 { ": " } else { ", " })?;
            }
            Ok(())
        };
        match self {
            Activity::Listed {
                selector,
                revision,
                objects,
            } => write!(f, "list {selector}: {objects} at rv {revision}"),
            Activity::ListFailed { selector, error } => write!(f, "list {selector}: {error}"),
            Activity::Watching { selector, from } => write!(f, "watch {selector} from rv {from}"),
            Activity::WatchEnded { selector, error } => write!(f, "watch {selector}: {error}"),
            Activity::Received(event) => write!(f, "got {}", show_event(event)),
            Activity::Ignored(event) => write!(f, "ignore stale {}", show_event(event)),
            Activity::Gap {
                selector,
                expected,
                previous,
            } => write!(
                f,
                "gap on {selector}: message after rv {previous}, last seen rv {expected}"
            ),
            Activity::Resynced { keys } => write!(f, "resync: {keys} keys"),
            Activity::Reconciled {
                key,
                writes: w,
                outcome,
            } => {
                write!(f, "reconcile {}", key.name())?;
                writes(f, w)?;
                match outcome {
                    Ok(()) => Ok(()),
                    Err(kind) => write!(f, " (failed: {kind}, requeued)"),
                }
            }
            Activity::Handled { key, writes: w } => {
                write!(f, "handle {}", key.name())?;
                writes(f, w)
            }
        }
    }
}

/// Lists `selector` at `at`, logging the list or why it failed. A list
/// older than a `NotOlderThan` read asked for is refused as
/// `future-revision`: handing it on would go back in time.
pub(crate) fn list_logged(
    store: &dyn Store,
    selector: &Selector,
    at: ReadAt,
    log: &mut dyn FnMut(Activity),
) -> Result<List, ErrorKind> {
    let listed = match (store.list(selector, at), at) {
        (Ok(list), ReadAt::NotOlderThan(floor)) if list.revision < floor => {
            Err(ErrorKind::FutureRevision)
        }
        (listed, _) => listed.map_err(|e| e.kind()),
    };
    log(match &listed {
        Ok(list) => Activity::Listed {
            selector: selector.clone(),
            revision: list.revision,
            objects: list.items.len(),
        },
        Err(error) => Activity::ListFailed {
            selector: selector.clone(),
            error: *error,
        },
    });
    listed
}

/// Opens a watch of `selector` from `from`, logging that it started or why
/// it did not.
pub(crate) fn open_watch(
    store: &dyn Store,
    selector: &Selector,
    from: Revision,
    log: &mut dyn FnMut(Activity),
) -> Result<Box<dyn crate::store::Watch>, ErrorKind> {
    let opened = store.watch(selector, from);
    log(match &opened {
        Ok(_) => Activity::Watching {
            selector: selector.clone(),
            from,
        },
        Err(err) => Activity::WatchEnded {
            selector: selector.clone(),
            error: err.kind(),
        },
    });
    opened.map_err(|e| e.kind())
}

/// An event in a trace: `ADDED Pod default/a@3`.
pub(crate) fn show_event(event: &Event) -> String {
    match event {
        Event::Added(o) => format!("ADDED {}@{}", o.key(), o.resource_version()),
        Event::Modified(o) => format!("MODIFIED {}@{}", o.key(), o.resource_version()),
        Event::Deleted(o) => format!("DELETED {}@{}", o.key(), o.resource_version()),
        Event::Bookmark(revision) => format!("BOOKMARK@{revision}"),
    }
}
