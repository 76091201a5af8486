//! Inputs of the fuzz targets.
//!
//! Every target reads its input as JSON text: an array whose elements are
//! the case's values (`[doc, patch]`, `[from, to]`, …). Seed corpora are
//! therefore written straight from the conformance vectors
//! (`fuzz/seed-corpora.py`), and a crash's input is readable. A [`Case`]'s
//! `Debug` prints a ready-to-paste reproducer: the values as `json!`
//! literals.

use std::fmt;

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

/// Panics with the violation and the reproducer: what the targets do when
/// a law is broken.
#[track_caller]
pub fn check(case: &Case, outcome: Result<(), patchlaw_conformance::laws::Violation>) {
    if let Err(violation) = outcome {
        panic!("{violation}\n{case:?}");
    }
}
