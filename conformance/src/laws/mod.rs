//! The laws of `spec/`, each written once as a function and declared once
//! with its cases.
//!
//! A law function takes an [`Implementation`] and one case and returns
//! `Err(Violation)` when the case breaks the law. Each area module declares
//! each of its laws once, at its top, as a [`Check`]: the law's ID, the
//! operations it needs, the generator of its cases (or one fixed case) and
//! the law function. [`catalogue`] joins the areas' declarations; the
//! property tests, the fuzz targets and `patchlaw-conformance run --laws`
//! all run them. A new area is a module with its declarations plus one
//! line in [`catalogue`].
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

use std::fmt;

use serde_json::Value;

use crate::implementation::{abbreviate, args, Implementation, Op, Reply};

mod check;
pub mod json_patch;
pub mod limits;
pub mod merge_patch;
pub mod pointer;
pub mod reconcile;
pub mod strategic;
pub mod three_way;

pub(crate) use check::declare_checks;
pub use check::{Cases, Check, LawCheck};

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

/// Every law this crate can check, with its cases.
///
/// # Examples
///
/// ```
/// let ids: Vec<_> = patchlaw_conformance::laws::catalogue().iter().map(|l| l.id).collect();
/// assert!(ids.contains(&"LAW-MP-IDEMPOTENT"));
/// ```
#[must_use]
pub fn catalogue() -> Vec<LawCheck> {
    [
        pointer::checks(),
        merge_patch::checks(),
        json_patch::checks(),
        strategic::checks(),
        three_way::checks(),
        reconcile::checks(),
        limits::checks(),
    ]
    .concat()
}

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
        Violation::new(
            law,
            format!("{op} failed with {code} for {}", shown(arguments)),
        )
    })
}

/// The arguments of a call, abbreviated: `from = …, to = …`.
pub(crate) fn shown(arguments: &[(&str, &Value)]) -> String {
    let shown: Vec<String> = arguments
        .iter()
        .map(|(name, value)| format!("{name} = {}", abbreviate(value)))
        .collect();
    shown.join(", ")
}

/// `Ok` when `got` is `expected`, otherwise the violation of `law` that
/// `message` describes.
pub(crate) fn expect<T: PartialEq + ?Sized>(
    law: &'static str,
    got: &T,
    expected: &T,
    message: impl FnOnce() -> String,
) -> Result<(), Violation> {
    if got == expected {
        Ok(())
    } else {
        Err(Violation::new(law, message()))
    }
}

/// Runs `op` with owned arguments, for values the law builds itself.
pub(crate) fn call_owned<I: Implementation + ?Sized, const N: usize>(
    imp: &mut I,
    op: Op,
    arguments: [(&str, Value); N],
) -> Reply {
    imp.run(op, args(arguments))
}
