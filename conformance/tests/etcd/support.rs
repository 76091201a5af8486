//! One etcd for the tests that need a single member, and fresh stores on it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use patchlaw_conformance::laws::reconcile::level_scenario;
use patchlaw_reconcile::sim::{Scenario, SimOptions};
use patchlaw_reconcile::store::etcd::server::Member;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use patchlaw_reconcile::store::etcd::{EtcdOptions, EtcdStore};

/// Runs `test` with the endpoints of an etcd: `PATCHLAW_ETCD_ENDPOINTS`
/// (a cluster of the user's), or a member started for the test and
/// stopped after it.
pub(crate) fn with_etcd<T>(test: impl FnOnce(&[String]) -> T) -> T {
    if let Ok(list) = std::env::var("PATCHLAW_ETCD_ENDPOINTS") {
        let endpoints: Vec<String> = list.split(',').map(str::to_owned).collect();
        return test(&endpoints);
    }
    let member = Member::start().unwrap_or_else(|e| panic!("cannot start etcd: {e}"));
    test(&[member.client_url().to_owned()])
}

/// Exclusive use of the shared etcd: the store laws count revisions, which
/// etcd shares among all its keys, so no other test writes meanwhile.
pub(crate) fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A key prefix no other store of this run uses.
pub(crate) fn prefix() -> String {
    static RUN: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let run = RUN.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    format!(
        "/patchlaw-test/{run}/{}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A store under a prefix no other store of this run uses.
pub(crate) fn fresh_store(endpoints: &[String]) -> EtcdStore {
    EtcdStore::connect(endpoints, EtcdOptions::new().prefix(prefix()))
        .unwrap_or_else(|e| panic!("cannot connect to etcd at {endpoints:?}: {e}"))
}

/// How many schedules a test plays: `default`, or `PATCHLAW_ETCD_SCHEDULES`.
pub(crate) fn schedules_per_test(default: u32) -> u32 {
    std::env::var("PATCHLAW_ETCD_SCHEDULES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// A runner of `cases` cases whose generator is seeded by `seed`, so that
/// each CI run plays the same schedules; no regression files.
pub(crate) fn seeded_runner(cases: u32, seed: u8) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    )
}

/// The level-triggered scenario with the cache invariants checked at every
/// step, given time to settle on a networked store.
pub(crate) fn checked_level_scenario() -> Scenario {
    level_scenario()
        .options(
            SimOptions::new()
                .check_invariants(true)
                .settle_timeout(Duration::from_secs(10)),
        )
        .scenario()
}
