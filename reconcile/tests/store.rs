//! `store`: the in-memory store against the model of the module docs.

use patchlaw_reconcile::store::{Event, MemoryStore, Patch, ReadAt, Store, Watch};
use patchlaw_reconcile::{Error, ErrorKind, Key, Object, Revision, Selector};
use serde_json::{json, Value};

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"}})
}

fn deployment(name: &str, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}})
}

/// Sets label `x` of the object at `key` with a merge patch.
fn relabel(store: &MemoryStore, key: &Key, x: &str) -> Object {
    let patch = Patch::Merge(json!({"metadata": {"labels": {"x": x}}}));
    store.patch(key, &patch).unwrap()
}

fn rv(n: u64) -> Revision {
    Revision::new(n)
}

fn code<T>(result: Result<T, Error>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(err) => err.kind().code(),
    }
}

fn drain(watch: &mut Box<dyn Watch>) -> Vec<(String, u64, u64)> {
    let mut seen = Vec::new();
    while let Some(message) = watch.next().unwrap() {
        let what = match &message.event {
            Event::Added(o) => format!("ADDED {}", o.key().name()),
            Event::Modified(o) => format!("MODIFIED {}", o.key().name()),
            Event::Deleted(o) => format!("DELETED {}", o.key().name()),
            Event::Bookmark(_) => "BOOKMARK".to_owned(),
        };
        seen.push((what, message.previous.get(), message.revision().get()));
    }
    seen
}

mod revisions {
    use super::*;

    #[test]
    fn every_write_raises_the_revision_by_one_and_is_the_objects_resource_version() {
        let store = MemoryStore::new();
        assert_eq!(store.revision().unwrap(), Revision::ZERO);
        let a = store.create(pod("a")).unwrap();
        let b = store.create(pod("b")).unwrap();
        let a2 = relabel(&store, a.key(), "1");
        let gone = store.delete(b.key(), None).unwrap();
        assert_eq!(
            [
                a.resource_version(),
                b.resource_version(),
                a2.resource_version(),
                gone.resource_version()
            ],
            [rv(1), rv(2), rv(3), rv(4)]
        );
        assert_eq!(a2.value()["metadata"]["resourceVersion"], "3");
        assert_eq!(store.revision().unwrap(), rv(4));
    }

    #[test]
    fn a_write_that_changes_nothing_is_not_made() {
        let store = MemoryStore::new();
        let a = store.create(pod("a")).unwrap();
        let same = store.update(a.to_value()).unwrap();
        let merged = store.patch(a.key(), &Patch::Merge(json!({}))).unwrap();
        assert_eq!(same, a);
        assert_eq!(merged, a);
        assert_eq!(store.revision().unwrap(), rv(1));
        let mut watch = store.watch(&Selector::all(), rv(1)).unwrap();
        assert!(watch.next().unwrap().is_none());
    }

    #[test]
    fn clones_are_handles_to_one_store() {
        let store = MemoryStore::new();
        let other = store.clone();
        other.create(pod("a")).unwrap();
        assert_eq!(store.revision().unwrap(), rv(1));
        fn shared<T: Send + Sync>(_: &T) {}
        shared(&store);
    }
}

mod reads {
    use super::*;

    #[test]
    fn get_and_list_at_each_kind_of_revision() {
        let store = MemoryStore::new();
        let a = store.create(pod("a")).unwrap();
        relabel(&store, a.key(), "2");
        store.create(pod("b")).unwrap();
        let at = |read| {
            store
                .get(a.key(), read)
                .unwrap()
                .map(|o| o.resource_version())
        };
        assert_eq!(at(ReadAt::Latest), Some(rv(2)));
        assert_eq!(at(ReadAt::Exact(rv(1))), Some(rv(1)));
        assert_eq!(at(ReadAt::Exact(rv(0))), None);
        assert_eq!(at(ReadAt::NotOlderThan(rv(1))), Some(rv(2)));
        let list = store
            .list(&Selector::kind("Pod"), ReadAt::Exact(rv(2)))
            .unwrap();
        assert_eq!(list.revision, rv(2));
        assert_eq!(list.items.len(), 1);
        assert_eq!(
            code(store.get(a.key(), ReadAt::Exact(rv(4)))),
            "future-revision"
        );
        let err = store
            .list(&Selector::all(), ReadAt::NotOlderThan(rv(9)))
            .unwrap_err();
        assert_eq!(
            (err.kind(), err.revision()),
            (ErrorKind::FutureRevision, Some(rv(3)))
        );
    }

    #[test]
    fn lists_select_by_kind_and_namespace_in_key_order() {
        let store = MemoryStore::new();
        for (kind, namespace, name) in [
            ("Pod", "b", "z"),
            ("Pod", "a", "y"),
            ("Service", "a", "x"),
            ("Pod", "a", "a"),
            ("ConfigMap", "a", "q"),
        ] {
            store
                .create(json!({"apiVersion": "v1", "kind": kind,
                    "metadata": {"name": name, "namespace": namespace}}))
                .unwrap();
        }
        let names = |selector: Selector| -> Vec<String> {
            store
                .list(&selector, ReadAt::Latest)
                .unwrap()
                .items
                .iter()
                .map(|o| o.key().to_string())
                .collect()
        };
        assert_eq!(
            names(Selector::kind("Pod")),
            ["Pod a/a", "Pod a/y", "Pod b/z"]
        );
        assert_eq!(
            names(Selector::kind("Pod").namespace("a")),
            ["Pod a/a", "Pod a/y"]
        );
        assert_eq!(names(Selector::all().namespace("a")).len(), 4);
        assert_eq!(names(Selector::all()).len(), 5);
        assert!(names(Selector::kind("Node")).is_empty());
    }

    #[test]
    fn a_deleted_object_reads_as_absent_and_its_past_stays_readable() {
        let store = MemoryStore::new();
        let a = store.create(pod("a")).unwrap();
        store.delete(a.key(), None).unwrap();
        assert!(store.get(a.key(), ReadAt::Latest).unwrap().is_none());
        assert_eq!(store.get(a.key(), ReadAt::Exact(rv(1))).unwrap(), Some(a));
    }
}

mod writes {
    use super::*;

    #[test]
    fn create_refuses_what_kubernetes_refuses() {
        let store = MemoryStore::new();
        store.create(pod("a")).unwrap();
        assert_eq!(code(store.create(pod("a"))), "already-exists");
        let mut named = pod("b");
        named["metadata"]["resourceVersion"] = json!("1");
        assert_eq!(code(store.create(named)), "invalid");
        for bad in [
            json!([]),
            json!({"apiVersion": "v1", "metadata": {"name": "x"}}),
            json!({"kind": "Pod", "metadata": {"name": "x"}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": "x"}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": ""}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": 1}}),
        ] {
            assert_eq!(code(store.create(bad.clone())), "invalid", "{bad}");
        }
        assert_eq!(store.revision().unwrap(), rv(1));
    }

    #[test]
    fn generated_names_and_uids_are_unique_and_repeat_from_run_to_run() {
        let make = || {
            let store = MemoryStore::new();
            (0..3)
                .map(|_| {
                    let o = store
                        .create(json!({"apiVersion": "v1", "kind": "Pod",
                            "metadata": {"generateName": "web-", "namespace": "default"}}))
                        .unwrap();
                    (
                        o.key().name().to_owned(),
                        o.value()["metadata"]["uid"].clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let first = make();
        assert_eq!(first, make());
        assert!(first
            .iter()
            .all(|(name, _)| name.starts_with("web-") && name.len() == 9));
        let names: std::collections::BTreeSet<_> = first.iter().map(|(n, _)| n).collect();
        let uids: std::collections::BTreeSet<_> =
            first.iter().map(|(_, u)| u.to_string()).collect();
        assert_eq!((names.len(), uids.len()), (3, 3));
    }

    #[test]
    fn update_is_conditional_on_the_resource_version_it_names() {
        let store = MemoryStore::new();
        let a = store.create(pod("a")).unwrap();
        let mut first = a.to_value();
        first["metadata"]["labels"] = json!({"by": "first"});
        store.update(first).unwrap();
        let mut second = a.to_value();
        second["metadata"]["labels"] = json!({"by": "second"});
        let err = store.update(second.clone()).unwrap_err();
        assert_eq!(
            (err.kind(), err.revision()),
            (ErrorKind::Conflict, Some(rv(2)))
        );
        second["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("resourceVersion");
        let forced = store.update(second).unwrap();
        assert_eq!(forced.value()["metadata"]["labels"]["by"], "second");
        assert_eq!(code(store.update(pod("missing"))), "not-found");
    }

    #[test]
    fn the_uid_is_kept_and_a_write_naming_another_is_a_conflict() {
        let store = MemoryStore::new();
        let a = store.create(pod("a")).unwrap();
        let uid = a.value()["metadata"]["uid"].clone();
        let mut without = pod("a");
        without["metadata"]["labels"] = json!({"x": "1"});
        assert_eq!(
            store.update(without).unwrap().value()["metadata"]["uid"],
            uid
        );
        let mut other = pod("a");
        other["metadata"]["uid"] = json!("another");
        assert_eq!(code(store.update(other)), "conflict");
        let patch = Patch::Merge(json!({"metadata": {"uid": "another"}}));
        assert_eq!(code(store.patch(a.key(), &patch)), "conflict");
        store.delete(a.key(), None).unwrap();
        let again = store.create(pod("a")).unwrap();
        assert_ne!(again.value()["metadata"]["uid"], uid);
    }

    #[test]
    fn delete_returns_the_last_state_at_the_deletion_revision() {
        let store = MemoryStore::new();
        let a = store.create(pod("a")).unwrap();
        assert_eq!(code(store.delete(a.key(), Some(rv(7)))), "conflict");
        let deleted = store.delete(a.key(), Some(rv(1))).unwrap();
        assert_eq!(deleted.resource_version(), rv(2));
        assert_eq!(deleted.value()["metadata"]["resourceVersion"], "2");
        assert_eq!(deleted.value()["metadata"]["name"], "a");
        assert_eq!(code(store.delete(a.key(), None)), "not-found");
    }
}

mod patches {
    use super::*;

    #[test]
    fn json_patch_and_its_failures() {
        let store = MemoryStore::new();
        let a = store.create(pod("a")).unwrap();
        let patch = |v| Patch::Json(patchlaw::json_patch::Patch::from_value(&v).unwrap());
        let done = store
            .patch(
                a.key(),
                &patch(json!([{"op": "add", "path": "/spec", "value": {"x": 1}}])),
            )
            .unwrap();
        assert_eq!(done.value()["spec"], json!({"x": 1}));
        let err = store
            .patch(
                a.key(),
                &patch(json!([{"op": "test", "path": "/spec/x", "value": 2}])),
            )
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PatchFailed);
        assert_eq!(err.patch_error().unwrap().kind().code(), "test-failed");
        assert!(std::error::Error::source(&err).is_some());
        // A guard on the resourceVersion is optimistic concurrency too.
        let guarded = patch(json!([
            {"op": "test", "path": "/metadata/resourceVersion", "value": "1"},
            {"op": "remove", "path": "/spec"}]));
        assert_eq!(code(store.patch(a.key(), &guarded)), "patch-failed");
        assert_eq!(store.revision().unwrap(), rv(2));
    }

    #[test]
    fn merge_patch_naming_a_stale_resource_version_is_a_conflict() {
        let store = MemoryStore::new();
        let a = store.create(pod("a")).unwrap();
        relabel(&store, a.key(), "1");
        let stale =
            Patch::Merge(json!({"metadata": {"resourceVersion": "1", "labels": {"x": "2"}}}));
        assert_eq!(code(store.patch(a.key(), &stale)), "conflict");
        let fresh =
            Patch::Merge(json!({"metadata": {"resourceVersion": "2", "labels": {"x": "2"}}}));
        assert_eq!(
            store.patch(a.key(), &fresh).unwrap().resource_version(),
            rv(3)
        );
    }

    #[test]
    fn a_patch_cannot_move_the_object() {
        let store = MemoryStore::new();
        let a = store.create(pod("a")).unwrap();
        let err = store
            .patch(a.key(), &Patch::Merge(json!({"metadata": {"name": "b"}})))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert_eq!(
            code(store.patch(&Key::new("Pod", "default", "zz"), &Patch::Merge(json!({})))),
            "not-found"
        );
    }

    #[test]
    fn strategic_merges_lists_by_key_for_built_in_kinds_only() {
        let store = MemoryStore::new();
        let d = store.create(deployment("web", "app:1")).unwrap();
        let sidecar = json!({"spec": {"template": {"spec": {"containers": [{"name": "proxy", "image": "p:1"}]}}}});
        let merged = store
            .patch(d.key(), &Patch::Strategic(sidecar.clone()))
            .unwrap();
        // Without `$setElementOrder`, the patch's elements come first, as
        // in Kubernetes.
        assert_eq!(
            merged.value()["spec"]["template"]["spec"]["containers"],
            json!([{"name": "proxy", "image": "p:1"}, {"name": "app", "image": "app:1"}])
        );
        let widget = store
            .create(json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}))
            .unwrap();
        assert_eq!(
            code(store.patch(widget.key(), &Patch::Strategic(json!({})))),
            "unsupported-patch"
        );
    }

    #[test]
    fn apply_creates_then_patches_and_keeps_other_appliers_fields() {
        let store = MemoryStore::new();
        let key = Key::new("Deployment", "default", "web");
        let created = store
            .patch(&key, &Patch::apply(deployment("web", "app:1")))
            .unwrap();
        assert!(created.value()["metadata"]["annotations"]
            [patchlaw::three_way::LAST_APPLIED_ANNOTATION]
            .is_string());
        let proxy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"template": {"spec": {"containers": [{"name": "proxy", "image": "p:1"}]}}}});
        store
            .patch(&key, &Patch::apply_as(proxy.clone(), "inject/last-applied"))
            .unwrap();
        store
            .patch(&key, &Patch::Merge(json!({"spec": {"replicas": 4}})))
            .unwrap();
        let updated = store
            .patch(&key, &Patch::apply(deployment("web", "app:2")))
            .unwrap();
        assert_eq!(updated.value()["spec"]["replicas"], 4);
        let containers = &updated.value()["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers[0], json!({"name": "proxy", "image": "p:1"}));
        assert_eq!(containers[1], json!({"name": "app", "image": "app:2"}));
        // Applying the same again changes nothing.
        let again = store
            .patch(&key, &Patch::apply(deployment("web", "app:2")))
            .unwrap();
        assert_eq!(again.resource_version(), updated.resource_version());
        let again = store
            .patch(&key, &Patch::apply_as(proxy, "inject/last-applied"))
            .unwrap();
        assert_eq!(again.resource_version(), updated.resource_version());
    }

    #[test]
    fn apply_of_a_custom_resource_is_an_rfc_7396_three_way_merge() {
        let store = MemoryStore::new();
        let widget = |size: u64| {
            json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "default"}, "spec": {"size": size, "items": [1, 2]}})
        };
        let key = Key::new("Widget", "default", "w");
        store.patch(&key, &Patch::apply(widget(1))).unwrap();
        store
            .patch(&key, &Patch::Merge(json!({"spec": {"color": "red"}})))
            .unwrap();
        let live = store.patch(&key, &Patch::apply(widget(2))).unwrap();
        assert_eq!(
            live.value()["spec"],
            json!({"size": 2, "items": [1, 2], "color": "red"})
        );
    }

    #[test]
    fn an_apply_naming_a_uid_never_creates() {
        let store = MemoryStore::new();
        let key = Key::new("Deployment", "default", "web");
        let created = store
            .patch(&key, &Patch::apply(deployment("web", "app:1")))
            .unwrap();
        let mut mine = deployment("web", "app:1");
        mine["metadata"]["uid"] = created.value()["metadata"]["uid"].clone();
        mine["metadata"]["labels"] = json!({"injected": "true"});
        store
            .patch(&key, &Patch::apply_as(mine.clone(), "inject"))
            .unwrap();
        store.delete(&key, None).unwrap();
        assert_eq!(
            code(store.patch(&key, &Patch::apply_as(mine.clone(), "inject"))),
            "not-found"
        );
        store
            .patch(&key, &Patch::apply(deployment("web", "app:1")))
            .unwrap();
        assert_eq!(
            code(store.patch(&key, &Patch::apply_as(mine, "inject"))),
            "conflict"
        );
    }

    #[test]
    fn apply_fills_the_namespace_of_the_key_and_refuses_another_object() {
        let store = MemoryStore::new();
        let mut no_namespace = deployment("web", "app:1");
        no_namespace["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("namespace");
        let key = Key::new("Deployment", "default", "web");
        let created = store.patch(&key, &Patch::apply(no_namespace)).unwrap();
        assert_eq!(created.key(), &key);
        let other = Key::new("Deployment", "default", "api");
        assert_eq!(
            code(store.patch(&other, &Patch::apply(deployment("web", "app:1")))),
            "invalid"
        );
    }
}

mod watches {
    use super::*;

    #[test]
    fn a_watch_delivers_each_selected_change_once_in_order_chained() {
        let store = MemoryStore::new();
        let mut pods = store.watch(&Selector::kind("Pod"), Revision::ZERO).unwrap();
        let a = store.create(pod("a")).unwrap();
        store.create(deployment("web", "app:1")).unwrap();
        relabel(&store, a.key(), "1");
        store.delete(a.key(), None).unwrap();
        assert_eq!(
            drain(&mut pods),
            [
                ("ADDED a".to_owned(), 0, 1),
                ("MODIFIED a".to_owned(), 1, 3),
                ("DELETED a".to_owned(), 3, 4)
            ]
        );
        pods.request_progress();
        assert_eq!(drain(&mut pods), [("BOOKMARK".to_owned(), 4, 4)]);
        store.create(deployment("api", "app:1")).unwrap();
        pods.request_progress();
        assert_eq!(drain(&mut pods), [("BOOKMARK".to_owned(), 4, 5)]);
        assert!(drain(&mut pods).is_empty());
    }

    #[test]
    fn a_watch_from_a_past_revision_replays_from_there() {
        let store = MemoryStore::new();
        for name in ["a", "b", "c"] {
            store.create(pod(name)).unwrap();
        }
        let mut watch = store.watch(&Selector::all(), rv(1)).unwrap();
        let seen: Vec<u64> = drain(&mut watch).iter().map(|(_, _, r)| *r).collect();
        assert_eq!(seen, [2, 3]);
        let mut future = store.watch(&Selector::all(), rv(5)).unwrap();
        store.create(pod("d")).unwrap();
        store.create(pod("e")).unwrap();
        store.create(pod("f")).unwrap();
        assert_eq!(drain(&mut future), [("ADDED f".to_owned(), 5, 6)]);
    }

    #[test]
    fn a_watch_that_falls_behind_a_compaction_is_gone_for_good() {
        let store = MemoryStore::new();
        let mut behind = store.watch(&Selector::all(), Revision::ZERO).unwrap();
        let mut current = store.watch(&Selector::all(), Revision::ZERO).unwrap();
        for name in ["a", "b", "c"] {
            store.create(pod(name)).unwrap();
        }
        drain(&mut current);
        assert_eq!(behind.next().unwrap().unwrap().revision(), rv(1));
        store.compact(rv(3)).unwrap();
        // The watch at 1 needs revision 2, compacted away.
        let err = behind.next().unwrap_err();
        assert_eq!((err.kind(), err.revision()), (ErrorKind::Gone, Some(rv(3))));
        assert_eq!(behind.next().unwrap_err().kind(), ErrorKind::Gone);
        // The watch that has seen everything goes on.
        store.create(pod("d")).unwrap();
        assert_eq!(drain(&mut current).len(), 1);
    }

    #[test]
    fn compaction_keeps_the_changes_after_its_revision() {
        let store = MemoryStore::new();
        for name in ["a", "b", "c", "d"] {
            store.create(pod(name)).unwrap();
        }
        store.compact(rv(3)).unwrap();
        // The state at 3 is kept, not the change made at 3: a watch must
        // start after the compaction.
        assert_eq!(code(store.watch(&Selector::all(), rv(2))), "gone");
        let mut from_three = store.watch(&Selector::all(), rv(3)).unwrap();
        assert_eq!(drain(&mut from_three).len(), 1);
    }
}

mod compaction {
    use super::*;

    #[test]
    fn reads_below_the_compaction_are_gone_and_the_rest_is_kept() {
        let store = MemoryStore::new();
        let a = store.create(pod("a")).unwrap();
        let b = store.create(pod("b")).unwrap();
        relabel(&store, a.key(), "1");
        store.delete(b.key(), None).unwrap();
        store.create(pod("c")).unwrap();
        store.compact(rv(4)).unwrap();
        assert_eq!(store.compacted().unwrap(), rv(4));
        assert_eq!(
            code(store.list(&Selector::all(), ReadAt::Exact(rv(3)))),
            "gone"
        );
        let at = |r| -> Vec<String> {
            store
                .list(&Selector::all(), ReadAt::Exact(rv(r)))
                .unwrap()
                .items
                .iter()
                .map(|o| format!("{}@{}", o.key().name(), o.resource_version()))
                .collect()
        };
        assert_eq!(at(4), ["a@3"]);
        assert_eq!(at(5), ["a@3", "c@5"]);
        assert!(store.get(b.key(), ReadAt::Exact(rv(4))).unwrap().is_none());
        // Compacting lower does nothing; beyond the store is refused.
        store.compact(rv(2)).unwrap();
        assert_eq!(store.compacted().unwrap(), rv(4));
        assert_eq!(code(store.compact(rv(6))), "future-revision");
    }
}

mod objects {
    use super::*;

    #[test]
    fn objects_compare_by_key_revision_and_value() {
        let value = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "a", "resourceVersion": "2"}});
        let a = Object::from_value(value.clone()).unwrap();
        assert_eq!(a, Object::from_value(value).unwrap());
        assert_eq!(format!("{a:?}"), "Pod a@2");
        let bad = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "resourceVersion": "x"}});
        assert_eq!(code(Object::from_value(bad)), "invalid");
    }

    #[test]
    fn errors_display_their_code_key_and_detail() {
        let store = MemoryStore::new();
        let err = store
            .delete(&Key::new("Pod", "default", "a"), None)
            .unwrap_err();
        assert_eq!(err.to_string(), "not-found (Pod default/a)");
        let a = store.create(pod("a")).unwrap();
        let err = store.delete(a.key(), Some(rv(9))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "conflict (Pod default/a): the object is at resourceVersion 1, not 9"
        );
    }
}
