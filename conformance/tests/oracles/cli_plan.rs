//! `patchlaw plan` (the command line, `cli/`) against `kubectl apply` v1.32
//! on the three-way vectors: for each, kubectl applies the vector's
//! manifest to its live object in the fake API server, and `patchlaw plan
//! -f MANIFEST --live LIVE -o json` must decide the same: the same patch
//! (numbers compared numerically) with the same content type, "unchanged"
//! where kubectl sent nothing, a refusal (exit 2) where kubectl refused.
//!
//! The binary is `$PATCHLAW_CLI`, else built here with `cargo build
//! --manifest-path cli/Cargo.toml` (the CLI is a workspace of its own).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::three_way_vectors::{check_vectors, manifest};
use patchlaw::json_patch::equal;
use serde_json::{json, Value};

#[test]
fn plan_decides_what_kubectl_apply_does() {
    let cli = patchlaw_cli();
    check_vectors(
        "cli-plan",
        "patchlaw plan and kubectl apply",
        |kubectl, name, vector| {
            let (requests, success, stderr) = kubectl.apply(vector);
            let manifest_path = kubectl.dir.join("plan-manifest.json");
            let live_path = kubectl.dir.join("plan-live.json");
            std::fs::write(&manifest_path, manifest(vector).to_string()).expect("the manifest");
            std::fs::write(&live_path, vector["current"].to_string()).expect("the live object");
            let overwrite = vector["overwrite"].as_bool().unwrap_or(true);
            let output = Command::new(&cli)
                .args([
                    "plan",
                    "-o",
                    "json",
                    &format!("--overwrite={overwrite}"),
                    "-f",
                ])
                .arg(&manifest_path)
                .arg("--live")
                .arg(&live_path)
                .output()
                .expect("patchlaw runs");
            let status = output.status.code();
            let planned: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
            let record = &planned[0];
            let problem = match (success, requests.as_slice()) {
                (false, _) => {
                    (status != Some(2)).then(|| "kubectl refused; patchlaw did not".to_owned())
                }
                (true, []) => (status != Some(0) || record["action"] != "unchanged")
                    .then(|| "kubectl sent nothing; patchlaw plans otherwise".to_owned()),
                (true, [request]) => {
                    let body: Value =
                        serde_json::from_str(&request.body).expect("kubectl sends JSON");
                    let same = status == Some(1)
                        && request.method == "PATCH"
                        && record["action"] == "patch"
                        && request.content_type.as_deref() == record["contentType"].as_str()
                        && equal(&body, &record["body"]);
                    (!same).then(|| format!("kubectl sent {} {body}", request.method))
                }
                (true, _) => Some(format!("kubectl sent {} requests", requests.len())),
            };
            problem.map(|problem| {
                json!({"vector": name, "problem": problem, "kubectl_stderr": stderr,
                "patchlaw_status": status, "patchlaw_plan": planned,
                "patchlaw_stderr": String::from_utf8_lossy(&output.stderr)})
            })
        },
    );
}

/// `$PATCHLAW_CLI`, else the debug build of `cli/`, built now.
fn patchlaw_cli() -> PathBuf {
    if let Some(path) = std::env::var_os("PATCHLAW_CLI") {
        return PathBuf::from(path);
    }
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli");
    let target = cli.join("target");
    let built = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(cli.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("cargo runs");
    assert!(built.success(), "cargo build of cli/ failed");
    target.join("debug/patchlaw")
}
