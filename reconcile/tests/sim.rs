//! `sim`: the scheduler, the faults, traces and the test bed, on the
//! talk's scenario.

use patchlaw_reconcile::sim::{
    schedules, Deployments, Fault, FaultKind, FaultProfile, PodKeeper, Schedule, SimOptions, Step,
    TestBed,
};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

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
