//! The long array of small objects.

use patchlaw_conformance::strategy::random::SplitMix64;
use serde_json::{json, Value};

use crate::deployment::WORDS;

/// An array of `n` small objects (`id`, `name`, `enabled`, `weight`, `tags`),
/// about 85 bytes each serialized.
///
/// # Examples
///
/// ```
/// let items = patchlaw_benches::long_array(10_000);
/// assert_eq!(items.as_array().unwrap().len(), 10_000);
/// assert_eq!(items[42]["id"], 42);
/// ```
#[must_use]
pub fn long_array(n: usize) -> Value {
    let mut rng = SplitMix64::new(0x5EED_2000);
    let items = (0..n)
        .map(|id| {
            json!({
                "id": id,
                "name": format!("item-{id:05}"),
                "enabled": rng.below(4) != 0,
                "weight": rng.below(10_000) as f64 / 100.0,
                "tags": [rng.pick(WORDS), rng.pick(WORDS)],
            })
        })
        .collect();
    Value::Array(items)
}
