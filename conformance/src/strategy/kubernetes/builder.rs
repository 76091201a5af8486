//! The builder of a strategic merge patch: edits write maps, members and
//! list elements at pointers into the patch; `$setElementOrder` directives
//! are written last, once the patch lists they order are known.

use serde_json::{json, Map, Value};

use crate::strategy::random::SplitMix64;

/// A patch being built: edits write into it; the `$setElementOrder`
/// directives are written last, once the patch lists they order are known.
pub(super) struct PatchBuilder {
    patch: Value,
    orders: Vec<Order>,
}

/// A `$setElementOrder/<field>` to write in the map at `parent` (a pointer
/// into the patch) once the patch list is final.
struct Order {
    parent: String,
    field: String,
    /// The merge key, or `None` for a list of primitives.
    key: Option<String>,
    /// The live list.
    live: Vec<Value>,
    seed: u64,
}

impl PatchBuilder {
    /// An empty patch.
    pub(super) fn new() -> PatchBuilder {
        PatchBuilder {
            patch: Value::Object(Map::new()),
            orders: Vec::new(),
        }
    }

    /// The map at `path` in the patch, made (or made a map) on the way.
    /// Indices step into lists the builder made.
    pub(super) fn map_at(&mut self, path: &str) -> &mut Map<String, Value> {
        let mut here = &mut self.patch;
        for token in path.split('/').skip(1) {
            here = match here {
                Value::Array(items) => {
                    let i: usize = token.parse().expect("an index the builder wrote");
                    &mut items[i]
                }
                other => {
                    if !other.is_object() {
                        *other = Value::Object(Map::new());
                    }
                    other
                        .as_object_mut()
                        .expect("made an object")
                        .entry(token)
                        .or_insert_with(|| Value::Object(Map::new()))
                }
            };
        }
        if !here.is_object() {
            *here = Value::Object(Map::new());
        }
        here.as_object_mut().expect("made an object")
    }

    /// Sets the member at `path` (its last token is the member's name).
    pub(super) fn set(&mut self, path: &str, value: Value) {
        let (parent, name) = path.rsplit_once('/').expect("a member path");
        self.map_at(parent).insert(name.to_owned(), value);
    }

    /// Sets the member `name` (which may hold a `/`) of the map at `parent`.
    pub(super) fn set_member(&mut self, parent: &str, name: &str, value: Value) {
        self.map_at(parent).insert(name.to_owned(), value);
    }

    /// The patch list at `path`, made (or made a list) if needed.
    pub(super) fn list_at(&mut self, path: &str) -> &mut Vec<Value> {
        let (parent, name) = path.rsplit_once('/').expect("a member path");
        let slot = self
            .map_at(parent)
            .entry(name)
            .or_insert_with(|| Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        slot.as_array_mut().expect("made a list")
    }

    /// The pointer of the patch list element at `list` whose `key` is
    /// `value` (and that is not a directive), added if missing.
    pub(super) fn element(&mut self, list: &str, key: &str, value: &Value) -> String {
        let items = self.list_at(list);
        let at = items
            .iter()
            .position(|e| e.get(key) == Some(value) && e.get("$patch").is_none())
            .unwrap_or_else(|| {
                let mut element = Map::new();
                element.insert(key.to_owned(), value.clone());
                items.push(Value::Object(element));
                items.len() - 1
            });
        format!("{list}/{at}")
    }

    pub(super) fn order(&mut self, list: &str, key: Option<&str>, live: Option<&Value>, seed: u64) {
        let (parent, field) = list.rsplit_once('/').expect("a member path");
        self.orders.push(Order {
            parent: parent.to_owned(),
            field: field.to_owned(),
            key: key.map(str::to_owned),
            live: live.and_then(Value::as_array).cloned().unwrap_or_default(),
            seed,
        });
    }

    /// The patch, with its `$setElementOrder` directives written.
    pub(super) fn finish(mut self) -> Value {
        for order in std::mem::take(&mut self.orders) {
            write_order(&mut self.patch, &order);
        }
        crate::strategy::strategic::drop_nondeterministic(&mut self.patch);
        self.patch
    }
}

/// Writes `$setElementOrder/<field>`: the live keys and the patch's, in a
/// random order that keeps the patch list's relative order (as Kubernetes
/// requires), sometimes with a key missing, an extra one, or in any order.
fn write_order(patch: &mut Value, order: &Order) {
    let Some(Value::Object(parent)) = patch.pointer_mut(&order.parent) else {
        return;
    };
    let d = &mut SplitMix64::new(order.seed);
    let key_of = |item: &Value| -> Option<Value> {
        match &order.key {
            Some(key) if item.get("$patch").is_none() => item.get(key).cloned(),
            Some(_) => None,
            None => Some(item.clone()),
        }
    };
    let patch_keys: Vec<Value> = match parent.get(&order.field) {
        Some(Value::Array(items)) => items.iter().filter_map(key_of).collect(),
        _ => Vec::new(),
    };
    let mut all: Vec<Value> = Vec::new();
    for k in order
        .live
        .iter()
        .filter_map(key_of)
        .chain(patch_keys.clone())
    {
        if !all.contains(&k) {
            all.push(k);
        }
    }
    d.shuffle(&mut all);
    if !d.chance(5) {
        // Put the patch's keys, in the patch's order, where the shuffle put
        // some of them.
        let mut in_patch_order = patch_keys.iter().filter({
            let mut seen = Vec::new();
            move |k| {
                let fresh = !seen.contains(*k);
                seen.push((*k).clone());
                fresh
            }
        });
        for slot in all.iter_mut() {
            if patch_keys.contains(slot) {
                *slot = in_patch_order.next().expect("as many").clone();
            }
        }
    }
    if !all.is_empty() && d.chance(15) {
        let at = d.below(all.len());
        all.remove(at);
    }
    if d.chance(10) {
        // A key the patch deletes, or a key twice.
        let deleted = match (parent.get(&order.field), &order.key) {
            (Some(Value::Array(items)), Some(key)) => items
                .iter()
                .find(|i| i.get("$patch").is_some_and(|p| p == "delete"))
                .and_then(|i| i.get(key))
                .cloned(),
            _ => None,
        };
        if let Some(k) = deleted.or_else(|| all.first().cloned()) {
            let at = d.below(all.len() + 1);
            all.insert(at, k);
        }
    }
    if d.chance(10) {
        let extra = match &order.key {
            Some(_) if all.first().is_some_and(Value::is_number) => json!(7777),
            _ => json!("extra"),
        };
        let at = d.below(all.len() + 1);
        all.insert(at, extra);
    }
    let entries = all
        .into_iter()
        .map(|k| match &order.key {
            Some(key) => {
                let mut entry = Map::new();
                entry.insert(key.clone(), k);
                Value::Object(entry)
            }
            None => k,
        })
        .collect();
    parent.insert(
        format!("$setElementOrder/{}", order.field),
        Value::Array(entries),
    );
}
