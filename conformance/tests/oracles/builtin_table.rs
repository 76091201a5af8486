//! The built-in table against the published Kubernetes schemas.
//!
//! The reference is the JSON Schema of Kubernetes v1.32 that the PyPI
//! package `kubernetes-validate` ships: one file per kind whose `$ref`s
//! point into `_definitions.json`, with the `x-kubernetes-patch-strategy`
//! and `x-kubernetes-patch-merge-key` extensions of the Kubernetes OpenAPI
//! document kept. The test walks that schema independently of
//! `Schema::from_openapi` and compares every field with patch metadata,
//! both ways, with `Schema::builtin`.
//!
//! The schemas are found, in this order, at `$PATCHLAW_K8S_SCHEMAS` (the
//! package directory, its `kubernetes-json-schema` directory, or the
//! `v1.32.0-local` directory itself), in a `kubernetes_validate` package
//! that `python3` can import, or in a copy the test installs once with
//! `pip install --target` under cargo's `CARGO_TARGET_TMPDIR`. None of the
//! package's files are committed. `builtin_types.rs` checks the Go types of
//! the table against the same schemas.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use patchlaw::strategic::Schema;
use serde_json::{Map, Value};

/// The Kubernetes version the table follows (kubectl v1.32).
const KUBERNETES_VERSION: &str = "v1.32.0";
/// The `kubernetes-validate` release installed when none is found; it
/// ships the schemas of Kubernetes v1.25 to v1.37.
const PACKAGE_VERSION: &str = "1.37.0";
/// How many fields deep both sides are listed. Kubernetes' deepest patch
/// metadata is 7 fields deep (`/spec/jobTemplate/spec/template/spec/
/// containers/env`); recursive types are cut at their first repetition.
const MAX_DEPTH: usize = 32;

/// Patch metadata as the schema writes it: (strategy, merge key).
type Meta = (String, Option<String>);

#[test]
fn builtin_table_matches_published_schemas() {
    let dir = schema_dir();
    let definitions = &read_definitions(&dir);

    let kinds = Schema::builtin_kinds();
    assert_eq!(kinds.len(), 21, "the table's kinds changed: {kinds:?}");
    let mut failures = Vec::new();
    for &(api_version, kind) in kinds {
        let root = read_json(&dir.join(kind_file_name(api_version, kind)));
        assert_declares_kind(&root, api_version, kind);
        let published = Published::collect(definitions, &root)
            .unwrap_or_else(|err| panic!("{api_version}/{kind}: {err}"));
        let table: BTreeMap<String, Meta> = Schema::builtin(api_version, kind)
            .unwrap_or_else(|| panic!("no built-in schema for {api_version}/{kind}"))
            .fields(MAX_DEPTH)
            .into_iter()
            .map(|(path, field)| {
                let key = field.merge_key().map(str::to_owned);
                (path, (field.to_strategy_string(), key))
            })
            .collect();

        let mut agree = 0;
        let mut disagree = Vec::new();
        let paths: BTreeSet<&String> = table.keys().chain(published.keys()).collect();
        for path in paths {
            match (table.get(path), published.get(path)) {
                (Some(ours), Some(theirs)) if ours == theirs => agree += 1,
                (Some(ours), Some(theirs)) => disagree.push(format!(
                    "{path}: table {} but published {}",
                    show(ours),
                    show(theirs)
                )),
                (Some(ours), None) => disagree.push(format!(
                    "{path}: table {} but published without patch metadata",
                    show(ours)
                )),
                (None, Some(theirs)) => {
                    disagree.push(format!(
                        "{path}: missing from the table, published {}",
                        show(theirs)
                    ));
                }
                (None, None) => unreachable!(),
            }
        }
        if disagree.is_empty() {
            println!("{api_version}/{kind}: {agree} fields agree");
        } else {
            println!(
                "{api_version}/{kind}: {agree} fields agree, {} disagree",
                disagree.len()
            );
            failures.extend(
                disagree
                    .into_iter()
                    .map(|line| format!("{api_version}/{kind} {line}")),
            );
        }
    }
    assert!(
        failures.is_empty(),
        "the built-in table differs from the published Kubernetes {KUBERNETES_VERSION} schemas \
         ({}):\n{}",
        dir.display(),
        failures.join("\n")
    );
}

fn show((strategy, key): &Meta) -> String {
    match key {
        Some(key) => format!("strategy {strategy:?} merge key {key:?}"),
        None => format!("strategy {strategy:?} without merge key"),
    }
}

/// `kubernetes-validate`'s file name for a kind: the first label of the
/// group, then the version (`rbac.authorization.k8s.io/v1` Role is
/// `role-rbac-v1.json`, `v1` Pod is `pod-v1.json`).
pub(crate) fn kind_file_name(api_version: &str, kind: &str) -> String {
    let version = match api_version.split_once('/') {
        Some((group, version)) => {
            let label = group.split('.').next().unwrap_or(group);
            format!("{label}-{version}")
        }
        None => api_version.to_owned(),
    };
    format!("{}-{version}.json", kind.to_lowercase())
}

pub(crate) fn assert_declares_kind(root: &Value, api_version: &str, kind: &str) {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let declared = root
        .get("x-kubernetes-group-version-kind")
        .and_then(Value::as_array)
        .is_some_and(|gvks| {
            gvks.iter().any(|gvk| {
                gvk.get("group").and_then(Value::as_str) == Some(group)
                    && gvk.get("version").and_then(Value::as_str) == Some(version)
                    && gvk.get("kind").and_then(Value::as_str) == Some(kind)
            })
        });
    assert!(
        declared,
        "the schema file of {api_version}/{kind} declares another kind"
    );
}

/// The fields with patch metadata of one kind's published schema, by path
/// in the notation of `Schema::lookup`.
struct Published<'a> {
    definitions: &'a Map<String, Value>,
    fields: BTreeMap<String, Meta>,
    /// The definitions being expanded: a `$ref` to one of them is a
    /// recursive type, which the walk does not follow again.
    expanding: Vec<&'a str>,
}

impl<'a> Published<'a> {
    fn collect(
        definitions: &'a Map<String, Value>,
        root: &'a Value,
    ) -> Result<BTreeMap<String, Meta>, String> {
        let mut walk = Published {
            definitions,
            fields: BTreeMap::new(),
            expanding: Vec::new(),
        };
        walk.schema(root, "", 0)?;
        Ok(walk.fields)
    }

    /// Walks the schema of the value at `path`. List elements and the
    /// `$ref`, `allOf`, `anyOf` and `oneOf` subschemas describe the same
    /// path; `properties` and `additionalProperties` one field deeper.
    fn schema(&mut self, schema: &'a Value, path: &str, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("{path}: deeper than {MAX_DEPTH} fields"));
        }
        let Value::Object(schema) = schema else {
            // `true`/`false` schemas carry no metadata.
            return Ok(());
        };
        self.record(schema, path)?;
        if let Some(reference) = schema.get("$ref") {
            let name = definition_name(reference)?;
            if !self.expanding.contains(&name) {
                let target = self
                    .definitions
                    .get(name)
                    .ok_or_else(|| format!("{path}: no definition {name:?}"))?;
                self.expanding.push(name);
                self.schema(target, path, depth)?;
                self.expanding.pop();
            }
        }
        for combinator in ["allOf", "anyOf", "oneOf"] {
            for sub in schema
                .get(combinator)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                self.schema(sub, path, depth)?;
            }
        }
        if let Some(items) = schema.get("items") {
            self.schema(items, path, depth)?;
        }
        if let Some(values) = schema.get("additionalProperties") {
            self.schema(values, &format!("{path}/*"), depth + 1)?;
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let child = format!("{path}/{}", patchlaw::pointer::escape(name));
                self.schema(property, &child, depth + 1)?;
            }
        }
        Ok(())
    }

    fn record(&mut self, schema: &Map<String, Value>, path: &str) -> Result<(), String> {
        let text = |name: &str| match schema.get(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(format!("{path}: {name} is not a string: {other}")),
        };
        let strategy = text("x-kubernetes-patch-strategy")?;
        let key = text("x-kubernetes-patch-merge-key")?;
        if strategy.is_none() && key.is_none() {
            return Ok(());
        }
        if path.is_empty() {
            return Err("patch metadata on the object itself".to_owned());
        }
        let meta = (strategy.unwrap_or_default(), key);
        match self.fields.get(path) {
            Some(seen) if *seen != meta => Err(format!(
                "{path}: two different patch metadata, {} and {}",
                show(seen),
                show(&meta)
            )),
            _ => {
                self.fields.insert(path.to_owned(), meta);
                Ok(())
            }
        }
    }
}

/// The definition a `$ref` names: `/api/_definitions.json#/$defs/<name>`
/// from a kind's file, `#/$defs/<name>` inside `_definitions.json`.
pub(crate) fn definition_name(reference: &Value) -> Result<&str, String> {
    let text = reference
        .as_str()
        .ok_or_else(|| format!("$ref is not a string: {reference}"))?;
    let (file, fragment) = text.split_once('#').unwrap_or((text, ""));
    let name = fragment
        .strip_prefix("/$defs/")
        .or_else(|| fragment.strip_prefix("/definitions/"));
    match name {
        Some(name)
            if (file.is_empty() || file.ends_with("_definitions.json"))
                && !name.contains(['/', '~']) =>
        {
            Ok(name)
        }
        _ => Err(format!("unexpected $ref {text:?}")),
    }
}

/// The definitions of `_definitions.json` in `dir`.
pub(crate) fn read_definitions(dir: &Path) -> Map<String, Value> {
    match read_json(&dir.join("_definitions.json")) {
        Value::Object(mut file) => {
            match file.remove("$defs").or_else(|| file.remove("definitions")) {
                Some(Value::Object(definitions)) => definitions,
                _ => panic!("{}: no `$defs` object", dir.display()),
            }
        }
        _ => panic!("{}: _definitions.json is not an object", dir.display()),
    }
}

pub(crate) fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{} is not JSON: {err}", path.display()))
}

/// The directory of the v1.32 schemas: from `$PATCHLAW_K8S_SCHEMAS`, an
/// installed `kubernetes_validate`, or a copy installed under cargo's
/// temporary directory. Never skips: without schemas the test fails.
pub(crate) fn schema_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PATCHLAW_K8S_SCHEMAS") {
        let dir = PathBuf::from(dir);
        return versioned(&dir).unwrap_or_else(|| {
            panic!(
                "$PATCHLAW_K8S_SCHEMAS={} holds no {KUBERNETES_VERSION}-local/_definitions.json \
                 (point it at the kubernetes_validate package directory, its \
                 kubernetes-json-schema directory, or the {KUBERNETES_VERSION}-local directory)",
                dir.display()
            )
        });
    }
    let mut tried = Vec::new();
    match installed_package() {
        Ok(package) => match versioned(&package) {
            Some(dir) => return dir,
            None => tried.push(format!(
                "the installed kubernetes_validate at {} has no {KUBERNETES_VERSION} schemas",
                package.display()
            )),
        },
        Err(err) => tried.push(err),
    }
    match pip_install() {
        Ok(dir) => dir,
        Err(err) => {
            tried.push(err);
            panic!(
                "cannot find the Kubernetes {KUBERNETES_VERSION} JSON schemas of the PyPI package \
                 kubernetes-validate; set $PATCHLAW_K8S_SCHEMAS, or make `python3 -m pip install \
                 kubernetes-validate=={PACKAGE_VERSION}` work:\n- {}",
                tried.join("\n- ")
            )
        }
    }
}

/// The `v1.32.0-local` directory at or under `dir`, if it has the schemas.
fn versioned(dir: &Path) -> Option<PathBuf> {
    let local = format!("{KUBERNETES_VERSION}-local");
    [
        dir.to_path_buf(),
        dir.join(&local),
        dir.join("kubernetes-json-schema").join(&local),
        dir.join("kubernetes_validate")
            .join("kubernetes-json-schema")
            .join(&local),
    ]
    .into_iter()
    .find(|candidate| candidate.join("_definitions.json").is_file())
}

/// The directory of a `kubernetes_validate` package `python3` can import.
/// `find_spec` does not run the package, so its dependencies need not be
/// installed.
fn installed_package() -> Result<PathBuf, String> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import importlib.util as u; s = u.find_spec('kubernetes_validate'); \
             print(s.submodule_search_locations[0] if s else '')",
        ])
        .output()
        .map_err(|err| format!("cannot run python3: {err}"))?;
    let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || path.is_empty() {
        return Err("python3 finds no installed kubernetes_validate package".to_owned());
    }
    Ok(PathBuf::from(path))
}

/// Installs `kubernetes-validate` (its data only: `--no-deps`) once under
/// `CARGO_TARGET_TMPDIR`, into a fresh directory that is renamed into
/// place when complete, so that an interrupted or concurrent run never
/// leaves a half-installed copy.
fn pip_install() -> Result<PathBuf, String> {
    let home = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let target = home.join(format!("kubernetes-validate-{PACKAGE_VERSION}"));
    if let Some(dir) = versioned(&target) {
        return Ok(dir);
    }
    let partial = home.join(format!(
        "kubernetes-validate-{PACKAGE_VERSION}.partial-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&partial);
    let output = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
        ])
        .arg("--target")
        .arg(&partial)
        .arg(format!("kubernetes-validate=={PACKAGE_VERSION}"))
        .output()
        .map_err(|err| format!("cannot run python3 -m pip: {err}"))?;
    if !output.status.success() {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(format!(
            "`python3 -m pip install --target {} kubernetes-validate=={PACKAGE_VERSION}` failed: {}",
            partial.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    // Another run may have finished first; its copy is as good as ours.
    if std::fs::rename(&partial, &target).is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    versioned(&target).ok_or_else(|| {
        format!(
            "kubernetes-validate=={PACKAGE_VERSION}, installed at {}, has no {KUBERNETES_VERSION} \
             schemas",
            target.display()
        )
    })
}
