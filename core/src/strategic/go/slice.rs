//! Go slices: the capacity `append` gives a decoded array, and what edits
//! in place leave in a backing array that two slices share.
//!
//! Kubernetes merges into the live list's slice in place: `append` writes
//! into its backing array while there is room, `deduplicateScalars` and
//! the removal of deleted elements move elements within it. When
//! `$setElementOrder` then sorts the server-only elements by the live
//! list, it reads them through a slice that still shares that array, so
//! the order it finds — and the order of the stored list — depends on
//! whether the array had room, that is on the capacity Go chose when it
//! decoded the list. This file reproduces that capacity (`growslice` in
//! `src/runtime/slice.go` and `roundupsize` in `src/runtime/msize.go`,
//! with the size classes and malloc headers of Go 1.22 and later; kubectl
//! v1.32 is built with Go 1.23) and the array as the shared slice sees it.

use super::value::Key;

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

/// `deduplicateScalars` (apimachinery's `strategicpatch`) on `items`
/// (indices standing for values whose Go keys are `keys[i]`): removes
/// later duplicates by moving the last element into their place. Returns
/// the surviving length; the array keeps its stale tail, which Kubernetes
/// may still read through an aliased slice.
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

/// The live list's backing array as Kubernetes still sees it through the
/// slice it sorts server-only elements by: `$setElementOrder` reads the
/// live list after merging into it, and Go's `append` and in-place deletion
/// may have written into that same array. Each element stands for its Go
/// key.
pub(crate) struct View {
    keys: Vec<Key>,
    /// The length of the working slice while it still uses this array.
    len: usize,
    cap: usize,
    shared: bool,
}

impl View {
    /// A decoded list of these keys, and a working slice over all of it.
    pub(crate) fn new(keys: Vec<Key>) -> View {
        let len = keys.len();
        View {
            keys,
            len,
            cap: decoded_capacity(len),
            shared: true,
        }
    }

    /// The list as the slice that kept the original length reads it.
    pub(crate) fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// `append(s[:i], s[i+1:]...)`: the tail moves left in place.
    pub(crate) fn remove(&mut self, index: usize) {
        if self.shared && index < self.len {
            // The tail moves one place left; Go leaves the old last element
            // where it was.
            let end = self.len.min(self.keys.len());
            for i in index..end.saturating_sub(1) {
                self.keys[i] = self.keys[i + 1].clone();
            }
            self.len -= 1;
        }
    }

    /// `append(s, v)`: written into the array while it has room.
    pub(crate) fn push(&mut self, key: Key) {
        if !self.shared {
            return;
        }
        if self.len < self.cap {
            if self.len < self.keys.len() {
                self.keys[self.len] = key;
            }
            self.len += 1;
        } else {
            self.shared = false;
        }
    }

    /// The working slice was rearranged in place so that the array's
    /// first elements now read `keys`: seen here while it still uses this
    /// array.
    pub(crate) fn rearranged(&mut self, keys: Vec<Key>) {
        if self.shared {
            self.keys = keys;
        }
    }

    /// The working slice was replaced by a new one: later edits no longer
    /// reach this array.
    pub(crate) fn detach(&mut self) {
        self.shared = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn deduplicate_moves_the_last_element_forward() {
        let keys: Vec<Key> = ["a", "a", "b", "c"]
            .iter()
            .map(|s| Key::String((*s).into()))
            .collect();
        let mut items = [0, 1, 2, 3];
        let len = deduplicate(&mut items, &keys);
        assert_eq!(&items[..len], [0, 3, 2]);
    }

    #[test]
    fn a_push_within_capacity_writes_into_the_shared_array() {
        let key = |s: &str| Key::String(s.into());
        // Three elements decode with capacity 4: after a removal two
        // appends fit, the third moves the working slice to a new array.
        let mut view = View::new(vec![key("a"), key("b"), key("c")]);
        view.remove(0);
        assert_eq!(view.keys(), [key("b"), key("c"), key("c")]);
        view.push(key("d"));
        assert_eq!(view.keys(), [key("b"), key("c"), key("d")]);
        view.push(key("e"));
        view.push(key("f"));
        view.rearranged(vec![key("x")]);
        assert_eq!(view.keys(), [key("b"), key("c"), key("d")]);
    }
}
