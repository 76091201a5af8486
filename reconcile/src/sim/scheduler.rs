//! The scheduler: plays a schedule, then a quiet tail, over a scenario.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::faults::{ActorStore, Links};
use super::history::History;
use super::trace::{Trace, TraceLine};
use super::{Environment, Fault, NoEnvironment, Schedule, Shape, Step};
use crate::error::{Error, ErrorKind};
use crate::object::{Key, Revision};
use crate::runtime::{Activity, Consumer, Write};
use crate::store::{Event, MemoryStore, Store, Watch};

/// The desired state: `Ok`, or why the store is not in it.
type Desired = Box<dyn Fn(&dyn Store) -> Result<(), String>>;
/// A consumer, built anew at each start.
type Factory = Box<dyn Fn() -> Box<dyn Consumer>>;
/// The store's state in a few words.
type Summary = Box<dyn Fn(&dyn Store) -> String>;

/// What a simulation runs: writers, actors, the desired state.
///
/// # Examples
///
/// An autoscaler sets a ConfigMap's data; a controller copies it into
/// another ConfigMap. With messages lost, the level-triggered copier still
/// ends with the copy right.
///
/// ```
/// use patchlaw_reconcile::runtime::{Controller, ControllerOptions, Reconcile, Reconciler, View, Watches, Write};
/// use patchlaw_reconcile::sim::{Fault, Scenario, Schedule, Step};
/// use patchlaw_reconcile::store::{Patch, ReadAt};
/// use patchlaw_reconcile::{Error, Key, Selector};
/// use serde_json::json;
///
/// struct Copier;
/// impl Reconciler for Copier {
///     fn watches(&self) -> Watches { Watches::new(Selector::kind("ConfigMap")) }
///     fn reconcile(&mut self, key: &Key, view: &View<'_>) -> Result<Reconcile, Error> {
///         if key.name() != "source" { return Ok(Reconcile::done()) }
///         let data = view.get(key).map(|s| s.value()["data"].clone()).unwrap_or_default();
///         let copy = Key::new("ConfigMap", "default", "copy");
///         if view.get(&copy).map(|c| &c.value()["data"]) == Some(&data) { return Ok(Reconcile::done()) }
///         Ok(Reconcile::done().write(Write::Patch(copy, Patch::apply_as(json!({"apiVersion": "v1",
///             "kind": "ConfigMap", "metadata": {"name": "copy", "namespace": "default"}, "data": data}),
///             "copier/last-applied"))))
///     }
/// }
///
/// let source = |n: u32| Write::Patch(Key::new("ConfigMap", "default", "source"), Patch::apply(json!({
///     "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "source", "namespace": "default"},
///     "data": {"n": n.to_string()}})));
/// let scenario = Scenario::new(|store| {
///     let get = |name| store.get(&Key::new("ConfigMap", "default", name), ReadAt::Latest).ok().flatten();
///     match (get("source"), get("copy")) {
///         (Some(s), Some(c)) if s.value()["data"] == c.value()["data"] => Ok(()),
///         (None, _) => Ok(()),
///         _ => Err("the copy is not the source".to_owned()),
///     }
/// })
/// .writer("user", vec![("set 1".to_owned(), source(1)), ("set 2".to_owned(), source(2))])
/// .actor("copier", || Box::new(Controller::new(Copier, ControllerOptions::new())));
///
/// let schedule = Schedule::new(vec![
///     Step::Write { writer: 0, choice: 0 }, Step::Tick,
///     Step::Fault { actor: 0, fault: Fault::Drop },
///     Step::Write { writer: 0, choice: 1 }, Step::Tick,
/// ]);
/// let run = scenario.run(&schedule);
/// assert!(run.desired.is_ok());
/// assert!(run.converged_after.is_some());
/// ```
pub struct Scenario {
    writers: Vec<(String, Vec<(String, Write)>)>,
    actors: Vec<(String, Factory)>,
    desired: Desired,
    summary: Option<Summary>,
    options: SimOptions,
}

impl Scenario {
    /// A scenario whose desired state is `desired`: `Ok(())` when the
    /// store is in it, otherwise why not.
    ///
    /// # Examples
    ///
    /// See [`Scenario`].
    pub fn new(desired: impl Fn(&dyn Store) -> Result<(), String> + 'static) -> Scenario {
        Scenario {
            writers: Vec::new(),
            actors: Vec::new(),
            desired: Box::new(desired),
            summary: None,
            options: SimOptions::new(),
        }
    }

    /// Adds a writer named `name` that may make each of `writes`, each
    /// labelled for traces.
    ///
    /// # Examples
    ///
    /// See [`Scenario`].
    #[must_use]
    pub fn writer(mut self, name: impl Into<String>, writes: Vec<(String, Write)>) -> Scenario {
        self.writers.push((name.into(), writes));
        self
    }

    /// Adds an actor named `name`, built by `make` at the start and after
    /// each crash.
    ///
    /// # Examples
    ///
    /// See [`Scenario`].
    #[must_use]
    pub fn actor(
        mut self,
        name: impl Into<String>,
        make: impl Fn() -> Box<dyn Consumer> + 'static,
    ) -> Scenario {
        self.actors.push((name.into(), Box::new(make)));
        self
    }

    /// How traces show the store's state after each step (by default, the
    /// store's revision).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::Scenario;
    /// use patchlaw_reconcile::store::Store;
    ///
    /// let scenario = Scenario::new(|_| Ok(())).summary(|store| format!("rv {}", store.revision().unwrap_or_default()));
    /// # let _ = scenario;
    /// ```
    #[must_use]
    pub fn summary(mut self, summary: impl Fn(&dyn Store) -> String + 'static) -> Scenario {
        self.summary = Some(Box::new(summary));
        self
    }

    /// The simulation's options.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{Scenario, SimOptions};
    ///
    /// let scenario = Scenario::new(|_| Ok(())).options(SimOptions::new().tail(10));
    /// assert_eq!(scenario.get_options().get_tail(), 10);
    /// ```
    #[must_use]
    pub fn options(mut self, options: SimOptions) -> Scenario {
        self.options = options;
        self
    }

    /// See [`Scenario::options`].
    ///
    /// # Examples
    ///
    /// See [`Scenario::options`].
    #[must_use]
    pub fn get_options(&self) -> SimOptions {
        self.options
    }

    /// The shape of this scenario's schedules: its writers' writes and its
    /// actors, no fault yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{Scenario, Shape};
    ///
    /// assert_eq!(Scenario::new(|_| Ok(())).shape(), Shape::new(Vec::new(), 0));
    /// ```
    #[must_use]
    pub fn shape(&self) -> Shape {
        Shape::new(
            self.writers.iter().map(|(_, w)| w.len()).collect(),
            self.actors.len(),
        )
    }

    /// Whether the store is in the desired state.
    ///
    /// # Errors
    ///
    /// Why not.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::Scenario;
    /// use patchlaw_reconcile::store::MemoryStore;
    ///
    /// assert!(Scenario::new(|_| Ok(())).desired(&MemoryStore::new()).is_ok());
    /// ```
    pub fn desired(&self, store: &dyn Store) -> Result<(), String> {
        (self.desired)(store)
    }

    /// Plays `schedule`, then the quiet tail, on a new
    /// [`MemoryStore`], without environment events ([`NoEnvironment`]).
    ///
    /// # Examples
    ///
    /// See [`Scenario`].
    #[must_use]
    pub fn run(&self, schedule: &Schedule) -> Run {
        World::new(
            self,
            Arc::new(MemoryStore::new()),
            &mut NoEnvironment,
            false,
        )
        .play(schedule)
    }

    /// Plays `schedule` as [`run`](Scenario::run) does, keeping a trace.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{Scenario, Schedule, Step};
    ///
    /// let run = Scenario::new(|_| Ok(())).trace(&Schedule::new(vec![Step::Tick]));
    /// assert!(run.trace.is_some());
    /// ```
    #[must_use]
    pub fn trace(&self, schedule: &Schedule) -> Run {
        World::new(self, Arc::new(MemoryStore::new()), &mut NoEnvironment, true).play(schedule)
    }

    /// Plays `schedule`, then the quiet tail, on `store`, with
    /// `environment` making the schedule's environment events happen.
    ///
    /// The store need not be empty nor at revision 0, and may have been
    /// compacted before: the run starts from its state then. Nothing else
    /// should write to the keys the scenario reads. Its watches may
    /// deliver some time after a write returns (see the
    /// [settling](super#settling)), and its writes may fail with transport
    /// errors, which are recorded as any failed write is.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use patchlaw_reconcile::sim::{Deployments, NoEnvironment, PodKeeper, Schedule, Step};
    /// use patchlaw_reconcile::store::{MemoryStore, Store};
    /// use serde_json::json;
    ///
    /// // A store that other writes have taken to revision 2.
    /// let store = MemoryStore::new();
    /// for name in ["a", "b"] {
    ///     store.create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}))?;
    /// }
    /// let scenario = Deployments::new(PodKeeper::Level).scenario();
    /// let schedule = Schedule::new(vec![Step::Write { writer: 0, choice: 0 }]);
    /// let run = scenario.run_on(Arc::new(store), &schedule, &mut NoEnvironment);
    /// assert_eq!(run.start, patchlaw_reconcile::Revision::new(2));
    /// assert_eq!(run.writes[0].2.map(|r| r.get()), Ok(3));
    /// assert_eq!(run.converged_after, Some(1));
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    #[must_use]
    pub fn run_on(
        &self,
        store: Arc<dyn Store>,
        schedule: &Schedule,
        environment: &mut dyn Environment,
    ) -> Run {
        World::new(self, store, environment, false).play(schedule)
    }

    /// Plays `schedule` as [`run_on`](Scenario::run_on) does, keeping a
    /// trace.
    ///
    /// # Examples
    ///
    /// See [`Environment`].
    #[must_use]
    pub fn trace_on(
        &self,
        store: Arc<dyn Store>,
        schedule: &Schedule,
        environment: &mut dyn Environment,
    ) -> Run {
        World::new(self, store, environment, true).play(schedule)
    }
}

/// The simulation's options: the latency of watch messages, how often the
/// store sends bookmarks, how long a crashed actor stays down, how many
/// quiet ticks follow the schedule, whether to check the cache
/// invariants at every step, and how long to wait for a store's watches
/// when the world settles. Every duration but the last is in ticks; a
/// tick is one second of the runtime's clock.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::sim::SimOptions;
///
/// let o = SimOptions::new().latency(2).bookmark_every(8).restart_after(3).tail(40).check_invariants(true);
/// assert_eq!((o.get_latency(), o.get_bookmark_every(), o.get_restart_after(), o.get_tail()), (2, 8, 3, 40));
/// assert!(o.get_check_invariants());
/// assert_eq!(o.settle_timeout(Duration::from_secs(1)).get_settle_timeout(), Duration::from_secs(1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimOptions {
    latency: u64,
    bookmark_every: u64,
    restart_after: u64,
    tail: u64,
    check_invariants: bool,
    settle_timeout: Duration,
}

impl SimOptions {
    /// Latency 1, a bookmark every 4 ticks, restarts after 2, a tail of 60,
    /// no invariant checks, watches waited for 5 seconds when settling.
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn new() -> SimOptions {
        SimOptions {
            latency: 1,
            bookmark_every: 4,
            restart_after: 2,
            tail: 60,
            check_invariants: false,
            settle_timeout: Duration::from_secs(5),
        }
    }

    /// Ticks between a message's sending and its delivery (at least 1).
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn latency(self, ticks: u64) -> SimOptions {
        SimOptions {
            latency: if ticks == 0 { 1 } else { ticks },
            ..self
        }
    }

    /// Ticks between bookmark requests (at least 1).
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn bookmark_every(self, ticks: u64) -> SimOptions {
        SimOptions {
            bookmark_every: if ticks == 0 { 1 } else { ticks },
            ..self
        }
    }

    /// Ticks a crashed actor stays down.
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn restart_after(self, ticks: u64) -> SimOptions {
        SimOptions {
            restart_after: ticks,
            ..self
        }
    }

    /// Quiet ticks after the schedule.
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn tail(self, ticks: u64) -> SimOptions {
        SimOptions {
            tail: ticks,
            ..self
        }
    }

    /// Check, after every actor step, that each cache's revision and its
    /// objects' revisions never go down, and that each synced cache equals
    /// the store at the cache's revision ([`Run::violations`]).
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn check_invariants(self, check: bool) -> SimOptions {
        SimOptions {
            check_invariants: check,
            ..self
        }
    }

    /// The longest the world waits, each time it settles, for the
    /// watches it holds to catch up with the store (see the
    /// [settling](super#settling)); a watch that has not by then is late.
    /// A store in the same process never makes it wait.
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn settle_timeout(self, timeout: Duration) -> SimOptions {
        SimOptions {
            settle_timeout: timeout,
            ..self
        }
    }

    /// See [`SimOptions::latency`].
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn get_latency(&self) -> u64 {
        self.latency
    }

    /// See [`SimOptions::bookmark_every`].
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn get_bookmark_every(&self) -> u64 {
        self.bookmark_every
    }

    /// See [`SimOptions::restart_after`].
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn get_restart_after(&self) -> u64 {
        self.restart_after
    }

    /// See [`SimOptions::tail`].
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn get_tail(&self) -> u64 {
        self.tail
    }

    /// See [`SimOptions::check_invariants`].
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn get_check_invariants(&self) -> bool {
        self.check_invariants
    }

    /// See [`SimOptions::settle_timeout`].
    ///
    /// # Examples
    ///
    /// See [`SimOptions`].
    #[must_use]
    pub const fn get_settle_timeout(&self) -> Duration {
        self.settle_timeout
    }
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions::new()
    }
}

/// The outcome of a run.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{Scenario, Schedule};
///
/// let run = Scenario::new(|_| Ok(())).run(&Schedule::default());
/// assert_eq!(run.converged_after, Some(0));
/// assert!(run.violations.is_empty());
/// assert_eq!((run.late, run.unchecked), (0, 0));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Run {
    /// The tick of the quiet tail from which the store was in the desired
    /// state at every tick to the end (0: already at the end of the
    /// schedule); `None` when it was not at the end.
    pub converged_after: Option<u64>,
    /// Whether the store was in the desired state at the end, or why not.
    pub desired: Result<(), String>,
    /// The invariants broken, when [`SimOptions::check_invariants`] is on.
    pub violations: Vec<Broken>,
    /// The trace, for [`Scenario::trace`] and [`Scenario::trace_on`].
    pub trace: Option<Trace>,
    /// The store's revision at the start.
    pub start: Revision,
    /// The store's revision at the end: on a store that starts at 0 and
    /// that only the run writes to, how many writes were made.
    pub revision: Revision,
    /// How many watch messages the actors were handed.
    pub delivered: usize,
    /// How many writes the actors made.
    pub actor_writes: usize,
    /// The writers' writes, in order: writer, write, and the revision
    /// written or why the write failed.
    pub writes: Vec<(usize, usize, Result<Revision, ErrorKind>)>,
    /// How many times a watch (an actor's, or the history's of
    /// [`SimOptions::check_invariants`]) had not caught up with the store
    /// when the world settled: always 0 on a store in the same process.
    pub late: usize,
    /// How many times the watch of the history of
    /// [`SimOptions::check_invariants`] ended and was opened again (or the
    /// store listed again, when compacted past it).
    pub history_breaks: usize,
    /// How many checks of [`Invariant::CacheIsStore`] were skipped because
    /// the history did not know the store's state at the cache's revision
    /// (it lagged, or a compaction made it skip revisions): always 0 on a
    /// store in the same process.
    pub unchecked: usize,
    /// The store at the end.
    pub store: Arc<dyn Store>,
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run")
            .field("converged_after", &self.converged_after)
            .field("desired", &self.desired)
            .field("violations", &self.violations)
            .field("trace", &self.trace)
            .field("start", &self.start)
            .field("revision", &self.revision)
            .field("delivered", &self.delivered)
            .field("actor_writes", &self.actor_writes)
            .field("writes", &self.writes)
            .field("late", &self.late)
            .field("history_breaks", &self.history_breaks)
            .field("unchecked", &self.unchecked)
            .finish_non_exhaustive()
    }
}

/// An invariant the simulation checks at every step with
/// [`SimOptions::check_invariants`].
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::Invariant;
///
/// assert_ne!(Invariant::NoTimeTravel, Invariant::CacheIsStore);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Invariant {
    /// Within one incarnation of an actor, the revision of each of its
    /// informers' caches never goes down, nor the revision of any object a
    /// cache holds.
    NoTimeTravel,
    /// Each synced cache holds exactly what the store held, in the cache's
    /// selection, at the cache's revision.
    CacheIsStore,
}

/// An invariant broken in a run: which, and where and how.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{Broken, Invariant};
///
/// let b = Broken { invariant: Invariant::CacheIsStore, detail: "step 3, controller: …".to_owned() };
/// assert_eq!(b.to_string(), "CacheIsStore: step 3, controller: …");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The invariant.
    pub invariant: Invariant,
    /// Where and how.
    pub detail: String,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.invariant, self.detail)
    }
}

/// The state of one run.
struct World<'s, 'e> {
    scenario: &'s Scenario,
    options: SimOptions,
    store: Arc<dyn Store>,
    environment: &'e mut dyn Environment,
    start: Revision,
    now: u64,
    actors: Vec<ActorState>,
    history: Option<History>,
    trace: Option<Vec<TraceLine>>,
    /// The step being played: its number in the schedule, or `None` in the
    /// tail.
    step: Option<usize>,
    violations: Vec<Broken>,
    delivered: usize,
    writes: Vec<(usize, usize, Result<Revision, ErrorKind>)>,
    late: usize,
    /// A watch was late at the last settling, or the store could not say
    /// its revision.
    unsettled: bool,
    unchecked: usize,
}

struct ActorState {
    consumer: Option<Box<dyn Consumer>>,
    links: RefCell<Links>,
    restart_at: Option<u64>,
    lag: Option<(Revision, u64)>,
    crash_budget: Cell<Option<u8>>,
    crashed: Cell<bool>,
    writes: Cell<usize>,
    /// For each informer: the revisions its cache has shown.
    seen: Vec<Seen>,
}

#[derive(Default)]
struct Seen {
    revision: Revision,
    objects: BTreeMap<Key, Revision>,
}

/// Who the history's lines of a trace are from.
const HISTORY: &str = "history";

impl<'s, 'e> World<'s, 'e> {
    fn new(
        scenario: &'s Scenario,
        store: Arc<dyn Store>,
        environment: &'e mut dyn Environment,
        tracing: bool,
    ) -> World<'s, 'e> {
        let options = scenario.options;
        let mut world = World {
            scenario,
            options,
            store,
            environment,
            start: Revision::ZERO,
            now: 0,
            actors: scenario
                .actors
                .iter()
                .map(|_| ActorState {
                    consumer: None,
                    links: RefCell::new(Links::default()),
                    restart_at: Some(0),
                    lag: None,
                    crash_budget: Cell::new(None),
                    crashed: Cell::new(false),
                    writes: Cell::new(0),
                    seen: Vec::new(),
                })
                .collect(),
            history: None,
            trace: tracing.then(Vec::new),
            step: Some(0),
            violations: Vec::new(),
            delivered: 0,
            writes: Vec::new(),
            late: 0,
            unsettled: false,
            unchecked: 0,
        };
        match world.store.revision() {
            Ok(revision) => world.start = revision,
            Err(err) => world.note("store", format!("cannot read the revision ({err})")),
        }
        if options.check_invariants {
            let mut notes = Vec::new();
            let history = History::new(&*world.store, &mut |note| notes.push(note));
            world.start = history.start().unwrap_or(world.start);
            world.history = Some(history);
            for note in notes {
                world.note(HISTORY, note);
            }
        }
        world
    }

    fn play(mut self, schedule: &Schedule) -> Run {
        self.step_actors();
        self.close_step();
        for (index, step) in schedule.steps().iter().enumerate() {
            self.step = Some(index + 1);
            self.apply(*step);
            self.close_step();
        }
        self.step = None;
        // Faults stop: those waiting for a message or a write are dropped;
        // a lag runs its course.
        for actor in &self.actors {
            actor.links.borrow_mut().pending.clear();
            actor.crash_budget.set(None);
        }
        let mut since = self.scenario.desired(&*self.store).is_ok().then_some(0);
        for tick in 1..=self.options.tail {
            self.tick();
            self.close_step();
            match (self.scenario.desired(&*self.store), since) {
                (Ok(()), None) => since = Some(tick),
                (Err(_), _) => since = None,
                _ => {}
            }
        }
        let desired = self.scenario.desired(&*self.store);
        let trace = self.trace.take().map(|lines| Trace {
            lines,
            outcome: match (&desired, since) {
                (Ok(()), Some(0)) => "desired when the schedule ends, and to the end".to_owned(),
                (Ok(()), Some(t)) => format!("desired from quiet tick {t} to the end"),
                (Ok(()), None) => "desired at the end".to_owned(),
                (Err(why), _) => {
                    format!("NOT desired after {} quiet ticks: {why}", self.options.tail)
                }
            },
        });
        Run {
            converged_after: since,
            desired,
            violations: self.violations,
            trace,
            start: self.start,
            revision: self.store.revision().unwrap_or_default(),
            delivered: self.delivered,
            actor_writes: self.actors.iter().map(|a| a.writes.get()).sum(),
            writes: self.writes,
            late: self.late,
            history_breaks: self.history.as_ref().map_or(0, |h| h.breaks),
            unchecked: self.unchecked,
            store: self.store,
        }
    }

    fn apply(&mut self, step: Step) {
        match step {
            Step::Tick => self.tick(),
            Step::Write { writer, choice } => {
                let Some((name, writes)) = self.scenario.writers.get(writer) else {
                    return;
                };
                let Some((label, write)) = writes.get(choice) else {
                    return;
                };
                // A transport error is recorded as any refusal is: the
                // write may or may not have been made.
                let result = write
                    .send(&*self.store)
                    .map(|o| o.resource_version())
                    .map_err(|e| e.kind());
                self.writes.push((writer, choice, result));
                let shown = match result {
                    Ok(revision) => format!("{label} → rv {revision}"),
                    Err(kind) => format!("{label} → {kind}"),
                };
                self.note(name, shown);
                self.pump();
            }
            Step::Fault { actor, fault } => {
                let Some(state) = self.actors.get_mut(actor) else {
                    return;
                };
                let note = match fault {
                    Fault::Drop | Fault::Duplicate | Fault::Delay(_) | Fault::Reorder => {
                        state.links.borrow_mut().pending.push_back(fault);
                        format!("fault: {fault} its next message")
                    }
                    Fault::Disconnect => {
                        let lost = state.links.borrow_mut().disconnect();
                        format!("fault: disconnect ({lost} messages in flight lost)")
                    }
                    Fault::Lag(ticks) => match self.store.revision() {
                        Ok(at) => {
                            state.lag = Some((at, self.now + u64::from(ticks)));
                            format!("fault: reads lag at rv {at} for {ticks} ticks")
                        }
                        Err(err) => format!("fault: no lag, the revision is unknown ({err})"),
                    },
                    Fault::Crash(0) => {
                        self.crash(actor);
                        "fault: crash".to_owned()
                    }
                    Fault::Crash(writes) => {
                        state.crash_budget.set(Some(writes));
                        format!("fault: crash after {writes} more writes")
                    }
                };
                let name = self.scenario.actors[actor].0.clone();
                self.note(&name, note);
            }
            Step::Compact => {
                let note = match self.store.revision() {
                    Ok(revision) => match self.store.compact(revision) {
                        Ok(()) => format!("compact to rv {revision}"),
                        Err(err) => format!("compact to rv {revision} → {err}"),
                    },
                    Err(err) => format!("no compaction, the revision is unknown ({err})"),
                };
                self.note("store", note);
                self.pump();
            }
            Step::Environment(which) => {
                let note = self.environment.event(which, &*self.store);
                self.note("environment", note);
                self.pump();
            }
        }
    }

    /// One tick: what late watches received meanwhile, bookmarks when
    /// due, then each actor in turn: its restart, its deliveries, its step.
    fn tick(&mut self) {
        self.now += 1;
        // Unless a watch was late, the last settling took everything the
        // run made the store send.
        if self.unsettled {
            self.pump();
        }
        if self.now % self.options.bookmark_every == 0 {
            for actor in &self.actors {
                actor.links.borrow_mut().request_progress();
            }
            self.pump();
        }
        self.step_actors();
        for actor in &mut self.actors {
            if actor.lag.is_some_and(|(_, until)| until <= self.now) {
                actor.lag = None;
            }
        }
    }

    fn step_actors(&mut self) {
        for index in 0..self.actors.len() {
            let name = self.scenario.actors[index].0.clone();
            if self.actors[index]
                .restart_at
                .is_some_and(|at| at <= self.now)
            {
                let restarted = self.actors[index].consumer.is_none() && self.now > 0;
                self.actors[index].restart_at = None;
                self.actors[index].consumer = Some((self.scenario.actors[index].1)());
                if restarted {
                    self.note(&name, "restart".to_owned());
                }
            }
            let actor = &mut self.actors[index];
            self.delivered += actor.links.get_mut().deliver(self.now);
            let Some(consumer) = actor.consumer.as_mut() else {
                continue;
            };
            let view = ActorStore {
                store: &*self.store,
                links: &actor.links,
                lag: actor.lag.map(|(at, _)| at),
                crash_budget: &actor.crash_budget,
                crashed: &actor.crashed,
                writes: &actor.writes,
            };
            let mut activities = Vec::new();
            let tracing = self.trace.is_some();
            consumer.step(&view, Duration::from_secs(self.now), &mut |activity| {
                if tracing && shown(&activity) {
                    activities.push(activity.to_string());
                }
            });
            for activity in activities {
                self.note(&name, activity);
            }
            if self.actors[index].crashed.get() {
                self.crash(index);
                self.note(&name, "crashed in the middle of its writes".to_owned());
            }
            self.pump();
            if self.options.check_invariants {
                self.check(index);
            }
        }
    }

    fn crash(&mut self, index: usize) {
        let actor = &mut self.actors[index];
        actor.consumer = None;
        actor.links = RefCell::new(Links::default());
        actor.crash_budget.set(None);
        actor.crashed.set(false);
        actor.restart_at = Some(self.now + self.options.restart_after);
        actor.seen.clear();
    }

    /// Settles, then moves what the store has sent onto the links, and
    /// into the history.
    fn pump(&mut self) {
        self.settle();
        let mut notes = Vec::new();
        if let Some(history) = &mut self.history {
            history.pump(&*self.store, &mut |note| notes.push((None, note)));
        }
        for (index, actor) in self.actors.iter().enumerate() {
            actor
                .links
                .borrow_mut()
                .pump(self.now, self.options.latency, &mut |note| {
                    notes.push((Some(index), note));
                });
        }
        self.note_all(notes);
    }

    /// Waits until every watch held has caught up with the store's
    /// revision, [`SimOptions::settle_timeout`] at most; the watches that
    /// have not are late.
    fn settle(&mut self) {
        let revision = match self.store.revision() {
            Ok(revision) => revision,
            Err(err) => {
                self.unsettled = true;
                self.note(
                    "store",
                    format!("not settled: the revision is unknown ({err})"),
                );
                return;
            }
        };
        let late = self.late;
        let mut patience = Patience::new(self.options.settle_timeout);
        let mut notes = Vec::new();
        if let Some(history) = &mut self.history {
            let note = match history.catch_up(revision, &mut patience) {
                Ok(None | Some(true)) => None,
                Ok(Some(false)) => Some(format!("late: not caught up with rv {revision}")),
                Err(err) => Some(format!("late: cannot catch up with rv {revision} ({err})")),
            };
            if let Some(note) = note {
                self.late += 1;
                notes.push((None, note));
            }
        }
        for (index, actor) in self.actors.iter().enumerate() {
            self.late += actor
                .links
                .borrow_mut()
                .catch_up(revision, &mut patience, &mut |note| {
                    notes.push((Some(index), note))
                });
        }
        self.unsettled = self.late > late;
        self.note_all(notes);
    }

    /// Notes from the history (`None`) or an actor, by index.
    fn note_all(&mut self, notes: Vec<(Option<usize>, String)>) {
        for (index, note) in notes {
            let name = match index {
                Some(index) => self.scenario.actors[index].0.clone(),
                None => HISTORY.to_owned(),
            };
            self.note(&name, note);
        }
    }

    /// The cache invariants, after actor `index`'s step.
    fn check(&mut self, index: usize) {
        let Some(history) = &self.history else { return };
        let actor = &mut self.actors[index];
        let Some(consumer) = &actor.consumer else {
            return;
        };
        let name = &self.scenario.actors[index].0;
        let at = match self.step {
            Some(step) => format!("step {step}"),
            None => format!("quiet tick {}", self.now),
        };
        let mut unknown = Vec::new();
        for (i, informer) in consumer.informers().iter().enumerate() {
            if actor.seen.len() <= i {
                actor.seen.push(Seen::default());
            }
            let seen = &mut actor.seen[i];
            let cache = informer.cache();
            if cache.revision() < seen.revision {
                self.violations.push(Broken {
                    invariant: Invariant::NoTimeTravel,
                    detail: format!(
                        "{at}, {name}: the cache of {} went back from rv {} to rv {}",
                        cache.selector(),
                        seen.revision,
                        cache.revision()
                    ),
                });
            }
            seen.revision = seen.revision.max(cache.revision());
            for object in cache.iter() {
                let before = seen.objects.entry(object.key().clone()).or_default();
                if object.resource_version() < *before {
                    self.violations.push(Broken {
                        invariant: Invariant::NoTimeTravel,
                        detail: format!(
                            "{at}, {name}: {} went back from rv {} to rv {}",
                            object.key(),
                            before,
                            object.resource_version()
                        ),
                    });
                }
                *before = (*before).max(object.resource_version());
            }
            if !cache.has_synced() {
                continue;
            }
            // A history that lagged or skipped revisions cannot say what
            // the store held: no check rather than a false violation.
            if !history.knows(cache.revision()) {
                self.unchecked += 1;
                unknown.push(format!(
                    "the cache of {} at rv {} not checked: the history does not know that state",
                    cache.selector(),
                    cache.revision()
                ));
                continue;
            }
            let expected = history.state_at(cache.selector(), cache.revision());
            let cached: Vec<(&Key, Revision)> = cache
                .iter()
                .map(|o| (o.key(), o.resource_version()))
                .collect();
            let expected: Vec<(&Key, Revision)> = expected.iter().map(|(k, r)| (*k, *r)).collect();
            if cached != expected {
                self.violations.push(Broken {
                    invariant: Invariant::CacheIsStore,
                    detail: format!(
                        "{at}, {name}: the cache of {} at rv {} holds {:?}, the store then held {:?}",
                        cache.selector(),
                        cache.revision(),
                        cached,
                        expected
                    ),
                });
            }
        }
        self.note_all(unknown.into_iter().map(|n| (Some(index), n)).collect());
    }

    fn note(&mut self, actor: &str, event: String) {
        if let Some(lines) = &mut self.trace {
            lines.push(TraceLine {
                step: self.step,
                tick: self.now,
                actor: actor.to_owned(),
                event,
                state: String::new(),
            });
        }
    }

    /// Puts the state after the step on its last line.
    fn close_step(&mut self) {
        let Some(lines) = &mut self.trace else { return };
        let Some(last) = lines.last_mut() else { return };
        if last.step != self.step || last.tick != self.now || !last.state.is_empty() {
            return;
        }
        last.state = match &self.scenario.summary {
            Some(summary) => summary(&*self.store),
            None => format!("rv {}", self.store.revision().unwrap_or_default()),
        };
    }
}

/// The time one settling may still wait for the watches: the clock is
/// read only once a watch is not caught up at once (never on a store in
/// the same process).
pub(crate) struct Patience {
    timeout: Duration,
    deadline: Option<Instant>,
}

impl Patience {
    pub(crate) fn new(timeout: Duration) -> Patience {
        Patience {
            timeout,
            deadline: None,
        }
    }

    /// Asks `watch` to catch up with `revision`: first without waiting,
    /// then with the time left.
    pub(crate) fn catch_up(
        &mut self,
        watch: &mut dyn Watch,
        revision: Revision,
    ) -> Result<bool, Error> {
        if watch.catch_up(revision, Duration::ZERO)? {
            return Ok(true);
        }
        let deadline = *self
            .deadline
            .get_or_insert_with(|| Instant::now() + self.timeout);
        watch.catch_up(revision, deadline.saturating_duration_since(Instant::now()))
    }
}

/// Whether an activity belongs in a trace: everything but reconciles that
/// found nothing to do, bookmarks taken in and periodic resyncs.
fn shown(activity: &Activity) -> bool {
    !matches!(activity, Activity::Reconciled { writes, outcome: Ok(()), .. } if writes.is_empty())
        && !matches!(
            activity,
            Activity::Received(Event::Bookmark(_)) | Activity::Resynced { .. }
        )
}
