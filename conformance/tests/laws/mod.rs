//! Every law of `spec/`, property-tested on patchlaw through the same law
//! functions the foreign runner uses. The number of cases is proptest's
//! (`PROPTEST_CASES`, 256 by default).

use patchlaw_conformance::laws::Violation;
use patchlaw_conformance::Native;
use proptest::test_runner::TestCaseError;

mod json_patch;
mod limits;
mod merge_patch;
mod pointer;
mod strategic;

/// A violation as a proptest failure.
fn broken(violation: Violation) -> TestCaseError {
    TestCaseError::fail(violation.to_string())
}

/// patchlaw with each entry point that a law can reach: patches applied by
/// value and by reference.
fn natives() -> [Native; 2] {
    [Native::new(), Native::new().by_reference()]
}
