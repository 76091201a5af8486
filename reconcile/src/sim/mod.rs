//! A deterministic simulation of writers, consumers and faults around a
//! [`Store`](crate::store::Store), whose failing schedules shrink to a
//! minimal readable trace.
//!
//! A [`Scenario`] names the writers (each with the writes it may make:
//! users applying with kubectl's annotation, an autoscaler, a controller
//! applying with its own annotation, …), the actors (consumers built by a
//! factory, so that a crash can lose their memory), and the desired state.
//! A [`Schedule`] is a list of [`Step`]s: a tick of the clock (messages due
//! are delivered, every actor steps), a write, a fault, a compaction, an
//! event of the store's environment. A run plays the schedule, then a
//! quiet tail of ticks without writes or faults, and reports when the
//! store reached the desired state for good ([`Run::converged_after`]).
//!
//! [`Scenario::run`] plays on a new [`MemoryStore`](crate::store::MemoryStore);
//! [`Scenario::run_on`] on any store, such as one over etcd.
//!
//! # The fault model
//!
//! Each actor reads its watches through a link that delivers a message
//! [`SimOptions::latency`] ticks after the store sent it. A [`Fault`] aimed
//! at an actor waits for the next message on one of its links, and then:
//! - [`Fault::Drop`]: the message is lost;
//! - [`Fault::Duplicate`]: it is delivered twice;
//! - [`Fault::Delay`]: it is delivered so many ticks late (messages sent
//!   after it overtake it);
//! - [`Fault::Reorder`]: it is held back and delivered after the next one.
//!
//! The other faults act at once: [`Fault::Disconnect`] closes the actor's
//! watches (messages in flight are lost; the actor sees `disconnected`);
//! [`Fault::Lag`] serves the actor's reads from the state the store had
//! when the fault came, for so many ticks (an API server cache that lags:
//! a read "not older than" a revision still gets at least that revision);
//! [`Fault::Crash`] stops the actor after it has made so many more writes
//! (0: at once), losing its memory, and starts a new one from its factory
//! [`SimOptions::restart_after`] ticks later. [`Step::Compact`] compacts
//! the store to its current revision.
//!
//! Every [`SimOptions::bookmark_every`] ticks the store is asked for a
//! bookmark on every watch (etcd's progress notifications), so that a
//! consumer that checks the chain of revisions learns of a loss even when
//! nothing else happens.
//!
//! [`Step::Environment`] is a fault of the store's own environment that
//! only a real store has (a member killed and restarted, the leader
//! killed, a watch cancelled by the server): the [`Environment`] given to
//! [`Scenario::run_on`] makes it happen, and the run goes on with whatever
//! the store does then (writes that fail, watches that end).
//!
//! # Settling
//!
//! A store in the same process delivers a change to its watches before the
//! write returns; a store over the network, some time after. So that a run
//! sees the same messages in the same order on either, the world *settles*
//! before it takes what the store has sent (after a write, a compaction, an
//! environment event and each actor's step, and at each tick before the
//! deliveries when a watch was late at the last settling): it asks every
//! watch it holds to [catch up](crate::store::Watch::catch_up) with the
//! store's revision, waiting at most [`SimOptions::settle_timeout`] in all.
//! A watch that does not is *late*: the trace says so, [`Run::late`] counts
//! it, and its messages go on their way when they come.
//!
//! # Determinism
//!
//! A run depends only on the scenario, the schedule and the store: on a
//! [`MemoryStore`](crate::store::MemoryStore), no clock, no thread, no hash
//! order. Schedules come from proptest strategies ([`schedules`]); the same
//! seed gives the same schedules, and a failing schedule shrinks to a
//! minimal one. On a networked store a run is the same as on memory as
//! long as no watch is late and nothing else writes to the store's keys.

use std::fmt;

use proptest::prelude::*;

mod deployments;
mod environment;
mod faults;
mod history;
mod scheduler;
mod testbed;
mod trace;

pub use deployments::{DeploymentWrite, Deployments, FailureMode, PodKeeper};
pub use environment::{Environment, NoEnvironment};
pub use faults::{Fault, FaultKind, FaultProfile};
pub use scheduler::{Broken, Invariant, Run, Scenario, SimOptions};
pub use testbed::{Failure, StoreFactory, Survey, TestBed};
pub use trace::{Trace, TraceLine};

/// One step of a [`Schedule`].
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{Fault, Step};
///
/// let steps = [Step::Write { writer: 0, choice: 1 }, Step::Fault { actor: 0, fault: Fault::Drop },
///     Step::Tick, Step::Environment(2)];
/// assert_eq!(format!("{steps:?}"), "[w0.1, drop@0, tick, env2]");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The clock moves one tick: messages due are delivered, and each actor
    /// steps, in order.
    Tick,
    /// A writer makes one of its writes.
    Write {
        /// The writer, by index in the scenario.
        writer: usize,
        /// The write, by index in the writer's list.
        choice: usize,
    },
    /// A fault aimed at an actor.
    Fault {
        /// The actor, by index in the scenario.
        actor: usize,
        /// The fault.
        fault: Fault,
    },
    /// The store is compacted to its current revision.
    Compact,
    /// Event `which` of the store's environment, made to happen by the
    /// run's [`Environment`] (nothing happens without one).
    Environment(u8),
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Tick => f.write_str("tick"),
            Step::Write { writer, choice } => write!(f, "w{writer}.{choice}"),
            Step::Fault { actor, fault } => write!(f, "{fault}@{actor}"),
            Step::Compact => f.write_str("compact"),
            Step::Environment(which) => write!(f, "env{which}"),
        }
    }
}

/// A list of steps to play. Its `Debug` form is one step per item:
/// `tick`, `w<writer>.<choice>`, `<fault>@<actor>`, `compact`, `env<which>`.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{Schedule, Step};
///
/// let s = Schedule::new(vec![Step::Write { writer: 0, choice: 0 }, Step::Tick]);
/// assert_eq!(s.len(), 2);
/// assert_eq!(format!("{s:?}"), "[w0.0, tick]");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    steps: Vec<Step>,
}

impl Schedule {
    /// A schedule of `steps`.
    ///
    /// # Examples
    ///
    /// See [`Schedule`].
    #[must_use]
    pub fn new(steps: Vec<Step>) -> Schedule {
        Schedule { steps }
    }

    /// The steps.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{Schedule, Step};
    ///
    /// assert_eq!(Schedule::new(vec![Step::Tick]).steps(), [Step::Tick]);
    /// ```
    #[must_use]
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// How many steps.
    ///
    /// # Examples
    ///
    /// See [`Schedule`].
    #[must_use]
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether there is no step.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw_reconcile::sim::Schedule::default().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.steps).finish()
    }
}

/// What the schedules of a scenario may hold: how many writes each writer
/// has, how many actors there are, which faults, how many events of the
/// store's environment, how long, and the parameters of the faults.
/// [`Scenario::shape`] gives the first two.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{FaultProfile, Shape};
///
/// let shape = Shape::new(vec![3, 2], 1).faults(FaultProfile::all()).max_steps(12);
/// assert_eq!(shape.get_max_steps(), 12);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    writers: Vec<usize>,
    actors: usize,
    faults: FaultProfile,
    max_steps: usize,
    max_delay: u8,
    max_lag: u8,
    max_crash_writes: u8,
    environment: u8,
}

impl Shape {
    /// Schedules for writers with `writers[i]` writes each and `actors`
    /// actors: no fault, no environment event, at most 30 steps, delays up
    /// to 40 ticks, lags up to 6, crashes after up to 3 writes.
    ///
    /// # Examples
    ///
    /// See [`Shape`].
    #[must_use]
    pub fn new(writers: Vec<usize>, actors: usize) -> Shape {
        Shape {
            writers,
            actors,
            faults: FaultProfile::none(),
            max_steps: 30,
            max_delay: 40,
            max_lag: 6,
            max_crash_writes: 3,
            environment: 0,
        }
    }

    /// The environment events allowed: [`Step::Environment`]`(which)` for
    /// `which` below `events` (0, the default: none, and the strategy has
    /// no arm for them, so that the schedules of a seed are those of the
    /// other steps alone).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{schedules, Shape, Step};
    /// use proptest::strategy::{Strategy, ValueTree};
    /// use proptest::test_runner::TestRunner;
    ///
    /// let shape = Shape::new(vec![2], 1).environment(3);
    /// assert_eq!(shape.get_environment(), 3);
    /// let mut runner = TestRunner::deterministic();
    /// let events: Vec<u8> = (0..20)
    ///     .flat_map(|_| schedules(&shape).new_tree(&mut runner).unwrap().current().steps().to_vec())
    ///     .filter_map(|step| match step { Step::Environment(which) => Some(which), _ => None })
    ///     .collect();
    /// assert!(!events.is_empty() && events.iter().all(|which| *which < 3));
    /// ```
    #[must_use]
    pub fn environment(self, events: u8) -> Shape {
        Shape {
            environment: events,
            ..self
        }
    }

    /// The faults allowed.
    ///
    /// # Examples
    ///
    /// See [`Shape`].
    #[must_use]
    pub fn faults(self, faults: FaultProfile) -> Shape {
        Shape { faults, ..self }
    }

    /// The most steps a schedule has.
    ///
    /// # Examples
    ///
    /// See [`Shape`].
    #[must_use]
    pub fn max_steps(self, max_steps: usize) -> Shape {
        Shape { max_steps, ..self }
    }

    /// The longest delay of a [`Fault::Delay`], in ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::Shape;
    ///
    /// assert_eq!(Shape::new(vec![1], 1).max_delay(9).get_max_delay(), 9);
    /// ```
    #[must_use]
    pub fn max_delay(self, max_delay: u8) -> Shape {
        Shape { max_delay, ..self }
    }

    /// See [`Shape::max_steps`].
    ///
    /// # Examples
    ///
    /// See [`Shape`].
    #[must_use]
    pub fn get_max_steps(&self) -> usize {
        self.max_steps
    }

    /// See [`Shape::max_delay`].
    ///
    /// # Examples
    ///
    /// See [`Shape::max_delay`].
    #[must_use]
    pub fn get_max_delay(&self) -> u8 {
        self.max_delay
    }

    /// See [`Shape::faults`].
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{FaultProfile, Shape};
    ///
    /// assert_eq!(Shape::new(vec![1], 1).get_faults(), FaultProfile::none());
    /// ```
    #[must_use]
    pub fn get_faults(&self) -> FaultProfile {
        self.faults
    }

    /// See [`Shape::environment`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::sim::Shape::new(vec![1], 1).get_environment(), 0);
    /// ```
    #[must_use]
    pub fn get_environment(&self) -> u8 {
        self.environment
    }
}

/// The schedules of `shape`, as a proptest strategy: about half ticks,
/// then writes, faults of the allowed kinds, compactions and environment
/// events. Shrinking drops steps and turns steps into ticks, so a failing
/// schedule shrinks to the few writes and faults it needs.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{schedules, FaultProfile, Shape, Step};
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
///
/// let shape = Shape::new(vec![2], 1).faults(FaultProfile::all()).max_steps(10);
/// let schedule = schedules(&shape).new_tree(&mut TestRunner::deterministic()).unwrap().current();
/// assert!(schedule.len() <= 10);
/// assert!(schedule.steps().iter().all(|s| !matches!(s, Step::Write { writer, .. } if *writer > 0)));
/// ```
pub fn schedules(shape: &Shape) -> BoxedStrategy<Schedule> {
    let mut steps: Vec<(u32, BoxedStrategy<Step>)> = vec![(6, Just(Step::Tick).boxed())];
    for (writer, &choices) in shape.writers.iter().enumerate() {
        if choices > 0 {
            steps.push((
                4,
                (0..choices)
                    .prop_map(move |choice| Step::Write { writer, choice })
                    .boxed(),
            ));
        }
    }
    let faults = fault_strategies(shape);
    if shape.actors > 0 && !faults.is_empty() {
        let fault = proptest::strategy::Union::new(faults);
        steps.push((
            3,
            (0..shape.actors, fault)
                .prop_map(|(actor, fault)| Step::Fault { actor, fault })
                .boxed(),
        ));
    }
    if shape.faults.contains(FaultKind::Compact) {
        steps.push((1, Just(Step::Compact).boxed()));
    }
    // No arm at all without environment events: the schedules of a seed
    // are then those of the other steps alone.
    if shape.environment > 0 {
        steps.push((
            1,
            (0..shape.environment).prop_map(Step::Environment).boxed(),
        ));
    }
    proptest::collection::vec(
        proptest::strategy::Union::new_weighted(steps),
        0..=shape.max_steps,
    )
    .prop_map(Schedule::new)
    .boxed()
}

/// A strategy for each fault kind the shape allows.
fn fault_strategies(shape: &Shape) -> Vec<BoxedStrategy<Fault>> {
    let allowed = |kind| shape.faults.contains(kind);
    let mut faults = Vec::new();
    if allowed(FaultKind::Drop) {
        faults.push(Just(Fault::Drop).boxed());
    }
    if allowed(FaultKind::Duplicate) {
        faults.push(Just(Fault::Duplicate).boxed());
    }
    if allowed(FaultKind::Delay) {
        faults.push((1..=shape.max_delay.max(1)).prop_map(Fault::Delay).boxed());
    }
    if allowed(FaultKind::Reorder) {
        faults.push(Just(Fault::Reorder).boxed());
    }
    if allowed(FaultKind::Disconnect) {
        faults.push(Just(Fault::Disconnect).boxed());
    }
    if allowed(FaultKind::Lag) {
        faults.push((1..=shape.max_lag.max(1)).prop_map(Fault::Lag).boxed());
    }
    if allowed(FaultKind::Crash) {
        faults.push((0..=shape.max_crash_writes).prop_map(Fault::Crash).boxed());
    }
    faults
}
