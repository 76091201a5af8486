//! The three-way strategic patch of `kubectl apply` on the Deployment
//! workload, against a full traversal and against the two two-way diffs it
//! implies.
//!
//! The workload is a typical apply: the original is the Deployment as last
//! applied, the modified its typical edit (replicas, one container's
//! image, an environment variable appended to another container), and the
//! current the live object after other writers: a sidecar container
//! injected first, `replicas` set by an autoscaler (so the user's
//! `replicas` is a conflict), and a label added. Benchmarks are named
//! `three_way/deployment/<impl>`:
//!
//! - `patchlaw`: [`three_way::strategic`] with conflicts reported (the
//!   default, `overwrite` on);
//! - `two-diffs`: [`strategic::diff`] from the current and from the
//!   original to the modified object, the two diffs Kubernetes' algorithm
//!   starts from (it then keeps part of each and merges them);
//! - `bound-eq`: `==` between the modified Deployment and an equal copy,
//!   one full traversal.
//!
//! The patch is checked once, before timing: applied to the current
//! object it gives the modified one plus the other writers' sidecar and
//! label. Each iteration checks that the patch and the conflict are there.
//! Kubernetes' Go implementation takes ≈800 µs for this patch on its map
//! API (benches/README.md).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use patchlaw::strategic::{self, Schema};
use patchlaw::three_way::{self, Options};
use serde_json::{json, Value};

/// The original, modified and current Deployments of the workload.
fn workload() -> (Value, Value, Value) {
    (
        patchlaw_benches::reparsed(&patchlaw_benches::deployment()),
        patchlaw_benches::reparsed(&patchlaw_benches::deployment_edited()),
        patchlaw_benches::reparsed(&patchlaw_benches::deployment_live()),
    )
}

fn three_way(c: &mut Criterion) {
    let (original, modified, current) = workload();
    let copy = patchlaw_benches::reparsed(&modified);
    let schema = Schema::builtin("apps/v1", "Deployment").expect("built in");
    let outcome = three_way::strategic(&original, &modified, &current, &schema, Options::new())
        .expect("merges");
    {
        let mut applied = current.clone();
        strategic::apply(&mut applied, &outcome.patch, &schema).expect("applies");
        let mut expected = modified.clone();
        expected["metadata"]["labels"]["autoscaled"] = json!("true");
        let sidecar = current["spec"]["template"]["spec"]["containers"][0].clone();
        expected["spec"]["template"]["spec"]["containers"]
            .as_array_mut()
            .expect("containers")
            .insert(0, sidecar);
        assert_eq!(
            applied, expected,
            "the patch keeps the other writers' changes"
        );
        assert_eq!(outcome.conflicts.len(), 1, "replicas is a conflict");
        println!(
            "three_way/deployment: patch {} bytes, {} conflict",
            outcome.patch.to_string().len(),
            outcome.conflicts.len()
        );
    }
    let mut group = c.benchmark_group("three_way");
    group.bench_function("deployment/patchlaw", |b| {
        b.iter(|| {
            let o = three_way::strategic(
                black_box(&original),
                black_box(&modified),
                black_box(&current),
                &schema,
                Options::new(),
            )
            .expect("merges");
            assert_eq!(o.conflicts.len(), 1);
            o
        });
    });
    group.bench_function("deployment/two-diffs", |b| {
        b.iter(|| {
            let delta =
                strategic::diff(black_box(&current), black_box(&modified), &schema).expect("diffs");
            let deletions = strategic::diff(black_box(&original), black_box(&modified), &schema)
                .expect("diffs");
            assert!(delta.get("spec").is_some() && deletions.get("spec").is_some());
            (delta, deletions)
        });
    });
    group.bench_function("deployment/bound-eq", |b| {
        b.iter(|| assert!(black_box(&modified) == black_box(&copy)));
    });
    group.finish();
}

criterion_group!(benches, three_way);
criterion_main!(benches);
