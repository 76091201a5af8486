//! Go's `sort.Sort`, ported step for step: pattern-defeating quicksort
//! (`pdqsort` and its helpers in `src/sort/zsortinterface.go`, the
//! algorithm since Go 1.19 and still in Go 1.23, with which kubectl v1.32
//! is built). Each function has Go's name; `partition` and
//! `partitionEqual` share their loop (`sweep`), which Go writes out in
//! each.
//!
//! Kubernetes' diff (`diffListsOfMaps`) sorts both versions of a merge list
//! by the `%v` text of their merge keys with `sort.Sort` and a comparator
//! that says "less" for equal texts (`sort.StringsAreSorted` of the pair).
//! Under such a comparator the place of equal elements depends on the
//! algorithm — insertion sort, which handles up to 12 elements, reverses
//! them; longer lists go through partitions and `breakPatterns`, whose
//! xorshift is seeded by the length — and with it which elements pair up
//! where a merge key repeats, and the order the patch lists them in.

/// Go's `sort.Sort(data)` with `less` as `data.Less`.
pub(crate) fn go_sort<T>(data: &mut [T], less: impl FnMut(&T, &T) -> bool) {
    let n = data.len();
    if n <= 1 {
        return;
    }
    let limit = bit_length(n);
    LessSwap { data, less }.pdqsort(0, n, limit);
}

/// Go's `bits.Len`: the number of bits needed to write `n`.
fn bit_length(n: usize) -> usize {
    (usize::BITS - n.leading_zeros()) as usize
}

/// The data being sorted with its order, addressed by index as Go's sort
/// functions address `data.Less(i, j)` and `data.Swap(i, j)` (Go's
/// `lessSwap`, or the `sort.Interface` of `sort.Sort`).
pub(super) struct LessSwap<'d, T, F> {
    pub(super) data: &'d mut [T],
    pub(super) less: F,
}

#[derive(PartialEq)]
enum SortedHint {
    Unknown,
    Increasing,
    Decreasing,
}

impl<T, F: FnMut(&T, &T) -> bool> LessSwap<'_, T, F> {
    pub(super) fn less(&mut self, i: usize, j: usize) -> bool {
        (self.less)(&self.data[i], &self.data[j])
    }

    pub(super) fn swap(&mut self, i: usize, j: usize) {
        self.data.swap(i, j);
    }

    /// `insertionSort`, and `insertionSort_func` of `sort.SliceStable`,
    /// which takes the same steps.
    pub(super) fn insertion_sort(&mut self, a: usize, b: usize) {
        for i in a + 1..b {
            let mut j = i;
            while j > a && self.less(j, j - 1) {
                self.swap(j, j - 1);
                j -= 1;
            }
        }
    }

    fn pdqsort(&mut self, mut a: usize, mut b: usize, mut limit: usize) {
        const MAX_INSERTION: usize = 12;
        let mut was_balanced = true;
        let mut was_partitioned = true;
        loop {
            let length = b - a;
            if length <= MAX_INSERTION {
                self.insertion_sort(a, b);
                return;
            }
            if limit == 0 {
                self.heap_sort(a, b);
                return;
            }
            if !was_balanced {
                self.break_patterns(a, b);
                limit -= 1;
            }
            let (mut pivot, mut hint) = self.choose_pivot(a, b);
            if hint == SortedHint::Decreasing {
                self.data[a..b].reverse();
                pivot = (b - 1) - (pivot - a);
                hint = SortedHint::Increasing;
            }
            if was_balanced
                && was_partitioned
                && hint == SortedHint::Increasing
                && self.partial_insertion_sort(a, b)
            {
                return;
            }
            if a > 0 && !self.less(a - 1, pivot) {
                a = self.partition_equal(a, b, pivot);
                continue;
            }
            let (mid, already_partitioned) = self.partition(a, b, pivot);
            was_partitioned = already_partitioned;
            let (left, right) = (mid - a, b - mid);
            let balance_threshold = length / 8;
            if left < right {
                was_balanced = left >= balance_threshold;
                self.pdqsort(a, mid, limit);
                a = mid + 1;
            } else {
                was_balanced = right >= balance_threshold;
                self.pdqsort(mid + 1, b, limit);
                b = mid;
            }
        }
    }

    /// `partition`: the elements less than the pivot to its left, the
    /// others to its right; says whether no element had to move.
    fn partition(&mut self, a: usize, b: usize, pivot: usize) -> (usize, bool) {
        self.swap(a, pivot);
        // Go writes the sweep's first round out, to return at once when
        // it swaps nothing: as here, where the sweep then swapped nothing.
        let (_, j, swapped) = self.sweep(a, b, |data, x| data.less(x, a));
        self.swap(j - 1, a);
        (j - 1, !swapped)
    }

    /// `partitionEqual`: the elements not greater than the pivot, which
    /// is not less than any of them, to the left.
    fn partition_equal(&mut self, a: usize, b: usize, pivot: usize) -> usize {
        self.swap(a, pivot);
        let (i, _, _) = self.sweep(a, b, |data, x| !data.less(a, x));
        i
    }

    /// The loop of `partition` and `partitionEqual`, which differ only in
    /// which elements go left of the pivot at `a`: `i` moves right over
    /// those that do, `j` left over those that do not, and a misplaced
    /// pair is swapped, until they meet. `i` and `j` are inclusive bounds
    /// of what is left to sweep, but `j` is kept one higher than Go's, as
    /// it may go one below `a + 1`. Returns both and whether any pair was
    /// swapped.
    fn sweep(
        &mut self,
        a: usize,
        b: usize,
        goes_left: impl Fn(&mut Self, usize) -> bool,
    ) -> (usize, usize, bool) {
        let (mut i, mut j) = (a + 1, b);
        let mut swapped = false;
        loop {
            while i < j && goes_left(self, i) {
                i += 1;
            }
            while i < j && !goes_left(self, j - 1) {
                j -= 1;
            }
            if i >= j {
                return (i, j, swapped);
            }
            self.swap(i, j - 1);
            swapped = true;
            i += 1;
            j -= 1;
        }
    }

    fn partial_insertion_sort(&mut self, a: usize, b: usize) -> bool {
        const MAX_STEPS: usize = 5;
        const SHORTEST_SHIFTING: usize = 50;
        let mut i = a + 1;
        for _ in 0..MAX_STEPS {
            while i < b && !self.less(i, i - 1) {
                i += 1;
            }
            if i == b {
                return true;
            }
            if b - a < SHORTEST_SHIFTING {
                return false;
            }
            self.swap(i, i - 1);
            // Shift the smaller one to the left (Go's loop stops at index 1,
            // not at `a`).
            if i - a >= 2 {
                let mut j = i - 1;
                while j >= 1 && self.less(j, j - 1) {
                    self.swap(j, j - 1);
                    j -= 1;
                }
            }
            // Shift the greater one to the right.
            if b - i >= 2 {
                let mut j = i + 1;
                while j < b && self.less(j, j - 1) {
                    self.swap(j, j - 1);
                    j += 1;
                }
            }
        }
        false
    }

    fn break_patterns(&mut self, a: usize, b: usize) {
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
                self.swap(idx, a + other);
            }
        }
    }

    fn choose_pivot(&mut self, a: usize, b: usize) -> (usize, SortedHint) {
        const SHORTEST_NINTHER: usize = 50;
        const MAX_SWAPS: usize = 4 * 3;
        let l = b - a;
        let mut swaps = 0;
        let mut i = a + l / 4;
        let mut j = a + l / 4 * 2;
        let mut k = a + l / 4 * 3;
        if l >= 8 {
            if l >= SHORTEST_NINTHER {
                // `medianAdjacent`.
                i = self.median(i - 1, i, i + 1, &mut swaps);
                j = self.median(j - 1, j, j + 1, &mut swaps);
                k = self.median(k - 1, k, k + 1, &mut swaps);
            }
            j = self.median(i, j, k, &mut swaps);
        }
        let hint = match swaps {
            0 => SortedHint::Increasing,
            MAX_SWAPS => SortedHint::Decreasing,
            _ => SortedHint::Unknown,
        };
        (j, hint)
    }

    fn median(&mut self, a: usize, b: usize, c: usize, swaps: &mut usize) -> usize {
        let (a, b) = self.order2(a, b, swaps);
        let (b, _) = self.order2(b, c, swaps);
        let (_, b) = self.order2(a, b, swaps);
        b
    }

    fn order2(&mut self, a: usize, b: usize, swaps: &mut usize) -> (usize, usize) {
        if self.less(b, a) {
            *swaps += 1;
            (b, a)
        } else {
            (a, b)
        }
    }

    fn heap_sort(&mut self, a: usize, b: usize) {
        let first = a;
        let hi = b - a;
        for i in (0..=(hi.saturating_sub(1)) / 2).rev() {
            self.sift_down(i, hi, first);
        }
        for i in (0..hi).rev() {
            self.swap(first, first + i);
            self.sift_down(0, i, first);
        }
    }

    fn sift_down(&mut self, lo: usize, hi: usize, first: usize) {
        let mut root = lo;
        loop {
            let mut child = 2 * root + 1;
            if child >= hi {
                return;
            }
            if child + 1 < hi && self.less(first + child, first + child + 1) {
                child += 1;
            }
            if !self.less(first + root, first + child) {
                return;
            }
            self.swap(first + root, first + child);
            root = child;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
