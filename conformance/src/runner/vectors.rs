//! Reading vector files (the format of `conformance/vectors/README.md`).

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::implementation::Op;

/// How a result is compared with the expected value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// RFC 6902 §4.6 equality (the default): numbers numerically, objects
    /// unordered.
    Semantic,
    /// Exact JSON equality: `1` ≠ `1.0`.
    Exact,
}

/// The error a vector expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectedError {
    /// This stable code.
    Code(String),
    /// Any error (community files: the text is only a hint).
    Any(String),
}

/// One test vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Vector {
    /// `<area>/<topic>/<name>`.
    pub id: String,
    /// The directory: `merge_patch`, `pointer`, …
    pub area: String,
    /// The operation, or its unknown name.
    pub op: Result<Op, String>,
    /// The operation's arguments (the fields named in [`Op::args`]).
    pub args: Map<String, Value>,
    /// Fields used only to judge the result: `doc` for `merge_patch.compose`.
    pub context: Map<String, Value>,
    /// The expected result.
    pub expected: Option<Value>,
    /// For diff-like operations: the document the produced patch must give.
    pub expected_result: Option<Value>,
    /// For `*.diff` operations: the error code with which applying the
    /// produced patch must fail (a patch that, as Kubernetes computes it,
    /// its own apply refuses).
    pub result_error: Option<String>,
    /// The expected error.
    pub error: Option<ExpectedError>,
    /// How results are compared.
    pub compare: Compare,
    /// Why the vector is skipped, if it is.
    pub disabled: Option<String>,
    /// The vector's comment.
    pub comment: Option<String>,
    /// The clause or law the vector checks (`"RFC 6902 §4.1"`).
    pub spec: Option<String>,
}

/// A vector file that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for LoadError {}

const META: [&str; 10] = [
    "name",
    "comment",
    "spec",
    "op",
    "expected",
    "expected_result",
    "result_error",
    "error",
    "compare",
    "disabled",
];

/// Every `*.json` file under `dir`, recursively, sorted, skipping
/// `README`-like files that are not JSON.
///
/// # Errors
///
/// When the directory cannot be read.
pub fn vector_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| LoadError {
            path: dir.clone(),
            message: e.to_string(),
        })?;
        for entry in entries {
            let path = entry
                .map_err(|e| LoadError {
                    path: dir.clone(),
                    message: e.to_string(),
                })?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The vector files of `conformance/vectors/`, as the crate was built
/// with them: `(path under vectors/, text)`, sorted by path.
///
/// # Examples
///
/// ```
/// let files = patchlaw_conformance::runner::vectors::EMBEDDED;
/// assert!(files.iter().any(|(path, _)| *path == "merge_patch/rfc7396.json"));
/// ```
pub const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// Every vector of [`EMBEDDED`], in path order: the suite as this binary
/// carries it, wherever it runs.
///
/// # Errors
///
/// When a file is malformed (as [`parse`] says); the crate's tests keep
/// this from happening.
///
/// # Examples
///
/// ```
/// let vectors = patchlaw_conformance::runner::vectors::embedded().unwrap();
/// assert!(vectors.iter().any(|v| v.id.starts_with("pointer/rfc6901/")));
/// ```
pub fn embedded() -> Result<Vec<Vector>, LoadError> {
    let mut all = Vec::new();
    for (path, text) in EMBEDDED {
        all.extend(parse(Path::new(path), text)?);
    }
    Ok(all)
}

/// Reads one vector file (see [`parse`]).
///
/// # Errors
///
/// When the file cannot be read or is malformed.
pub fn load(path: &Path) -> Result<Vec<Vector>, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    parse(path, &text)
}

/// Reads the vectors of the file at `path` whose content is `text`. The
/// area is the name of the file's directory and the topic its stem.
/// Records without `name` are community json-patch-tests records: they get
/// their index as name and `json_patch.apply` as operation.
///
/// # Errors
///
/// When the text is not a JSON array of objects, a name repeats, a field
/// has the wrong type, an argument of the operation is missing or a field
/// is neither a documented field nor an argument, an error
/// code is not one of patchlaw's, or the record's expectations contradict
/// each other.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::runner::vectors::parse;
///
/// let text = r#"[{"name": "n", "doc": {}, "patch": {"a": 1}, "expected": {"a": 1}}]"#;
/// let vectors = parse("merge_patch/mine.json".as_ref(), text)?;
/// assert_eq!(vectors[0].id, "merge_patch/mine/n");
/// # Ok::<(), patchlaw_conformance::runner::vectors::LoadError>(())
/// ```
pub fn parse(path: &Path, text: &str) -> Result<Vec<Vector>, LoadError> {
    let fail = |message: String| LoadError {
        path: path.to_path_buf(),
        message,
    };
    let records: Vec<Value> =
        serde_json::from_str(text).map_err(|e| fail(format!("not a JSON array: {e}")))?;
    let topic = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir_area = path
        .parent()
        .and_then(Path::file_name)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut vectors = Vec::with_capacity(records.len());
    let mut names = std::collections::HashSet::new();
    for (index, record) in records.into_iter().enumerate() {
        let Value::Object(mut record) = record else {
            return Err(fail(format!("record {index} is not an object")));
        };
        let community = !record.contains_key("name");
        let name = match record.get("name") {
            None => index.to_string(),
            Some(Value::String(name)) => name.clone(),
            Some(_) => return Err(fail(format!("record {index}: `name` must be a string"))),
        };
        if !names.insert(name.clone()) {
            return Err(fail(format!("name {name:?} is used twice")));
        }
        let text_field = |field: &str| -> Result<Option<String>, LoadError> {
            match record.get(field) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(fail(format!("{name}: `{field}` must be a string"))),
            }
        };
        let comment = text_field("comment")?;
        let spec = text_field("spec")?;
        let (area, op) = if community {
            ("json_patch".to_owned(), Ok(Op::JsonPatchApply))
        } else {
            let op_name = text_field("op")?.unwrap_or_else(|| default_op(&dir_area));
            (dir_area.clone(), Op::from_name(&op_name).ok_or(op_name))
        };
        let known_code = |field: &str, code: &str| match patchlaw::ErrorKind::from_code(code) {
            Some(_) => Ok(()),
            None => Err(fail(format!(
                "{name}: `{field}` {code:?} is not an error code"
            ))),
        };
        let error = match record.get("error") {
            None => None,
            Some(Value::String(code)) if community => Some(ExpectedError::Any(code.clone())),
            Some(Value::String(code)) => {
                known_code("error", code)?;
                Some(ExpectedError::Code(code.clone()))
            }
            Some(_) => return Err(fail(format!("{name}: `error` must be a string"))),
        };
        let compare = match text_field("compare")?.as_deref() {
            None | Some("semantic") => Compare::Semantic,
            Some("exact") => Compare::Exact,
            Some(other) => return Err(fail(format!("{name}: unknown `compare` {other:?}"))),
        };
        let disabled = match record.get("disabled") {
            None | Some(Value::Bool(false)) => None,
            Some(Value::String(reason)) if !reason.trim().is_empty() => Some(reason.clone()),
            Some(Value::Bool(true)) if community => Some("upstream".to_owned()),
            Some(_) => {
                return Err(fail(format!(
                    "{name}: `disabled` must be a non-empty reason"
                )))
            }
        };
        let expected = record.get("expected").cloned();
        let expected_result = record.get("expected_result").cloned();
        if error.is_some() && (expected.is_some() || expected_result.is_some()) {
            return Err(fail(format!(
                "{name}: `error` excludes `expected` and `expected_result`"
            )));
        }
        let result_error = text_field("result_error")?;
        if let Some(code) = &result_error {
            known_code("result_error", code)?;
            if expected_result.is_some() || error.is_some() {
                return Err(fail(format!(
                    "{name}: `result_error` excludes `expected_result` and `error`"
                )));
            }
            let diff = matches!(
                op,
                Ok(Op::MergePatchDiff | Op::JsonPatchDiff | Op::StrategicDiff)
            );
            if !diff {
                return Err(fail(format!("{name}: `result_error` is for `*.diff` ops")));
            }
        }
        if error.is_none() && expected.is_none() && expected_result.is_none() && disabled.is_none()
        {
            let diff_like = op.as_ref().is_ok_and(|op| op.is_diff_like());
            // Community records with neither are "must not fail" cases; diffs
            // are judged by the document their patch produces.
            if !community && !diff_like {
                return Err(fail(format!(
                    "{name}: needs `expected`, `expected_result` or `error`"
                )));
            }
        }
        for field in META {
            record.remove(field);
        }
        let mut context = Map::new();
        if let Ok(op) = &op {
            if !community {
                if *op == Op::MergePatchCompose {
                    if let Some(doc) = record.remove("doc") {
                        context.insert("doc".to_owned(), doc);
                    }
                }
                // A misspelt field must not pass silently as an argument.
                if let Some(unknown) = record.keys().find(|k| !op.args().contains(&k.as_str())) {
                    return Err(fail(format!("{name}: unknown field {unknown:?} for {op}")));
                }
                if let Some(missing) = op.args().iter().find(|a| !record.contains_key(**a)) {
                    return Err(fail(format!("{name}: {op} needs the argument {missing:?}")));
                }
            }
        }
        vectors.push(Vector {
            id: format!("{area}/{topic}/{name}"),
            area,
            op,
            args: record,
            context,
            expected,
            expected_result,
            result_error,
            error,
            compare,
            disabled,
            comment,
            spec,
        });
    }
    Ok(vectors)
}

fn default_op(area: &str) -> String {
    match area {
        "pointer" => "pointer.get".to_owned(),
        other => format!("{other}.apply"),
    }
}
