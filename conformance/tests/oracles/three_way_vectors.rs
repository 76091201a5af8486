//! The three-way vectors (`conformance/vectors/three_way/*.json`) against
//! `kubectl apply` v1.32, so that their expectations stay kubectl's.
//!
//! A vector records the three documents kubectl passes to its three-way
//! merge (`conformance/vectors/README.md`): `current` is the live object
//! with its last-applied annotation, and the manifest kubectl applies is
//! `modified` without its annotation. For each vector the test stores
//! `current` in the fake API server, runs `kubectl apply -f` on that
//! manifest (with `--overwrite=false` where the vector says so) and checks
//! what kubectl did against the vector: the PATCH body it sent equals
//! `expected` (numbers compared numerically), nothing sent for an
//! `expected` of `{}`, a refusal for `error` (`conflict`, and the schema's
//! refusals and kubectl's preconditions by their messages). One kubectl run
//! per vector, as vectors share object names.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::oracle::{self, locate_kubectl, locate_python, FakeApiServer, Request};
use patchlaw::json_patch::equal;
use patchlaw::three_way::LAST_APPLIED_ANNOTATION;
use serde_json::{json, Value};

/// How often a vector expecting a conflict is applied while kubectl
/// reports a refused member instead (2 runs in 8 did for such a vector).
const RUNS_FOR_A_CONFLICT: usize = 12;

#[test]
fn three_way_vectors_are_what_kubectl_sends() {
    check_vectors(
        "three-way-vectors",
        "the three-way vectors and kubectl apply",
        |kubectl, name, vector| {
            // Where kubectl's conflict check meets a conflict and a member the
            // schema refuses, which it reports first follows Go's random map
            // order: a vector expecting the conflict gets a few runs to show it.
            let mut problem = None;
            for _ in 0..RUNS_FOR_A_CONFLICT {
                let (requests, success, stderr) = kubectl.apply(vector);
                let sent: Vec<Value> = requests
                    .iter()
                    .map(|r| serde_json::from_str(&r.body).expect("kubectl sends JSON"))
                    .collect();
                let refused_first = vector["error"] == "conflict"
                    && sent.is_empty()
                    && stderr.contains("unable to find api field");
                problem = judge(vector, &sent, success, &stderr).map(
                |p| json!({"vector": name, "problem": p, "kubectl_sent": sent, "stderr": stderr}),
            );
                if problem.is_none() || !refused_first {
                    break;
                }
            }
            problem
        },
    );
}

/// Runs `check` on every vector (with its `file/name`), kubectl v1.32 and
/// the fake API server at hand, and fails, as `sides` disagreeing, with
/// the problems it returns. `scratch` names the scratch directory.
pub(crate) fn check_vectors(
    scratch: &str,
    sides: &str,
    mut check: impl FnMut(&Kubectl, &str, &Value) -> Option<Value>,
) {
    let (top, dir) = oracle::scratch_dir(scratch);
    let kubectl = Kubectl {
        path: locate_kubectl(),
        server: FakeApiServer::start(&locate_python()),
        dir,
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for (file, vector) in vectors() {
        let name = format!("{file}/{}", vector["name"].as_str().unwrap_or("?"));
        failures.extend(check(&kubectl, &name, &vector));
        checked += 1;
    }
    let _ = std::fs::remove_dir_all(&kubectl.dir);
    drop(kubectl);
    println!(
        "{sides}: {checked} vectors checked, {} disagree",
        failures.len()
    );
    if failures.is_empty() {
        return;
    }
    let shown: Vec<String> = failures.iter().take(12).map(|f| f.to_string()).collect();
    oracle::fail_with(
        &top,
        &format!("{scratch}-disagreements.json"),
        failures,
        shown.iter(),
        sides,
        &format!("{checked} vectors"),
    );
}

/// kubectl v1.32, the fake API server it talks to, and a scratch
/// directory.
pub(crate) struct Kubectl {
    path: PathBuf,
    server: FakeApiServer,
    /// Where the manifests and kubectl's cache go.
    pub(crate) dir: PathBuf,
}

impl Kubectl {
    /// What `kubectl apply` does with `vector`: its manifest (`modified`
    /// without the last-applied annotation) applied to `current`, stored
    /// in the server (`--overwrite=false` where the vector says so). The
    /// requests it sent, whether it succeeded, its stderr.
    pub(crate) fn apply(&self, vector: &Value) -> (Vec<Request>, bool, String) {
        let kubeconfig = self.dir.join("kubeconfig");
        std::fs::write(&kubeconfig, self.server.kubeconfig()).expect("the kubeconfig");
        let path = self.dir.join("manifest.json");
        std::fs::write(&path, manifest(vector).to_string()).expect("the manifest");
        let overwrite = vector["overwrite"].as_bool().unwrap_or(true);
        self.server.store(&[&vector["current"]]);
        let output = Command::new(&self.path)
            .env("KUBECONFIG", &kubeconfig)
            .args(["apply", "--validate=false", "--cache-dir"])
            .arg(self.dir.join("cache"))
            .arg(format!("--overwrite={overwrite}"))
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .expect("kubectl runs");
        let requests = self
            .server
            .take_requests()
            .into_values()
            .flatten()
            .collect();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (requests, output.status.success(), stderr)
    }
}

/// The manifest a vector applies: `modified` without its last-applied
/// annotation.
pub(crate) fn manifest(vector: &Value) -> Value {
    let mut manifest = vector["modified"].clone();
    if let Some(annotations) = manifest["metadata"]["annotations"].as_object_mut() {
        annotations.remove(LAST_APPLIED_ANNOTATION);
    }
    manifest
}

/// What is wrong, if anything, with kubectl's outcome for `vector`.
fn judge(vector: &Value, sent: &[Value], success: bool, stderr: &str) -> Option<String> {
    match (vector.get("error").and_then(Value::as_str), sent) {
        (Some(code), []) if !success => {
            let said: &[&str] = match code {
                "conflict" => &["conflicts with changes made from original to current"],
                "precondition-failed" => &["precondition failed"],
                "unknown-field" => &["unable to find api field"],
                "type-mismatch" => &["data type is not struct", "expected slice or array type"],
                other => {
                    return Some(format!(
                        "the vector expects {other}, which kubectl does not say"
                    ))
                }
            };
            (!said.iter().any(|s| stderr.contains(s)))
                .then(|| format!("kubectl failed, but not with {code}"))
        }
        (Some(code), _) => Some(format!(
            "the vector expects {code}; kubectl sent {} request(s)",
            sent.len()
        )),
        (None, []) if success => match &vector["expected"] {
            Value::Object(patch) if patch.is_empty() => None,
            _ => Some("kubectl sent nothing".to_owned()),
        },
        (None, [body]) if success => {
            let expected = &vector["expected"];
            (!equal(body, expected))
                .then(|| format!("kubectl sent {body}, the vector expects {expected}"))
        }
        (None, _) => Some(format!(
            "kubectl sent {} request(s), success {success}",
            sent.len()
        )),
    }
}

/// Every vector of `conformance/vectors/three_way/`, with its file's stem.
fn vectors() -> Vec<(String, Value)> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/three_way");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the three-way vectors")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|path| {
            let stem = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(path).expect("a vector file");
            let records: Vec<Value> = serde_json::from_str(&text).expect("a JSON array");
            records.into_iter().map(move |r| (stem.clone(), r))
        })
        .collect()
}
