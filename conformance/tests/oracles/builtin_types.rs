//! The Go types of the built-in table against the published Kubernetes
//! schemas (those of `builtin_table.rs`, found the same way).
//!
//! From each kind, the test walks the published schema and the table side
//! by side: a definition reached through `$ref` is the Go struct of the same
//! name (the definition's last dotted segment), its `properties` are the
//! struct's fields, both ways, and each property's schema is the field's Go
//! type — `$ref` a struct (or a pointer to one), `items` a slice, an
//! `additionalProperties` a map, `string`, `integer` by its `format`,
//! `boolean` and `number` the scalar kinds. Every struct reached on one side
//! is reached on the other.
//!
//! What the published schemas cannot show is listed in [`GO_ONLY`] with the
//! reason, and checked to be exactly what differs: the fields that Go's
//! `encoding/json` names by their Go names because they have no `json` tag
//! (in types that encode themselves as a string or a number), and nothing
//! more. Pointer-ness is not in the schemas at all (a field is a pointer or
//! not in Go, nullable in both cases in the schemas): the kubectl vectors
//! `strategic/apply-undeclared-fields` pin it where it shows.

use std::collections::{BTreeMap, BTreeSet};

use patchlaw::strategic::{GoStruct, Schema};
use serde_json::{Map, Value};

use super::builtin_table::{
    assert_declares_kind, definition_name, kind_file_name, read_definitions, read_json, schema_dir,
};

/// Fields of the table that the published schemas lack, by struct, with
/// why: the struct has its own JSON encoding (a string or a number), which
/// the schema describes instead of the fields Go sees.
const GO_ONLY: &[(&str, &[&str], &str)] = &[
    (
        "IntOrString",
        &["Type", "IntVal", "StrVal"],
        "intstr.IntOrString encodes itself as a string or an integer; its fields have no \
         json tags, so encoding/json names them by their Go names",
    ),
    (
        "Quantity",
        &["Format"],
        "resource.Quantity encodes itself as a string; its one exported field is the \
         embedded string type Format, without a json tag",
    ),
];

/// Structs whose published schema is not an object: it describes their
/// own JSON encoding (which Go structs of no fields or of untagged fields
/// have), with why.
const ENCODED: &[(&str, &str)] = &[
    ("IntOrString", "published as a string or an integer"),
    ("Quantity", "published as a string or a number"),
    (
        "Time",
        "published as a date-time string; the struct embeds time.Time, whose fields are unexported",
    ),
];

#[test]
fn builtin_go_types_match_published_schemas() {
    let dir = schema_dir();
    let definitions = &read_definitions(&dir);
    let table: BTreeMap<&str, &GoStruct> = Schema::builtin_go_types()
        .iter()
        .map(|t| (t.name(), t))
        .collect();

    let mut failures = Vec::new();
    let mut reached_by_kinds = BTreeSet::new();
    let mut go_only_seen = BTreeSet::new();
    for &(api_version, kind) in Schema::builtin_kinds() {
        let root = read_json(&dir.join(kind_file_name(api_version, kind)));
        assert_declares_kind(&root, api_version, kind);
        let mut walk = Walk {
            definitions,
            table: &table,
            failures: Vec::new(),
            structs: BTreeSet::new(),
            fields: 0,
            go_only_seen: &mut go_only_seen,
        };
        walk.compare(kind, &root);
        println!(
            "{api_version}/{kind}: {} structs, {} fields compared, {} differ",
            walk.structs.len(),
            walk.fields,
            walk.failures.len()
        );
        failures.extend(
            walk.failures
                .into_iter()
                .map(|f| format!("{api_version}/{kind}: {f}")),
        );
        reached_by_kinds.extend(walk.structs);
    }
    let unreached: Vec<&&str> = table
        .keys()
        .filter(|name| !reached_by_kinds.contains(**name))
        .collect();
    if !unreached.is_empty() {
        failures.push(format!("structs no kind reaches: {unreached:?}"));
    }
    for (name, fields, _) in GO_ONLY {
        for field in *fields {
            if !go_only_seen.contains(&(*name, *field)) {
                failures.push(format!(
                    "{name}.{field} is listed as Go-only but was not met"
                ));
            }
        }
    }
    println!(
        "{} structs, {} fields in the table",
        table.len(),
        table.values().map(|t| t.fields().len()).sum::<usize>()
    );
    assert!(
        failures.is_empty(),
        "the Go types of the built-in table differ from the published Kubernetes schemas ({}):\n{}",
        dir.display(),
        failures.join("\n")
    );
}

struct Walk<'a, 'g> {
    definitions: &'a Map<String, Value>,
    table: &'a BTreeMap<&'a str, &'a GoStruct>,
    failures: Vec<String>,
    /// The structs compared so far (each once).
    structs: BTreeSet<String>,
    fields: usize,
    go_only_seen: &'g mut BTreeSet<(&'static str, &'static str)>,
}

impl Walk<'_, '_> {
    /// Compares the struct `name` with its published schema, then every
    /// struct its fields reach.
    fn compare(&mut self, name: &str, schema: &Value) {
        if !self.structs.insert(name.to_owned()) {
            return;
        }
        let Some(go) = self.table.get(name) else {
            self.failures
                .push(format!("{name}: published, not in the table"));
            return;
        };
        let properties = schema.get("properties").and_then(Value::as_object);
        let encoded = ENCODED.iter().any(|(n, _)| *n == name);
        match (properties, encoded) {
            (Some(_), true) => self.failures.push(format!(
                "{name}: listed as encoded, but published with properties"
            )),
            (None, false) if !go.fields().is_empty() => self
                .failures
                .push(format!("{name}: published without properties")),
            _ => {}
        }
        let empty = Map::new();
        let properties = properties.unwrap_or(&empty);
        let go_only: &[&str] = GO_ONLY
            .iter()
            .find(|(n, _, _)| *n == name)
            .map_or(&[], |(_, fields, _)| fields);
        for field in go.fields() {
            match properties.get(field.name()) {
                Some(property) => {
                    self.fields += 1;
                    let go_type = field.go_type().to_owned();
                    self.field_type(name, field.name(), &go_type, property);
                }
                None if go_only.contains(&field.name()) => {
                    if let Some((n, fields, _)) = GO_ONLY.iter().find(|(n, _, _)| *n == name) {
                        if let Some(f) = fields.iter().find(|f| **f == field.name()) {
                            self.go_only_seen.insert((n, f));
                        }
                    }
                }
                None => self.failures.push(format!(
                    "{name}.{}: in the table, not published",
                    field.name()
                )),
            }
        }
        for published in properties.keys() {
            if !go.fields().iter().any(|f| f.name() == published) {
                self.failures
                    .push(format!("{name}.{published}: published, not in the table"));
            }
        }
    }

    /// Compares the Go type `go` of `owner.field` with the property's
    /// schema, and walks into the struct it names.
    fn field_type(&mut self, owner: &str, field: &str, go: &str, property: &Value) {
        let go = go.strip_prefix('*').unwrap_or(go);
        let mismatch = |why: &str| format!("{owner}.{field}: Go type {go} but published {why}");
        if let Some(reference) = property.get("$ref") {
            let target = match definition_name(reference) {
                Ok(target) => target,
                Err(err) => {
                    self.failures.push(format!("{owner}.{field}: {err}"));
                    return;
                }
            };
            let short = target.rsplit('.').next().unwrap_or(target);
            if go != short {
                self.failures.push(mismatch(&format!("$ref {target}")));
                return;
            }
            match self.definitions.get(target) {
                Some(definition) => self.compare(short, definition),
                None => self
                    .failures
                    .push(format!("{owner}.{field}: no definition {target}")),
            }
            return;
        }
        let types: Vec<&str> = match property.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let json_type = types.iter().copied().find(|t| *t != "null").unwrap_or("");
        let format = property.get("format").and_then(Value::as_str);
        match json_type {
            "array" => match (go.strip_prefix("[]"), property.get("items")) {
                (Some(element), Some(items)) => {
                    self.field_type(owner, field, element, items);
                }
                _ => self.failures.push(mismatch("an array")),
            },
            "object" => match (
                go.strip_prefix("map[string]"),
                property.get("additionalProperties"),
            ) {
                (Some(value), Some(values)) => self.field_type(owner, field, value, values),
                _ => self.failures.push(mismatch("an object")),
            },
            "string" if format == Some("byte") => {
                if go != "[]byte" {
                    self.failures.push(mismatch("base64 bytes"));
                }
            }
            "string" if go != "string" => self.failures.push(mismatch("a string")),
            "integer" => {
                let expected = match format {
                    Some("int32") => "int32",
                    _ => "int64",
                };
                if go != expected {
                    self.failures
                        .push(mismatch(&format!("an integer of format {format:?}")));
                }
            }
            "boolean" if go != "bool" => self.failures.push(mismatch("a boolean")),
            "number" if go != "float64" => self.failures.push(mismatch("a number")),
            "string" | "boolean" | "number" => {}
            other => self.failures.push(mismatch(&format!("of type {other:?}"))),
        }
    }
}
