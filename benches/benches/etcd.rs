//! The store on a real etcd, beside the in-memory store: writes, lists,
//! the latency from a write to a controller's cache, and the time to
//! recover from a compaction. Benchmarks are named
//! `etcd/<op>/<workload>/<impl>`, where the implementation is `etcd-store`
//! (`EtcdStore` on one etcd member), `memory-store` (`MemoryStore`), or a
//! bound measured in the same run with etcd-client's raw requests, on a
//! runtime like the store's (two worker threads, the caller blocking):
//!
//! - `create/pod`: `create` of a small Pod, one transaction that puts it if
//!   its key is free; `bound-txn`: that transaction, of the same bytes, to
//!   a new key; `bound-put`: a plain `put` instead;
//! - `update/label`: a merge patch that changes one label of a Pod, each a
//!   new revision: the store reads the object, patches it, and writes it in
//!   a transaction that compares its revision; `bound-get-txn`: that read
//!   and that transaction, of the same bytes each time;
//! - `create-100/pods`: `EtcdStore::create_all` of 100 Pods, one
//!   transaction (criterion reports objects per second); `bound-txn`: a
//!   transaction of 100 `put`s of the same bytes to new keys;
//! - `list/10000-pods`: `list` of a kind with 10,000 Pods (the store reads
//!   500 a page, every page at the revision of the first, and decodes each
//!   object); `bound-range`: one range request for the same keys;
//!   `bound-range-paged`: the range requests of 500 keys the store makes,
//!   without decoding;
//! - `watch-latency/pod`: from `patch` returning to the patched object being
//!   in the cache of an informer at that revision, the informer polled
//!   without pause on a thread of its own. Criterion's figure is the mean;
//!   a line `watch-latency <id>: ...` gives the median and 99th percentile
//!   of the same 1,035 writes (see [`latency`] for how criterion is made to
//!   measure that many). `bound-watch`: from a raw `put` returning to a raw
//!   etcd watch receiving the event;
//! - `relist/{10000,100000}-pods`: an informer holds the Pods, its watch is
//!   cut (as a broken connection cuts it), one Pod changes and the store is
//!   compacted to that change; timed from the compaction request to the
//!   informer's cache holding every Pod again at the new revision: the
//!   reflector reconnects from its revision, is told `gone`, lists and
//!   watches again, and its cache compares the list with what it held. A
//!   line `relist <id>: ...` gives the compaction's share of that time.
//!   `bound-range-paged`: the range requests of 500 keys for the same Pods.
//!
//! Each iteration checks its result: the object written, the number of
//! objects listed, the revision the cache reaches; the first relist is
//! checked against a list of the store.
//!
//! The benchmark starts an etcd member (`store::etcd::server::Member`: the
//! binary `PATCHLAW_ETCD` names or `etcd` on `PATH`, its data directory a
//! temporary directory), or uses the cluster `PATCHLAW_ETCD_ENDPOINTS`
//! names (comma-separated client URLs). Each workload has its key prefix
//! under `/patchlaw-bench/<run>`; when it is done its keys are deleted and
//! the cluster is compacted (see [`Etcd::clear`]). Compaction is
//! cluster-wide: on a cluster of one's own, the benchmark compacts it.
//! Under `--test` (each benchmark once, as CI runs it) the 100,000-Pod
//! workload is skipped, which takes about two minutes to measure.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use etcd_client::{
    Client, CompactionOptions, Compare, CompareOp, DeleteOptions, GetOptions, Txn, TxnOp,
    WatchOptions,
};
use patchlaw_reconcile::runtime::{Activity, Backoff, Informer};
use patchlaw_reconcile::store::etcd::server::Member;
use patchlaw_reconcile::store::etcd::{EtcdOptions, EtcdStore};
use patchlaw_reconcile::store::{List, MemoryStore, Patch, ReadAt, Store, Watch};
use patchlaw_reconcile::{Error, ErrorKind, Key, Object, Revision, Selector};
use serde_json::{json, Value};

/// The Pods of the list benchmark and the smaller relist.
const LIST_PODS: usize = 10_000;
/// The Pods of the larger relist.
const MANY_PODS: usize = 100_000;
/// How many objects `create_all` writes in one transaction (etcd's
/// `--max-txn-ops` is 128).
const BATCH: usize = 100;
/// Criterion's samples of the latency benchmarks (see [`latency`]).
const LATENCY_SAMPLES: usize = 45;
/// Criterion's samples of the relist benchmarks.
const RELIST_SAMPLES: usize = 10;
/// The writes that calibrate a latency benchmark.
const CALIBRATION: u32 = 100;
/// How long a write may take to reach a cache, or a relist to complete,
/// before the benchmark fails.
const PATIENCE: Duration = Duration::from_secs(60);

fn main() {
    let test_mode = std::env::args().any(|arg| arg == "--test");
    let etcd = Etcd::start();
    let mut c = Criterion::default().configure_from_args();
    writes(&mut c, &etcd);
    let ten_thousand = OnceCell::new();
    lists(&mut c, &etcd, &ten_thousand);
    watch_latency(&mut c, &etcd);
    relists(&mut c, &etcd, &ten_thousand, LIST_PODS);
    drop(ten_thousand);
    if test_mode {
        eprintln!("relist {MANY_PODS} pods: skipped under --test");
    } else {
        relists(&mut c, &etcd, &OnceCell::new(), MANY_PODS);
    }
    c.final_summary();
}

/// A small Pod, as `benches/reconcile.rs` writes.
fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "app:1"}]}})
}

/// A merge patch that sets the label `n`.
fn label(n: u64) -> Patch {
    Patch::Merge(json!({"metadata": {"labels": {"n": n.to_string()}}}))
}

fn pods() -> Selector {
    Selector::kind("Pod")
}

/// The etcd the benchmarks run on, a client of it for the bounds, and the
/// prefix of this run.
struct Etcd {
    /// The member started for this run, killed when it is dropped; `None`
    /// with `PATCHLAW_ETCD_ENDPOINTS`.
    member: Option<Member>,
    endpoints: Vec<String>,
    root: String,
    runtime: tokio::runtime::Runtime,
    client: Client,
}

impl Etcd {
    fn start() -> Etcd {
        let (member, endpoints) = match std::env::var("PATCHLAW_ETCD_ENDPOINTS") {
            Ok(list) => (None, list.split(',').map(str::to_owned).collect()),
            Err(_) => {
                let member = Member::start().unwrap_or_else(|e| panic!("cannot start etcd: {e}"));
                let endpoints = vec![member.client_url().to_owned()];
                (Some(member), endpoints)
            }
        };
        let run = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("starts a runtime");
        let client = runtime
            .block_on(Client::connect(endpoints.clone(), None))
            .unwrap_or_else(|e| panic!("cannot connect to etcd at {endpoints:?}: {e}"));
        Etcd {
            member,
            endpoints,
            root: format!("/patchlaw-bench/{}-{run}", std::process::id()),
            runtime,
            client,
        }
    }

    /// A store under the prefix of `workload`.
    fn store(&self, workload: &str) -> EtcdStore {
        EtcdStore::connect(
            &self.endpoints,
            EtcdOptions::new().prefix(self.prefix(workload)),
        )
        .unwrap_or_else(|e| panic!("cannot connect to etcd at {:?}: {e}", self.endpoints))
    }

    fn prefix(&self, workload: &str) -> String {
        format!("{}/{workload}", self.root)
    }

    /// The etcd keys of the Pods of `workload` (Kubernetes' layout,
    /// `<prefix>/pods/<namespace>/<name>`): the start and end of their
    /// range.
    fn pod_range(&self, workload: &str) -> (String, String) {
        let start = format!("{}/pods/", self.prefix(workload));
        let end = format!("{}/pods0", self.prefix(workload));
        (start, end)
    }

    /// Runs a raw request.
    fn call<T, F>(&self, request: impl FnOnce(Client) -> F) -> T
    where
        F: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        self.runtime
            .block_on(request(self.client.clone()))
            .expect("etcd answers")
    }

    /// Removes every key of `workload`, and compacts the cluster to that
    /// removal, so that the next workload runs on an etcd without this
    /// one's history. (etcd 3.4 delivers watch events with their previous
    /// values, as the store asks, milliseconds late while the tombstones of
    /// a large deletion are not compacted.) The raw client has no timeout:
    /// a physical compaction of a large history takes seconds.
    fn clear(&self, workload: &str) {
        let prefix = self.prefix(workload);
        let deleted = self.call(|mut client| async move {
            client
                .delete(prefix, Some(DeleteOptions::new().with_prefix()))
                .await
        });
        if deleted.deleted() == 0 {
            return;
        }
        let revision = deleted.header().expect("a header").revision();
        self.call(|mut client| async move {
            client
                .compact(revision, Some(CompactionOptions::new().with_physical()))
                .await
        });
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        if self.member.is_none() {
            // A cluster of the user's: leave nothing of this run.
            let (root, mut client) = (self.root.clone(), self.client.clone());
            let _ = self.runtime.block_on(async move {
                client
                    .delete(root, Some(DeleteOptions::new().with_prefix()))
                    .await
            });
        }
    }
}

fn writes(c: &mut Criterion, etcd: &Etcd) {
    let store = etcd.store("writes");
    let mut group = c.benchmark_group("etcd");

    let mut n = 0u64;
    let mut last = Revision::ZERO;
    group.bench_function("create/pod/etcd-store", |b| {
        b.iter_batched(
            || {
                n += 1;
                pod(&format!("create-{n}"))
            },
            |value| {
                let created = store.create(value).expect("creates");
                assert!(created.resource_version() > last);
                last = created.resource_version();
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("create/pod/memory-store", |b| {
        b.iter_custom(|iters| {
            let mut store = MemoryStore::new();
            let mut total = Duration::ZERO;
            for i in 0..iters {
                if i % 4096 == 0 {
                    // A fresh store now and then, outside the timing, so
                    // that memory does not grow without bound.
                    store = MemoryStore::new();
                }
                let value = pod(&format!("create-{i}"));
                let started = Instant::now();
                let created = store.create(value).expect("creates");
                total += started.elapsed();
                assert_eq!(created.resource_version(), Revision::new(i % 4096 + 1));
            }
            total
        });
    });
    let bytes = serde_json::to_vec(&pod("bound")).expect("encodes");
    let bound_prefix = etcd.prefix("writes/bound");
    let mut last = 0;
    group.bench_function("create/pod/bound-txn", |b| {
        b.iter(|| {
            n += 1;
            let key = format!("{bound_prefix}/create-{n}");
            let bytes = bytes.clone();
            let txn = Txn::new()
                .when([Compare::create_revision(key.clone(), CompareOp::Equal, 0)])
                .and_then([TxnOp::put(key, bytes, None)]);
            let response = etcd.call(|mut client| async move { client.txn(txn).await });
            let revision = response.header().expect("a header").revision();
            assert!(response.succeeded() && revision > last);
            last = revision;
        });
    });
    group.bench_function("create/pod/bound-put", |b| {
        b.iter(|| {
            n += 1;
            let key = format!("{bound_prefix}/create-{n}");
            let bytes = bytes.clone();
            let put = etcd.call(|mut client| async move { client.put(key, bytes, None).await });
            let revision = put.header().expect("a header").revision();
            assert!(revision > last);
            last = revision;
        });
    });

    let key = store.create(pod("updated")).expect("creates").key().clone();
    let mut n = 0u64;
    let mut last = Revision::ZERO;
    group.bench_function("update/label/etcd-store", |b| {
        b.iter(|| {
            n += 1;
            let written = store.patch(black_box(&key), &label(n)).expect("patches");
            assert_eq!(written.value()["metadata"]["labels"]["n"], n.to_string());
            assert!(written.resource_version() > last);
            last = written.resource_version();
        });
    });
    let memory = MemoryStore::new();
    let memory_key = memory
        .create(pod("updated"))
        .expect("creates")
        .key()
        .clone();
    let mut n = 0u64;
    group.bench_function("update/label/memory-store", |b| {
        b.iter(|| {
            n += 1;
            let written = memory
                .patch(black_box(&memory_key), &label(n))
                .expect("patches");
            let revision = written.resource_version();
            assert_eq!(revision, Revision::new(n + 1));
            if n % 4096 == 0 {
                memory.compact(revision).expect("compacts");
            }
        });
    });
    let bound_key = format!("{bound_prefix}/updated");
    group.bench_function("update/label/bound-get-txn", |b| {
        b.iter(|| {
            let key = bound_key.clone();
            let bytes = bytes.clone();
            let (read, written) = etcd.call(|mut client| async move {
                let read = client.get(key.clone(), None).await?;
                let revision = read.kvs().first().map_or(0, |kv| kv.mod_revision());
                let txn = Txn::new()
                    .when([Compare::mod_revision(
                        key.clone(),
                        CompareOp::Equal,
                        revision,
                    )])
                    .and_then([TxnOp::put(key, bytes, None)]);
                let response = client.txn(txn).await?;
                assert!(response.succeeded());
                let written = response
                    .header()
                    .map_or(0, etcd_client::ResponseHeader::revision);
                Ok::<_, etcd_client::Error>((revision, written))
            });
            assert!(written > read);
        });
    });
    group.finish();

    let mut group = c.benchmark_group("etcd");
    group.throughput(Throughput::Elements(BATCH as u64));
    let mut n = 0u64;
    let mut last = Revision::ZERO;
    group.bench_function("create-100/pods/etcd-store", |b| {
        b.iter_batched(
            || {
                n += 1;
                (0..BATCH)
                    .map(|i| pod(&format!("batch-{n}-{i}")))
                    .collect::<Vec<_>>()
            },
            |values| {
                let created = store.create_all(values).expect("creates");
                assert_eq!(created.len(), BATCH);
                let revision = created[0].resource_version();
                assert!(
                    revision > last && created.iter().all(|o| o.resource_version() == revision)
                );
                last = revision;
            },
            BatchSize::SmallInput,
        );
    });
    let mut last = 0;
    group.bench_function("create-100/pods/bound-txn", |b| {
        b.iter(|| {
            n += 1;
            let puts: Vec<TxnOp> = (0..BATCH)
                .map(|i| TxnOp::put(format!("{bound_prefix}/batch-{n}-{i}"), bytes.clone(), None))
                .collect();
            let response =
                etcd.call(|mut client| async move { client.txn(Txn::new().and_then(puts)).await });
            let revision = response.header().expect("a header").revision();
            assert!(response.succeeded() && revision > last);
            last = revision;
        });
    });
    group.finish();
    etcd.clear("writes");
}

/// The same Pods in an [`EtcdStore`] and in a [`MemoryStore`].
struct Workload {
    name: String,
    etcd: EtcdStore,
    memory: MemoryStore,
}

impl Workload {
    /// Creates `count` Pods in both stores (in etcd, [`BATCH`] a
    /// transaction).
    fn create(etcd: &Etcd, count: usize) -> Workload {
        let name = format!("pods-{count}");
        let started = Instant::now();
        let store = etcd.store(&name);
        let memory = MemoryStore::new();
        for first in (0..count).step_by(BATCH) {
            let values: Vec<Value> = (first..count.min(first + BATCH))
                .map(|i| pod(&format!("web-{i}")))
                .collect();
            for value in &values {
                memory.create(value.clone()).expect("creates");
            }
            store.create_all(values).expect("creates");
        }
        eprintln!(
            "workload {name}: {count} Pods created in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Workload {
            name,
            etcd: store,
            memory,
        }
    }
}

fn lists(c: &mut Criterion, etcd: &Etcd, workload: &OnceCell<Workload>) {
    let mut group = c.benchmark_group("etcd");
    group.throughput(Throughput::Elements(LIST_PODS as u64));
    let prepared = || workload.get_or_init(|| Workload::create(etcd, LIST_PODS));
    group.bench_function("list/10000-pods/etcd-store", |b| {
        let w = prepared();
        b.iter(|| {
            let list = w
                .etcd
                .list(black_box(&pods()), ReadAt::Latest)
                .expect("lists");
            assert_eq!(list.items.len(), LIST_PODS);
        });
    });
    group.bench_function("list/10000-pods/memory-store", |b| {
        let w = prepared();
        b.iter(|| {
            let list = w
                .memory
                .list(black_box(&pods()), ReadAt::Latest)
                .expect("lists");
            assert_eq!(list.items.len(), LIST_PODS);
        });
    });
    group.bench_function("list/10000-pods/bound-range", |b| {
        let w = prepared();
        let (start, end) = etcd.pod_range(&w.name);
        b.iter(|| {
            let (start, end) = (start.clone(), end.clone());
            let response = etcd.call(|client| async move {
                // The default limit of a response, 4 MB, holds about 13,000
                // of these Pods.
                let mut kv = client.kv_client().max_decoding_message_size(64 << 20);
                kv.get(start, Some(GetOptions::new().with_range(end))).await
            });
            assert_eq!(response.kvs().len(), LIST_PODS);
        });
    });
    group.bench_function("list/10000-pods/bound-range-paged", |b| {
        let w = prepared();
        b.iter(|| assert_eq!(range_paged(etcd, &w.name), LIST_PODS));
    });
    group.finish();
}

/// Reads the Pods of `workload` as the store does, 500 a page at the
/// revision of the first page, without decoding them; returns how many.
fn range_paged(etcd: &Etcd, workload: &str) -> usize {
    let (start, end) = etcd.pod_range(workload);
    etcd.call(|mut client| async move {
        let mut from = start.into_bytes();
        let mut revision = 0;
        let mut count = 0;
        loop {
            let options = GetOptions::new()
                .with_range(end.clone())
                .with_limit(500)
                .with_revision(revision);
            let page = client.get(from.clone(), Some(options)).await?;
            if revision == 0 {
                revision = page
                    .header()
                    .map_or(0, etcd_client::ResponseHeader::revision);
            }
            count += black_box(page.kvs()).len();
            match page.kvs().last() {
                Some(last) if page.more() => {
                    from = last.key().to_vec();
                    from.push(0);
                }
                _ => return Ok(count),
            }
        }
    })
}

fn watch_latency(c: &mut Criterion, etcd: &Etcd) {
    let mut group = c.benchmark_group("etcd");
    informer_latency(
        &mut group,
        "watch-latency/pod/etcd-store",
        etcd.store("latency"),
    );
    informer_latency(
        &mut group,
        "watch-latency/pod/memory-store",
        MemoryStore::new(),
    );

    // The bound: a raw watch, read by a task of the runtime.
    let prefix = etcd.prefix("latency-bound");
    let key = format!("{prefix}/pod");
    let (sender, receiver) = mpsc::channel::<(i64, Instant)>();
    let stream = etcd.call(|mut client| {
        let prefix = prefix.clone();
        async move {
            client
                .watch(prefix, Some(WatchOptions::new().with_prefix()))
                .await
        }
    });
    let reader = etcd.runtime.spawn(async move {
        let mut stream = stream;
        while let Ok(Some(response)) = stream.message().await {
            for event in response.events() {
                if let Some(kv) = event.kv() {
                    let _ = sender.send((kv.mod_revision(), Instant::now()));
                }
            }
        }
    });
    let bytes = serde_json::to_vec(&pod("pod")).expect("encodes");
    latency(&mut group, "watch-latency/pod/bound-watch", || {
        let (key, bytes) = (key.clone(), bytes.clone());
        let put = etcd.call(|mut client| async move { client.put(key, bytes, None).await });
        let returned = Instant::now();
        let revision = put.header().expect("a header").revision();
        loop {
            let (seen, at) = receiver.recv_timeout(PATIENCE).expect("the watch delivers");
            assert!(seen <= revision, "an event from the future");
            if seen == revision {
                return (at.saturating_duration_since(returned), at < returned);
            }
        }
    });
    reader.abort();
    group.finish();
    etcd.clear("latency");
    etcd.clear("latency-bound");
}

/// Benchmarks the latency from a patch through `store` to an informer's
/// cache, the informer polled on a thread of its own.
fn informer_latency<S>(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, store: S)
where
    S: Store + Clone + Send + 'static,
{
    let key = store.create(pod("watched")).expect("creates").key().clone();
    let stop = Arc::new(AtomicBool::new(false));
    let (sender, receiver) = mpsc::channel::<(Revision, Instant)>();
    let poller = {
        let (store, key, stop) = (store.clone(), key.clone(), Arc::clone(&stop));
        thread::spawn(move || {
            let mut informer = Informer::new(pods(), Backoff::new(Duration::ZERO, Duration::ZERO));
            let started = Instant::now();
            let mut last = Revision::ZERO;
            while !stop.load(Ordering::Relaxed) {
                informer.poll(&store, started.elapsed(), &mut |_| {}, &mut |activity| {
                    assert!(
                        !matches!(
                            activity,
                            Activity::WatchEnded { .. } | Activity::ListFailed { .. }
                        ),
                        "the informer lost its watch: {activity}"
                    );
                });
                match informer.cache().get(&key).map(Object::resource_version) {
                    Some(revision) if revision != last => {
                        last = revision;
                        let _ = sender.send((revision, Instant::now()));
                    }
                    _ => thread::yield_now(),
                }
            }
        })
    };
    let mut n = 0u64;
    latency(group, id, || {
        n += 1;
        let written = store.patch(&key, &label(n)).expect("patches");
        let returned = Instant::now();
        let revision = written.resource_version();
        loop {
            let (seen, at) = receiver
                .recv_timeout(PATIENCE)
                .expect("the informer's cache gets the write");
            assert!(seen <= revision, "a revision from the future");
            if seen == revision {
                return (at.saturating_duration_since(returned), at < returned);
            }
        }
    });
    stop.store(true, Ordering::Relaxed);
    poller.join().expect("the poller ends");
}

/// Benchmarks the latencies `write` measures (each write's latency, and
/// whether its reader had it before the write returned), and prints their
/// median and 99th percentile.
///
/// Criterion plans its iterations from the times the routine returns,
/// here latencies only, while each write also waits for its store; and a
/// few slow writes move the mean it plans with severalfold. So the number
/// of writes is fixed: linear sampling (sample `i` makes `i × d` writes)
/// with a measurement time too short for `d` to exceed 1, which makes
/// 1 + 2 + … + 45 = 1,035 writes (criterion warns that it cannot complete
/// its samples in that time). The warm-up is about 100 writes, its time
/// set from a calibration of 100 writes. Both override `--warm-up-time`
/// and `--measurement-time`.
fn latency(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    mut write: impl FnMut() -> (Duration, bool),
) {
    // Criterion cannot plan with a latency of zero (a change its reader
    // has before the write returns): it is given 1 ns.
    let at_least = |latency: Duration| latency.max(Duration::from_nanos(1));
    let calibration = (0..CALIBRATION)
        .map(|_| at_least(write().0))
        .sum::<Duration>()
        / CALIBRATION;
    group
        .sample_size(LATENCY_SAMPLES)
        .sampling_mode(SamplingMode::Linear)
        .warm_up_time(calibration * CALIBRATION)
        .measurement_time(Duration::from_nanos(1));
    let mut calls: Vec<Vec<(Duration, bool)>> = Vec::new();
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut latencies = Vec::with_capacity(iters as usize);
            for _ in 0..iters {
                let (latency, early) = write();
                total += at_least(latency);
                latencies.push((latency, early));
            }
            calls.push(latencies);
            total
        });
    });
    report(&format!("etcd/{id}"), &calls);
}

/// Prints the median and 99th percentile of the latencies of criterion's
/// measurement: the last [`LATENCY_SAMPLES`] calls of the routine (the
/// ones before are its warm-up; under `--test` there is one call).
fn report(id: &str, calls: &[Vec<(Duration, bool)>]) {
    let measured = &calls[calls.len().saturating_sub(LATENCY_SAMPLES)..];
    let mut all: Vec<(Duration, bool)> = measured.iter().flatten().copied().collect();
    if all.is_empty() {
        return;
    }
    all.sort();
    let early = all.iter().filter(|(_, early)| *early).count();
    let at = |p: f64| all[((p * all.len() as f64).ceil() as usize).clamp(1, all.len()) - 1].0;
    eprintln!(
        "watch-latency {id}: {} writes: median {}, p99 {}, max {} ({early} read before the write returned)",
        all.len(),
        show(at(0.5)),
        show(at(0.99)),
        show(at(1.0)),
    );
}

fn show(d: Duration) -> String {
    match d.as_nanos() {
        n if n < 10_000 => format!("{n} ns"),
        n if n < 10_000_000 => format!("{:.1} µs", n as f64 / 1e3),
        n => format!("{:.2} ms", n as f64 / 1e6),
    }
}

fn relists(c: &mut Criterion, etcd: &Etcd, workload: &OnceCell<Workload>, count: usize) {
    let mut group = c.benchmark_group("etcd");
    group
        .sample_size(RELIST_SAMPLES)
        .sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(count as u64));
    let prepared = || workload.get_or_init(|| Workload::create(etcd, count));
    let id = |implementation: &str| format!("relist/{count}-pods/{implementation}");
    let mut n = 0;
    let mut on_etcd = None;
    group.bench_function(id("etcd-store"), |b| {
        let relister = on_etcd.get_or_insert_with(|| Relister::new(&prepared().etcd, count));
        b.iter_custom(|iters| relister.run(iters, &mut n));
    });
    let mut in_memory = None;
    group.bench_function(id("memory-store"), |b| {
        let relister = in_memory.get_or_insert_with(|| Relister::new(&prepared().memory, count));
        b.iter_custom(|iters| relister.run(iters, &mut n));
    });
    group.bench_function(id("bound-range-paged"), |b| {
        let w = prepared();
        b.iter(|| assert_eq!(range_paged(etcd, &w.name), count));
    });
    group.finish();
    if let Some(relister) = on_etcd {
        relister.report(&id("etcd-store"));
    }
    if let Some(relister) = in_memory {
        relister.report(&id("memory-store"));
    }
    if let Some(w) = workload.get() {
        etcd.clear(&w.name);
    }
}

/// An informer over the Pods of a workload, recovering from compactions
/// past its revision, and the times it took.
struct Relister<S> {
    store: Cuttable<S>,
    informer: Informer,
    count: usize,
    keys: Vec<Key>,
    started: Instant,
    checked: bool,
    /// Per call of the routine: the relists' time, the compactions' share
    /// of it, and how many relists.
    calls: Vec<(Duration, Duration, u32)>,
}

impl<S: Store + Clone> Relister<S> {
    /// An informer that has listed the `count` Pods of `store`.
    fn new(store: &S, count: usize) -> Relister<S> {
        let store = Cuttable::new(store.clone());
        let mut informer = Informer::new(pods(), Backoff::new(Duration::ZERO, Duration::ZERO));
        let started = Instant::now();
        informer.poll(&store, started.elapsed(), &mut |_| {}, &mut |_| {});
        assert_eq!(informer.cache().len(), count);
        let keys = informer.cache().iter().map(|o| o.key().clone()).collect();
        Relister {
            store,
            informer,
            count,
            keys,
            started,
            checked: false,
            calls: Vec::new(),
        }
    }

    /// Times `iters` recoveries, each from the compaction to the cache
    /// holding every Pod at the new revision; `n` numbers the writes.
    fn run(&mut self, iters: u64, n: &mut u64) -> Duration {
        let (mut total, mut compaction) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..iters {
            // The watch breaks; meanwhile a Pod changes and the store is
            // compacted to that change.
            self.store.cut();
            self.poll(&mut |_| {});
            assert!(!self.informer.reflector().is_watching());
            *n += 1;
            let key = self.keys[*n as usize % self.keys.len()].clone();
            let written = self.store.patch(&key, &label(*n)).expect("patches");
            let revision = written.resource_version();

            let timed = Instant::now();
            self.store.compact(revision).expect("compacts");
            let compacted = timed.elapsed();
            let (mut gone, mut listed) = (false, 0);
            loop {
                self.poll(&mut |activity| match activity {
                    Activity::WatchEnded {
                        error: ErrorKind::Gone,
                        ..
                    } => gone = true,
                    Activity::Listed { objects, .. } => listed = objects,
                    _ => {}
                });
                let cache = self.informer.cache();
                if cache.revision() >= revision
                    && cache.len() == self.count
                    && cache.get(&key).map(Object::resource_version) == Some(revision)
                {
                    break;
                }
                assert!(timed.elapsed() < PATIENCE, "the relist did not complete");
            }
            total += timed.elapsed();
            compaction += compacted;
            assert!(gone && listed == self.count, "no relist after gone");
            if !self.checked {
                let cache = self.informer.cache();
                let list = self
                    .store
                    .list(&pods(), ReadAt::Exact(cache.revision()))
                    .expect("lists");
                assert_eq!(versions(cache.iter()), versions(list.items.iter()));
                self.checked = true;
            }
        }
        self.calls
            .push((total, compaction, u32::try_from(iters).unwrap_or(u32::MAX)));
        total
    }

    fn poll(&mut self, log: &mut dyn FnMut(Activity)) {
        let now = self.started.elapsed();
        self.informer.poll(&self.store, now, &mut |_| {}, log);
    }

    /// Prints the compaction's share of the relists of criterion's
    /// measurement (its last [`RELIST_SAMPLES`] calls).
    fn report(&self, id: &str) {
        let measured = &self.calls[self.calls.len().saturating_sub(RELIST_SAMPLES)..];
        let (total, compaction, relists) = measured.iter().fold(
            (Duration::ZERO, Duration::ZERO, 0),
            |(t, c, r), (total, compaction, relists)| (t + *total, c + *compaction, r + relists),
        );
        if relists > 0 {
            eprintln!(
                "relist etcd/{id}: {relists} relists: mean {}, of which the compaction {}",
                show(total / relists),
                show(compaction / relists)
            );
        }
    }
}

/// Each object's key and revision.
fn versions<'a>(objects: impl Iterator<Item = &'a Object>) -> BTreeMap<Key, Revision> {
    objects
        .map(|o| (o.key().clone(), o.resource_version()))
        .collect()
}

/// A store whose watches can be cut, as a broken connection cuts them: a
/// watch opened before [`Cuttable::cut`] ends with `disconnected`.
#[derive(Clone)]
struct Cuttable<S> {
    inner: S,
    cuts: Arc<AtomicU64>,
}

impl<S> Cuttable<S> {
    fn new(inner: S) -> Cuttable<S> {
        Cuttable {
            inner,
            cuts: Arc::new(AtomicU64::new(0)),
        }
    }

    fn cut(&self) {
        self.cuts.fetch_add(1, Ordering::Relaxed);
    }
}

impl<S: Store> Store for Cuttable<S> {
    fn revision(&self) -> Result<Revision, Error> {
        self.inner.revision()
    }

    fn compacted(&self) -> Result<Revision, Error> {
        self.inner.compacted()
    }

    fn get(&self, key: &Key, at: ReadAt) -> Result<Option<Object>, Error> {
        self.inner.get(key, at)
    }

    fn list(&self, selector: &Selector, at: ReadAt) -> Result<List, Error> {
        self.inner.list(selector, at)
    }

    fn create(&self, object: Value) -> Result<Object, Error> {
        self.inner.create(object)
    }

    fn update(&self, object: Value) -> Result<Object, Error> {
        self.inner.update(object)
    }

    fn patch(&self, key: &Key, patch: &Patch) -> Result<Object, Error> {
        self.inner.patch(key, patch)
    }

    fn delete(&self, key: &Key, precondition: Option<Revision>) -> Result<Object, Error> {
        self.inner.delete(key, precondition)
    }

    fn watch(&self, selector: &Selector, from: Revision) -> Result<Box<dyn Watch>, Error> {
        Ok(Box::new(CutWatch {
            inner: self.inner.watch(selector, from)?,
            cuts: Arc::clone(&self.cuts),
            opened: self.cuts.load(Ordering::Relaxed),
        }))
    }

    fn compact(&self, revision: Revision) -> Result<(), Error> {
        self.inner.compact(revision)
    }
}

/// A watch of a [`Cuttable`] store.
struct CutWatch {
    inner: Box<dyn Watch>,
    cuts: Arc<AtomicU64>,
    opened: u64,
}

impl Watch for CutWatch {
    fn next(&mut self) -> Result<Option<patchlaw_reconcile::store::WatchEvent>, Error> {
        if self.cuts.load(Ordering::Relaxed) != self.opened {
            return Err(Error::new(ErrorKind::Disconnected, "the watch was cut"));
        }
        self.inner.next()
    }

    fn request_progress(&mut self) {
        self.inner.request_progress();
    }

    fn catch_up(&mut self, revision: Revision, timeout: Duration) -> Result<bool, Error> {
        self.inner.catch_up(revision, timeout)
    }
}
