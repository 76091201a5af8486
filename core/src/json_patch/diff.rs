//! Computing a JSON Patch from one document to another.
//!
//! Objects are walked in one pass over both maps; arrays lose their common
//! prefix and suffix, and what is left is aligned by a longest common
//! subsequence, so that one insertion, removal or replacement is one
//! operation and an element changed inside is diffed recursively. Nothing
//! is allocated for an unchanged node: paths are kept as borrowed segments
//! and become pointers only for the operations emitted.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde_json::{Map, Value};

use super::{Operation, Patch};
use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::pointer::PointerBuf;
use crate::walk;

/// Options for [`diff_with`](super::diff_with), a small `Copy` value built
/// with by-value setters. The [`Default`] is the smallest patch: no `move`
/// and no guarding `test` operations, the default [`Limits`].
///
/// # Examples
///
/// ```
/// use patchlaw::json_patch::{diff_with, DiffOptions};
/// use serde_json::json;
///
/// let options = DiffOptions::new().moves(true).tests(true);
/// let patch = diff_with(&json!({"a": [1, 2, 3]}), &json!({"a": [3, 1, 2]}), options)?;
/// assert_eq!(patch.to_value(), json!([{"op": "move", "from": "/a/2", "path": "/a/0"}]));
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiffOptions {
    moves: bool,
    tests: bool,
    max_edit_distance: usize,
    limits: Limits,
}

impl DiffOptions {
    /// The default cap on the edit distance searched in one array.
    pub const DEFAULT_MAX_EDIT_DISTANCE: usize = 1_024;

    /// The defaults: no moves, no tests, an edit-distance cap of
    /// [`DEFAULT_MAX_EDIT_DISTANCE`](DiffOptions::DEFAULT_MAX_EDIT_DISTANCE),
    /// the default [`Limits`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::json_patch::DiffOptions::new(), Default::default());
    /// ```
    #[must_use]
    pub const fn new() -> DiffOptions {
        DiffOptions {
            moves: false,
            tests: false,
            max_edit_distance: DiffOptions::DEFAULT_MAX_EDIT_DISTANCE,
            limits: Limits::new(),
        }
    }

    /// Emit `move` for an array element that is removed in one place and
    /// inserted, unchanged, in another, instead of `remove` and `add`.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = patchlaw::json_patch::DiffOptions::new().moves(true);
    /// ```
    #[must_use]
    pub const fn moves(self, yes: bool) -> DiffOptions {
        DiffOptions { moves: yes, ..self }
    }

    /// Precede every operation that replaces or removes a value with a
    /// `test` of that value, so that the patch fails instead of
    /// overwriting a change made since the diff (optimistic concurrency).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::json_patch::{diff_with, DiffOptions};
    /// use serde_json::json;
    ///
    /// let patch = diff_with(&json!({"n": 1}), &json!({"n": 2}), DiffOptions::new().tests(true))?;
    /// assert_eq!(patch.to_value(), json!([
    ///     {"op": "test", "path": "/n", "value": 1},
    ///     {"op": "replace", "path": "/n", "value": 2},
    /// ]));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub const fn tests(self, yes: bool) -> DiffOptions {
        DiffOptions { tests: yes, ..self }
    }

    /// Caps the edit distance the alignment of one array searches for.
    /// Beyond it, the differing middle of the array is diffed element by
    /// element at equal indices (a correct, larger patch), which bounds the
    /// work of an array pair of lengths n and m to O((n + m) · cap).
    ///
    /// # Examples
    ///
    /// ```
    /// let options = patchlaw::json_patch::DiffOptions::new().max_edit_distance(64);
    /// ```
    #[must_use]
    pub const fn max_edit_distance(self, cap: usize) -> DiffOptions {
        DiffOptions {
            max_edit_distance: cap,
            ..self
        }
    }

    /// The limits the diff walks under (only the depth limit applies).
    ///
    /// # Examples
    ///
    /// ```
    /// let options = patchlaw::json_patch::DiffOptions::new().limits(patchlaw::Limits::unlimited());
    /// ```
    #[must_use]
    pub const fn limits(self, limits: Limits) -> DiffOptions {
        DiffOptions { limits, ..self }
    }
}

impl Default for DiffOptions {
    fn default() -> DiffOptions {
        DiffOptions::new()
    }
}

/// A step of the path from the root to the value being diffed.
#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

struct Differ<'a> {
    options: DiffOptions,
    path: Vec<Segment<'a>>,
    out: Vec<Operation>,
}

pub(super) fn diff(from: &Value, to: &Value, options: DiffOptions) -> Result<Patch, Error> {
    let mut differ = Differ {
        options,
        path: Vec::new(),
        out: Vec::new(),
    };
    differ.value(from, to)?;
    Ok(Patch(differ.out))
}

impl<'a> Differ<'a> {
    fn max_depth(&self) -> usize {
        self.options.limits.get_max_depth()
    }

    fn pointer(&self) -> PointerBuf {
        PointerBuf::from_tokens(self.path.iter().map(|segment| match segment {
            Segment::Key(name) => (*name).to_owned(),
            Segment::Index(index) => index.to_string(),
        }))
    }

    fn too_deep(&self) -> Error {
        Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "nesting deeper than the depth limit of {}",
                self.max_depth()
            ),
        )
        .with_pointer(self.pointer().to_string())
    }

    /// A copy of `value` for the patch, which sits `path.len()` deep.
    fn copy(&self, value: &Value) -> Result<Value, Error> {
        let budget = self.max_depth().saturating_sub(self.path.len());
        if self.max_depth() == usize::MAX || walk::depth_within(value, budget) {
            Ok(value.clone())
        } else {
            Err(self.too_deep())
        }
    }

    fn equal(&self, a: &Value, b: &Value) -> Result<bool, Error> {
        let budget = self.max_depth().saturating_sub(self.path.len());
        walk::equal_within(a, b, budget).map_err(|()| self.too_deep())
    }

    fn guard(&mut self, old: &Value) -> Result<(), Error> {
        if self.options.tests {
            let value = self.copy(old)?;
            self.out.push(Operation::Test {
                path: self.pointer(),
                value,
            });
        }
        Ok(())
    }

    fn value(&mut self, a: &'a Value, b: &'a Value) -> Result<(), Error> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                self.enter()?;
                self.objects(x, y)
            }
            (Value::Array(x), Value::Array(y)) => {
                self.enter()?;
                self.arrays(x, y)
            }
            _ if self.equal(a, b)? => Ok(()),
            _ => {
                self.guard(a)?;
                let value = self.copy(b)?;
                self.out.push(Operation::Replace {
                    path: self.pointer(),
                    value,
                });
                Ok(())
            }
        }
    }

    /// Checks that a container at the current path is within the depth
    /// limit before walking into it.
    fn enter(&self) -> Result<(), Error> {
        if self.path.len() >= self.max_depth() {
            Err(self.too_deep())
        } else {
            Ok(())
        }
    }

    fn objects(
        &mut self,
        x: &'a Map<String, Value>,
        y: &'a Map<String, Value>,
    ) -> Result<(), Error> {
        // Sorted maps (serde_json's default) are walked as one merge of two
        // sorted sequences; insertion-ordered maps need lookups.
        if crate::order::sorted() {
            self.objects_merged(x, y)
        } else {
            self.objects_by_lookup(x, y)
        }
    }

    fn objects_merged(
        &mut self,
        x: &'a Map<String, Value>,
        y: &'a Map<String, Value>,
    ) -> Result<(), Error> {
        let (mut left, mut right) = (x.iter().peekable(), y.iter().peekable());
        loop {
            match (left.peek(), right.peek()) {
                (None, None) => return Ok(()),
                (Some(&(name, old)), None) => {
                    left.next();
                    self.removed(name, old)?;
                }
                (None, Some(&(name, new))) => {
                    right.next();
                    self.added(name, new)?;
                }
                (Some(&(k, old)), Some(&(l, new))) => match k.cmp(l) {
                    std::cmp::Ordering::Less => {
                        left.next();
                        self.removed(k, old)?;
                    }
                    std::cmp::Ordering::Greater => {
                        right.next();
                        self.added(l, new)?;
                    }
                    std::cmp::Ordering::Equal => {
                        left.next();
                        right.next();
                        self.path.push(Segment::Key(k));
                        self.value(old, new)?;
                        self.path.pop();
                    }
                },
            }
        }
    }

    fn objects_by_lookup(
        &mut self,
        x: &'a Map<String, Value>,
        y: &'a Map<String, Value>,
    ) -> Result<(), Error> {
        for (name, old) in x {
            match y.get(name) {
                Some(new) => {
                    self.path.push(Segment::Key(name));
                    self.value(old, new)?;
                    self.path.pop();
                }
                None => self.removed(name, old)?,
            }
        }
        for (name, new) in y {
            if !x.contains_key(name) {
                self.added(name, new)?;
            }
        }
        Ok(())
    }

    fn removed(&mut self, name: &'a str, old: &Value) -> Result<(), Error> {
        self.path.push(Segment::Key(name));
        self.guard(old)?;
        self.out.push(Operation::Remove {
            path: self.pointer(),
        });
        self.path.pop();
        Ok(())
    }

    fn added(&mut self, name: &'a str, new: &Value) -> Result<(), Error> {
        self.path.push(Segment::Key(name));
        let value = self.copy(new)?;
        self.out.push(Operation::Add {
            path: self.pointer(),
            value,
        });
        self.path.pop();
        Ok(())
    }

    fn arrays(&mut self, x: &'a [Value], y: &'a [Value]) -> Result<(), Error> {
        let mut prefix = 0;
        while prefix < x.len() && prefix < y.len() && self.equal(&x[prefix], &y[prefix])? {
            prefix += 1;
        }
        let mut suffix = 0;
        while suffix < x.len() - prefix
            && suffix < y.len() - prefix
            && self.equal(&x[x.len() - 1 - suffix], &y[y.len() - 1 - suffix])?
        {
            suffix += 1;
        }
        let old = &x[prefix..x.len() - suffix];
        let new = &y[prefix..y.len() - suffix];
        if old.is_empty() && new.is_empty() {
            return Ok(());
        }
        let plan = self.align(old, new)?;
        self.emit(prefix, old, new, &plan)
    }

    /// Decides, for each element of `new`, where it comes from.
    fn align(&self, old: &[Value], new: &[Value]) -> Result<Vec<Source>, Error> {
        let mut plan = vec![Source::Fresh; new.len()];
        if old.is_empty() || new.is_empty() {
            return Ok(plan);
        }
        if old.len() == 1 && new.len() == 1 {
            // The common case of one element changed: the prefix and suffix
            // already tell the two apart.
            plan[0] = Source::Changed(0);
            return Ok(plan);
        }
        let budget = self.max_depth().saturating_sub(self.path.len() + 1);
        // Short middles compare elements directly (a comparison stops at
        // the first difference); long ones hash every element once so that
        // the alignment compares hashes.
        let hashed = if old.len() + new.len() > SHORT_MIDDLE {
            let old_hashes = hashes(old, budget).ok_or_else(|| self.too_deep())?;
            let new_hashes = hashes(new, budget).ok_or_else(|| self.too_deep())?;
            Some((old_hashes, new_hashes))
        } else {
            None
        };
        let same = |i: usize, j: usize| match &hashed {
            // Hashing checked the depth, so `==` is bounded here.
            Some((old_hashes, new_hashes)) => old_hashes[i] == new_hashes[j] && old[i] == new[j],
            None => walk::equal_within(&old[i], &new[j], budget).unwrap_or(false),
        };
        let matches = lcs(old.len(), new.len(), self.options.max_edit_distance, same);
        let mut used = vec![false; old.len()];
        let matched = matches.is_some();
        for (i, j) in matches.unwrap_or_default() {
            plan[j] = Source::Same(i);
            used[i] = true;
        }
        if self.options.moves && matched {
            // An unmatched element equal to an unmatched old one elsewhere
            // moves there.
            let mut spare: HashMap<u64, Vec<usize>> = HashMap::new();
            for i in (0..old.len()).rev().filter(|&i| !used[i]) {
                let key = hashed.as_ref().map_or(0, |(old_hashes, _)| old_hashes[i]);
                spare.entry(key).or_default().push(i);
            }
            for j in 0..new.len() {
                if plan[j] != Source::Fresh {
                    continue;
                }
                let key = hashed.as_ref().map_or(0, |(_, new_hashes)| new_hashes[j]);
                if let Some(candidates) = spare.get_mut(&key) {
                    if let Some(at) = candidates.iter().rposition(|&i| same(i, j)) {
                        let i = candidates.remove(at);
                        plan[j] = Source::Moved(i);
                        used[i] = true;
                    }
                }
            }
        }
        // Between matches, pair what was removed with what was inserted, in
        // order: each such pair is one element changed in place.
        // The old index of the next in-order match at or after each j.
        let mut boundaries = vec![None; new.len()];
        let mut next_same = None;
        for j in (0..new.len()).rev() {
            if let Source::Same(i) = plan[j] {
                next_same = Some(i);
            }
            boundaries[j] = next_same;
        }
        let mut next_old = 0;
        for j in 0..new.len() {
            match plan[j] {
                Source::Same(i) => next_old = i + 1,
                Source::Fresh => {
                    while next_old < old.len() && used[next_old] {
                        next_old += 1;
                    }
                    let boundary = boundaries[j];
                    if next_old < old.len() && boundary.map_or(true, |b| next_old < b) {
                        plan[j] = Source::Changed(next_old);
                        used[next_old] = true;
                        next_old += 1;
                    }
                }
                Source::Moved(_) | Source::Changed(_) => {}
            }
        }
        Ok(plan)
    }

    /// Emits the operations that turn `old` into `new` (the middle of an
    /// array, starting at `offset`), simulating the array as they apply so
    /// that every index is the one the operation will see.
    fn emit(
        &mut self,
        offset: usize,
        old: &'a [Value],
        new: &'a [Value],
        plan: &[Source],
    ) -> Result<(), Error> {
        let mut kept = vec![false; old.len()];
        for source in plan {
            if let Source::Same(i) | Source::Moved(i) | Source::Changed(i) = *source {
                kept[i] = true;
            }
        }
        // Removals first, from the end, so their indices do not shift.
        for i in (0..old.len()).rev().filter(|&i| !kept[i]) {
            self.path.push(Segment::Index(offset + i));
            self.guard(&old[i])?;
            self.out.push(Operation::Remove {
                path: self.pointer(),
            });
            self.path.pop();
        }
        // What the array holds now: the old indices of the kept elements.
        let mut current: Vec<Option<usize>> =
            (0..old.len()).filter(|&i| kept[i]).map(Some).collect();
        for (j, source) in plan.iter().enumerate() {
            match *source {
                Source::Fresh => {
                    self.path.push(Segment::Index(offset + j));
                    let value = self.copy(&new[j])?;
                    self.out.push(Operation::Add {
                        path: self.pointer(),
                        value,
                    });
                    self.path.pop();
                    current.insert(j, None);
                }
                Source::Same(i) | Source::Moved(i) | Source::Changed(i) => {
                    let at = if current.get(j) == Some(&Some(i)) {
                        j
                    } else {
                        current[j..]
                            .iter()
                            .position(|&c| c == Some(i))
                            .map_or(j, |p| p + j)
                    };
                    if at != j {
                        let from = {
                            self.path.push(Segment::Index(offset + at));
                            let from = self.pointer();
                            self.path.pop();
                            from
                        };
                        self.path.push(Segment::Index(offset + j));
                        self.out.push(Operation::Move {
                            from,
                            path: self.pointer(),
                        });
                        self.path.pop();
                        let element = current.remove(at);
                        current.insert(j, element);
                    }
                    if matches!(source, Source::Changed(_)) {
                        self.path.push(Segment::Index(offset + j));
                        self.value(&old[i], &new[j])?;
                        self.path.pop();
                    }
                }
            }
        }
        Ok(())
    }
}

/// Array middles up to this many elements in all are aligned by direct
/// comparison; longer ones by element hashes.
const SHORT_MIDDLE: usize = 32;

/// Where an element of the new array comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// Inserted.
    Fresh,
    /// The old element at this index, unchanged and in order.
    Same(usize),
    /// The old element at this index, unchanged, from elsewhere.
    Moved(usize),
    /// The old element at this index, changed inside.
    Changed(usize),
}

/// A hash per element, consistent with exact equality, or `None` when an
/// element is deeper than `budget`.
fn hashes(items: &[Value], budget: usize) -> Option<Vec<u64>> {
    items
        .iter()
        .map(|item| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            hash_within(item, budget, &mut hasher).then(|| hasher.finish())
        })
        .collect()
}

fn hash_within(value: &Value, budget: usize, state: &mut impl Hasher) -> bool {
    match value {
        Value::Null => 0u8.hash(state),
        Value::Bool(b) => (1u8, b).hash(state),
        Value::Number(n) => (2u8, n).hash(state),
        Value::String(s) => (3u8, s).hash(state),
        Value::Array(items) => {
            if budget == 0 {
                return false;
            }
            (4u8, items.len()).hash(state);
            if !items
                .iter()
                .all(|item| hash_within(item, budget - 1, state))
            {
                return false;
            }
        }
        Value::Object(members) => {
            if budget == 0 {
                return false;
            }
            // Order-free, because insertion-ordered maps compare equal in
            // any order.
            let mut sum = 0u64;
            for (name, member) in members {
                let mut inner = std::collections::hash_map::DefaultHasher::new();
                name.hash(&mut inner);
                if !hash_within(member, budget - 1, &mut inner) {
                    return false;
                }
                sum = sum.wrapping_add(inner.finish());
            }
            (5u8, members.len(), sum).hash(state);
        }
    }
    true
}

/// A longest common subsequence of two sequences of lengths `n` and `m`
/// under `same`, as increasing index pairs, by Myers' O((n + m) · D)
/// algorithm; `None` when the edit distance D exceeds `cap`. Time is
/// O((n + m) · cap) and memory O(cap²) at worst.
///
/// Hand-written rather than taken from the `similar` crate because the
/// search must be bounded by edit distance, deterministically: `similar`
/// bounds Myers only by a wall-clock deadline, which would make the patch
/// depend on the machine's speed.
fn lcs(
    n: usize,
    m: usize,
    cap: usize,
    same: impl Fn(usize, usize) -> bool,
) -> Option<Vec<(usize, usize)>> {
    let (n, m) = (n as isize, m as isize);
    let max = (n + m).min(cap as isize);
    let offset = max + 1;
    // v[offset + k]: the furthest x reached on diagonal k = x - y.
    let mut v = vec![0isize; (2 * max + 3) as usize];
    // trace[d]: v before step d, on the diagonals -d-1..=d+1 it reads.
    let mut trace: Vec<Vec<isize>> = Vec::new();
    for d in 0..=max {
        trace.push(v[(offset - d - 1) as usize..=(offset + d + 1) as usize].to_vec());
        let mut k = -d;
        while k <= d {
            let at = (k + offset) as usize;
            let mut x = if k == -d || (k != d && v[at - 1] < v[at + 1]) {
                v[at + 1]
            } else {
                v[at - 1] + 1
            };
            let mut y = x - k;
            while x < n && y < m && same(x as usize, y as usize) {
                x += 1;
                y += 1;
            }
            v[at] = x;
            if x >= n && y >= m {
                return Some(backtrack(&trace, n, m));
            }
            k += 2;
        }
    }
    None
}

/// Walks the trace of [`lcs`] back from (n, m), collecting the diagonal
/// steps, which are the matches.
fn backtrack(trace: &[Vec<isize>], n: isize, m: isize) -> Vec<(usize, usize)> {
    let mut matches = Vec::new();
    let (mut x, mut y) = (n, m);
    for (d, saved) in trace.iter().enumerate().rev() {
        let d = d as isize;
        let get = |k: isize| saved[(k + d + 1) as usize];
        let k = x - y;
        let prev_k = if k == -d || (k != d && get(k - 1) < get(k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = get(prev_k);
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
            matches.push((x as usize, y as usize));
        }
        x = prev_x;
        y = prev_y;
    }
    matches.reverse();
    matches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common(a: &str, b: &str, cap: usize) -> Option<String> {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        lcs(a.len(), b.len(), cap, |i, j| a[i] == b[j]).map(|pairs| {
            assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
            pairs
                .iter()
                .map(|&(i, j)| {
                    assert_eq!(a[i], b[j]);
                    a[i]
                })
                .collect()
        })
    }

    #[test]
    fn longest_common_subsequences() {
        assert_eq!(common("ABCABBA", "CBABAC", 100).unwrap().len(), 4);
        assert_eq!(common("", "", 10).unwrap(), "");
        assert_eq!(common("abc", "", 10).unwrap(), "");
        assert_eq!(common("", "abc", 10).unwrap(), "");
        assert_eq!(common("abc", "abc", 0).unwrap(), "abc");
        assert_eq!(common("abxc", "abc", 1).unwrap(), "abc");
        assert_eq!(common("abc", "xyz", 6).unwrap(), "");
        assert_eq!(common("abc", "xyz", 5), None);
        assert_eq!(common("kitten", "sitting", 100).unwrap(), "ittn");
    }
}
