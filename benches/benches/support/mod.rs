//! The `bound-clone` benchmark, shared by the bench targets that measure
//! against it.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::BenchmarkGroup;
use serde_json::Value;

/// Benchmarks `<workload>/bound-clone` in `group`: `Value::clone` of
/// `value`, each clone dropped after the timing.
pub(crate) fn bound_clone(group: &mut BenchmarkGroup<'_, WallTime>, workload: &str, value: &Value) {
    group.bench_function(format!("{workload}/bound-clone"), |b| {
        b.iter_with_large_drop(|| checked_clone(value));
    });
}

/// A clone of `value`, an object, taken through `black_box` so that the
/// compiler cannot skip it, and checked to be an object.
#[inline]
pub(crate) fn checked_clone(value: &Value) -> Value {
    let clone = black_box(value).clone();
    assert!(clone.is_object());
    clone
}
