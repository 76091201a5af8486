//! The adapter protocol as `serve` speaks it: exactly one response line per
//! request line, whatever the line holds, and serving goes on.

use std::io::Write;
use std::process::{Command, Stdio};

use patchlaw_conformance::{runner, Native};
use proptest::prelude::*;
use serde_json::{json, Value};

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
    let capabilities = lines[0]["capabilities"].as_array().unwrap();
    assert!(capabilities.contains(&json!("merge_patch.compose")));
    assert_eq!(lines[1], json!({"seq": 1, "result": {"b": 2}}));
    assert_eq!(lines[2]["seq"], 2);
    assert_eq!(lines[2]["error"]["code"], "unrepresentable");
    assert_eq!(lines[3], json!({"seq": 3, "result": {"a": 1, "b": 2}}));
    assert_eq!(lines[4], json!({"seq": 4, "result": 2}));
    assert_eq!(lines[5]["seq"], 5);
    assert_eq!(lines[5]["unsupported"], true);
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
