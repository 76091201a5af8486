//! Kubernetes strategic merge patch: patchlaw's apply against RFC 7396
//! apply of the equivalent merge patch, and apply and diff against a full
//! traversal.
//!
//! Apply benchmarks are named `strategic/apply/deployment/<impl>`:
//!
//! - `patchlaw`: [`strategic::apply`] of the patch `kubectl apply` would send
//!   for the Deployment's typical edit (replicas, one container's image, an
//!   environment variable appended to another container): the changed
//!   members, the two changed containers by name, and the
//!   `$setElementOrder/containers` and `$setElementOrder/env` lists that
//!   keep the order (≈1 KB);
//! - `merge-patch`: [`merge_patch::apply`] of the merge patch with the same
//!   effect, which must carry the whole `containers` array (≈10 KB);
//! - `bound-eq`: `==` between the Deployment and an equal copy, one full
//!   traversal.
//!
//! Each iteration starts from a fresh clone of the Deployment, made outside
//! the timing, and checks the edited values inside it; the full results are
//! checked once, before timing, to be exactly the edited Deployment.
//! Kubernetes' own Go implementation takes ≈31 µs for such an apply on its
//! map API (benches/README.md).
//!
//! Diff benchmarks are named `strategic/diff/<workload>/<impl>`, with
//! `patchlaw` ([`strategic::diff`]) against `bound-eq` on the same pair, for
//! `deployment` (the typical edit) and `deployment-sidecar` (a container
//! inserted first). Each iteration checks that the patch carries the edit;
//! the patch is checked once, before timing, to turn the Deployment into
//! its edited form. Kubernetes' Go diff takes ≈420 µs on its map API.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use patchlaw::merge_patch;
use patchlaw::strategic::{self, Schema};
use serde_json::{json, Value};

/// The strategic patch for [`patchlaw_benches::deployment_edited`].
fn strategic_patch(doc: &Value, edited: &Value) -> Value {
    let containers = doc["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers");
    let names: Vec<Value> = containers
        .iter()
        .map(|c| json!({"name": c["name"]}))
        .collect();
    let edited_containers = &edited["spec"]["template"]["spec"]["containers"];
    let env_names: Vec<Value> = edited_containers[0]["env"]
        .as_array()
        .expect("env")
        .iter()
        .map(|e| json!({"name": e["name"]}))
        .collect();
    let appended = edited_containers[0]["env"]
        .as_array()
        .and_then(|env| env.last())
        .cloned()
        .expect("an appended variable");
    json!({"spec": {
        "replicas": edited["spec"]["replicas"],
        "template": {"spec": {
            "$setElementOrder/containers": names,
            "containers": [
                {"name": containers[0]["name"], "$setElementOrder/env": env_names, "env": [appended]},
                {"name": containers[2]["name"], "image": edited_containers[2]["image"]},
            ],
        }},
    }})
}

fn apply(c: &mut Criterion) {
    let (doc, edited) = patchlaw_benches::reparsed_deployment_pair();
    let copy = patchlaw_benches::reparsed(&doc);
    let schema = Schema::builtin("apps/v1", "Deployment").expect("built in");
    let patch = strategic_patch(&doc, &edited);
    let merge = merge_patch::diff(&doc, &edited).expect("representable");
    let checks = patchlaw_benches::values_at(&edited, patchlaw_benches::DEPLOYMENT_EDITED_POINTERS);
    let check = |value: &Value| {
        for (pointer, expected) in &checks {
            assert_eq!(pointer.get(value).ok(), Some(expected));
        }
    };
    {
        let mut ours = doc.clone();
        strategic::apply(&mut ours, &patch, &schema).expect("applies");
        assert_eq!(ours, edited, "the strategic patch gives the edit");
        let mut merged = doc.clone();
        merge_patch::apply(&mut merged, &merge).expect("applies");
        assert_eq!(merged, edited, "the merge patch gives the edit");
        println!(
            "strategic/apply/deployment: strategic patch {} bytes, merge patch {} bytes",
            patch.to_string().len(),
            merge.to_string().len()
        );
    }

    let mut group = c.benchmark_group("strategic/apply");
    group.bench_function("deployment/patchlaw", |b| {
        b.iter_batched(
            || doc.clone(),
            |mut d| {
                strategic::apply(&mut d, black_box(&patch), &schema).expect("applies");
                check(&d);
                d
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("deployment/merge-patch", |b| {
        b.iter_batched(
            || doc.clone(),
            |mut d| {
                merge_patch::apply(&mut d, black_box(&merge)).expect("applies");
                check(&d);
                d
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("deployment/bound-eq", |b| {
        b.iter(|| assert!(black_box(&doc) == black_box(&copy)));
    });
    group.finish();
}

fn diff(c: &mut Criterion) {
    let schema = Schema::builtin("apps/v1", "Deployment").expect("built in");
    let workloads = [
        (
            "deployment",
            patchlaw_benches::deployment(),
            patchlaw_benches::deployment_edited(),
        ),
        (
            "deployment-sidecar",
            patchlaw_benches::deployment(),
            patchlaw_benches::deployment_sidecar(),
        ),
    ];
    let mut group = c.benchmark_group("strategic/diff");
    for (name, from, to) in workloads {
        let (from, to) = (
            patchlaw_benches::reparsed(&from),
            patchlaw_benches::reparsed(&to),
        );
        let copy = patchlaw_benches::reparsed(&from);
        let patch = strategic::diff(&from, &to, &schema).expect("diffs");
        let mut round = from.clone();
        strategic::apply(&mut round, &patch, &schema).expect("applies");
        assert_eq!(
            round, to,
            "{name}: the diff turns the Deployment into its edit"
        );
        println!(
            "strategic/diff/{name}: patch {} bytes",
            patch.to_string().len()
        );
        group.bench_function(format!("{name}/patchlaw"), |b| {
            b.iter(|| {
                let p = strategic::diff(black_box(&from), black_box(&to), &schema).expect("diffs");
                assert_eq!(p.get("spec").is_some(), patch.get("spec").is_some());
                p
            });
        });
        group.bench_function(format!("{name}/bound-eq"), |b| {
            b.iter(|| assert!(black_box(&from) == black_box(&copy)));
        });
    }
    group.finish();
}

criterion_group!(benches, apply, diff);
criterion_main!(benches);
