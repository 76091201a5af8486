//! Generators for strategic merge patch, from both sources: objects of
//! built-in Kubernetes kinds with patches and edits for them
//! ([`kubernetes`](super::kubernetes)), and generated schemas with
//! documents, patches and edits ([`schema`](super::schema)).
//!
//! What the generators never produce, and why:
//!
//! - `null` elements and mixed scalar/object elements in lists that merge,
//!   and merge keys whose value is an object or a list: kubectl panics on
//!   them (an invalid object a cluster would not hold anyway);
//! - integral doubles (`80.0`) in live objects: kubectl re-encodes the
//!   object through Go before patching, so `80.0` in a file reaches the
//!   patch code as the integer `80`, which says nothing about strategic
//!   merge patch (patches do carry them: there Kubernetes keeps them as
//!   `float64`, and `80.0` does not match the key `80`);
//! - a patch with both `$deleteFromPrimitiveList/f` and a list `f` in one
//!   map: Kubernetes applies the two in the order it iterates the patch
//!   map, and Go randomises map iteration, so the same patch gives one
//!   result or the other from run to run.

use serde_json::Value;

pub use super::kubernetes::{
    arb_builtin_case, arb_builtin_object, arb_builtin_object_of, arb_builtin_object_with,
    arb_builtin_pair_of, arb_repeated_env_pair, arb_strategic_patch_for, BuiltinKind,
    ObjectOptions,
};
pub use super::schema::{arb_strategic_case, arb_strategic_pair, StrategicCase};

/// Removes `$deleteFromPrimitiveList/f` from every map that also holds the
/// list `f`: Kubernetes applies the two in Go's random map order, so the
/// result is not deterministic (see the module docs).
pub(super) fn drop_nondeterministic(patch: &mut Value) {
    match patch {
        Value::Object(members) => {
            let clashing: Vec<String> = members
                .keys()
                .filter(|k| {
                    k.strip_prefix("$deleteFromPrimitiveList/")
                        .is_some_and(|f| members.contains_key(f))
                })
                .cloned()
                .collect();
            for k in clashing {
                members.remove(&k);
            }
            members.values_mut().for_each(drop_nondeterministic);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nondeterministic),
        _ => {}
    }
}
