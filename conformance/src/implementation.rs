//! What the suite checks: an implementation of the operations of the adapter
//! protocol (`conformance/PROTOCOL.md`), behind one trait, whether it is
//! patchlaw itself ([`Native`]) or a foreign program driven over that
//! protocol ([`Adapter`](crate::runner::Adapter)).

use std::fmt;
use std::time::Duration;

use serde_json::{json, Map, Value};

/// An operation of the adapter protocol.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::Op;
///
/// assert_eq!(Op::from_name("merge_patch.apply"), Some(Op::MergePatchApply));
/// assert_eq!(Op::MergePatchDiff.name(), "merge_patch.diff");
/// assert!(Op::MergePatchDiff.is_diff_like());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Op {
    /// `pointer.get`: `doc`, `pointer` → the value.
    PointerGet,
    /// `merge_patch.apply`: `doc`, `patch` → document.
    MergePatchApply,
    /// `merge_patch.diff`: `from`, `to` → merge patch.
    MergePatchDiff,
    /// `merge_patch.compose`: `first`, `second` → merge patch.
    MergePatchCompose,
    /// `json_patch.apply`: `doc`, `patch` → document.
    JsonPatchApply,
    /// `json_patch.diff`: `from`, `to` → JSON Patch.
    JsonPatchDiff,
    /// `strategic.apply`: `doc`, `patch`, `schema` → document.
    StrategicApply,
    /// `strategic.diff`: `from`, `to`, `schema` → strategic patch.
    StrategicDiff,
    /// `three_way.merge_patch`: `original`, `modified`, `current`,
    /// `overwrite` → merge patch.
    ThreeWayMergePatch,
    /// `three_way.strategic`: `original`, `modified`, `current`, `schema`,
    /// `overwrite` → strategic patch.
    ThreeWayStrategic,
}

impl Op {
    /// Every operation of the protocol, in the order of the protocol's
    /// table of operations.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::Op;
    ///
    /// assert!(Op::ALL.contains(&Op::StrategicDiff));
    /// assert!(Op::ALL.iter().all(|op| Op::from_name(op.name()) == Some(*op)));
    /// ```
    pub const ALL: &'static [Op] = &[
        Op::PointerGet,
        Op::MergePatchApply,
        Op::MergePatchDiff,
        Op::MergePatchCompose,
        Op::JsonPatchApply,
        Op::JsonPatchDiff,
        Op::StrategicApply,
        Op::StrategicDiff,
        Op::ThreeWayMergePatch,
        Op::ThreeWayStrategic,
    ];

    /// The protocol name, e.g. `merge_patch.apply`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_conformance::Op::PointerGet.name(), "pointer.get");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Op::PointerGet => "pointer.get",
            Op::MergePatchApply => "merge_patch.apply",
            Op::MergePatchDiff => "merge_patch.diff",
            Op::MergePatchCompose => "merge_patch.compose",
            Op::JsonPatchApply => "json_patch.apply",
            Op::JsonPatchDiff => "json_patch.diff",
            Op::StrategicApply => "strategic.apply",
            Op::StrategicDiff => "strategic.diff",
            Op::ThreeWayMergePatch => "three_way.merge_patch",
            Op::ThreeWayStrategic => "three_way.strategic",
        }
    }

    /// The operation with protocol name `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::Op;
    ///
    /// assert_eq!(Op::from_name("pointer.get"), Some(Op::PointerGet));
    /// assert_eq!(Op::from_name("pointer.set"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// The names of the operation's arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_conformance::Op::MergePatchDiff.args(), ["from", "to"]);
    /// ```
    #[must_use]
    pub const fn args(self) -> &'static [&'static str] {
        match self {
            Op::PointerGet => &["doc", "pointer"],
            Op::MergePatchApply | Op::JsonPatchApply => &["doc", "patch"],
            Op::MergePatchDiff | Op::JsonPatchDiff => &["from", "to"],
            Op::MergePatchCompose => &["first", "second"],
            Op::StrategicApply => &["doc", "patch", "schema"],
            Op::StrategicDiff => &["from", "to", "schema"],
            Op::ThreeWayMergePatch => &["original", "modified", "current", "overwrite"],
            Op::ThreeWayStrategic => &["original", "modified", "current", "schema", "overwrite"],
        }
    }

    /// Whether the result is a patch, judged by what it does rather than only
    /// by its text (`*.diff`, `*.compose`, `three_way.*`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!patchlaw_conformance::Op::MergePatchApply.is_diff_like());
    /// ```
    #[must_use]
    pub const fn is_diff_like(self) -> bool {
        matches!(
            self,
            Op::MergePatchDiff
                | Op::MergePatchCompose
                | Op::JsonPatchDiff
                | Op::StrategicDiff
                | Op::ThreeWayMergePatch
                | Op::ThreeWayStrategic
        )
    }

    /// The area the operation belongs to (the part before the dot).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_conformance::Op::ThreeWayStrategic.area(), "three_way");
    /// ```
    #[must_use]
    pub fn area(self) -> &'static str {
        let name = self.name();
        name.split_once('.').map_or(name, |(area, _)| area)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One answer of an implementation to one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// The operation succeeded.
    Ok {
        /// The result.
        result: Value,
        /// Three-way conflicts reported beside the result, if any.
        conflicts: Option<Value>,
    },
    /// The operation failed as the protocol foresees.
    Error {
        /// The stable error code (`path-not-found`, …).
        code: String,
        /// The implementation's message.
        message: String,
        /// Three-way conflicts, for the `conflict` error.
        conflicts: Option<Value>,
    },
    /// The implementation does not support the operation.
    Unsupported {
        /// Why.
        message: String,
    },
    /// The implementation (or its adapter) broke while answering.
    Errored {
        /// What happened.
        message: String,
    },
    /// No answer came in time.
    Timeout,
    /// The implementation's process died.
    Crashed {
        /// What is known of the crash.
        message: String,
    },
}

impl Reply {
    /// A successful reply without conflicts.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::Reply;
    ///
    /// assert_eq!(Reply::ok(serde_json::json!(1)).result(), Some(&serde_json::json!(1)));
    /// ```
    #[must_use]
    pub fn ok(result: Value) -> Reply {
        Reply::Ok {
            result,
            conflicts: None,
        }
    }

    /// The result of a successful reply.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_conformance::Reply::Timeout.result(), None);
    /// ```
    #[must_use]
    pub fn result(&self) -> Option<&Value> {
        match self {
            Reply::Ok { result, .. } => Some(result),
            _ => None,
        }
    }

    /// The error code of an error reply.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::Reply;
    ///
    /// let reply = Reply::Error { code: "test-failed".into(), message: String::new(), conflicts: None };
    /// assert_eq!(reply.code(), Some("test-failed"));
    /// ```
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        match self {
            Reply::Error { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The reply as one protocol response line's JSON (without `seq`).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::Reply;
    /// use serde_json::json;
    ///
    /// assert_eq!(Reply::ok(json!([1])).to_json(), json!({"result": [1]}));
    /// ```
    #[must_use]
    pub fn to_json(&self) -> Value {
        match self {
            Reply::Ok { result, conflicts } => {
                let mut out = json!({ "result": result });
                if let Some(conflicts) = conflicts {
                    out["conflicts"] = conflicts.clone();
                }
                out
            }
            Reply::Error {
                code,
                message,
                conflicts,
            } => {
                let mut error = json!({ "code": code, "message": message });
                if let Some(conflicts) = conflicts {
                    error["conflicts"] = conflicts.clone();
                }
                json!({ "error": error })
            }
            Reply::Unsupported { message } => json!({ "unsupported": true, "message": message }),
            Reply::Errored { message } => json!({ "errored": true, "message": message }),
            Reply::Timeout => json!({ "errored": true, "message": "timeout" }),
            Reply::Crashed { message } => json!({ "errored": true, "message": message }),
        }
    }

    /// One line of text describing the reply, for reports.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_conformance::Reply::ok(serde_json::json!(null)).describe(), "result null");
    /// ```
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Reply::Ok { result, .. } => format!("result {}", abbreviate(result)),
            Reply::Error { code, message, .. } => format!("error {code} ({message})"),
            Reply::Unsupported { message } => format!("unsupported ({message})"),
            Reply::Errored { message } => format!("errored ({message})"),
            Reply::Timeout => "timeout".to_owned(),
            Reply::Crashed { message } => format!("crash ({message})"),
        }
    }
}

/// A value as compact JSON, cut to a readable length.
#[must_use]
pub(crate) fn abbreviate(value: &Value) -> String {
    const MAX: usize = 300;
    let text = value.to_string();
    match (0..=MAX).rev().find(|&cut| text.is_char_boundary(cut)) {
        Some(cut) if cut < text.len() => format!("{}… ({} bytes)", &text[..cut], text.len()),
        _ => text,
    }
}

/// Who an implementation is, as the protocol's `start` reply says.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Info {
    /// Its name.
    pub name: String,
    /// The language it is written in.
    pub language: String,
    /// Its version.
    pub version: String,
    /// Where to find it.
    #[serde(default)]
    pub homepage: String,
}

/// The resource limits an implementation declares in its handshake
/// (`"limits"`); the runner checks the limit laws and the vectors that
/// expect `limit-exceeded` only against what is declared here.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::implementation::DeclaredLimits;
///
/// let limits: DeclaredLimits = serde_json::from_str(r#"{"max_ops": 100}"#).unwrap();
/// assert_eq!(limits.max_ops, Some(100));
/// assert!(limits.max_depth.is_none());
/// assert!(DeclaredLimits::default().is_empty());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct DeclaredLimits {
    /// The deepest nesting of containers accepted; one level more is
    /// `limit-exceeded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_depth: Option<usize>,
    /// The most operations in one JSON Patch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ops: Option<usize>,
    /// The most bytes one JSON Patch may copy (the copy-doubling attack).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_copy_bytes: Option<usize>,
}

impl DeclaredLimits {
    /// The limits of patchlaw's [`Limits`](patchlaw::Limits) that are
    /// finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::implementation::DeclaredLimits;
    ///
    /// let declared = DeclaredLimits::of(patchlaw::Limits::new());
    /// assert_eq!(declared.max_depth, Some(512));
    /// assert!(DeclaredLimits::of(patchlaw::Limits::unlimited()).is_empty());
    /// ```
    #[must_use]
    pub fn of(limits: patchlaw::Limits) -> DeclaredLimits {
        let finite = |n: usize| (n != usize::MAX).then_some(n);
        DeclaredLimits {
            max_depth: finite(limits.get_max_depth()),
            max_ops: finite(limits.get_max_operations()),
            max_copy_bytes: finite(limits.get_max_copy_size()),
        }
    }

    /// Whether no limit is declared.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw_conformance::implementation::DeclaredLimits::default().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == DeclaredLimits::default()
    }
}

/// An implementation under test.
///
/// Laws in [`crate::laws`] and the vector runner call only this trait, so a
/// law checked on patchlaw is checked the same way on a foreign library.
pub trait Implementation {
    /// Who it is.
    fn info(&self) -> Info;

    /// The operations it claims to support.
    fn capabilities(&self) -> Vec<Op>;

    /// Runs `op` with `args` (an object keyed by the names of
    /// [`Op::args`]).
    fn run(&mut self, op: Op, args: Map<String, Value>) -> Reply;

    /// The resource limits it declares; none by default.
    fn limits(&self) -> DeclaredLimits {
        DeclaredLimits::default()
    }

    /// How long to wait for each of the next answers. An implementation
    /// in this process answers when it is done and ignores it; an
    /// [`Adapter`](crate::runner::Adapter) reports `timeout` past it.
    fn set_timeout(&mut self, timeout: Duration) {
        let _ = timeout;
    }
}

impl<I: Implementation + ?Sized> Implementation for &mut I {
    fn info(&self) -> Info {
        (**self).info()
    }

    fn capabilities(&self) -> Vec<Op> {
        (**self).capabilities()
    }

    fn run(&mut self, op: Op, args: Map<String, Value>) -> Reply {
        (**self).run(op, args)
    }

    fn limits(&self) -> DeclaredLimits {
        (**self).limits()
    }

    fn set_timeout(&mut self, timeout: Duration) {
        (**self).set_timeout(timeout);
    }
}

/// patchlaw itself, called directly.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{Implementation, Native, Op, Reply};
/// use serde_json::json;
///
/// let mut native = Native::new();
/// let args = json!({"doc": {"a": 1}, "patch": {"a": null}});
/// let reply = native.run(Op::MergePatchApply, args.as_object().unwrap().clone());
/// assert_eq!(reply, Reply::ok(json!({})));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Native {
    limits: patchlaw::Limits,
    by_reference: bool,
}

impl Native {
    /// patchlaw with its default limits.
    ///
    /// # Examples
    ///
    /// ```
    /// let _ = patchlaw_conformance::Native::new();
    /// ```
    #[must_use]
    pub const fn new() -> Native {
        Native {
            limits: patchlaw::Limits::new(),
            by_reference: false,
        }
    }

    /// Applies patches by reference (`merge_patch::apply`, which clones
    /// what it inserts) instead of by value (`merge_patch::apply_owned`,
    /// the default), so that the laws can check both entry points.
    ///
    /// # Examples
    ///
    /// ```
    /// let _ = patchlaw_conformance::Native::new().by_reference();
    /// ```
    #[must_use]
    pub const fn by_reference(self) -> Native {
        Native {
            by_reference: true,
            ..self
        }
    }

    /// patchlaw with the given limits.
    ///
    /// # Examples
    ///
    /// ```
    /// let _ = patchlaw_conformance::Native::with_limits(patchlaw::Limits::unlimited());
    /// ```
    #[must_use]
    pub const fn with_limits(limits: patchlaw::Limits) -> Native {
        Native {
            limits,
            by_reference: false,
        }
    }
}

impl Implementation for Native {
    fn info(&self) -> Info {
        Info {
            name: "patchlaw".to_owned(),
            language: "rust".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            homepage: env!("CARGO_PKG_REPOSITORY").to_owned(),
        }
    }

    fn capabilities(&self) -> Vec<Op> {
        Op::ALL
            .iter()
            .copied()
            .filter(|&op| implements(op))
            .collect()
    }

    fn limits(&self) -> DeclaredLimits {
        DeclaredLimits::of(self.limits)
    }

    fn run(&mut self, op: Op, mut args: Map<String, Value>) -> Reply {
        let reply = run_native(op, &mut args, *self);
        // The arguments may be nested deeper than serde_json's recursive
        // `Drop` can take.
        for (_, value) in args {
            patchlaw::limits::dismantle(value);
        }
        reply
    }
}

/// Whether patchlaw implements `op`: what [`Native`] declares and answers
/// (the match has no wildcard, so a new operation must be decided here).
const fn implements(op: Op) -> bool {
    match op {
        Op::PointerGet
        | Op::MergePatchApply
        | Op::MergePatchDiff
        | Op::MergePatchCompose
        | Op::JsonPatchApply
        | Op::JsonPatchDiff
        | Op::StrategicApply
        | Op::StrategicDiff
        | Op::ThreeWayMergePatch
        | Op::ThreeWayStrategic => true,
    }
}

// `Reply` is large under `preserve_order` (so is `Value`); it is built once
// per request, so boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn run_native(op: Op, args: &mut Map<String, Value>, native: Native) -> Reply {
    use patchlaw::merge_patch;

    let limits = native.limits;
    let mut take = |name: &str| args.remove(name).ok_or_else(|| missing(op, name));
    let outcome = (|| -> Result<Result<Value, patchlaw::Error>, Reply> {
        Ok(match op {
            Op::PointerGet => {
                let doc = take("doc")?;
                let Value::String(pointer) = take("pointer")? else {
                    return Err(Reply::Errored {
                        message: "argument `pointer` must be a string".to_owned(),
                    });
                };
                let got = patchlaw::PointerBuf::parse(&pointer).and_then(|p| p.get(&doc).cloned());
                patchlaw::limits::dismantle(doc);
                got
            }
            Op::MergePatchApply => {
                let mut doc = take("doc")?;
                let patch = take("patch")?;
                if native.by_reference {
                    let applied = merge_patch::apply_with_limits(&mut doc, &patch, limits);
                    patchlaw::limits::dismantle(patch);
                    applied.map(|()| doc)
                } else {
                    merge_patch::apply_owned_with_limits(&mut doc, patch, limits).map(|()| doc)
                }
            }
            Op::MergePatchDiff => on_pair(&mut take, ["from", "to"], |from, to| {
                merge_patch::diff_with_limits(from, to, limits)
            })?,
            Op::MergePatchCompose => on_pair(&mut take, ["first", "second"], |first, second| {
                merge_patch::compose_with_limits(first, second, limits)
            })?,
            Op::JsonPatchApply => {
                let mut doc = take("doc")?;
                let patch = take("patch")?;
                let applied = patchlaw::json_patch::Patch::from_value_with_limits(&patch, limits)
                    .and_then(|patch| patch.apply_with_limits(&mut doc, limits));
                patchlaw::limits::dismantle(patch);
                document_or_dismantle(applied, doc)
            }
            Op::JsonPatchDiff => on_pair(&mut take, ["from", "to"], |from, to| {
                let options = patchlaw::json_patch::DiffOptions::new().limits(limits);
                patchlaw::json_patch::diff_with(from, to, options).map(|p| p.to_value())
            })?,
            Op::StrategicApply => {
                let mut doc = take("doc")?;
                let patch = take("patch")?;
                let schema = schema_argument(&take("schema")?)?;
                let applied =
                    patchlaw::strategic::apply_with_limits(&mut doc, &patch, &schema, limits);
                patchlaw::limits::dismantle(patch);
                document_or_dismantle(applied, doc)
            }
            Op::StrategicDiff => {
                let schema = schema_argument(&take("schema")?)?;
                on_pair(&mut take, ["from", "to"], |from, to| {
                    patchlaw::strategic::diff_with_limits(from, to, &schema, limits)
                })?
            }
            Op::ThreeWayMergePatch | Op::ThreeWayStrategic => {
                let schema = match op {
                    Op::ThreeWayStrategic => Some(schema_argument(&take("schema")?)?),
                    _ => None,
                };
                let overwrite = take("overwrite")?.as_bool().ok_or_else(|| Reply::Errored {
                    message: "argument `overwrite` must be a boolean".to_owned(),
                })?;
                let [original, modified, current] =
                    [take("original")?, take("modified")?, take("current")?];
                let options = patchlaw::three_way::Options::new()
                    .overwrite(overwrite)
                    .limits(limits);
                let merged = match &schema {
                    Some(schema) => patchlaw::three_way::strategic(
                        &original, &modified, &current, schema, options,
                    ),
                    None => {
                        patchlaw::three_way::merge_patch(&original, &modified, &current, options)
                    }
                };
                for value in [original, modified, current] {
                    patchlaw::limits::dismantle(value);
                }
                return Err(match merged {
                    Ok(outcome) => Reply::Ok {
                        result: outcome.patch,
                        conflicts: Some(conflicts_json(&outcome.conflicts)),
                    },
                    Err(err) => Reply::Error {
                        code: err.kind().code().to_owned(),
                        message: err.to_string(),
                        conflicts: (!err.conflicts().is_empty())
                            .then(|| conflicts_json(err.conflicts())),
                    },
                });
            }
        })
    })();
    match outcome {
        Ok(Ok(result)) => Reply::ok(result),
        Ok(Err(err)) => Reply::Error {
            code: err.kind().code().to_owned(),
            message: err.to_string(),
            conflicts: None,
        },
        Err(reply) => reply,
    }
}

/// Three-way conflicts as the protocol writes them.
fn conflicts_json(conflicts: &[patchlaw::three_way::Conflict]) -> Value {
    Value::Array(
        conflicts
            .iter()
            .map(patchlaw::three_way::Conflict::to_json)
            .collect(),
    )
}

/// Takes the two arguments `names` out of the request with `take`, runs `f`
/// on them, then takes them apart (they may be nested deeper than `Drop`
/// can take).
#[allow(clippy::result_large_err)] // `Reply` is large, as for `run_native`
fn on_pair<T>(
    take: &mut impl FnMut(&str) -> Result<Value, Reply>,
    names: [&str; 2],
    f: impl FnOnce(&Value, &Value) -> T,
) -> Result<T, Reply> {
    let (first, second) = (take(names[0])?, take(names[1])?);
    let result = f(&first, &second);
    patchlaw::limits::dismantle(first);
    patchlaw::limits::dismantle(second);
    Ok(result)
}

/// Reads the protocol's `schema` argument (`conformance/PROTOCOL.md`): an
/// OpenAPI document with the definition to start from in `root`, or
/// `{"builtin": "<apiVersion>/<kind>"}`.
///
/// # Errors
///
/// An `errored` reply naming what is wrong with the argument.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::implementation::schema_argument;
/// use serde_json::json;
///
/// let schema = schema_argument(&json!({"builtin": "apps/v1/Deployment"})).unwrap();
/// assert!(schema.lookup("/spec/template/spec/containers").unwrap().is_some());
/// let schema = schema_argument(&json!({"root": "T", "definitions": {"T": {"properties": {
///     "items": {"type": "array", "x-kubernetes-patch-strategy": "merge"}}}}})).unwrap();
/// assert!(schema.lookup("/items").unwrap().is_some());
/// assert!(schema_argument(&json!({"builtin": "example.com/v1/Widget"})).is_err());
/// ```
#[allow(clippy::result_large_err)]
pub fn schema_argument(schema: &Value) -> Result<patchlaw::strategic::Schema, Reply> {
    use patchlaw::strategic::Schema;
    let errored = |message: String| Reply::Errored { message };
    if let Some(builtin) = schema.get("builtin") {
        let name = builtin
            .as_str()
            .ok_or_else(|| errored("`builtin` must be a string".to_owned()))?;
        let (api_version, kind) = name.rsplit_once('/').ok_or_else(|| {
            errored(format!(
                "`builtin` must be <apiVersion>/<kind>, not {name:?}"
            ))
        })?;
        return Schema::builtin(api_version, kind)
            .ok_or_else(|| errored(format!("no built-in schema for {name:?}")));
    }
    let Some(root) = schema.get("root").and_then(Value::as_str) else {
        return Err(errored(
            "`schema` needs `builtin`, or `root` and OpenAPI `definitions`".to_owned(),
        ));
    };
    Schema::from_openapi(schema, root).map_err(|e| errored(format!("unusable schema: {e}")))
}

/// The patched document, or the error with the document taken apart (it
/// may be nested deeper than `Drop` can take).
fn document_or_dismantle(
    applied: Result<(), patchlaw::Error>,
    doc: Value,
) -> Result<Value, patchlaw::Error> {
    match applied {
        Ok(()) => Ok(doc),
        Err(err) => {
            patchlaw::limits::dismantle(doc);
            Err(err)
        }
    }
}

fn missing(op: Op, name: &str) -> Reply {
    Reply::Errored {
        message: format!("{op} needs the argument `{name}`"),
    }
}

/// Builds the argument object of a request from name–value pairs.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::implementation::args;
/// use serde_json::json;
///
/// let a = args([("doc", json!({})), ("patch", json!(null))]);
/// assert_eq!(a.len(), 2);
/// ```
pub fn args<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
