//! Differential fuzzing: the same generated cases sent to two
//! implementations (a foreign one and, by default, patchlaw); each
//! disagreement is shrunk across the process boundary with proptest's
//! shrinking to a minimal case, classified, and printed as a vector ready to
//! add to `conformance/vectors/`.
//!
//! Cases come from the project's generators ([`crate::strategy`]), one
//! generator per operation, drawn from a seeded random source: a seed gives
//! the same cases on every run.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use proptest::prop_oneof;
use proptest::strategy::{BoxedStrategy, Just, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Map, Value};

use crate::implementation::{Implementation, Op, Reply};
use crate::strategy;

/// How two answers to one case differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Class {
    /// One side answered with a result, the other with an error.
    OneSideErrors,
    /// Both answered with a result, and they differ (for a diff: the
    /// patches have different effects).
    DifferentResults,
    /// Both answered with an error, with different codes.
    DifferentErrorCodes,
    /// The implementation under test gave no answer: unsupported, errored,
    /// a timeout or a crash.
    NoAnswer,
}

impl Class {
    /// The class as the report names it.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::runner::fuzz::Class;
    ///
    /// assert_eq!(Class::OneSideErrors.name(), "one side errors");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Class::OneSideErrors => "one side errors",
            Class::DifferentResults => "different results",
            Class::DifferentErrorCodes => "different error codes",
            Class::NoAnswer => "no answer",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A disagreement, shrunk.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The operation.
    pub op: Op,
    /// How the answers differ.
    pub class: Class,
    /// The minimal arguments found.
    pub args: Map<String, Value>,
    /// The answer of the implementation under test.
    pub got: Reply,
    /// The reference's answer.
    pub reference: Reply,
    /// How many generated cases disagreed the same way: the same
    /// operation, class and kinds of answers (error codes included), before
    /// or after shrinking.
    pub count: usize,
    /// How many shrinking steps were tried.
    pub shrink_steps: usize,
}

impl Finding {
    /// The finding as a vector record (`conformance/vectors/README.md`),
    /// expecting the reference's answer: a result, the document a diff must
    /// produce, or an error code.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::runner::fuzz::{Class, Finding};
    /// use patchlaw_conformance::{implementation::args, Op, Reply};
    /// use serde_json::json;
    ///
    /// let finding = Finding {
    ///     op: Op::PointerGet,
    ///     class: Class::OneSideErrors,
    ///     args: args([("doc", json!([1])), ("pointer", json!("/01"))]),
    ///     got: Reply::ok(json!(1)),
    ///     reference: Reply::Error { code: "invalid-index".into(), message: String::new(), conflicts: None },
    ///     count: 1,
    ///     shrink_steps: 0,
    /// };
    /// assert_eq!(finding.vector("x")["error"], "invalid-index");
    /// ```
    #[must_use]
    pub fn vector(&self, name: &str) -> Value {
        let mut record = Map::new();
        record.insert("name".to_owned(), json!(name));
        record.insert(
            "comment".to_owned(),
            json!(format!(
                "Found by differential fuzzing ({}): the implementation under test gave {}.",
                self.class,
                self.got.describe()
            )),
        );
        record.insert("op".to_owned(), json!(self.op.name()));
        for (key, value) in &self.args {
            record.insert(key.clone(), value.clone());
        }
        match &self.reference {
            Reply::Ok { result, .. } if self.op.is_diff_like() => {
                if let Some(to) = self.args.get("to") {
                    record.insert("expected_result".to_owned(), to.clone());
                } else {
                    record.insert("expected".to_owned(), result.clone());
                }
            }
            Reply::Ok { result, .. } => {
                record.insert("expected".to_owned(), result.clone());
            }
            Reply::Error { code, .. } => {
                record.insert("error".to_owned(), json!(code));
            }
            other => {
                record.insert("disabled".to_owned(), json!(other.describe()));
            }
        }
        Value::Object(record)
    }
}

/// Whether [`fuzz`] has a generator for `op`.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{runner::fuzz, Op};
///
/// assert!(fuzz::generates(Op::JsonPatchApply));
/// assert!(!fuzz::generates(Op::ThreeWayStrategic));
/// ```
#[must_use]
pub fn generates(op: Op) -> bool {
    generator(op).is_some()
}

/// What a fuzz run found for one operation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpReport {
    /// Cases sent.
    pub cases: usize,
    /// Cases on which the two sides disagreed.
    pub disagreements: usize,
    /// The disagreements, one per kind, shrunk.
    pub findings: Vec<Finding>,
}

/// Sends `cases` generated cases of `op` to `imp` and `reference` (the
/// same cases for the same `seed`); shrinks the first disagreement of
/// each kind, for at most `shrink_budget` each. With `ignore_codes`, two
/// errors agree whatever their codes.
pub fn fuzz(
    imp: &mut dyn Implementation,
    reference: &mut dyn Implementation,
    op: Op,
    cases: usize,
    seed: u64,
    ignore_codes: bool,
    shrink_budget: Duration,
) -> OpReport {
    let Some(strategy) = generator(op) else {
        return OpReport::default();
    };
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&(op as u64).to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config {
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let mut report = OpReport::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..cases {
        let Ok(mut tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        report.cases += 1;
        let Some((class, got, expected)) =
            compare(imp, reference, op, &tree.current(), ignore_codes)
        else {
            continue;
        };
        report.disagreements += 1;
        let kind = signature(op, class, &got, &expected);
        if let Some(&index) = seen.get(&kind) {
            report.findings[index].count += 1;
            continue;
        }
        // Shrink: simplify while the disagreement (of any kind) stays.
        let mut finding = Finding {
            op,
            class,
            args: tree.current(),
            got,
            reference: expected,
            count: 1,
            shrink_steps: 0,
        };
        let deadline = Instant::now() + shrink_budget;
        if tree.simplify() {
            while Instant::now() < deadline {
                finding.shrink_steps += 1;
                let case = tree.current();
                let more = match compare(imp, reference, op, &case, ignore_codes) {
                    Some((class, got, expected)) => {
                        finding.class = class;
                        finding.args = case;
                        finding.got = got;
                        finding.reference = expected;
                        tree.simplify()
                    }
                    None => tree.complicate(),
                };
                if !more {
                    break;
                }
            }
        }
        // Cases of different kinds often shrink to the same disagreement.
        let shrunk = signature(op, finding.class, &finding.got, &finding.reference);
        if let Some(same) = report
            .findings
            .iter()
            .position(|f| signature(op, f.class, &f.got, &f.reference) == shrunk)
        {
            report.findings[same].count += finding.count;
            seen.insert(kind, same);
            continue;
        }
        seen.insert(kind, report.findings.len());
        report.findings.push(finding);
    }
    report
}

/// What kind of disagreement this is, for grouping: the operation, the
/// class, and the kinds of the two answers (error codes included).
fn signature(op: Op, class: Class, got: &Reply, expected: &Reply) -> String {
    let kind = |reply: &Reply| match reply {
        Reply::Ok { .. } => "result".to_owned(),
        Reply::Error { code, .. } => code.clone(),
        Reply::Unsupported { .. } => "unsupported".to_owned(),
        Reply::Errored { .. } => "errored".to_owned(),
        Reply::Timeout => "timeout".to_owned(),
        Reply::Crashed { .. } => "crash".to_owned(),
    };
    format!("{op} {class}: {} vs {}", kind(got), kind(expected))
}

/// The two answers to one case, when they disagree.
fn compare(
    imp: &mut dyn Implementation,
    reference: &mut dyn Implementation,
    op: Op,
    args: &Map<String, Value>,
    ignore_codes: bool,
) -> Option<(Class, Reply, Reply)> {
    let got = imp.run(op, args.clone());
    let expected = reference.run(op, args.clone());
    let class = match (&got, &expected) {
        (Reply::Ok { result: a, .. }, Reply::Ok { result: b, .. }) => {
            let same = if op.is_diff_like() {
                effect(op, args, a) == effect(op, args, b)
            } else {
                patchlaw::json_patch::equal(a, b)
            };
            (!same).then_some(Class::DifferentResults)?
        }
        (Reply::Error { code: a, .. }, Reply::Error { code: b, .. }) => {
            (a != b && !ignore_codes).then_some(Class::DifferentErrorCodes)?
        }
        (Reply::Ok { .. }, Reply::Error { .. }) | (Reply::Error { .. }, Reply::Ok { .. }) => {
            Class::OneSideErrors
        }
        _ => Class::NoAnswer,
    };
    Some((class, got, expected))
}

/// What a produced patch does, applied by patchlaw without limits: the
/// document from `from` (diffs), or the patch itself (compose); `None` when
/// it cannot be applied.
fn effect(op: Op, args: &Map<String, Value>, patch: &Value) -> Option<Value> {
    let limits = patchlaw::Limits::unlimited();
    let mut doc = args.get("from")?.clone();
    match op {
        Op::MergePatchDiff => {
            patchlaw::merge_patch::apply_with_limits(&mut doc, patch, limits).ok()?
        }
        Op::JsonPatchDiff => patchlaw::json_patch::Patch::from_value_with_limits(patch, limits)
            .and_then(|p| p.apply_with_limits(&mut doc, limits))
            .ok()?,
        _ => return Some(patch.clone()),
    }
    Some(doc)
}

/// The generator of arguments for `op`, if there is one.
fn generator(op: Op) -> Option<BoxedStrategy<Map<String, Value>>> {
    use crate::implementation::args;
    Some(match op {
        Op::PointerGet => strategy::arb_doc()
            .prop_flat_map(|doc| {
                let pointer = prop_oneof![
                    3 => strategy::arb_pointer_for(&doc).prop_map(|p| p.to_string()),
                    1 => strategy::arb_tokens().prop_map(|t| t.iter().map(|t| format!("/{t}")).collect::<String>()),
                    1 => "[/a-z0-9~-]{0,8}",
                ];
                (Just(doc), pointer)
            })
            .prop_map(|(doc, pointer)| args([("doc", doc), ("pointer", json!(pointer))]))
            .boxed(),
        Op::MergePatchApply => strategy::arb_doc_and_merge_patch()
            .prop_map(|(doc, patch)| args([("doc", doc), ("patch", patch)]))
            .boxed(),
        Op::MergePatchDiff => strategy::arb_doc_pair()
            .prop_map(|(from, to)| args([("from", from), ("to", to)]))
            .boxed(),
        Op::MergePatchCompose => strategy::arb_three_merge_patches()
            .prop_map(|(first, second, _)| args([("first", first), ("second", second)]))
            .boxed(),
        Op::JsonPatchApply => strategy::arb_doc_and_any_patch()
            .prop_map(|(doc, patch)| args([("doc", doc), ("patch", patch)]))
            .boxed(),
        Op::JsonPatchDiff => strategy::arb_doc_pair_for_diff()
            .prop_map(|(from, to)| args([("from", from), ("to", to)]))
            .boxed(),
        Op::StrategicApply => strategy::strategic::arb_builtin_case()
            .prop_map(|(doc, patch)| {
                let schema = strategy::kubernetes::BuiltinKind::of(&doc)
                    .map_or(Value::Null, |kind| kind.schema_argument());
                args([("doc", doc), ("patch", patch), ("schema", schema)])
            })
            .boxed(),
        _ => return None,
    })
}

/// The findings of a run as text: per operation the cases and
/// disagreements, then each finding with its class, its count, the answers
/// and the vector.
#[must_use]
pub fn render(reports: &[(Op, OpReport)], implementation: &str, reference: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "fuzz: {implementation} against {reference}");
    for (op, report) in reports {
        let _ = writeln!(
            out,
            "{:<22} {:>6} cases, {:>5} disagreements, {} kinds",
            op.name(),
            report.cases,
            report.disagreements,
            report.findings.len()
        );
    }
    let mut n = 0;
    for (op, report) in reports {
        for finding in &report.findings {
            n += 1;
            let _ = writeln!(
                out,
                "\n#{n} {op}: {} ({} cases; shrunk in {} steps)\n  got:       {}\n  reference: {}\n  vector:    {}",
                finding.class,
                finding.count,
                finding.shrink_steps,
                finding.got.describe(),
                finding.reference.describe(),
                finding.vector(&format!("fuzz-{}-{n}", op.area()))
            );
        }
    }
    out
}
