//! What a benchmark checks inside its timed loop.

use patchlaw::PointerBuf;
use serde_json::Value;

/// Each of `pointers` parsed, with the value `doc` has there: what a
/// benchmark expects to find at those pointers in its result.
///
/// # Panics
///
/// If a pointer is not a valid JSON Pointer or `doc` has no value there.
///
/// # Examples
///
/// ```
/// let edited = patchlaw_benches::deployment_edited();
/// let checks = patchlaw_benches::values_at(&edited, patchlaw_benches::DEPLOYMENT_EDITED_POINTERS);
/// let (pointer, replicas) = &checks[0];
/// assert_eq!(pointer.to_string(), "/spec/replicas");
/// assert_eq!(*replicas, 5);
/// ```
#[must_use]
pub fn values_at(doc: &Value, pointers: &[&str]) -> Vec<(PointerBuf, Value)> {
    pointers
        .iter()
        .map(|text| {
            let pointer = PointerBuf::parse(text).expect("valid pointer");
            let value = pointer.get(doc).expect("a value at the pointer").clone();
            (pointer, value)
        })
        .collect()
}
