//! The three-way laws of `spec/50-three-way.md`.
//!
//! A case is a schema (or `null` for the RFC 7396 flavour) and three
//! documents: the original `o`, the modified `m`, the current `c`
//! ([`ThreeWayCase`]). The laws merge them through the implementation
//! (`three_way.strategic` or `three_way.merge_patch`), apply the patch to
//! `c` (`strategic.apply` or `merge_patch.apply`) and look at the result
//! `r` path by path, reading the schema's patch metadata with patchlaw's
//! OpenAPI reader. Paths name merge-list elements by their merge key, as
//! [`Step`] does. Cases outside a law's domain (documents not valid under
//! the schema: repeated keys, `null` in arrays) pass.

use serde_json::{Map, Value};

use patchlaw::strategic::{Field, Schema, Strategy};
use patchlaw::three_way::Step;

use super::strategic::{kind, parse_schema, sorts_a_primitive_list, valid_under};
use super::{call, declare_checks, Violation};
use crate::implementation::{abbreviate, args, Implementation, Op, Reply};
use crate::strategy::three_way::{
    arb_appliers_case, arb_three_way_case, AppliersCase, ThreeWayCase,
};

declare_checks! {
    /// `LAW-TW-CONVERGES`: what the user set is in the result.
    CONVERGES: ThreeWayCase = ("LAW-TW-CONVERGES",
        [ThreeWayStrategic, StrategicApply, ThreeWayMergePatch, MergePatchApply])
        on arb_three_way_case(), |imp, case| converges(imp, case);

    /// `LAW-TW-DELETES-DROPPED`: what the user dropped is gone.
    DELETES_DROPPED: ThreeWayCase = ("LAW-TW-DELETES-DROPPED",
        [ThreeWayStrategic, StrategicApply, ThreeWayMergePatch, MergePatchApply])
        on arb_three_way_case(), |imp, case| deletes_dropped(imp, case);

    /// `LAW-TW-PRESERVES-OTHERS`: what only other writers touched survives.
    PRESERVES_OTHERS: ThreeWayCase = ("LAW-TW-PRESERVES-OTHERS",
        [ThreeWayStrategic, StrategicApply, ThreeWayMergePatch, MergePatchApply])
        on arb_three_way_case(), |imp, case| preserves_others(imp, case);

    /// `LAW-TW-STABLE`: re-applying the same configuration changes nothing.
    STABLE: ThreeWayCase = ("LAW-TW-STABLE",
        [ThreeWayStrategic, StrategicApply, ThreeWayMergePatch, MergePatchApply])
        on arb_three_way_case(), |imp, case| stable(imp, case);

    /// `LAW-TW-REDUCES-TO-TWO-WAY`: with nobody else writing, the result is
    /// the new configuration.
    REDUCES_TO_TWO_WAY: ThreeWayCase = ("LAW-TW-REDUCES-TO-TWO-WAY",
        [ThreeWayStrategic, StrategicApply, ThreeWayMergePatch, MergePatchApply])
        on arb_three_way_case(), |imp, case| reduces_to_two_way(imp, case);

    /// `LAW-TW-CONFLICT`: the conflicts are exactly those of the rule.
    CONFLICT: ThreeWayCase = ("LAW-TW-CONFLICT",
        [ThreeWayStrategic, ThreeWayMergePatch])
        on arb_three_way_case(), |imp, case| conflict(imp, case);

    /// `LAW-TW-DISJOINT-APPLIERS`: appliers that own different fields never
    /// undo each other.
    DISJOINT_APPLIERS: AppliersCase = ("LAW-TW-DISJOINT-APPLIERS",
        [ThreeWayStrategic, StrategicApply])
        on arb_appliers_case(), |imp, case| disjoint_appliers(imp, case);
}

/// The flavour of a case, with the schema read.
enum Flavour {
    Strategic(Schema),
    MergePatch,
}

impl Flavour {
    fn of(law: &'static str, case: &ThreeWayCase) -> Result<Flavour, Violation> {
        if case.schema.is_null() {
            Ok(Flavour::MergePatch)
        } else {
            parse_schema(law, &case.schema).map(Flavour::Strategic)
        }
    }

    /// The patch metadata at a path of member names (`/a/b`), list elements
    /// implicit.
    fn field(&self, path: &str) -> Option<Field> {
        match self {
            Flavour::Strategic(schema) => schema.lookup(path).ok().flatten().cloned(),
            Flavour::MergePatch => None,
        }
    }

    /// Whether a case is in the laws' domain: documents valid under the
    /// schema (unique keys, no `null` in merge lists), no `null` anywhere in
    /// arrays (Kubernetes drops them from objects inside arrays), and no
    /// merge list whose elements are of one Go type in one document and of
    /// another in the next (Kubernetes' diff refuses them).
    fn in_domain(&self, docs: &[&Value]) -> bool {
        let each = docs.iter().all(|doc| {
            (doc.is_null() || doc.is_object())
                && !null_in_array(doc, false)
                && match self {
                    Flavour::Strategic(schema) => doc.is_null() || valid_under(schema, doc),
                    Flavour::MergePatch => true,
                }
        });
        each && match self {
            Flavour::Strategic(schema) => docs.iter().enumerate().all(|(i, a)| {
                docs[i + 1..]
                    .iter()
                    .all(|b| !element_kinds_differ(schema, a, b, ""))
            }),
            Flavour::MergePatch => true,
        }
    }

    /// Equality of results: exact for strategic (Go tells `1` from `1.0`),
    /// numeric for RFC 7396 (it compares `float64`s).
    fn same(&self, a: &Value, b: &Value) -> bool {
        match self {
            Flavour::Strategic(_) => a == b,
            Flavour::MergePatch => patchlaw::json_patch::equal(a, b),
        }
    }
}

/// Whether two documents hold merge lists at the same place whose elements
/// are of different Go types.
fn element_kinds_differ(schema: &Schema, a: &Value, b: &Value, path: &str) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.iter().any(|(k, v)| {
            y.get(k).is_some_and(|w| {
                let here = format!("{path}/{}", patchlaw::pointer::escape(k));
                element_kinds_differ(schema, v, w, &here)
            })
        }),
        (Value::Array(x), Value::Array(y)) => {
            let merge = schema
                .lookup(path)
                .ok()
                .flatten()
                .is_some_and(|f| f.strategy() == Strategy::Merge);
            if !merge {
                return false;
            }
            if let (Some(p), Some(q)) = (x.first(), y.first()) {
                if kind(p) != kind(q) {
                    return true;
                }
            }
            let key = schema
                .lookup(path)
                .ok()
                .flatten()
                .and_then(|f| f.merge_key().map(str::to_owned));
            match key {
                Some(key) => x.iter().any(|e| {
                    let k = e.get(&key);
                    y.iter()
                        .find(|f| f.get(&key).is_some() && f.get(&key) == k)
                        .is_some_and(|f| element_kinds_differ(schema, e, f, path))
                }),
                None => false,
            }
        }
        _ => false,
    }
}

fn null_in_array(value: &Value, in_array: bool) -> bool {
    match value {
        Value::Null => in_array,
        Value::Array(items) => items.iter().any(|v| null_in_array(v, true)),
        Value::Object(members) => members.values().any(|v| null_in_array(v, in_array)),
        _ => false,
    }
}

/// A case's flavour and documents, or `None` outside the laws' domain.
fn in_domain<'c>(
    law: &'static str,
    case: &'c ThreeWayCase,
) -> Result<Option<(Flavour, [&'c Value; 3])>, Violation> {
    let flavour = Flavour::of(law, case)?;
    let docs = [&case.original, &case.modified, &case.current];
    Ok(flavour.in_domain(&docs).then_some((flavour, docs)))
}

/// The three-way merge through the implementation: `Ok(Ok((patch,
/// conflicts)))`, `Ok(Err(code))` for an error reply.
type Merged = Result<(Value, Vec<Value>), (String, Vec<Value>)>;

fn merge<I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    case: &ThreeWayCase,
    (o, m, c): (&Value, &Value, &Value),
    overwrite: bool,
) -> Result<Merged, Violation> {
    let list = |conflicts: Option<Value>| match conflicts {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let (op, reply) = if case.schema.is_null() {
        let op = Op::ThreeWayMergePatch;
        let request = [
            ("original", o.clone()),
            ("modified", m.clone()),
            ("current", c.clone()),
            ("overwrite", Value::Bool(overwrite)),
        ];
        (op, imp.run(op, args(request)))
    } else {
        let op = Op::ThreeWayStrategic;
        let request = [
            ("original", o.clone()),
            ("modified", m.clone()),
            ("current", c.clone()),
            ("schema", case.schema.clone()),
            ("overwrite", Value::Bool(overwrite)),
        ];
        (op, imp.run(op, args(request)))
    };
    match reply {
        Reply::Ok { result, conflicts } => Ok(Ok((result, list(conflicts)))),
        Reply::Error {
            code, conflicts, ..
        } => Ok(Err((code, list(conflicts)))),
        other => Err(Violation::new(
            law,
            format!("{op} gave {}", other.describe()),
        )),
    }
}

/// The patch applied to `doc` through the implementation.
fn apply<I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    case: &ThreeWayCase,
    doc: &Value,
    patch: &Value,
) -> Result<Result<Value, String>, Violation> {
    if case.schema.is_null() {
        call(
            imp,
            law,
            Op::MergePatchApply,
            &[("doc", doc), ("patch", patch)],
        )
    } else {
        call(
            imp,
            law,
            Op::StrategicApply,
            &[("doc", doc), ("patch", patch), ("schema", &case.schema)],
        )
    }
}

/// `r = apply(c, threeway(o, m, c))` with the patch, or `None` outside
/// the laws' domain (an RFC 7396 patch that would change `apiVersion`,
/// `kind` or `metadata.name`, which kubectl's preconditions refuse); the
/// merge or the apply failing on a case in the domain breaks every law.
fn result_of<I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    case: &ThreeWayCase,
    (o, m, c): (&Value, &Value, &Value),
) -> Result<Option<(Value, Value)>, Violation> {
    let patch = match merge(imp, law, case, (o, m, c), true)? {
        Ok((patch, _)) => patch,
        Err((code, _)) if code == "precondition-failed" && case.schema.is_null() => {
            return Ok(None)
        }
        Err((code, _)) => {
            return Err(Violation::new(
                law,
                format!(
                    "the three-way merge failed with {code} ({})",
                    shown(o, m, c)
                ),
            ))
        }
    };
    let base = if c.is_null() {
        Value::Object(Map::new())
    } else {
        c.clone()
    };
    match apply(imp, law, case, &base, &patch)? {
        Ok(r) => Ok(Some((patch, r))),
        Err(code) => Err(Violation::new(
            law,
            format!(
                "its patch {} does not apply: {code} ({})",
                abbreviate(&patch),
                shown(o, m, c)
            ),
        )),
    }
}

fn shown(o: &Value, m: &Value, c: &Value) -> String {
    format!(
        "original {}, modified {}, current {}",
        abbreviate(o),
        abbreviate(m),
        abbreviate(c)
    )
}

/// A value `m` sets (D: the laws of spec/50), or the items of a primitive
/// merge list it sets.
enum Set {
    Value(Vec<Step>, Value),
    Items(Vec<Step>, Vec<Value>),
}

/// The paths `m` sets: its leaves reached through objects and merge lists
/// (scalars, atomic lists, `replace` objects, the items of primitive merge
/// lists); `null`s and empty objects set nothing.
fn sets(flavour: &Flavour, members: &Map<String, Value>, at: &Place, out: &mut Vec<Set>) {
    for (key, value) in members {
        let here = at.member(key);
        let field = flavour.field(&here.schema_path);
        match value {
            Value::Null => {}
            Value::Object(inner) => {
                if field
                    .as_ref()
                    .is_some_and(|f| f.strategy() == Strategy::Replace)
                {
                    out.push(Set::Value(here.steps, value.clone()));
                } else {
                    sets(flavour, inner, &here, out);
                }
            }
            Value::Array(items) => match merge_list(field.as_ref(), items) {
                Some(List::Keyed(key)) => {
                    for element in items {
                        if let (Value::Object(inner), Some(k)) = (element, element.get(&key)) {
                            sets(flavour, inner, &here.element(&key, k), out);
                        }
                    }
                }
                Some(List::Primitive) => out.push(Set::Items(here.steps, items.clone())),
                None => out.push(Set::Value(here.steps, value.clone())),
            },
            _ => out.push(Set::Value(here.steps, value.clone())),
        }
    }
}

/// A place in a document: the steps to it, and the path of member names
/// that the schema is looked up by.
#[derive(Clone, Default)]
struct Place {
    steps: Vec<Step>,
    schema_path: String,
}

impl Place {
    fn member(&self, key: &str) -> Place {
        let mut steps = self.steps.clone();
        steps.push(Step::member(key));
        Place {
            steps,
            schema_path: format!("{}/{}", self.schema_path, patchlaw::pointer::escape(key)),
        }
    }

    fn element(&self, key: &str, value: &Value) -> Place {
        let mut steps = self.steps.clone();
        steps.push(Step::element(key, value.clone()));
        Place {
            steps,
            schema_path: self.schema_path.clone(),
        }
    }
}

/// How a list merges.
enum List {
    /// By the merge key.
    Keyed(String),
    /// As a set of scalars.
    Primitive,
}

fn merge_list(field: Option<&Field>, items: &[Value]) -> Option<List> {
    let field = field.filter(|f| f.strategy() == Strategy::Merge)?;
    if items.iter().any(Value::is_object) {
        field
            .merge_key()
            .filter(|k| !k.is_empty())
            .map(|k| List::Keyed(k.to_owned()))
    } else {
        Some(List::Primitive)
    }
}

fn object(value: &Value) -> Option<&Map<String, Value>> {
    value.as_object()
}

fn contains(list: Option<&Value>, item: &Value) -> bool {
    list.and_then(Value::as_array)
        .is_some_and(|items| items.contains(item))
}

/// The element of a merge list with the key `value`, by the text Go's `%s`
/// prints (as [`Step::find`] finds it).
fn element_of<'v>(list: Option<&'v Value>, key: &str, value: &Value) -> Option<&'v Value> {
    let wanted = [Step::element(key, value.clone())];
    list.and_then(|l| Step::find(l, &wanted))
}

/// Checks `LAW-TW-CONVERGES`: every path `m` sets has `m`'s value in `r`;
/// every item of a primitive merge list of `m` is in `r`'s list.
///
/// # Errors
///
/// The violation, naming the path.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::three_way, strategy::three_way::ThreeWayCase, Native};
/// use serde_json::json;
///
/// let case = ThreeWayCase::new(
///     json!({"builtin": "apps/v1/Deployment"}),
///     json!({"spec": {"replicas": 1}}),
///     json!({"spec": {"replicas": 2, "paused": true}}),
///     json!({"spec": {"replicas": 5}}),
/// );
/// three_way::converges(&mut Native::new(), &case)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn converges<I: Implementation + ?Sized>(
    imp: &mut I,
    case: &ThreeWayCase,
) -> Result<(), Violation> {
    let law = CONVERGES.id;
    let Some((flavour, [o, m, c])) = in_domain(law, case)? else {
        return Ok(());
    };
    let Some((patch, r)) = result_of(imp, law, case, (o, m, c))? else {
        return Ok(());
    };
    let mut set = Vec::new();
    sets(
        &flavour,
        object(m).expect("in the domain"),
        &Place::default(),
        &mut set,
    );
    for leaf in set {
        let wrong = match &leaf {
            Set::Value(path, value) => Step::find(&r, path)
                .filter(|got| flavour.same(got, value))
                .is_none()
                .then(|| (path, abbreviate(value).to_string())),
            Set::Items(path, items) => {
                let list = Step::find(&r, path);
                items
                    .iter()
                    .find(|item| !contains(list, item))
                    .map(|item| (path, format!("an item {}", abbreviate(item))))
            }
        };
        if let Some((path, wanted)) = wrong {
            return Err(Violation::new(
                law,
                format!(
                    "at {} the result has {} where the user set {wanted}; patch {} ({})",
                    Step::display(path),
                    Step::find(&r, path).map_or("nothing".to_owned(), abbreviate),
                    abbreviate(&patch),
                    shown(o, m, c)
                ),
            ));
        }
    }
    Ok(())
}

/// A path `o` had and `m` dropped: absent from `r`, or an item no longer in
/// a primitive merge list.
enum Dropped {
    Path(Vec<Step>),
    Item(Vec<Step>, Value),
}

fn dropped(
    flavour: &Flavour,
    original: &Map<String, Value>,
    modified: Option<&Map<String, Value>>,
    at: &Place,
    out: &mut Vec<Dropped>,
) {
    for (key, old) in original {
        if old.is_null() {
            continue;
        }
        let here = at.member(key);
        let Some(new) = modified.and_then(|m| m.get(key)).filter(|v| !v.is_null()) else {
            out.push(Dropped::Path(here.steps));
            continue;
        };
        let field = flavour.field(&here.schema_path);
        match (old, new) {
            (Value::Object(a), Value::Object(b))
                if !field
                    .as_ref()
                    .is_some_and(|f| f.strategy() == Strategy::Replace) =>
            {
                dropped(flavour, a, Some(b), &here, out);
            }
            (Value::Array(a), Value::Array(_)) => match merge_list(field.as_ref(), a) {
                Some(List::Keyed(k)) => {
                    for element in a {
                        let (Value::Object(inner), Some(value)) = (element, element.get(&k)) else {
                            continue;
                        };
                        let place = here.element(&k, value);
                        match element_of(Some(new), &k, value).and_then(Value::as_object) {
                            Some(kept) => dropped(flavour, inner, Some(kept), &place, out),
                            None => out.push(Dropped::Path(place.steps)),
                        }
                    }
                }
                Some(List::Primitive) => {
                    for item in a {
                        if !contains(Some(new), item) {
                            out.push(Dropped::Item(here.steps.clone(), item.clone()));
                        }
                    }
                }
                None => {}
            },
            _ => {}
        }
    }
}

/// Checks `LAW-TW-DELETES-DROPPED`: every path of `o` that `m` no longer
/// has is absent from `r`; an item dropped from a primitive merge list is
/// not in `r`'s.
///
/// # Errors
///
/// The violation, naming the path.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::three_way, strategy::three_way::ThreeWayCase, Native};
/// use serde_json::json;
///
/// let case = ThreeWayCase::new(
///     json!({"builtin": "v1/ConfigMap"}),
///     json!({"metadata": {"labels": {"a": "1", "b": "2"}}}),
///     json!({"metadata": {"labels": {"a": "1"}}}),
///     json!({"metadata": {"labels": {"a": "1", "b": "3", "c": "4"}}}),
/// );
/// three_way::deletes_dropped(&mut Native::new(), &case)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn deletes_dropped<I: Implementation + ?Sized>(
    imp: &mut I,
    case: &ThreeWayCase,
) -> Result<(), Violation> {
    let law = DELETES_DROPPED.id;
    let Some((flavour, [o, m, c])) = in_domain(law, case)?.filter(|(_, [o, ..])| !o.is_null())
    else {
        return Ok(());
    };
    let Some((patch, r)) = result_of(imp, law, case, (o, m, c))? else {
        return Ok(());
    };
    if directive_in(&r) {
        // A list element new to the object keeps the patch's directives as
        // data, a `$patch: delete` element included (spec/50's
        // counterexample).
        return Ok(());
    }
    let mut gone = Vec::new();
    dropped(
        &flavour,
        object(o).expect("in the domain"),
        object(m),
        &Place::default(),
        &mut gone,
    );
    for path in gone {
        let left = match &path {
            // A list new to the object keeps the patch's `null`s as data
            // (spec/50's counterexample): `null` counts as gone.
            Dropped::Path(steps) => Step::find(&r, steps)
                .filter(|v| !v.is_null())
                .map(|v| (steps, abbreviate(v))),
            Dropped::Item(steps, item) => contains(Step::find(&r, steps), item)
                .then(|| (steps, format!("the item {}", abbreviate(item)))),
        };
        if let Some((steps, what)) = left {
            return Err(Violation::new(
                law,
                format!(
                    "the user dropped {} but the result still has {what}; patch {} ({})",
                    Step::display(steps),
                    abbreviate(&patch),
                    shown(o, m, c)
                ),
            ));
        }
    }
    Ok(())
}

/// A value of `c` no other writer's configuration touches: it must survive.
enum Kept {
    Value(Vec<Step>, Value),
    Item(Vec<Step>, Value),
}

/// The untouched values of `c` (spec/50): neither `o` nor `m` has a value
/// at the path or at a prefix that is not an object or a merge list, the
/// user did not drop a prefix, and the path is not under a `replace`
/// object, a `retainKeys` object or `merge,retainKeys` element that `m`
/// has (members `m` lacks there go).
fn untouched(
    flavour: &Flavour,
    current: &Map<String, Value>,
    (original, modified): (Option<&Members>, Option<&Members>),
    retain: bool,
    at: &Place,
    out: &mut Vec<Kept>,
) {
    for (key, value) in current {
        let here = at.member(key);
        let o = original.and_then(|o| o.get(key));
        let m = modified.and_then(|m| m.get(key));
        if retain && m.is_none() {
            // `$retainKeys` lists the members `m` has.
            continue;
        }
        if o.is_some() && m.is_none() {
            // Dropped by the user: deleted whole.
            continue;
        }
        let field = flavour.field(&here.schema_path);
        let strategy = field.as_ref().map_or(Strategy::Default, Field::strategy);
        match value {
            Value::Object(inner) => {
                let container = |v: Option<&Value>| v.is_none_or_object();
                if !container(o) || !container(m) {
                    continue;
                }
                if strategy == Strategy::Replace && m.is_some() {
                    continue;
                }
                let retain_here = m.is_some() && field.as_ref().is_some_and(Field::retain_keys);
                if inner.is_empty() && o.is_none() && m.is_none() {
                    out.push(Kept::Value(here.steps, value.clone()));
                } else {
                    untouched(
                        flavour,
                        inner,
                        (o.and_then(Value::as_object), m.and_then(Value::as_object)),
                        retain_here,
                        &here,
                        out,
                    );
                }
            }
            Value::Array(items) => match merge_list(field.as_ref(), items) {
                Some(List::Keyed(k)) => {
                    if !o.is_none_or_array() || !m.is_none_or_array() {
                        continue;
                    }
                    let retain_elements = field.as_ref().is_some_and(Field::retain_keys);
                    for element in items {
                        let (Value::Object(inner), Some(key)) = (element, element.get(&k)) else {
                            continue;
                        };
                        let place = here.element(&k, key);
                        let oe = element_of(o, &k, key);
                        let me = element_of(m, &k, key);
                        if oe.is_some() && me.is_none() {
                            continue;
                        }
                        if oe.is_none() && me.is_none() {
                            out.push(Kept::Value(place.steps, element.clone()));
                        } else {
                            untouched(
                                flavour,
                                inner,
                                (oe.and_then(Value::as_object), me.and_then(Value::as_object)),
                                retain_elements && me.is_some(),
                                &place,
                                out,
                            );
                        }
                    }
                }
                Some(List::Primitive) => {
                    if !o.is_none_or_array() || !m.is_none_or_array() {
                        continue;
                    }
                    for item in items {
                        if !contains(o, item) && !contains(m, item) {
                            out.push(Kept::Item(here.steps.clone(), item.clone()));
                        }
                    }
                }
                None => {
                    if o.is_none() && m.is_none() {
                        out.push(Kept::Value(here.steps, value.clone()));
                    }
                }
            },
            _ => {
                if o.is_none() && m.is_none() {
                    out.push(Kept::Value(here.steps, value.clone()));
                }
            }
        }
    }
}

/// An object's members.
type Members = Map<String, Value>;

/// `Option<&Value>` tests that read as the spec's "absent, or an object".
trait Absent {
    fn is_none_or_object(&self) -> bool;
    fn is_none_or_array(&self) -> bool;
}

impl Absent for Option<&Value> {
    fn is_none_or_object(&self) -> bool {
        self.map_or(true, Value::is_object)
    }

    fn is_none_or_array(&self) -> bool {
        self.map_or(true, Value::is_array)
    }
}

/// Checks `LAW-TW-PRESERVES-OTHERS`: every untouched value of `c` is in
/// `r` as it was.
///
/// # Errors
///
/// The violation, naming the path.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::three_way, strategy::three_way::ThreeWayCase, Native};
/// use serde_json::json;
///
/// let case = ThreeWayCase::new(
///     json!({"builtin": "v1/Pod"}),
///     json!({"spec": {"containers": [{"name": "app", "image": "a:1"}]}}),
///     json!({"spec": {"containers": [{"name": "app", "image": "a:2"}]}}),
///     json!({"spec": {"containers": [
///         {"name": "istio-proxy", "image": "p:1"}, {"name": "app", "image": "a:1"}]}}),
/// );
/// three_way::preserves_others(&mut Native::new(), &case)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn preserves_others<I: Implementation + ?Sized>(
    imp: &mut I,
    case: &ThreeWayCase,
) -> Result<(), Violation> {
    let law = PRESERVES_OTHERS.id;
    let Some((flavour, [o, m, c])) = in_domain(law, case)? else {
        return Ok(());
    };
    let Some((patch, r)) = result_of(imp, law, case, (o, m, c))? else {
        return Ok(());
    };
    let mut kept = Vec::new();
    untouched(
        &flavour,
        object(c).expect("in the domain"),
        (object(o), object(m)),
        false,
        &Place::default(),
        &mut kept,
    );
    for value in kept {
        let lost = match &value {
            Kept::Value(steps, v) => Step::find(&r, steps)
                .filter(|got| flavour.same(got, v))
                .is_none()
                .then(|| (steps, abbreviate(v))),
            Kept::Item(steps, item) => (!contains(Step::find(&r, steps), item))
                .then(|| (steps, format!("the item {}", abbreviate(item)))),
        };
        if let Some((steps, what)) = lost {
            return Err(Violation::new(
                law,
                format!(
                    "another writer's {what} at {} is lost: the result has {}; patch {} ({})",
                    Step::display(steps),
                    Step::find(&r, steps).map_or("nothing".to_owned(), abbreviate),
                    abbreviate(&patch),
                    shown(o, m, c)
                ),
            ));
        }
    }
    Ok(())
}

/// Checks `LAW-TW-STABLE`: after an apply, applying the same configuration
/// again (original and modified both `m`) leaves the result as it is.
///
/// # Errors
///
/// The violation, with both results.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::three_way, strategy::three_way::ThreeWayCase, Native};
/// use serde_json::json;
///
/// let case = ThreeWayCase::new(
///     json!({"builtin": "v1/Pod"}),
///     json!({"spec": {"containers": [{"name": "app"}]}}),
///     json!({"spec": {"containers": [{"name": "app"}, {"name": "b"}]}}),
///     json!({"spec": {"containers": [{"name": "side"}, {"name": "app"}]}}),
/// );
/// three_way::stable(&mut Native::new(), &case)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn stable<I: Implementation + ?Sized>(
    imp: &mut I,
    case: &ThreeWayCase,
) -> Result<(), Violation> {
    let law = STABLE.id;
    let Some((flavour, [o, m, c])) = in_domain(law, case)? else {
        return Ok(());
    };
    let Some((_, r)) = result_of(imp, law, case, (o, m, c))? else {
        return Ok(());
    };
    if directive_in(&r) {
        // A `retainKeys` map new to the object keeps `$retainKeys` as data,
        // which the next apply removes (spec/50's counterexample).
        return Ok(());
    }
    let Some((patch, again)) = result_of(imp, law, case, (m, m, &r))? else {
        return Ok(());
    };
    if !flavour.same(&again, &r) {
        return Err(Violation::new(
            law,
            format!(
                "re-applying changes {} into {} (patch {}; {})",
                abbreviate(&r),
                abbreviate(&again),
                abbreviate(&patch),
                shown(o, m, c)
            ),
        ));
    }
    Ok(())
}

/// Whether a member name starting with `$` (a directive left as data) is
/// anywhere in `value`.
fn directive_in(value: &Value) -> bool {
    match value {
        Value::Object(members) => members
            .iter()
            .any(|(k, v)| k.starts_with('$') || directive_in(v)),
        Value::Array(items) => items.iter().any(directive_in),
        _ => false,
    }
}

/// Checks `LAW-TW-REDUCES-TO-TWO-WAY`: with the current equal to the
/// original, the result is the modified (for RFC 7396, numerically); for
/// documents in the domain of `LAW-SMP-DIFF-APPLY`.
///
/// # Errors
///
/// The violation, with the result.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::three_way, strategy::three_way::ThreeWayCase, Native};
/// use serde_json::json;
///
/// let case = ThreeWayCase::new(
///     serde_json::Value::Null,
///     json!({"a": 1, "b": [1, 2]}),
///     json!({"b": [2], "c": {"d": true}}),
///     json!({"ignored": "the law uses the original as the current"}),
/// );
/// three_way::reduces_to_two_way(&mut Native::new(), &case)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn reduces_to_two_way<I: Implementation + ?Sized>(
    imp: &mut I,
    case: &ThreeWayCase,
) -> Result<(), Violation> {
    let law = REDUCES_TO_TWO_WAY.id;
    let flavour = Flavour::of(law, case)?;
    let (o, m) = (&case.original, &case.modified);
    if !flavour.in_domain(&[o, m]) || o.is_null() {
        return Ok(());
    }
    if let Flavour::Strategic(schema) = &flavour {
        if sorts_a_primitive_list(schema, o, m, "") {
            return Ok(());
        }
    }
    let Some((patch, r)) = result_of(imp, law, case, (o, m, o))? else {
        return Ok(());
    };
    if !flavour.same(&r, m) {
        return Err(Violation::new(
            law,
            format!(
                "with nobody else writing, {} becomes {}, not {}: patch {}",
                abbreviate(o),
                abbreviate(&r),
                abbreviate(m),
                abbreviate(&patch)
            ),
        ));
    }
    Ok(())
}

/// Checks `LAW-TW-CONFLICT`: the conflicts reported are exactly the places
/// where the rule of spec/50 (D5.5) finds one between the patch and the
/// change `diff(o, c)` (without order directives, computed by patchlaw as
/// the reference); none when `c = o` and
/// `o` holds no `replace` object; and
/// `overwrite = false` fails with `conflict`, carrying them, exactly when
/// there are any. For the RFC 7396 flavour: no conflicts, and `overwrite`
/// changes nothing.
///
/// # Errors
///
/// The violation, with both sets of paths.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::three_way, strategy::three_way::ThreeWayCase, Native};
/// use serde_json::json;
///
/// let case = ThreeWayCase::new(
///     json!({"builtin": "apps/v1/Deployment"}),
///     json!({"spec": {"replicas": 1, "paused": false}}),
///     json!({"spec": {"replicas": 2}}),
///     json!({"spec": {"replicas": 5, "paused": true}}),
/// );
/// three_way::conflict(&mut Native::new(), &case)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn conflict<I: Implementation + ?Sized>(
    imp: &mut I,
    case: &ThreeWayCase,
) -> Result<(), Violation> {
    let law = CONFLICT.id;
    let Some((flavour, [o, m, c])) = in_domain(law, case)? else {
        return Ok(());
    };
    let fail = |what: String| Err(Violation::new(law, format!("{what} ({})", shown(o, m, c))));
    let (patch, reported) = match merge(imp, law, case, (o, m, c), true)? {
        Ok(merged) => merged,
        Err((code, _)) if code == "precondition-failed" && case.schema.is_null() => return Ok(()),
        Err((code, _)) => return fail(format!("the merge failed with {code}")),
    };
    let strict = merge(imp, law, case, (o, m, c), false)?;
    let Flavour::Strategic(schema) = &flavour else {
        if !reported.is_empty() {
            return fail(format!("RFC 7396 conflicts {reported:?}"));
        }
        return match strict {
            Ok((p, _)) if p == patch => Ok(()),
            other => fail(format!("without overwrite: {other:?}")),
        };
    };
    // The change, as Kubernetes' conflict check diffs it (no order
    // directives), by patchlaw: the reference here.
    let empty = Value::Object(Map::new());
    let original = if o.is_null() { &empty } else { o };
    let no_order = patchlaw::strategic::DiffOptions::new()
        .element_order(false)
        .limits(patchlaw::Limits::unlimited());
    let changed = match patchlaw::strategic::diff_with_options(original, c, schema, no_order) {
        Ok(changed) => changed,
        Err(err) => return fail(format!("diff(o, c) fails: {err}")),
    };
    let mut expected = Vec::new();
    reference(
        schema,
        &patch,
        &changed,
        &Place::default(),
        None,
        &mut expected,
    );
    let failing = |steps: &Vec<Step>| matches!(steps.last(), Some(Step::Member(k)) if k.starts_with(DELETE_FROM));
    let (failures, expected): (Vec<_>, Vec<_>) = expected.into_iter().partition(failing);
    let mut expected: Vec<Value> = expected
        .into_iter()
        .map(|steps| Value::Array(steps.iter().map(Step::to_json).collect()))
        .collect();
    let mut got: Vec<Value> = reported.iter().map(|c| c["path"].clone()).collect();
    let sort = |v: &mut Vec<Value>| v.sort_by_key(ToString::to_string);
    sort(&mut expected);
    sort(&mut got);
    if expected != got {
        return fail(format!(
            "patch {} and change {}: conflicts at {} expected, {} reported",
            abbreviate(&patch),
            abbreviate(&changed),
            abbreviate(&Value::Array(expected)),
            abbreviate(&Value::Array(got))
        ));
    }
    if o == c && !got.is_empty() && !has_replace(schema, o, "") {
        return fail(format!(
            "conflicts at {} although nobody else wrote; patch {}, change {}",
            abbreviate(&Value::Array(got)),
            abbreviate(&patch),
            abbreviate(&changed)
        ));
    }
    match strict {
        Ok(_) if reported.is_empty() && failures.is_empty() => Ok(()),
        Err((code, _))
            if reported.is_empty() && !failures.is_empty() && code == "unknown-field" =>
        {
            Ok(())
        }
        Err((code, conflicts)) if code == "conflict" && conflicts == reported => Ok(()),
        // Without conflicts, the check itself may fail where the schema
        // refuses a member both the patch and the change have (the
        // directives' names, under a typed schema).
        Err((code, _))
            if reported.is_empty()
                && matches!(code.as_str(), "unknown-field" | "type-mismatch") =>
        {
            Ok(())
        }
        other => fail(format!(
            "without overwrite, {} conflicts give {other:?}",
            reported.len()
        )),
    }
}

/// Whether `doc` holds a `replace` object anywhere: the change from a
/// document to itself holds each one (Kubernetes sends them whole).
fn has_replace(schema: &Schema, doc: &Value, path: &str) -> bool {
    match doc {
        Value::Object(members) => members.iter().any(|(k, v)| {
            let here = format!("{path}/{}", patchlaw::pointer::escape(k));
            let replace = v.is_object()
                && schema
                    .lookup(&here)
                    .ok()
                    .flatten()
                    .is_some_and(|f| f.strategy() == Strategy::Replace);
            replace || has_replace(schema, v, &here)
        }),
        Value::Array(items) => items.iter().any(|v| has_replace(schema, v, path)),
        _ => false,
    }
}

/// The prefix of the `$deleteFromPrimitiveList/<f>` directive.
const DELETE_FROM: &str = "$deleteFromPrimitiveList/";

/// D5.5 as written, on the patch `left` and the change `right` (both
/// built): where the two disagree. `field` is the metadata of the place.
fn reference(
    schema: &Schema,
    left: &Value,
    right: &Value,
    at: &Place,
    field: Option<&Field>,
    out: &mut Vec<Vec<Step>>,
) {
    let strategy = field.map_or(Strategy::Default, Field::strategy);
    match left {
        Value::Object(l) => {
            let Value::Object(r) = right else {
                out.push(at.steps.clone());
                return;
            };
            let (lm, rm) = (l.get("$patch"), r.get("$patch"));
            if (lm.is_some() || rm.is_some()) && lm != rm {
                out.push(at.steps.clone());
                return;
            }
            if strategy == Strategy::Replace {
                return;
            }
            for (key, value) in l {
                // Typed schemas refuse the directives' names as fields: the
                // check fails there (an error, not a conflict).
                if key == "$patch" || key == "$retainKeys" || key.starts_with('$') {
                    continue;
                }
                if key.starts_with(DELETE_FROM) {
                    // Kubernetes looks it up as a field, which fails the
                    // check rather than conflicting (D5.5): recorded at its
                    // place all the same, as a failure.
                    if r.contains_key(key) {
                        out.push(at.member(key).steps);
                    }
                    continue;
                }
                if let Some(other) = r.get(key) {
                    let here = at.member(key);
                    let sub = schema.lookup(&here.schema_path).ok().flatten().cloned();
                    let sub = sub.filter(|_| value.is_object() || value.is_array());
                    reference(schema, value, other, &here, sub.as_ref(), out);
                }
            }
        }
        Value::Array(l) => {
            let Value::Array(r) = right else {
                out.push(at.steps.clone());
                return;
            };
            let objects = l.iter().chain(r).any(Value::is_object);
            if strategy == Strategy::Merge {
                let Some(key) = field.and_then(Field::merge_key).filter(|_| objects) else {
                    return;
                };
                let text = |v: &Value| match v {
                    Value::String(s) => s.clone(),
                    other => format!("{}:{other}", if other.is_i64() { "i" } else { "f" }),
                };
                for element in l {
                    let Some(value) = element.get(key) else {
                        continue;
                    };
                    let other = r
                        .iter()
                        .rev()
                        .find(|e| e.get(key).is_some_and(|k| text(k) == text(value)));
                    if let Some(other) = other {
                        let here = at.element(key, value);
                        reference(schema, element, other, &here, None, out);
                    }
                }
                return;
            }
            if l.len() != r.len() {
                out.push(at.steps.clone());
                return;
            }
            if !objects {
                let set = |list: &[Value]| {
                    let mut items: Vec<String> = list.iter().map(text_of).collect();
                    items.sort();
                    items.dedup();
                    items
                };
                // Position by position along the patch's (Kubernetes
                // crashes where the change's is shorter).
                let (l, r) = (set(l), set(r));
                if l.len() > r.len() || l.iter().zip(&r).any(|(a, b)| a != b) {
                    out.push(at.steps.clone());
                }
                return;
            }
            for (i, (a, b)) in l.iter().zip(r).enumerate() {
                let mut here = at.clone();
                here.steps.push(Step::Index(i));
                reference(schema, a, b, &here, None, out);
            }
        }
        _ => {
            if left != right {
                out.push(at.steps.clone());
            }
        }
    }
}

/// A scalar's text, with its Go type: sets of scalars compare by it.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => format!("s:{s}"),
        Value::Number(n) if n.is_i64() => format!("i:{n}"),
        other => format!("o:{other}"),
    }
}

/// Checks `LAW-TW-DISJOINT-APPLIERS`: two appliers, each keeping its own
/// last-applied configuration, apply in the order of the schedule; after
/// every step the live object holds what each one's latest configuration
/// sets, and not what either dropped since its previous configuration.
///
/// # Errors
///
/// The violation, with the step and the path.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::three_way, strategy::three_way::AppliersCase, Native};
/// use serde_json::json;
///
/// let case = AppliersCase {
///     schema: json!({"builtin": "v1/ConfigMap"}),
///     first: vec![json!({"metadata": {"labels": {"team": "a"}}, "data": {"x": "1"}})],
///     second: vec![json!({"metadata": {"labels": {"owner": "ops"}}}),
///                  json!({"metadata": {"labels": {"owner": "sre"}}})],
///     schedule: vec![false, true, false],
/// };
/// three_way::disjoint_appliers(&mut Native::new(), &case)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn disjoint_appliers<I: Implementation + ?Sized>(
    imp: &mut I,
    case: &AppliersCase,
) -> Result<(), Violation> {
    let law = DISJOINT_APPLIERS.id;
    let schema = parse_schema(law, &case.schema)?;
    let flavour = Flavour::Strategic(schema);
    let all: Vec<&Value> = case.first.iter().chain(&case.second).collect();
    if !flavour.in_domain(&all) {
        return Ok(());
    }
    let merging = ThreeWayCase {
        schema: case.schema.clone(),
        original: Value::Null,
        modified: Value::Null,
        current: Value::Null,
    };
    let mut live = Value::Object(Map::new());
    // Per applier: the configuration it applied last, and the one before.
    let mut applied: [(Option<usize>, Option<usize>); 2] = [(None, None), (None, None)];
    for (step, &first) in case.schedule.iter().enumerate() {
        let (who, configs) = if first {
            (0, &case.first)
        } else {
            (1, &case.second)
        };
        let next = applied[who].0.map_or(0, |i| (i + 1).min(configs.len() - 1));
        let original = applied[who].0.map_or(Value::Null, |i| configs[i].clone());
        let Some((_, r)) = result_of(imp, law, &merging, (&original, &configs[next], &live))?
        else {
            return Ok(());
        };
        live = r;
        applied[who] = (Some(next), applied[who].0);
        for (owner, (latest, previous)) in applied.iter().enumerate() {
            let configs = if owner == 0 {
                &case.first
            } else {
                &case.second
            };
            let Some(latest) = latest else { continue };
            let mut set = Vec::new();
            let config = &configs[*latest];
            sets(
                &flavour,
                object(config).expect("an object"),
                &Place::default(),
                &mut set,
            );
            for leaf in set {
                let missing = match &leaf {
                    Set::Value(path, value) => Step::find(&live, path) != Some(value),
                    Set::Items(path, items) => {
                        items.iter().any(|i| !contains(Step::find(&live, path), i))
                    }
                };
                if missing {
                    let path = match &leaf {
                        Set::Value(p, _) | Set::Items(p, _) => p,
                    };
                    return Err(Violation::new(
                        law,
                        format!(
                            "after step {step} the live object {} lacks applier {owner}'s {} ({})",
                            abbreviate(&live),
                            Step::display(path),
                            abbreviate(config)
                        ),
                    ));
                }
            }
            if let Some(previous) = previous {
                let mut gone = Vec::new();
                let old = object(&configs[*previous]).expect("an object");
                dropped(&flavour, old, object(config), &Place::default(), &mut gone);
                for path in gone {
                    let left = match &path {
                        Dropped::Path(steps) => Step::find(&live, steps).is_some(),
                        Dropped::Item(steps, item) => contains(Step::find(&live, steps), item),
                    };
                    if left {
                        let steps = match &path {
                            Dropped::Path(s) | Dropped::Item(s, _) => s,
                        };
                        return Err(Violation::new(
                            law,
                            format!(
                                "after step {step} applier {owner} dropped {} but the live object {} has it",
                                Step::display(steps),
                                abbreviate(&live)
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}
