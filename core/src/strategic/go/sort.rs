//! Go's `sort.Sort`, ported step for step: pattern-defeating quicksort
//! (`pdqsort` and its helpers in `src/sort/zsortinterface.go`, the
//! algorithm since Go 1.19 and still in Go 1.23, with which kubectl v1.32
//! is built).
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

/// `insertionSort`, which `sort.Stable` uses too.
pub(super) fn insertion_sort<T>(
    data: &mut [T],
    a: usize,
    b: usize,
    less: &mut impl FnMut(&T, &T) -> bool,
) {
    for i in a + 1..b {
        let mut j = i;
        while j > a && less(&data[j], &data[j - 1]) {
            data.swap(j, j - 1);
            j -= 1;
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
