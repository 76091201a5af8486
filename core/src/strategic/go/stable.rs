//! Go's `sort.SliceStable`, ported step for step: insertion sort on
//! blocks of 20, then `symMerge` (`stable_func`, `insertionSort_func`,
//! `symMerge_func` and `rotate_func` in `src/sort/zsortfunc.go` of Go
//! 1.23, with which kubectl v1.32 is built).
//!
//! Kubernetes orders merged lists (`normalizeSliceOrder`) with
//! `sort.SliceStable` under a comparator that answers "less" whenever
//! either element is missing from the order it sorts by, which is not a
//! consistent order: the result then depends on the exact algorithm, and
//! it is the order of the list the API server stores.

use super::sort::LessSwap;

/// Go's `sort.SliceStable(data, less)`, with `less` comparing elements
/// rather than indices.
pub(crate) fn stable_sort<T>(data: &mut [T], less: impl FnMut(&T, &T) -> bool) {
    let n = data.len();
    let mut data = LessSwap { data, less };
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        data.insertion_sort(a, b);
        a = b;
        b += block;
    }
    data.insertion_sort(a, n);
    while block < n {
        a = 0;
        b = 2 * block;
        while b <= n {
            data.sym_merge(a, a + block, b);
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            data.sym_merge(a, m, n);
        }
        block *= 2;
    }
}

impl<T, F: FnMut(&T, &T) -> bool> LessSwap<'_, T, F> {
    /// `symMerge`: merges the sorted runs `a..m` and `m..b` in place.
    fn sym_merge(&mut self, a: usize, m: usize, b: usize) {
        if m - a == 1 {
            let i = self.search(m, b, |data, h| data.less(h, a));
            for k in a..i.saturating_sub(1) {
                self.swap(k, k + 1);
            }
            return;
        }
        if b - m == 1 {
            let i = self.search(a, m, |data, h| !data.less(m, h));
            let mut k = m;
            while k > i {
                self.swap(k, k - 1);
                k -= 1;
            }
            return;
        }
        let mid = (a + b) / 2;
        let n = mid + m;
        let (start, r) = if m > mid { (n - b, mid) } else { (a, m) };
        let p = n - 1;
        let start = self.search(start, r, |data, c| !data.less(p - c, c));
        let end = n - start;
        if start < m && m < end {
            self.rotate(start, m, end);
        }
        if a < start && start < mid {
            self.sym_merge(a, start, mid);
        }
        if mid < end && end < b {
            self.sym_merge(mid, end, b);
        }
    }

    /// The bisection `symMerge` writes out three times: the first index
    /// of `i..j` at which `before` is false, probing midpoints as Go does
    /// (with an inconsistent order `before` need not change only once).
    fn search(
        &mut self,
        mut i: usize,
        mut j: usize,
        before: impl Fn(&mut Self, usize) -> bool,
    ) -> usize {
        while i < j {
            let h = (i + j) / 2;
            if before(self, h) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        i
    }

    /// `rotate`: swaps the blocks `a..m` and `m..b`.
    fn rotate(&mut self, a: usize, m: usize, b: usize) {
        let mut i = m - a;
        let mut j = b - m;
        while i != j {
            if i > j {
                self.swap_range(m - i, m, j);
                i -= j;
            } else {
                self.swap_range(m - i, m + j - i, i);
                j -= i;
            }
        }
        self.swap_range(m - i, m, i);
    }

    fn swap_range(&mut self, a: usize, b: usize, n: usize) {
        for i in 0..n {
            self.swap(a + i, b + i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_sort_sorts_consistent_orders_stably() {
        let mut v: Vec<(u32, u32)> = (0..100).map(|i| ((i * 37) % 10, i)).collect();
        stable_sort(&mut v, |a, b| a.0 < b.0);
        let mut expected = v.clone();
        expected.sort_by_key(|p| p.0);
        assert_eq!(v, expected);
    }
}
