use serde_json::Value;

use super::*;

fn size(value: &Value) -> usize {
    serde_json::to_string(value).map(|s| s.len()).unwrap_or(0)
}

#[test]
fn deployment_is_about_15_kb() {
    let n = size(&deployment());
    assert!((12_000..=18_000).contains(&n), "{n} bytes");
}

#[test]
fn large_document_is_2_to_3_mb() {
    let n = size(&large_document());
    assert!((2_000_000..=3_000_000).contains(&n), "{n} bytes");
}

#[test]
fn long_array_has_n_items() {
    let items = long_array(10_000);
    assert_eq!(items.as_array().map(Vec::len), Some(10_000));
    let n = size(&items);
    assert!((500_000..=1_200_000).contains(&n), "{n} bytes");
}

#[test]
fn deep_document_has_the_depth_asked_for() {
    let limits = patchlaw::Limits::new();
    let doc = deep_document(100);
    assert!(limits.max_depth(100).check_depth(&doc).is_ok());
    assert!(limits.max_depth(99).check_depth(&doc).is_err());
    assert_eq!(deep_document(0), Value::Null);
}

#[test]
fn generators_are_deterministic() {
    assert_eq!(deployment(), deployment());
    assert_eq!(size(&large_document()), size(&large_document()));
    assert_eq!(long_array(100), long_array(100));
}

#[test]
fn edits_change_exactly_the_listed_pointers() {
    let cases = [
        (
            deployment(),
            deployment_edited(),
            DEPLOYMENT_EDITED_POINTERS,
        ),
        (
            large_document(),
            large_document_edited(),
            LARGE_DOCUMENT_EDITED_POINTERS,
        ),
    ];
    for (before, after, pointers) in &cases {
        assert_ne!(before, after);
        for pointer in *pointers {
            let changed = after.pointer(pointer).expect(pointer);
            assert_ne!(before.pointer(pointer), Some(changed), "{pointer}");
        }
        // The merge patch between the two reaches only the edited places.
        let patch = patchlaw::merge_patch::diff(before, after).expect("representable");
        let mut patched = before.clone();
        patchlaw::merge_patch::apply(&mut patched, &patch).expect("applies");
        assert_eq!(&patched, after);
    }
    let patch = patchlaw::merge_patch::diff(&large_document(), &large_document_edited())
        .expect("representable");
    assert!(size(&patch) < 200, "{patch}");
}

#[test]
fn edits_change_existing_values_only() {
    let keys = |doc: &Value| -> Vec<String> {
        doc["objects"]
            .as_object()
            .map(|objects| objects.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(keys(&large_document()), keys(&large_document_edited()));
    let (before, after) = (large_document(), large_document_edited());
    for pointer in LARGE_DOCUMENT_EDITED_POINTERS {
        assert!(before.pointer(pointer).is_some(), "{pointer}");
        assert!(after.pointer(pointer).is_some(), "{pointer}");
    }
    for pointer in &DEPLOYMENT_EDITED_POINTERS[..2] {
        assert!(deployment().pointer(pointer).is_some(), "{pointer}");
    }
}

/// The document with every scalar turned into `null`: what a patch that
/// only replaces scalars leaves unchanged.
fn shape(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(name, member)| (name.clone(), shape(member)))
                .collect(),
        ),
        _ => Value::Null,
    }
}

#[test]
fn json_patches_apply_cleanly_and_again_to_their_result() {
    let cases = [
        (deployment(), deployment_json_patch(1), 1),
        (deployment(), deployment_json_patch(100), 100),
        (large_document(), large_document_json_patch(1), 1),
        (large_document(), large_document_json_patch(100), 100),
    ];
    for (doc, text, operations) in &cases {
        let patch = patchlaw::json_patch::Patch::from_value(text).expect("a valid patch");
        assert_eq!(patch.len(), *operations);
        assert_eq!(patch[0].name(), "replace");
        let mut once = doc.clone();
        patch.apply(&mut once).expect("applies");
        assert_ne!(&once, doc);
        assert_eq!(shape(&once), shape(doc));
        let mut twice = once.clone();
        patch.apply(&mut twice).expect("applies to its own result");
        assert_eq!(twice, once);
    }
}

#[test]
fn mixed_json_patches_mix_the_operations() {
    for text in [deployment_json_patch(100), large_document_json_patch(100)] {
        let count = |op: &str| {
            text.as_array()
                .map_or(0, |ops| ops.iter().filter(|o| o["op"] == op).count())
        };
        let (replaces, tests, adds, removes) = (
            count("replace"),
            count("test"),
            count("add"),
            count("remove"),
        );
        assert_eq!(replaces + tests + adds + removes, 100);
        assert!(
            replaces >= 25 && tests >= 8 && adds >= 12,
            "{replaces} {tests} {adds}"
        );
        assert_eq!(adds, removes);
        // Both members and array elements are added.
        let adds_to = |end: fn(&str) -> bool| {
            text.as_array().is_some_and(|ops| {
                ops.iter().any(|o| {
                    o["op"] == "add"
                        && o["path"]
                            .as_str()
                            .and_then(|p| p.rsplit('/').next())
                            .is_some_and(end)
                })
            })
        };
        assert!(adds_to(|last| last == "-" || last.parse::<usize>().is_ok()));
        assert!(adds_to(|last| last.contains("example.com")));
    }
    let large = large_document_json_patch(100);
    let objects: std::collections::BTreeSet<&str> = large
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["path"].as_str()?.split('/').nth(2))
        .collect();
    assert!(
        objects.len() >= LARGE_DOCUMENT_JSON_PATCH_OBJECTS / 2,
        "{objects:?}"
    );
    assert_eq!(deployment_json_patch(100), deployment_json_patch(100));
}

#[test]
fn minimal_patches_turn_from_into_to() {
    for (name, edit) in diff_edits() {
        assert_ne!(edit.from, edit.to, "{name}");
        let patch = patchlaw::json_patch::Patch::from_value(&edit.minimal).expect(name);
        assert_eq!(patch.len(), edit.minimal_operations(), "{name}");
        let mut doc = edit.from.clone();
        patch.apply(&mut doc).expect(name);
        assert!(doc == edit.to, "{name}");
        // The peer agrees.
        let theirs: json_patch::Patch = serde_json::from_value(edit.minimal.clone()).expect(name);
        let mut doc = edit.from.clone();
        json_patch::patch(&mut doc, &theirs).expect(name);
        assert!(doc == edit.to, "{name}");
    }
}

fn leaves(value: &Value) -> usize {
    match value {
        Value::Array(items) => items.iter().map(leaves).sum(),
        Value::Object(members) => members.values().map(leaves).sum(),
        Value::Null => 0,
        _ => 1,
    }
}

#[test]
fn ten_percent_edit_changes_about_a_tenth_of_the_leaves() {
    let edit = large_document_10pct_edit();
    let (changed, total) = (edit.minimal_operations(), leaves(&edit.from));
    assert!(
        (total / 12..=total / 8).contains(&changed),
        "{changed} of {total}"
    );
    assert_eq!(leaves(&edit.to), total);
}

#[test]
fn sidecar_and_small_edits_are_one_or_few_operations() {
    assert_eq!(deployment_edit().minimal_operations(), 3);
    assert_eq!(deployment_sidecar_edit().minimal_operations(), 1);
    assert_eq!(large_document_edit().minimal_operations(), 2);
    assert_eq!(long_array_edit(10_000).minimal_operations(), 1);
    let deep = deep_document_edit(100);
    assert_eq!(deep.minimal_operations(), 1);
    let path = deep.minimal[0]["path"].as_str().unwrap_or_default();
    assert_eq!(path.matches('/').count(), 100);
}

#[test]
fn snapshots_grow_by_whole_deployments() {
    let small = snapshot(3);
    let larger = snapshot(5);
    for (key, object) in small["objects"].as_object().into_iter().flatten() {
        assert_eq!(larger["objects"].get(key), Some(object), "{key}");
    }
    assert_eq!(snapshot(LARGE_DOCUMENT_OBJECTS), large_document());
    let n = size(&snapshot(10));
    assert!((130_000..=160_000).contains(&n), "{n} bytes");
}

#[test]
fn snapshot_json_patches_apply_again_to_their_result() {
    let doc = snapshot(40);
    let patch = patchlaw::json_patch::Patch::from_value(&snapshot_json_patch(&doc, 100))
        .expect("a valid patch");
    let mut once = doc.clone();
    patch.apply(&mut once).expect("applies");
    let mut twice = once.clone();
    patch.apply(&mut twice).expect("applies again");
    assert_eq!(twice, once);
    assert_eq!(shape(&once), shape(&doc));
}

#[test]
fn long_pointer_names_a_plain_value() {
    let doc = deployment();
    let value = doc.pointer("/spec/template/spec/containers/2/env/7/value");
    assert!(value.is_some_and(Value::is_string));
}
