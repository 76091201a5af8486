//! JSON Patch (RFC 6902) apply and diff: patchlaw against the `json-patch`
//! crate and against physical bounds.
//!
//! # Apply
//!
//! Benchmarks are named `json_patch/apply-<operations>/<workload>/<impl>`:
//!
//! - `patchlaw`: [`Patch::apply`], pointers parsed when the patch was built,
//!   atomic through an undo log;
//! - `json-patch`: `json_patch::patch`, the peer, atomic too (it keeps an
//!   undo stack of operations);
//! - `bound-clone` (under `apply-100` only): `Value::clone` of the document,
//!   the price of the simplest way to make an apply atomic (copy first, patch
//!   the copy). Neither implementation pays it.
//!
//! Workloads (see `patchlaw_benches`): `deployment`, the ≈15 KB Deployment,
//! and `large`, the ≈2.4 MB snapshot of 170 Deployments. `apply-1` is one
//! `replace` of an environment variable's value, 7 tokens deep (9 in
//! `large`). `apply-100` is a mix of 100 operations: ≈40 `replace`s of
//! scalars deep in the document, ≈15 `test` guards, ≈22 `add`s of members and
//! array elements and as many `remove`s taking them out again (in `large`
//! spread over 10 of the Deployments).
//!
//! Every iteration applies the patch again to the same document, in place:
//! the patches are built so that they apply to their own result with the
//! same work (their `add`s are removed at the end, their `test`s look only
//! at values they never replace, and a `replace` does the same work whatever
//! it replaces). No clone of the document is made for an iteration; the
//! check below, made once before timing, shows both implementations give
//! the same document, and give it again when applied to it.
//!
//! Every iteration checks its result: the apply returned `Ok`, and the value
//! at the pointer of the last `replace` whose edit the rest of the patch
//! keeps is that operation's value.
//!
//! # Diff
//!
//! Benchmarks are named `json_patch/diff/<workload>/<impl>`:
//!
//! - `patchlaw`: [`json_patch::diff`](patchlaw::json_patch::diff) with the
//!   default options (no moves, no tests);
//! - `json-patch`: `json_patch::diff`, the peer (objects member by member,
//!   arrays compared index by index);
//! - `bound-eq`: `==` between the source document and an equal copy, one
//!   full traversal, the least a diff that finds every change must do;
//! - `bound-parse` (`large` only): `serde_json::from_str` of the source
//!   document's compact text, what it costs to have the document at all.
//!
//! Workloads ([`patchlaw_benches::diff_edits`]): `deployment` (replicas,
//! an image tag, an environment variable appended), `deployment-sidecar`
//! (a container inserted at `containers[0]`), `deep` (depth 100, the
//! innermost leaf changed), `long-array` (10,000 items, one inserted in the
//! middle), `large` (two values of one of the 170 Deployments changed) and
//! `large-10pct` (one leaf value in ten changed, ≈8,400 of them).
//!
//! The two documents and the bound's copy are parsed from their JSON text
//! before timing ([`patchlaw_benches::reparsed`]), so that all three lie
//! in memory as an application's documents would, and alike.
//!
//! Before timing, each diff is applied to the source and must give the
//! target, patchlaw's may not have more operations than the patch known by
//! construction (and has exactly one for `deployment-sidecar` and
//! `long-array`), and the sizes of the three patches are printed, one
//! `patch-size` line per workload: operations/bytes (compact JSON) of the
//! patch known by construction, of patchlaw's diff and of json-patch's.
//! Inside the timed loop each diff's number of operations and the paths of
//! its first and last operations are checked.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use patchlaw::json_patch::{self as jp, Operation, Patch};
use patchlaw::{Pointer, PointerBuf};
use patchlaw_benches::Edit;
use serde_json::Value;

mod support;

/// A document, a patch for it in both implementations' types, and what
/// the patch leaves.
struct Workload {
    name: &'static str,
    /// The document as the patch leaves it, which it leaves unchanged.
    patched: Value,
    ours: Patch,
    theirs: json_patch::Patch,
    /// The pointer and value of the patch's last `replace` that shows in
    /// `patched`.
    check: (PointerBuf, Value),
}

impl Workload {
    fn new(name: &'static str, doc: Value, patch: &Value, operations: usize) -> Workload {
        let ours = Patch::from_value(patch).expect("a valid patch");
        let theirs: json_patch::Patch =
            serde_json::from_value(patch.clone()).expect("a valid patch for json-patch");
        assert_eq!((ours.len(), theirs.len()), (operations, operations));
        // The full check, made once: both implementations give the same
        // document, a fixed point of the patch, different from the original.
        let mut patched = doc.clone();
        ours.apply(&mut patched).expect("applies");
        assert_ne!(patched, doc);
        let mut again = patched.clone();
        ours.apply(&mut again).expect("applies to its own result");
        assert_eq!(again, patched);
        let mut theirs_once = doc;
        json_patch::patch(&mut theirs_once, &theirs).expect("json-patch applies");
        assert_eq!(theirs_once, patched);
        json_patch::patch(&mut theirs_once, &theirs).expect("json-patch applies again");
        assert_eq!(theirs_once, patched);

        // A `replace` of an element the patch later removes, or whose index
        // later insertions shift, leaves no trace at its pointer: take the
        // last one that does.
        let check = ours
            .iter()
            .rev()
            .find_map(|operation| match operation {
                Operation::Replace { path, value } if path.get(&patched).ok() == Some(value) => {
                    Some((path.clone(), value.clone()))
                }
                _ => None,
            })
            .expect("the patch replaces something");

        let workload = Workload {
            name,
            patched,
            ours,
            theirs,
            check,
        };
        workload.check(&workload.patched);
        workload
    }

    /// `deployment` then `large`, each with its patch of `operations`
    /// operations, built in that order.
    fn all(operations: usize) -> [Workload; 2] {
        let generators: [Generators; 2] = [
            (
                "deployment",
                patchlaw_benches::deployment,
                patchlaw_benches::deployment_json_patch,
            ),
            (
                "large",
                patchlaw_benches::large_document,
                patchlaw_benches::large_document_json_patch,
            ),
        ];
        generators
            .map(|(name, doc, patch)| Workload::new(name, doc(), &patch(operations), operations))
    }

    /// The cheap check made inside the timed loop.
    fn check(&self, doc: &Value) {
        let (pointer, expected) = &self.check;
        assert_eq!(pointer.get(doc).ok(), Some(expected));
    }
}

/// A workload's name, the generator of its document and the generator of
/// its patch for a number of operations.
type Generators = (&'static str, fn() -> Value, fn(usize) -> Value);

fn apply(c: &mut Criterion) {
    for operations in [1, 100] {
        let mut group = c.benchmark_group(format!("json_patch/apply-{operations}"));
        // The small workload first: after the large clones, allocation
        // stays slower for a while (the deployment clone measured 4× slower
        // when it ran after them).
        for w in Workload::all(operations) {
            // In place, applied again and again (see the module docs).
            let mut doc = w.patched.clone();
            group.bench_function(format!("{}/patchlaw", w.name), |b| {
                b.iter(|| {
                    black_box(&w.ours)
                        .apply(black_box(&mut doc))
                        .expect("applies");
                    w.check(&doc);
                });
            });
            group.bench_function(format!("{}/json-patch", w.name), |b| {
                b.iter(|| {
                    json_patch::patch(black_box(&mut doc), black_box(&w.theirs)).expect("applies");
                    w.check(&doc);
                });
            });
            assert_eq!(doc, w.patched);

            if operations == 100 {
                support::bound_clone(&mut group, w.name, &w.patched);
            }
        }
        group.finish();
    }
}

/// A diff workload, with what each implementation's diff must look like.
struct DiffWorkload {
    name: &'static str,
    edit: Edit,
    ours: Shape<PointerBuf>,
    theirs: Shape<String>,
}

/// The number of operations of a patch, and the paths of its first and
/// last operations: what the timed loop checks.
#[derive(Debug, PartialEq)]
struct Shape<P> {
    operations: usize,
    first: P,
    last: P,
}

impl DiffWorkload {
    /// Diffs once with both implementations, checks both patches, and
    /// prints their sizes.
    fn new(name: &'static str, edit: Edit) -> DiffWorkload {
        // As parsed, like the bound's copy (see `reparsed`).
        let edit = Edit {
            from: patchlaw_benches::reparsed(&edit.from),
            to: patchlaw_benches::reparsed(&edit.to),
            minimal: edit.minimal,
        };
        let ours = jp::diff(&edit.from, &edit.to).expect("diffs");
        let theirs = json_patch::diff(&edit.from, &edit.to);
        let mut doc = edit.from.clone();
        ours.apply(&mut doc).expect("patchlaw's diff applies");
        assert!(doc == edit.to, "{name}: patchlaw's diff gives the target");
        let mut doc = edit.from.clone();
        json_patch::patch(&mut doc, &theirs).expect("json-patch's diff applies");
        assert!(doc == edit.to, "{name}: json-patch's diff gives the target");

        let minimal = edit.minimal_operations();
        assert!(ours.len() <= minimal, "{name}: {} > {minimal}", ours.len());
        if matches!(name, "deployment-sidecar" | "long-array") {
            assert_eq!(ours.len(), 1, "{name}: one operation");
        }
        // Bytes of the compact JSON serialization.
        let bytes = |text: Result<String, serde_json::Error>| text.map_or(0, |t| t.len());
        println!(
            "patch-size json_patch/diff/{name} minimal={minimal}/{} patchlaw={}/{} json-patch={}/{}",
            bytes(serde_json::to_string(&edit.minimal)),
            ours.len(),
            bytes(serde_json::to_string(&ours)),
            theirs.0.len(),
            bytes(serde_json::to_string(&theirs)),
        );

        let ours = Shape {
            operations: ours.len(),
            first: ours[0].path().to_buf(),
            last: ours[ours.len() - 1].path().to_buf(),
        };
        let theirs = Shape {
            operations: theirs.0.len(),
            first: theirs.0[0].path().as_str().to_owned(),
            last: theirs.0[theirs.0.len() - 1].path().as_str().to_owned(),
        };
        DiffWorkload {
            name,
            edit,
            ours,
            theirs,
        }
    }

    /// The cheap check made inside the timed loop on patchlaw's diff.
    fn check_ours(&self, patch: &Patch) {
        let expected = &self.ours;
        assert_eq!(patch.len(), expected.operations);
        let path = |i: usize| -> &Pointer { patch[i].path() };
        assert!(path(0) == expected.first.as_pointer());
        assert!(path(patch.len() - 1) == expected.last.as_pointer());
    }

    /// The same check on json-patch's diff.
    fn check_theirs(&self, patch: &json_patch::Patch) {
        let expected = &self.theirs;
        assert_eq!(patch.0.len(), expected.operations);
        assert_eq!(patch.0[0].path().as_str(), expected.first);
        assert_eq!(patch.0[patch.0.len() - 1].path().as_str(), expected.last);
    }
}

fn diff(c: &mut Criterion) {
    let mut group = c.benchmark_group("json_patch/diff");
    println!("patch sizes: operations/bytes of compact JSON");
    for (name, edit) in patchlaw_benches::diff_edits() {
        let w = DiffWorkload::new(name, edit);
        let (from, to) = (&w.edit.from, &w.edit.to);
        group.bench_function(format!("{}/patchlaw", w.name), |b| {
            b.iter_with_large_drop(|| {
                let patch = jp::diff(black_box(from), black_box(to)).expect("diffs");
                w.check_ours(&patch);
                patch
            });
        });
        group.bench_function(format!("{}/json-patch", w.name), |b| {
            b.iter_with_large_drop(|| {
                let patch = json_patch::diff(black_box(from), black_box(to));
                w.check_theirs(&patch);
                patch
            });
        });
        let copy = patchlaw_benches::reparsed(from);
        group.bench_function(format!("{}/bound-eq", w.name), |b| {
            b.iter(|| assert!(black_box(from) == black_box(&copy)));
        });
        if w.name == "large" {
            let text = serde_json::to_string(from).expect("serializes");
            let objects = from["objects"].as_object().map(serde_json::Map::len);
            group.bench_function(format!("{}/bound-parse", w.name), |b| {
                b.iter_with_large_drop(|| {
                    let doc: Value = serde_json::from_str(black_box(&text)).expect("parses");
                    assert_eq!(
                        doc["objects"].as_object().map(serde_json::Map::len),
                        objects
                    );
                    doc
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, apply, diff);
criterion_main!(benches);
