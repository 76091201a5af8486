//! Running vectors and laws against an implementation, and reporting.
//!
//! [`run_vectors`] judges every vector, [`run_laws`] checks the laws,
//! [`Report`] groups the outcomes per area and renders them (text, JSON,
//! JUnit XML, Markdown), [`Adapter`] drives a foreign implementation over
//! the adapter protocol, and [`serve`] is the other end of that protocol
//! for patchlaw itself. The protocol, the statuses and the expectations
//! file are specified in `conformance/PROTOCOL.md`; the vector format in
//! `conformance/vectors/README.md`.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};

use crate::implementation::{DeclaredLimits, Implementation, Op};

mod adapter;
mod expectations;
pub mod fuzz;
mod judge;
pub mod matrix;
mod report;
pub mod schema;
mod serve;
pub mod vectors;

pub use adapter::{Adapter, Settings};
pub use expectations::Expectations;
pub use report::{outcome_json, Format, Report, Totals};
pub use serve::{serve, MAX_LINE_DEPTH};
pub use vectors::{Compare, ExpectedError, Vector};

/// How one vector (or law) came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// As expected.
    Pass,
    /// A wrong result.
    Fail,
    /// A result where an error was expected.
    ShouldHaveFailed,
    /// An error where a result was expected.
    ShouldHavePassed,
    /// An error, but with another code.
    WrongError,
    /// The implementation does not support the operation.
    Unsupported,
    /// The implementation broke.
    Errored,
    /// No answer in time.
    Timeout,
    /// The implementation's process died.
    Crash,
    /// A listed known failure that failed.
    Xfail,
    /// A listed known failure that passed: the list must be updated.
    Xpass,
    /// Disabled or skipped, with a reason.
    Skipped,
}

impl Status {
    /// The status as the report prints it.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::runner::Status;
    ///
    /// assert_eq!(Status::ShouldHaveFailed.name(), "should-have-failed");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::ShouldHaveFailed => "should-have-failed",
            Status::ShouldHavePassed => "should-have-passed",
            Status::WrongError => "wrong-error",
            Status::Unsupported => "unsupported",
            Status::Errored => "errored",
            Status::Timeout => "timeout",
            Status::Crash => "crash",
            Status::Xfail => "xfail",
            Status::Xpass => "xpass",
            Status::Skipped => "skipped",
        }
    }

    /// Whether this status makes the run fail. `unsupported` does unless
    /// the run allows it.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::runner::Status;
    ///
    /// assert!(Status::Xpass.is_failure(false));
    /// assert!(!Status::Xfail.is_failure(false));
    /// assert!(!Status::Unsupported.is_failure(true));
    /// ```
    #[must_use]
    pub const fn is_failure(self, allow_unsupported: bool) -> bool {
        match self {
            Status::Pass | Status::Xfail | Status::Skipped => false,
            Status::Unsupported => !allow_unsupported,
            _ => true,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The outcome of one vector or law.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// `<area>/<topic>/<name>`, or the law ID.
    pub id: String,
    /// The area the outcome is reported under.
    pub area: String,
    /// How it came out.
    pub status: Status,
    /// For anything but a pass: what was expected and what came.
    pub detail: String,
    /// The clause or law the case checks (a vector's `spec`, a law's ID).
    pub spec: Option<String>,
    /// The operation and its arguments: `{"op": .., "args": {..}}`.
    pub input: Option<Value>,
    /// What should come: `{"result": ..}`, `{"error": "<code>"}` and/or
    /// `{"document": ..}` (what a produced patch must give).
    pub expected: Option<Value>,
    /// What came, as the protocol's response (without `seq`).
    pub got: Option<Value>,
}

impl Outcome {
    /// An outcome with nothing but its id, area, status and detail.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::runner::{Outcome, Status};
    ///
    /// let outcome = Outcome::new("LAW-MP-IDEMPOTENT", "laws", Status::Pass, "");
    /// assert!(outcome.input.is_none());
    /// ```
    #[must_use]
    pub fn new(id: &str, area: &str, status: Status, detail: &str) -> Outcome {
        Outcome {
            id: id.to_owned(),
            area: area.to_owned(),
            status,
            detail: detail.to_owned(),
            spec: None,
            input: None,
            expected: None,
            got: None,
        }
    }
}

/// How a run waits, and how many cases the laws get.
///
/// # Examples
///
/// ```
/// let options = patchlaw_conformance::runner::Options::new().cases(16);
/// assert_eq!(options.cases, 16);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// How long to wait for each answer.
    pub timeout: Duration,
    /// How long to wait for the answer to a case built to exhaust
    /// resources (a limit law, a vector that expects `limit-exceeded`):
    /// an implementation that has the limit answers at once.
    pub exhaustion_timeout: Duration,
    /// Generated cases per law.
    pub cases: u32,
    /// The time a law gets on an implementation, its cases and their
    /// shrinking together (see [`run_laws_with`]).
    pub law_budget: Duration,
}

impl Options {
    /// 10 s per answer, 2 s for resource-exhaustion cases, 256 cases per
    /// law, 60 s per law.
    #[must_use]
    pub const fn new() -> Options {
        Options {
            timeout: Duration::from_secs(10),
            exhaustion_timeout: Duration::from_secs(2),
            cases: 256,
            law_budget: Duration::from_secs(60),
        }
    }

    /// Sets the time a law gets.
    #[must_use]
    pub const fn law_budget(self, law_budget: Duration) -> Options {
        Options { law_budget, ..self }
    }

    /// Sets the time to wait for each answer.
    #[must_use]
    pub const fn timeout(self, timeout: Duration) -> Options {
        Options { timeout, ..self }
    }

    /// Sets the time to wait for resource-exhaustion cases.
    #[must_use]
    pub const fn exhaustion_timeout(self, exhaustion_timeout: Duration) -> Options {
        Options {
            exhaustion_timeout,
            ..self
        }
    }

    /// Sets the number of generated cases per law.
    #[must_use]
    pub const fn cases(self, cases: u32) -> Options {
        Options { cases, ..self }
    }
}

impl Default for Options {
    fn default() -> Options {
        Options::new()
    }
}

/// Judges every vector against `imp`.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::runner::{self, vectors::load, Expectations};
/// use patchlaw_conformance::Native;
///
/// let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/merge_patch/rfc7396.json");
/// let vectors = load(&dir).unwrap();
/// let outcomes = runner::run_vectors(&mut Native::new(), &vectors, &Expectations::default());
/// assert!(outcomes.iter().all(|o| o.status == runner::Status::Pass));
/// ```
pub fn run_vectors<I: Implementation + ?Sized>(
    imp: &mut I,
    vectors: &[Vector],
    expectations: &Expectations,
) -> Vec<Outcome> {
    run_vectors_with(imp, vectors, expectations, Options::new(), &mut |_| {})
}

/// Judges every vector against `imp` with `options`, calling `progress`
/// with each outcome as it comes.
///
/// A vector that expects `limit-exceeded` runs only when the
/// implementation declares the limit it is about ([`limit_of`]), with
/// [`Options::exhaustion_timeout`]; otherwise it is `skipped`.
pub fn run_vectors_with<I: Implementation + ?Sized>(
    imp: &mut I,
    vectors: &[Vector],
    expectations: &Expectations,
    options: Options,
    progress: &mut dyn FnMut(&Outcome),
) -> Vec<Outcome> {
    let capabilities = imp.capabilities();
    let declared = imp.limits();
    let mut outcomes = Vec::with_capacity(vectors.len());
    for vector in vectors {
        let mut got = None;
        let limit = limit_of(vector);
        let (status, detail) = if let Some(reason) = &vector.disabled {
            (Status::Skipped, format!("disabled: {reason}"))
        } else if let Some(reason) = expectations.skip_reason(&vector.id) {
            (Status::Skipped, format!("skipped: {reason}"))
        } else if let Some(limit) = limit.filter(|l| l.value(&declared).is_none()) {
            (
                Status::Skipped,
                format!("the handshake declares no `{}` limit", limit.name()),
            )
        } else {
            match &vector.op {
                Err(name) => (
                    Status::Errored,
                    format!("unknown op {name:?} in the vector"),
                ),
                Ok(op) if !capabilities.contains(op) => {
                    (Status::Unsupported, format!("{NOT_IN_HANDSHAKE}{op}"))
                }
                Ok(op) => {
                    if limit.is_some() {
                        imp.set_timeout(options.exhaustion_timeout);
                    }
                    let reply = imp.run(*op, vector.args.clone());
                    if limit.is_some() {
                        imp.set_timeout(options.timeout);
                    }
                    got = Some(reply.to_json());
                    judge::judge(vector, *op, reply)
                }
            }
        };
        let (status, detail) = expectations.apply_known_failure(&vector.id, status, detail);
        let outcome = Outcome {
            spec: vector.spec.clone(),
            input: Some(json!({
                "op": vector.op.as_ref().map_or_else(|name| name.as_str(), |op| op.name()),
                "args": vector.args,
            })),
            expected: Some(expected_of(vector)),
            got,
            ..Outcome::new(&vector.id, &vector.area, status, &detail)
        };
        progress(&outcome);
        outcomes.push(outcome);
    }
    outcomes
}

/// The detail of an `unsupported` outcome whose operation the handshake
/// does not list, before the operation's name.
pub(crate) const NOT_IN_HANDSHAKE: &str = "not in the handshake: ";

/// What a vector expects, as [`Outcome::expected`] shows it.
fn expected_of(vector: &Vector) -> Value {
    let mut expected = serde_json::Map::new();
    if let Some(result) = &vector.expected {
        expected.insert("result".to_owned(), result.clone());
    }
    if let Some(document) = &vector.expected_result {
        expected.insert("document".to_owned(), document.clone());
    }
    match &vector.error {
        Some(ExpectedError::Code(code)) => {
            expected.insert("error".to_owned(), json!(code));
        }
        Some(ExpectedError::Any(hint)) => {
            expected.insert("error".to_owned(), json!(format!("any ({hint})")));
        }
        None => {}
    }
    if let Some(code) = &vector.result_error {
        expected.insert("document_error".to_owned(), json!(code));
    }
    Value::Object(expected)
}

/// A resource limit an implementation may declare in its handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// `max_depth`: nesting depth.
    Depth,
    /// `max_ops`: operations in one JSON Patch.
    Operations,
    /// `max_copy_bytes`: bytes copied by one JSON Patch.
    CopyBytes,
}

impl Limit {
    /// The limit's name in the handshake.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_conformance::runner::Limit::CopyBytes.name(), "max_copy_bytes");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Limit::Depth => "max_depth",
            Limit::Operations => "max_ops",
            Limit::CopyBytes => "max_copy_bytes",
        }
    }

    /// The declared value, if any.
    #[must_use]
    pub const fn value(self, declared: &DeclaredLimits) -> Option<usize> {
        match self {
            Limit::Depth => declared.max_depth,
            Limit::Operations => declared.max_ops,
            Limit::CopyBytes => declared.max_copy_bytes,
        }
    }
}

/// The limit a vector that expects `limit-exceeded` is about: the copy size
/// for a JSON Patch that copies, the operation count for another JSON
/// Patch, the depth otherwise. `None` for every other vector.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::runner::{limit_of, vectors, Limit};
///
/// let all = vectors::embedded().unwrap();
/// let doubling = all.iter().find(|v| v.id == "json_patch/edge-cases/copy-doubling-limit").unwrap();
/// assert_eq!(limit_of(doubling), Some(Limit::CopyBytes));
/// ```
#[must_use]
pub fn limit_of(vector: &Vector) -> Option<Limit> {
    if vector.error != Some(ExpectedError::Code("limit-exceeded".to_owned())) {
        return None;
    }
    Some(match vector.op {
        Ok(Op::JsonPatchApply) => {
            let copies = vector
                .args
                .get("patch")
                .and_then(Value::as_array)
                .is_some_and(|ops| ops.iter().any(|o| o["op"] == "copy"));
            if copies {
                Limit::CopyBytes
            } else {
                Limit::Operations
            }
        }
        _ => Limit::Depth,
    })
}

/// Loads every vector under `dir` and every extra file.
///
/// # Errors
///
/// The first file that cannot be read.
pub fn load_vectors(
    dir: Option<&Path>,
    files: &[std::path::PathBuf],
) -> Result<Vec<Vector>, vectors::LoadError> {
    let mut paths = match dir {
        Some(dir) => vectors::vector_files(dir)?,
        None => Vec::new(),
    };
    paths.extend(files.iter().cloned());
    let mut all = Vec::new();
    for path in paths {
        all.extend(vectors::load(&path)?);
    }
    Ok(all)
}

/// Checks every law of [`crate::laws::catalogue`] whose operations `imp`
/// supports, `cases` cases each, and returns one outcome per law (area
/// `laws`). Laws about patchlaw's in-place API run only when `native` (the
/// implementation under test is patchlaw itself).
pub fn run_laws(
    imp: &mut dyn Implementation,
    native: bool,
    cases: u32,
    expectations: &Expectations,
) -> Vec<Outcome> {
    run_laws_with(
        imp,
        native,
        expectations,
        Options::new().cases(cases),
        &mut |_| {},
    )
}

/// Checks the laws as [`run_laws`] does, with `options`, calling
/// `progress` with each outcome as it comes.
///
/// The limit laws (LAW-LIM-*) are checked against the limits the
/// implementation declares, just past each declared value, with
/// [`Options::exhaustion_timeout`]; a limit it does not declare makes its
/// law `skipped`. A failing generated case is shrunk, and the smallest
/// failing case found is reported. A law gets [`Options::law_budget`] of
/// time, its cases and their shrinking together: a law that finds no failure within
/// it is a `timeout`; one that does reports the smallest failing case
/// found by then.
pub fn run_laws_with(
    imp: &mut dyn Implementation,
    native: bool,
    expectations: &Expectations,
    options: Options,
    progress: &mut dyn FnMut(&Outcome),
) -> Vec<Outcome> {
    let capabilities = imp.capabilities();
    let declared = imp.limits();
    let mut outcomes = Vec::new();
    for law in crate::laws::catalogue() {
        let limit = law_limit(law.id);
        let (status, detail) = if let Some(reason) = expectations.skip_reason(law.id) {
            (Status::Skipped, format!("skipped: {reason}"))
        } else if law.in_place && !native {
            (
                Status::Skipped,
                "skipped: a law of patchlaw's in-place API, not observable through the protocol"
                    .to_owned(),
            )
        } else if let Some(op) = law.ops.iter().find(|op| !capabilities.contains(op)) {
            (Status::Unsupported, format!("{NOT_IN_HANDSHAKE}{op}"))
        } else if let Some(limit) = limit {
            match limit.value(&declared) {
                None => (
                    Status::Skipped,
                    format!("the handshake declares no `{}` limit", limit.name()),
                ),
                Some(value) => {
                    imp.set_timeout(options.exhaustion_timeout);
                    let checked = check_limit(imp, limit, value);
                    imp.set_timeout(options.timeout);
                    match checked {
                        Ok(()) => (Status::Pass, String::new()),
                        Err(violation) => (Status::Fail, violation.to_string()),
                    }
                }
            }
        } else {
            let mut runner = quiet_runner(options.cases);
            let mut budgeted = Budget::new(&mut *imp, options.law_budget);
            let checked = quietly(|| law.run(&mut runner, &mut [&mut budgeted]));
            match (checked, budgeted.spent) {
                (Ok(()), false) => (Status::Pass, String::new()),
                (Ok(()), true) => (
                    Status::Timeout,
                    format!(
                        "the law's cases took longer than {} s",
                        options.law_budget.as_secs()
                    ),
                ),
                (Err(why), _) => (Status::Fail, why),
            }
        };
        let (status, detail) = expectations.apply_known_failure(law.id, status, detail);
        let outcome = Outcome {
            spec: Some(law.id.to_owned()),
            ..Outcome::new(law.id, "laws", status, &detail)
        };
        progress(&outcome);
        outcomes.push(outcome);
    }
    outcomes
}

/// A proptest runner for `cases` cases from a fixed seed, which prints
/// nothing: shrinking is bounded by [`Budget`] instead of proptest's own
/// bounds, whose messages go to stderr.
pub(crate) fn quiet_runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        verbose: 0,
        max_shrink_iters: u32::MAX - 1,
        max_shrink_time: 0,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// An implementation under test until a deadline, and patchlaw after it.
///
/// Shrinking across a process boundary can take long (an adapter that
/// crashes is started again for each smaller case). Once the budget is
/// spent, every case is answered by patchlaw, which satisfies the laws, so
/// each looks like a pass and proptest stops at the smallest case that
/// failed on the implementation. A check that passes after the deadline
/// proves nothing, which [`Budget::spent`] tells.
pub(crate) struct Budget<'a> {
    imp: &'a mut dyn Implementation,
    deadline: std::time::Instant,
    reference: crate::Native,
    /// Whether a request went to patchlaw.
    pub(crate) spent: bool,
}

impl<'a> Budget<'a> {
    pub(crate) fn new(imp: &'a mut dyn Implementation, budget: Duration) -> Budget<'a> {
        Budget {
            imp,
            deadline: std::time::Instant::now() + budget,
            reference: crate::Native::new(),
            spent: false,
        }
    }
}

impl Implementation for Budget<'_> {
    fn info(&self) -> crate::Info {
        self.imp.info()
    }

    fn capabilities(&self) -> Vec<Op> {
        self.imp.capabilities()
    }

    fn run(&mut self, op: Op, args: serde_json::Map<String, Value>) -> crate::Reply {
        if self.spent || std::time::Instant::now() > self.deadline {
            self.spent = true;
            self.reference.run(op, args)
        } else {
            self.imp.run(op, args)
        }
    }

    fn limits(&self) -> DeclaredLimits {
        self.imp.limits()
    }

    fn set_timeout(&mut self, timeout: Duration) {
        self.imp.set_timeout(timeout);
    }
}

/// The limit a limit law is about.
fn law_limit(id: &str) -> Option<Limit> {
    use crate::laws::limits;
    [
        (limits::DEPTH.id, Limit::Depth),
        (limits::OPS.id, Limit::Operations),
        (limits::COPY_BOUND.id, Limit::CopyBytes),
    ]
    .into_iter()
    .find(|(law, _)| *law == id)
    .map(|(_, limit)| limit)
}

/// Checks a limit law against the declared `value` of its limit.
fn check_limit(
    imp: &mut dyn Implementation,
    limit: Limit,
    value: usize,
) -> Result<(), crate::laws::Violation> {
    use crate::laws::limits;
    match limit {
        Limit::Depth => limits::depth(imp, value.saturating_add(1)),
        Limit::Operations => {
            limits::operation_count(imp, value.saturating_add(1), true)?;
            limits::operation_count(imp, value, false)
        }
        Limit::CopyBytes => limits::copy_bound(imp),
    }
}

/// Runs `f` with panic messages kept off stderr (a law that panics on a
/// case is a failing case, which proptest reports and shrinks), and turns a
/// panic that escapes into an error.
fn quietly(f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.unwrap_or_else(|_| Err("the law panicked".to_owned()))
}
