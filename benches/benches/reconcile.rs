//! The in-memory store and the simulation of `patchlaw-reconcile`, on one
//! core: reads, writes and watch deliveries per second, the time of one
//! schedule of the simulation, and the time of the 10,000-schedule run of
//! `LAW-LT-CONVERGES`. Benchmarks are named `reconcile/<op>/<workload>/<impl>`:
//!
//! - `get/1000-pods`: `get` at the latest revision of one of 1,000 Pods
//!   (each a small object), cycling through them; `bound-map` is a lookup
//!   in a `BTreeMap` of the same objects without the store's lock and
//!   versions;
//! - `list/1000-pods`: `list` of the 1,000 Pods (an informer's relist);
//! - `update/small`: a merge patch that changes one label of a Pod, each a
//!   new revision (the store is compacted to its revision every 4,096
//!   writes, inside the timing, as a store that runs for long is);
//!   `bound-clone` is a clone of the Pod, which the store makes to patch it;
//! - `watch/10000-events`: a watch from revision 0 over a store of 10,000
//!   changes, read to the end (criterion reports events per second);
//!   `bound-iter` clones the 10,000 objects out of a `Vec`;
//! - `sim/schedule`: one schedule of `LAW-LT-CONVERGES` (the Deployments
//!   scenario with the level-triggered controller, the injector, the chaos
//!   writer and every fault), cycling through 256 generated ones;
//! - `law/converges-10000`: the whole check of `LAW-LT-CONVERGES` on 10,000
//!   generated schedules, as `patchlaw-conformance run --laws
//!   --cases 10000` runs it.
//!
//! Each iteration checks its result: the revision read, the number of
//! objects or events, the law's verdict.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use patchlaw_conformance::laws::{self, reconcile::level_schedules};
use patchlaw_conformance::Native;
use patchlaw_reconcile::sim::Schedule;
use patchlaw_reconcile::store::{MemoryStore, Patch, ReadAt, Store, Watch};
use patchlaw_reconcile::{Key, Object, Revision, Selector};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::json;

const PODS: usize = 1000;

fn pod(i: usize) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("web-{i}"), "namespace": "default", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "app:1"}]}})
}

/// A store of 1,000 Pods, their keys, and the objects.
fn pods() -> (MemoryStore, Vec<Key>, Vec<Object>) {
    let store = MemoryStore::new();
    let objects: Vec<Object> = (0..PODS)
        .map(|i| store.create(pod(i)).expect("creates"))
        .collect();
    let keys = objects.iter().map(|o| o.key().clone()).collect();
    (store, keys, objects)
}

fn reads(c: &mut Criterion) {
    let (store, keys, objects) = pods();
    let map: BTreeMap<Key, Object> = objects
        .iter()
        .map(|o| (o.key().clone(), o.clone()))
        .collect();
    let mut group = c.benchmark_group("reconcile");
    let mut i = 0;
    group.bench_function("get/1000-pods/patchlaw", |b| {
        b.iter(|| {
            i = (i + 1) % PODS;
            let got = store
                .get(black_box(&keys[i]), ReadAt::Latest)
                .expect("reads");
            assert_eq!(
                got.map(|o| o.resource_version()),
                Some(Revision::new(i as u64 + 1))
            );
        });
    });
    group.bench_function("get/1000-pods/bound-map", |b| {
        b.iter(|| {
            i = (i + 1) % PODS;
            let got = map.get(black_box(&keys[i])).cloned();
            assert_eq!(
                got.map(|o| o.resource_version()),
                Some(Revision::new(i as u64 + 1))
            );
        });
    });
    let pods = Selector::kind("Pod");
    group.bench_function("list/1000-pods/patchlaw", |b| {
        b.iter(|| {
            let list = store.list(black_box(&pods), ReadAt::Latest).expect("lists");
            assert_eq!(list.items.len(), PODS);
        });
    });
    group.finish();
}

fn writes(c: &mut Criterion) {
    let store = MemoryStore::new();
    let created = store.create(pod(0)).expect("creates");
    let key = created.key().clone();
    let mut group = c.benchmark_group("reconcile");
    let mut n: u64 = 0;
    group.bench_function("update/small/patchlaw", |b| {
        b.iter(|| {
            n += 1;
            let patch = Patch::Merge(json!({"metadata": {"labels": {"n": n.to_string()}}}));
            let written = store.patch(black_box(&key), &patch).expect("patches");
            let revision = written.resource_version();
            assert_eq!(revision, Revision::new(n + 1));
            if n % 4096 == 0 {
                store.compact(revision).expect("compacts");
            }
        });
    });
    group.bench_function("update/small/bound-clone", |b| {
        b.iter_with_large_drop(|| {
            let clone = black_box(created.value()).clone();
            assert!(clone.is_object());
            clone
        });
    });
    group.finish();
}

fn watches(c: &mut Criterion) {
    const EVENTS: usize = 10_000;
    let store = MemoryStore::new();
    let key = store.create(pod(0)).expect("creates").key().clone();
    for n in 1..EVENTS {
        let patch = Patch::Merge(json!({"metadata": {"labels": {"n": n.to_string()}}}));
        store.patch(&key, &patch).expect("patches");
    }
    let objects: Vec<Object> = {
        let mut watch = store
            .watch(&Selector::all(), Revision::ZERO)
            .expect("watches");
        std::iter::from_fn(|| {
            watch
                .next()
                .expect("reads")
                .and_then(|m| m.event.object().cloned())
        })
        .collect()
    };
    assert_eq!(objects.len(), EVENTS);
    let mut group = c.benchmark_group("reconcile");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("watch/10000-events/patchlaw", |b| {
        b.iter_batched(
            || {
                store
                    .watch(&Selector::kind("Pod"), Revision::ZERO)
                    .expect("watches")
            },
            |mut watch: Box<dyn Watch>| {
                let mut events = 0;
                while let Some(message) = watch.next().expect("reads") {
                    events += usize::from(black_box(message).event.object().is_some());
                }
                assert_eq!(events, EVENTS);
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("watch/10000-events/bound-iter", |b| {
        b.iter(|| {
            let mut events = 0;
            for object in black_box(&objects) {
                events +=
                    usize::from(black_box(object.clone()).resource_version() > Revision::ZERO);
            }
            assert_eq!(events, EVENTS);
        });
    });
    group.finish();
}

fn simulation(c: &mut Criterion) {
    let strategy = level_schedules();
    let mut runner = TestRunner::deterministic();
    let schedules: Vec<Schedule> = (0..256)
        .map(|_| strategy.new_tree(&mut runner).expect("generates").current())
        .collect();
    let law = laws::catalogue()
        .into_iter()
        .find(|l| l.id == "LAW-LT-CONVERGES")
        .expect("declared");
    let mut group = c.benchmark_group("reconcile");
    let mut i = 0;
    group.bench_function("sim/schedule/patchlaw", |b| {
        b.iter(|| {
            i = (i + 1) % schedules.len();
            laws::reconcile::converges(black_box(&schedules[i])).expect("converges");
        });
    });
    group.sample_size(10);
    group.bench_function("law/converges-10000/patchlaw", |b| {
        b.iter(|| law.check(&mut Native::new(), 10_000).expect("holds"));
    });
    group.finish();
}

criterion_group!(benches, reads, writes, watches, simulation);
criterion_main!(benches);
