//! The faults, and what carries them out: links between the store and an
//! actor that carry watch messages with a latency and the faults aimed at
//! the actor, and the view of the store the actor is given (lagging reads,
//! a crash in the middle of its writes).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

use crate::error::{Error, ErrorKind};
use crate::object::{Key, Object, Revision, Selector};
use crate::runtime::show_event;
use crate::sim::scheduler::Patience;
use crate::store::{List, Patch, ReadAt, Store, Watch, WatchEvent};

/// A fault aimed at an actor (see the [module](super) docs).
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{Fault, FaultKind};
///
/// assert_eq!(Fault::Delay(5).kind(), FaultKind::Delay);
/// assert_eq!(Fault::Crash(0).to_string(), "crash");
/// assert_eq!(Fault::Crash(2).to_string(), "crash after 2 writes");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The next message to the actor is lost.
    Drop,
    /// The next message to the actor is delivered twice.
    Duplicate,
    /// The next message to the actor is delivered so many ticks late.
    Delay(u8),
    /// The next message to the actor is delivered after the one after it.
    Reorder,
    /// The actor's watches are closed.
    Disconnect,
    /// The actor's reads lag for so many ticks.
    Lag(u8),
    /// The actor crashes after so many more writes (0: now).
    Crash(u8),
}

impl Fault {
    /// The kind of fault.
    ///
    /// # Examples
    ///
    /// See [`Fault`].
    #[must_use]
    pub fn kind(self) -> FaultKind {
        match self {
            Fault::Drop => FaultKind::Drop,
            Fault::Duplicate => FaultKind::Duplicate,
            Fault::Delay(_) => FaultKind::Delay,
            Fault::Reorder => FaultKind::Reorder,
            Fault::Disconnect => FaultKind::Disconnect,
            Fault::Lag(_) => FaultKind::Lag,
            Fault::Crash(_) => FaultKind::Crash,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Drop => f.write_str("drop"),
            Fault::Duplicate => f.write_str("duplicate"),
            Fault::Delay(ticks) => write!(f, "delay {ticks}"),
            Fault::Reorder => f.write_str("reorder"),
            Fault::Disconnect => f.write_str("disconnect"),
            Fault::Lag(ticks) => write!(f, "lag {ticks}"),
            Fault::Crash(0) => f.write_str("crash"),
            Fault::Crash(writes) => write!(f, "crash after {writes} writes"),
        }
    }
}

/// The kinds of fault a [`FaultProfile`] can allow; `Compact` stands for
/// [`Step::Compact`](super::Step::Compact).
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::FaultKind;
///
/// assert_eq!(FaultKind::ALL.len(), 8);
/// assert_eq!(FaultKind::Lag.name(), "lag");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// [`Fault::Drop`].
    Drop,
    /// [`Fault::Duplicate`].
    Duplicate,
    /// [`Fault::Delay`].
    Delay,
    /// [`Fault::Reorder`].
    Reorder,
    /// [`Fault::Disconnect`].
    Disconnect,
    /// [`Step::Compact`](super::Step::Compact).
    Compact,
    /// [`Fault::Lag`].
    Lag,
    /// [`Fault::Crash`].
    Crash,
}

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 8] = [
        FaultKind::Drop,
        FaultKind::Duplicate,
        FaultKind::Delay,
        FaultKind::Reorder,
        FaultKind::Disconnect,
        FaultKind::Compact,
        FaultKind::Lag,
        FaultKind::Crash,
    ];

    /// The kind's name.
    ///
    /// # Examples
    ///
    /// See [`FaultKind`].
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            FaultKind::Drop => "drop",
            FaultKind::Duplicate => "duplicate",
            FaultKind::Delay => "delay",
            FaultKind::Reorder => "reorder",
            FaultKind::Disconnect => "disconnect",
            FaultKind::Compact => "compact",
            FaultKind::Lag => "lag",
            FaultKind::Crash => "crash",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The faults a schedule may hold.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{FaultKind, FaultProfile};
///
/// let events = FaultProfile::none().with(FaultKind::Drop).with(FaultKind::Reorder);
/// assert!(events.contains(FaultKind::Drop) && !events.contains(FaultKind::Crash));
/// assert!(!FaultProfile::all().without(FaultKind::Crash).contains(FaultKind::Crash));
/// assert_eq!(events.to_string(), "drop+reorder");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FaultProfile {
    bits: u8,
}

impl FaultProfile {
    /// No fault.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::sim::FaultProfile::none().to_string(), "none");
    /// ```
    #[must_use]
    pub const fn none() -> FaultProfile {
        FaultProfile { bits: 0 }
    }

    /// Every fault.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::sim::FaultProfile::all().to_string(), "all");
    /// ```
    #[must_use]
    pub const fn all() -> FaultProfile {
        FaultProfile { bits: u8::MAX }
    }

    /// The same, with `kind` allowed.
    ///
    /// # Examples
    ///
    /// See [`FaultProfile`].
    #[must_use]
    pub const fn with(self, kind: FaultKind) -> FaultProfile {
        FaultProfile {
            bits: self.bits | kind.bit(),
        }
    }

    /// The same, without `kind`.
    ///
    /// # Examples
    ///
    /// See [`FaultProfile`].
    #[must_use]
    pub const fn without(self, kind: FaultKind) -> FaultProfile {
        FaultProfile {
            bits: self.bits & !kind.bit(),
        }
    }

    /// Whether `kind` is allowed.
    ///
    /// # Examples
    ///
    /// See [`FaultProfile`].
    #[must_use]
    pub const fn contains(self, kind: FaultKind) -> bool {
        self.bits & kind.bit() != 0
    }
}

impl fmt::Display for FaultProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == FaultProfile::all() {
            return f.write_str("all");
        }
        let names: Vec<&str> = FaultKind::ALL
            .iter()
            .filter(|k| self.contains(**k))
            .map(|k| k.name())
            .collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join("+"))
        }
    }
}

/// The links of one actor, and the faults waiting for its next message.
#[derive(Default)]
pub(crate) struct Links {
    links: Vec<Link>,
    pub(crate) pending: VecDeque<Fault>,
    sequence: u64,
}

struct Link {
    source: Box<dyn Watch>,
    inbox: Arc<Mutex<Inbox>>,
    /// Messages on their way, by (due tick, sequence).
    in_flight: Vec<InFlight>,
    /// A message held back by [`Fault::Reorder`].
    held: Option<WatchEvent>,
    ended: bool,
}

struct InFlight {
    due: u64,
    sequence: u64,
    message: Result<WatchEvent, Error>,
}

/// What the actor's watch reads.
#[derive(Default)]
struct Inbox {
    messages: VecDeque<WatchEvent>,
    end: Option<Error>,
    /// The actor dropped its watch: the link can go.
    dropped: bool,
}

impl Links {
    /// A new link carrying `source`, and the watch the actor reads.
    fn open(&mut self, source: Box<dyn Watch>) -> SimWatch {
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        self.links.push(Link {
            source,
            inbox: Arc::clone(&inbox),
            in_flight: Vec::new(),
            held: None,
            ended: false,
        });
        SimWatch { inbox }
    }

    /// Asks every source for a bookmark.
    pub(crate) fn request_progress(&mut self) {
        for link in &mut self.links {
            link.source.request_progress();
        }
    }

    /// Asks every source that has not ended to catch up with `revision`,
    /// with the `patience` left. Returns how many did not; why goes to
    /// `notes`.
    pub(crate) fn catch_up(
        &mut self,
        revision: Revision,
        patience: &mut Patience,
        notes: &mut dyn FnMut(String),
    ) -> usize {
        let mut late = 0;
        for link in self.links.iter_mut().filter(|link| !link.ended) {
            match patience.catch_up(&mut *link.source, revision) {
                Ok(true) => {}
                Ok(false) => {
                    late += 1;
                    notes(format!(
                        "late: a watch has not caught up with rv {revision}"
                    ));
                }
                Err(err) => {
                    late += 1;
                    notes(format!(
                        "late: a watch cannot catch up with rv {revision} ({err})"
                    ));
                }
            }
        }
        late
    }

    /// Takes what the sources have sent onto the links, applying the
    /// faults waiting; each message is due `latency` ticks after `now`.
    /// Returns how many messages were sent; what the faults did goes to
    /// `notes`.
    pub(crate) fn pump(&mut self, now: u64, latency: u64, notes: &mut dyn FnMut(String)) -> usize {
        self.links.retain(|link| !lock(&link.inbox).dropped);
        let mut sent = 0;
        for index in 0..self.links.len() {
            while !self.links[index].ended {
                match self.links[index].source.next() {
                    Ok(Some(message)) => {
                        sent += 1;
                        self.send(index, message, now + latency, notes);
                    }
                    Ok(None) => break,
                    Err(err) => {
                        let due = now + latency;
                        let link = &mut self.links[index];
                        link.ended = true;
                        if let Some(held) = link.held.take() {
                            self.sequence += 1;
                            push(link, due, self.sequence, Ok(held));
                        }
                        self.sequence += 1;
                        push(&mut self.links[index], due, self.sequence, Err(err));
                    }
                }
            }
        }
        sent
    }

    fn send(&mut self, index: usize, message: WatchEvent, due: u64, notes: &mut dyn FnMut(String)) {
        let fault = self.pending.pop_front();
        let shown = show_event(&message.event);
        let mut next = || {
            self.sequence += 1;
            self.sequence
        };
        let link = &mut self.links[index];
        match fault {
            Some(Fault::Drop) => notes(format!("lost {shown}")),
            Some(Fault::Duplicate) => {
                notes(format!("duplicated {shown}"));
                let (first, second) = (next(), next());
                push(link, due, first, Ok(message.clone()));
                push(link, due, second, Ok(message));
            }
            Some(Fault::Delay(ticks)) => {
                notes(format!("delayed {shown} by {ticks} ticks"));
                push(link, due + u64::from(ticks), next(), Ok(message));
            }
            Some(Fault::Reorder) => {
                notes(format!("held back {shown}"));
                if let Some(held) = link.held.replace(message) {
                    push(link, due, next(), Ok(held));
                }
                return;
            }
            _ => push(link, due, next(), Ok(message)),
        }
        if let Some(held) = link.held.take() {
            push(link, due, next(), Ok(held));
        }
    }

    /// Hands the messages due at `now` to the actor's watches. Returns how
    /// many.
    pub(crate) fn deliver(&mut self, now: u64) -> usize {
        let mut delivered = 0;
        for link in &mut self.links {
            let due = link.in_flight.partition_point(|m| m.due <= now);
            let mut inbox = lock(&link.inbox);
            for item in link.in_flight.drain(..due) {
                match item.message {
                    Ok(message) => {
                        delivered += 1;
                        inbox.messages.push_back(message);
                    }
                    Err(err) => inbox.end = Some(err),
                }
            }
        }
        delivered
    }

    /// Closes every link: messages in flight are lost, the actor's watches
    /// end with `disconnected` once it has read what was delivered. Returns
    /// how many messages were lost.
    pub(crate) fn disconnect(&mut self) -> usize {
        let mut lost = 0;
        for link in self.links.drain(..) {
            lost += link.in_flight.len() + usize::from(link.held.is_some());
            let mut inbox = lock(&link.inbox);
            if inbox.end.is_none() {
                inbox.end = Some(Error::new(
                    ErrorKind::Disconnected,
                    "the connection was closed",
                ));
            }
        }
        lost
    }
}

fn push(link: &mut Link, due: u64, sequence: u64, message: Result<WatchEvent, Error>) {
    let at = link
        .in_flight
        .partition_point(|m| (m.due, m.sequence) <= (due, sequence));
    link.in_flight.insert(
        at,
        InFlight {
            due,
            sequence,
            message,
        },
    );
}

fn lock(inbox: &Mutex<Inbox>) -> std::sync::MutexGuard<'_, Inbox> {
    inbox.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The watch an actor reads: the end of a link.
struct SimWatch {
    inbox: Arc<Mutex<Inbox>>,
}

impl Watch for SimWatch {
    fn next(&mut self) -> Result<Option<WatchEvent>, Error> {
        let mut inbox = lock(&self.inbox);
        match (inbox.messages.pop_front(), &inbox.end) {
            (Some(message), _) => Ok(Some(message)),
            (None, Some(err)) => Err(err.clone()),
            (None, None) => Ok(None),
        }
    }

    /// The simulation asks for bookmarks on its own schedule.
    fn request_progress(&mut self) {}
}

impl Drop for SimWatch {
    fn drop(&mut self) {
        lock(&self.inbox).dropped = true;
    }
}

/// The store as one actor sees it during its step.
pub(crate) struct ActorStore<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) links: &'a RefCell<Links>,
    /// Reads are served at this revision (or the one asked for, if newer).
    pub(crate) lag: Option<Revision>,
    /// Writes left before the actor crashes.
    pub(crate) crash_budget: &'a Cell<Option<u8>>,
    pub(crate) crashed: &'a Cell<bool>,
    pub(crate) writes: &'a Cell<usize>,
}

impl ActorStore<'_> {
    fn alive(&self) -> Result<(), Error> {
        if self.crashed.get() {
            Err(Error::new(ErrorKind::Disconnected, "the actor crashed"))
        } else {
            Ok(())
        }
    }

    fn write<T>(&self, write: impl FnOnce(&dyn Store) -> Result<T, Error>) -> Result<T, Error> {
        self.alive()?;
        match self.crash_budget.get() {
            Some(0) => {
                self.crashed.set(true);
                return Err(Error::new(ErrorKind::Disconnected, "the actor crashed"));
            }
            Some(n) => self.crash_budget.set(Some(n - 1)),
            None => {}
        }
        self.writes.set(self.writes.get() + 1);
        write(self.store)
    }

    /// Where a read asking for `at` is served from.
    fn read_at(&self, at: ReadAt) -> Result<ReadAt, Error> {
        let Some(lag) = self.lag else {
            return Ok(at);
        };
        let floor = lag.max(self.store.compacted()?);
        Ok(match at {
            ReadAt::Latest => ReadAt::Exact(floor),
            ReadAt::NotOlderThan(r) if r <= self.store.revision()? => ReadAt::Exact(floor.max(r)),
            other => other,
        })
    }
}

impl Store for ActorStore<'_> {
    fn revision(&self) -> Result<Revision, Error> {
        self.alive()?;
        self.store.revision()
    }

    fn compacted(&self) -> Result<Revision, Error> {
        self.alive()?;
        self.store.compacted()
    }

    fn get(&self, key: &Key, at: ReadAt) -> Result<Option<Object>, Error> {
        self.alive()?;
        self.store.get(key, self.read_at(at)?)
    }

    fn list(&self, selector: &Selector, at: ReadAt) -> Result<List, Error> {
        self.alive()?;
        self.store.list(selector, self.read_at(at)?)
    }

    fn create(&self, object: Value) -> Result<Object, Error> {
        self.write(|store| store.create(object))
    }

    fn update(&self, object: Value) -> Result<Object, Error> {
        self.write(|store| store.update(object))
    }

    fn patch(&self, key: &Key, patch: &Patch) -> Result<Object, Error> {
        self.write(|store| store.patch(key, patch))
    }

    fn delete(&self, key: &Key, precondition: Option<Revision>) -> Result<Object, Error> {
        self.write(|store| store.delete(key, precondition))
    }

    fn watch(&self, selector: &Selector, from: Revision) -> Result<Box<dyn Watch>, Error> {
        self.alive()?;
        let source = self.store.watch(selector, from)?;
        Ok(Box::new(self.links.borrow_mut().open(source)))
    }

    fn compact(&self, revision: Revision) -> Result<(), Error> {
        self.alive()?;
        self.store.compact(revision)
    }
}
