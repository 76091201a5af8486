//! The strategic merge patch laws of `spec/40-strategic.md`.
//!
//! A law gets a schema in the protocol's form (conformance/PROTOCOL.md), a document and a
//! patch. The laws about directives look for the places where the patch
//! uses the directive — [`sites`] walks the patch and the document together
//! through the objects the patch merges into, reading the schema with
//! patchlaw's OpenAPI reader — and check the result there. A patch that the
//! implementation rejects is outside these laws (Kubernetes rejects many
//! patches; the vectors pin which).

use serde_json::{Map, Value};

use super::{call, call_ok, declare_checks, Cases, Check, Violation};
use crate::implementation::{abbreviate, schema_argument, Implementation, Op};
use crate::strategy::arb_doc_and_merge_patch;
use crate::strategy::strategic::{arb_strategic_case, arb_strategic_pair, StrategicCase};

/// The declaration of a law of directives: checked through
/// `strategic.apply` on generated schemas, documents valid under them and
/// patches for the documents ([`arb_strategic_case`]).
macro_rules! directive_law {
    ($id:literal, $law:ident) => {
        Check {
            id: $id,
            ops: &[Op::StrategicApply],
            cases: Cases::Generated(arb_strategic_case),
            law: |imp, case| $law(imp, &case.schema, &case.doc, &case.patch),
        }
    };
}

declare_checks! {
    /// `LAW-SMP-REDUCES-TO-MP`: without patch metadata or directives, strategic
    /// merge patch is RFC 7396; on documents with a merge patch written for
    /// each.
    REDUCES_TO_MP: (Value, Value) = ("LAW-SMP-REDUCES-TO-MP", [StrategicApply, MergePatchApply])
        on arb_doc_and_merge_patch(), |imp, (doc, patch)| reduces_to_merge_patch(imp, doc, patch);

    /// `LAW-SMP-MERGE-KEY`: elements the patch does not name keep their
    /// content.
    MERGE_KEY: StrategicCase = directive_law!("LAW-SMP-MERGE-KEY", merge_key);

    /// `LAW-SMP-DELETE`: `$patch: delete` leaves no element with its key.
    DELETE: StrategicCase = directive_law!("LAW-SMP-DELETE", delete);

    /// `LAW-SMP-REPLACE`: `$patch: replace` yields the patch's value.
    REPLACE: StrategicCase = directive_law!("LAW-SMP-REPLACE", replace);

    /// `LAW-SMP-RETAIN-KEYS`: after `$retainKeys` the map's keys are within
    /// it.
    RETAIN_KEYS: StrategicCase = directive_law!("LAW-SMP-RETAIN-KEYS", retain_keys);

    /// `LAW-SMP-PRIMITIVE-UNION`: a primitive merge list becomes the ordered
    /// duplicate-free union, minus deletions.
    PRIMITIVE_UNION: StrategicCase = directive_law!("LAW-SMP-PRIMITIVE-UNION", primitive_union);

    /// `LAW-SMP-ELEMENT-ORDER`: `$setElementOrder` fixes the relative order.
    ELEMENT_ORDER: StrategicCase = directive_law!("LAW-SMP-ELEMENT-ORDER", element_order);

    /// `LAW-SMP-DIFF-APPLY`: applying a diff gives the target, list order
    /// included; on a generated schema and two documents valid under it, the
    /// second mostly an edit of the first ([`arb_strategic_pair`]).
    DIFF_APPLY: (Value, Value, Value) = ("LAW-SMP-DIFF-APPLY", [StrategicApply, StrategicDiff])
        on arb_strategic_pair(), |imp, (schema, a, b)| diff_apply(imp, schema, a, b);

    /// `LAW-SMP-IDEMPOTENT`: a diff's patch applies idempotently, here to both
    /// documents of the diff; on a generated schema and two documents valid
    /// under it.
    IDEMPOTENT: (Value, Value, Value) = ("LAW-SMP-IDEMPOTENT", [StrategicApply, StrategicDiff])
        on arb_strategic_pair(), |imp, (schema, a, b)| idempotent(imp, schema, a, b, &[a, b]);
}

/// Checks `LAW-SMP-REDUCES-TO-MP` for an object document and a patch: when
/// the patch has no directive anywhere and no array in it holds an object
/// with a `null` member, applying it under the empty schema gives exactly
/// what RFC 7396 gives.
///
/// # Errors
///
/// The violation, with both results.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::strategic, Native};
/// use serde_json::json;
///
/// strategic::reduces_to_merge_patch(&mut Native::new(), &json!({"a": [1], "b": {"c": 1}}), &json!({"a": [2], "b": {"c": null}}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn reduces_to_merge_patch<I: Implementation + ?Sized>(
    imp: &mut I,
    doc: &Value,
    patch: &Value,
) -> Result<(), Violation> {
    if !doc.is_object() || !patch.is_object() || has_directive(patch) || null_in_array(patch, false)
    {
        return Ok(());
    }
    let schema = empty_schema();
    let arguments = [("doc", doc), ("patch", patch), ("schema", &schema)];
    let smp = call(imp, REDUCES_TO_MP.id, Op::StrategicApply, &arguments)?;
    let mp = call(imp, REDUCES_TO_MP.id, Op::MergePatchApply, &arguments[..2])?;
    match (smp, mp) {
        (Ok(a), Ok(b)) if a == b => Ok(()),
        (a, b) => Err(Violation::new(
            REDUCES_TO_MP.id,
            format!(
                "patch {} on {}: strategic gives {}, RFC 7396 gives {}",
                abbreviate(patch),
                abbreviate(doc),
                describe(&a),
                describe(&b)
            ),
        )),
    }
}

/// The protocol form of a schema without metadata: an OpenAPI object that
/// keeps unknown fields (`x-kubernetes-preserve-unknown-fields`), so that it
/// declares every member name and refuses nothing (an OpenAPI schema
/// without `properties` declares none).
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::implementation::schema_argument;
/// use patchlaw_conformance::laws::strategic::empty_schema;
///
/// let schema = schema_argument(&empty_schema()).unwrap();
/// assert!(schema.lookup("/anything").unwrap().is_none());
/// ```
#[must_use]
pub fn empty_schema() -> Value {
    serde_json::json!({"root": "Object", "definitions": {
        "Object": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
    }})
}

pub(super) fn describe(outcome: &Result<Value, String>) -> String {
    match outcome {
        Ok(v) => abbreviate(v),
        Err(code) => format!("error {code}"),
    }
}

fn has_directive(value: &Value) -> bool {
    match value {
        Value::Object(members) => members
            .iter()
            .any(|(k, v)| k.starts_with('$') || has_directive(v)),
        Value::Array(items) => items.iter().any(has_directive),
        _ => false,
    }
}

/// Whether an object inside an array (at any depth) has a `null` member:
/// Kubernetes drops those where RFC 7396 keeps arrays as they are.
fn null_in_array(value: &Value, in_array: bool) -> bool {
    match value {
        Value::Object(members) => members
            .values()
            .any(|v| (in_array && v.is_null()) || null_in_array(v, in_array)),
        Value::Array(items) => items.iter().any(|v| null_in_array(v, true)),
        _ => false,
    }
}

/// A place where the patch and the document meet, found by [`sites`].
#[derive(Clone, Debug)]
pub struct Site<'a> {
    /// The JSON Pointer of the place (the same in document and result).
    pub path: String,
    /// The document's value there.
    pub doc: &'a Value,
    /// The patch's value there.
    pub patch: &'a Value,
    /// The patch's object holding it (for sibling directives), and the
    /// field's name in it.
    pub parent: &'a Map<String, Value>,
    /// The field's name.
    pub name: &'a str,
    /// The field's metadata.
    pub field: Option<patchlaw::strategic::Field>,
}

/// Every place where the patch reaches a value of the same type in the
/// document, walking through objects that the patch merges into (not into
/// list elements, not below `$patch` or a `replace` field).
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::laws::strategic::sites;
/// use patchlaw::strategic::Schema;
/// use serde_json::json;
///
/// let doc = json!({"a": {"b": [1]}});
/// let patch = json!({"a": {"b": [2]}});
/// let found = sites(&Schema::empty(), &doc, &patch);
/// assert_eq!(found.iter().map(|s| s.path.as_str()).collect::<Vec<_>>(), ["/a", "/a/b"]);
/// ```
#[must_use]
pub fn sites<'a>(
    schema: &patchlaw::strategic::Schema,
    doc: &'a Value,
    patch: &'a Value,
) -> Vec<Site<'a>> {
    let mut out = Vec::new();
    if let (Value::Object(d), Value::Object(p)) = (doc, patch) {
        if !p.contains_key("$patch") {
            walk(schema, "", d, p, &mut out);
        }
    }
    out
}

fn walk<'a>(
    schema: &patchlaw::strategic::Schema,
    path: &str,
    doc: &'a Map<String, Value>,
    patch: &'a Map<String, Value>,
    out: &mut Vec<Site<'a>>,
) {
    for (name, value) in patch {
        if name.starts_with('$') {
            continue;
        }
        let Some(current) = doc.get(name) else {
            continue;
        };
        let here = format!("{path}/{}", patchlaw::pointer::escape(name));
        // The schema path has no list indices: sites stop at lists.
        let field = schema.lookup(&here).ok().flatten().cloned();
        let same = matches!(
            (current, value),
            (Value::Object(_), Value::Object(_)) | (Value::Array(_), Value::Array(_))
        );
        if !same {
            continue;
        }
        out.push(Site {
            path: here.clone(),
            doc: current,
            patch: value,
            parent: patch,
            name,
            field: field.clone(),
        });
        let replace = field
            .as_ref()
            .is_some_and(|f| f.strategy() == patchlaw::strategic::Strategy::Replace);
        if let (Value::Object(d), Value::Object(p)) = (current, value) {
            if !replace && !p.contains_key("$patch") {
                walk(schema, &here, d, p, out);
            }
        }
    }
}

impl Site<'_> {
    /// Whether the patch's object here merges into the document's (and
    /// its directives act): not under a `replace` field, whose value is
    /// taken as written.
    fn merges(&self) -> bool {
        !self
            .field
            .as_ref()
            .is_some_and(|f| f.strategy() == patchlaw::strategic::Strategy::Replace)
    }
}

/// The patch's objects whose directives act, with their paths: the root
/// and every object site that merges, none carrying `$patch`.
fn merging_objects<'a>(
    schema: &patchlaw::strategic::Schema,
    doc: &'a Value,
    patch: &'a Value,
) -> Vec<(String, &'a Map<String, Value>)> {
    let mut places = Vec::new();
    if let (Value::Object(root), true) = (patch, doc.is_object()) {
        places.push((String::new(), root));
    }
    for site in sites(schema, doc, patch).into_iter().filter(Site::merges) {
        if let Value::Object(members) = site.patch {
            places.push((site.path, members));
        }
    }
    places.retain(|(_, members)| !members.contains_key("$patch"));
    places
}

fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    value.pointer(path)
}

/// What a law of directives judges: the schema as patchlaw reads it, and
/// what applying the patch to the document gave.
struct Applied<'a> {
    law: &'static str,
    schema: patchlaw::strategic::Schema,
    result: Value,
    doc: &'a Value,
    patch: &'a Value,
}

impl Applied<'_> {
    /// The violation at `site`: `what`, with the document and the patch.
    fn violation(&self, site: &Site<'_>, what: String) -> Violation {
        Violation::new(
            self.law,
            format!(
                "at {}: {what} (document {}, patch {})",
                site.path,
                abbreviate(self.doc),
                abbreviate(self.patch)
            ),
        )
    }
}

/// Reads the schema and runs the apply; `None` when the implementation
/// rejects the patch.
fn applied_under<'a, I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    schema: &Value,
    doc: &'a Value,
    patch: &'a Value,
) -> Result<Option<Applied<'a>>, Violation> {
    let parsed = parse_schema(law, schema)?;
    Ok(
        applied(imp, law, schema, doc, patch)?.map(|result| Applied {
            law,
            schema: parsed,
            result,
            doc,
            patch,
        }),
    )
}

/// Runs the apply; `None` when the implementation rejects the patch.
fn applied<I: Implementation + ?Sized>(
    imp: &mut I,
    law: &'static str,
    schema: &Value,
    doc: &Value,
    patch: &Value,
) -> Result<Option<Value>, Violation> {
    Ok(call(
        imp,
        law,
        Op::StrategicApply,
        &[("doc", doc), ("patch", patch), ("schema", schema)],
    )?
    .ok())
}

pub(super) fn parse_schema(
    law: &'static str,
    schema: &Value,
) -> Result<patchlaw::strategic::Schema, Violation> {
    schema_argument(schema)
        .map_err(|r| Violation::new(law, format!("bad schema: {}", r.describe())))
}

/// A merge list of objects: the merge key, when the site is one.
fn list_merge_key(site: &Site<'_>) -> Option<String> {
    let field = site.field.as_ref()?;
    (field.strategy() == patchlaw::strategic::Strategy::Merge)
        .then(|| field.merge_key().map(str::to_owned))
        .flatten()
        .filter(|k| !k.is_empty())
}

fn key_of<'v>(element: &'v Value, key: &str) -> Option<&'v Value> {
    element.as_object().and_then(|m| m.get(key))
}

/// Checks `LAW-SMP-MERGE-KEY`: in a merge list of objects, every live
/// element whose key the patch list does not name comes out with exactly
/// the content it had. (Unless the list is replaced: `$patch: replace`.)
///
/// # Errors
///
/// The violation naming the element that changed.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::strategic, Native};
/// use serde_json::json;
///
/// let schema = json!({"root": "T", "definitions": {"T": {"properties": {"items": {
///     "type": "array", "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name"}}}}});
/// let doc = json!({"items": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]});
/// let patch = json!({"items": [{"name": "a", "v": 3}]});
/// strategic::merge_key(&mut Native::new(), &schema, &doc, &patch)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn merge_key<I: Implementation + ?Sized>(
    imp: &mut I,
    schema: &Value,
    doc: &Value,
    patch: &Value,
) -> Result<(), Violation> {
    let Some(applied) = applied_under(imp, MERGE_KEY.id, schema, doc, patch)? else {
        return Ok(());
    };
    for site in sites(&applied.schema, doc, patch) {
        let (Some(key), Value::Array(live), Value::Array(items)) =
            (list_merge_key(&site), site.doc, site.patch)
        else {
            continue;
        };
        if items
            .iter()
            .any(|e| key_of(e, "$patch").is_some_and(|d| d == "replace"))
        {
            continue;
        }
        let named: Vec<&Value> = items.iter().filter_map(|e| key_of(e, &key)).collect();
        let out = at(&applied.result, &site.path).and_then(Value::as_array);
        for element in live {
            let Some(k) = key_of(element, &key) else {
                continue;
            };
            if named.contains(&k) {
                continue;
            }
            if !out.is_some_and(|out| out.contains(element)) {
                return Err(applied.violation(
                    &site,
                    format!("element {} changed or vanished", abbreviate(element)),
                ));
            }
        }
    }
    Ok(())
}

/// Checks `LAW-SMP-DELETE`: after `{"$patch": "delete", <key>: k}` in a
/// merge list, no element with key k remains — unless the same patch list
/// adds one back.
///
/// # Errors
///
/// The violation naming the surviving element.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::strategic, Native};
/// use serde_json::json;
///
/// let schema = json!({"root": "T", "definitions": {"T": {"properties": {"items": {
///     "type": "array", "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name"}}}}});
/// let doc = json!({"items": [{"name": "a"}, {"name": "a"}, {"name": "b"}]});
/// strategic::delete(&mut Native::new(), &schema, &doc, &json!({"items": [{"name": "a", "$patch": "delete"}]}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn delete<I: Implementation + ?Sized>(
    imp: &mut I,
    schema: &Value,
    doc: &Value,
    patch: &Value,
) -> Result<(), Violation> {
    let Some(applied) = applied_under(imp, DELETE.id, schema, doc, patch)? else {
        return Ok(());
    };
    for site in sites(&applied.schema, doc, patch) {
        let (Some(key), Value::Array(items)) = (list_merge_key(&site), site.patch) else {
            continue;
        };
        let is_delete = |e: &Value| key_of(e, "$patch").is_some_and(|d| d == "delete");
        let out = at(&applied.result, &site.path).and_then(Value::as_array);
        for deletion in items.iter().filter(|e| is_delete(e)) {
            let Some(k) = key_of(deletion, &key) else {
                continue;
            };
            let re_added = items
                .iter()
                .any(|e| !is_delete(e) && key_of(e, &key) == Some(k));
            if re_added {
                continue;
            }
            if let Some(survivor) = out.and_then(|o| o.iter().find(|e| key_of(e, &key) == Some(k)))
            {
                return Err(applied.violation(
                    &site,
                    format!("{} survived its deletion", abbreviate(survivor)),
                ));
            }
        }
    }
    Ok(())
}

/// Checks `LAW-SMP-REPLACE`: an object patch carrying `$patch: replace`
/// that meets an object yields that patch object without its `$patch`
/// member (other directives and nulls stay, as data); a merge list patch
/// holding `{"$patch": "replace"}` yields its other elements, in order
/// (when their keys are unique).
///
/// # Errors
///
/// The violation, with the expected and actual values.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::strategic, Native};
/// use serde_json::json;
///
/// let schema = strategic::empty_schema();
/// let doc = json!({"m": {"a": 1, "b": 2}});
/// strategic::replace(&mut Native::new(), &schema, &doc, &json!({"m": {"$patch": "replace", "c": 3}}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn replace<I: Implementation + ?Sized>(
    imp: &mut I,
    schema: &Value,
    doc: &Value,
    patch: &Value,
) -> Result<(), Violation> {
    let Some(applied) = applied_under(imp, REPLACE.id, schema, doc, patch)? else {
        return Ok(());
    };
    for site in sites(&applied.schema, doc, patch)
        .into_iter()
        .filter(Site::merges)
    {
        let expected = match (site.patch, list_merge_key(&site)) {
            (Value::Object(members), _)
                if members.get("$patch").is_some_and(|d| d == "replace") =>
            {
                let mut kept = members.clone();
                kept.remove("$patch");
                Value::Object(kept)
            }
            (Value::Array(items), Some(key))
                if items
                    .iter()
                    .any(|e| key_of(e, "$patch").is_some_and(|d| d == "replace")) =>
            {
                let rest: Vec<Value> = items
                    .iter()
                    .filter(|e| key_of(e, "$patch").is_none())
                    .cloned()
                    .collect();
                let mut keys: Vec<&Value> = rest.iter().filter_map(|e| key_of(e, &key)).collect();
                let count = keys.len();
                keys.dedup();
                if count != rest.len() || keys.len() != count || has_sibling_order(&site) {
                    continue;
                }
                Value::Array(rest)
            }
            _ => continue,
        };
        let got = at(&applied.result, &site.path);
        if got != Some(&expected) {
            return Err(applied.violation(
                &site,
                format!(
                    "expected {}, got {}",
                    abbreviate(&expected),
                    got.map_or_else(|| "nothing".to_owned(), abbreviate)
                ),
            ));
        }
    }
    Ok(())
}

fn has_sibling_order(site: &Site<'_>) -> bool {
    site.parent
        .contains_key(&format!("$setElementOrder/{}", site.name))
}

/// Checks `LAW-SMP-RETAIN-KEYS`: after an object patch with
/// `$retainKeys: K` meets an object, the result's member names are within
/// K.
///
/// # Errors
///
/// The violation naming the extra member.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::strategic, Native};
/// use serde_json::json;
///
/// let doc = json!({"m": {"a": 1, "b": 2}});
/// strategic::retain_keys(&mut Native::new(), &strategic::empty_schema(), &doc, &json!({"m": {"$retainKeys": ["b", "c"], "c": 3}}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn retain_keys<I: Implementation + ?Sized>(
    imp: &mut I,
    schema: &Value,
    doc: &Value,
    patch: &Value,
) -> Result<(), Violation> {
    let Some(applied) = applied_under(imp, RETAIN_KEYS.id, schema, doc, patch)? else {
        return Ok(());
    };
    let mut candidates = sites(&applied.schema, doc, patch);
    // The root is a site too.
    if let (Value::Object(members), true) = (patch, doc.is_object()) {
        candidates.push(Site {
            path: String::new(),
            doc,
            patch,
            parent: members,
            name: "",
            field: None,
        });
    }
    for site in candidates.into_iter().filter(Site::merges) {
        let Value::Object(members) = site.patch else {
            continue;
        };
        if members.contains_key("$patch") {
            continue;
        }
        let Some(Value::Array(retained)) = members.get("$retainKeys") else {
            continue;
        };
        let Some(Value::Object(out)) = at(&applied.result, &site.path) else {
            continue;
        };
        if let Some(extra) = out
            .keys()
            .find(|k| !retained.iter().any(|r| r.as_str() == Some(k.as_str())))
        {
            return Err(applied.violation(&site, format!("member {extra:?} is not in $retainKeys")));
        }
    }
    Ok(())
}

/// Checks `LAW-SMP-PRIMITIVE-UNION`: a primitive merge list meeting a
/// patch list (with no `$setElementOrder` for it) becomes the union of both
/// without duplicates, minus the values of `$deleteFromPrimitiveList`; when
/// the live list has no duplicates, in the order of spec/40 D4.9.
///
/// # Errors
///
/// The violation, with the expected and actual lists.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::strategic, Native};
/// use serde_json::json;
///
/// let schema = json!({"root": "T", "definitions": {"T": {"properties": {"f": {
///     "type": "array", "x-kubernetes-patch-strategy": "merge"}}}}});
/// strategic::primitive_union(&mut Native::new(), &schema, &json!({"f": ["a", "b"]}), &json!({"f": ["c", "b"]}))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn primitive_union<I: Implementation + ?Sized>(
    imp: &mut I,
    schema: &Value,
    doc: &Value,
    patch: &Value,
) -> Result<(), Violation> {
    use patchlaw::strategic::Strategy;
    let Some(applied) = applied_under(imp, PRIMITIVE_UNION.id, schema, doc, patch)? else {
        return Ok(());
    };
    for site in sites(&applied.schema, doc, patch) {
        let merge = site
            .field
            .as_ref()
            .is_some_and(|f| f.strategy() == Strategy::Merge);
        let (true, Value::Array(live), Value::Array(items)) = (merge, site.doc, site.patch) else {
            continue;
        };
        let scalar = |v: &Value| !(v.is_object() || v.is_array() || v.is_null());
        if !live.iter().chain(items).all(scalar) || has_sibling_order(&site) {
            continue;
        }
        if site
            .parent
            .contains_key(&format!("$deleteFromPrimitiveList/{}", site.name))
        {
            // Kubernetes applies the two in random order.
            continue;
        }
        let got = at(&applied.result, &site.path).and_then(Value::as_array);
        let expected = union_order(live, items);
        let Some(got) = got else {
            return Err(applied.violation(&site, "the list vanished".to_owned()));
        };
        let as_set = |v: &[Value]| {
            let mut keys: Vec<String> = v.iter().map(go_text).collect();
            keys.sort();
            keys
        };
        let mut unique = as_set(&expected);
        unique.dedup();
        let distinct_live = {
            let mut k: Vec<String> = live.iter().map(go_text).collect();
            let n = k.len();
            k.sort();
            k.dedup();
            k.len() == n
        };
        let ok = if distinct_live {
            got.iter().map(go_text).eq(expected.iter().map(go_text))
        } else {
            as_set(got) == unique
        };
        if !ok {
            return Err(applied.violation(
                &site,
                format!(
                    "expected {}, got {}",
                    abbreviate(&Value::Array(expected)),
                    abbreviate(&Value::Array(got.clone()))
                ),
            ));
        }
    }
    deletions_keep_order(&applied.schema, doc, patch, &applied.result)
}

/// The value as Go's `==` distinguishes it: `1` and `1.0` differ.
fn go_text(value: &Value) -> String {
    match value {
        Value::Number(n) if n.is_i64() => format!("i{n}"),
        Value::Number(n) => format!("f{}", n.as_f64().unwrap_or(f64::NAN)),
        other => other.to_string(),
    }
}

/// D4.9: patch items (first occurrences, patch order) merged with the live
/// items the patch does not name (live order): a live item goes first when
/// the next patch item is also live and comes after it in the live list.
fn union_order(live: &[Value], patch: &[Value]) -> Vec<Value> {
    let position = |v: &Value| live.iter().position(|x| go_text(x) == go_text(v));
    let mut patch_items: Vec<&Value> = Vec::new();
    for v in patch {
        if !patch_items.iter().any(|x| go_text(x) == go_text(v)) {
            patch_items.push(v);
        }
    }
    let in_patch = |v: &Value| patch.iter().any(|x| go_text(x) == go_text(v));
    let server_only: Vec<&Value> = live.iter().filter(|v| !in_patch(v)).collect();
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < server_only.len() || j < patch_items.len() {
        let take_left = j >= patch_items.len()
            || (i < server_only.len()
                && matches!(
                    (position(server_only[i]), position(patch_items[j])),
                    (Some(l), Some(r)) if l < r
                ));
        if take_left {
            out.push(server_only[i].clone());
            i += 1;
        } else {
            out.push(patch_items[j].clone());
            j += 1;
        }
    }
    out
}

/// The elements of a list of scalars (no object, array or null).
fn scalars(value: &Value) -> Option<&Vec<Value>> {
    match value {
        Value::Array(items)
            if items
                .iter()
                .all(|e| !(e.is_object() || e.is_array() || e.is_null())) =>
        {
            Some(items)
        }
        _ => None,
    }
}

/// The deletion-only half of `LAW-SMP-PRIMITIVE-UNION`: a
/// `$deleteFromPrimitiveList/f` whose object has no list `f`, no order for
/// it and no `$retainKeys` dropping it leaves the live list of scalars
/// without those values, in order.
fn deletions_keep_order(
    schema: &patchlaw::strategic::Schema,
    doc: &Value,
    patch: &Value,
    result: &Value,
) -> Result<(), Violation> {
    for (path, members) in merging_objects(schema, doc, patch) {
        for (name, values) in members {
            let Some(field) = name.strip_prefix("$deleteFromPrimitiveList/") else {
                continue;
            };
            let retained = members.get("$retainKeys").map_or(true, |keys| {
                keys.as_array()
                    .is_some_and(|keys| keys.iter().any(|k| k.as_str() == Some(field)))
            });
            if !retained
                || members.contains_key(field)
                || members.contains_key(&format!("$setElementOrder/{field}"))
            {
                continue;
            }
            let list_path = format!("{path}/{}", patchlaw::pointer::escape(field));
            let (Some(live), Some(values)) =
                (doc.pointer(&list_path).and_then(scalars), scalars(values))
            else {
                continue;
            };
            // Kubernetes refuses lists whose elements differ in Go type.
            let kinds = live.iter().chain(values).map(kind).collect::<Vec<_>>();
            if kinds.windows(2).any(|w| w[0] != w[1]) {
                continue;
            }
            let expected: Vec<Value> = live
                .iter()
                .filter(|v| !values.iter().any(|d| go_text(d) == go_text(v)))
                .cloned()
                .collect();
            let got = result.pointer(&list_path);
            if got != Some(&Value::Array(expected.clone())) {
                return Err(Violation::new(
                    PRIMITIVE_UNION.id,
                    format!(
                        "at {list_path}: deleting {} from {} should give {}, got {} (patch {})",
                        abbreviate(&Value::Array(values.clone())),
                        abbreviate(&Value::Array(live.clone())),
                        abbreviate(&Value::Array(expected)),
                        got.map_or_else(|| "nothing".to_owned(), abbreviate),
                        abbreviate(patch)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Checks `LAW-SMP-ELEMENT-ORDER`: after `$setElementOrder/f`, the elements
/// of `f` named in it appear in its relative order.
///
/// # Errors
///
/// The violation, with the order and the result.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::strategic, Native};
/// use serde_json::json;
///
/// let schema = json!({"root": "T", "definitions": {"T": {"properties": {"f": {
///     "type": "array", "x-kubernetes-patch-strategy": "merge"}}}}});
/// let patch = json!({"$setElementOrder/f": ["c", "a"], "f": ["c"]});
/// strategic::element_order(&mut Native::new(), &schema, &json!({"f": ["a", "b"]}), &patch)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn element_order<I: Implementation + ?Sized>(
    imp: &mut I,
    schema: &Value,
    doc: &Value,
    patch: &Value,
) -> Result<(), Violation> {
    let Some(applied) = applied_under(imp, ELEMENT_ORDER.id, schema, doc, patch)? else {
        return Ok(());
    };
    for (path, members) in merging_objects(&applied.schema, doc, patch) {
        for (name, order) in members {
            let Some(field) = name.strip_prefix("$setElementOrder/") else {
                continue;
            };
            let Value::Array(order) = order else { continue };
            let list_path = format!("{path}/{}", patchlaw::pointer::escape(field));
            let key = applied
                .schema
                .lookup(&list_path)
                .ok()
                .flatten()
                .and_then(|f| f.merge_key().map(str::to_owned));
            let ident = |v: &Value| match &key {
                Some(k) => key_of(v, k).map(go_text),
                None => Some(go_text(v)),
            };
            let wanted: Vec<String> = order.iter().filter_map(ident).collect();
            let Some(Value::Array(out)) = applied.result.pointer(&list_path) else {
                continue;
            };
            let positions: Vec<usize> = out
                .iter()
                .filter_map(|e| ident(e).and_then(|k| wanted.iter().position(|w| *w == k)))
                .collect();
            if positions.windows(2).any(|w| w[0] > w[1]) {
                return Err(Violation::new(
                    ELEMENT_ORDER.id,
                    format!(
                        "at {list_path}: {} is not in the order {} (document {}, patch {})",
                        abbreviate(&Value::Array(out.clone())),
                        abbreviate(&Value::Array(order.clone())),
                        abbreviate(doc),
                        abbreviate(patch)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Whether `doc` is valid under `schema` in the sense of spec/40's laws:
/// an object; no `null` member or element and no member name starting
/// with `$` anywhere; the elements of each `merge` list of one Go type and
/// not lists; objects in a merge list keyed by a scalar merge key whose
/// texts (as Go prints them) are distinct; primitives in a merge list
/// distinct; and no object or list where the schema's types refuse one
/// (spec/40 D4.14: applying the document to itself, which looks up every
/// member holding an object or a list, is not refused).
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::{Field, Schema};
/// use patchlaw_conformance::laws::strategic::valid_under;
/// use serde_json::json;
///
/// let schema = Schema::builder().field("/c", Field::merge("name")).build().unwrap();
/// assert!(valid_under(&schema, &json!({"c": [{"name": "a"}, {"name": "b"}]})));
/// assert!(!valid_under(&schema, &json!({"c": [{"name": "a"}, {"name": "a"}]})));
/// assert!(!valid_under(&schema, &json!({"c": [{"image": "x"}]})));
///
/// let deployment = Schema::builtin("apps/v1", "Deployment").unwrap();
/// assert!(valid_under(&deployment, &json!({"spec": {"replicas": 1}})));
/// assert!(!valid_under(&deployment, &json!({"spec": {"undeclared": {}}})));
/// ```
#[must_use]
pub fn valid_under(schema: &patchlaw::strategic::Schema, doc: &Value) -> bool {
    doc.is_object() && valid_at(schema, doc, "") && declared_under(schema, doc)
}

/// Whether the schema's types accept every object and list of `doc`, as
/// Kubernetes reads its member names: applying `doc` to itself succeeds
/// (a name that matches a declared field only by Go's case folding — say
/// `Containers` — reads as that field, merge key included).
fn declared_under(schema: &patchlaw::strategic::Schema, doc: &Value) -> bool {
    let mut copy = doc.clone();
    patchlaw::strategic::apply(&mut copy, doc, schema).is_ok()
}

fn valid_at(schema: &patchlaw::strategic::Schema, value: &Value, path: &str) -> bool {
    use patchlaw::strategic::Strategy;
    match value {
        Value::Null => false,
        Value::Object(members) => members.iter().all(|(k, v)| {
            !k.starts_with('$')
                && valid_at(
                    schema,
                    v,
                    &format!("{path}/{}", patchlaw::pointer::escape(k)),
                )
        }),
        Value::Array(items) => {
            let field = schema.lookup(path).ok().flatten();
            if let Some(field) = field.filter(|f| f.strategy() == Strategy::Merge) {
                let same_kind = items.windows(2).all(|w| kind(&w[0]) == kind(&w[1]));
                if !same_kind || items.iter().any(Value::is_array) {
                    return false;
                }
                let texts: Option<Vec<String>> = match field.merge_key() {
                    Some(key) if items.first().is_some_and(Value::is_object) => items
                        .iter()
                        .map(|e| {
                            e.get(key)
                                .filter(|k| !(k.is_object() || k.is_array() || k.is_null()))
                                .map(loose_text)
                        })
                        .collect(),
                    _ if items.iter().any(Value::is_object) => None,
                    _ => Some(items.iter().map(loose_text).collect()),
                };
                let Some(mut texts) = texts else { return false };
                let n = texts.len();
                texts.sort();
                texts.dedup();
                if texts.len() != n {
                    return false;
                }
            }
            // List elements are typed by the field itself (implicit index).
            items.iter().all(|e| valid_at(schema, e, path))
        }
        _ => true,
    }
}

/// A scalar's text with `1` and `1.0` alike: Kubernetes' diff pairs list
/// elements by Go's `%v`, which prints both as `1`.
fn loose_text(value: &Value) -> String {
    match value {
        Value::Number(n) => format!("n{}", n.as_f64().unwrap_or(f64::NAN)),
        other => other.to_string(),
    }
}

/// Whether the pair is outside LAW-SMP-DIFF-APPLY although each document
/// is valid: two merge lists at the same place whose elements differ in Go
/// type (Kubernetes' diff refuses them), or a primitive merge list of `b`
/// holding the same values as `a`'s in another order that is Go's text
/// order (Kubernetes' diff drops that reordering; spec/40).
pub(super) fn sorts_a_primitive_list(
    schema: &patchlaw::strategic::Schema,
    a: &Value,
    b: &Value,
    path: &str,
) -> bool {
    use patchlaw::strategic::Strategy;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.iter().any(|(k, v)| {
            y.get(k).is_some_and(|w| {
                let here = format!("{path}/{}", patchlaw::pointer::escape(k));
                sorts_a_primitive_list(schema, v, w, &here)
            })
        }),
        (Value::Array(x), Value::Array(y)) => {
            let Some(field) = schema
                .lookup(path)
                .ok()
                .flatten()
                .filter(|f| f.strategy() == Strategy::Merge)
            else {
                return false;
            };
            if let (Some(p), Some(q)) = (x.first(), y.first()) {
                if kind(p) != kind(q) {
                    return true;
                }
            }
            match field.merge_key() {
                Some(key) if x.iter().chain(y).all(Value::is_object) => x.iter().any(|e| {
                    let k = e.get(key).map(loose_text);
                    y.iter()
                        .find(|f| f.get(key).map(loose_text) == k)
                        .is_some_and(|f| sorts_a_primitive_list(schema, e, f, path))
                }),
                _ => {
                    let text = |v: &Value| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let mut sorted: Vec<&Value> = x.iter().collect();
                    sorted.sort_by_key(|v| text(v));
                    let same_set = x.len() == y.len() && {
                        let mut ys: Vec<&Value> = y.iter().collect();
                        ys.sort_by_key(|v| text(v));
                        sorted == ys
                    };
                    same_set && x != y && sorted.iter().copied().eq(y.iter())
                }
            }
        }
        _ => false,
    }
}

pub(super) fn kind(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(n) if n.is_i64() => 2,
        Value::Number(_) => 3,
        Value::String(_) => 4,
        Value::Array(_) => 5,
        Value::Object(_) => 6,
    }
}

/// Checks `LAW-SMP-DIFF-APPLY` for documents valid under the schema
/// ([`valid_under`]; other pairs pass): the diff succeeds and applying it
/// to `a` gives exactly `b`, list order included.
///
/// # Errors
///
/// The violation, with the patch and what it produced.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::strategic, Native};
/// use serde_json::json;
///
/// let schema = json!({"builtin": "v1/Pod"});
/// let a = json!({"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b"}]}});
/// let b = json!({"spec": {"containers": [{"name": "b"}, {"name": "c"}, {"name": "a", "image": "2"}]}});
/// strategic::diff_apply(&mut Native::new(), &schema, &a, &b)?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn diff_apply<I: Implementation + ?Sized>(
    imp: &mut I,
    schema: &Value,
    a: &Value,
    b: &Value,
) -> Result<(), Violation> {
    let parsed = parse_schema(DIFF_APPLY.id, schema)?;
    if !valid_under(&parsed, a)
        || !valid_under(&parsed, b)
        || sorts_a_primitive_list(&parsed, a, b, "")
    {
        return Ok(());
    }
    let patch = call_ok(
        imp,
        DIFF_APPLY.id,
        Op::StrategicDiff,
        &[("from", a), ("to", b), ("schema", schema)],
    )?;
    let got = call(
        imp,
        DIFF_APPLY.id,
        Op::StrategicApply,
        &[("doc", a), ("patch", &patch), ("schema", schema)],
    )?;
    if got.as_ref() != Ok(b) {
        return Err(Violation::new(
            DIFF_APPLY.id,
            format!(
                "diff({}, {}) = {}, which applied gives {}",
                abbreviate(a),
                abbreviate(b),
                abbreviate(&patch),
                describe(&got)
            ),
        ));
    }
    Ok(())
}

/// Checks `LAW-SMP-IDEMPOTENT` for q = diff(a, b) and each `x` given:
/// where applying q to x succeeds, applying it again changes nothing.
///
/// # Errors
///
/// The violation, with both results.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::strategic, Native};
/// use serde_json::json;
///
/// let schema = json!({"builtin": "v1/Pod"});
/// let a = json!({"metadata": {"finalizers": ["x", "y"]}});
/// let b = json!({"metadata": {"finalizers": ["z", "x"]}});
/// strategic::idempotent(&mut Native::new(), &schema, &a, &b, &[&a, &b])?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub fn idempotent<I: Implementation + ?Sized>(
    imp: &mut I,
    schema: &Value,
    a: &Value,
    b: &Value,
    xs: &[&Value],
) -> Result<(), Violation> {
    let parsed = parse_schema(IDEMPOTENT.id, schema)?;
    if !valid_under(&parsed, a) || !valid_under(&parsed, b) {
        return Ok(());
    }
    // The law is about the diff's patch where there is one (LAW-SMP-DIFF-APPLY
    // says where there must be).
    let Ok(patch) = call(
        imp,
        IDEMPOTENT.id,
        Op::StrategicDiff,
        &[("from", a), ("to", b), ("schema", schema)],
    )?
    else {
        return Ok(());
    };
    for x in xs {
        if !valid_under(&parsed, x) {
            continue;
        }
        let Some(once) = applied(imp, IDEMPOTENT.id, schema, x, &patch)? else {
            continue;
        };
        let twice = call(
            imp,
            IDEMPOTENT.id,
            Op::StrategicApply,
            &[("doc", &once), ("patch", &patch), ("schema", schema)],
        )?;
        if twice.as_ref() != Ok(&once) {
            return Err(Violation::new(
                IDEMPOTENT.id,
                format!(
                    "q = diff({}, {}) = {}: once on {} gives {}, twice {}",
                    abbreviate(a),
                    abbreviate(b),
                    abbreviate(&patch),
                    abbreviate(x),
                    abbreviate(&once),
                    describe(&twice)
                ),
            ));
        }
    }
    Ok(())
}
