//! Removing object members without disturbing the order of the others.
//!
//! Under serde_json's `preserve_order`, `Map::remove` is a swap-remove: it
//! moves the last member into the removed one's place. Patches must keep the
//! order of members they do not touch (and restore it exactly when they roll
//! back), so every removal in this crate goes through [`remove_member`].

use serde_json::{Map, Value};

/// Removes `name` from `members`, keeping the order of the rest.
pub(crate) fn remove_member(members: &mut Map<String, Value>, name: &str) -> Option<Value> {
    #[cfg(feature = "preserve_order")]
    {
        members.shift_remove(name)
    }
    #[cfg(not(feature = "preserve_order"))]
    {
        if insertion_ordered() {
            remove_keeping_order(members, name)
        } else {
            members.remove(name)
        }
    }
}

/// Whether serde_json's maps keep insertion order although this crate's
/// `preserve_order` feature is off: Cargo unifies features, so another crate
/// may have turned serde_json's on. `shift_remove` is not visible to this
/// crate then, so removal falls back to `retain`, which keeps order.
#[cfg(not(feature = "preserve_order"))]
fn insertion_ordered() -> bool {
    static DETECTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DETECTED.get_or_init(|| {
        let mut probe = Map::new();
        probe.insert("b".to_owned(), Value::Null);
        probe.insert("a".to_owned(), Value::Null);
        probe.keys().next().is_some_and(|k| k == "b")
    })
}

#[cfg(not(feature = "preserve_order"))]
fn remove_keeping_order(members: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let mut removed = None;
    members.retain(|k, v| {
        if removed.is_none() && k == name {
            removed = Some(std::mem::take(v));
            false
        } else {
            true
        }
    });
    removed
}

/// Removes `name` from `members`, keeping the order of the rest, and says
/// where it was, so that [`insert_member_at`] can put it back exactly.
pub(crate) fn remove_member_at(
    members: &mut Map<String, Value>,
    name: &str,
) -> Option<(usize, Value)> {
    let position = if ordered() {
        members.keys().position(|k| k == name)?
    } else {
        0
    };
    remove_member(members, name).map(|value| (position, value))
}

/// Inserts `name` at `position` (as [`remove_member_at`] reported it) when
/// maps keep insertion order, or anywhere when they are sorted.
pub(crate) fn insert_member_at(
    members: &mut Map<String, Value>,
    position: usize,
    name: String,
    value: Value,
) {
    #[cfg(feature = "preserve_order")]
    {
        members.shift_insert(position.min(members.len()), name, value);
    }
    #[cfg(not(feature = "preserve_order"))]
    {
        if insertion_ordered() && position < members.len() {
            // No `shift_insert` without this crate's feature: rebuild.
            let mut rest: Vec<(String, Value)> = std::mem::take(members).into_iter().collect();
            let tail = rest.split_off(position);
            members.extend(rest);
            members.insert(name, value);
            members.extend(tail);
        } else {
            members.insert(name, value);
        }
    }
}

fn ordered() -> bool {
    #[cfg(feature = "preserve_order")]
    {
        true
    }
    #[cfg(not(feature = "preserve_order"))]
    {
        insertion_ordered()
    }
}

/// Whether maps iterate in sorted key order (serde_json's default
/// `BTreeMap`), so that two of them can be walked as one merge.
pub(crate) fn sorted() -> bool {
    !ordered()
}
