//! Raw bytes through the `serve` loop: exactly one response line per
//! request line (until a `stop`), each one JSON object, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchlaw_conformance::{runner, Native};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let mut input = data.to_vec();
    if !input.ends_with(b"\n") {
        input.push(b'\n');
    }
    let mut output = Vec::new();
    runner::serve(&mut Native::new(), &input[..], &mut output).expect("in-memory I/O cannot fail");
    let lines: Vec<&[u8]> = input.split(|b| *b == b'\n').collect();
    let requests = &lines[..lines.len() - 1];
    let stop = requests.iter().position(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        serde_json::from_slice::<Value>(line).is_ok_and(|v| v.get("cmd").and_then(Value::as_str) == Some("stop"))
    });
    let expected = stop.unwrap_or(requests.len());
    let text = String::from_utf8(output).expect("responses are UTF-8");
    let responses: Vec<&str> = text.lines().collect();
    assert_eq!(responses.len(), expected, "input {:?}", String::from_utf8_lossy(data));
    for response in responses {
        assert!(serde_json::from_str::<Value>(response).is_ok_and(|v| v.is_object()), "{response}");
    }
});
