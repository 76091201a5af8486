//! The same scenario and schedule give the same run on etcd as in memory:
//! the same messages, reconciles, writes and outcome, line for line in the
//! traces, once revisions are counted from each store's own at the start.
//! Only the store differs; its watches deliver over the network and are
//! caught up with between steps (`spec/60-reconcile.md`, D6.12, D6.15).

use std::cell::Cell;
use std::sync::Arc;

use patchlaw_conformance::laws::reconcile::level_schedules;
use patchlaw_reconcile::sim::{NoEnvironment, Run, Schedule};
use patchlaw_reconcile::store::etcd::server::Member;
use patchlaw_reconcile::store::etcd::{EtcdOptions, EtcdStore};
use patchlaw_reconcile::store::MemoryStore;
use proptest::test_runner::TestCaseError;

use crate::support::{
    checked_level_scenario, exclusive, prefix, schedules_per_test, seeded_runner,
};

#[test]
fn a_schedule_runs_on_etcd_as_in_memory() {
    let _only = exclusive();
    let member = Member::start().unwrap_or_else(|e| panic!("cannot start etcd: {e}"));
    let endpoints = [member.client_url().to_owned()];
    let scenario = checked_level_scenario();
    let mut runner = seeded_runner(schedules_per_test(40), 4);
    let (compared, late) = (Cell::new(0u32), Cell::new(0u32));
    let result = runner.run(&level_schedules(), |schedule: Schedule| {
        let store = EtcdStore::connect(&endpoints, EtcdOptions::new().prefix(prefix()))
            .map_err(|e| TestCaseError::fail(format!("cannot connect to etcd: {e}")))?;
        let on_etcd = scenario.trace_on(Arc::new(store), &schedule, &mut NoEnvironment);
        let in_memory =
            scenario.trace_on(Arc::new(MemoryStore::new()), &schedule, &mut NoEnvironment);
        if on_etcd.late > 0 {
            // A watch that did not catch up in time delivers later: a
            // different run, not a wrong one.
            late.set(late.get() + 1);
            return Ok(());
        }
        compared.set(compared.get() + 1);
        let (etcd, memory) = (lines(&on_etcd), lines(&in_memory));
        if etcd == memory {
            return Ok(());
        }
        let at = etcd
            .iter()
            .zip(&memory)
            .position(|(a, b)| a != b)
            .unwrap_or(etcd.len().min(memory.len()));
        Err(TestCaseError::fail(format!(
            "the runs part at line {at}:\n  etcd:   {}\n  memory: {}",
            etcd.get(at).map_or("(end)", String::as_str),
            memory.get(at).map_or("(end)", String::as_str)
        )))
    });
    if let Err(err) = result {
        panic!("{err}");
    }
    eprintln!(
        "etcd and memory: {} schedules gave the same run, {} were not compared (a watch late)",
        compared.get(),
        late.get()
    );
    assert!(compared.get() >= late.get(), "most runs had a late watch");
}

/// The trace's lines (actor and event), with each revision counted from the
/// run's start, and the outcome.
fn lines(run: &Run) -> Vec<String> {
    let start = run.start.get();
    let mut lines: Vec<String> = run
        .trace
        .iter()
        .flat_map(|t| &t.lines)
        .map(|line| format!("{} {}", line.actor, relative(&line.event, start)))
        .collect();
    lines.push(format!(
        "converged after {:?}, desired {:?}, {} delivered",
        run.converged_after, run.desired, run.delivered
    ));
    lines
}

/// `text` with each number after `rv ` or `@` made relative to `start`.
fn relative(text: &str, start: u64) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['@', 'r']) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let marker = if from.starts_with("rv ") {
            "rv "
        } else if from.starts_with('@') {
            "@"
        } else {
            &from[..1]
        };
        out.push_str(marker);
        let after = &from[marker.len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        match (marker, after[..digits].parse::<u64>()) {
            ("rv " | "@", Ok(n)) => out.push_str(&n.saturating_sub(start).to_string()),
            _ => out.push_str(&after[..digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}
