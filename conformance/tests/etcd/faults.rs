//! The reflector laws and eventual stable reconciliation on etcd, with real
//! faults: the talk's Deployments scenario (users applying with kubectl's
//! annotation, an autoscaler, an injector applying under its own, a chaos
//! writer, the level-triggered pod keeper), every simulated fault of the
//! link between store and consumers, compactions of the real store, and
//! environment events that happen to the etcd processes themselves:
//!
//! - one member: `env0` kills it with SIGKILL and restarts it from its
//!   data directory; `env1` stops it gracefully (the server closes every
//!   watch stream) and restarts it;
//! - three members: `env0` kills the leader with SIGKILL during the stream
//!   of writes (a member still down from an earlier kill is restarted
//!   first, so that a quorum remains); `env1` restarts the members that are
//!   down. The store's clients move to the members that are up.
//!
//! Each schedule runs on a store of its own (a fresh key prefix) and checks
//! `LAW-LT-NO-TIME-TRAVEL`, `LAW-LT-CACHE-IS-STORE` (at every step) and
//! `LAW-LT-CONVERGES` (desired within the bound once writes and faults
//! stop, and for good); the appliers' schedules check
//! `LAW-LT-APPLIERS-CONVERGE`. The counts of lists, watches and how they ended,
//! and of the faults played, are printed at the end.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use patchlaw_conformance::laws::reconcile::appliers_converge_on;
use patchlaw_reconcile::sim::{
    schedules, Deployments, Environment, FaultProfile, Invariant, PodKeeper, Run, Schedule,
};
use patchlaw_reconcile::store::etcd::server::{Cluster, Member};
use patchlaw_reconcile::store::etcd::{EtcdOptions, EtcdStore};
use patchlaw_reconcile::store::Store;
use proptest::test_runner::TestCaseError;

use crate::support::{
    checked_level_scenario, exclusive, prefix, schedules_per_test, seeded_runner,
};

#[test]
fn the_laws_hold_on_one_member_killed_and_restarted() {
    let _only = exclusive();
    let member = Member::start().unwrap_or_else(|e| panic!("cannot start etcd: {e}"));
    let endpoints = vec![member.client_url().to_owned()];
    let mut environment = OneMember::new(&member);
    let counts = play(
        &endpoints,
        schedules_per_test(120),
        1,
        &mut environment,
        || {},
    );
    eprintln!(
        "etcd, one member: {counts}; {} SIGKILL + restart, {} graceful stop + restart",
        environment.kills, environment.stops
    );
    assert!(
        environment.kills > 0 && environment.stops > 0,
        "no fault was played"
    );
}

#[test]
fn the_laws_hold_on_three_members_whose_leader_is_killed() {
    let _only = exclusive();
    let cluster = Cluster::start(3).unwrap_or_else(|e| panic!("cannot start etcd: {e}"));
    let endpoints = cluster.endpoints();
    let environment = RefCell::new(ThreeMembers {
        cluster: &cluster,
        down: Vec::new(),
        leaders_killed: 0,
        restarts: 0,
    });
    let counts = play(
        &endpoints,
        schedules_per_test(80),
        2,
        &mut |which: u8, store: &dyn Store| environment.borrow_mut().event(which, store),
        // Every run starts with all three members up.
        || {
            environment.borrow_mut().restart_all();
        },
    );
    let environment = environment.into_inner();
    eprintln!(
        "etcd, three members: {counts}; {} leaders killed, {} restarts",
        environment.leaders_killed, environment.restarts
    );
    assert!(environment.leaders_killed > 0, "no leader was killed");
}

#[test]
fn appliers_converge_on_one_member_killed_and_restarted() {
    let _only = exclusive();
    let member = Member::start().unwrap_or_else(|e| panic!("cannot start etcd: {e}"));
    let endpoints = vec![member.client_url().to_owned()];
    let mut environment = OneMember::new(&member);
    let shape = Deployments::new(PodKeeper::Level)
        .injector(true)
        .scenario()
        .shape()
        .faults(FaultProfile::all())
        .environment(2);
    let environment_cell = RefCell::new(&mut environment);
    let mut runner = seeded_runner(schedules_per_test(40), 3);
    let result = runner.run(&schedules(&shape), |schedule: Schedule| {
        let store = connect(&endpoints)?;
        let mut environment = environment_cell.borrow_mut();
        appliers_converge_on(store, &mut **environment, &schedule)
            .map_err(|v| TestCaseError::fail(v.to_string()))
    });
    if let Err(err) = result {
        panic!("LAW-LT-APPLIERS-CONVERGE fails on etcd: {err}");
    }
    eprintln!(
        "etcd, appliers: {} schedules; {} SIGKILL + restart, {} graceful stop + restart",
        schedules_per_test(40),
        environment.kills,
        environment.stops
    );
    assert!(
        environment.kills + environment.stops > 0,
        "no fault was played"
    );
}

/// A store under a fresh prefix of the cluster at `endpoints`.
fn connect(endpoints: &[String]) -> Result<Arc<dyn Store>, TestCaseError> {
    let store = EtcdStore::connect(
        endpoints,
        EtcdOptions::new()
            .prefix(prefix())
            .request_timeout(Duration::from_secs(3)),
    )
    .map_err(|e| TestCaseError::fail(format!("cannot connect to etcd: {e}")))?;
    Ok(Arc::new(store))
}

/// Plays `cases` schedules seeded by `seed` on fresh stores, checks the
/// three laws on each, and counts.
fn play(
    endpoints: &[String],
    cases: u32,
    seed: u8,
    environment: &mut dyn Environment,
    before_each: impl Fn(),
) -> Counts {
    let scenario = checked_level_scenario();
    let shape = scenario.shape().faults(FaultProfile::all()).environment(2);
    let counts = RefCell::new(Counts::default());
    let environment = RefCell::new(environment);
    let mut runner = seeded_runner(cases, seed);
    let result = runner.run(&schedules(&shape), |schedule: Schedule| {
        before_each();
        let store = connect(endpoints)?;
        let mut environment = environment.borrow_mut();
        let run = scenario.trace_on(store, &schedule, &mut **environment);
        counts.borrow_mut().add(&run);
        check(&run).map_err(|why| {
            let trace = run
                .trace
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            TestCaseError::fail(format!("{why}\n{trace}"))
        })
    });
    if let Err(err) = result {
        panic!("a law fails on etcd: {err}");
    }
    counts.into_inner()
}

/// The three laws on one run.
fn check(run: &Run) -> Result<(), String> {
    for (law, which) in [
        ("LAW-LT-NO-TIME-TRAVEL", Invariant::NoTimeTravel),
        ("LAW-LT-CACHE-IS-STORE", Invariant::CacheIsStore),
    ] {
        if let Some(broken) = run.violations.iter().find(|b| b.invariant == which) {
            return Err(format!("{law}: {}", broken.detail));
        }
    }
    match run.converged_after {
        Some(ticks) if ticks <= Deployments::BOUND => Ok(()),
        Some(ticks) => Err(format!(
            "LAW-LT-CONVERGES: desired only after {ticks} quiet ticks, more than {}",
            Deployments::BOUND
        )),
        None => Err(format!(
            "LAW-LT-CONVERGES: not desired for good: {:?}",
            run.desired
        )),
    }
}

/// What the runs did, read off their traces.
#[derive(Default)]
struct Counts {
    runs: usize,
    writes: usize,
    failed_writes: usize,
    lists: usize,
    watches: usize,
    gone: usize,
    disconnected: usize,
    gaps: usize,
    unchecked: usize,
    slowest: u64,
}

impl Counts {
    fn add(&mut self, run: &Run) {
        self.runs += 1;
        self.writes += run.writes.len() + run.actor_writes;
        self.failed_writes += run.writes.iter().filter(|(_, _, r)| r.is_err()).count();
        self.unchecked += run.unchecked;
        self.slowest = self.slowest.max(run.converged_after.unwrap_or(0));
        for line in run.trace.iter().flat_map(|t| &t.lines) {
            let event = &line.event;
            if event.starts_with("list ") && event.contains(" at rv ") {
                self.lists += 1;
            } else if event.starts_with("watch ") && event.contains(" from rv ") {
                self.watches += 1;
            } else if event.starts_with("watch ") && event.ends_with(": gone") {
                self.gone += 1;
            } else if event.starts_with("watch ")
                && (event.ends_with(": disconnected") || event.ends_with(": unavailable"))
            {
                self.disconnected += 1;
            } else if event.starts_with("gap on ") {
                self.gaps += 1;
            }
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} schedules, {} writes ({} failed), {} lists, {} watches opened, {} ended gone, \
             {} ended disconnected, {} gaps, {} cache checks skipped, slowest convergence {} quiet ticks",
            self.runs,
            self.writes,
            self.failed_writes,
            self.lists,
            self.watches,
            self.gone,
            self.disconnected,
            self.gaps,
            self.unchecked,
            self.slowest
        )
    }
}

/// The environment of one member.
struct OneMember<'m> {
    member: &'m Member,
    kills: usize,
    stops: usize,
}

impl<'m> OneMember<'m> {
    fn new(member: &'m Member) -> OneMember<'m> {
        OneMember {
            member,
            kills: 0,
            stops: 0,
        }
    }
}

impl Environment for OneMember<'_> {
    fn event(&mut self, which: u8, _: &dyn Store) -> String {
        let (what, done) = if which == 0 {
            self.kills += 1;
            ("SIGKILL", self.member.kill())
        } else {
            self.stops += 1;
            ("graceful stop", self.member.stop())
        };
        let restarted = done.and_then(|()| self.member.restart());
        match restarted {
            Ok(()) => format!("etcd: {what}, restarted from its data directory"),
            Err(e) => panic!("etcd: {what} and restart failed: {e}"),
        }
    }
}

/// The environment of a three-member cluster.
struct ThreeMembers<'c> {
    cluster: &'c Cluster,
    down: Vec<usize>,
    leaders_killed: usize,
    restarts: usize,
}

impl ThreeMembers<'_> {
    fn event(&mut self, which: u8, _: &dyn Store) -> String {
        if which == 0 {
            let restarted = self.restart_all();
            let leader = self
                .cluster
                .wait_for_leader()
                .unwrap_or_else(|e| panic!("etcd: no leader: {e}"));
            self.cluster
                .kill(leader)
                .unwrap_or_else(|e| panic!("etcd: cannot kill m{leader}: {e}"));
            self.down.push(leader);
            self.leaders_killed += 1;
            format!("etcd: {restarted}SIGKILL of the leader m{leader}")
        } else {
            let restarted = self.restart_all();
            format!("etcd: {}", restarted.trim_end_matches(", "))
        }
    }

    /// Restarts the members that are down; says which.
    fn restart_all(&mut self) -> String {
        let mut said = String::new();
        for member in std::mem::take(&mut self.down) {
            self.cluster
                .restart(member)
                .unwrap_or_else(|e| panic!("etcd: cannot restart m{member}: {e}"));
            self.restarts += 1;
            said.push_str(&format!("restart of m{member}, "));
        }
        said
    }
}
