//! Bounded walks over whole values: equality, depth, and taking a value
//! apart.
//!
//! serde_json's own `Clone`, `PartialEq` and `Drop` for [`Value`] recurse
//! once per level of nesting, without a bound, so a value nested deeply
//! enough overflows the stack in each of them. Wherever this crate
//! compares, measures or frees a value whose depth it has not checked, it
//! uses these walks instead: they recurse at most a given budget of levels
//! (taken from [`Limits`](crate::Limits)) and then give up with an error,
//! or, for [`dismantle`], go on with an explicit stack.

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind};
use crate::pointer::PointerBuf;

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

// Inlined into the callers of `dismantle`, all in other modules, for which
// freeing what a patch displaces is part of the hot path.
#[inline]
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

fn is_container(value: &Value) -> bool {
    matches!(value, Value::Array(_) | Value::Object(_))
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

/// Whether every member of `x` is in `y` with an equal value (within
/// `budget`): for objects of the same length, the comparison that holds
/// whatever order their members are in.
pub(crate) fn members_equal_by_lookup(
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
