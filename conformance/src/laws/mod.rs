//! The laws of `spec/`, each written once as a function.
//!
//! A law function takes an [`Implementation`] and one generated case and
//! returns `Err(Violation)` when the case breaks the law. The property tests,
//! the fuzz targets and `patchlaw-conformance run --laws` all call these same
//! functions; [`catalogue`] lists them with generators so that a runner can
//! check every law on any implementation.
//!
//! # Examples
//!
//! ```
//! use patchlaw_conformance::{laws, Native};
//! use serde_json::json;
//!
//! let mut native = Native::new();
//! laws::merge_patch::idempotent(&mut native, &json!({"a": 1}), &json!({"a": null, "b": [1]}))?;
//! # Ok::<(), laws::Violation>(())
//! ```

use std::cell::RefCell;
use std::fmt;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::Value;

use crate::implementation::{abbreviate, args, Implementation, Op, Reply};
use crate::strategy;

pub mod json_patch;
pub mod limits;
pub mod merge_patch;
pub mod pointer;
pub mod strategic;

/// A case that breaks a law.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The law's ID, e.g. `LAW-MP-IDEMPOTENT`.
    pub law: &'static str,
    /// What went wrong, with the values involved.
    pub message: String,
}

impl Violation {
    pub(crate) fn new(law: &'static str, message: impl Into<String>) -> Violation {
        Violation {
            law,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} violated: {}", self.law, self.message)
    }
}

impl std::error::Error for Violation {}

/// The result of calling an operation inside a law: `Ok(result)`, `Err(code)`
/// for a protocol error, or a violation for anything else (unsupported,
/// errored, timeout, crash).
pub(crate) fn call<I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    op: Op,
    arguments: &[(&str, &Value)],
) -> Result<Result<Value, String>, Violation> {
    let map = arguments
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).clone()))
        .collect();
    match imp.run(op, map) {
        Reply::Ok { result, .. } => Ok(Ok(result)),
        Reply::Error { code, .. } => Ok(Err(code)),
        other => Err(Violation::new(
            law,
            format!("{op} gave {}", other.describe()),
        )),
    }
}

/// Like [`call`], but an error reply is a violation too.
pub(crate) fn call_ok<I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    op: Op,
    arguments: &[(&str, &Value)],
) -> Result<Value, Violation> {
    call(imp, law, op, arguments)?.map_err(|code| {
        let shown: Vec<String> = arguments
            .iter()
            .map(|(name, value)| format!("{name} = {}", abbreviate(value)))
            .collect();
        Violation::new(
            law,
            format!("{op} failed with {code} for {}", shown.join(", ")),
        )
    })
}

/// Runs `op` with owned arguments, for values the law builds itself.
pub(crate) fn call_owned<I: Implementation + ?Sized, const N: usize>(
    imp: &mut I,
    op: Op,
    arguments: [(&str, Value); N],
) -> Reply {
    imp.run(op, args(arguments))
}

/// A law with the generator that feeds it, ready to run on any
/// implementation.
pub struct LawCheck {
    /// The law's ID.
    pub id: &'static str,
    /// The operations the law needs.
    pub ops: &'static [Op],
    /// Whether the law is about patchlaw's own in-place API (atomicity,
    /// inverse patches, serde), which the adapter protocol cannot observe:
    /// such a law checks patchlaw whatever implementation is under test.
    pub in_place: bool,
    run: fn(&mut dyn Implementation, u32) -> Result<(), String>,
}

impl LawCheck {
    /// Checks the law on `cases` generated cases, from a fixed seed so that
    /// two runs check the same cases. `Err` holds the shrunk failing case.
    ///
    /// # Errors
    ///
    /// A description of the minimal failing case found.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::{laws, Native};
    ///
    /// let mut native = Native::new();
    /// for law in laws::catalogue() {
    ///     law.check(&mut native, 16).unwrap();
    /// }
    /// ```
    pub fn check(&self, imp: &mut dyn Implementation, cases: u32) -> Result<(), String> {
        (self.run)(imp, cases)
    }
}

impl fmt::Debug for LawCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LawCheck")
            .field("id", &self.id)
            .field("ops", &self.ops)
            .finish()
    }
}

/// The entry of a law checked on generated [`strategy::strategic::StrategicCase`]s
/// (schema, document, patch) with `strategic.apply`.
macro_rules! strategic_case_law {
    ($id:ident, $law:ident) => {
        LawCheck {
            id: strategic::$id,
            ops: &[Op::StrategicApply],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::strategic::arb_strategic_case(),
                    |imp, c| strategic::$law(imp, &c.schema, &c.doc, &c.patch),
                )
            },
        }
    };
}

/// Every law this crate can check, with its generator.
///
/// # Examples
///
/// ```
/// let ids: Vec<_> = patchlaw_conformance::laws::catalogue().iter().map(|l| l.id).collect();
/// assert!(ids.contains(&"LAW-MP-IDEMPOTENT"));
/// ```
#[must_use]
pub fn catalogue() -> Vec<LawCheck> {
    vec![
        LawCheck {
            id: pointer::ROUNDTRIP,
            ops: &[Op::PointerGet],
            in_place: false,
            run: |imp, n| {
                check_with(imp, n, strategy::arb_tokens(), |imp, t| {
                    pointer::roundtrip(imp, &t)
                })
            },
        },
        LawCheck {
            id: pointer::ESCAPE_ORDER,
            ops: &[Op::PointerGet],
            in_place: false,
            run: |imp, n| {
                check_with(imp, n, strategy::arb_token(), |imp, t| {
                    pointer::escape_order(imp, &t)
                })
            },
        },
        LawCheck {
            id: pointer::STRICT_INDEX,
            ops: &[Op::PointerGet],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    (0usize..12, strategy::arb_index_token()),
                    |imp, (len, t)| pointer::strict_index(imp, len, &t),
                )
            },
        },
        LawCheck {
            id: merge_patch::NONOBJECT_REPLACES,
            ops: &[Op::MergePatchApply],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    (strategy::arb_value(), strategy::arb_scalar_or_array()),
                    |imp, (d, p)| merge_patch::nonobject_replaces(imp, &d, &p),
                )
            },
        },
        LawCheck {
            id: merge_patch::IDEMPOTENT,
            ops: &[Op::MergePatchApply],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::arb_doc_and_merge_patch(),
                    |imp, (d, p)| merge_patch::idempotent(imp, &d, &p),
                )
            },
        },
        LawCheck {
            id: merge_patch::NULL_DELETES,
            ops: &[Op::MergePatchApply],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::arb_doc_and_merge_patch(),
                    |imp, (d, p)| merge_patch::null_deletes(imp, &d, &p),
                )
            },
        },
        LawCheck {
            id: merge_patch::DIFF_APPLY,
            ops: &[Op::MergePatchApply, Op::MergePatchDiff],
            in_place: false,
            run: |imp, n| {
                check_with(imp, n, strategy::arb_doc_pair(), |imp, (a, b)| {
                    merge_patch::diff_apply(imp, &a, &b)
                })
            },
        },
        LawCheck {
            id: merge_patch::DIFF_MINIMAL,
            ops: &[Op::MergePatchDiff],
            in_place: false,
            run: |imp, n| {
                check_with(imp, n, strategy::arb_doc_pair(), |imp, (a, b)| {
                    merge_patch::diff_minimal(imp, &a, &b)
                })
            },
        },
        LawCheck {
            id: merge_patch::COMPOSE,
            ops: &[Op::MergePatchApply, Op::MergePatchCompose],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::arb_doc_and_two_merge_patches(),
                    |imp, (d, p, q)| merge_patch::compose(imp, &d, &p, &q),
                )
            },
        },
        LawCheck {
            id: merge_patch::COMPOSE_ASSOC,
            ops: &[Op::MergePatchCompose],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::arb_three_merge_patches(),
                    |imp, (p, q, r)| merge_patch::compose_assoc(imp, &p, &q, &r),
                )
            },
        },
        LawCheck {
            id: json_patch::ATOMIC,
            ops: &[],
            in_place: true,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::arb_doc_and_failing_patch(),
                    |_, (d, p)| json_patch::atomic(&d, &p, patchlaw::Limits::new()),
                )
            },
        },
        LawCheck {
            id: json_patch::EMPTY,
            ops: &[Op::JsonPatchApply],
            in_place: false,
            run: |imp, n| {
                check_with(imp, n, strategy::arb_doc(), |imp, d| {
                    json_patch::empty(imp, &d)
                })
            },
        },
        LawCheck {
            id: json_patch::CONCAT,
            ops: &[Op::JsonPatchApply],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::arb_doc_and_two_patches(),
                    |imp, (d, p, q)| json_patch::concat(imp, &d, &p, &q),
                )
            },
        },
        LawCheck {
            id: json_patch::INVERSE,
            ops: &[],
            in_place: true,
            run: |imp, n| {
                check_with(imp, n, strategy::arb_doc_and_patch(), |_, (d, p)| {
                    json_patch::inverse(&d, &p)
                })
            },
        },
        LawCheck {
            id: json_patch::TEST_EQUALITY,
            ops: &[Op::JsonPatchApply],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::arb_doc_path_and_test_value(),
                    |imp, (d, path, v)| json_patch::test_equality(imp, &d, &path, &v),
                )
            },
        },
        LawCheck {
            id: json_patch::MOVE_IS_REMOVE_ADD,
            ops: &[Op::JsonPatchApply],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::arb_doc_from_and_path(),
                    |imp, (d, from, path)| json_patch::move_is_remove_add(imp, &d, &from, &path),
                )
            },
        },
        LawCheck {
            id: json_patch::COPY_IS_ADD,
            ops: &[Op::JsonPatchApply],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::arb_doc_from_and_path(),
                    |imp, (d, from, path)| json_patch::copy_is_add(imp, &d, &from, &path),
                )
            },
        },
        LawCheck {
            id: json_patch::SERDE_ROUNDTRIP,
            ops: &[],
            in_place: true,
            run: |imp, n| {
                check_with(imp, n, strategy::arb_patch(), |_, p| {
                    json_patch::serde_roundtrip(&p)
                })
            },
        },
        LawCheck {
            id: json_patch::DIFF_APPLY,
            ops: &[Op::JsonPatchApply, Op::JsonPatchDiff],
            in_place: false,
            run: |imp, n| {
                check_with(imp, n, strategy::arb_doc_pair_for_diff(), |imp, (a, b)| {
                    json_patch::diff_apply(imp, &a, &b)
                })
            },
        },
        LawCheck {
            id: json_patch::DIFF_SELF,
            ops: &[Op::JsonPatchDiff],
            in_place: false,
            run: |imp, n| {
                check_with(imp, n, strategy::arb_doc(), |imp, d| {
                    json_patch::diff_self(imp, &d)
                })
            },
        },
        LawCheck {
            id: json_patch::DIFF_LOCAL,
            ops: &[Op::JsonPatchDiff],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::arb_doc_array_and_edit(),
                    |imp, (d, array, edit)| json_patch::diff_local(imp, &d, &array, &edit),
                )
            },
        },
        LawCheck {
            id: strategic::REDUCES_TO_MP,
            ops: &[Op::StrategicApply, Op::MergePatchApply],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::arb_doc_and_merge_patch(),
                    |imp, (d, p)| strategic::reduces_to_merge_patch(imp, &d, &p),
                )
            },
        },
        strategic_case_law!(MERGE_KEY, merge_key),
        strategic_case_law!(DELETE, delete),
        strategic_case_law!(REPLACE, replace),
        strategic_case_law!(RETAIN_KEYS, retain_keys),
        strategic_case_law!(PRIMITIVE_UNION, primitive_union),
        strategic_case_law!(ELEMENT_ORDER, element_order),
        LawCheck {
            id: strategic::DIFF_APPLY,
            ops: &[Op::StrategicApply, Op::StrategicDiff],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::strategic::arb_strategic_pair(),
                    |imp, (s, a, b)| strategic::diff_apply(imp, &s, &a, &b),
                )
            },
        },
        LawCheck {
            id: strategic::IDEMPOTENT,
            ops: &[Op::StrategicApply, Op::StrategicDiff],
            in_place: false,
            run: |imp, n| {
                check_with(
                    imp,
                    n,
                    strategy::strategic::arb_strategic_pair(),
                    |imp, (s, a, b)| strategic::idempotent(imp, &s, &a, &b, &[&a, &b]),
                )
            },
        },
        LawCheck {
            id: limits::COPY_BOUND,
            ops: &[Op::JsonPatchApply],
            in_place: false,
            run: |imp, _| limits::copy_bound(imp).map_err(|v| v.to_string()),
        },
        LawCheck {
            id: limits::OPS,
            ops: &[Op::JsonPatchApply],
            in_place: false,
            run: |imp, _| {
                let max = patchlaw::Limits::DEFAULT_MAX_OPERATIONS;
                limits::operation_count(imp, max + 1, true)
                    .and_then(|()| limits::operation_count(imp, max, false))
                    .map_err(|v| v.to_string())
            },
        },
        LawCheck {
            id: limits::DEPTH,
            ops: &[
                Op::MergePatchApply,
                Op::MergePatchDiff,
                Op::MergePatchCompose,
            ],
            in_place: false,
            run: |imp, _| {
                let depth = patchlaw::Limits::DEFAULT_MAX_DEPTH + 1;
                limits::depth(imp, depth).map_err(|v| v.to_string())
            },
        },
    ]
}

/// Runs `law` on `cases` cases drawn from `strategy` with a fixed seed.
fn check_with<S, F>(
    imp: &mut dyn Implementation,
    cases: u32,
    strategy: S,
    law: F,
) -> Result<(), String>
where
    S: Strategy,
    S::Value: Clone + fmt::Debug,
    F: Fn(&mut dyn Implementation, S::Value) -> Result<(), Violation>,
{
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let imp = RefCell::new(imp);
    let outcome = runner.run(&strategy, |case| {
        let mut imp = imp.borrow_mut();
        law(&mut **imp, case).map_err(|v| TestCaseError::fail(v.to_string()))
    });
    match outcome {
        Ok(()) => Ok(()),
        Err(TestError::Fail(why, case)) => Err(format!("{why}\n    minimal case: {case:?}")),
        Err(TestError::Abort(why)) => Err(format!("aborted: {why}")),
    }
}
