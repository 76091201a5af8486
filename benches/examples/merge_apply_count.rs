//! Merge patch apply on the Deployment workload of `merge/apply`, run a
//! fixed number of times for an instruction counter, which stays repeatable
//! on a loaded machine where wall-clock times do not:
//!
//! ```text
//! cargo build --release -p patchlaw-benches --example merge_apply_count
//! valgrind --tool=callgrind --toggle-collect='merge_apply_count::timed_*' \
//!     target/release/examples/merge_apply_count patchlaw 200
//! ```
//!
//! The first argument is `patchlaw` (`merge_patch::apply`), `patchlaw-owned`
//! (`merge_patch::apply_owned`) or `json-patch` (`json_patch::merge`), the
//! second the number of applications (default 200). A third argument
//! `unlike` first renames every member of the document's containers, so
//! that the `containers` array the patch sets shares no shape with the one
//! it replaces (the worst case for reusing its nodes). As in the criterion
//! benchmark, each one starts from a clone of the document and the owned
//! variant from a clone of the patch, both made outside the counted
//! function; the patched document is dropped outside it too, the owned
//! patch inside. `--toggle-collect` counts only the `timed_*` functions.

use std::hint::black_box;

use patchlaw::merge_patch;
use serde_json::Value;

mod command_line;

fn main() {
    let (which, times, mut args) = command_line::read("patchlaw");

    // The workload exactly as `benches/merge_patch.rs` builds it.
    let (doc, edited) = patchlaw_benches::reparsed_deployment_pair();
    let patch = merge_patch::diff(&doc, &edited).expect("the edit is representable");
    let doc = match args.next().as_deref() {
        None | Some("similar") => doc,
        Some("unlike") => unlike(doc),
        Some(other) => panic!("unknown variant {other:?}"),
    };

    for _ in 0..times {
        let mut target = doc.clone();
        match which.as_str() {
            "patchlaw" => timed_patchlaw(&mut target, &patch),
            "patchlaw-owned" => timed_patchlaw_owned(&mut target, patch.clone()),
            "json-patch" => timed_json_patch(&mut target, &patch),
            other => panic!("unknown implementation {other:?}"),
        }
        assert!(target == edited);
    }
}

#[inline(never)]
fn timed_patchlaw(doc: &mut Value, patch: &Value) {
    merge_patch::apply(black_box(doc), black_box(patch)).expect("applies");
}

#[inline(never)]
fn timed_patchlaw_owned(doc: &mut Value, patch: Value) {
    merge_patch::apply_owned(black_box(doc), black_box(patch)).expect("applies");
}

#[inline(never)]
fn timed_json_patch(doc: &mut Value, patch: &Value) {
    json_patch::merge(black_box(doc), black_box(patch));
}

/// `doc` with the members of each container renamed.
fn unlike(mut doc: Value) -> Value {
    let containers = doc
        .pointer_mut("/spec/template/spec/containers")
        .and_then(Value::as_array_mut)
        .expect("the Deployment has containers");
    for container in containers {
        let members = container.as_object_mut().expect("a container is an object");
        *members = std::mem::take(members)
            .into_iter()
            .map(|(name, value)| (format!("x-{name}"), value))
            .collect();
    }
    patchlaw_benches::reparsed(&doc)
}
