//! Running vectors and laws against an implementation, and reporting.
//!
//! [`run_vectors`] judges every vector, [`run_laws`] checks the laws,
//! [`Report`] groups the outcomes per area and prints them, [`Adapter`]
//! drives a foreign implementation over the adapter protocol, and [`serve`]
//! is the other end of that protocol for patchlaw itself. The protocol, the
//! statuses and the expectations file are specified in
//! `conformance/PROTOCOL.md`; the vector format in
//! `conformance/vectors/README.md`.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::Path;

use serde_json::Value;

use crate::implementation::{abbreviate, Implementation, Op, Reply};

mod adapter;
mod expectations;
mod serve;
pub mod vectors;

pub use adapter::Adapter;
pub use expectations::Expectations;
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// `<area>/<topic>/<name>`, or the law ID.
    pub id: String,
    /// The area the outcome is reported under.
    pub area: String,
    /// How it came out.
    pub status: Status,
    /// For anything but a pass: what was expected and what came.
    pub detail: String,
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
    let capabilities = imp.capabilities();
    vectors
        .iter()
        .map(|vector| {
            let (status, detail) = if let Some(reason) = &vector.disabled {
                (Status::Skipped, format!("disabled: {reason}"))
            } else if let Some(reason) = expectations.skip_reason(&vector.id) {
                (Status::Skipped, format!("skipped: {reason}"))
            } else {
                match &vector.op {
                    Err(name) => (
                        Status::Errored,
                        format!("unknown op {name:?} in the vector"),
                    ),
                    Ok(op) if !capabilities.contains(op) => (
                        Status::Unsupported,
                        format!("{op} is not among the implementation's capabilities"),
                    ),
                    Ok(op) => judge(vector, *op, imp.run(*op, vector.args.clone())),
                }
            };
            let (status, detail) = expectations.apply_known_failure(&vector.id, status, detail);
            Outcome {
                id: vector.id.clone(),
                area: vector.area.clone(),
                status,
                detail,
            }
        })
        .collect()
}

fn judge(vector: &Vector, op: Op, reply: Reply) -> (Status, String) {
    match reply {
        Reply::Ok { result, .. } => match &vector.error {
            Some(expected) => (
                Status::ShouldHaveFailed,
                format!(
                    "expected error {}, got result {}",
                    expected_error_name(expected),
                    abbreviate(&result)
                ),
            ),
            None => judge_result(vector, op, &result),
        },
        Reply::Error { code, message, .. } => match &vector.error {
            Some(ExpectedError::Code(expected)) if *expected == code => {
                (Status::Pass, String::new())
            }
            Some(ExpectedError::Any(_)) => (Status::Pass, String::new()),
            Some(ExpectedError::Code(expected)) => (
                Status::WrongError,
                format!("expected error {expected}, got error {code} ({message})"),
            ),
            None => (
                Status::ShouldHavePassed,
                format!(
                    "expected {}, got error {code} ({message})",
                    expectation_text(vector)
                ),
            ),
        },
        Reply::Unsupported { message } => (Status::Unsupported, message),
        Reply::Errored { message } => (Status::Errored, message),
        Reply::Timeout => (Status::Timeout, "no answer in time".to_owned()),
        Reply::Crashed { message } => (Status::Crash, message),
    }
}

fn judge_result(vector: &Vector, op: Op, result: &Value) -> (Status, String) {
    let equal = |a: &Value, b: &Value| match vector.compare {
        Compare::Exact => a == b,
        Compare::Semantic => patchlaw::json_patch::equal(a, b),
    };
    if let Some(expected) = vector.expected.as_ref().filter(|e| !equal(result, e)) {
        return mismatch(expected, result);
    }
    if let (true, Some(code)) = (op.is_diff_like(), &vector.result_error) {
        // A patch that, as Kubernetes computes it, its own apply refuses.
        return match effect_of_patch(vector, op, result) {
            Some(Err(refused)) if refused.code == Some(code.as_str()) => {
                (Status::Pass, String::new())
            }
            Some(Err(refused)) => (
                Status::Fail,
                format!(
                    "the patch {} cannot be applied, but not with {code}: {}",
                    abbreviate(result),
                    refused.message
                ),
            ),
            Some(Ok(_)) => (
                Status::Fail,
                format!(
                    "the patch {} applies; it should fail with {code}",
                    abbreviate(result)
                ),
            ),
            None => (
                Status::Fail,
                "the record lacks what applying the patch needs".to_owned(),
            ),
        };
    }
    if op.is_diff_like() {
        // A patch is judged by what it does: applied (by patchlaw, the
        // reference) to the input, it must give the expected document.
        match effect_of_patch(vector, op, result) {
            Some(Ok((produced, wanted))) if equal(&produced, &wanted) => {}
            Some(Ok((produced, wanted))) => {
                return (
                    Status::Fail,
                    format!(
                        "the patch {} produces {}, expected {}",
                        abbreviate(result),
                        abbreviate(&produced),
                        abbreviate(&wanted)
                    ),
                )
            }
            Some(Err(refused)) => {
                return (
                    Status::Fail,
                    format!(
                        "the patch {} cannot be applied: {}",
                        abbreviate(result),
                        refused.message
                    ),
                )
            }
            None => {}
        }
    } else if let Some(expected) = vector
        .expected_result
        .as_ref()
        .filter(|e| !equal(result, e))
    {
        return mismatch(expected, result);
    }
    (Status::Pass, String::new())
}

/// A wrong result.
fn mismatch(expected: &Value, result: &Value) -> (Status, String) {
    (
        Status::Fail,
        format!(
            "expected {}, got {}",
            abbreviate(expected),
            abbreviate(result)
        ),
    )
}

/// Why a produced patch could not be applied.
struct Refused {
    /// patchlaw's error code, when its apply refused the patch.
    code: Option<&'static str>,
    message: String,
}

impl From<patchlaw::Error> for Refused {
    fn from(e: patchlaw::Error) -> Refused {
        Refused {
            code: Some(e.kind().code()),
            message: e.to_string(),
        }
    }
}

/// For a diff-like vector: the document the produced patch gives and the
/// one it should give, when the vector says enough to know.
fn effect_of_patch(
    vector: &Vector,
    op: Op,
    patch: &Value,
) -> Option<Result<(Value, Value), Refused>> {
    let arg = |name: &str| vector.args.get(name);
    let apply_merge = |doc: &Value, patch: &Value| -> Result<Value, Refused> {
        let mut doc = doc.clone();
        patchlaw::merge_patch::apply_with_limits(&mut doc, patch, patchlaw::Limits::unlimited())?;
        Ok(doc)
    };
    match op {
        Op::MergePatchDiff => {
            let from = arg("from")?;
            let wanted = vector.expected_result.as_ref().or_else(|| arg("to"))?;
            Some(apply_merge(from, patch).map(|produced| (produced, wanted.clone())))
        }
        Op::JsonPatchDiff => {
            let from = arg("from")?;
            let wanted = vector.expected_result.as_ref().or_else(|| arg("to"))?;
            let produced = patchlaw::json_patch::Patch::from_value_with_limits(
                patch,
                patchlaw::Limits::unlimited(),
            )
            .and_then(|p| {
                let mut doc = from.clone();
                p.apply_with_limits(&mut doc, patchlaw::Limits::unlimited())
                    .map(|()| doc)
            })
            .map_err(Refused::from);
            Some(produced.map(|produced| (produced, wanted.clone())))
        }
        Op::StrategicDiff => {
            let from = arg("from")?;
            let wanted = vector.expected_result.as_ref().or_else(|| arg("to"))?;
            let produced = crate::implementation::schema_argument(arg("schema")?)
                .map_err(|reply| Refused {
                    code: None,
                    message: reply.describe(),
                })
                .and_then(|schema| {
                    let mut doc = from.clone();
                    patchlaw::strategic::apply_with_limits(
                        &mut doc,
                        patch,
                        &schema,
                        patchlaw::Limits::unlimited(),
                    )
                    .map(|()| doc)
                    .map_err(Refused::from)
                });
            Some(produced.map(|produced| (produced, wanted.clone())))
        }
        Op::MergePatchCompose => {
            let doc = vector.context.get("doc")?;
            let wanted = match &vector.expected_result {
                Some(wanted) => Ok(wanted.clone()),
                None => {
                    let (first, second) = (arg("first")?, arg("second")?);
                    apply_merge(doc, first).and_then(|d| apply_merge(&d, second))
                }
            };
            Some(
                wanted
                    .and_then(|wanted| apply_merge(doc, patch).map(|produced| (produced, wanted))),
            )
        }
        _ => None,
    }
}

fn expected_error_name(expected: &ExpectedError) -> String {
    match expected {
        ExpectedError::Code(code) => code.clone(),
        ExpectedError::Any(hint) => format!("(any; hint: {hint})"),
    }
}

fn expectation_text(vector: &Vector) -> String {
    match (&vector.expected, &vector.expected_result) {
        (Some(expected), _) => format!("result {}", abbreviate(expected)),
        (None, Some(document)) => format!("a patch producing {}", abbreviate(document)),
        (None, None) => "success".to_owned(),
    }
}

/// Outcomes grouped per area, printable as the run's summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Who was checked.
    pub implementation: String,
    /// Every outcome, in run order.
    pub outcomes: Vec<Outcome>,
    /// Problems with the run itself (expectations that match nothing, …).
    pub problems: Vec<String>,
    /// Whether `unsupported` is acceptable.
    pub allow_unsupported: bool,
}

impl Report {
    /// Whether the run passed: no failing outcome and no problem.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw_conformance::runner::Report::default().passed());
    /// ```
    #[must_use]
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
            && !self
                .outcomes
                .iter()
                .any(|o| o.status.is_failure(self.allow_unsupported))
    }

    /// The counts of each status, per area.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw_conformance::runner::Report::default().counts().is_empty());
    /// ```
    #[must_use]
    pub fn counts(&self) -> BTreeMap<&str, BTreeMap<Status, usize>> {
        let mut counts: BTreeMap<&str, BTreeMap<Status, usize>> = BTreeMap::new();
        for outcome in &self.outcomes {
            *counts
                .entry(&outcome.area)
                .or_default()
                .entry(outcome.status)
                .or_default() += 1;
        }
        counts
    }

    /// The report as text: a line per area with its counts, then every
    /// outcome that is not a pass with its id and detail, then a verdict.
    ///
    /// # Examples
    ///
    /// ```
    /// let text = patchlaw_conformance::runner::Report::default().render();
    /// assert!(text.contains("0 passed, 0 failed"));
    /// ```
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.implementation.is_empty() {
            let _ = writeln!(out, "implementation: {}", self.implementation);
        }
        for (area, counts) in self.counts() {
            let total: usize = counts.values().sum();
            let parts: Vec<String> = counts
                .iter()
                .map(|(status, n)| format!("{n} {status}"))
                .collect();
            let _ = writeln!(out, "{area:<12} {total:>5} checked: {}", parts.join(", "));
        }
        let notable: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| o.status != Status::Pass)
            .collect();
        if !notable.is_empty() {
            let _ = writeln!(out);
        }
        for outcome in notable {
            let _ = writeln!(out, "{:<18} {}", outcome.status.name(), outcome.id);
            if !outcome.detail.is_empty() {
                let _ = writeln!(out, "{:<18} {}", "", outcome.detail);
            }
        }
        for problem in &self.problems {
            let _ = writeln!(out, "problem: {problem}");
        }
        let passed = self
            .outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::Pass | Status::Xfail))
            .count();
        let failed = self
            .outcomes
            .iter()
            .filter(|o| o.status.is_failure(self.allow_unsupported))
            .count();
        let skipped = self
            .outcomes
            .iter()
            .filter(|o| {
                o.status == Status::Skipped
                    || (o.status == Status::Unsupported && self.allow_unsupported)
            })
            .count();
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "conformance: {passed} passed, {failed} failed, {skipped} skipped"
        );
        out
    }
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
    let capabilities = imp.capabilities();
    crate::laws::catalogue()
        .into_iter()
        .map(|law| {
            let (status, detail) = if let Some(reason) = expectations.skip_reason(law.id) {
                (Status::Skipped, format!("skipped: {reason}"))
            } else if law.in_place && !native {
                (
                    Status::Skipped,
                    "skipped: a law of patchlaw's in-place API, not observable through the protocol".to_owned(),
                )
            } else if let Some(op) = law.ops.iter().find(|op| !capabilities.contains(op)) {
                (Status::Unsupported, format!("needs {op}"))
            } else {
                match law.check(imp, cases) {
                    Ok(()) => (Status::Pass, String::new()),
                    Err(why) => (Status::Fail, why),
                }
            };
            let (status, detail) = expectations.apply_known_failure(law.id, status, detail);
            Outcome {
                id: law.id.to_owned(),
                area: "laws".to_owned(),
                status,
                detail,
            }
        })
        .collect()
}
