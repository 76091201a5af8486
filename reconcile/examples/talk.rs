//! The talk, runnable: the three consumers of the Deployments scenario —
//! edge-triggered, edge-triggered with gap detection and relist,
//! level-triggered — on seeded schedules of each fault, and how often each
//! ends in the desired state, how often within the bound, and how many
//! quiet ticks it took.
//!
//! ```text
//! cargo run --release -p patchlaw-reconcile --example talk [-- [--store STORE] SCHEDULES [SEED]]
//! ```
//!
//! Each run is played on a fresh store: `--store memory` (the default), a
//! store in memory; with `--features etcd`, `--store etcd` (an etcd member
//! started for the run, from Debian's `etcd-server`) or
//! `--store etcd=http://127.0.0.1:2379` (a cluster of yours), each run under
//! a key prefix of its own.

use std::process::ExitCode;

use patchlaw_reconcile::sim::{
    Deployments, FailureMode, FaultKind, FaultProfile, NoEnvironment, PodKeeper, TestBed,
};

mod stores;

fn main() -> ExitCode {
    let (store, stores, args) = match stores::from_args(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(why) => {
            eprintln!("talk: {why}");
            return ExitCode::FAILURE;
        }
    };
    let mut args = args.into_iter();
    let schedules: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
    let only = |kinds: &[FaultKind]| kinds.iter().fold(FaultProfile::none(), |p, k| p.with(*k));
    let rows: [(&str, FaultProfile, bool); 10] = [
        ("no fault", FaultProfile::none(), false),
        ("lost events", only(&[FaultKind::Drop]), false),
        ("duplicated events", only(&[FaultKind::Duplicate]), false),
        ("late events", only(&[FaultKind::Delay]), false),
        ("reordered events", only(&[FaultKind::Reorder]), false),
        (
            "disconnects, compaction",
            only(&[FaultKind::Disconnect, FaultKind::Compact]),
            false,
        ),
        (
            "lagging reads, crashes",
            only(&[FaultKind::Lag, FaultKind::Crash]),
            false,
        ),
        ("pods deleted by others", FaultProfile::none(), true),
        (
            "every fault but crashes",
            FaultProfile::all().without(FaultKind::Crash),
            false,
        ),
        ("every fault", FaultProfile::all(), true),
    ];
    println!(
        "{schedules} schedules per cell (seed {seed}), up to 30 steps each, then 60 quiet ticks.\n\
         Each cell: ended in the desired state / got there within the bound of {} quiet ticks / \
         quiet ticks it took (median, max).\n",
        Deployments::BOUND
    );
    if store != "memory" {
        println!("Each run on a fresh store: {store}.\n");
    }
    let mut store_errors = 0;
    print!("| faults |");
    for consumer in PodKeeper::ALL {
        print!(" {} |", consumer.name());
    }
    println!("\n|---|---|---|---|");
    for (name, faults, chaos) in rows {
        print!("| {name} |");
        for consumer in PodKeeper::ALL {
            let scenario = Deployments::new(consumer).chaos(chaos).scenario();
            let survey = TestBed::new(&scenario)
                .faults(faults)
                .cases(schedules)
                .seed(seed)
                .within(Deployments::BOUND)
                .store(&stores)
                .survey();
            store_errors += survey.store_errors;
            let percent = |n: u32| 100.0 * f64::from(n) / f64::from(survey.runs.max(1));
            let ticks = match (survey.median(), survey.max()) {
                (Some(median), Some(max)) => format!("{median}, {max}"),
                _ => "–".to_owned(),
            };
            print!(
                " {:.1}% / {:.1}% / {ticks} |",
                percent(survey.desired),
                percent(survey.within)
            );
        }
        println!();
    }
    if store_errors > 0 {
        println!("\n{store_errors} schedules not run: no store could be made for them.");
    }
    println!("\nThe minimal schedules of the edge-triggered consumer's three failure modes:\n");
    for mode in FailureMode::ALL {
        let store = match stores() {
            Ok(store) => store,
            Err(err) => {
                eprintln!("talk: no store: {err}");
                return ExitCode::FAILURE;
            }
        };
        let run = Deployments::new(PodKeeper::Edge).scenario().trace_on(
            store,
            &mode.schedule(),
            &mut NoEnvironment,
        );
        println!("{}: {:?}", mode.name(), mode.schedule());
        if let Some(trace) = run.trace {
            println!("{trace}");
        }
    }
    ExitCode::SUCCESS
}
