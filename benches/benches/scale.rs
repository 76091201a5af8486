//! Scale: time and peak memory of merge patch and JSON Patch on snapshots
//! of ≈2.4 MB, ≈24 MB and ≈240 MB, patchlaw against the `json-patch` crate.
//!
//! Not a criterion benchmark, and off by default so that CI's
//! `cargo bench -- --test` stays fast:
//!
//! ```text
//! PATCHLAW_SCALE=1    cargo bench -p patchlaw-benches --bench scale   # 2.4 and 24 MB
//! PATCHLAW_SCALE=full cargo bench -p patchlaw-benches --bench scale   # and 240 MB
//! ```
//!
//! The documents are [`snapshot`]s of 170, 1,700 and 17,000 Deployments
//! (the first is the criterion suite's `large`), each with the small edit
//! of [`edit_snapshot`] (two values of one Deployment). For each size the
//! binary measures, patchlaw against json-patch where the crate has the
//! operation:
//!
//! - `bound-eq` (`==` between the document and an equal copy) and
//!   `bound-parse` (`serde_json::from_str` of its compact text);
//! - `merge/diff` and `merge/apply` (in place, the patch by reference;
//!   `patchlaw-owned` moves a clone of the patch, made outside the timing);
//! - `json_patch/diff`;
//! - `json_patch/apply-1` and `apply-100` ([`snapshot_json_patch`], applied
//!   again and again in place, as in the criterion suite).
//!
//! The documents are parsed from their compact JSON text, as an
//! application would have them, so that they and the copy `bound-eq`
//! compares with lie in memory alike (see
//! [`reparsed`](patchlaw_benches::reparsed)).
//!
//! Time is the median of several repetitions (11 at 2.4 MB, 7 at 24 MB,
//! 3 at 240 MB); a repetition of an operation faster than 20 ms runs it
//! in a loop for at least 20 ms, and there are at least 21 of those.
//! Memory comes from a counting global allocator: `peak` is the most
//! bytes the operation had allocated at once beyond what was live when it
//! started (its output included, its input excluded). The input column is
//! the heap of the values the operation reads (both documents for a diff),
//! as the same allocator counted them when they were built. Every
//! operation's result is checked once, outside the timing.
//!
//! [`snapshot`]: patchlaw_benches::snapshot
//! [`edit_snapshot`]: patchlaw_benches::edit_snapshot
//! [`snapshot_json_patch`]: patchlaw_benches::snapshot_json_patch

// The counting allocator is the only unsafe code: it forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use patchlaw::json_patch::{self as jp, Patch};
use patchlaw::merge_patch;
use serde_json::Value;

fn main() {
    let sizes: &[usize] = match std::env::var("PATCHLAW_SCALE").as_deref() {
        Ok("full") => &[170, 1_700, 17_000],
        Ok(v) if !v.is_empty() && v != "0" => &[170, 1_700],
        _ => {
            println!("scale: skipped (PATCHLAW_SCALE=1 for 2.4 and 24 MB, PATCHLAW_SCALE=full for 240 MB too)");
            return;
        }
    };
    let mut rows = Vec::new();
    for &objects in sizes {
        rows.extend(measure_size(objects));
    }
    print_table(&rows);
}

/// One line of the table.
struct Row {
    objects: usize,
    json_bytes: usize,
    op: &'static str,
    implementation: &'static str,
    time: Duration,
    input_heap: usize,
    peak: usize,
}

fn measure_size(objects: usize) -> Vec<Row> {
    eprintln!("scale: generating {objects} Deployments");
    // The documents are parsed from their text, as an application would
    // have them, and so lie in memory alike (see `reparsed`).
    let mut generated = patchlaw_benches::snapshot(objects);
    let text = serde_json::to_string(&generated).expect("serializes");
    patchlaw_benches::edit_snapshot(&mut generated);
    let edited_text = serde_json::to_string(&generated).expect("serializes");
    drop(generated);
    let parse = |text: &str| -> Value { serde_json::from_str(text).expect("parses") };
    let (from, from_heap) = counted(|| parse(&text));
    let (mut to, to_heap) = counted(|| parse(&edited_text));
    drop(edited_text);
    let json_bytes = text.len();
    let reps = match objects {
        0..=999 => 11,
        1_000..=9_999 => 7,
        _ => 3,
    };
    eprintln!(
        "scale: {objects} Deployments, {:.1} MB of JSON, {:.1} MB of heap per copy, {reps} repetitions",
        json_bytes as f64 / 1e6,
        from_heap as f64 / 1e6
    );
    let mut rows = Vec::new();
    let mut row = |op, implementation, input_heap, (time, peak)| {
        eprintln!("scale:   {op} {implementation}: {time:.2?}");
        rows.push(Row {
            objects,
            json_bytes,
            op,
            implementation,
            time,
            input_heap,
            peak,
        });
    };
    let both = from_heap + to_heap;

    // Bounds.
    {
        let copy = parse(&text);
        let m = measure(reps, || assert!(black_box(&from) == black_box(&copy)));
        row("bound-eq", "serde_json", both, m);
    }
    let m = measure(reps, || {
        let doc = parse(black_box(&text));
        assert!(doc.is_object());
        doc
    });
    row("bound-parse", "serde_json", json_bytes, m);
    drop(text);

    // Merge patch diff (no peer) and JSON Patch diff.
    let merge = merge_patch::diff(&from, &to).expect("representable");
    let mut check = from.clone();
    merge_patch::apply(&mut check, &merge).expect("applies");
    assert!(check == to);
    drop(check);
    let m = measure(reps, || {
        let patch = merge_patch::diff(black_box(&from), black_box(&to)).expect("representable");
        assert!(patch == merge);
        patch
    });
    row("merge/diff", "patchlaw", both, m);

    let ours = jp::diff(&from, &to).expect("diffs");
    let theirs = json_patch::diff(&from, &to);
    assert_eq!((ours.len(), theirs.0.len()), (2, 2));
    let m = measure(reps, || {
        let patch = jp::diff(black_box(&from), black_box(&to)).expect("diffs");
        assert_eq!(patch.len(), 2);
        patch
    });
    row("json_patch/diff", "patchlaw", both, m);
    let m = measure(reps, || {
        let patch = json_patch::diff(black_box(&from), black_box(&to));
        assert_eq!(patch.0.len(), 2);
        patch
    });
    row("json_patch/diff", "json-patch", both, m);

    // Merge patch apply, in place on `to`, which the patch leaves as it is
    // (the same work every time: it only replaces scalars).
    let replicas = patchlaw_benches::LARGE_DOCUMENT_EDITED_POINTERS[0];
    let expected = to.pointer(replicas).cloned();
    let m = measure(reps, || {
        merge_patch::apply(black_box(&mut to), black_box(&merge)).expect("applies");
        assert!(to.pointer(replicas) == expected.as_ref());
    });
    row("merge/apply", "patchlaw", to_heap, m);
    let m = measure_with_input(
        reps,
        || merge.clone(),
        |patch| {
            merge_patch::apply_owned(black_box(&mut to), black_box(patch)).expect("applies");
            assert!(to.pointer(replicas) == expected.as_ref());
        },
    );
    row("merge/apply", "patchlaw-owned", to_heap, m);
    let m = measure(reps, || {
        json_patch::merge(black_box(&mut to), black_box(&merge));
        assert!(to.pointer(replicas) == expected.as_ref());
    });
    row("merge/apply", "json-patch", to_heap, m);
    assert!(to != from);

    // JSON Patch apply, in place on `to` (the patches touch ten other
    // Deployments, or the edited one only where the edit did not).
    for (op, operations) in [("json_patch/apply-1", 1), ("json_patch/apply-100", 100)] {
        let text = patchlaw_benches::snapshot_json_patch(&from, operations);
        let ours = Patch::from_value(&text).expect("a valid patch");
        let theirs: json_patch::Patch = serde_json::from_value(text).expect("a valid patch");
        let mut once = to.clone();
        ours.apply(&mut once).expect("applies");
        json_patch::patch(&mut to, &theirs).expect("json-patch applies");
        assert!(once == to);
        drop(once);
        // The last replace's value is where it put it.
        let (path, value) = ours
            .iter()
            .rev()
            .find_map(|operation| match operation {
                jp::Operation::Replace { path, value } if path.get(&to).ok() == Some(value) => {
                    Some((path.clone(), value.clone()))
                }
                _ => None,
            })
            .expect("the patch replaces something");
        let m = measure(reps, || {
            ours.apply(black_box(&mut to)).expect("applies");
            assert!(path.get(&to).ok() == Some(&value));
        });
        row(op, "patchlaw", to_heap, m);
        let m = measure(reps, || {
            json_patch::patch(black_box(&mut to), black_box(&theirs)).expect("applies");
            assert!(path.get(&to).ok() == Some(&value));
        });
        row(op, "json-patch", to_heap, m);
    }
    rows
}

/// The median time of `f` over `reps` repetitions, and its peak memory
/// (measured on a first, untimed call).
fn measure<R>(reps: usize, mut f: impl FnMut() -> R) -> (Duration, usize) {
    measure_with_input(reps, || (), |()| f())
}

/// As [`measure`], each call of `f` taking an input made by `setup`
/// outside the timing and the memory count.
fn measure_with_input<I, R>(
    reps: usize,
    mut setup: impl FnMut() -> I,
    mut f: impl FnMut(I) -> R,
) -> (Duration, usize) {
    let input = setup();
    let start = Instant::now();
    let peak = peak_of(|| f(input));
    let first = start.elapsed();
    // Fast operations run in a loop long enough for the clock.
    let batch = if first >= Duration::from_millis(20) {
        1
    } else {
        (Duration::from_millis(20).as_nanos() / first.as_nanos().max(1)).clamp(1, 1 << 20) as usize
    };
    // Fast operations are cheap to repeat, and noisier.
    let reps = if batch > 1 { reps.max(21) } else { reps };
    let mut times: Vec<Duration> = (0..reps)
        .map(|_| {
            let inputs: Vec<I> = (0..batch).map(|_| setup()).collect();
            let mut outputs = Vec::with_capacity(batch);
            let start = Instant::now();
            for input in inputs {
                outputs.push(f(input));
            }
            let elapsed = start.elapsed();
            drop(outputs);
            elapsed / batch as u32
        })
        .collect();
    times.sort_unstable();
    (times[times.len() / 2], peak)
}

/// The most bytes allocated at once while `f` ran, beyond those live when
/// it started; its result is dropped after the count.
fn peak_of<R>(f: impl FnOnce() -> R) -> usize {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = f();
    let peak = PEAK.load(Ordering::Relaxed);
    drop(result);
    peak.saturating_sub(before)
}

/// `make()` and the heap bytes its result holds (live after it returns).
fn counted<T>(make: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let value = make();
    (value, LIVE.load(Ordering::Relaxed).saturating_sub(before))
}

fn print_table(rows: &[Row]) {
    println!();
    println!("| Deployments | JSON | operation | impl | median | per MB of JSON | × smallest | input heap | peak extra | peak / input | vs json-patch | vs bound-eq |");
    println!("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let same = |op: &str, implementation: &str| {
            rows.iter()
                .find(|r| {
                    r.objects == row.objects && r.op == op && r.implementation == implementation
                })
                .map(|r| r.time)
        };
        let ratio = |other: Option<Duration>| match other {
            Some(other) if row.implementation.starts_with("patchlaw") => {
                format!("{:.2}×", row.time.as_secs_f64() / other.as_secs_f64())
            }
            _ => String::new(),
        };
        let vs_peer = ratio(same(row.op, "json-patch"));
        let vs_eq = if row.op.ends_with("/diff") {
            let eq = same("bound-eq", "serde_json").map_or(f64::NAN, |t| t.as_secs_f64());
            format!("{:.2}×", row.time.as_secs_f64() / eq)
        } else {
            String::new()
        };
        let mb = row.json_bytes as f64 / 1e6;
        let smallest = rows
            .iter()
            .find(|r| r.op == row.op && r.implementation == row.implementation)
            .map_or(f64::NAN, |r| r.time.as_secs_f64());
        println!(
            "| {} | {:.1} MB | `{}` | {} | {} | {} | {:.2}× | {} | {} | {:.3} | {} | {} |",
            row.objects,
            mb,
            row.op,
            row.implementation,
            human(row.time),
            human(row.time.div_f64(mb)),
            row.time.as_secs_f64() / smallest,
            bytes(row.input_heap),
            bytes(row.peak),
            (row.input_heap + row.peak) as f64 / row.input_heap.max(1) as f64,
            vs_peer,
            vs_eq,
        );
    }
}

fn human(time: Duration) -> String {
    let ns = time.as_secs_f64() * 1e9;
    match ns {
        _ if ns < 1e3 => format!("{ns:.0} ns"),
        _ if ns < 1e6 => format!("{:.1} µs", ns / 1e3),
        _ if ns < 1e9 => format!("{:.2} ms", ns / 1e6),
        _ => format!("{:.2} s", ns / 1e9),
    }
}

fn bytes(n: usize) -> String {
    match n {
        _ if n < 10_000 => format!("{n} B"),
        _ if n < 10_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

/// Bytes allocated and not yet freed.
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// The most of `LIVE` since [`peak_of`] last reset it.
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting.
struct Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn grew(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn shrank(size: usize) {
    LIVE.fetch_sub(size, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments,
// which meet `System`'s contract because they meet `GlobalAlloc`'s; the
// counting around it touches only atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl).
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl).
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged (see the impl).
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged (see the impl).
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        new
    }
}
