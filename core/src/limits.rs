//! Resource limits for untrusted input, and the depth-guarded traversals
//! that enforce them.
//!
//! Every operation of this crate that walks a value recursively is bounded by
//! [`Limits::get_max_depth`]; input deeper than that is rejected with
//! [`ErrorKind::LimitExceeded`] before anything is modified, never with a
//! stack overflow. serde_json's own `Clone`, `PartialEq` and `Drop` for
//! [`Value`] recurse without a bound, so this module also has the guarded
//! replacements the crate uses instead: [`Limits::check_depth`] and
//! [`dismantle`].

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind};
use crate::pointer::PointerBuf;

/// Bounds on the work an operation may do for untrusted input.
///
/// The [`Default`] (same as [`Limits::new`]) is safe for documents received
/// over a network and generous for real ones; [`Limits::unlimited`] removes
/// every bound (the algebraic laws are stated for it).
///
/// | limit | default | what it bounds |
/// |---|---|---|
/// | [`max_depth`](Limits::max_depth) | 512 | nesting depth of containers any operation walks into |
/// | [`max_operations`](Limits::max_operations) | 10,000 | operations in one JSON Patch (the Kubernetes API server's limit) |
/// | [`max_copy_size`](Limits::max_copy_size) | 16,777,216 (16 MiB) | accumulated size of the values copied by one patch |
///
/// The depth default leaves room on a 2 MiB thread stack (the default for
/// spawned threads and test threads) even in debug builds, whose frames are
/// largest; inputs parsed by serde_json are at most 128 deep by default, and
/// real Kubernetes objects rarely exceed 20.
///
/// Depth counts containers: a scalar has depth 0 and an array or object one
/// more than its deepest element (`[]` has depth 1, `{"a":[1]}` depth 2).
/// Copy size estimates the memory the copies allocate: the size of a
/// [`Value`] (32 bytes on 64-bit targets) per value copied, plus the bytes
/// of every string, member name and, under `arbitrary_precision`, number
/// text in it. It bounds the copy-doubling attack (CVE-2019-1002100).
///
/// # Examples
///
/// ```
/// use patchlaw::Limits;
///
/// let strict = Limits::new().max_depth(64).max_operations(100);
/// assert_eq!(strict.get_max_depth(), 64);
/// assert_eq!(Limits::default().get_max_depth(), 512);
/// assert_eq!(Limits::unlimited().get_max_operations(), usize::MAX);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    max_depth: usize,
    max_operations: usize,
    max_copy_size: usize,
}

impl Limits {
    /// The default depth limit.
    pub const DEFAULT_MAX_DEPTH: usize = 512;
    /// The default limit on operations in one patch.
    pub const DEFAULT_MAX_OPERATIONS: usize = 10_000;
    /// The default limit on accumulated copy size.
    pub const DEFAULT_MAX_COPY_SIZE: usize = 16 * 1024 * 1024;

    /// The default limits (see the table on [`Limits`]).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::Limits::new(), patchlaw::Limits::default());
    /// ```
    #[must_use]
    pub const fn new() -> Limits {
        Limits {
            max_depth: Limits::DEFAULT_MAX_DEPTH,
            max_operations: Limits::DEFAULT_MAX_OPERATIONS,
            max_copy_size: Limits::DEFAULT_MAX_COPY_SIZE,
        }
    }

    /// No limits at all.
    ///
    /// Recursion is then bounded only by the input, so a deep enough value
    /// can overflow the stack: use this for trusted input and for checking
    /// laws, not for data from the network.
    ///
    /// # Examples
    ///
    /// ```
    /// let all = patchlaw::Limits::unlimited();
    /// assert_eq!(all.get_max_depth(), usize::MAX);
    /// ```
    #[must_use]
    pub const fn unlimited() -> Limits {
        Limits {
            max_depth: usize::MAX,
            max_operations: usize::MAX,
            max_copy_size: usize::MAX,
        }
    }

    /// Sets the maximum nesting depth an operation walks into.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::Limits::new().max_depth(10).get_max_depth(), 10);
    /// ```
    #[must_use]
    pub const fn max_depth(self, depth: usize) -> Limits {
        Limits {
            max_depth: depth,
            ..self
        }
    }

    /// Sets the maximum number of operations in one patch.
    ///
    /// # Examples
    ///
    /// ```
    /// let limits = patchlaw::Limits::new().max_operations(5);
    /// assert_eq!(limits.get_max_operations(), 5);
    /// ```
    #[must_use]
    pub const fn max_operations(self, count: usize) -> Limits {
        Limits {
            max_operations: count,
            ..self
        }
    }

    /// Sets the maximum accumulated size of the values one patch copies.
    ///
    /// # Examples
    ///
    /// ```
    /// let limits = patchlaw::Limits::new().max_copy_size(1 << 20);
    /// assert_eq!(limits.get_max_copy_size(), 1 << 20);
    /// ```
    #[must_use]
    pub const fn max_copy_size(self, size: usize) -> Limits {
        Limits {
            max_copy_size: size,
            ..self
        }
    }

    /// The maximum nesting depth.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::Limits::new().get_max_depth(), 512);
    /// ```
    #[must_use]
    pub const fn get_max_depth(&self) -> usize {
        self.max_depth
    }

    /// The maximum number of operations in one patch.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::Limits::new().get_max_operations(), 10_000);
    /// ```
    #[must_use]
    pub const fn get_max_operations(&self) -> usize {
        self.max_operations
    }

    /// The maximum accumulated copy size.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::Limits::new().get_max_copy_size(), 16 * 1024 * 1024);
    /// ```
    #[must_use]
    pub const fn get_max_copy_size(&self) -> usize {
        self.max_copy_size
    }

    /// Checks that `value` is nested no deeper than
    /// [`get_max_depth`](Limits::get_max_depth), without recursion.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::LimitExceeded`], with the pointer of the first container
    /// found beyond the limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{ErrorKind, Limits};
    /// use serde_json::json;
    ///
    /// let limits = Limits::new().max_depth(2);
    /// assert!(limits.check_depth(&json!({"a": [1]})).is_ok());
    /// let err = limits.check_depth(&json!({"a": [[1]]})).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    /// assert_eq!(err.pointer(), Some("/a/0"));
    /// ```
    pub fn check_depth(&self, value: &Value) -> Result<(), Error> {
        // The recursive check allocates nothing and recurses at most
        // `max_depth` levels with small frames, which the operations that
        // follow need anyway; the iterative walk only finds the pointer.
        if self.max_depth == usize::MAX || depth_within(value, self.max_depth) {
            Ok(())
        } else {
            check_depth_at(value, self.max_depth, &[])
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new()
    }
}

/// Drops `value` without unbounded recursion, so that dropping a value
/// nested deeper than the stack allows cannot overflow it.
///
/// serde_json's `Drop` for [`Value`] recurses once per level. This drops
/// the first 64 levels recursively (as fast as `Drop`, no
/// allocation) and takes anything deeper apart with an explicit stack.
///
/// # Examples
///
/// ```
/// use serde_json::Value;
///
/// let mut deep = Value::Null;
/// for _ in 0..100_000 {
///     deep = Value::Array(vec![deep]);
/// }
/// patchlaw::limits::dismantle(deep);
/// ```
pub fn dismantle(value: Value) {
    drop_within(value, DROP_RECURSION);
}

/// How many levels [`dismantle`] drops by recursion before it switches to
/// an explicit stack: small frames, so this stays far below any stack.
const DROP_RECURSION: usize = 64;

fn drop_within(value: Value, budget: usize) {
    match value {
        Value::Array(items) if budget > 0 => {
            items.into_iter().for_each(|v| drop_within(v, budget - 1))
        }
        Value::Object(members) if budget > 0 => members
            .into_iter()
            .for_each(|(_, v)| drop_within(v, budget - 1)),
        Value::Array(_) | Value::Object(_) => dismantle_iteratively(value),
        _ => {}
    }
}

fn dismantle_iteratively(value: Value) {
    let mut stack = Vec::new();
    push_nested(value, &mut stack);
    while let Some(value) = stack.pop() {
        push_nested(value, &mut stack);
    }
}

fn push_nested(value: Value, stack: &mut Vec<Value>) {
    match value {
        Value::Array(items) => {
            stack.extend(items.into_iter().filter(is_nonempty_container));
        }
        Value::Object(members) => {
            stack.extend(
                members
                    .into_iter()
                    .map(|(_, v)| v)
                    .filter(is_nonempty_container),
            );
        }
        _ => {}
    }
}

fn is_nonempty_container(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => !members.is_empty(),
        _ => false,
    }
}

/// The error for a walk that would go deeper than `max_depth` at `path`.
pub(crate) fn depth_exceeded<T: Into<String>>(
    max_depth: usize,
    path: impl IntoIterator<Item = T>,
) -> Error {
    Error::new(
        ErrorKind::LimitExceeded,
        format!("nesting deeper than the depth limit of {max_depth}"),
    )
    .with_pointer(PointerBuf::from_tokens(path).to_string())
}

/// Checks the depth of `value`, which sits at `path` in a larger value; the
/// error names the full pointer.
///
/// Iterative: a stack of child iterators, one per open container.
pub(crate) fn check_depth_at(value: &Value, max_depth: usize, path: &[&str]) -> Result<(), Error> {
    enum Children<'a> {
        Array(std::iter::Enumerate<std::slice::Iter<'a, Value>>),
        Object(serde_json::map::Iter<'a>),
    }
    #[derive(Clone, Copy)]
    enum Name<'a> {
        Index(usize),
        Key(&'a str),
    }
    fn open(value: &Value) -> Option<Children<'_>> {
        match value {
            Value::Array(items) if !items.is_empty() => {
                Some(Children::Array(items.iter().enumerate()))
            }
            Value::Object(members) if !members.is_empty() => Some(Children::Object(members.iter())),
            _ => None,
        }
    }
    if max_depth == usize::MAX || !is_container(value) {
        return Ok(());
    }
    if max_depth == 0 {
        return Err(depth_exceeded(max_depth, path.iter().copied()));
    }
    // One entry per open container: its children, and the name it has in its
    // parent (kept only to say where the limit was crossed).
    let mut stack: Vec<(Children<'_>, Option<Name<'_>>)> = Vec::new();
    stack.extend(open(value).map(|children| (children, None)));
    while let Some((children, _)) = stack.last_mut() {
        let next = match children {
            Children::Array(items) => items.next().map(|(i, v)| (Name::Index(i), v)),
            Children::Object(members) => members.next().map(|(k, v)| (Name::Key(k), v)),
        };
        let Some((name, child)) = next else {
            stack.pop();
            continue;
        };
        if !is_container(child) {
            continue;
        }
        if stack.len() >= max_depth {
            let names = stack.iter().filter_map(|(_, name)| *name).chain([name]);
            let full = path
                .iter()
                .map(|t| (*t).to_owned())
                .chain(names.map(|n| match n {
                    Name::Index(i) => i.to_string(),
                    Name::Key(k) => k.to_owned(),
                }));
            return Err(depth_exceeded(max_depth, full));
        }
        if let Some(grandchildren) = open(child) {
            stack.push((grandchildren, Some(name)));
        }
    }
    Ok(())
}

/// Whether `value` is at most `budget` containers deep.
pub(crate) fn depth_within(value: &Value, budget: usize) -> bool {
    match value {
        Value::Array(items) => budget > 0 && items.iter().all(|v| depth_within(v, budget - 1)),
        Value::Object(members) => {
            budget > 0 && members.values().all(|v| depth_within(v, budget - 1))
        }
        _ => true,
    }
}

fn is_container(value: &Value) -> bool {
    matches!(value, Value::Array(_) | Value::Object(_))
}

/// Whether two strings are equal, without a call to `memcmp` when they
/// are short.
///
/// Hand-written because it wins on speed: member names and most string
/// values of Kubernetes objects are under 17 bytes, and for those the
/// library call (and the set-up of its vector loop) costs more than the
/// comparison — `memcmp` took a quarter of a strategic diff's time. Up to
/// 16 bytes are compared as two overlapping words (8 or 4 bytes wide),
/// longer strings with `==`.
#[inline]
pub(crate) fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        if n > 16 {
            return a == b;
        }
        let word = |s: &[u8], at: usize| {
            let mut w = [0; 8];
            w.copy_from_slice(&s[at..at + 8]);
            u64::from_ne_bytes(w)
        };
        word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8)
    } else if n >= 4 {
        let word = |s: &[u8], at: usize| {
            let mut w = [0; 4];
            w.copy_from_slice(&s[at..at + 4]);
            u32::from_ne_bytes(w)
        };
        word(a, 0) == word(b, 0) && word(a, n - 4) == word(b, n - 4)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

/// Exact JSON equality (serde_json's `==`) that gives up with `Err` instead
/// of recursing more than `budget` containers deep.
///
/// Scalars are compared here rather than through `Value`'s `==`, which
/// would match on both values a second time: this is the inner loop of
/// every diff, where most nodes compared are strings.
pub(crate) fn equal_within(a: &Value, b: &Value, budget: usize) -> Result<bool, ()> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(same_str(x, y)),
        (Value::Number(x), Value::Number(y)) => Ok(x == y),
        (Value::Bool(x), Value::Bool(y)) => Ok(x == y),
        (Value::Null, Value::Null) => Ok(true),
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Ok(false);
            }
            let inner = budget.checked_sub(1).ok_or(())?;
            for (u, v) in x.iter().zip(y) {
                if !equal_within(u, v, inner)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        (Value::Object(x), Value::Object(y)) => maps_equal_within(x, y, budget),
        _ => Ok(false),
    }
}

/// [`equal_within`] of two objects.
pub(crate) fn maps_equal_within(
    x: &Map<String, Value>,
    y: &Map<String, Value>,
    budget: usize,
) -> Result<bool, ()> {
    if x.len() != y.len() {
        return Ok(false);
    }
    let inner = budget.checked_sub(1).ok_or(())?;
    members_equal_within(x, y, inner)
}

/// Whether two lists are equal ([`equal_within`] of the lists), not
/// empty, and made of objects that all have the member `key`: in one pass,
/// as the strategic diff asks it of every merge list it meets.
pub(crate) fn keyed_lists_equal_within(
    x: &[Value],
    y: &[Value],
    key: &str,
    budget: usize,
) -> Result<bool, ()> {
    if x.len() != y.len() || x.is_empty() {
        return Ok(false);
    }
    for (u, v) in x.iter().zip(y) {
        let (Value::Object(u), Value::Object(v)) = (u, v) else {
            return Ok(false);
        };
        if u.len() != v.len() {
            return Ok(false);
        }
        // The members are two containers below the list.
        let inner = budget.checked_sub(2).ok_or(())?;
        let mut keyed = false;
        for ((ku, vu), (kv, vv)) in u.iter().zip(v.iter()) {
            if !same_str(ku, kv) {
                // Members in different orders: the general comparison.
                keyed = u.contains_key(key) && members_equal_by_lookup(u, v, inner)?;
                break;
            }
            keyed |= same_str(ku, key);
            if !equal_within(vu, vv, inner)? {
                return Ok(false);
            }
        }
        if !keyed {
            return Ok(false);
        }
    }
    Ok(true)
}

fn members_equal_within(
    x: &Map<String, Value>,
    y: &Map<String, Value>,
    budget: usize,
) -> Result<bool, ()> {
    // Sorted maps (and insertion-ordered maps built alike) line up pairwise,
    // which saves a lookup per member; on the first mismatched name fall back
    // to lookups, which is what decides for maps in different orders.
    let mut pairs = x.iter().zip(y.iter());
    for ((kx, vx), (ky, vy)) in pairs.by_ref() {
        if !same_str(kx, ky) {
            return members_equal_by_lookup(x, y, budget);
        }
        if !equal_within(vx, vy, budget)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn members_equal_by_lookup(
    x: &Map<String, Value>,
    y: &Map<String, Value>,
    budget: usize,
) -> Result<bool, ()> {
    for (k, vx) in x {
        match y.get(k) {
            Some(vy) if equal_within(vx, vy, budget)? => {}
            _ => return Ok(false),
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn depth_counts_containers() {
        let limits = Limits::new().max_depth(1);
        assert!(limits.check_depth(&json!(1)).is_ok());
        assert!(limits.check_depth(&json!([])).is_ok());
        assert!(limits.check_depth(&json!({"a": 1, "b": [2]})).is_err());
        assert!(Limits::new().max_depth(0).check_depth(&json!({})).is_err());
        assert!(Limits::new().max_depth(0).check_depth(&json!("s")).is_ok());
    }

    #[test]
    fn depth_error_names_the_path() {
        let limits = Limits::new().max_depth(2);
        let err = limits
            .check_depth(&json!({"a": 1, "b": [0, {"c/d": {}}]}))
            .unwrap_err();
        assert_eq!(err.pointer(), Some("/b/1"));
    }

    #[test]
    fn equal_within_agrees_with_eq() {
        let cases = [
            (
                json!({"a": [1, {"b": null}]}),
                json!({"a": [1, {"b": null}]}),
            ),
            (json!({"a": 1}), json!({"a": 1.0})),
            (json!([1, 2]), json!([1, 2, 3])),
            (json!({"a": 1, "b": 2}), json!({"a": 1, "c": 2})),
        ];
        for (a, b) in &cases {
            assert_eq!(equal_within(a, b, 10), Ok(a == b), "{a} vs {b}");
        }
        assert_eq!(equal_within(&json!([[1]]), &json!([[1]]), 1), Err(()));
    }
}
