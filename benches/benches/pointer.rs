//! JSON Pointer lookup: patchlaw against the `jsonptr` crate.
//!
//! Benchmarks are named `pointer/<op>/<workload>/<impl>`:
//!
//! - `get`: evaluate a pointer parsed beforehand (patchlaw's
//!   [`PointerBuf::get`], jsonptr's `resolve` on a `jsonptr::PointerBuf`);
//! - `parse-get`: parse the string form, then evaluate (jsonptr's borrowed
//!   `Pointer::parse` only validates, without allocating; patchlaw splits and
//!   unescapes into owned tokens).
//!
//! Workloads: `deployment-long`, the 7-token
//! `/spec/template/spec/containers/2/env/7/value` into
//! [`deployment`](patchlaw_benches::deployment), and `deployment-short`,
//! `/spec/replicas`.
//!
//! Each iteration checks that the lookup found the very node expected
//! (`std::ptr::eq`, a few cycles), so a lookup that fails or goes astray
//! cannot look fast.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use patchlaw::PointerBuf;
use serde_json::Value;

const POINTERS: &[(&str, &str)] = &[
    (
        "deployment-long",
        "/spec/template/spec/containers/2/env/7/value",
    ),
    ("deployment-short", "/spec/replicas"),
];

fn get(c: &mut Criterion) {
    let doc = patchlaw_benches::deployment();
    let mut group = c.benchmark_group("pointer/get");
    for &(workload, text) in POINTERS {
        let expected = expected_node(&doc, text);

        let ours = PointerBuf::parse(text).expect("valid pointer");
        group.bench_function(format!("{workload}/patchlaw"), |b| {
            b.iter(|| {
                let found = black_box(&ours).get(black_box(&doc)).expect("found");
                assert!(std::ptr::eq(found, expected));
            });
        });

        let theirs = jsonptr::PointerBuf::parse(text).expect("valid pointer");
        group.bench_function(format!("{workload}/jsonptr"), |b| {
            b.iter(|| {
                let found = black_box(&theirs).resolve(black_box(&doc)).expect("found");
                assert!(std::ptr::eq(found, expected));
            });
        });
    }
    group.finish();
}

fn parse_get(c: &mut Criterion) {
    let doc = patchlaw_benches::deployment();
    let mut group = c.benchmark_group("pointer/parse-get");
    for &(workload, text) in POINTERS {
        let expected = expected_node(&doc, text);

        group.bench_function(format!("{workload}/patchlaw"), |b| {
            b.iter(|| {
                let pointer = PointerBuf::parse(black_box(text)).expect("valid pointer");
                let found = pointer.get(black_box(&doc)).expect("found");
                assert!(std::ptr::eq(found, expected));
            });
        });

        group.bench_function(format!("{workload}/jsonptr"), |b| {
            b.iter(|| {
                let pointer = jsonptr::Pointer::parse(black_box(text)).expect("valid pointer");
                let found = pointer.resolve(black_box(&doc)).expect("found");
                assert!(std::ptr::eq(found, expected));
            });
        });
    }
    group.finish();
}

/// The node `text` names, found by serde_json's own evaluator, so that
/// neither implementation under test is its own referee.
fn expected_node<'v>(doc: &'v Value, text: &str) -> &'v Value {
    doc.pointer(text).expect("the workload has this pointer")
}

criterion_group!(benches, get, parse_get);
criterion_main!(benches);
