//! Three writers of one object, for the three-way laws: the user's last
//! applied configuration, the user's new one, and the live object after
//! other writers ([`arb_three_way_case`]); and two appliers that own
//! different fields, applying in turn ([`arb_appliers_case`]).
//!
//! Both are built on the generated schemas of [`schema`](super::schema):
//! merge lists (some `merge,retainKeys`, some nested), primitive merge
//! lists, atomic lists, `retainKeys` and `replace` maps, free-form maps.
//!
//! The same three writers for `kubectl apply` itself, as an
//! [`ApplyCase`] (the live object carries its last-applied annotation, and
//! whether the apply may overwrite other writers' changes):
//!
//! | generator | kinds | patch flavour |
//! |---|---|---|
//! | [`arb_apply_case_of`] | Deployment, Pod, Service | strategic |
//! | [`arb_custom_apply_case`] | the custom resource `example.com/v1` `Widget` | RFC 7396 |
//! | [`arb_apply_case`] | both | both |
//!
//! kubectl v1.32 takes every one of these: the conformance crate's
//! `oracles` target runs `kubectl apply` on them against a fake API server
//! and compares what it sends with [`patchlaw::three_way::plan`].
//!
//! # Examples
//!
//! Applying the same manifest again leaves the object as the first apply
//! made it (though kubectl may still send a patch: where other writers'
//! elements sit in a merge list, every apply restates the order with
//! `$setElementOrder`):
//!
//! ```
//! use patchlaw::strategic::Schema;
//! use patchlaw::three_way::{plan, PlanOptions};
//! use patchlaw_conformance::strategy::three_way::arb_apply_case;
//! use proptest::prelude::*;
//!
//! proptest!(|(case in arb_apply_case())| {
//!     let schema = Schema::builtin_for(&case.modified);
//!     let options = PlanOptions::new().namespace(Some("default"));
//!     let first = plan(&case.modified, case.current.as_ref(), schema.as_ref(), options).unwrap();
//!     let again = plan(&case.modified, Some(&first.result), schema.as_ref(), options).unwrap();
//!     prop_assert_eq!(again.result, first.result);
//! });
//! ```

use proptest::prelude::*;
use serde_json::{Map, Value};

pub use super::kubernetes::{arb_apply_case, arb_apply_case_of, arb_custom_apply_case, ApplyCase};

use super::random::SplitMix64;
use super::schema::{document, edit, key_pool, key_shape, openapi, root_shape, Shape, MAP_KEYS};

/// A three-way merge: a schema and three documents valid under it.
#[derive(Clone, Debug)]
pub struct ThreeWayCase {
    /// The schema in the protocol's form (as
    /// [`schema_argument`](crate::implementation::schema_argument) reads
    /// it), or `null` for the RFC 7396 flavour.
    pub schema: Value,
    /// The configuration last applied, or `null` (a first apply, or an
    /// object another tool created).
    pub original: Value,
    /// The new configuration: the original with the user's edits.
    pub modified: Value,
    /// The live object: the original with other writers' edits.
    pub current: Value,
}

impl ThreeWayCase {
    /// A case of these documents (`schema` `null` for the RFC 7396
    /// flavour).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::strategy::three_way::ThreeWayCase;
    /// use serde_json::json;
    ///
    /// let case = ThreeWayCase::new(json!(null), json!({"a": 1}), json!({}), json!({"a": 1}));
    /// assert!(case.schema.is_null());
    /// ```
    #[must_use]
    pub fn new(schema: Value, original: Value, modified: Value, current: Value) -> ThreeWayCase {
        ThreeWayCase {
            schema,
            original,
            modified,
            current,
        }
    }
}

/// A three-way case: a generated schema (or, one case in four, none: the
/// RFC 7396 flavour), a document as the original, an edit of it as the
/// modified (the user: members and list elements added, removed, changed,
/// reordered), and another edit as the current (other writers, who may
/// change what the user changes too). Sometimes the modified or the current
/// is the original itself, and sometimes there is no original.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::three_way::arb_three_way_case;
/// use proptest::prelude::*;
///
/// proptest!(|(case in arb_three_way_case())| {
///     prop_assert!(case.modified.is_object() && case.current.is_object());
///     prop_assert!(case.original.is_object() || case.original.is_null());
/// });
/// ```
pub fn arb_three_way_case() -> BoxedStrategy<ThreeWayCase> {
    (
        any::<u64>(),
        1usize..=3,
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
    )
        .prop_map(|(schema_seed, size, doc_seed, user_seed, other_seed)| {
            let d = &mut SplitMix64::new(schema_seed);
            let shape = root_shape(d);
            let schema = if d.chance(25) {
                Value::Null
            } else {
                openapi(&shape)
            };
            let original = document(&shape, size, &mut SplitMix64::new(doc_seed));
            let user = &mut SplitMix64::new(user_seed);
            let modified = if user.chance(12) {
                original.clone()
            } else {
                edit(&shape, &original, user)
            };
            let other = &mut SplitMix64::new(other_seed);
            let current = if other.chance(15) {
                original.clone()
            } else {
                edit(&shape, &original, other)
            };
            let original = if user.chance(8) {
                Value::Null
            } else {
                original
            };
            ThreeWayCase {
                schema,
                original,
                modified,
                current,
            }
        })
        .boxed()
}

/// Two appliers that own different fields, each with a few versions of its
/// configuration, and the order they apply them in.
#[derive(Clone, Debug)]
pub struct AppliersCase {
    /// The schema in the protocol's form.
    pub schema: Value,
    /// The first applier's configurations, in the order it applies them.
    pub first: Vec<Value>,
    /// The second applier's.
    pub second: Vec<Value>,
    /// Who applies at each step (`true`: the first applier), each applying
    /// its next configuration, or its last one again once it has none left.
    pub schedule: Vec<bool>,
}

/// Two appliers of one object that own disjoint fields: each top-level
/// field of a generated schema belongs to one of them, except free-form
/// maps, merge lists and primitive merge lists, which both may write with
/// different keys, elements or values (as two controllers share
/// `metadata.labels` or `containers`). Each applier has one to three
/// configurations, each an edit of the one before, cut down to what it
/// owns, and the schedule interleaves their applies, with a few re-applies.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::three_way::arb_appliers_case;
/// use proptest::prelude::*;
///
/// proptest!(|(case in arb_appliers_case())| {
///     prop_assert!(!case.first.is_empty() && !case.second.is_empty());
///     let firsts = case.schedule.iter().filter(|&&f| f).count();
///     prop_assert!(firsts >= 1 && firsts < case.schedule.len());
/// });
/// ```
pub fn arb_appliers_case() -> BoxedStrategy<AppliersCase> {
    (any::<u64>(), any::<u64>(), any::<u64>())
        .prop_map(|(schema_seed, first_seed, second_seed)| {
            let d = &mut SplitMix64::new(schema_seed);
            let shape = root_shape(d);
            let Shape::Object { fields, .. } = &shape else {
                unreachable!("roots are objects")
            };
            let owners: Vec<Owner> = fields
                .iter()
                .map(|(_, field)| match field {
                    Shape::FreeMap | Shape::MergeList { .. } | Shape::Primitives(_)
                        if d.chance(50) =>
                    {
                        Owner::Both
                    }
                    _ if d.chance(50) => Owner::First,
                    _ => Owner::Second,
                })
                .collect();
            let first = versions(&shape, &owners, true, &mut SplitMix64::new(first_seed));
            let second = versions(&shape, &owners, false, &mut SplitMix64::new(second_seed));
            let mut schedule: Vec<bool> = std::iter::repeat(true)
                .take(first.len())
                .chain(std::iter::repeat(false).take(second.len()))
                .collect();
            for _ in 0..d.below(3) {
                let again = d.chance(50);
                schedule.push(again);
            }
            d.shuffle(&mut schedule);
            AppliersCase {
                schema: openapi(&shape),
                first,
                second,
                schedule,
            }
        })
        .boxed()
}

/// Who owns a top-level field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    First,
    Second,
    /// Both, each with its own keys, elements or values.
    Both,
}

/// One applier's configurations: a document and edits of it, each cut down
/// to what the applier owns.
fn versions(shape: &Shape, owners: &[Owner], first: bool, d: &mut SplitMix64) -> Vec<Value> {
    let mut full = document(shape, 2, d);
    let mut out = Vec::new();
    for _ in 0..=d.below(3) {
        out.push(owned(shape, &full, owners, first));
        full = edit(shape, &full, d);
    }
    out
}

/// What of `doc` the applier (`first` or not) owns.
fn owned(shape: &Shape, doc: &Value, owners: &[Owner], first: bool) -> Value {
    let (Shape::Object { fields, .. }, Value::Object(members)) = (shape, doc) else {
        return Value::Object(Map::new());
    };
    let mut kept = Map::new();
    for ((name, field), owner) in fields.iter().zip(owners) {
        // A field both own stays in every configuration, empty if need be:
        // dropping it would delete it whole, the other's entries included.
        let empty = match field {
            Shape::FreeMap => Value::Object(Map::new()),
            _ => Value::Array(Vec::new()),
        };
        let value = match (members.get(name), owner) {
            (Some(value), _) => value,
            (None, Owner::Both) => &empty,
            (None, _) => continue,
        };
        let mine = |i: usize| (i % 2 == 0) == first;
        let share = match (owner, field, value) {
            (Owner::First, ..) if first => Some(value.clone()),
            (Owner::Second, ..) if !first => Some(value.clone()),
            (Owner::Both, Shape::FreeMap, Value::Object(map)) => Some(Value::Object(
                map.iter()
                    .filter(|(k, _)| MAP_KEYS.iter().position(|m| m == k).is_some_and(mine))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )),
            (Owner::Both, Shape::MergeList { key, item, .. }, Value::Array(items)) => {
                let pool = key_pool(key_shape(item, key));
                Some(Value::Array(
                    items
                        .iter()
                        .filter(|e| {
                            e.get(key)
                                .and_then(|k| pool.iter().position(|p| p == k))
                                .is_some_and(mine)
                        })
                        .cloned()
                        .collect(),
                ))
            }
            (Owner::Both, Shape::Primitives(_), Value::Array(items)) => Some(Value::Array(
                items
                    .iter()
                    .filter(|v| match v {
                        Value::Number(n) => n.as_u64().is_some_and(|n| mine(n as usize)),
                        Value::String(s) => s.bytes().next().is_some_and(|b| mine(usize::from(b))),
                        _ => false,
                    })
                    .cloned()
                    .collect(),
            )),
            _ => None,
        };
        if let Some(share) = share {
            kept.insert(name.clone(), share);
        }
    }
    Value::Object(kept)
}
