//! Strategic diff on the Deployment workload of `strategic/diff`, run a
//! fixed number of times for an instruction counter.
//!
//! ```text
//! cargo build --release -p patchlaw-benches --example smp_diff_count
//! valgrind --tool=callgrind --toggle-collect='smp_diff_count::timed_*' \
//!     target/release/examples/smp_diff_count diff 200
//! ```

use std::hint::black_box;

use patchlaw::strategic::{self, Schema};
use serde_json::Value;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "diff".to_owned());
    let times: usize = args.next().map_or(200, |n| n.parse().expect("a count"));
    let from = patchlaw_benches::reparsed(&patchlaw_benches::deployment());
    let to = patchlaw_benches::reparsed(&patchlaw_benches::deployment_edited());
    let copy = patchlaw_benches::reparsed(&from);
    let schema = Schema::builtin("apps/v1", "Deployment").expect("built in");
    if which == "ratio" {
        // Interleaved batches; the fastest batch of each is the least
        // disturbed by other load on the machine.
        let (mut diffs, mut eqs) = (Vec::new(), Vec::new());
        for _ in 0..times {
            let keep = std::env::var_os("KEEP").is_some();
            let mut kept = Vec::with_capacity(200);
            let start = std::time::Instant::now();
            for _ in 0..200 {
                let p = black_box(timed_diff(&from, &to, &schema));
                if keep {
                    kept.push(p);
                } else {
                    drop(p);
                }
            }
            diffs.push(start.elapsed().as_secs_f64() / 200.0);
            drop(kept);
            let start = std::time::Instant::now();
            for _ in 0..200 {
                assert!(timed_eq(&from, &copy));
            }
            eqs.push(start.elapsed().as_secs_f64() / 200.0);
        }
        diffs.sort_by(f64::total_cmp);
        eqs.sort_by(f64::total_cmp);
        let (d, e) = (diffs[0], eqs[0]);
        let (dm, em) = (diffs[diffs.len() / 2], eqs[eqs.len() / 2]);
        println!(
            "min: diff {:.2} µs, eq {:.2} µs, ratio {:.2}; median: diff {:.2} µs, eq {:.2} µs, ratio {:.2}",
            d * 1e6, e * 1e6, d / e, dm * 1e6, em * 1e6, dm / em
        );
        return;
    }
    for _ in 0..times {
        match which.as_str() {
            "diff" => drop(black_box(timed_diff(&from, &to, &schema))),
            "diffdrop" => timed_diff_drop(&from, &to, &schema),
            "self" => drop(black_box(timed_diff(&from, &copy, &schema))),
            "eq" => assert!(timed_eq(&from, &copy)),
            other => panic!("unknown {other:?}"),
        }
    }
}

#[inline(never)]
fn timed_diff(from: &Value, to: &Value, schema: &Schema) -> Value {
    let p = strategic::diff(black_box(from), black_box(to), schema).expect("diffs");
    black_box(&p);
    p
}

#[inline(never)]
fn timed_diff_drop(from: &Value, to: &Value, schema: &Schema) {
    let p = strategic::diff(black_box(from), black_box(to), schema).expect("diffs");
    black_box(&p);
}

#[inline(never)]
fn timed_eq(a: &Value, b: &Value) -> bool {
    black_box(a) == black_box(b)
}
