//! `store::etcd`: what the store on etcd does beyond the store law (which
//! `patchlaw-conformance`'s etcd tests check against the reference model):
//! Kubernetes' key layout, lists in pages at one revision, writes that
//! survive a SIGKILL, a leader lost in the middle of writes, and clear
//! errors when etcd is away.

use std::time::Duration;

use patchlaw_reconcile::store::etcd::server::{Cluster, Member};
use patchlaw_reconcile::store::etcd::{EtcdOptions, EtcdStore};
use patchlaw_reconcile::store::{Event, Patch, ReadAt, Store};
use patchlaw_reconcile::{ErrorKind, Key, Revision, Selector};
use serde_json::{json, Value};

fn pod(name: &str, namespace: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}})
}

fn store(member: &Member, options: EtcdOptions) -> EtcdStore {
    EtcdStore::connect(&[member.client_url()], options).unwrap()
}

/// The etcd keys under `prefix`, read with the plain etcd client.
fn raw_keys(url: &str, prefix: &str) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = etcd_client::Client::connect([url], None).await.unwrap();
        let options = etcd_client::GetOptions::new()
            .with_prefix()
            .with_keys_only();
        let response = client.get(prefix, Some(options)).await.unwrap();
        response
            .kvs()
            .iter()
            .map(|kv| kv.key_str().unwrap().to_owned())
            .collect()
    })
}

#[test]
fn objects_live_under_kubernetes_keys_and_carry_the_mod_revision() {
    let member = Member::start().unwrap();
    let store = store(&member, EtcdOptions::new());
    let base = store.revision().unwrap();
    let web = store
        .patch(
            &Key::new("Deployment", "default", "web"),
            &Patch::apply(json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 1}})),
        )
        .unwrap();
    store
        .create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}))
        .unwrap();
    store
        .create(
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web", "namespace": "default"}}),
        )
        .unwrap();
    assert_eq!(web.resource_version(), base.next());
    assert_eq!(
        web.value()["metadata"]["resourceVersion"],
        base.next().to_string()
    );
    assert_eq!(
        raw_keys(member.client_url(), "/registry/"),
        [
            "/registry/deployments/default/web",
            "/registry/ingresses/default/web",
            "/registry/namespaces/team"
        ]
    );
    // The uid is the store's, unique, and kept.
    let uid = web.value()["metadata"]["uid"].as_str().unwrap().to_owned();
    assert_eq!(uid.len(), 36);
    let scaled = store
        .patch(web.key(), &Patch::Merge(json!({"spec": {"replicas": 3}})))
        .unwrap();
    assert_eq!(scaled.value()["metadata"]["uid"], uid.as_str());
}

#[test]
fn a_list_is_read_in_pages_at_one_revision_in_key_order() {
    let member = Member::start().unwrap();
    let store = store(&member, EtcdOptions::new().prefix("/paged").page_size(7));
    let mut pods = Vec::new();
    for i in 0..40 {
        // Namespaces "a" and "a-b": etcd's byte order of the keys
        // (`a-b/` before `a/`) is not the keys' order.
        let namespace = if i % 2 == 0 { "a" } else { "a-b" };
        pods.push(pod(&format!("p{i:02}"), namespace));
    }
    let created = store.create_all(pods).unwrap();
    assert!(created
        .windows(2)
        .all(|w| w[0].resource_version() == w[1].resource_version()));
    let at = created[0].resource_version();
    store.create(pod("late", "a")).unwrap();
    let list = store
        .list(&Selector::kind("Pod"), ReadAt::Exact(at))
        .unwrap();
    assert_eq!(list.revision, at);
    assert_eq!(list.items.len(), 40);
    let keys: Vec<&Key> = list.items.iter().map(|o| o.key()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(keys[0], &Key::new("Pod", "a", "p00"));
    let latest = store
        .list(&Selector::kind("Pod").namespace("a"), ReadAt::Latest)
        .unwrap();
    assert_eq!(latest.items.len(), 21);
    assert_eq!(latest.revision, store.revision().unwrap());
    // All or nothing: a batch with one taken key writes nothing.
    let err = store
        .create_all(vec![pod("new", "a"), pod("p00", "a")])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert!(store
        .get(&Key::new("Pod", "a", "new"), ReadAt::Latest)
        .unwrap()
        .is_none());
}

#[test]
fn a_list_read_while_another_client_writes_is_the_state_at_its_revision() {
    let member = Member::start().unwrap();
    let store = store(&member, EtcdOptions::new().prefix("/moving").page_size(1));
    let writer = store.clone();
    store
        .create_all((0..30).map(|i| pod(&format!("p{i:02}"), "a")).collect())
        .unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let pairs = std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut i = 0;
            while i < 300 && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // New pods sort among the listed ones; each is a revision.
                if writer.create(pod(&format!("p{i:02}x"), "a")).is_err() {
                    return;
                }
                i += 1;
            }
        });
        let pairs: Vec<_> = (0..5)
            .map(|_| {
                let list = store.list(&Selector::kind("Pod"), ReadAt::Latest);
                let at = match &list {
                    Ok(l) => Some(store.list(&Selector::kind("Pod"), ReadAt::Exact(l.revision))),
                    Err(_) => None,
                };
                (list, at)
            })
            .collect();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        pairs
    });
    for (list, at) in pairs {
        let list = list.unwrap();
        assert!(list.items.len() >= 30);
        assert_eq!(list, at.unwrap().unwrap(), "pages read at other revisions");
    }
}

#[test]
fn keys_that_etcd_would_confuse_are_kept_apart() {
    let member = Member::start().unwrap();
    let store = store(&member, EtcdOptions::new());
    // "x/a" cluster-scoped would be the etcd key of x/a namespaced.
    let err = store.create(pod("x/a", "")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    // Kinds that differ in case share a resource name, not objects.
    let pod = store.create(pod("a", "x")).unwrap();
    assert!(store
        .get(&Key::new("pod", "x", "a"), ReadAt::Latest)
        .unwrap()
        .is_none());
    assert_eq!(store.get(pod.key(), ReadAt::Latest).unwrap(), Some(pod));
}

#[test]
fn a_request_etcd_refuses_as_it_is_is_invalid() {
    let member = Member::start().unwrap();
    let store = store(&member, EtcdOptions::new());
    // etcd takes 128 operations in a transaction.
    let pods = (0..129).map(|i| pod(&format!("p{i}"), "default")).collect();
    let err = store.create_all(pods).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    assert!(store
        .list(&Selector::all(), ReadAt::Latest)
        .unwrap()
        .items
        .is_empty());
}

#[test]
fn a_watch_outlives_the_store_it_came_from() {
    let member = Member::start().unwrap();
    let store = store(&member, EtcdOptions::new());
    let mut watch = store
        .watch(&Selector::kind("Pod"), store.revision().unwrap())
        .unwrap();
    drop(store);
    let other = self::store(&member, EtcdOptions::new());
    let a = other.create(pod("a", "default")).unwrap();
    assert!(watch
        .catch_up(a.resource_version(), Duration::from_secs(10))
        .unwrap());
    assert_eq!(watch.next().unwrap().unwrap().event, Event::Added(a));
}

#[test]
fn stores_under_different_prefixes_share_revisions_and_nothing_else() {
    let member = Member::start().unwrap();
    let one = store(&member, EtcdOptions::new().prefix("/one"));
    let two = store(&member, EtcdOptions::new().prefix("/two"));
    let a = one.create(pod("a", "default")).unwrap();
    assert_eq!(two.revision().unwrap(), a.resource_version());
    assert!(two.get(a.key(), ReadAt::Latest).unwrap().is_none());
    assert_eq!(code(two.create(pod("a", "default"))), "ok");
}

fn code<T>(result: Result<T, patchlaw_reconcile::Error>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(err) => err.kind().code(),
    }
}

#[test]
fn acknowledged_writes_survive_a_sigkill_and_a_watch_resumes_from_its_revision() {
    let member = Member::start().unwrap();
    let store = store(
        &member,
        EtcdOptions::new().request_timeout(Duration::from_secs(2)),
    );
    let mut written = Vec::new();
    for i in 0..20 {
        written.push(store.create(pod(&format!("p{i}"), "default")).unwrap());
    }
    let mut watch = store
        .watch(&Selector::kind("Pod"), written[9].resource_version())
        .unwrap();
    member.kill().unwrap();
    // etcd is away: a write's outcome is unknown, and says so.
    let err = store.create(pod("lost", "default")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    // The watch ends: the connection is gone.
    let mut tries = 0;
    let ended = loop {
        match watch.next() {
            Ok(_) if tries < 3000 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(_) => panic!("the watch did not end in 30 s after its member was killed"),
            Err(err) => break err,
        }
    };
    assert_eq!(ended.kind(), ErrorKind::Disconnected, "{ended}");
    member.restart().unwrap();
    for object in &written {
        let read = store
            .get(object.key(), ReadAt::Exact(object.resource_version()))
            .unwrap();
        assert_eq!(read.as_ref(), Some(object));
    }
    // A new watch from the last revision seen goes on where the old one
    // stopped.
    let mut watch = store
        .watch(&Selector::kind("Pod"), written[19].resource_version())
        .unwrap();
    let next = store.create(pod("after", "default")).unwrap();
    assert!(watch
        .catch_up(next.resource_version(), Duration::from_secs(10))
        .unwrap());
    let message = watch.next().unwrap().unwrap();
    assert_eq!(message.event, Event::Added(next));
    assert_eq!(message.previous, written[19].resource_version());
}

#[test]
fn a_leader_killed_during_writes_loses_nothing_acknowledged() {
    let cluster = Cluster::start(3).unwrap();
    let store = EtcdStore::connect(
        &cluster.endpoints(),
        EtcdOptions::new().request_timeout(Duration::from_secs(2)),
    )
    .unwrap();
    let mut acknowledged = Vec::new();
    let mut unavailable = 0;
    for i in 0..60 {
        if i == 20 {
            let leader = cluster.leader().unwrap();
            cluster.kill(leader).unwrap();
        }
        match store.create(pod(&format!("p{i}"), "default")) {
            Ok(object) => acknowledged.push(object),
            Err(err) if err.kind() == ErrorKind::Unavailable => unavailable += 1,
            Err(err) => panic!("write {i}: {err}"),
        }
    }
    // The clients moved to the members that are up: writes after the kill
    // were acknowledged.
    let after_kill = acknowledged
        .iter()
        .filter(|o| o.key().name()[1..].parse::<u32>().is_ok_and(|i| i > 20))
        .count();
    assert!(
        after_kill >= 10,
        "{after_kill} acknowledged after the kill, {unavailable} unavailable"
    );
    for object in &acknowledged {
        assert_eq!(
            store.get(object.key(), ReadAt::Latest).unwrap().as_ref(),
            Some(object)
        );
    }
}

#[test]
fn a_bookmark_comes_once_everything_before_it_has() {
    let member = Member::start().unwrap();
    let store = store(&member, EtcdOptions::new());
    let start = store.revision().unwrap();
    let mut watch = store.watch(&Selector::kind("Pod"), start).unwrap();
    let a = store.create(pod("a", "default")).unwrap();
    store
        .create(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "default"}}))
        .unwrap();
    watch.request_progress();
    assert!(watch
        .catch_up(store.revision().unwrap(), Duration::from_secs(10))
        .unwrap());
    let first = watch.next().unwrap().unwrap();
    assert_eq!(first.event, Event::Added(a.clone()));
    let bookmark = watch.next().unwrap().unwrap();
    assert_eq!(bookmark.event, Event::Bookmark(a.resource_version().next()));
    assert_eq!(bookmark.previous, a.resource_version());
    assert!(watch.next().unwrap().is_none());
}

#[test]
fn compaction_maps_to_gone_for_reads_and_watches() {
    let member = Member::start().unwrap();
    let store = store(&member, EtcdOptions::new());
    let a = store.create(pod("a", "default")).unwrap();
    let b = store.create(pod("b", "default")).unwrap();
    store.delete(a.key(), None).unwrap();
    let now = store.revision().unwrap();
    store.compact(now).unwrap();
    assert_eq!(store.compacted().unwrap(), now);
    let err = store
        .get(b.key(), ReadAt::Exact(b.resource_version()))
        .unwrap_err();
    assert_eq!((err.kind(), err.revision()), (ErrorKind::Gone, Some(now)));
    assert_eq!(
        code(store.watch(&Selector::all(), Revision::new(now.get() - 1))),
        "gone"
    );
    assert_eq!(code(store.watch(&Selector::all(), now)), "ok");
    assert_eq!(
        code(store.compact(Revision::new(now.get() + 5))),
        "future-revision"
    );
    // Compacting lower than the compaction does nothing.
    store.compact(Revision::new(2)).unwrap();
    assert_eq!(store.compacted().unwrap(), now);
}

#[test]
fn an_unreachable_etcd_is_a_clear_error() {
    let member = Member::start().unwrap();
    let url = member.client_url().to_owned();
    drop(member);
    let err = EtcdStore::connect(
        &[url.as_str()],
        EtcdOptions::new()
            .connect_timeout(Duration::from_secs(1))
            .request_timeout(Duration::from_secs(1)),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.to_string().contains(&url), "{err}");
    let err = EtcdStore::connect(&["not a url"], EtcdOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
}
