//! Judging one reply against one vector: the result compared with the
//! expected value, an error code with the expected code, and a produced
//! patch by what it does when applied by patchlaw (the reference).

use serde_json::Value;

use super::vectors::{Compare, ExpectedError, Vector};
use super::Status;
use crate::implementation::{abbreviate, Op, Reply};

/// The status of `reply`, the answer to `vector`'s `op`, and what went
/// wrong.
pub(super) fn judge(vector: &Vector, op: Op, reply: Reply) -> (Status, String) {
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
        Op::StrategicDiff | Op::ThreeWayStrategic => {
            // A three-way patch goes to the current object, and only a
            // recorded result says what it must give.
            let (from, wanted) = match op {
                Op::StrategicDiff => (
                    arg("from")?,
                    vector.expected_result.as_ref().or_else(|| arg("to"))?,
                ),
                _ => (arg("current")?, vector.expected_result.as_ref()?),
            };
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
        Op::ThreeWayMergePatch => {
            let (current, wanted) = (arg("current")?, vector.expected_result.as_ref()?);
            Some(apply_merge(current, patch).map(|produced| (produced, wanted.clone())))
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
