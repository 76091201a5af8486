//! The adapter protocol: as `serve` speaks it (exactly one response line per
//! request line, whatever the line holds, and serving goes on), as the
//! runner's [`Adapter`] copes with adapters that do not, and as
//! `conformance/PROTOCOL.md` documents it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use patchlaw_conformance::implementation::args;
use patchlaw_conformance::runner::{self, Adapter};
use patchlaw_conformance::{Implementation, Native, Op, Reply};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::vectors::Scratch;

fn serve_in_process(input: &[u8]) -> Vec<Value> {
    let mut output = Vec::new();
    runner::serve(&mut Native::new(), input, &mut output).unwrap();
    String::from_utf8(output)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn serve_binary(input: &[u8]) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_patchlaw-conformance"))
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn handshake_and_operations() {
    let input = concat!(
        r#"{"cmd":"start","version":1}"#,
        "\n",
        r#"{"cmd":"run","seq":1,"op":"merge_patch.apply","args":{"doc":{"a":1},"patch":{"a":null,"b":2}}}"#,
        "\n",
        r#"{"cmd":"run","seq":2,"op":"merge_patch.diff","args":{"from":{},"to":{"a":null}}}"#,
        "\n",
        r#"{"cmd":"run","seq":3,"op":"merge_patch.compose","args":{"first":{"a":1},"second":{"b":2}}}"#,
        "\n",
        r#"{"cmd":"run","seq":4,"op":"pointer.get","args":{"doc":{"a":[1,2]},"pointer":"/a/1"}}"#,
        "\n",
        r#"{"cmd":"run","seq":5,"op":"three_way.strategic","args":{"original":{},"modified":{},"current":{},"schema":{"builtin":"v1/Pod"},"overwrite":true}}"#,
        "\n",
        r#"{"cmd":"run","seq":7,"op":"json_patch.apply","args":{"doc":{"a":[1]},"patch":[{"op":"add","path":"/a/-","value":2}]}}"#,
        "\n",
        r#"{"cmd":"run","seq":8,"op":"json_patch.apply","args":{"doc":{"a":[1]},"patch":[{"op":"move","from":"/a","path":"/a/0"}]}}"#,
        "\n",
        r#"{"cmd":"run","seq":9,"op":"json_patch.apply","args":{"doc":{},"patch":{"op":"add"}}}"#,
        "\n",
        r#"{"cmd":"stop"}"#,
        "\n",
        r#"{"cmd":"run","seq":6,"op":"pointer.get","args":{"doc":1,"pointer":""}}"#,
        "\n",
    );
    let lines = serve_binary(input.as_bytes());
    assert_eq!(lines.len(), 9, "no answer to stop, nothing after it");
    assert_eq!(lines[0]["protocol"], 1);
    assert_eq!(lines[0]["implementation"]["name"], "patchlaw");
    assert_eq!(
        lines[0]["capabilities"],
        json!([
            "pointer.get",
            "merge_patch.apply",
            "merge_patch.diff",
            "merge_patch.compose",
            "json_patch.apply",
            "json_patch.diff",
            "strategic.apply",
            "strategic.diff",
            "three_way.merge_patch",
            "three_way.strategic"
        ])
    );
    assert_eq!(lines[1], json!({"seq": 1, "result": {"b": 2}}));
    assert_eq!(lines[2]["seq"], 2);
    assert_eq!(lines[2]["error"]["code"], "unrepresentable");
    assert_eq!(lines[3], json!({"seq": 3, "result": {"a": 1, "b": 2}}));
    assert_eq!(lines[4], json!({"seq": 4, "result": 2}));
    assert_eq!(lines[5], json!({"seq": 5, "result": {}, "conflicts": []}));
    assert_eq!(lines[6], json!({"seq": 7, "result": {"a": [1, 2]}}));
    assert_eq!(lines[7]["error"]["code"], "move-into-descendant");
    assert_eq!(lines[8]["error"]["code"], "invalid-patch");
}

#[test]
fn every_malformed_line_gets_one_errored_response() {
    let mut input = Vec::new();
    let lines: Vec<&[u8]> = vec![
        b"",
        b"garbage",
        b"\xff\xfe not utf-8",
        b"[1,2]",
        b"42",
        b"{}",
        br#"{"cmd":7}"#,
        br#"{"cmd":"dance","seq":9}"#,
        br#"{"cmd":"start","version":2}"#,
        br#"{"cmd":"run","seq":"x","op":"pointer.get","args":{}}"#,
        br#"{"cmd":"run","seq":1,"args":{}}"#,
        br#"{"cmd":"run","seq":1,"op":"pointer.get","args":[]}"#,
        br#"{"cmd":"run","seq":1,"op":"pointer.get","args":{"doc":{}}}"#,
        br#"{"cmd":"run","seq":1,"op":"pointer.get","args":{"doc":{},"pointer":5}}"#,
        br#"{"cmd":"run","seq":1} trailing"#,
        b"{\"cmd\":\"run\",\r",
    ];
    for line in &lines {
        input.extend_from_slice(line);
        input.push(b'\n');
    }
    let responses = serve_binary(&input);
    assert_eq!(responses.len(), lines.len());
    for (line, response) in lines.iter().zip(&responses) {
        assert_eq!(
            response["errored"],
            true,
            "{:?} → {response}",
            String::from_utf8_lossy(line)
        );
        assert!(response.get("seq").is_some(), "{response}");
    }
    assert_eq!(
        responses[7]["seq"], 9,
        "a request's seq is echoed when it can be read"
    );
}

/// A document deeper than serde_json's default parser limit reaches the
/// implementation and gets limit-exceeded; a line deeper than the server
/// parses gets errored; both get one line and serving goes on.
#[test]
fn deep_lines_are_answered() {
    let deep_patch = format!("{}1{}", "[".repeat(5_000), "]".repeat(5_000));
    let too_deep = format!(
        "{}1{}",
        "[".repeat(runner::MAX_LINE_DEPTH + 10),
        "]".repeat(runner::MAX_LINE_DEPTH + 10)
    );
    let input = format!(
        "{{\"cmd\":\"run\",\"seq\":1,\"op\":\"merge_patch.apply\",\"args\":{{\"doc\":{{}},\"patch\":{{\"a\":{deep_patch}}}}}}}\n{too_deep}\n{{\"cmd\":\"run\",\"seq\":3,\"op\":\"pointer.get\",\"args\":{{\"doc\":[true],\"pointer\":\"/0\"}}}}\n"
    );
    let responses = serve_binary(input.as_bytes());
    assert_eq!(responses.len(), 3);
    assert_eq!(responses[0]["error"]["code"], "limit-exceeded");
    assert_eq!(responses[1]["errored"], true);
    assert_eq!(responses[2], json!({"seq": 3, "result": true}));
}

/// An adapter written in `sh`: it answers the handshake, then runs `then`.
fn sh_adapter(then: &str) -> Result<Adapter, String> {
    let hello = r#"{"protocol":1,"implementation":{"name":"sh","language":"sh","version":"0"},"capabilities":["pointer.get"]}"#;
    Adapter::start(
        &format!("read -r start; echo '{hello}'; {then}"),
        Duration::from_secs(30),
    )
}

fn get_root(adapter: &mut Adapter) -> Reply {
    adapter.run(
        Op::PointerGet,
        args([("doc", json!(1)), ("pointer", json!(""))]),
    )
}

/// A response that is not JSON or carries another seq is `errored`, and
/// the adapter keeps serving; an adapter that exits is a crash and is
/// started again for the next request; a bad handshake is refused.
#[test]
fn the_runner_copes_with_misbehaving_adapters() {
    let mut garbage = sh_adapter("while read -r line; do echo 'not json'; done").unwrap();
    for _ in 0..2 {
        let reply = get_root(&mut garbage);
        assert!(
            matches!(&reply, Reply::Errored { message } if message.contains("not a JSON object")),
            "{reply:?}"
        );
    }

    let mut wrong_seq =
        sh_adapter(r#"while read -r line; do echo '{"seq":0,"result":1}'; done"#).unwrap();
    let reply = get_root(&mut wrong_seq);
    assert!(
        matches!(&reply, Reply::Errored { message } if message.contains("expected seq 1")),
        "{reply:?}"
    );

    // Exits on its first request; started again, it answers.
    let scratch = Scratch::new("crashing-adapter");
    let flag = scratch.path("crashed-once");
    let mut crashing = sh_adapter(&format!(
        r#"read -r line; if [ -e '{flag}' ]; then echo '{{"seq":2,"result":1}}'; read -r line; else touch '{flag}'; exit 3; fi"#,
        flag = flag.display()
    ))
    .unwrap();
    let reply = get_root(&mut crashing);
    assert!(matches!(reply, Reply::Crashed { .. }), "{reply:?}");
    assert_eq!(get_root(&mut crashing), Reply::ok(json!(1)));
    drop(crashing);

    let refused = Adapter::start(
        r#"read -r start; echo '{"protocol":2}'"#,
        Duration::from_secs(30),
    );
    assert!(refused.unwrap_err().contains("does not speak protocol 1"));
    let refused = Adapter::start(
        r#"read -r start; echo '{"protocol":1,"implementation":{"name":"x"},"capabilities":[]}'"#,
        Duration::from_secs(30),
    );
    assert!(refused.unwrap_err().contains("missing field `language`"));
}

/// `conformance/PROTOCOL.md` shows the minimal adapter byte for byte, and
/// documents every operation and every error code.
#[test]
fn the_protocol_document_matches_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let protocol = std::fs::read_to_string(root.join("PROTOCOL.md")).unwrap();
    let adapter = std::fs::read_to_string(root.join("adapters/minimal-python/adapter.py")).unwrap();
    assert!(
        protocol.contains(&format!("```python\n{adapter}```\n")),
        "PROTOCOL.md must show adapters/minimal-python/adapter.py as it is"
    );
    for op in Op::ALL {
        assert!(protocol.contains(&format!("| `{op}` |")), "{op}");
    }
    for kind in patchlaw::ErrorKind::ALL {
        assert!(
            protocol.contains(&format!("| `{}` |", kind.code())),
            "{kind}"
        );
    }
    // The JSON Schema names the same operations and codes.
    let schema: Value = serde_json::from_str(runner::schema::SCHEMA).unwrap();
    let ops: Vec<&str> = Op::ALL.iter().map(|op| op.name()).collect();
    assert_eq!(
        schema["$defs"]["handshake"]["properties"]["capabilities"]["items"]["enum"],
        json!(ops)
    );
    let codes: Vec<&str> = patchlaw::ErrorKind::ALL.iter().map(|k| k.code()).collect();
    let error = &schema["$defs"]["response"]["oneOf"][1]["allOf"][0]["properties"]["error"];
    let mut listed: Vec<&str> = error["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let mut codes = codes;
    listed.sort_unstable();
    codes.sort_unstable();
    assert_eq!(listed, codes);
}

proptest! {
    /// Random bytes, split into lines: one response per line, never a panic.
    #[test]
    fn one_response_per_line_of_noise(lines in proptest::collection::vec(proptest::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..40), 1..20)) {
        let mut input = Vec::new();
        for line in &lines {
            input.extend_from_slice(line);
            input.push(b'\n');
        }
        // A line that happens to be a valid `stop` ends the session early.
        let stops = lines.iter().position(|l| serde_json::from_slice::<Value>(l).is_ok_and(|v| v["cmd"] == "stop"));
        let expected = stops.unwrap_or(lines.len());
        prop_assert_eq!(serve_in_process(&input).len(), expected);
    }

    /// Random JSON requests with a known shape: one response each, with
    /// the request's seq.
    #[test]
    fn one_response_per_request(requests in proptest::collection::vec((any::<u32>(), prop::sample::select(vec!["pointer.get", "merge_patch.apply", "merge_patch.diff", "merge_patch.compose", "json_patch.apply", "x"]), patchlaw_conformance::strategy::arb_value(), patchlaw_conformance::strategy::arb_value()), 1..10)) {
        let mut input = String::new();
        for (seq, op, a, b) in &requests {
            let args = json!({"doc": a, "patch": b, "from": a, "to": b, "first": a, "second": b, "pointer": b});
            input.push_str(&json!({"cmd": "run", "seq": seq, "op": op, "args": args}).to_string());
            input.push('\n');
        }
        let responses = serve_in_process(input.as_bytes());
        prop_assert_eq!(responses.len(), requests.len());
        for ((seq, ..), response) in requests.iter().zip(&responses) {
            prop_assert_eq!(&response["seq"], &json!(seq));
        }
    }
}
