//! JSON Merge Patch (RFC 7396): patchlaw against the `json-patch` crate and
//! against physical bounds.
//!
//! Benchmarks are named `merge/<op>/<workload>/<impl>`:
//!
//! - `apply`: `patchlaw` ([`merge_patch::apply`], patch by reference),
//!   `patchlaw-owned` ([`merge_patch::apply_owned`], on a clone of the patch
//!   made outside the timing) and `json-patch` (`json_patch::merge`);
//! - `diff`: `patchlaw` ([`merge_patch::diff`]) against `bound-eq` (`==`
//!   between the source document and an equal copy: one full traversal, the
//!   least a diff that finds every change must do) and `bound-clone`
//!   (`Value::clone` of the source document). The `json-patch` crate has no
//!   merge-patch diff.
//!
//! Workloads (see `patchlaw_benches`): `deployment`, the ≈15 KB Deployment
//! and its typical edit, whose merge patch is ≈10 KB because RFC 7396
//! replaces the `containers` array whole; and `large`, the ≈2.4 MB snapshot
//! and its small edit (a 153-byte patch).
//!
//! On `deployment`, `apply` starts each iteration from a fresh clone of the
//! document, made outside the timing (`iter_batched`). On `large` a clone
//! costs thousands of times more than the apply, and criterion would need
//! millions of them; there every iteration applies the patch again to the
//! same document instead. That is the same work each time (RFC 7396
//! application is idempotent, and this patch only replaces scalars, which
//! every implementation here does without comparing old and new).
//!
//! Every iteration checks the result: after `apply`, the values at the
//! edit's pointers are the edited document's; a `diff` has the expected
//! members and values at those pointers; `bound-eq` is `true`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use patchlaw::{merge_patch, PointerBuf};
use serde_json::Value;

/// One document, its edited form, and the pointers the edit changes.
struct Workload {
    name: &'static str,
    doc: Value,
    edited: Value,
    patch: Value,
    /// The edit's pointers, with the value each has in `edited`.
    checks: Vec<(PointerBuf, Value)>,
}

impl Workload {
    fn new(name: &'static str, doc: Value, edited: Value, pointers: &[&str]) -> Workload {
        let patch = merge_patch::diff(&doc, &edited).expect("the edit is representable");
        let checks = pointers
            .iter()
            .map(|text| {
                let pointer = PointerBuf::parse(text).expect("valid pointer");
                let value = pointer.get(&edited).expect("the edit sets it").clone();
                (pointer, value)
            })
            .collect();
        let workload = Workload {
            name,
            doc,
            edited,
            patch,
            checks,
        };
        workload.check_outside_the_timing();
        workload
    }

    fn deployment() -> Workload {
        Workload::new(
            "deployment",
            patchlaw_benches::deployment(),
            patchlaw_benches::deployment_edited(),
            patchlaw_benches::DEPLOYMENT_EDITED_POINTERS,
        )
    }

    fn large() -> Workload {
        Workload::new(
            "large",
            patchlaw_benches::large_document(),
            patchlaw_benches::large_document_edited(),
            patchlaw_benches::LARGE_DOCUMENT_EDITED_POINTERS,
        )
    }

    /// The cheap check made inside the timed loop: the edit's values are
    /// where they should be in `value` (a patched document, or a patch, which
    /// reaches them by the same pointers).
    fn check(&self, value: &Value) {
        for (pointer, expected) in &self.checks {
            assert_eq!(pointer.get(value).ok(), Some(expected));
        }
    }

    /// The full check, made once: every implementation turns `doc` into
    /// exactly `edited`, including when applied twice.
    fn check_outside_the_timing(&self) {
        let mut ours = self.doc.clone();
        merge_patch::apply(&mut ours, &self.patch).expect("applies");
        assert_eq!(ours, self.edited);
        merge_patch::apply(&mut ours, &self.patch).expect("applies");
        assert_eq!(ours, self.edited);
        let mut owned = self.doc.clone();
        merge_patch::apply_owned(&mut owned, self.patch.clone()).expect("applies");
        assert_eq!(owned, self.edited);
        let mut theirs = self.doc.clone();
        json_patch::merge(&mut theirs, &self.patch);
        assert_eq!(theirs, self.edited);
        json_patch::merge(&mut theirs, &self.patch);
        assert_eq!(theirs, self.edited);
        self.check(&self.patch);
    }

    fn patch_members(&self) -> usize {
        self.patch.as_object().map_or(0, serde_json::Map::len)
    }
}

fn apply(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge/apply");

    let w = Workload::deployment();
    group.bench_function(format!("{}/patchlaw", w.name), |b| {
        b.iter_batched(
            || w.doc.clone(),
            |mut doc| {
                merge_patch::apply(&mut doc, black_box(&w.patch)).expect("applies");
                w.check(&doc);
                doc
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function(format!("{}/patchlaw-owned", w.name), |b| {
        b.iter_batched(
            || (w.doc.clone(), w.patch.clone()),
            |(mut doc, patch)| {
                merge_patch::apply_owned(&mut doc, black_box(patch)).expect("applies");
                w.check(&doc);
                doc
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function(format!("{}/json-patch", w.name), |b| {
        b.iter_batched(
            || w.doc.clone(),
            |mut doc| {
                json_patch::merge(&mut doc, black_box(&w.patch));
                w.check(&doc);
                doc
            },
            BatchSize::SmallInput,
        );
    });

    // In place, applied again and again (see the module docs).
    let w = Workload::large();
    let mut doc = w.edited.clone();
    group.bench_function(format!("{}/patchlaw", w.name), |b| {
        b.iter(|| {
            merge_patch::apply(black_box(&mut doc), black_box(&w.patch)).expect("applies");
            w.check(&doc);
        });
    });
    group.bench_function(format!("{}/patchlaw-owned", w.name), |b| {
        b.iter_batched(
            || w.patch.clone(),
            |patch| {
                merge_patch::apply_owned(black_box(&mut doc), black_box(patch)).expect("applies");
                w.check(&doc);
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function(format!("{}/json-patch", w.name), |b| {
        b.iter(|| {
            json_patch::merge(black_box(&mut doc), black_box(&w.patch));
            w.check(&doc);
        });
    });
    assert_eq!(doc, w.edited);
    group.finish();
}

fn diff(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge/diff");
    for w in [Workload::deployment(), Workload::large()] {
        let members = w.patch_members();
        group.bench_function(format!("{}/patchlaw", w.name), |b| {
            b.iter_with_large_drop(|| {
                let patch = merge_patch::diff(black_box(&w.doc), black_box(&w.edited))
                    .expect("representable");
                assert_eq!(patch.as_object().map(serde_json::Map::len), Some(members));
                w.check(&patch);
                patch
            });
        });

        let copy = w.doc.clone();
        group.bench_function(format!("{}/bound-eq", w.name), |b| {
            b.iter(|| assert!(black_box(&w.doc) == black_box(&copy)));
        });
        group.bench_function(format!("{}/bound-clone", w.name), |b| {
            b.iter_with_large_drop(|| {
                let clone = black_box(&w.doc).clone();
                assert!(clone.is_object());
                clone
            });
        });
    }
    group.finish();
}

criterion_group!(benches, apply, diff);
criterion_main!(benches);
