//! How Kubernetes compares and orders list elements, reproduced exactly.
//!
//! apimachinery's `strategicpatch` decodes JSON into Go `interface{}` values
//! and compares them with Go's `==`: an integer literal (`int64`) never
//! equals a fractional one (`float64`), even `1` and `1.0`. It orders merged
//! lists with `sort.SliceStable`, and the lists it diffs with `sort.Sort`,
//! under comparators that are not always consistent (or call equal
//! elements "less"), so the exact sorting algorithm shows in the result; and it
//! deduplicates primitive lists in place, in a backing array that can be
//! shared with the live list, so the live order it later sorts by depends
//! on Go's slice capacities. This module ports each of those pieces.

use std::collections::HashMap;

use serde_json::Value;

/// The Go type a JSON value decodes to (`k8s.io/apimachinery/pkg/util/json`
/// keeps integers as `int64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GoType {
    Nil,
    Bool,
    Int,
    Float,
    String,
    Map,
    Slice,
}

impl GoType {
    pub(crate) fn of(value: &Value) -> GoType {
        match value {
            Value::Null => GoType::Nil,
            Value::Bool(_) => GoType::Bool,
            // A literal without fraction or exponent that fits `int64` is an
            // integer; every other number (`1.0`, `1e2`, beyond 2⁶³) a float.
            Value::Number(n) if n.is_i64() => GoType::Int,
            Value::Number(_) => GoType::Float,
            Value::String(_) => GoType::String,
            Value::Object(_) => GoType::Map,
            Value::Array(_) => GoType::Slice,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            GoType::Nil => "null",
            GoType::Bool => "boolean",
            GoType::Int => "integer",
            GoType::Float => "non-integer number",
            GoType::String => "string",
            GoType::Map => "object",
            GoType::Slice => "array",
        }
    }
}

/// `sliceElementType`: the one Go type of every element of both lists, or
/// why there is none.
pub(crate) fn element_type(first: &[Value], second: &[Value]) -> Result<GoType, String> {
    let mut seen = None;
    for value in first.iter().chain(second) {
        let t = GoType::of(value);
        match seen {
            None if t == GoType::Slice => return Err("lists of lists are not supported".into()),
            // Kubernetes crashes on a null first element.
            None if t == GoType::Nil => return Err("a merged list cannot start with null".into()),
            None => seen = Some(t),
            Some(s) if s != t => {
                return Err(format!(
                    "list element types are not identical: {} and {}",
                    s.name(),
                    t.name()
                ))
            }
            Some(_) => {}
        }
    }
    seen.ok_or_else(|| "no elements in either list".into())
}

/// A scalar as Go's `==` sees it, hashable. Containers have no key: Go
/// panics when it compares two maps or two slices.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Nil,
    Bool(bool),
    Int(i64),
    /// The bits of the `float64`, with `-0` folded into `0` (equal in Go).
    Float(u64),
    String(Box<str>),
}

impl Key {
    /// The key of a scalar, `None` for an object or an array.
    pub(crate) fn of(value: &Value) -> Option<Key> {
        Some(match value {
            Value::Null => Key::Nil,
            Value::Bool(b) => Key::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) if n.is_i64() => Key::Int(i),
                _ => {
                    let f = n.as_f64().unwrap_or(f64::NAN);
                    Key::Float(if f == 0.0 { 0 } else { f.to_bits() })
                }
            },
            Value::String(s) => Key::String(s.as_str().into()),
            Value::Object(_) | Value::Array(_) => return None,
        })
    }
}

/// Whether two scalars are equal under Go's `==` on `interface{}`; objects
/// and arrays are never equal here (Go panics on them).
pub(crate) fn go_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(_), Value::Number(_)) => Key::of(a) == Key::of(b),
        _ => false,
    }
}

/// The capacity of a Go `[]interface{}` of `len` elements built by `append`
/// one element at a time from `make([]interface{}, 0)`, as encoding/json
/// (and sigs.k8s.io/json) builds decoded arrays: Go 1.22+ `growslice` with
/// its size classes and the 8-byte malloc header of pointerful objects over
/// 512 bytes.
pub(crate) fn decoded_capacity(len: usize) -> usize {
    let mut cap = 0usize;
    while cap < len {
        cap = grown_capacity(cap, cap + 1);
    }
    cap
}

fn grown_capacity(old_cap: usize, new_len: usize) -> usize {
    const ELEMENT: usize = 16; // an interface value
    const THRESHOLD: usize = 256;
    let double = old_cap * 2;
    let new_cap = if new_len > double {
        new_len
    } else if old_cap < THRESHOLD {
        double
    } else {
        let mut c = old_cap;
        while c < new_len {
            c += (c + 3 * THRESHOLD) >> 2;
        }
        c
    };
    round_up_size(new_cap * ELEMENT) / ELEMENT
}

/// Go's `roundupsize` for a pointerful object.
fn round_up_size(size: usize) -> usize {
    const CLASSES: [usize; 68] = [
        0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288,
        320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536,
        1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192,
        9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576,
        27264, 28672, 32768,
    ];
    const MALLOC_HEADER: usize = 8;
    const PAGE: usize = 8192;
    const MAX_SMALL: usize = 32768;
    if size > MAX_SMALL - MALLOC_HEADER {
        return size.div_ceil(PAGE) * PAGE;
    }
    let header = if size > 512 { MALLOC_HEADER } else { 0 };
    let request = size + header;
    CLASSES
        .iter()
        .find(|&&c| c >= request)
        .map_or(request, |&class| class - header)
}

/// `deduplicateScalars` on `items` (indices standing for values whose Go
/// keys are `keys[i]`): removes later duplicates by moving the last element
/// into their place. Returns the surviving length; the array keeps its
/// stale tail, which Kubernetes may still read through an aliased slice.
pub(crate) fn deduplicate(items: &mut [usize], keys: &[Key]) -> usize {
    if items.is_empty() {
        return 0;
    }
    let mut length = items.len() - 1;
    let mut i = 0;
    while i < length {
        let mut j = i + 1;
        while j <= length {
            if keys[items[i]] == keys[items[j]] {
                items[j] = items[length];
                length -= 1;
                // `j--` then the loop's `j++`: look at position j again.
                continue;
            }
            j += 1;
        }
        i += 1;
    }
    length + 1
}

/// Go's `sort.Sort` (pattern-defeating quicksort, Go 1.19 and later),
/// ported step for step: Kubernetes' diff sorts list elements with a
/// comparator that says "less" for equal texts (`sort.StringsAreSorted` of
/// the pair), and with such a comparator the place of equal elements
/// depends on the algorithm (insertion sort, which handles up to 12
/// elements, reverses them).
pub(crate) fn go_sort<T>(data: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    let n = data.len();
    if n <= 1 {
        return;
    }
    let limit = bit_length(n);
    pdqsort(data, 0, n, limit, &mut less);
}

/// Go's `bits.Len`: the number of bits needed to write `n`.
fn bit_length(n: usize) -> usize {
    (usize::BITS - n.leading_zeros()) as usize
}

#[derive(PartialEq)]
enum SortedHint {
    Unknown,
    Increasing,
    Decreasing,
}

fn pdqsort<T>(
    data: &mut [T],
    mut a: usize,
    mut b: usize,
    mut limit: usize,
    less: &mut impl FnMut(&T, &T) -> bool,
) {
    const MAX_INSERTION: usize = 12;
    let mut was_balanced = true;
    let mut was_partitioned = true;
    loop {
        let length = b - a;
        if length <= MAX_INSERTION {
            insertion_sort(data, a, b, less);
            return;
        }
        if limit == 0 {
            heap_sort(data, a, b, less);
            return;
        }
        if !was_balanced {
            break_patterns(data, a, b);
            limit -= 1;
        }
        let (mut pivot, mut hint) = choose_pivot(data, a, b, less);
        if hint == SortedHint::Decreasing {
            data[a..b].reverse();
            pivot = (b - 1) - (pivot - a);
            hint = SortedHint::Increasing;
        }
        if was_balanced
            && was_partitioned
            && hint == SortedHint::Increasing
            && partial_insertion_sort(data, a, b, less)
        {
            return;
        }
        if a > 0 && !less(&data[a - 1], &data[pivot]) {
            a = partition_equal(data, a, b, pivot, less);
            continue;
        }
        let (mid, already_partitioned) = partition(data, a, b, pivot, less);
        was_partitioned = already_partitioned;
        let (left, right) = (mid - a, b - mid);
        let balance_threshold = length / 8;
        if left < right {
            was_balanced = left >= balance_threshold;
            pdqsort(data, a, mid, limit, less);
            a = mid + 1;
        } else {
            was_balanced = right >= balance_threshold;
            pdqsort(data, mid + 1, b, limit, less);
            b = mid;
        }
    }
}

fn partition<T>(
    data: &mut [T],
    a: usize,
    b: usize,
    pivot: usize,
    less: &mut impl FnMut(&T, &T) -> bool,
) -> (usize, bool) {
    data.swap(a, pivot);
    // `i` and `j` are inclusive bounds of what is left to partition; `j`
    // may go one below `a + 1`, so it is kept one higher than Go's.
    let (mut i, mut j) = (a + 1, b);
    while i < j && less(&data[i], &data[a]) {
        i += 1;
    }
    while i < j && !less(&data[j - 1], &data[a]) {
        j -= 1;
    }
    if i >= j {
        data.swap(j - 1, a);
        return (j - 1, true);
    }
    data.swap(i, j - 1);
    i += 1;
    j -= 1;
    loop {
        while i < j && less(&data[i], &data[a]) {
            i += 1;
        }
        while i < j && !less(&data[j - 1], &data[a]) {
            j -= 1;
        }
        if i >= j {
            break;
        }
        data.swap(i, j - 1);
        i += 1;
        j -= 1;
    }
    data.swap(j - 1, a);
    (j - 1, false)
}

fn partition_equal<T>(
    data: &mut [T],
    a: usize,
    b: usize,
    pivot: usize,
    less: &mut impl FnMut(&T, &T) -> bool,
) -> usize {
    data.swap(a, pivot);
    // As in `partition`, `j` is one higher than Go's.
    let (mut i, mut j) = (a + 1, b);
    loop {
        while i < j && !less(&data[a], &data[i]) {
            i += 1;
        }
        while i < j && less(&data[a], &data[j - 1]) {
            j -= 1;
        }
        if i >= j {
            break;
        }
        data.swap(i, j - 1);
        i += 1;
        j -= 1;
    }
    i
}

fn partial_insertion_sort<T>(
    data: &mut [T],
    a: usize,
    b: usize,
    less: &mut impl FnMut(&T, &T) -> bool,
) -> bool {
    const MAX_STEPS: usize = 5;
    const SHORTEST_SHIFTING: usize = 50;
    let mut i = a + 1;
    for _ in 0..MAX_STEPS {
        while i < b && !less(&data[i], &data[i - 1]) {
            i += 1;
        }
        if i == b {
            return true;
        }
        if b - a < SHORTEST_SHIFTING {
            return false;
        }
        data.swap(i, i - 1);
        // Shift the smaller one to the left (Go's loop stops at index 1,
        // not at `a`).
        if i - a >= 2 {
            let mut j = i - 1;
            while j >= 1 {
                if !less(&data[j], &data[j - 1]) {
                    break;
                }
                data.swap(j, j - 1);
                j -= 1;
            }
        }
        // Shift the greater one to the right.
        if b - i >= 2 {
            let mut j = i + 1;
            while j < b {
                if !less(&data[j], &data[j - 1]) {
                    break;
                }
                data.swap(j, j - 1);
                j += 1;
            }
        }
    }
    false
}

fn break_patterns<T>(data: &mut [T], a: usize, b: usize) {
    let length = b - a;
    if length >= 8 {
        // Go's xorshift, seeded with the length.
        let mut random = length as u64;
        let modulus = 1usize << bit_length(length);
        let middle = a + (length / 4) * 2;
        for idx in middle - 1..=middle + 1 {
            random ^= random << 13;
            random ^= random >> 17;
            random ^= random << 5;
            let mut other = (random as usize) & (modulus - 1);
            if other >= length {
                other -= length;
            }
            data.swap(idx, a + other);
        }
    }
}

fn choose_pivot<T>(
    data: &mut [T],
    a: usize,
    b: usize,
    less: &mut impl FnMut(&T, &T) -> bool,
) -> (usize, SortedHint) {
    const SHORTEST_NINTHER: usize = 50;
    const MAX_SWAPS: usize = 4 * 3;
    let l = b - a;
    let mut swaps = 0;
    let mut i = a + l / 4;
    let mut j = a + l / 4 * 2;
    let mut k = a + l / 4 * 3;
    if l >= 8 {
        if l >= SHORTEST_NINTHER {
            i = median(data, i - 1, i, i + 1, &mut swaps, less);
            j = median(data, j - 1, j, j + 1, &mut swaps, less);
            k = median(data, k - 1, k, k + 1, &mut swaps, less);
        }
        j = median(data, i, j, k, &mut swaps, less);
    }
    let hint = match swaps {
        0 => SortedHint::Increasing,
        MAX_SWAPS => SortedHint::Decreasing,
        _ => SortedHint::Unknown,
    };
    (j, hint)
}

fn median<T>(
    data: &[T],
    a: usize,
    b: usize,
    c: usize,
    swaps: &mut usize,
    less: &mut impl FnMut(&T, &T) -> bool,
) -> usize {
    let mut order2 = |x: usize, y: usize| {
        if less(&data[y], &data[x]) {
            *swaps += 1;
            (y, x)
        } else {
            (x, y)
        }
    };
    let (a, b) = order2(a, b);
    let (b, _) = order2(b, c);
    let (_, b) = order2(a, b);
    b
}

fn heap_sort<T>(data: &mut [T], a: usize, b: usize, less: &mut impl FnMut(&T, &T) -> bool) {
    let first = a;
    let hi = b - a;
    for i in (0..=(hi.saturating_sub(1)) / 2).rev() {
        sift_down(data, i, hi, first, less);
    }
    for i in (0..hi).rev() {
        data.swap(first, first + i);
        sift_down(data, 0, i, first, less);
    }
}

fn sift_down<T>(
    data: &mut [T],
    lo: usize,
    hi: usize,
    first: usize,
    less: &mut impl FnMut(&T, &T) -> bool,
) {
    let mut root = lo;
    loop {
        let mut child = 2 * root + 1;
        if child >= hi {
            return;
        }
        if child + 1 < hi && less(&data[first + child], &data[first + child + 1]) {
            child += 1;
        }
        if !less(&data[first + root], &data[first + child]) {
            return;
        }
        data.swap(first + root, first + child);
        root = child;
    }
}

/// Go's `sort.SliceStable`: insertion sort on blocks of 20, then
/// `symMerge`. Ported step for step because Kubernetes' comparators are not
/// always consistent, which makes the result depend on the algorithm.
pub(crate) fn stable_sort<T>(data: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    let n = data.len();
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        insertion_sort(data, a, b, &mut less);
        a = b;
        b += block;
    }
    insertion_sort(data, a, n, &mut less);
    while block < n {
        a = 0;
        b = 2 * block;
        while b <= n {
            sym_merge(data, a, a + block, b, &mut less);
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            sym_merge(data, a, m, n, &mut less);
        }
        block *= 2;
    }
}

fn insertion_sort<T>(data: &mut [T], a: usize, b: usize, less: &mut impl FnMut(&T, &T) -> bool) {
    for i in a + 1..b {
        let mut j = i;
        while j > a && less(&data[j], &data[j - 1]) {
            data.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn sym_merge<T>(
    data: &mut [T],
    a: usize,
    m: usize,
    b: usize,
    less: &mut impl FnMut(&T, &T) -> bool,
) {
    if m - a == 1 {
        let (mut i, mut j) = (m, b);
        while i < j {
            let h = (i + j) / 2;
            if less(&data[h], &data[a]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        for k in a..i.saturating_sub(1) {
            data.swap(k, k + 1);
        }
        return;
    }
    if b - m == 1 {
        let (mut i, mut j) = (a, m);
        while i < j {
            let h = (i + j) / 2;
            if !less(&data[m], &data[h]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        let mut k = m;
        while k > i {
            data.swap(k, k - 1);
            k -= 1;
        }
        return;
    }
    let mid = (a + b) / 2;
    let n = mid + m;
    let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
    let p = n - 1;
    while start < r {
        let c = (start + r) / 2;
        if !less(&data[p - c], &data[c]) {
            start = c + 1;
        } else {
            r = c;
        }
    }
    let end = n - start;
    if start < m && m < end {
        rotate(data, start, m, end);
    }
    if a < start && start < mid {
        sym_merge(data, a, start, mid, less);
    }
    if mid < end && end < b {
        sym_merge(data, mid, end, b, less);
    }
}

fn rotate<T>(data: &mut [T], a: usize, m: usize, b: usize) {
    let mut i = m - a;
    let mut j = b - m;
    while i != j {
        if i > j {
            swap_range(data, m - i, m, j);
            i -= j;
        } else {
            swap_range(data, m - i, m + j - i, i);
            j -= i;
        }
    }
    swap_range(data, m - i, m, i);
}

fn swap_range<T>(data: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        data.swap(a + i, b + i);
    }
}

/// Where Kubernetes' `index` finds a key in a list: the first position
/// whose key is equal. Positions are looked up in a map for long lists.
pub(crate) struct Positions<'k> {
    keys: &'k [Key],
    map: Option<HashMap<&'k Key, usize>>,
}

impl<'k> Positions<'k> {
    pub(crate) fn new(keys: &'k [Key]) -> Positions<'k> {
        // A linear scan beats hashing for the short lists of real objects.
        let map = (keys.len() > 16).then(|| {
            let mut map = HashMap::with_capacity(keys.len());
            for (i, k) in keys.iter().enumerate() {
                map.entry(k).or_insert(i);
            }
            map
        });
        Positions { keys, map }
    }

    pub(crate) fn contains(&self, key: &Key) -> bool {
        self.of(key).is_some()
    }

    pub(crate) fn of(&self, key: &Key) -> Option<usize> {
        match &self.map {
            Some(map) => map.get(key).copied(),
            None => self.keys.iter().position(|k| k == key),
        }
    }
}

/// `normalizeElementOrder`: sorts the patch items by `patch_order` and the
/// server-only items by `server_order`, then merges the two. Items are
/// indices into `keys` (each item's Go key: the merge key's value for
/// objects, the value itself for primitives); `delete_marker[i]` says that
/// item `i` is an object carrying `$patch: delete` as data, which
/// Kubernetes moves behind the other items of its group.
pub(crate) fn normalize_element_order(
    patch_items: Vec<usize>,
    server_only: Vec<usize>,
    keys: &[Key],
    delete_marker: Option<&[bool]>,
    patch_order: &[Key],
    server_order: &[Key],
) -> Vec<usize> {
    let patch_positions = Positions::new(patch_order);
    let server_positions = Positions::new(server_order);
    let patch_items = normalize_slice_order(patch_items, keys, delete_marker, &patch_positions);
    let server_only = normalize_slice_order(server_only, keys, delete_marker, &server_positions);
    merge_sorted(&server_only, &patch_items, keys, &server_positions)
}

/// `normalizeSliceOrder`: a stable sort by position in `order`, whose
/// comparator answers "less" whenever either item is missing from `order`.
fn normalize_slice_order(
    items: Vec<usize>,
    keys: &[Key],
    delete_marker: Option<&[bool]>,
    order: &Positions<'_>,
) -> Vec<usize> {
    let (mut kept, deleted): (Vec<usize>, Vec<usize>) = match delete_marker {
        Some(marks) => items.into_iter().partition(|&i| !marks[i]),
        None => (items, Vec::new()),
    };
    // Kubernetes looks each position up on every comparison; the answers
    // depend only on the items, so they are looked up once.
    let mut position = vec![None; keys.len()];
    for &i in &kept {
        position[i] = order.of(&keys[i]);
    }
    stable_sort(&mut kept, |&x, &y| match (position[x], position[y]) {
        (Some(ix), Some(iy)) => ix < iy,
        _ => true,
    });
    kept.extend(deleted);
    kept
}

/// `mergeSortedSlice`: interleaves `left` (server-only items) into `right`
/// (patch items), taking from the left only when both are found in
/// `server_order` and the left one comes first.
fn merge_sorted(
    left: &[usize],
    right: &[usize],
    keys: &[Key],
    server_order: &Positions<'_>,
) -> Vec<usize> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut position = vec![None; keys.len()];
    for &item in left.iter().chain(right) {
        position[item] = server_order.of(&keys[item]);
    }
    let (mut i, mut j) = (0, 0);
    while i < left.len() || j < right.len() {
        if i >= left.len() {
            out.push(right[j]);
            j += 1;
        } else if j >= right.len() {
            out.push(left[i]);
            i += 1;
        } else {
            let (l, r) = (position[left[i]], position[right[j]]);
            if matches!((l, r), (Some(l), Some(r)) if l < r) {
                out.push(left[i]);
                i += 1;
            } else {
                out.push(right[j]);
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn capacities_follow_go_growth() {
        let expected = [
            (0, 0),
            (1, 1),
            (2, 2),
            (3, 4),
            (4, 4),
            (5, 8),
            (9, 16),
            (17, 32),
            (33, 71),
        ];
        for (len, cap) in expected {
            assert_eq!(decoded_capacity(len), cap, "len {len}");
        }
    }

    #[test]
    fn go_equality_separates_integers_and_floats() {
        assert!(go_equal(&json!(1), &json!(1)));
        assert!(!go_equal(&json!(1), &json!(1.0)));
        assert!(go_equal(&json!(-0.0), &json!(0.0)));
        assert!(!go_equal(&json!({}), &json!({})));
        assert!(go_equal(&json!(null), &json!(null)));
    }

    #[test]
    fn deduplicate_moves_the_last_element_forward() {
        let keys: Vec<Key> = ["a", "a", "b", "c"]
            .iter()
            .map(|s| Key::String((*s).into()))
            .collect();
        let mut items = [0, 1, 2, 3];
        let len = deduplicate(&mut items, &keys);
        assert_eq!(&items[..len], [0, 3, 2]);
    }

    /// The permutation `go_sort` leaves of `keys` (one letter each) with
    /// Kubernetes' comparator, which calls equal keys "less".
    fn go_permutation(keys: &str) -> Vec<usize> {
        let mut items: Vec<(char, usize)> = keys.chars().zip(0..).collect();
        go_sort(&mut items, |a, b| a.0 <= b.0);
        items.into_iter().map(|(_, i)| i).collect()
    }

    #[test]
    fn go_sort_orders_equal_keys_as_go_does() {
        // Both permutations were printed by Go's `sort.Sort` with this
        // comparator. Up to 12 elements, insertion sort: equal keys end up
        // reversed.
        assert_eq!(go_permutation("babaca"), [5, 3, 1, 2, 0, 4]);
        // 16 elements: pattern-defeating quicksort, through an unbalanced
        // partition and `breakPatterns`.
        assert_eq!(
            go_permutation("bcaacbcbbacacbab"),
            [9, 3, 2, 14, 11, 8, 0, 15, 13, 7, 5, 1, 4, 6, 10, 12]
        );
    }

    #[test]
    fn go_sort_sorts() {
        // A consistent order, many lengths and shapes (sorted, reversed,
        // few distinct values), through every branch of the quicksort.
        let mut state = 0x9e37_79b9_u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for length in 0..300 {
            for shape in 0..4 {
                let mut v: Vec<u64> = (0..length).map(|_| next(1 + length / 3)).collect();
                match shape {
                    1 => v.sort_unstable(),
                    2 => v.sort_unstable_by(|a, b| b.cmp(a)),
                    _ => {}
                }
                let mut expected = v.clone();
                expected.sort_unstable();
                go_sort(&mut v, |a, b| a < b);
                assert_eq!(v, expected, "length {length}, shape {shape}");
            }
        }
    }

    #[test]
    fn stable_sort_sorts_consistent_orders_stably() {
        let mut v: Vec<(u32, u32)> = (0..100).map(|i| ((i * 37) % 10, i)).collect();
        stable_sort(&mut v, |a, b| a.0 < b.0);
        let mut expected = v.clone();
        expected.sort_by_key(|p| p.0);
        assert_eq!(v, expected);
    }
}
