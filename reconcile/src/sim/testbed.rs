//! The test bed for users' controllers: seeded schedules, the minimal
//! failing trace.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use super::{schedules, Environment, FaultProfile, NoEnvironment, Run, Scenario, Schedule, Shape};
use crate::error::Error;
use crate::store::{MemoryStore, Store};

/// What makes a fresh store for each run: a [`MemoryStore`], or a store
/// over etcd under a key prefix of its own.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use patchlaw_reconcile::sim::StoreFactory;
/// use patchlaw_reconcile::store::{MemoryStore, Store};
///
/// let memory: &StoreFactory<'_> = &|| Ok(Arc::new(MemoryStore::new()) as Arc<dyn Store>);
/// assert_eq!(memory()?.revision()?.get(), 0);
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
pub type StoreFactory<'a> = dyn Fn() -> Result<Arc<dyn Store>, Error> + 'a;

/// Runs a scenario on seeded schedules and checks that each run ends in
/// the desired state for good (within a bound, when one is given), with no
/// invariant broken; the first failing schedule is shrunk (by proptest,
/// then by removing steps one at a time until none can go) and traced.
///
/// A user hands over their controller (as an actor of the [`Scenario`]),
/// the predicate for "desired" (the scenario's), and a fault profile.
/// Each run is played on a fresh store ([`TestBed::store`]; a
/// [`MemoryStore`] by default).
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{PodKeeper, Deployments, FaultKind, FaultProfile, TestBed};
///
/// let scenario = Deployments::new(PodKeeper::Edge).scenario();
/// let failure = TestBed::new(&scenario)
///     .faults(FaultProfile::none().with(FaultKind::Drop))
///     .cases(64)
///     .check()
///     .unwrap_err();
/// assert!(failure.schedule.len() <= 4);
/// println!("{failure}");
///
/// let scenario = Deployments::new(PodKeeper::Level).scenario();
/// assert!(TestBed::new(&scenario).faults(FaultProfile::all()).cases(32).check().is_ok());
/// ```
pub struct TestBed<'s> {
    scenario: &'s Scenario,
    shape: Shape,
    cases: u32,
    seed: u64,
    bound: Option<u64>,
    stores: Box<StoreFactory<'s>>,
    environment: RefCell<Box<dyn Environment + 's>>,
}

impl<'s> TestBed<'s> {
    /// A test bed for `scenario`: its writers and actors, no fault, 256
    /// cases from seed 0, no bound, each on a new [`MemoryStore`].
    ///
    /// # Examples
    ///
    /// See [`TestBed`].
    #[must_use]
    pub fn new(scenario: &'s Scenario) -> TestBed<'s> {
        TestBed {
            scenario,
            shape: scenario.shape(),
            cases: 256,
            seed: 0,
            bound: None,
            stores: Box::new(|| Ok(Arc::new(MemoryStore::new()))),
            environment: RefCell::new(Box::new(NoEnvironment)),
        }
    }

    /// Plays each run on a store from `stores`, called once per run (a
    /// store that only that run writes to, such as a store over etcd under
    /// a key prefix of its own). A store that cannot be made ends the
    /// check ([`TestBed::check`]) or is counted
    /// ([`Survey::store_errors`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::sync::Arc;
    /// use patchlaw_reconcile::sim::{Deployments, PodKeeper, TestBed};
    /// use patchlaw_reconcile::store::MemoryStore;
    ///
    /// let scenario = Deployments::new(PodKeeper::Level).scenario();
    /// let made = Cell::new(0);
    /// let bed = TestBed::new(&scenario).cases(8).store(|| {
    ///     made.set(made.get() + 1);
    ///     Ok(Arc::new(MemoryStore::new()))
    /// });
    /// assert_eq!(bed.check().map_err(|f| f.to_string()), Ok(8));
    /// assert_eq!(made.get(), 8);
    /// ```
    #[must_use]
    pub fn store(self, stores: impl Fn() -> Result<Arc<dyn Store>, Error> + 's) -> TestBed<'s> {
        TestBed {
            stores: Box::new(stores),
            ..self
        }
    }

    /// Lets the schedules hold `events` events of the store's environment
    /// (see [`Shape::environment`]), which `environment` makes happen.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{Deployments, PodKeeper, TestBed};
    /// use patchlaw_reconcile::store::Store;
    ///
    /// let scenario = Deployments::new(PodKeeper::Level).scenario();
    /// let compact = |_: u8, store: &dyn Store| {
    ///     let revision = store.revision().unwrap_or_default();
    ///     store.compact(revision).map_or_else(|e| e.to_string(), |()| format!("compacted to rv {revision}"))
    /// };
    /// let bed = TestBed::new(&scenario).environment(1, compact).cases(16);
    /// assert_eq!(bed.check().map_err(|f| f.to_string()), Ok(16));
    /// ```
    #[must_use]
    pub fn environment(self, events: u8, environment: impl Environment + 's) -> TestBed<'s> {
        TestBed {
            shape: self.shape.environment(events),
            environment: RefCell::new(Box::new(environment)),
            ..self
        }
    }

    /// The faults the schedules may hold.
    ///
    /// # Examples
    ///
    /// See [`TestBed`].
    #[must_use]
    pub fn faults(self, faults: FaultProfile) -> TestBed<'s> {
        TestBed {
            shape: self.shape.faults(faults),
            ..self
        }
    }

    /// The shape of the schedules, for more control than
    /// [`faults`](TestBed::faults) gives.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{PodKeeper, Deployments, TestBed};
    ///
    /// let scenario = Deployments::new(PodKeeper::Level).scenario();
    /// let bed = TestBed::new(&scenario).shape(scenario.shape().max_steps(8)).cases(8);
    /// assert!(bed.check().is_ok());
    /// ```
    #[must_use]
    pub fn shape(self, shape: Shape) -> TestBed<'s> {
        TestBed { shape, ..self }
    }

    /// How many schedules.
    ///
    /// # Examples
    ///
    /// See [`TestBed`].
    #[must_use]
    pub fn cases(self, cases: u32) -> TestBed<'s> {
        TestBed { cases, ..self }
    }

    /// The seed: the same seed, the same schedules.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{PodKeeper, Deployments, TestBed};
    ///
    /// let scenario = Deployments::new(PodKeeper::Level).scenario();
    /// let a = TestBed::new(&scenario).seed(7).cases(4).survey();
    /// let b = TestBed::new(&scenario).seed(7).cases(4).survey();
    /// assert_eq!(a, b);
    /// ```
    #[must_use]
    pub fn seed(self, seed: u64) -> TestBed<'s> {
        TestBed { seed, ..self }
    }

    /// Requires the desired state within `ticks` quiet ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{PodKeeper, Deployments, FaultProfile, TestBed};
    ///
    /// let scenario = Deployments::new(PodKeeper::Level).scenario();
    /// assert!(TestBed::new(&scenario).faults(FaultProfile::all()).within(Deployments::BOUND).cases(16).check().is_ok());
    /// ```
    #[must_use]
    pub fn within(self, ticks: u64) -> TestBed<'s> {
        TestBed {
            bound: Some(ticks),
            ..self
        }
    }

    /// Runs the schedules; `Ok` with their number when every run ends in
    /// the desired state for good.
    ///
    /// # Errors
    ///
    /// The first failing schedule, shrunk, with its trace; or, when the
    /// store factory fails, the schedule it failed for, without a run.
    ///
    /// # Examples
    ///
    /// See [`TestBed`].
    pub fn check(&self) -> Result<u32, Box<Failure>> {
        let config = Config {
            cases: self.cases,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner = TestRunner::new_with_rng(config, rng(self.seed));
        // A store that cannot be made ends the check: the cases after it
        // pass at once, so that proptest stops shrinking.
        let no_store: RefCell<Option<(Schedule, Error)>> = RefCell::new(None);
        let outcome = runner.run(&schedules(&self.shape), |schedule| {
            if no_store.borrow().is_some() {
                return Ok(());
            }
            match self.play(&schedule, false) {
                Ok(run) => judge(&run, self.bound).map_err(TestCaseError::fail),
                Err(err) => {
                    *no_store.borrow_mut() = Some((schedule, err));
                    Err(TestCaseError::fail("no store"))
                }
            }
        });
        if let Some((schedule, err)) = no_store.into_inner() {
            return Err(Box::new(Failure {
                schedule,
                run: None,
                why: format!("no store for the run: {err}"),
                seed: self.seed,
            }));
        }
        match outcome {
            Ok(()) => Ok(self.cases),
            Err(TestError::Fail(_, schedule)) => {
                let schedule = self.minimize(schedule);
                let (run, why) = match self.play(&schedule, true) {
                    Ok(run) => {
                        let why = judge(&run, self.bound)
                            .err()
                            .unwrap_or_else(|| "fails only when run without a trace".to_owned());
                        (Some(run), why)
                    }
                    Err(err) => (None, format!("no store for the traced run: {err}")),
                };
                Err(Box::new(Failure {
                    schedule,
                    run,
                    why,
                    seed: self.seed,
                }))
            }
            Err(TestError::Abort(why)) => Err(Box::new(Failure {
                schedule: Schedule::default(),
                run: self.play(&Schedule::default(), true).ok(),
                why: format!("aborted: {why}"),
                seed: self.seed,
            })),
        }
    }

    /// Plays `schedule` on a fresh store.
    fn play(&self, schedule: &Schedule, tracing: bool) -> Result<Run, Error> {
        let store = (self.stores)()?;
        let mut environment = self.environment.borrow_mut();
        Ok(if tracing {
            self.scenario.trace_on(store, schedule, &mut **environment)
        } else {
            self.scenario.run_on(store, schedule, &mut **environment)
        })
    }

    /// Whether `schedule` fails (not when no store can be made for it).
    fn fails(&self, schedule: &Schedule) -> bool {
        self.play(schedule, false)
            .is_ok_and(|run| judge(&run, self.bound).is_err())
    }

    /// Removes steps from a failing schedule one at a time, for as long as
    /// it still fails, until no single step can go: proptest's shrinking
    /// stops at the first schedule none of its own simplifications improve,
    /// which may still hold steps that do not matter.
    fn minimize(&self, mut schedule: Schedule) -> Schedule {
        loop {
            let before = schedule.len();
            let mut index = 0;
            while index < schedule.len() {
                let mut steps = schedule.steps().to_vec();
                steps.remove(index);
                let candidate = Schedule::new(steps);
                if self.fails(&candidate) {
                    schedule = candidate;
                } else {
                    index += 1;
                }
            }
            if schedule.len() == before {
                return schedule;
            }
        }
    }

    /// Runs the schedules and counts how the runs end, without stopping at
    /// a failure.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{PodKeeper, Deployments, FaultKind, FaultProfile, TestBed};
    ///
    /// let scenario = Deployments::new(PodKeeper::Edge).scenario();
    /// let survey = TestBed::new(&scenario).faults(FaultProfile::none().with(FaultKind::Drop)).cases(50).survey();
    /// assert_eq!(survey.runs, 50);
    /// assert!(survey.desired < 50);
    /// ```
    #[must_use]
    pub fn survey(&self) -> Survey {
        let mut runner = TestRunner::new_with_rng(Config::default(), rng(self.seed));
        let strategy = schedules(&self.shape);
        let mut survey = Survey {
            runs: 0,
            desired: 0,
            within: 0,
            ticks: Vec::new(),
            steps: 0,
            store_errors: 0,
        };
        for _ in 0..self.cases {
            let Ok(tree) = strategy.new_tree(&mut runner) else {
                continue;
            };
            let schedule = tree.current();
            let Ok(run) = self.play(&schedule, false) else {
                survey.store_errors += 1;
                continue;
            };
            survey.runs += 1;
            survey.steps += schedule.len();
            if let Some(ticks) = run.converged_after {
                survey.desired += 1;
                survey.ticks.push(ticks);
                if self.bound.map_or(true, |bound| ticks <= bound) {
                    survey.within += 1;
                }
            }
        }
        survey
    }
}

fn rng(seed: u64) -> TestRng {
    let mut bytes = [0; 32];
    for chunk in bytes.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// Whether a run passes: the desired state for good (within `bound`), no
/// invariant broken.
fn judge(run: &Run, bound: Option<u64>) -> Result<(), String> {
    if let Some(broken) = run.violations.first() {
        return Err(broken.to_string());
    }
    match (run.converged_after, bound, &run.desired) {
        (_, _, Err(why)) => Err(format!("not in the desired state at the end: {why}")),
        (None, _, Ok(())) => Err("not in the desired state for good".to_owned()),
        (Some(ticks), Some(bound), Ok(())) if ticks > bound => Err(format!(
            "in the desired state only after {ticks} quiet ticks, more than {bound}"
        )),
        _ => Ok(()),
    }
}

/// A failing schedule, shrunk, with its trace.
///
/// # Examples
///
/// See [`TestBed`].
#[derive(Debug)]
pub struct Failure {
    /// The minimal failing schedule found.
    pub schedule: Schedule,
    /// Its run, with the trace (`None` when no store could be made for
    /// it).
    pub run: Option<Run>,
    /// Why it fails.
    pub why: String,
    /// The seed of the schedules.
    pub seed: u64,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "failing schedule of {} steps (seed {}): {}",
            self.schedule.len(),
            self.seed,
            self.why
        )?;
        writeln!(f, "{:?}", self.schedule)?;
        if let Some(trace) = self.run.as_ref().and_then(|run| run.trace.as_ref()) {
            write!(f, "{trace}")?;
        }
        Ok(())
    }
}

/// How the runs of a [`TestBed::survey`] ended.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::Survey;
///
/// let s = Survey { runs: 4, desired: 3, within: 2, ticks: vec![1, 9, 4], steps: 40, store_errors: 0 };
/// assert_eq!(s.median(), Some(4));
/// assert_eq!(s.max(), Some(9));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Survey {
    /// How many runs.
    pub runs: u32,
    /// How many ended in the desired state for good.
    pub desired: u32,
    /// How many of those got there within the bound (all of them without
    /// one).
    pub within: u32,
    /// For each of those, the quiet ticks it took.
    pub ticks: Vec<u64>,
    /// The steps of all the schedules together.
    pub steps: usize,
    /// How many schedules were not run because no store could be made for
    /// them (not counted in [`Survey::runs`]).
    pub store_errors: u32,
}

impl Survey {
    /// The median of [`Survey::ticks`].
    ///
    /// # Examples
    ///
    /// See [`Survey`].
    #[must_use]
    pub fn median(&self) -> Option<u64> {
        let mut ticks = self.ticks.clone();
        ticks.sort_unstable();
        ticks.get(ticks.len().checked_sub(1)? / 2).copied()
    }

    /// The largest of [`Survey::ticks`].
    ///
    /// # Examples
    ///
    /// See [`Survey`].
    #[must_use]
    pub fn max(&self) -> Option<u64> {
        self.ticks.iter().copied().max()
    }
}
