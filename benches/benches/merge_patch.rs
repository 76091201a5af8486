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
//!   merge-patch diff;
//! - `compose`: `patchlaw` ([`merge_patch::compose`] of two successive merge
//!   patches) against `bound-clone` (`Value::clone` of the composed patch:
//!   building the result, the least a composition does). Neither peer
//!   crate composes merge patches. Both drop their result inside the
//!   timing.
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
//! The documents, and the copy `bound-eq` compares with, are parsed from
//! their JSON text before timing
//! ([`reparsed`](patchlaw_benches::reparsed)), so that they lie in memory
//! alike.
//!
//! `compose` workloads: `deployment`, the typical edit's patch (with the
//! whole `containers` array) followed by a patch of an annotation, the
//! replica count and a template label; `large`, the small edit of one
//! Deployment followed by an edit of the same one and of another; `deep`,
//! two patches each changing a leaf at depth 100 of
//! [`deep_document`](patchlaw_benches::deep_document), so that both reach
//! down the same 99 objects.
//!
//! Every iteration checks the result: after `apply`, the values at the
//! edit's pointers are the edited document's; a `diff` has the expected
//! members and values at those pointers; a composition has the values of
//! both patches at their pointers (checked once, before timing, to have
//! the effect of the two patches applied in turn); `bound-eq` is `true`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use patchlaw::{merge_patch, PointerBuf};
use serde_json::{json, Value};

mod support;

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
        // As parsed, like the copy `bound-eq` compares with (see `reparsed`).
        let (doc, edited) = (
            patchlaw_benches::reparsed(&doc),
            patchlaw_benches::reparsed(&edited),
        );
        let patch = merge_patch::diff(&doc, &edited).expect("the edit is representable");
        let checks = patchlaw_benches::values_at(&edited, pointers);
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

        let copy = patchlaw_benches::reparsed(&w.doc);
        group.bench_function(format!("{}/bound-eq", w.name), |b| {
            b.iter(|| assert!(black_box(&w.doc) == black_box(&copy)));
        });
        support::bound_clone(&mut group, w.name, &w.doc);
    }
    group.finish();
}

/// Two merge patches applied in turn, their composition, and pointers
/// to values the composition must have.
struct Composition {
    name: &'static str,
    first: Value,
    second: Value,
    composed: Value,
    checks: Vec<(PointerBuf, Value)>,
}

impl Composition {
    /// `first` is the merge patch from `doc` to `middle`, `second` the one
    /// from `middle` to `last`.
    fn new(name: &'static str, doc: &Value, middle: &Value, last: &Value) -> Composition {
        let first = merge_patch::diff(doc, middle).expect("representable");
        let second = merge_patch::diff(middle, last).expect("representable");
        let composed = merge_patch::compose(&first, &second).expect("composable");
        // The full check, made once: the composition has the effect of the
        // two patches in turn, on the document they were made for.
        let mut once = doc.clone();
        merge_patch::apply(&mut once, &composed).expect("applies");
        assert_eq!(&once, last, "{name}");
        // The timed loop checks the deepest leaf of each patch.
        let checks = [&first, &second]
            .into_iter()
            .map(|patch| {
                let pointer = deepest_leaf(patch);
                let value = pointer.get(&composed).expect("in the composition").clone();
                (pointer, value)
            })
            .collect();
        Composition {
            name,
            first,
            second,
            composed,
            checks,
        }
    }

    fn deployment() -> Composition {
        let doc = patchlaw_benches::deployment();
        let middle = patchlaw_benches::deployment_edited();
        let mut last = middle.clone();
        last["metadata"]["annotations"]["example.com/change-cause"] = json!("canary for v1.28.0");
        last["spec"]["replicas"] = json!(6);
        last["spec"]["template"]["metadata"]["labels"]["track"] = json!("canary");
        Composition::new("deployment", &doc, &middle, &last)
    }

    fn large() -> Composition {
        let doc = patchlaw_benches::large_document();
        let middle = patchlaw_benches::large_document_edited();
        let mut last = middle.clone();
        let objects = &mut last["objects"];
        objects[patchlaw_benches::LARGE_DOCUMENT_EDITED_KEY]["spec"]["replicas"] = json!(9);
        let other = objects
            .get_mut("team-01/svc-001")
            .expect("the snapshot has this Deployment");
        other["spec"]["template"]["metadata"]["labels"]["track"] = json!("canary");
        Composition::new("large", &doc, &middle, &last)
    }

    fn deep() -> Composition {
        let depth = 100;
        let doc = patchlaw_benches::deep_document(depth);
        let middle = patchlaw_benches::deep_document_edit(depth).to;
        let mut last = middle.clone();
        let innermost = format!("{}/level", "/child".repeat(depth - 1));
        *last.pointer_mut(&innermost).expect("the innermost level") = json!(-1);
        Composition::new("deep", &doc, &middle, &last)
    }

    fn check(&self, composed: &Value) {
        for (pointer, expected) in &self.checks {
            assert_eq!(pointer.get(composed).ok(), Some(expected));
        }
    }
}

/// The pointer of the first deepest non-object value in `patch`.
fn deepest_leaf(patch: &Value) -> PointerBuf {
    fn walk(value: &Value, path: &mut Vec<String>, best: &mut Vec<String>) {
        match value {
            Value::Object(members) => {
                for (name, member) in members {
                    path.push(name.clone());
                    walk(member, path, best);
                    path.pop();
                }
            }
            _ if path.len() > best.len() => best.clone_from(path),
            _ => {}
        }
    }
    let mut best = Vec::new();
    walk(patch, &mut Vec::new(), &mut best);
    PointerBuf::from_tokens(best)
}

fn compose(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge/compose");
    // Built one at a time, the large one last, and this group runs first:
    // compose allocates and frees many small maps, and glibc's malloc
    // gets slow at that once earlier workloads have fragmented the heap
    // (an earlier compose, which cloned more, measured 4× slower on
    // `deployment` after the other groups' setup than on a fresh heap,
    // 42% of it in `_int_malloc`).
    let workloads: [fn() -> Composition; 3] = [
        Composition::deployment,
        Composition::deep,
        Composition::large,
    ];
    for make in workloads {
        let w = make();
        // Each result is dropped inside the timing, as a caller would.
        group.bench_function(format!("{}/patchlaw", w.name), |b| {
            b.iter(|| {
                let composed = merge_patch::compose(black_box(&w.first), black_box(&w.second))
                    .expect("composable");
                w.check(&composed);
                composed
            });
        });
        group.bench_function(format!("{}/bound-clone", w.name), |b| {
            b.iter(|| support::checked_clone(&w.composed));
        });
    }
    group.finish();
}

criterion_group!(benches, compose, apply, diff);
criterion_main!(benches);
