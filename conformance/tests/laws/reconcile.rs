//! LAW-LT-*: spec/60-reconcile.md.
//!
//! Besides one test per law: the named counterexamples of
//! LAW-LT-EDGE-DIVERGES, one per failure mode of an edge-triggered
//! consumer, each repaired by gap detection and relist (LAW-LT-RESYNC-REPAIRS);
//! the counterexamples the spec gives for the limits of the repair; and
//! checks that the generators reach every fault and both outcomes.

use patchlaw_conformance::laws::reconcile::{
    self as law, arb_store_case, PatchHow, Precondition, StoreCase, StoreOp,
};
use patchlaw_reconcile::sim::{
    Deployments, FailureMode, Fault, FaultKind, FaultProfile, PodKeeper, Run, Schedule, Step,
    TestBed,
};
use patchlaw_reconcile::store::MemoryStore;

law_tests! {
    writes_seen: "LAW-LT-WRITES-SEEN",
    no_time_travel: "LAW-LT-NO-TIME-TRAVEL",
    cache_is_store: "LAW-LT-CACHE-IS-STORE",
    converges: "LAW-LT-CONVERGES",
    appliers_converge: "LAW-LT-APPLIERS-CONVERGE",
    edge_diverges: "LAW-LT-EDGE-DIVERGES",
    resync_repairs: "LAW-LT-RESYNC-REPAIRS",
}

fn run(consumer: PodKeeper, schedule: &Schedule) -> Run {
    Deployments::new(consumer).scenario().trace(schedule)
}

fn trace(run: &Run) -> String {
    run.trace
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// The naive consumer fails `mode`'s schedule as `fails` says; the one
/// with gap detection and relist reaches the desired state within the
/// bound.
fn counterexample(mode: FailureMode, fails: impl Fn(&Run) -> bool) {
    let schedule = mode.schedule();
    let naive = run(PodKeeper::Edge, &schedule);
    assert!(fails(&naive), "{}:\n{}", mode.name(), trace(&naive));
    let repaired = run(PodKeeper::EdgeWithRelist, &schedule);
    assert!(
        repaired
            .converged_after
            .is_some_and(|t| t <= Deployments::BOUND),
        "{}:\n{}",
        mode.name(),
        trace(&repaired)
    );
}

/// LAW-LT-EDGE-DIVERGES, lost data: the event is dropped and the consumer
/// never creates the pod (2 steps).
#[test]
fn edge_lost_data() {
    assert_eq!(FailureMode::LostData.schedule().len(), 2);
    counterexample(FailureMode::LostData, |run| {
        run.desired
            .as_ref()
            .is_err_and(|why| why.contains("has no pods"))
    });
}

/// LAW-LT-EDGE-DIVERGES, stale data: the scale to 0 arrives after the
/// scale back to 1, and the consumer deletes the pod (4 steps).
#[test]
fn edge_stale_data() {
    assert_eq!(FailureMode::StaleData.schedule().len(), 4);
    counterexample(FailureMode::StaleData, |run| {
        run.desired
            .as_ref()
            .is_err_and(|why| why.contains("web wants 1×app:1, has no pods"))
    });
}

/// LAW-LT-EDGE-DIVERGES, slow reaction: the event comes 21 ticks late and
/// so does the pod, past the bound (2 steps).
#[test]
fn edge_slow_reaction() {
    assert_eq!(FailureMode::SlowReaction.schedule().len(), 2);
    counterexample(FailureMode::SlowReaction, |run| {
        run.converged_after == Some(22) && run.desired.is_ok()
    });
}

/// The test bed finds each failure mode's schedule again from scratch,
/// shrunk to the same length.
#[test]
fn the_failure_modes_are_minimal() {
    let scenario = Deployments::new(PodKeeper::Edge).scenario();
    for (mode, kind, bound) in [
        (FailureMode::LostData, FaultKind::Drop, None),
        (FailureMode::StaleData, FaultKind::Reorder, None),
        (
            FailureMode::SlowReaction,
            FaultKind::Delay,
            Some(Deployments::BOUND),
        ),
    ] {
        let mut bed = TestBed::new(&scenario)
            .faults(FaultProfile::none().with(kind))
            .cases(2000);
        if let Some(bound) = bound {
            bed = bed.within(bound);
        }
        let failure = bed.check().unwrap_err();
        assert_eq!(failure.schedule.len(), mode.schedule().len(), "{failure}");
    }
}

/// The spec's counterexample to LAW-LT-RESYNC-REPAIRS with crashes: the
/// consumer's memory of the last values is lost, and with it the pods a
/// deletion made while it was down leaves behind.
#[test]
fn gap_detection_does_not_survive_a_crash() {
    let schedule = Schedule::new(vec![
        Step::Write {
            writer: 1,
            choice: 0,
        },
        Step::Tick,
        Step::Fault {
            actor: 0,
            fault: Fault::Crash(0),
        },
        Step::Write {
            writer: 1,
            choice: 2,
        },
    ]);
    let repaired = run(PodKeeper::EdgeWithRelist, &schedule);
    assert!(
        repaired
            .desired
            .as_ref()
            .is_err_and(|why| why.contains("orphan pods api-0")),
        "{}",
        trace(&repaired)
    );
    assert_eq!(run(PodKeeper::Level, &schedule).converged_after, Some(2));
}

/// The spec's counterexample with a writer the consumer does not watch:
/// a pod deleted by someone else is never made again by the edge-triggered
/// consumers.
#[test]
fn an_edge_triggered_consumer_does_not_see_what_it_does_not_watch() {
    let schedule = Schedule::new(vec![
        Step::Write {
            writer: 1,
            choice: 0,
        },
        Step::Tick,
        Step::Write {
            writer: 3,
            choice: 2,
        },
    ]);
    for consumer in PodKeeper::ALL {
        let run = Deployments::new(consumer)
            .chaos(true)
            .scenario()
            .run(&schedule);
        assert_eq!(
            run.desired.is_ok(),
            consumer == PodKeeper::Level,
            "{consumer:?}"
        );
    }
}

/// The level-triggered schedules hold every kind of fault, and some are
/// long enough to take time to converge.
#[test]
fn the_schedules_reach_every_fault() {
    let cases = super::samples(&law::CONVERGES, 300);
    for kind in FaultKind::ALL {
        let found = cases.iter().any(|schedule| {
            schedule.steps().iter().any(|step| match step {
                Step::Fault { fault, .. } => fault.kind() == kind,
                Step::Compact => kind == FaultKind::Compact,
                _ => false,
            })
        });
        assert!(found, "no schedule holds {kind:?}");
    }
    let slow = cases.iter().filter(|s| {
        let run = law::level_scenario().scenario().run(s);
        run.converged_after.is_some_and(|t| t >= 3)
    });
    assert!(slow.count() >= 10);
}

/// The store cases reach every outcome the model tells apart.
#[test]
fn the_store_cases_reach_conflicts_gone_watches_and_bookmarks() {
    let cases = super::samples(&law::WRITES_SEEN, 300);
    let has = |pred: &dyn Fn(&StoreOp) -> bool| cases.iter().any(|c| c.ops.iter().any(pred));
    assert!(has(&|op| matches!(op, StoreOp::Update { stale: true, .. })));
    assert!(has(&|op| matches!(
        op,
        StoreOp::Delete {
            precondition: Precondition::Stale,
            ..
        }
    )));
    assert!(has(&|op| matches!(
        op,
        StoreOp::Patch {
            how: PatchHow::Strategic,
            object: 2..=3,
            ..
        }
    )));
    assert!(has(&|op| matches!(op, StoreOp::Compact { .. })));
    assert!(has(&|op| matches!(op, StoreOp::Progress)));
    let _ = arb_store_case;
}

/// LAW-LT-WRITES-SEEN on a hand-made case: a stale update, a compaction
/// that leaves a watch behind, a bookmark.
#[test]
fn writes_seen_on_a_stale_update_and_a_watch_left_behind() {
    let case = StoreCase {
        ops: vec![
            StoreOp::Watch {
                kind: None,
                back: 0,
            },
            StoreOp::Create { object: 0, d: 1 },
            StoreOp::Update {
                object: 0,
                d: 2,
                stale: false,
            },
            StoreOp::Update {
                object: 0,
                d: 0,
                stale: true,
            },
            StoreOp::Patch {
                object: 2,
                d: 1,
                how: PatchHow::Apply,
            },
            StoreOp::Watch {
                kind: Some(1),
                back: 0,
            },
            StoreOp::Progress,
            StoreOp::Compact { back: 0 },
            StoreOp::Drain,
        ],
    };
    law::writes_seen(&MemoryStore::new(), &case).unwrap();
}
