//! Strategic diff on the Deployment workload of `strategic/diff`, for an
//! instruction counter (repeatable on a loaded machine, where wall-clock
//! times are not) or for an interleaved timing:
//!
//! ```text
//! cargo build --release -p patchlaw-benches --example smp_diff_count
//! valgrind --tool=callgrind --toggle-collect='smp_diff_count::timed_*' \
//!     target/release/examples/smp_diff_count diff 200
//! valgrind --tool=callgrind --toggle-collect='smp_diff_count::timed_*' \
//!     target/release/examples/smp_diff_count apply 200
//! valgrind --tool=callgrind --toggle-collect='smp_diff_count::timed_*' \
//!     target/release/examples/smp_diff_count three-way 200
//! target/release/examples/smp_diff_count ratio 300
//! target/release/examples/smp_diff_count ratio-three-way 300
//! ```
//!
//! The first argument is `diff` ([`strategic::diff`] of the Deployment and
//! its typical edit, the patch freed inside the counted function, as in the
//! criterion benchmark), `apply` ([`strategic::apply`] of that patch to a
//! clone of the Deployment made outside the counted function, the result
//! checked and dropped outside it), `three-way` ([`three_way::strategic`]
//! on the workload of the `three_way` benchmark: the Deployment as last
//! applied, its edit, and the live object other writers changed), `eq`
//! (`==` between the Deployment and an equal copy, the benchmarks' bound),
//! `ratio` or `ratio-three-way`; the second a count (default 200). `ratio`
//! times batches of 200 diffs (or three-way merges) and 200 `==` alternately, the
//! given number of times, and prints the fastest and the median batch of
//! each with their ratio: alternating batches share whatever load the
//! machine has, which two criterion benchmarks run one after the other do
//! not.

use std::hint::black_box;
use std::time::Instant;

use patchlaw::strategic::{self, Schema};
use patchlaw::three_way::{self, Options};
use serde_json::Value;

mod command_line;

fn main() {
    let (which, times, _) = command_line::read("diff");
    // The schema first: its one-time construction then leaves the heap as
    // it finds it for the documents, whatever it allocates and frees.
    let schema = Schema::builtin("apps/v1", "Deployment").expect("built in");
    let (from, to) = patchlaw_benches::reparsed_deployment_pair();
    let copy = patchlaw_benches::reparsed(&from);
    match which.as_str() {
        "diff" => (0..times).for_each(|_| timed_diff(&from, &to, &schema)),
        "apply" => {
            let patch = strategic::diff(&from, &to, &schema).expect("diffs");
            for _ in 0..times {
                let mut doc = from.clone();
                timed_apply(&mut doc, &patch, &schema);
                assert!(doc == to);
            }
        }
        "three-way" | "ratio-three-way" => {
            let live = patchlaw_benches::reparsed(&patchlaw_benches::deployment_live());
            if which == "three-way" {
                (0..times).for_each(|_| timed_three_way(&from, &to, &live, &schema));
            } else {
                ratio(
                    times,
                    || timed_three_way(&from, &to, &live, &schema),
                    || {
                        assert!(timed_eq(&from, &copy));
                    },
                );
            }
        }
        "eq" => (0..times).for_each(|_| assert!(timed_eq(&from, &copy))),
        "ratio" => ratio(
            times,
            || timed_diff(&from, &to, &schema),
            || {
                assert!(timed_eq(&from, &copy));
            },
        ),
        other => panic!("unknown mode {other:?}"),
    }
}

/// Times `times` alternating batches of `diff` and `eq`; prints the
/// fastest and the median batch of each, per operation.
fn ratio(times: usize, mut diff: impl FnMut(), mut eq: impl FnMut()) {
    const BATCH: u32 = 200;
    let (mut diffs, mut eqs) = (Vec::new(), Vec::new());
    for _ in 0..times.max(1) {
        let start = Instant::now();
        (0..BATCH).for_each(|_| diff());
        diffs.push(start.elapsed().as_secs_f64() / f64::from(BATCH));
        let start = Instant::now();
        (0..BATCH).for_each(|_| eq());
        eqs.push(start.elapsed().as_secs_f64() / f64::from(BATCH));
    }
    diffs.sort_by(f64::total_cmp);
    eqs.sort_by(f64::total_cmp);
    let (d, e) = (diffs[0], eqs[0]);
    let (dm, em) = (diffs[diffs.len() / 2], eqs[eqs.len() / 2]);
    println!(
        "fastest: diff {:.2} µs, == {:.2} µs, ratio {:.2}; median: diff {:.2} µs, == {:.2} µs, ratio {:.2}",
        d * 1e6,
        e * 1e6,
        d / e,
        dm * 1e6,
        em * 1e6,
        dm / em
    );
}

#[inline(never)]
fn timed_diff(from: &Value, to: &Value, schema: &Schema) {
    let patch = strategic::diff(black_box(from), black_box(to), schema).expect("diffs");
    black_box(&patch);
}

#[inline(never)]
fn timed_three_way(original: &Value, modified: &Value, current: &Value, schema: &Schema) {
    let outcome = three_way::strategic(
        black_box(original),
        black_box(modified),
        black_box(current),
        schema,
        Options::new(),
    )
    .expect("merges");
    black_box(&outcome);
}

#[inline(never)]
fn timed_apply(doc: &mut Value, patch: &Value, schema: &Schema) {
    strategic::apply(black_box(doc), black_box(patch), schema).expect("applies");
}

#[inline(never)]
fn timed_eq(a: &Value, b: &Value) -> bool {
    black_box(a) == black_box(b)
}
