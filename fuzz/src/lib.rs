//! Inputs of the fuzz targets, and how they check a law.
//!
//! Every target reads its input as JSON text: an array whose elements are
//! the case's values (`[doc, patch]`, `[from, to]`, …). Seed corpora are
//! therefore written straight from the conformance vectors
//! (`fuzz/seed-corpora.py`), and a crash's input is readable. A [`Case`]'s
//! `Debug` prints a ready-to-paste reproducer: the values as `json!`
//! literals.
//!
//! A target checks a law through the law's declaration in
//! `patchlaw_conformance::laws` ([`holds`]), the one the property tests and
//! the conformance runner run: the fuzzer's input takes the place of the
//! declared generator, and the law function is the declared one.

use std::fmt;

use patchlaw_conformance::implementation::schema_argument;
use patchlaw_conformance::laws::{strategic, Check, Violation};
use patchlaw_conformance::Implementation;
use serde_json::Value;

/// The values of one fuzz input.
pub struct Case {
    /// The values, in the order the target documents.
    pub values: Vec<Value>,
}

impl Case {
    /// Reads `data` as a JSON array of at least `count` values (extra ones
    /// are kept); `None` for anything else, which the target skips.
    #[must_use]
    pub fn parse(data: &[u8], count: usize) -> Option<Case> {
        let Ok(Value::Array(values)) = serde_json::from_slice::<Value>(data) else {
            return None;
        };
        (values.len() >= count).then_some(Case { values })
    }

    /// The value at `index`, or `null`.
    #[must_use]
    pub fn get(&self, index: usize) -> &Value {
        self.values.get(index).unwrap_or(&Value::Null)
    }

    /// The value at `index` as a schema in the protocol's form
    /// (`{"builtin": "apps/v1/Deployment"}` or OpenAPI with `root`); the
    /// empty schema when it is not one.
    #[must_use]
    pub fn schema(&self, index: usize) -> Value {
        let schema = self.get(index);
        match schema_argument(schema) {
            Ok(_) => schema.clone(),
            Err(_) => strategic::empty_schema(),
        }
    }
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "// reproduce with:")?;
        for (i, value) in self.values.iter().enumerate() {
            writeln!(f, "let v{i} = serde_json::json!({value});")?;
        }
        Ok(())
    }
}

/// Checks the declared law `law` on `input` (built from `case`) with
/// `imp`, and panics with the violation and the reproducer when `input`
/// breaks it.
#[track_caller]
pub fn holds<T: Clone + fmt::Debug + 'static>(
    case: &Case,
    law: &Check<T>,
    imp: &mut dyn Implementation,
    input: &T,
) {
    check(case, law.holds(imp, input));
}

/// Panics with the violation and the reproducer: what the targets do when
/// a law is broken. For the law functions that check a part of a law only
/// patchlaw's own API shows, and for a declared law checked with other
/// limits.
#[track_caller]
pub fn check(case: &Case, outcome: Result<(), Violation>) {
    if let Err(violation) = outcome {
        panic!("{violation}\n{case:?}");
    }
}
