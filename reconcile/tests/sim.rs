//! `sim`: the scheduler, the faults, traces and the test bed, on the
//! talk's scenario, on a new memory store and on given stores.

use std::cell::Cell;
use std::sync::Arc;

use patchlaw_reconcile::sim::{
    schedules, Deployments, Fault, FaultKind, FaultProfile, NoEnvironment, PodKeeper, Schedule,
    SimOptions, Step, TestBed,
};
use patchlaw_reconcile::store::{MemoryStore, Store};
use patchlaw_reconcile::{Error, ErrorKind, Revision};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::json;

mod remote;

use remote::Remote;

/// alice applies web with app:1.
const APPLY_WEB: Step = Step::Write {
    writer: 0,
    choice: 0,
};
/// alice applies web with app:2.
const APPLY_WEB_2: Step = Step::Write {
    writer: 0,
    choice: 1,
};
/// alice deletes web.
const DELETE_WEB: Step = Step::Write {
    writer: 0,
    choice: 2,
};

/// The autoscaler scales web to `n`.
fn scale_web(n: usize) -> Step {
    Step::Write {
        writer: 2,
        choice: n,
    }
}

fn fault(fault: Fault) -> Step {
    Step::Fault { actor: 0, fault }
}

fn trace_of(consumer: PodKeeper, steps: Vec<Step>) -> String {
    let run = Deployments::new(consumer)
        .scenario()
        .trace(&Schedule::new(steps));
    run.trace.unwrap().to_string()
}

#[test]
fn the_same_schedule_gives_the_same_run() {
    let scenario = Deployments::new(PodKeeper::Level)
        .injector(true)
        .chaos(true)
        .scenario();
    let shape = scenario.shape().faults(FaultProfile::all());
    let mut runner = TestRunner::deterministic();
    for _ in 0..8 {
        let schedule = schedules(&shape).new_tree(&mut runner).unwrap().current();
        let (a, b) = (scenario.trace(&schedule), scenario.trace(&schedule));
        assert_eq!(a.trace, b.trace);
        assert_eq!(a.revision, b.revision);
        assert_eq!(scenario.run(&schedule).converged_after, a.converged_after);
    }
}

#[test]
fn each_fault_shows_in_the_trace() {
    let cases = [
        (Fault::Drop, "lost ADDED Deployment default/web@1"),
        (
            Fault::Duplicate,
            "duplicated ADDED Deployment default/web@1",
        ),
        (
            Fault::Delay(3),
            "delayed ADDED Deployment default/web@1 by 3 ticks",
        ),
        (Fault::Reorder, "held back ADDED Deployment default/web@1"),
        (Fault::Disconnect, "fault: disconnect"),
        (Fault::Lag(2), "fault: reads lag at rv 0 for 2 ticks"),
        (Fault::Crash(0), "restart"),
    ];
    for (f, shown) in cases {
        let trace = trace_of(
            PodKeeper::Level,
            vec![fault(f), APPLY_WEB, Step::Tick, Step::Tick, Step::Tick],
        );
        assert!(trace.contains(shown), "{f:?}:\n{trace}");
    }
    let trace = trace_of(PodKeeper::Level, vec![APPLY_WEB, Step::Compact]);
    assert!(trace.contains("compact to rv 1"), "{trace}");
}

#[test]
fn a_duplicated_message_is_set_aside_by_a_reflector() {
    let trace = trace_of(
        PodKeeper::Level,
        vec![fault(Fault::Duplicate), APPLY_WEB, Step::Tick],
    );
    assert!(
        trace.contains("ignore stale ADDED Deployment default/web@1"),
        "{trace}"
    );
}

#[test]
fn a_crash_in_the_middle_of_a_reconcile_leaves_an_intermediate_state_that_is_repaired() {
    let steps = vec![APPLY_WEB, scale_web(3), fault(Fault::Crash(1)), Step::Tick];
    let run = Deployments::new(PodKeeper::Level)
        .scenario()
        .trace(&Schedule::new(steps));
    let trace = run.trace.unwrap().to_string();
    assert!(
        trace.contains("crashed in the middle of its writes"),
        "{trace}"
    );
    assert!(trace.contains("web 3×app:1 [web-0]"), "{trace}");
    assert!(run.desired.is_ok(), "{trace}");
}

#[test]
fn lagging_reads_show_a_restarted_controller_an_old_state() {
    let steps = vec![
        APPLY_WEB,
        Step::Tick,
        fault(Fault::Lag(4)),
        APPLY_WEB_2,
        fault(Fault::Crash(0)),
        Step::Tick,
        Step::Tick,
    ];
    let trace = trace_of(PodKeeper::Level, steps);
    assert!(
        trace.contains("list Deployment in default: 1 at rv 2"),
        "{trace}"
    );
    assert!(trace.contains("desired"), "{trace}");
}

#[test]
fn the_naive_edge_consumer_loses_a_dropped_event_for_good_and_the_others_do_not() {
    let steps = vec![fault(Fault::Drop), APPLY_WEB];
    for consumer in PodKeeper::ALL {
        let run = Deployments::new(consumer)
            .scenario()
            .run(&Schedule::new(steps.clone()));
        assert_eq!(
            run.desired.is_ok(),
            consumer != PodKeeper::Edge,
            "{consumer:?}"
        );
    }
}

#[test]
fn a_deleted_deployment_takes_its_pods_along() {
    for consumer in PodKeeper::ALL {
        let steps = vec![APPLY_WEB, scale_web(2), Step::Tick, Step::Tick, DELETE_WEB];
        let run = Deployments::new(consumer)
            .scenario()
            .run(&Schedule::new(steps));
        assert!(run.converged_after.is_some_and(|t| t <= 2), "{consumer:?}");
    }
}

#[test]
fn the_cache_invariants_hold_for_the_reflector_under_every_fault() {
    let scenario = Deployments::new(PodKeeper::Level)
        .injector(true)
        .chaos(true)
        .options(SimOptions::new().check_invariants(true))
        .scenario();
    let result = TestBed::new(&scenario)
        .faults(FaultProfile::all())
        .within(Deployments::BOUND)
        .cases(64)
        .check();
    assert_eq!(result.map_err(|f| f.to_string()), Ok(64));
}

#[test]
fn the_test_bed_shrinks_a_lost_event_to_two_steps() {
    let scenario = Deployments::new(PodKeeper::Edge).scenario();
    let failure = TestBed::new(&scenario)
        .faults(FaultProfile::none().with(FaultKind::Drop))
        .check()
        .unwrap_err();
    assert_eq!(failure.schedule.len(), 2, "{failure}");
    let text = failure.to_string();
    assert!(text.contains("lost ADDED Deployment"), "{text}");
    assert!(text.contains("NOT desired"), "{text}");
}

#[test]
fn a_late_event_makes_a_slow_reaction() {
    let steps = vec![fault(Fault::Delay(40)), APPLY_WEB];
    let edge = Deployments::new(PodKeeper::Edge)
        .scenario()
        .run(&Schedule::new(steps.clone()));
    assert!(edge.converged_after.unwrap() > Deployments::BOUND);
    for consumer in [PodKeeper::EdgeWithRelist, PodKeeper::Level] {
        let run = Deployments::new(consumer)
            .scenario()
            .run(&Schedule::new(steps.clone()));
        assert!(
            run.converged_after.unwrap() <= Deployments::BOUND,
            "{consumer:?}"
        );
    }
}

#[test]
fn a_survey_counts_every_run() {
    let scenario = Deployments::new(PodKeeper::Level).scenario();
    let survey = TestBed::new(&scenario)
        .faults(FaultProfile::all())
        .cases(20)
        .survey();
    assert_eq!((survey.runs, survey.desired), (20, 20));
    assert_eq!(survey.ticks.len(), 20);
}

/// `count` schedules of `shape`, from the deterministic seed.
fn some_schedules(shape: &patchlaw_reconcile::sim::Shape, count: usize) -> Vec<Schedule> {
    let mut runner = TestRunner::deterministic();
    (0..count)
        .map(|_| schedules(shape).new_tree(&mut runner).unwrap().current())
        .collect()
}

/// The level-triggered scenario of the laws, with the invariants checked.
fn checked_level_scenario() -> patchlaw_reconcile::sim::Scenario {
    Deployments::new(PodKeeper::Level)
        .injector(true)
        .chaos(true)
        .options(SimOptions::new().check_invariants(true))
        .scenario()
}

/// The laws' regression files and the test bed's reports are seeds: a
/// seed gives these schedules, whatever options of the shape are left at
/// their defaults.
#[test]
fn the_schedules_of_a_seed_are_pinned() {
    let level = Deployments::new(PodKeeper::Level)
        .injector(true)
        .chaos(true)
        .scenario();
    let edge = Deployments::new(PodKeeper::Edge).scenario();
    let cases: [(_, &[&str]); 2] = [
        (
            level,
            &[
                "[w3.1, w2.5, tick, tick, tick, tick, drop@1]",
                "[]",
                "[duplicate@0, tick, compact, w3.0, w2.7, w0.2, w3.0, lag 1@0, w1.2, w1.2, tick]",
            ],
        ),
        (
            edge,
            &[
                "[w2.5, w2.0, w2.7, w0.0, w0.0, tick, w2.0]",
                "[tick, w0.0, w2.4, w1.0, disconnect@0, w2.0, tick, w2.7, tick, w0.1, tick, \
                 w1.0, tick, drop@0, w2.0, w0.0, w1.0, w2.3, lag 4@0, tick, w1.1, tick, w1.0]",
            ],
        ),
    ];
    for (scenario, expected) in cases {
        let shape = scenario.shape().faults(FaultProfile::all());
        assert_eq!(shape.clone().environment(0), shape);
        let got: Vec<String> = some_schedules(&shape, expected.len())
            .iter()
            .map(|s| format!("{s:?}"))
            .collect();
        assert_eq!(got, expected);
    }
}

#[test]
fn environment_events_are_generated_only_when_the_shape_allows_them() {
    let scenario = Deployments::new(PodKeeper::Level).scenario();
    let events = |shape| -> Vec<u8> {
        some_schedules(&shape, 200)
            .iter()
            .flat_map(|s| s.steps().to_vec())
            .filter_map(|step| match step {
                Step::Environment(which) => Some(which),
                _ => None,
            })
            .collect()
    };
    assert!(events(scenario.shape().faults(FaultProfile::all())).is_empty());
    let found = events(scenario.shape().environment(2));
    assert!(found.contains(&0) && found.contains(&1), "{found:?}");
    assert!(found.iter().all(|which| *which < 2), "{found:?}");
}

#[test]
fn an_environment_event_without_an_environment_changes_nothing() {
    let steps = vec![APPLY_WEB, Step::Environment(0), Step::Tick];
    let run = Deployments::new(PodKeeper::Level)
        .scenario()
        .trace(&Schedule::new(steps));
    let trace = run.trace.unwrap().to_string();
    assert!(
        trace.contains("environment  event 0: no environment, nothing happens"),
        "{trace}"
    );
    assert_eq!(run.converged_after, Some(0), "{trace}");
}

#[test]
fn a_run_on_a_given_memory_store_is_the_run_on_a_new_one() {
    let scenario = checked_level_scenario();
    for schedule in some_schedules(&scenario.shape().faults(FaultProfile::all()), 16) {
        let (new, given) = (
            scenario.trace(&schedule),
            scenario.trace_on(Arc::new(MemoryStore::new()), &schedule, &mut NoEnvironment),
        );
        assert_eq!(new.trace, given.trace);
        assert_eq!(new.violations, given.violations);
        assert_eq!(new.writes, given.writes);
        assert_eq!(given.store.revision().unwrap(), new.revision);
    }
}

/// Settling asks each watch to catch up with the store before taking what
/// it has: a store whose watches hand on nothing until asked gives the
/// same runs as the memory store.
#[test]
fn a_store_whose_watches_deliver_late_gives_the_same_runs_once_settled() {
    for consumer in PodKeeper::ALL {
        let scenario = Deployments::new(consumer)
            .injector(consumer == PodKeeper::Level)
            .chaos(true)
            .options(SimOptions::new().check_invariants(true))
            .scenario();
        for schedule in some_schedules(&scenario.shape().faults(FaultProfile::all()), 48) {
            let memory = scenario.trace(&schedule);
            let remote =
                scenario.trace_on(Arc::new(Remote::default()), &schedule, &mut NoEnvironment);
            assert_eq!(memory.trace, remote.trace, "{consumer:?} {schedule:?}");
            assert_eq!(memory.violations, remote.violations);
            assert_eq!((remote.late, remote.unchecked), (0, 0));
        }
    }
}

#[test]
fn a_watch_that_never_catches_up_is_late_and_the_run_goes_on() {
    let remote = Remote::default();
    remote.set(|s| s.stall = true);
    let steps = vec![APPLY_WEB, Step::Tick, Step::Tick, scale_web(2), Step::Tick];
    let run = checked_level_scenario().trace_on(
        Arc::new(remote),
        &Schedule::new(steps),
        &mut NoEnvironment,
    );
    let trace = run.trace.as_ref().unwrap().to_string();
    assert!(run.late > 0);
    assert!(
        trace.contains("controller  late: a watch has not caught up with rv 1"),
        "{trace}"
    );
    assert!(run.violations.is_empty(), "{:?}", run.violations);
    // Nothing reaches the controller but its first lists.
    assert_eq!(run.delivered, 0);
}

/// A history that lags cannot say what the store held: the cache checks
/// it cannot make are skipped and counted, not reported broken.
#[test]
fn cache_checks_a_lagging_history_cannot_make_are_skipped_and_counted() {
    let remote = Remote::default();
    remote.set(|s| s.stall_all = true);
    let steps = vec![APPLY_WEB, Step::Tick, Step::Tick, scale_web(2), Step::Tick];
    let run = checked_level_scenario().trace_on(
        Arc::new(remote),
        &Schedule::new(steps),
        &mut NoEnvironment,
    );
    let trace = run.trace.as_ref().unwrap().to_string();
    assert!(run.violations.is_empty(), "{:?}", run.violations);
    assert!(run.unchecked > 0, "{trace}");
    assert!(
        trace.contains("history     late: not caught up with rv 1"),
        "{trace}"
    );
    assert!(
        trace.contains("not checked: the history does not know that state"),
        "{trace}"
    );
    assert!(run.desired.is_ok(), "{trace}");
}

/// Another client writes twice and compacts behind the watches' backs:
/// the history's watch is gone, it lists again, and the states it skipped
/// are not held against the caches.
#[test]
fn a_compaction_behind_the_history_makes_it_list_again() {
    let mut others = 0;
    let mut environment = |_: u8, store: &dyn Store| {
        for _ in 0..2 {
            others += 1;
            store
                .create(json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("other-{others}"), "namespace": "elsewhere"}}))
                .unwrap();
        }
        let revision = store.revision().unwrap();
        store.compact(revision).unwrap();
        format!("another client wrote twice and compacted to rv {revision}")
    };
    let steps = vec![
        APPLY_WEB,
        Step::Tick,
        Step::Environment(0),
        scale_web(2),
        Step::Tick,
        Step::Tick,
    ];
    let run = checked_level_scenario().trace_on(
        Arc::new(MemoryStore::new()),
        &Schedule::new(steps),
        &mut environment,
    );
    let trace = run.trace.as_ref().unwrap().to_string();
    assert!(run.violations.is_empty(), "{:?}\n{trace}", run.violations);
    assert_eq!(run.history_breaks, 1, "{trace}");
    assert!(
        trace.contains("history      rv 3 is compacted away: listed again at rv 5"),
        "{trace}"
    );
    assert!(run.converged_after.is_some(), "{trace}");
}

#[test]
fn writes_that_fail_with_transport_errors_are_recorded() {
    let remote = Remote::default();
    let switch = remote.clone();
    let mut environment = move |which: u8, _: &dyn Store| {
        switch.set(|s| s.down = which == 0);
        if which == 0 {
            "the store is down"
        } else {
            "the store is back"
        }
        .to_owned()
    };
    let steps = vec![
        APPLY_WEB,
        Step::Environment(0),
        scale_web(2),
        Step::Tick,
        Step::Tick,
        Step::Environment(1),
        scale_web(3),
    ];
    let run = Deployments::new(PodKeeper::Level).scenario().trace_on(
        Arc::new(remote),
        &Schedule::new(steps),
        &mut environment,
    );
    let trace = run.trace.as_ref().unwrap().to_string();
    assert_eq!(
        run.writes[1],
        (2, 2, Err(ErrorKind::Disconnected)),
        "{trace}"
    );
    assert_eq!(run.writes[2].2.map(Revision::get), Ok(2), "{trace}");
    assert!(trace.contains("scale web to 2 → disconnected"), "{trace}");
    assert!(run.desired.is_ok(), "{trace}");
}

#[test]
fn a_store_that_starts_late_and_was_compacted_before_changes_nothing_but_revisions() {
    let scenario = checked_level_scenario();
    for schedule in some_schedules(&scenario.shape().faults(FaultProfile::all()), 32) {
        let run = scenario.run_on(Arc::new(Remote::at(7)), &schedule, &mut NoEnvironment);
        assert_eq!(run.start, Revision::new(7));
        assert!(
            run.violations.is_empty(),
            "{schedule:?}: {:?}",
            run.violations
        );
        assert_eq!(run.unchecked, 0);
        let memory = scenario.run(&schedule);
        assert_eq!(run.converged_after, memory.converged_after, "{schedule:?}");
        assert_eq!(run.revision.get() - 7, memory.revision.get());
    }
}

#[test]
fn the_test_bed_plays_each_case_on_a_fresh_store_from_its_factory() {
    let scenario = checked_level_scenario();
    let made = Cell::new(0);
    let bed = TestBed::new(&scenario)
        .faults(FaultProfile::all())
        .within(Deployments::BOUND)
        .cases(16)
        .store(|| {
            made.set(made.get() + 1);
            Ok(Arc::new(Remote::at(3)))
        });
    assert_eq!(bed.check().map_err(|f| f.to_string()), Ok(16));
    assert_eq!(made.get(), 16);
    let survey = bed.survey();
    assert_eq!(
        (survey.runs, survey.within, survey.store_errors),
        (16, 16, 0)
    );
}

#[test]
fn the_test_bed_finds_the_same_failure_on_a_store_whose_watches_deliver_late() {
    let scenario = Deployments::new(PodKeeper::Edge).scenario();
    let drops = FaultProfile::none().with(FaultKind::Drop);
    let memory = TestBed::new(&scenario).faults(drops).check().unwrap_err();
    let remote = TestBed::new(&scenario)
        .faults(drops)
        .store(|| Ok(Arc::new(Remote::default())))
        .check()
        .unwrap_err();
    assert_eq!(memory.schedule, remote.schedule);
    assert_eq!(memory.to_string(), remote.to_string());
}

#[test]
fn a_store_that_cannot_be_made_fails_the_check_and_is_counted_by_a_survey() {
    let scenario = Deployments::new(PodKeeper::Level).scenario();
    let bed = TestBed::new(&scenario).cases(8).store(|| {
        Err(Error::new(
            ErrorKind::Disconnected,
            "no etcd at 127.0.0.1:2379",
        ))
    });
    let failure = bed.check().unwrap_err();
    assert!(failure.run.is_none());
    assert_eq!(
        failure.why,
        "no store for the run: disconnected: no etcd at 127.0.0.1:2379"
    );
    let survey = bed.survey();
    assert_eq!((survey.runs, survey.store_errors), (0, 8));
}
