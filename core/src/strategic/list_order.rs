//! The order Kubernetes gives a merged list (`normalizeElementOrder` of
//! apimachinery's `strategicpatch`, Kubernetes v1.32): the patch's items
//! in the patch's order, the server-only items in the live order, merged.
//!
//! Items are compared by their Go keys, and sorted with Go's
//! `sort.SliceStable` under Kubernetes' comparator, which is not always a
//! consistent order, so the result depends on that algorithm: both come
//! from [`go`](super::go).

use std::collections::HashMap;

use super::go::{stable_sort, Key};

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
