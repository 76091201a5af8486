//! `LAW-LT-WRITES-SEEN` on etcd: every store operation of a generated case
//! answers as the reference model says, every acknowledged write reads back
//! and reaches every watch that is not gone.

use patchlaw_conformance::laws::reconcile::{arb_store_case, writes_seen};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::support::{exclusive, fresh_store, with_etcd};

#[test]
fn law_lt_writes_seen_holds_on_etcd() {
    let _only = exclusive();
    with_etcd(|endpoints| {
        let cases = std::env::var("PATCHLAW_ETCD_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(200);
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&arb_store_case(), |case| {
            let store = fresh_store(endpoints);
            writes_seen(&store, &case).map_err(|v| TestCaseError::fail(v.to_string()))
        });
        if let Err(err) = result {
            panic!("LAW-LT-WRITES-SEEN on etcd: {err}");
        }
    });
}
