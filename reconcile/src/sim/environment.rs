//! The store's environment: the hook that makes a schedule's
//! [`Step::Environment`](super::Step::Environment) events happen.

use crate::store::Store;

/// What makes the events of the store's environment happen: faults that
/// only a real store has, such as a member of its cluster killed and
/// restarted, its leader killed, or a watch cancelled by the server.
///
/// The simulation knows events only by number: a schedule's
/// [`Step::Environment`](super::Step::Environment)`(which)` calls
/// [`event`](Environment::event) with `which`, and the hook decides what
/// it means for its store (the shape of the schedules says how many there
/// are: [`Shape::environment`](super::Shape::environment)). The world
/// settles after the event, and the run goes on with whatever the store
/// does then: writes that fail, watches that end, reads that are late.
///
/// Any `FnMut(u8, &dyn Store) -> String` is an environment.
///
/// # Examples
///
/// An environment whose one event compacts the store behind the actors'
/// backs, on a store in memory (a real one would kill a server):
///
/// ```
/// use std::sync::Arc;
/// use patchlaw_reconcile::sim::{Deployments, PodKeeper, Schedule, Step};
/// use patchlaw_reconcile::store::{MemoryStore, Store};
///
/// let mut compactions = 0;
/// let mut environment = |which: u8, store: &dyn Store| {
///     compactions += 1;
///     let revision = store.revision().unwrap_or_default();
///     match store.compact(revision) {
///         Ok(()) => format!("event {which}: compacted to rv {revision}"),
///         Err(err) => format!("event {which}: {err}"),
///     }
/// };
/// let schedule = Schedule::new(vec![Step::Write { writer: 0, choice: 0 }, Step::Environment(0)]);
/// let scenario = Deployments::new(PodKeeper::Level).scenario();
/// let run = scenario.trace_on(Arc::new(MemoryStore::new()), &schedule, &mut environment);
/// assert!(run.trace.unwrap().to_string().contains("environment  event 0: compacted to rv 1"));
/// assert_eq!(compactions, 1);
/// ```
pub trait Environment {
    /// Makes event `which` happen to `store`'s environment, and says what
    /// happened, for the trace.
    fn event(&mut self, which: u8, store: &dyn Store) -> String;
}

impl<F: FnMut(u8, &dyn Store) -> String> Environment for F {
    fn event(&mut self, which: u8, store: &dyn Store) -> String {
        self(which, store)
    }
}

/// The environment of a store that has none, such as a
/// [`MemoryStore`](crate::store::MemoryStore): every event leaves the store
/// as it is.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{Environment, NoEnvironment};
/// use patchlaw_reconcile::store::MemoryStore;
///
/// assert_eq!(NoEnvironment.event(1, &MemoryStore::new()), "event 1: no environment, nothing happens");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoEnvironment;

impl Environment for NoEnvironment {
    fn event(&mut self, which: u8, _: &dyn Store) -> String {
        format!("event {which}: no environment, nothing happens")
    }
}
