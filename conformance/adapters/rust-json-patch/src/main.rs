//! patchlaw-conformance adapter (conformance/PROTOCOL.md) for the
//! `json-patch` crate (RFC 6902 apply and diff, RFC 7396 merge; it has no
//! merge-patch diff) and the
//! `jsonptr` crate it re-exports (RFC 6901), at the versions of Cargo.lock.
//!
//! `json-patch` reports a missing member, a bad index and an index out of
//! range alike (`PatchErrorKind::InvalidPointer`); this adapter answers
//! `path-not-found` for all of them.

use std::io::{BufRead, Write};

use json_patch::jsonptr::{resolve::Error as ResolveError, Pointer, Resolve};
use json_patch::{Patch, PatchErrorKind};
use serde_json::{json, Value};

const CAPABILITIES: [&str; 4] = [
    "pointer.get",
    "json_patch.apply",
    "json_patch.diff",
    "merge_patch.apply",
];

fn main() {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let response = match serde_json::from_str::<Value>(&line) {
            Ok(request) if request["cmd"] == "stop" => break,
            Ok(request) => respond(&request),
            Err(e) => json!({"seq": null, "errored": true, "message": e.to_string()}),
        };
        if writeln!(stdout, "{response}").and_then(|()| stdout.flush()).is_err() {
            break;
        }
    }
}

fn respond(request: &Value) -> Value {
    if request["cmd"] == "start" {
        return json!({
            "protocol": 1,
            "implementation": {
                "name": "rust-json-patch",
                "language": "rust",
                "version": "json-patch 5.0.0",
                "homepage": "https://github.com/idubrov/json-patch",
            },
            "capabilities": CAPABILITIES,
        });
    }
    let seq = request["seq"].clone();
    let args = &request["args"];
    let answer = match request["op"].as_str().unwrap_or_default() {
        "pointer.get" => pointer_get(&args["doc"], args["pointer"].as_str().unwrap_or("~")),
        "json_patch.apply" => json_patch_apply(args["doc"].clone(), &args["patch"]),
        "json_patch.diff" => {
            serde_json::to_value(json_patch::diff(&args["from"], &args["to"])).map_err(|e| ("invalid-patch", e.to_string()))
        }
        "merge_patch.apply" => {
            let mut doc = args["doc"].clone();
            json_patch::merge(&mut doc, &args["patch"]);
            Ok(doc)
        }
        _ => return json!({"seq": seq, "unsupported": true, "message": "unknown op"}),
    };
    match answer {
        Ok(result) => json!({"seq": seq, "result": result}),
        Err((code, message)) => json!({"seq": seq, "error": {"code": code, "message": message}}),
    }
}

fn pointer_get(doc: &Value, pointer: &str) -> Result<Value, (&'static str, String)> {
    let pointer = Pointer::parse(pointer).map_err(|e| ("invalid-pointer", e.to_string()))?;
    doc.resolve(pointer).cloned().map_err(|e| {
        let code = match e {
            ResolveError::FailedToParseIndex { .. } => "invalid-index",
            ResolveError::OutOfBounds { .. } => "index-out-of-bounds",
            ResolveError::Unreachable { .. } => "not-a-container",
            _ => "path-not-found",
        };
        (code, e.to_string())
    })
}

fn json_patch_apply(mut doc: Value, patch: &Value) -> Result<Value, (&'static str, String)> {
    let patch: Patch =
        serde_json::from_value(patch.clone()).map_err(|e| ("invalid-patch", e.to_string()))?;
    json_patch::patch(&mut doc, &patch).map_err(|e| {
        let code = match e.kind {
            PatchErrorKind::TestFailed => "test-failed",
            PatchErrorKind::CannotMoveInsideItself => "move-into-descendant",
            _ => "path-not-found",
        };
        (code, e.to_string())
    })?;
    Ok(doc)
}
