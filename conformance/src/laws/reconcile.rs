//! The reconciliation laws of `spec/60-reconcile.md`.
//!
//! They are about patchlaw's own store, runtime and simulation (the crate
//! `patchlaw-reconcile`), which the adapter protocol does not reach: each
//! is checked in place (it calls no operation), whatever implementation is
//! under test. A case is a list of store operations
//! ([`LAW-LT-WRITES-SEEN`](WRITES_SEEN), checked against a reference model
//! of the store) or a schedule of the talk's [`Deployments`] scenario (the
//! others); a violation carries the schedule's trace.
//!
//! Each law takes its store, or plays on a new [`MemoryStore`]; the
//! functions ending in `_on` play the same scenarios on any store (such as
//! one over etcd), with an [`Environment`] for the schedules' environment
//! events, and trace every run, since a run on another store may not
//! repeat.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use patchlaw_reconcile::sim::{
    schedules, DeploymentWrite, Deployments, Environment, FailureMode, FaultKind, FaultProfile,
    Invariant, PodKeeper, Run, Scenario, Schedule, SimOptions, StoreFactory,
};
use patchlaw_reconcile::store::{Event, MemoryStore, Patch, ReadAt, Store, Watch};
use patchlaw_reconcile::{ErrorKind, Key, Object, Revision, Selector};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::{declare_checks, Violation};

declare_checks! {
    /// `LAW-LT-WRITES-SEEN`: every acknowledged write is in the store and
    /// reaches every watch that is not gone; every operation succeeds or
    /// fails as the reference model says.
    WRITES_SEEN: StoreCase = ("LAW-LT-WRITES-SEEN", [])
        on arb_store_case(), |_, case| writes_seen(&MemoryStore::new(), case);

    /// `LAW-LT-NO-TIME-TRAVEL`: a cache never goes back in time.
    NO_TIME_TRAVEL: Schedule = ("LAW-LT-NO-TIME-TRAVEL", [])
        on level_schedules(), |_, schedule| no_time_travel(schedule);

    /// `LAW-LT-CACHE-IS-STORE`: a synced cache is the store at the cache's
    /// revision.
    CACHE_IS_STORE: Schedule = ("LAW-LT-CACHE-IS-STORE", [])
        on level_schedules(), |_, schedule| cache_is_store(schedule);

    /// `LAW-LT-CONVERGES`: a level-triggered controller reaches the desired
    /// state within the bound once writes and faults stop, and stays there.
    CONVERGES: Schedule = ("LAW-LT-CONVERGES", [])
        on level_schedules(), |_, schedule| converges(schedule);

    /// `LAW-LT-APPLIERS-CONVERGE`: appliers with their own annotations
    /// never undo each other.
    APPLIERS_CONVERGE: Schedule = ("LAW-LT-APPLIERS-CONVERGE", [])
        on appliers_schedules(), |_, schedule| appliers_converge(schedule);

    /// `LAW-LT-EDGE-DIVERGES`: the edge-triggered consumer fails each of
    /// the three named schedules; the other two consumers do not.
    EDGE_DIVERGES: () = ("LAW-LT-EDGE-DIVERGES", []) at (), |_, ()| edge_diverges();

    /// `LAW-LT-RESYNC-REPAIRS`: with gap detection and relists, the
    /// edge-triggered consumer converges within the bound under every
    /// fault but a crash.
    RESYNC_REPAIRS: Schedule = ("LAW-LT-RESYNC-REPAIRS", [])
        on repair_schedules(), |_, schedule| resync_repairs(schedule);
}

/// The scenario of the level-triggered laws: the level-triggered pod
/// keeper, the injector and the chaos writer.
#[must_use]
pub fn level_scenario() -> Deployments {
    Deployments::new(PodKeeper::Level)
        .injector(true)
        .chaos(true)
}

/// Schedules of [`level_scenario`] with every fault.
pub fn level_schedules() -> BoxedStrategy<Schedule> {
    schedules(
        &level_scenario()
            .scenario()
            .shape()
            .faults(FaultProfile::all()),
    )
}

/// Schedules of the appliers' scenario (the level-triggered pod keeper and
/// the injector, no chaos) with every fault.
pub fn appliers_schedules() -> BoxedStrategy<Schedule> {
    let scenario = Deployments::new(PodKeeper::Level).injector(true).scenario();
    schedules(&scenario.shape().faults(FaultProfile::all()))
}

/// Schedules of the edge-triggered consumer with gap detection, with every
/// fault but crashes.
pub fn repair_schedules() -> BoxedStrategy<Schedule> {
    let scenario = Deployments::new(PodKeeper::EdgeWithRelist).scenario();
    schedules(
        &scenario
            .shape()
            .faults(FaultProfile::all().without(FaultKind::Crash)),
    )
}

/// `LAW-LT-NO-TIME-TRAVEL` on one schedule.
///
/// # Errors
///
/// The violation, with the trace.
pub fn no_time_travel(schedule: &Schedule) -> Result<(), Violation> {
    invariant(
        "LAW-LT-NO-TIME-TRAVEL",
        Invariant::NoTimeTravel,
        Stage::Memory,
        schedule,
    )
}

/// `LAW-LT-NO-TIME-TRAVEL` on one schedule played on `store` (which only
/// this run writes to), with `environment` for its environment events.
///
/// # Errors
///
/// The violation, with the trace.
pub fn no_time_travel_on(
    store: Arc<dyn Store>,
    environment: &mut dyn Environment,
    schedule: &Schedule,
) -> Result<(), Violation> {
    invariant(
        "LAW-LT-NO-TIME-TRAVEL",
        Invariant::NoTimeTravel,
        Stage::On(store, environment),
        schedule,
    )
}

/// `LAW-LT-CACHE-IS-STORE` on one schedule.
///
/// # Errors
///
/// The violation, with the trace.
pub fn cache_is_store(schedule: &Schedule) -> Result<(), Violation> {
    invariant(
        "LAW-LT-CACHE-IS-STORE",
        Invariant::CacheIsStore,
        Stage::Memory,
        schedule,
    )
}

/// `LAW-LT-CACHE-IS-STORE` on one schedule played on `store`, as
/// [`no_time_travel_on`] plays it. A cache whose revision the simulation's
/// history of the store does not know (it lagged, or another run's
/// compaction made it skip revisions) is not checked
/// ([`Run::unchecked`]).
///
/// # Errors
///
/// The violation, with the trace.
pub fn cache_is_store_on(
    store: Arc<dyn Store>,
    environment: &mut dyn Environment,
    schedule: &Schedule,
) -> Result<(), Violation> {
    invariant(
        "LAW-LT-CACHE-IS-STORE",
        Invariant::CacheIsStore,
        Stage::On(store, environment),
        schedule,
    )
}

/// Where a law plays a run.
enum Stage<'a> {
    /// A new [`MemoryStore`], without a trace: a failing run is played
    /// again with one (the same run).
    Memory,
    /// This store and environment, with a trace.
    On(Arc<dyn Store>, &'a mut dyn Environment),
}

impl Stage<'_> {
    fn play(self, scenario: &Scenario, schedule: &Schedule) -> Run {
        match self {
            Stage::Memory => scenario.run(schedule),
            Stage::On(store, environment) => scenario.trace_on(store, schedule, environment),
        }
    }
}

fn invariant(
    law: &'static str,
    which: Invariant,
    stage: Stage<'_>,
    schedule: &Schedule,
) -> Result<(), Violation> {
    let deployments = level_scenario().options(SimOptions::new().check_invariants(true));
    let scenario = deployments.scenario();
    let run = stage.play(&scenario, schedule);
    match run.violations.iter().find(|b| b.invariant == which) {
        None => Ok(()),
        Some(broken) => Err(violation(law, &broken.detail, &scenario, schedule, &run)),
    }
}

/// `LAW-LT-CONVERGES` on one schedule.
///
/// # Errors
///
/// The violation, with the trace.
pub fn converges(schedule: &Schedule) -> Result<(), Violation> {
    within_bound(
        "LAW-LT-CONVERGES",
        level_scenario(),
        Stage::Memory,
        schedule,
    )
}

/// `LAW-LT-CONVERGES` on one schedule played on `store`, as
/// [`no_time_travel_on`] plays it.
///
/// # Errors
///
/// The violation, with the trace.
pub fn converges_on(
    store: Arc<dyn Store>,
    environment: &mut dyn Environment,
    schedule: &Schedule,
) -> Result<(), Violation> {
    within_bound(
        "LAW-LT-CONVERGES",
        level_scenario(),
        Stage::On(store, environment),
        schedule,
    )
}

/// `LAW-LT-RESYNC-REPAIRS` on one schedule.
///
/// # Errors
///
/// The violation, with the trace.
pub fn resync_repairs(schedule: &Schedule) -> Result<(), Violation> {
    within_bound(
        "LAW-LT-RESYNC-REPAIRS",
        Deployments::new(PodKeeper::EdgeWithRelist),
        Stage::Memory,
        schedule,
    )
}

/// `LAW-LT-RESYNC-REPAIRS` on one schedule played on `store`, as
/// [`no_time_travel_on`] plays it.
///
/// # Errors
///
/// The violation, with the trace.
pub fn resync_repairs_on(
    store: Arc<dyn Store>,
    environment: &mut dyn Environment,
    schedule: &Schedule,
) -> Result<(), Violation> {
    within_bound(
        "LAW-LT-RESYNC-REPAIRS",
        Deployments::new(PodKeeper::EdgeWithRelist),
        Stage::On(store, environment),
        schedule,
    )
}

fn within_bound(
    law: &'static str,
    deployments: Deployments,
    stage: Stage<'_>,
    schedule: &Schedule,
) -> Result<(), Violation> {
    let scenario = deployments.scenario();
    let run = stage.play(&scenario, schedule);
    match run.converged_after {
        Some(ticks) if ticks <= Deployments::BOUND => Ok(()),
        Some(ticks) => Err(violation(
            law,
            &format!(
                "desired only after {ticks} quiet ticks, more than {}",
                Deployments::BOUND
            ),
            &scenario,
            schedule,
            &run,
        )),
        None => Err(violation(
            law,
            "not desired for good",
            &scenario,
            schedule,
            &run,
        )),
    }
}

/// `LAW-LT-EDGE-DIVERGES`: each [`FailureMode`]'s schedule leaves the
/// naive edge-triggered consumer out of the desired state at the end
/// (`lost data`, `stale data`) or in it only after the bound (`slow
/// reaction`), and the edge-triggered consumer with gap detection and the
/// level-triggered controller reach it within the bound.
///
/// # Errors
///
/// The violation, with the trace.
pub fn edge_diverges() -> Result<(), Violation> {
    edge_diverges_with(&mut |scenario, schedule| Ok(scenario.run(schedule)))
}

/// `LAW-LT-EDGE-DIVERGES` with each of its runs played on a store from
/// `stores`, with `environment` for environment events (its schedules
/// have none).
///
/// # Errors
///
/// The violation, with the trace; a store that cannot be made is one.
pub fn edge_diverges_on(
    stores: &StoreFactory<'_>,
    environment: &mut dyn Environment,
) -> Result<(), Violation> {
    edge_diverges_with(&mut |scenario, schedule| {
        let store = stores()
            .map_err(|err| Violation::new("LAW-LT-EDGE-DIVERGES", format!("no store: {err}")))?;
        Ok(scenario.trace_on(store, schedule, environment))
    })
}

/// A run of a scenario on a schedule, or why none could be played.
type Play<'a> = dyn FnMut(&Scenario, &Schedule) -> Result<Run, Violation> + 'a;

fn edge_diverges_with(play: &mut Play<'_>) -> Result<(), Violation> {
    const LAW: &str = "LAW-LT-EDGE-DIVERGES";
    for mode in FailureMode::ALL {
        let schedule = mode.schedule();
        let naive = Deployments::new(PodKeeper::Edge).scenario();
        let run = play(&naive, &schedule)?;
        let fails = match mode {
            FailureMode::SlowReaction => {
                run.converged_after.is_some_and(|t| t > Deployments::BOUND)
            }
            _ => run.desired.is_err(),
        };
        if !fails {
            let why = format!("the edge-triggered consumer does not show {}", mode.name());
            return Err(violation(LAW, &why, &naive, &schedule, &run));
        }
        for consumer in [PodKeeper::EdgeWithRelist, PodKeeper::Level] {
            let scenario = Deployments::new(consumer).scenario();
            let run = play(&scenario, &schedule)?;
            if !run.converged_after.is_some_and(|t| t <= Deployments::BOUND) {
                let why = format!("{} fails the schedule of {}", consumer.name(), mode.name());
                return Err(violation(LAW, &why, &scenario, &schedule, &run));
            }
        }
    }
    Ok(())
}

/// `LAW-LT-APPLIERS-CONVERGE` on one schedule: at the end, every
/// Deployment holds what its kubectl annotation and the injector's
/// annotation set, the kubectl annotation holds the configuration its user
/// last applied, and `spec.replicas` is the autoscaler's last value since
/// the Deployment was created (unset if none).
///
/// A writer's write that failed with a transport error (on a store over
/// the network) may or may not have been made: the store must then be as
/// one of the two leaves it.
///
/// # Errors
///
/// The violation, with the trace.
pub fn appliers_converge(schedule: &Schedule) -> Result<(), Violation> {
    appliers_converge_in(Stage::Memory, schedule)
}

/// `LAW-LT-APPLIERS-CONVERGE` on one schedule played on `store`, as
/// [`no_time_travel_on`] plays it.
///
/// # Errors
///
/// The violation, with the trace.
pub fn appliers_converge_on(
    store: Arc<dyn Store>,
    environment: &mut dyn Environment,
    schedule: &Schedule,
) -> Result<(), Violation> {
    appliers_converge_in(Stage::On(store, environment), schedule)
}

fn appliers_converge_in(stage: Stage<'_>, schedule: &Schedule) -> Result<(), Violation> {
    const LAW: &str = "LAW-LT-APPLIERS-CONVERGE";
    let deployments = Deployments::new(PodKeeper::Level).injector(true);
    let scenario = deployments.scenario();
    let run = stage.play(&scenario, schedule);
    let live = match run
        .store
        .list(&Selector::kind("Deployment"), ReadAt::Latest)
    {
        Ok(list) => list.items,
        Err(err) => {
            let why = format!("the Deployments cannot be listed: {err}");
            return Err(violation(LAW, &why, &scenario, schedule, &run));
        }
    };
    let outcomes = intents(&deployments, &run);
    let mut first = None;
    for expected in &outcomes {
        match matches_intents(&live, expected) {
            Ok(()) => return Ok(()),
            Err(why) => {
                first.get_or_insert(why);
            }
        }
    }
    let mut why = first.unwrap_or_default();
    if outcomes.len() > 1 {
        why = format!(
            "{why} (nor as any of the {} other outcomes of the writes that failed with a transport error)",
            outcomes.len() - 1
        );
    }
    Err(violation(LAW, &why, &scenario, schedule, &run))
}

/// Whether the live Deployments are as `expected` says.
fn matches_intents(
    live: &[Object],
    expected: &BTreeMap<&'static str, Intent>,
) -> Result<(), String> {
    let names: Vec<&str> = live.iter().map(|d| d.key().name()).collect();
    let wanted: Vec<&str> = expected.keys().copied().collect();
    if names != wanted {
        return Err(format!(
            "the Deployments are {names:?}, the users left {wanted:?}"
        ));
    }
    for deployment in live {
        let name = deployment.key().name();
        let intent = &expected[name];
        let value = deployment.value();
        for annotation in [
            patchlaw::three_way::LAST_APPLIED_ANNOTATION,
            "inject.example.com/last-applied",
        ] {
            let configuration = match patchlaw::three_way::last_applied(value, annotation) {
                Ok(Some(configuration)) => configuration,
                _ => return Err(format!("{name} has no configuration under {annotation}")),
            };
            if let Some(path) = uncovered(value, &configuration, "") {
                return Err(format!(
                    "{name} does not hold {path} as {annotation} sets it"
                ));
            }
            if annotation == patchlaw::three_way::LAST_APPLIED_ANNOTATION {
                let image = &configuration["spec"]["template"]["spec"]["containers"][0]["image"];
                if image != intent.image {
                    return Err(format!(
                        "{name}'s kubectl configuration has image {image}, its user last applied {}",
                        intent.image
                    ));
                }
            }
        }
        let replicas = value["spec"].get("replicas").and_then(Value::as_u64);
        if replicas != intent.replicas {
            return Err(format!(
                "{name} has replicas {replicas:?}, the autoscaler last set {:?}",
                intent.replicas
            ));
        }
    }
    Ok(())
}

/// The violation of `law`, with the run's trace (when the run has none,
/// that of the same run on a new memory store).
fn violation(
    law: &'static str,
    why: &str,
    scenario: &Scenario,
    schedule: &Schedule,
    run: &Run,
) -> Violation {
    if run.trace.is_some() {
        traced(law, why, run)
    } else {
        traced(law, why, &scenario.trace(schedule))
    }
}

/// What the writers of a run meant each Deployment to be.
struct Intent {
    image: &'static str,
    replicas: Option<u64>,
}

/// The Deployments the users' last successful writes leave, with the image
/// last applied and the replicas last scaled to since each was created:
/// one outcome for each way the writes whose outcome is unknown (a
/// transport error) may have gone, the first with none of them made.
fn intents(deployments: &Deployments, run: &Run) -> Vec<BTreeMap<&'static str, Intent>> {
    let unknown: Vec<usize> = run
        .writes
        .iter()
        .enumerate()
        .filter(|(_, (_, _, result))| result.is_err_and(|kind| !refused(kind)))
        .map(|(index, _)| index)
        .collect();
    // Each unknown write doubles the outcomes: beyond a few, take them as
    // not made.
    let branching = &unknown[..unknown.len().min(MAX_UNKNOWN_WRITES)];
    (0..1u32 << branching.len())
        .map(|made| {
            let made: Vec<usize> = branching
                .iter()
                .enumerate()
                .filter(|(bit, _)| made & (1 << bit) != 0)
                .map(|(_, index)| *index)
                .collect();
            intents_when(deployments, run, &made)
        })
        .collect()
}

/// How many writes of unknown outcome [`intents`] branches on.
const MAX_UNKNOWN_WRITES: usize = 6;

/// Whether a write that failed with `kind` was refused by the store (and
/// so not made), rather than lost on the way with its outcome unknown.
fn refused(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::NotFound
            | ErrorKind::AlreadyExists
            | ErrorKind::Conflict
            | ErrorKind::Gone
            | ErrorKind::FutureRevision
            | ErrorKind::Invalid
            | ErrorKind::UnsupportedPatch
            | ErrorKind::PatchFailed
    )
}

/// The intents of the successful writes and of the writes `made` (by
/// index in the run's writes).
fn intents_when(
    deployments: &Deployments,
    run: &Run,
    made: &[usize],
) -> BTreeMap<&'static str, Intent> {
    let mut intents = BTreeMap::new();
    for (index, (writer, choice, result)) in run.writes.iter().enumerate() {
        if result.is_err() && !made.contains(&index) {
            continue;
        }
        match deployments.write(*writer, *choice) {
            Some(DeploymentWrite::Apply { name, image }) => {
                intents
                    .entry(name)
                    .or_insert(Intent {
                        image,
                        replicas: None,
                    })
                    .image = image;
            }
            Some(DeploymentWrite::Delete { name }) => {
                intents.remove(name);
            }
            Some(DeploymentWrite::Scale { name, replicas }) => {
                if let Some(intent) = intents.get_mut(name) {
                    intent.replicas = Some(replicas);
                }
            }
            Some(DeploymentWrite::Kill { .. }) | None => {}
        }
    }
    intents
}

/// The first path `configuration` sets that `live` does not hold with the
/// same value: objects member by member (the annotations apart), lists of
/// named objects element by name, anything else by equality.
fn uncovered(live: &Value, configuration: &Value, path: &str) -> Option<String> {
    match (live, configuration) {
        (Value::Object(live), Value::Object(configuration)) => {
            configuration.iter().find_map(|(key, value)| {
                if path == "/metadata" && key == "annotations" {
                    return None;
                }
                let here = format!("{path}/{key}");
                match live.get(key) {
                    Some(held) => uncovered(held, value, &here),
                    None => Some(here),
                }
            })
        }
        (Value::Array(live), Value::Array(configuration))
            if configuration.iter().all(|e| e.get("name").is_some()) =>
        {
            configuration.iter().find_map(|element| {
                let here = format!("{path}[name={}]", element["name"]);
                match live.iter().find(|e| e.get("name") == element.get("name")) {
                    Some(held) => uncovered(held, element, &here),
                    None => Some(here),
                }
            })
        }
        (live, configuration) => (live != configuration).then(|| path.to_owned()),
    }
}

fn traced(law: &'static str, why: &str, run: &Run) -> Violation {
    let trace = run
        .trace
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    Violation::new(law, format!("{why}\n{trace}"))
}

/// A case of `LAW-LT-WRITES-SEEN`: operations on a store, in order. A
/// final drain of every watch is implied.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreCase {
    /// The operations.
    pub ops: Vec<StoreOp>,
}

impl fmt::Debug for StoreCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.ops).finish()
    }
}

/// One operation of a [`StoreCase`], on one of four objects: Pods `a` and
/// `b` (a built-in kind) and Widgets `a` and `b` (a custom resource),
/// whose label `d` the writes set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreOp {
    /// Create the object with label `d`.
    Create {
        /// The object (0 to 3).
        object: u8,
        /// The label's value.
        d: u8,
    },
    /// Read the object, set its label, update it naming its
    /// `resourceVersion` (or, `stale`, the one before).
    Update {
        /// The object.
        object: u8,
        /// The label's value.
        d: u8,
        /// Name a stale `resourceVersion`.
        stale: bool,
    },
    /// Patch the label with a patch of this type.
    Patch {
        /// The object.
        object: u8,
        /// The label's value.
        d: u8,
        /// The patch type.
        how: PatchHow,
    },
    /// Delete the object.
    Delete {
        /// The object.
        object: u8,
        /// Its precondition.
        precondition: Precondition,
    },
    /// Compact the store to this many revisions before its own.
    Compact {
        /// How far back.
        back: u8,
    },
    /// Watch Pods (`Some(0)`), Widgets (`Some(1)`) or everything, from
    /// this many revisions back.
    Watch {
        /// What to watch.
        kind: Option<u8>,
        /// How far back.
        back: u8,
    },
    /// Ask every open watch for a bookmark.
    Progress,
    /// Read every open watch until it has nothing more.
    Drain,
}

/// The patch type of a [`StoreOp::Patch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchHow {
    /// RFC 6902.
    Json,
    /// RFC 7396.
    Merge,
    /// Strategic (refused for Widgets).
    Strategic,
    /// Apply, under an annotation of its own.
    Apply,
}

/// The precondition of a [`StoreOp::Delete`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// None.
    None,
    /// The current `resourceVersion`.
    Fresh,
    /// Another one.
    Stale,
}

/// Store cases: up to 40 operations, writes most often.
pub fn arb_store_case() -> BoxedStrategy<StoreCase> {
    let object = 0u8..4;
    let d = 0u8..3;
    let op = prop_oneof![
        3 => (object.clone(), d.clone()).prop_map(|(object, d)| StoreOp::Create { object, d }),
        2 => (object.clone(), d.clone(), any::<bool>())
            .prop_map(|(object, d, stale)| StoreOp::Update { object, d, stale }),
        3 => (object.clone(), d, prop_oneof![
                Just(PatchHow::Json), Just(PatchHow::Merge), Just(PatchHow::Strategic), Just(PatchHow::Apply)])
            .prop_map(|(object, d, how)| StoreOp::Patch { object, d, how }),
        2 => (object, prop_oneof![
                Just(Precondition::None), Just(Precondition::Fresh), Just(Precondition::Stale)])
            .prop_map(|(object, precondition)| StoreOp::Delete { object, precondition }),
        1 => (0u8..4).prop_map(|back| StoreOp::Compact { back }),
        2 => (proptest::option::of(0u8..2), 0u8..6).prop_map(|(kind, back)| StoreOp::Watch { kind, back }),
        1 => Just(StoreOp::Progress),
        2 => Just(StoreOp::Drain),
    ];
    proptest::collection::vec(op, 1..40)
        .prop_map(|ops| StoreCase { ops })
        .boxed()
}

/// `LAW-LT-WRITES-SEEN` on `store` (empty at the start): runs the case's
/// operations against the store and the reference model and compares.
///
/// # Errors
///
/// The first difference.
pub fn writes_seen(store: &dyn Store, case: &StoreCase) -> Result<(), Violation> {
    let mut model = Model::starting_at(store)
        .map_err(|why| Violation::new("LAW-LT-WRITES-SEEN", format!("at the start: {why}")))?;
    for (index, op) in case.ops.iter().chain([&StoreOp::Drain]).enumerate() {
        model.run(store, *op).map_err(|why| {
            Violation::new(
                "LAW-LT-WRITES-SEEN",
                format!("operation {index} ({op:?}): {why}"),
            )
        })?;
    }
    model
        .acknowledged(store)
        .map_err(|why| Violation::new("LAW-LT-WRITES-SEEN", format!("at the end: {why}")))
}

/// The reference model: the store's history as a list of changes, one per
/// revision from the store's revision at the start (`base`).
#[derive(Default)]
struct Model {
    base: u64,
    revision: u64,
    compacted: u64,
    /// The live objects: revision of the last write, label.
    objects: BTreeMap<Key, (u64, u8)>,
    /// The change of each revision (index = revision − base − 1).
    history: Vec<(Key, Change)>,
    /// Every acknowledged write: its revision, and the object (`None`
    /// for a deletion).
    acknowledged: Vec<(Key, u64, Option<Object>)>,
    watches: Vec<ModelWatch>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Added,
    Modified,
    Deleted,
}

struct ModelWatch {
    watch: Box<dyn Watch>,
    selector: Selector,
    /// The revision of the last message.
    last: u64,
    /// A revision every change up to which the watch has looked at.
    looked: u64,
    progress: bool,
    gone: bool,
}

/// What the model expects of a write: success, or an error code.
type Expected = Result<(), &'static str>;

fn object_key(object: u8) -> Key {
    let kind = if object < 2 { "Pod" } else { "Widget" };
    let name = if object % 2 == 0 { "a" } else { "b" };
    Key::new(kind, "default", name)
}

fn manifest(key: &Key, d: u8) -> Value {
    let api_version = if key.kind() == "Pod" {
        "v1"
    } else {
        "example.com/v1"
    };
    json!({"apiVersion": api_version, "kind": key.kind(),
        "metadata": {"name": key.name(), "namespace": key.namespace(), "labels": {"d": d.to_string()}}})
}

fn label(object: &Object) -> Option<u8> {
    object.value()["metadata"]["labels"]["d"]
        .as_str()
        .and_then(|d| d.parse().ok())
}

impl Model {
    /// The model of a store with no object (under its selectors), at its
    /// current revision and compaction.
    fn starting_at(store: &dyn Store) -> Result<Model, String> {
        let base = store.revision().map_err(|e| e.to_string())?.get();
        let compacted = store.compacted().map_err(|e| e.to_string())?.get();
        Ok(Model {
            base,
            revision: base,
            compacted,
            ..Model::default()
        })
    }

    /// How long a watch may take to receive what the store has
    /// acknowledged (a networked store's watches lag behind its writes).
    const CATCH_UP: std::time::Duration = std::time::Duration::from_secs(10);

    fn run(&mut self, store: &dyn Store, op: StoreOp) -> Result<(), String> {
        match op {
            StoreOp::Create { object, d } => {
                let key = object_key(object);
                let expected = if self.objects.contains_key(&key) {
                    Err("already-exists")
                } else {
                    Ok(())
                };
                self.write(store, &key, Some(d), expected, false, |s| {
                    s.create(manifest(&key, d))
                })
            }
            StoreOp::Update { object, d, stale } => {
                let key = object_key(object);
                let current = self.objects.get(&key).copied();
                let mut value = match store.get(&key, ReadAt::Latest).map_err(|e| e.to_string())? {
                    Some(read) => read.to_value(),
                    None => manifest(&key, d),
                };
                value["metadata"]["labels"] = json!({"d": d.to_string()});
                if let (Some((revision, _)), true) = (current, stale) {
                    value["metadata"]["resourceVersion"] = json!((revision - 1).to_string());
                }
                let expected = match current {
                    None => Err("not-found"),
                    Some(_) if stale => Err("conflict"),
                    Some(_) => Ok(()),
                };
                self.write(store, &key, Some(d), expected, false, |s| s.update(value))
            }
            StoreOp::Patch { object, d, how } => {
                let key = object_key(object);
                let labels = json!({"metadata": {"labels": {"d": d.to_string()}}});
                let (patch, expected) = match how {
                    PatchHow::Apply => (
                        Patch::apply_as(manifest(&key, d), "law/last-applied"),
                        Ok(()),
                    ),
                    _ if !self.objects.contains_key(&key) => {
                        (Patch::Merge(labels), Err("not-found"))
                    }
                    PatchHow::Json => (
                        Patch::Json(
                            patchlaw::json_patch::Patch::from_value(&json!([{"op": "add",
                                "path": "/metadata/labels", "value": {"d": d.to_string()}}]))
                            .map_err(|e| e.to_string())?,
                        ),
                        Ok(()),
                    ),
                    PatchHow::Merge => (Patch::Merge(labels), Ok(())),
                    PatchHow::Strategic if key.kind() == "Widget" => {
                        (Patch::Strategic(labels), Err("unsupported-patch"))
                    }
                    PatchHow::Strategic => (Patch::Strategic(labels), Ok(())),
                };
                let apply = how == PatchHow::Apply;
                self.write(store, &key, Some(d), expected, apply, |s| {
                    s.patch(&key, &patch)
                })
            }
            StoreOp::Delete {
                object,
                precondition,
            } => {
                let key = object_key(object);
                let current = self.objects.get(&key).map(|(r, _)| *r);
                let (condition, expected) = match (current, precondition) {
                    (None, _) => (None, Err("not-found")),
                    (Some(_), Precondition::None) => (None, Ok(())),
                    (Some(r), Precondition::Fresh) => (Some(Revision::new(r)), Ok(())),
                    (Some(r), Precondition::Stale) => (Some(Revision::new(r - 1)), Err("conflict")),
                };
                self.write(store, &key, None, expected, false, |s| {
                    s.delete(&key, condition)
                })
            }
            StoreOp::Compact { back } => {
                let to = self.revision.saturating_sub(u64::from(back));
                store
                    .compact(Revision::new(to))
                    .map_err(|e| e.to_string())?;
                self.compacted = self.compacted.max(to);
                self.check_reads(store)
            }
            StoreOp::Watch { kind, back } => {
                let from = self.revision.saturating_sub(u64::from(back));
                let selector = match kind {
                    Some(0) => Selector::kind("Pod"),
                    Some(_) => Selector::kind("Widget"),
                    None => Selector::all(),
                };
                let gone = from < self.compacted;
                match (store.watch(&selector, Revision::new(from)), gone) {
                    (Ok(watch), false) => {
                        self.watches.push(ModelWatch {
                            watch,
                            selector,
                            last: from,
                            looked: from,
                            progress: false,
                            gone: false,
                        });
                        Ok(())
                    }
                    (Err(err), true) if err.kind().code() == "gone" => Ok(()),
                    (Ok(_), true) => Err(format!(
                        "a watch from {from} started though the store is compacted to {}",
                        self.compacted
                    )),
                    (Err(err), _) => Err(format!("the watch from {from} failed: {err}")),
                }
            }
            StoreOp::Progress => {
                for watch in self.watches.iter_mut().filter(|w| !w.gone) {
                    watch.watch.request_progress();
                    watch.progress = true;
                }
                Ok(())
            }
            StoreOp::Drain => {
                for index in 0..self.watches.len() {
                    self.drain(index)?;
                }
                Ok(())
            }
        }
    }

    /// Makes a write and compares it with the model: success or the error
    /// expected; on success, a new revision holding the label (or the
    /// deletion), or — when the label is already so, and always for an
    /// apply that may change its annotation — nothing written.
    fn write(
        &mut self,
        store: &dyn Store,
        key: &Key,
        d: Option<u8>,
        expected: Expected,
        apply: bool,
        make: impl FnOnce(&dyn Store) -> Result<Object, patchlaw_reconcile::Error>,
    ) -> Result<(), String> {
        let current = self.objects.get(key).copied();
        let object = match (make(store), expected) {
            (Ok(object), Ok(())) => object,
            (Err(err), Err(code)) if err.kind().code() == code => return Ok(()),
            (Err(err), Err(code)) => return Err(format!("failed with {err}, not {code}")),
            (Err(err), Ok(())) => return Err(format!("failed with {err}")),
            (Ok(object), Err(code)) => return Err(format!("made {object:?}, not {code}")),
        };
        if object.key() != key {
            return Err(format!("wrote {:?}", object.key()));
        }
        if d.is_some() && label(&object) != d {
            return Err(format!("left the label {:?}, not {d:?}", label(&object)));
        }
        let revision = object.resource_version().get();
        let unchanged = d.is_some() && current.is_some_and(|(_, label)| Some(label) == d);
        if revision == self.revision + 1 && (apply || !unchanged || current.is_none()) {
            self.revision = revision;
            let change = match (d, current) {
                (None, _) => Change::Deleted,
                (Some(_), None) => Change::Added,
                (Some(_), Some(_)) => Change::Modified,
            };
            self.history.push((key.clone(), change));
            match d {
                Some(d) => self.objects.insert(key.clone(), (revision, d)),
                None => self.objects.remove(key),
            };
            let stored = d.map(|_| object.clone());
            self.acknowledged.push((key.clone(), revision, stored));
            return self.check_read(store, key, revision, d.map(|_| &object));
        }
        match current {
            Some((at, _)) if unchanged && revision == at => Ok(()),
            _ => Err(format!(
                "answered {object:?} at store revision {}, the model is at {}",
                store.revision().map(|r| r.get()).unwrap_or_default(),
                self.revision
            )),
        }
    }

    /// `key` read at `revision` is `object`.
    fn check_read(
        &self,
        store: &dyn Store,
        key: &Key,
        revision: u64,
        object: Option<&Object>,
    ) -> Result<(), String> {
        if revision < self.compacted {
            return Ok(());
        }
        let read = store
            .get(key, ReadAt::Exact(Revision::new(revision)))
            .map_err(|e| format!("reading {key} at {revision}: {e}"))?;
        if read.as_ref() == object {
            Ok(())
        } else {
            Err(format!(
                "{key} read at {revision} is {read:?}, not {object:?}"
            ))
        }
    }

    /// Reads below the compaction are gone; the list at the compaction is
    /// the model's state then.
    fn check_reads(&self, store: &dyn Store) -> Result<(), String> {
        if self.compacted > 0 {
            let below = ReadAt::Exact(Revision::new(self.compacted - 1));
            match store.list(&Selector::all(), below) {
                Err(err) if err.kind().code() == "gone" => {}
                other => return Err(format!("a list below the compaction gave {other:?}")),
            }
        }
        let at = ReadAt::Exact(Revision::new(self.compacted));
        let listed: Vec<(Key, u64)> = store
            .list(&Selector::all(), at)
            .map_err(|e| e.to_string())?
            .items
            .iter()
            .map(|o| (o.key().clone(), o.resource_version().get()))
            .collect();
        let mut state: BTreeMap<Key, u64> = BTreeMap::new();
        for (index, (key, change)) in self
            .history
            .iter()
            .enumerate()
            .take(self.compacted.saturating_sub(self.base) as usize)
        {
            match change {
                Change::Deleted => state.remove(key),
                _ => state.insert(key.clone(), self.base + index as u64 + 1),
            };
        }
        let expected: Vec<(Key, u64)> = state.into_iter().collect();
        if listed == expected {
            Ok(())
        } else {
            Err(format!(
                "the list at {} is {listed:?}, not {expected:?}",
                self.compacted
            ))
        }
    }

    fn drain(&mut self, index: usize) -> Result<(), String> {
        let (base, revision, compacted) = (self.base, self.revision, self.compacted);
        let watch = &mut self.watches[index];
        if watch.gone {
            return Ok(());
        }
        watch
            .watch
            .catch_up(Revision::new(revision), Model::CATCH_UP)
            .map_err(|e| format!("the watch did not catch up: {e}"))?;
        // The changes the watch still owes, in order.
        let owed: Vec<(u64, &Key, Change)> = self
            .history
            .iter()
            .enumerate()
            .map(|(i, (key, change))| (base + i as u64 + 1, key, *change))
            .filter(|(r, key, _)| *r > watch.last && watch.selector.matches(key))
            .collect();
        let mut owed = owed.into_iter();
        loop {
            match watch.watch.next() {
                Ok(Some(message)) => {
                    if message.previous.get() != watch.last {
                        return Err(format!(
                            "a message names {} as its predecessor, the last was {}",
                            message.previous, watch.last
                        ));
                    }
                    let got = message.revision().get();
                    match &message.event {
                        Event::Bookmark(_) => {
                            let next_owed = owed.clone().next().map(|(r, _, _)| r);
                            if !watch.progress
                                || got < watch.last
                                || got > revision
                                || next_owed.is_some_and(|r| r <= got)
                            {
                                return Err(format!("a bookmark at {got} out of place"));
                            }
                            watch.progress = false;
                        }
                        event => {
                            let (want, key, change) = owed
                                .next()
                                .ok_or_else(|| format!("an event at {got} that nothing owes"))?;
                            let kind = match event {
                                Event::Added(_) => Change::Added,
                                Event::Modified(_) => Change::Modified,
                                _ => Change::Deleted,
                            };
                            let object = event.object().map(Object::key);
                            if (got, object, kind) != (want, Some(key), change) {
                                return Err(format!(
                                    "{kind:?} {object:?} at {got}, where {change:?} {key} at {want} is owed"
                                ));
                            }
                        }
                    }
                    watch.last = got;
                }
                Ok(None) => {
                    if let Some((r, key, _)) = owed.next() {
                        return Err(format!("the change of {key} at {r} never came"));
                    }
                    if watch.progress {
                        return Err("a bookmark asked for never came".to_owned());
                    }
                    watch.looked = revision;
                    return Ok(());
                }
                Err(err) if err.kind().code() == "gone" => {
                    if watch.looked.max(watch.last) >= compacted {
                        return Err(format!(
                            "gone, though it had looked up to {} and the store is compacted to {compacted}",
                            watch.looked.max(watch.last)
                        ));
                    }
                    watch.gone = true;
                    return Ok(());
                }
                Err(err) => return Err(format!("the watch failed: {err}")),
            }
        }
    }

    /// Every acknowledged write not compacted away reads back.
    fn acknowledged(&self, store: &dyn Store) -> Result<(), String> {
        for (key, revision, object) in &self.acknowledged {
            self.check_read(store, key, *revision, object.as_ref())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use patchlaw_reconcile::sim::{NoEnvironment, Step};
    use patchlaw_reconcile::store::List;
    use patchlaw_reconcile::Error;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    use super::*;

    /// A memory store whose writes, while `lost` is set, are made but
    /// answered `disconnected` (the answer lost on the way back).
    #[derive(Default)]
    struct AnswersLost {
        store: MemoryStore,
        lost: Arc<AtomicBool>,
    }

    impl AnswersLost {
        fn write(&self, made: Result<Object, Error>) -> Result<Object, Error> {
            if self.lost.load(Ordering::SeqCst) {
                Err(Error::new(ErrorKind::Disconnected, "connection reset"))
            } else {
                made
            }
        }
    }

    impl Store for AnswersLost {
        fn revision(&self) -> Result<Revision, Error> {
            self.store.revision()
        }
        fn compacted(&self) -> Result<Revision, Error> {
            self.store.compacted()
        }
        fn get(&self, key: &Key, at: ReadAt) -> Result<Option<Object>, Error> {
            self.store.get(key, at)
        }
        fn list(&self, selector: &Selector, at: ReadAt) -> Result<List, Error> {
            self.store.list(selector, at)
        }
        fn create(&self, object: Value) -> Result<Object, Error> {
            self.write(self.store.create(object))
        }
        fn update(&self, object: Value) -> Result<Object, Error> {
            self.write(self.store.update(object))
        }
        fn patch(&self, key: &Key, patch: &Patch) -> Result<Object, Error> {
            self.write(self.store.patch(key, patch))
        }
        fn delete(&self, key: &Key, precondition: Option<Revision>) -> Result<Object, Error> {
            self.write(self.store.delete(key, precondition))
        }
        fn watch(&self, selector: &Selector, from: Revision) -> Result<Box<dyn Watch>, Error> {
            self.store.watch(selector, from)
        }
        fn compact(&self, revision: Revision) -> Result<(), Error> {
            self.store.compact(revision)
        }
    }

    /// LAW-LT-APPLIERS-CONVERGE with alice's second apply made but
    /// answered `disconnected`: the Deployment has the image of the apply
    /// whose answer was lost, which the law accepts as one outcome of it.
    #[test]
    fn a_write_whose_answer_is_lost_may_have_been_made() {
        let store = AnswersLost::default();
        let lost = Arc::clone(&store.lost);
        let mut environment = move |which: u8, _: &dyn Store| {
            lost.store(which == 0, Ordering::SeqCst);
            format!("answers lost: {}", which == 0)
        };
        let apply = |choice| Step::Write { writer: 0, choice };
        let schedule = Schedule::new(vec![
            apply(0),
            Step::Environment(0),
            apply(1),
            Step::Environment(1),
            Step::Tick,
            Step::Tick,
        ]);
        let deployments = Deployments::new(PodKeeper::Level).injector(true);
        let store: Arc<dyn Store> = Arc::new(store);
        let run = deployments
            .scenario()
            .trace_on(Arc::clone(&store), &schedule, &mut environment);
        assert_eq!(run.writes[1].2, Err(ErrorKind::Disconnected));
        let outcomes = intents(&deployments, &run);
        let images: Vec<&str> = outcomes.iter().map(|o| o["web"].image).collect();
        assert_eq!(images, ["app:1", "app:2"]);
        let live = run
            .store
            .list(&Selector::kind("Deployment"), ReadAt::Latest)
            .unwrap()
            .items;
        let why = matches_intents(&live, &outcomes[0]).unwrap_err();
        assert!(why.contains("user last applied app:1"), "{why}");
        assert_eq!(matches_intents(&live, &outcomes[1]), Ok(()));

        let store = AnswersLost::default();
        let lost = Arc::clone(&store.lost);
        let mut environment = move |which: u8, _: &dyn Store| {
            lost.store(which == 0, Ordering::SeqCst);
            String::new()
        };
        assert_eq!(
            appliers_converge_on(Arc::new(store), &mut environment, &schedule),
            Ok(())
        );
    }

    #[test]
    fn a_write_refused_by_the_store_is_not_an_unknown_outcome() {
        assert!(refused(ErrorKind::Conflict) && refused(ErrorKind::NotFound));
        assert!(!refused(ErrorKind::Disconnected));
    }

    /// The laws played on a given store agree with the laws played on a
    /// new memory store, failures and their traces included.
    #[test]
    fn the_laws_on_a_given_store_are_the_laws_on_memory() {
        let store = || Arc::new(MemoryStore::new()) as Arc<dyn Store>;
        let mut runner = TestRunner::deterministic();
        for _ in 0..6 {
            let schedule = level_schedules().new_tree(&mut runner).unwrap().current();
            let env = &mut NoEnvironment;
            assert_eq!(
                no_time_travel_on(store(), env, &schedule),
                no_time_travel(&schedule)
            );
            assert_eq!(
                cache_is_store_on(store(), env, &schedule),
                cache_is_store(&schedule)
            );
            assert_eq!(converges_on(store(), env, &schedule), converges(&schedule));
            let schedule = appliers_schedules()
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let on = appliers_converge_on(store(), env, &schedule);
            assert_eq!(on, appliers_converge(&schedule));
        }
        assert_eq!(
            edge_diverges_on(&|| Ok(store()), &mut NoEnvironment),
            Ok(())
        );
        // The spec's counterexample with a crash.
        let crash = Schedule::new(vec![
            Step::Write {
                writer: 1,
                choice: 0,
            },
            Step::Tick,
            Step::Fault {
                actor: 0,
                fault: patchlaw_reconcile::sim::Fault::Crash(0),
            },
            Step::Write {
                writer: 1,
                choice: 2,
            },
        ]);
        let on = resync_repairs_on(store(), &mut NoEnvironment, &crash);
        assert!(on
            .as_ref()
            .is_err_and(|v| v.message.contains("orphan pods api-0")));
        assert_eq!(on, resync_repairs(&crash));
        let no_store = || Err(Error::new(ErrorKind::Disconnected, "no etcd"));
        let err = edge_diverges_on(&no_store, &mut NoEnvironment).unwrap_err();
        assert_eq!(err.message, "no store: disconnected: no etcd");
    }
}
