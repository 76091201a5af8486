//! Every law of `spec/`, property-tested on patchlaw by running the law's
//! declaration (`patchlaw_conformance::laws::Check`), the same one that the
//! fuzz targets and `patchlaw-conformance run --laws` run.
//!
//! Each law has one `#[test]`, named in its area's file with the law's ID
//! ([`law_tests!`]). It runs the declared cases (`PROPTEST_CASES` of them,
//! 256 by default) on patchlaw applying patches by value and by reference,
//! shrinks a failing case, and saves its seed in
//! `conformance/proptest-regressions/laws/<area>.txt`, whose seeds every
//! later run of that file's tests tries first. The other tests here are
//! hand-written: counterexamples, regressions, checks that the generators
//! reach both sides of a law, and the parts of a law that only patchlaw's
//! own API shows, run on the law's declared cases ([`on_cases_of`]).

use std::collections::BTreeSet;

use patchlaw_conformance::laws::{self, Check, Violation};
use patchlaw_conformance::{Implementation, Native};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// One `#[test]` per law: `name: "<law ID>"` runs the law's declaration from
/// the catalogue ([`check_declared`]), with the regression seeds of the
/// file that names it. It also lists the file's laws in `TESTED`.
macro_rules! law_tests {
    ($($name:ident: $id:literal,)*) => {
        $(
            #[doc = concat!("`", $id, "`, on its declared cases.")]
            #[test]
            fn $name() {
                super::check_declared($id, file!());
            }
        )*

        /// The laws whose declarations this file runs.
        pub(super) const TESTED: &[&str] = &[$($id),*];
    };
}
mod json_patch;
mod limits;
mod merge_patch;
mod pointer;
mod reconcile;
mod strategic;
mod three_way;

/// Runs the declared check of the law `id` on patchlaw, applying patches
/// by value and by reference, with the regression seeds of `source_file`.
fn check_declared(id: &str, source_file: &'static str) {
    let law = laws::catalogue()
        .into_iter()
        .find(|law| law.id == id)
        .unwrap_or_else(|| panic!("{id} is not declared in the catalogue"));
    let (mut by_value, mut by_reference) = (Native::new(), Native::new().by_reference());
    let imps: &mut [&mut dyn Implementation] = &mut [&mut by_value, &mut by_reference];
    if let Err(why) = law.run(&mut runner(source_file), imps) {
        panic!("{why}");
    }
}

/// Runs `property` (a part of the law that only patchlaw's own API shows)
/// on the declared cases of `check`, with the regression seeds of
/// `source_file`.
fn on_cases_of<T: Clone + std::fmt::Debug + 'static>(
    check: &Check<T>,
    source_file: &'static str,
    property: impl Fn(&T) -> Result<(), Violation>,
) {
    let outcome =
        runner(source_file).run(&check.strategy(), |case| property(&case).map_err(broken));
    if let Err(why) = outcome {
        panic!("{why}");
    }
}

/// A violation as a proptest failure.
fn broken(violation: Violation) -> TestCaseError {
    TestCaseError::fail(violation.to_string())
}

/// `count` cases drawn from the declared cases of `check`, the same on
/// every run.
fn samples<T: Clone + std::fmt::Debug + 'static>(check: &Check<T>, count: usize) -> Vec<T> {
    let strategy = check.strategy();
    let mut runner = TestRunner::deterministic();
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

/// proptest's runner as its `proptest!` macro makes it: `PROPTEST_CASES`
/// and the other `PROPTEST_*` variables, seeds saved beside `source_file`.
fn runner(source_file: &'static str) -> TestRunner {
    TestRunner::new(Config {
        source_file: Some(source_file),
        ..Config::default()
    })
}

/// Every declared law has its `#[test]`, and no law has two.
#[test]
fn every_declared_law_is_tested_once() {
    let tested = [
        pointer::TESTED,
        merge_patch::TESTED,
        json_patch::TESTED,
        strategic::TESTED,
        three_way::TESTED,
        reconcile::TESTED,
        limits::TESTED,
    ]
    .concat();
    let unique: BTreeSet<&str> = tested.iter().copied().collect();
    assert_eq!(unique.len(), tested.len(), "a law is tested twice");
    let declared: BTreeSet<&str> = laws::catalogue().iter().map(|l| l.id).collect();
    assert_eq!(declared, unique);
}
