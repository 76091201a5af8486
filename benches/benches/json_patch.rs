//! JSON Patch (RFC 6902) apply: patchlaw against the `json-patch` crate and
//! against a physical bound.
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

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use patchlaw::json_patch::{Operation, Patch};
use patchlaw::PointerBuf;
use serde_json::Value;

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

    fn deployment(operations: usize) -> Workload {
        Workload::new(
            "deployment",
            patchlaw_benches::deployment(),
            &patchlaw_benches::deployment_json_patch(operations),
            operations,
        )
    }

    fn large(operations: usize) -> Workload {
        Workload::new(
            "large",
            patchlaw_benches::large_document(),
            &patchlaw_benches::large_document_json_patch(operations),
            operations,
        )
    }

    /// The cheap check made inside the timed loop.
    fn check(&self, doc: &Value) {
        let (pointer, expected) = &self.check;
        assert_eq!(pointer.get(doc).ok(), Some(expected));
    }
}

fn apply(c: &mut Criterion) {
    for operations in [1, 100] {
        let mut group = c.benchmark_group(format!("json_patch/apply-{operations}"));
        // The small workload first: after the large clones, allocation
        // stays slower for a while (the deployment clone measured 4× slower
        // when it ran after them).
        for w in [
            Workload::deployment(operations),
            Workload::large(operations),
        ] {
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
                group.bench_function(format!("{}/bound-clone", w.name), |b| {
                    b.iter_with_large_drop(|| {
                        let clone = black_box(&w.patched).clone();
                        assert!(clone.is_object());
                        clone
                    });
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, apply);
criterion_main!(benches);
