//! The test bed on a controller with a bug of the kind Sieve finds: it
//! creates a child object whenever its cache shows none, under a generated
//! name, without checking. When the cache is stale — after a restart served
//! by a lagging API server cache, or while the child's event is late or
//! lost — it creates a second child. The test bed finds a failing schedule, shrinks
//! it, and prints its trace; the fixed controller, which names the child
//! after its parent so that a second create is `already-exists`, passes.
//!
//! ```text
//! cargo run -p patchlaw-reconcile --example stale_child [-- --store STORE]
//! ```
//!
//! Each run is played on a fresh store: `--store memory` (the default), a
//! store in memory; with `--features etcd`, `--store etcd` (an etcd member
//! started for the run, from Debian's `etcd-server`) or
//! `--store etcd=http://127.0.0.1:2379` (a cluster of yours), each run under
//! a key prefix of its own.

use std::process::ExitCode;
use std::time::Duration;

use patchlaw_reconcile::runtime::{
    controller_owner, Backoff, Controller, ControllerOptions, Reconcile, Reconciler, View, Watches,
    Write,
};
use patchlaw_reconcile::sim::{FaultKind, FaultProfile, Scenario, TestBed};
use patchlaw_reconcile::store::{Patch, ReadAt, Store};
use patchlaw_reconcile::{Error, Key, Object, Selector};
use serde_json::{json, Value};

mod stores;

/// Keeps one ConfigMap for each `example.com/v1` Database.
struct Databases {
    /// Name the child after its parent (the fix), or let the store
    /// generate a name (the bug).
    fixed: bool,
}

impl Reconciler for Databases {
    fn watches(&self) -> Watches {
        Watches::new(Selector::kind("Database")).owns(Selector::kind("ConfigMap"))
    }

    fn reconcile(&mut self, key: &Key, view: &View<'_>) -> Result<Reconcile, Error> {
        let children = view.owned_by(key);
        let Some(database) = view.get(key) else {
            // The Database is gone: so must its children be.
            return Ok(children.iter().fold(Reconcile::done(), |r, child| {
                r.write(Write::Delete(
                    child.key().clone(),
                    Some(child.resource_version()),
                ))
            }));
        };
        if !children.is_empty() {
            return Ok(Reconcile::done());
        }
        // The cache shows no child: create one.
        Ok(Reconcile::done().write(Write::Create(child(database, self.fixed))))
    }
}

fn child(database: &Object, fixed: bool) -> Value {
    let name = database.key().name();
    let mut metadata = json!({
        "namespace": database.key().namespace(),
        "ownerReferences": [{"apiVersion": "example.com/v1", "kind": "Database", "name": name,
            "uid": database.value()["metadata"]["uid"], "controller": true}],
    });
    if fixed {
        metadata["name"] = json!(format!("{name}-config"));
    } else {
        metadata["generateName"] = json!(format!("{name}-config-"));
    }
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
        "data": {"size": database.value()["spec"]["size"].to_string()}})
}

/// Every Database has exactly one ConfigMap, and every ConfigMap its
/// Database.
fn desired(store: &dyn Store) -> Result<(), String> {
    let list = |kind: &str| {
        store
            .list(&Selector::kind(kind), ReadAt::Latest)
            .map(|l| l.items)
            .map_err(|e| e.to_string())
    };
    let (databases, children) = (list("Database")?, list("ConfigMap")?);
    for database in &databases {
        let mine: Vec<&str> = children
            .iter()
            .filter(|c| controller_owner(c).as_ref() == Some(database.key()))
            .map(|c| c.key().name())
            .collect();
        if mine.len() != 1 {
            return Err(format!("{} has children {mine:?}", database.key().name()));
        }
    }
    match children
        .iter()
        .find(|c| controller_owner(c).map_or(true, |o| !databases.iter().any(|d| d.key() == &o)))
    {
        Some(orphan) => Err(format!("{} has no Database", orphan.key().name())),
        None => Ok(()),
    }
}

fn summary(store: &dyn Store) -> String {
    let names = |kind: &str| -> Vec<String> {
        store
            .list(&Selector::kind(kind), ReadAt::Latest)
            .map(|l| l.items.iter().map(|o| o.key().name().to_owned()).collect())
            .unwrap_or_default()
    };
    format!(
        "databases {:?} configmaps {:?}",
        names("Database"),
        names("ConfigMap")
    )
}

fn scenario(fixed: bool) -> Scenario {
    let database = |size: u64| {
        let manifest = json!({"apiVersion": "example.com/v1", "kind": "Database",
            "metadata": {"name": "db", "namespace": "default"}, "spec": {"size": size}});
        Write::Patch(
            Key::new("Database", "default", "db"),
            Patch::apply(manifest),
        )
    };
    let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(4));
    let options = ControllerOptions::new()
        .resync(Some(Duration::from_secs(10)))
        .watch_backoff(backoff)
        .retry_backoff(backoff);
    Scenario::new(desired)
        .summary(summary)
        .writer(
            "user",
            vec![
                ("apply db size 1".to_owned(), database(1)),
                ("apply db size 2".to_owned(), database(2)),
                (
                    "delete db".to_owned(),
                    Write::Delete(Key::new("Database", "default", "db"), None),
                ),
            ],
        )
        .actor("controller", move || {
            Box::new(Controller::new(Databases { fixed }, options))
        })
}

fn main() -> ExitCode {
    let stores = match stores::from_args(std::env::args().skip(1)) {
        Ok((_, stores, rest)) if rest.is_empty() => stores,
        Ok((_, _, rest)) => {
            eprintln!("stale_child: unexpected arguments {rest:?}");
            return ExitCode::FAILURE;
        }
        Err(why) => {
            eprintln!("stale_child: {why}");
            return ExitCode::FAILURE;
        }
    };
    // Sieve's perturbations: stale reads (a lagging cache), late and lost
    // events, crashes between writes.
    let faults = FaultProfile::none()
        .with(FaultKind::Lag)
        .with(FaultKind::Crash)
        .with(FaultKind::Delay)
        .with(FaultKind::Drop);
    let buggy = scenario(false);
    let bed = TestBed::new(&buggy)
        .faults(faults)
        .cases(1000)
        .store(&stores);
    let failure = match bed.check() {
        Ok(cases) => {
            println!("the buggy controller passed {cases} schedules: nothing found");
            return ExitCode::FAILURE;
        }
        Err(failure) => failure,
    };
    println!("The buggy controller, {failure}");
    if failure.run.is_none() {
        return ExitCode::FAILURE;
    }
    let fixed = scenario(true);
    let bed = TestBed::new(&fixed)
        .faults(faults)
        .cases(1000)
        .store(&stores);
    match bed.check() {
        Ok(cases) => {
            println!("The fixed controller passes {cases} schedules of the same faults.");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            println!("The fixed controller fails: {failure}");
            ExitCode::FAILURE
        }
    }
}
