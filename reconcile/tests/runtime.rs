//! `runtime`: reflector, cache, queue, controller and edge consumers, over
//! a store whose watches the tests can make lose, repeat or end messages.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patchlaw_reconcile::runtime::{
    Activity, Backoff, Change, Consumer, Controller, ControllerOptions, Edge, EdgeHandler,
    EdgeMode, EdgeOptions, Informer, Queue, Reconcile, Reconciler, Reflector, View, Watches, Write,
};
use patchlaw_reconcile::store::{List, MemoryStore, Patch, ReadAt, Store, Watch, WatchEvent};
use patchlaw_reconcile::{Error, ErrorKind, Key, Object, Revision, Selector};
use serde_json::{json, Value};

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"}})
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn backoff() -> Backoff {
    Backoff::new(secs(1), secs(4))
}

/// What the path from the store does to the next message.
#[derive(Clone, Copy, Debug)]
enum Fault {
    Drop,
    Duplicate,
    Disconnect,
}

/// A [`MemoryStore`] whose watches take faults from a shared list, and
/// whose lists can be served at a fixed (stale) revision.
#[derive(Clone, Default)]
struct Lossy {
    store: MemoryStore,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    stale_lists: Arc<Mutex<Option<Revision>>>,
    /// Raised to ask every watch for a bookmark.
    bookmarks: Arc<Mutex<u64>>,
}

impl Lossy {
    fn fault(&self, fault: Fault) {
        self.faults.lock().unwrap().push_back(fault);
    }

    fn bookmark(&self) {
        *self.bookmarks.lock().unwrap() += 1;
    }
}

struct LossyWatch {
    inner: Box<dyn Watch>,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    bookmarks: Arc<Mutex<u64>>,
    bookmarked: u64,
    repeat: Option<WatchEvent>,
    ended: bool,
}

impl Watch for LossyWatch {
    fn next(&mut self) -> Result<Option<WatchEvent>, Error> {
        if self.ended {
            return Err(Error::new(ErrorKind::Disconnected, "closed"));
        }
        let asked = *self.bookmarks.lock().unwrap();
        if asked != self.bookmarked {
            self.bookmarked = asked;
            self.inner.request_progress();
        }
        if let Some(message) = self.repeat.take() {
            return Ok(Some(message));
        }
        let Some(message) = self.inner.next()? else {
            return Ok(None);
        };
        let fault = self.faults.lock().unwrap().pop_front();
        match fault {
            None => Ok(Some(message)),
            Some(Fault::Drop) => self.next(),
            Some(Fault::Duplicate) => {
                self.repeat = Some(message.clone());
                Ok(Some(message))
            }
            Some(Fault::Disconnect) => {
                self.ended = true;
                Err(Error::new(ErrorKind::Disconnected, "closed"))
            }
        }
    }

    fn request_progress(&mut self) {
        self.inner.request_progress();
    }
}

impl Store for Lossy {
    fn revision(&self) -> Result<Revision, Error> {
        self.store.revision()
    }
    fn compacted(&self) -> Result<Revision, Error> {
        self.store.compacted()
    }
    fn get(&self, key: &Key, at: ReadAt) -> Result<Option<Object>, Error> {
        self.store.get(key, at)
    }
    fn list(&self, selector: &Selector, at: ReadAt) -> Result<List, Error> {
        match *self.stale_lists.lock().unwrap() {
            Some(stale) => self.store.list(selector, ReadAt::Exact(stale)),
            None => self.store.list(selector, at),
        }
    }
    fn create(&self, object: Value) -> Result<Object, Error> {
        self.store.create(object)
    }
    fn update(&self, object: Value) -> Result<Object, Error> {
        self.store.update(object)
    }
    fn patch(&self, key: &Key, patch: &Patch) -> Result<Object, Error> {
        self.store.patch(key, patch)
    }
    fn delete(&self, key: &Key, precondition: Option<Revision>) -> Result<Object, Error> {
        self.store.delete(key, precondition)
    }
    fn watch(&self, selector: &Selector, from: Revision) -> Result<Box<dyn Watch>, Error> {
        Ok(Box::new(LossyWatch {
            inner: self.store.watch(selector, from)?,
            faults: Arc::clone(&self.faults),
            bookmarks: Arc::clone(&self.bookmarks),
            bookmarked: *self.bookmarks.lock().unwrap(),
            repeat: None,
            ended: false,
        }))
    }
    fn compact(&self, revision: Revision) -> Result<(), Error> {
        self.store.compact(revision)
    }
}

/// What an activity log shows, in short.
fn kinds(log: &[Activity]) -> Vec<&'static str> {
    log.iter()
        .map(|a| match a {
            Activity::Listed { .. } => "listed",
            Activity::ListFailed { .. } => "list-failed",
            Activity::Watching { .. } => "watching",
            Activity::WatchEnded { error, .. } => error.code(),
            Activity::Received(_) => "received",
            Activity::Ignored(_) => "ignored",
            Activity::Gap { .. } => "gap",
            Activity::Resynced { .. } => "resynced",
            Activity::Reconciled { .. } => "reconciled",
            Activity::Handled { .. } => "handled",
            _ => "other",
        })
        .collect()
}

mod reflector {
    use super::*;

    fn poll(
        reflector: &mut Reflector,
        store: &dyn Store,
        now: u64,
    ) -> (Vec<Revision>, Vec<Activity>) {
        let (mut deltas, mut log) = (Vec::new(), Vec::new());
        reflector.poll(
            store,
            secs(now),
            &mut |d| deltas.push(d.revision()),
            &mut |a| log.push(a),
        );
        (deltas, log)
    }

    #[test]
    fn lists_then_watches_from_the_lists_revision() {
        let store = Lossy::default();
        store.store.create(pod("a")).unwrap();
        let mut reflector = Reflector::new(Selector::kind("Pod"), backoff());
        let (deltas, log) = poll(&mut reflector, &store, 0);
        assert_eq!(deltas, [Revision::new(1)]);
        assert_eq!(kinds(&log), ["listed", "watching"]);
        store.store.create(pod("b")).unwrap();
        let (deltas, log) = poll(&mut reflector, &store, 0);
        assert_eq!(deltas, [Revision::new(2)]);
        assert_eq!(kinds(&log), ["received"]);
    }

    #[test]
    fn resumes_after_a_disconnect_from_the_last_revision_after_a_backoff() {
        let store = Lossy::default();
        let mut reflector = Reflector::new(Selector::kind("Pod"), backoff());
        poll(&mut reflector, &store, 0);
        store.fault(Fault::Disconnect);
        store.store.create(pod("a")).unwrap();
        let (_, log) = poll(&mut reflector, &store, 0);
        assert_eq!(kinds(&log), ["disconnected"]);
        store.store.create(pod("b")).unwrap();
        // Backing off: nothing before a second has passed.
        assert!(poll(&mut reflector, &store, 0).1.is_empty());
        let (deltas, log) = poll(&mut reflector, &store, 1);
        assert_eq!(kinds(&log), ["watching", "received", "received"]);
        assert_eq!(deltas, [Revision::new(1), Revision::new(2)]);
    }

    #[test]
    fn lists_again_when_gone() {
        let store = Lossy::default();
        let mut informer = Informer::new(Selector::kind("Pod"), backoff());
        let a = store.store.create(pod("a")).unwrap();
        informer.poll(&store, secs(0), &mut |_| {}, &mut |_| {});
        store.fault(Fault::Disconnect);
        store.store.create(pod("b")).unwrap();
        informer.poll(&store, secs(0), &mut |_| {}, &mut |_| {});
        store.store.delete(a.key(), None).unwrap();
        store
            .store
            .compact(store.store.revision().unwrap())
            .unwrap();
        let (mut changes, mut log) = (Vec::new(), Vec::new());
        informer.poll(&store, secs(1), &mut |c| changes.push(c), &mut |a| {
            log.push(a)
        });
        assert_eq!(kinds(&log), ["gone", "listed", "watching"]);
        // The relist is compared with the cache: `a` went while away.
        let shown: Vec<(String, bool)> = changes
            .iter()
            .map(|c| (c.key.name().to_owned(), c.new.is_some()))
            .collect();
        assert_eq!(shown, [("a".to_owned(), false), ("b".to_owned(), true)]);
        assert_eq!(informer.cache().len(), 1);
        assert_eq!(informer.cache().revision(), Revision::new(3));
    }

    #[test]
    fn sets_aside_a_repeated_message_and_lists_again_after_a_lost_one() {
        let store = Lossy::default();
        let mut reflector = Reflector::new(Selector::kind("Pod"), backoff());
        poll(&mut reflector, &store, 0);
        store.fault(Fault::Duplicate);
        store.store.create(pod("a")).unwrap();
        let (deltas, log) = poll(&mut reflector, &store, 0);
        assert_eq!(kinds(&log), ["received", "ignored"]);
        assert_eq!(deltas, [Revision::new(1)]);
        store.fault(Fault::Drop);
        store.store.create(pod("b")).unwrap();
        store.store.create(pod("c")).unwrap();
        let (deltas, log) = poll(&mut reflector, &store, 0);
        assert_eq!(kinds(&log), ["gap", "listed", "watching"]);
        assert_eq!(deltas, [Revision::new(3)]);
    }

    #[test]
    fn refuses_a_list_older_than_what_it_has_seen() {
        let store = Lossy::default();
        let mut reflector = Reflector::new(Selector::kind("Pod"), backoff());
        store.store.create(pod("a")).unwrap();
        poll(&mut reflector, &store, 0);
        store.store.create(pod("b")).unwrap();
        poll(&mut reflector, &store, 0);
        *store.stale_lists.lock().unwrap() = Some(Revision::new(1));
        reflector.relist();
        let (deltas, log) = poll(&mut reflector, &store, 0);
        assert!(deltas.is_empty());
        assert_eq!(kinds(&log), ["list-failed"]);
        assert_eq!(reflector.revision(), Revision::new(2));
        *store.stale_lists.lock().unwrap() = None;
        let (deltas, _) = poll(&mut reflector, &store, 1);
        assert_eq!(deltas, [Revision::new(2)]);
    }
}

mod queue {
    use super::*;

    #[test]
    fn a_key_is_queued_once_and_worked_on_once_at_a_time() {
        let mut queue = Queue::new(backoff());
        queue.add("a");
        queue.add("b");
        queue.add("a");
        assert_eq!(queue.len(), 2);
        assert_eq!(queue.pop(secs(0)), Some("a"));
        queue.add("a");
        queue.add("a");
        assert_eq!(queue.pop(secs(0)), Some("b"));
        assert_eq!(queue.pop(secs(0)), None, "a is in flight");
        assert!(queue.in_flight(&"a"));
        queue.done(&"a");
        assert_eq!(queue.pop(secs(0)), Some("a"));
        queue.done(&"a");
        queue.done(&"b");
        assert!(queue.is_empty());
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap_until_forgotten() {
        let mut queue = Queue::new(backoff());
        let mut due = Vec::new();
        for _ in 0..5 {
            queue.add_rate_limited("k", secs(0));
            due.push(queue.next_due().unwrap().as_secs());
            queue.pop(secs(100));
            queue.done(&"k");
        }
        assert_eq!(due, [1, 2, 4, 4, 4]);
        queue.forget(&"k");
        queue.add_rate_limited("k", secs(0));
        assert_eq!(queue.next_due(), Some(secs(1)));
    }

    #[test]
    fn a_waiting_key_keeps_its_earliest_time() {
        let mut queue = Queue::new(backoff());
        queue.add_after("k", secs(5), secs(0));
        queue.add_after("k", secs(9), secs(0));
        queue.add_after("k", secs(3), secs(0));
        assert_eq!(queue.next_due(), Some(secs(3)));
        assert_eq!(queue.pop(secs(3)), Some("k"));
        assert_eq!(queue.next_due(), None);
    }
}

mod controller {
    use super::*;

    /// Keeps one ConfigMap `<name>-copy` per ConfigMap `<name>` with label
    /// `copy: "yes"`, holding its data; counts its reconciles.
    struct Copier {
        reconciles: Vec<String>,
        /// A key whose next reconcile fails.
        fail: Option<String>,
    }

    impl Reconciler for Copier {
        fn watches(&self) -> Watches {
            Watches::new(Selector::kind("ConfigMap"))
        }

        fn reconcile(&mut self, key: &Key, view: &View<'_>) -> Result<Reconcile, Error> {
            self.reconciles.push(key.name().to_owned());
            if self.fail.as_deref() == Some(key.name()) {
                self.fail = None;
                return Err(Error::new(ErrorKind::Conflict, "try again"));
            }
            let Some(source) = view.get(key) else {
                return Ok(Reconcile::done());
            };
            if key.name().ends_with("-copy") {
                return Ok(Reconcile::done());
            }
            let copy = Key::new("ConfigMap", key.namespace(), format!("{}-copy", key.name()));
            if view.get(&copy).map(|c| &c.value()["data"]) == Some(&source.value()["data"]) {
                return Ok(Reconcile::done());
            }
            Ok(Reconcile::done().write(Write::Patch(
                copy.clone(),
                Patch::apply_as(
                    json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": copy.name(), "namespace": key.namespace()},
                        "data": source.value()["data"].clone()}),
                    "copier",
                ),
            )))
        }
    }

    fn config_map(name: &str, data: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "default"}, "data": {"d": data}})
    }

    fn copier() -> Controller<Copier> {
        Controller::new(
            Copier {
                reconciles: Vec::new(),
                fail: None,
            },
            ControllerOptions::new()
                .retry_backoff(backoff())
                .resync(Some(secs(10))),
        )
    }

    fn copy_data(store: &MemoryStore) -> Option<Value> {
        store
            .get(&Key::new("ConfigMap", "default", "a-copy"), ReadAt::Latest)
            .unwrap()
            .map(|o| o.value()["data"].clone())
    }

    #[test]
    fn reconciles_from_the_cache_and_finds_nothing_to_do_once_done() {
        let store = MemoryStore::new();
        store.create(config_map("a", "1")).unwrap();
        let mut controller = copier();
        let mut log = Vec::new();
        controller.step(&store, secs(0), &mut |a| log.push(a));
        assert_eq!(copy_data(&store), Some(json!({"d": "1"})));
        controller.step(&store, secs(1), &mut |a| log.push(a));
        assert_eq!(controller.reconciler().reconciles, ["a", "a-copy"]);
        assert_eq!(store.revision().unwrap(), Revision::new(2));
    }

    #[test]
    fn a_failed_reconcile_is_retried_after_the_backoff() {
        let store = MemoryStore::new();
        store.create(config_map("a", "1")).unwrap();
        let mut controller = copier();
        controller.step(&store, secs(0), &mut |_| {});
        controller.reconciler_mut().fail = Some("a".to_owned());
        store
            .patch(
                &Key::new("ConfigMap", "default", "a"),
                &Patch::Merge(json!({"data": {"d": "2"}})),
            )
            .unwrap();
        let mut log = Vec::new();
        controller.step(&store, secs(1), &mut |a| log.push(a));
        assert!(log.iter().any(|a| matches!(
            a,
            Activity::Reconciled {
                outcome: Err(ErrorKind::Conflict),
                ..
            }
        )));
        assert_eq!(
            controller
                .queue()
                .failures(&Key::new("ConfigMap", "default", "a")),
            1
        );
        controller.step(&store, secs(1), &mut |_| {});
        assert_eq!(copy_data(&store), Some(json!({"d": "1"})), "backing off");
        controller.step(&store, secs(2), &mut |_| {});
        assert_eq!(copy_data(&store), Some(json!({"d": "2"})));
        assert_eq!(
            controller
                .queue()
                .failures(&Key::new("ConfigMap", "default", "a")),
            0
        );
    }

    #[test]
    fn a_resync_queues_every_key_again() {
        let store = MemoryStore::new();
        store.create(config_map("a", "1")).unwrap();
        let mut controller = copier();
        controller.step(&store, secs(0), &mut |_| {});
        controller.step(&store, secs(1), &mut |_| {});
        let before = controller.reconciler().reconciles.len();
        let mut log = Vec::new();
        controller.step(&store, secs(10), &mut |a| log.push(a));
        assert!(kinds(&log).contains(&"resynced"));
        assert_eq!(controller.reconciler().reconciles.len(), before + 2);
    }

    #[test]
    fn a_change_to_an_owned_object_queues_its_owner() {
        struct Owner(Vec<String>);
        impl Reconciler for Owner {
            fn watches(&self) -> Watches {
                Watches::new(Selector::kind("Deployment")).owns(Selector::kind("Pod"))
            }
            fn reconcile(&mut self, key: &Key, _: &View<'_>) -> Result<Reconcile, Error> {
                self.0.push(key.to_string());
                Ok(Reconcile::done())
            }
        }
        let store = MemoryStore::new();
        let mut controller = Controller::new(Owner(Vec::new()), ControllerOptions::new());
        controller.step(&store, secs(0), &mut |_| {});
        store
            .create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-0",
                "namespace": "default", "ownerReferences": [
                    {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u", "controller": true}]}}))
            .unwrap();
        store.create(pod("orphan")).unwrap();
        controller.step(&store, secs(1), &mut |_| {});
        assert_eq!(controller.reconciler().0, ["Deployment default/web"]);
    }
}

mod edge {
    use super::*;

    /// Records each change it is told of.
    struct Recorder(Vec<(String, Option<String>, Option<String>)>);

    impl EdgeHandler for Recorder {
        fn selector(&self) -> Selector {
            Selector::kind("ConfigMap")
        }
        fn on_change(&mut self, change: &Change) -> Vec<Write> {
            let data = |o: &Option<Object>| {
                o.as_ref()
                    .map(|o| o.value()["data"]["d"].as_str().unwrap_or("").to_owned())
            };
            self.0.push((
                change.key.name().to_owned(),
                data(&change.old),
                data(&change.new),
            ));
            Vec::new()
        }
    }

    fn set(store: &Lossy, data: &str) {
        store
            .store
            .patch(
                &Key::new("ConfigMap", "default", "a"),
                &Patch::apply(json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "a", "namespace": "default"}, "data": {"d": data}})),
            )
            .unwrap();
    }

    fn change(old: Option<&str>, new: Option<&str>) -> (String, Option<String>, Option<String>) {
        (
            "a".to_owned(),
            old.map(str::to_owned),
            new.map(str::to_owned),
        )
    }

    fn consumer(mode: EdgeMode) -> Edge<Recorder> {
        Edge::new(
            Recorder(Vec::new()),
            mode,
            EdgeOptions::new().backoff(backoff()),
        )
    }

    /// The changes each mode's consumer is told of when `script` plays on
    /// a lossy store; the consumer steps at tick 0 first.
    fn told(
        mode: EdgeMode,
        script: impl Fn(&Lossy, &mut Edge<Recorder>),
    ) -> Vec<(String, Option<String>, Option<String>)> {
        let store = Lossy::default();
        let mut edge = consumer(mode);
        set(&store, "1");
        edge.step(&store, secs(0), &mut |_| {});
        script(&store, &mut edge);
        edge.handler().0.clone()
    }

    #[test]
    fn a_lost_change_is_never_handled_by_the_naive_consumer() {
        let lose_2 = |store: &Lossy, edge: &mut Edge<Recorder>| {
            store.fault(Fault::Drop);
            set(store, "2");
            edge.step(store, secs(1), &mut |_| {});
            // A bookmark shows the loss to the consumer that checks.
            store.bookmark();
            edge.step(store, secs(2), &mut |_| {});
        };
        assert_eq!(told(EdgeMode::Naive, lose_2), [change(None, Some("1"))]);
        assert_eq!(
            told(EdgeMode::GapDetecting, lose_2),
            [change(None, Some("1")), change(Some("1"), Some("2"))]
        );
    }

    #[test]
    fn a_repeated_change_is_a_delta_of_nothing() {
        for mode in [EdgeMode::Naive, EdgeMode::GapDetecting] {
            let store = Lossy::default();
            let mut edge = consumer(mode);
            edge.step(&store, secs(0), &mut |_| {});
            store.fault(Fault::Duplicate);
            set(&store, "1");
            edge.step(&store, secs(1), &mut |_| {});
            let seen = &edge.handler().0;
            assert_eq!(seen[0], change(None, Some("1")), "{mode:?}");
            assert!(seen[1..].iter().all(|(_, old, new)| old == new), "{mode:?}");
        }
    }

    #[test]
    fn after_gone_the_naive_consumer_skips_what_happened_and_the_other_lists_again() {
        let compacted_away = |store: &Lossy, edge: &mut Edge<Recorder>| {
            store.fault(Fault::Disconnect);
            set(store, "2");
            edge.step(store, secs(0), &mut |_| {});
            set(store, "3");
            store
                .store
                .compact(store.store.revision().unwrap())
                .unwrap();
            edge.step(store, secs(5), &mut |_| {});
            edge.step(store, secs(6), &mut |_| {});
        };
        assert_eq!(
            told(EdgeMode::Naive, compacted_away),
            [change(None, Some("1"))]
        );
        assert_eq!(
            told(EdgeMode::GapDetecting, compacted_away),
            [change(None, Some("1")), change(Some("1"), Some("3"))]
        );
    }
}
