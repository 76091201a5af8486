//! The implementation side of the adapter protocol
//! (`conformance/PROTOCOL.md`): one response line per request line, flushed,
//! whatever the line holds.

use std::io::{self, BufRead, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::Deserialize as _;
use serde_json::{json, Value};

use crate::implementation::{Implementation, Op, Reply};

/// The deepest request line `serve` parses. Lines are parsed without
/// serde_json's recursion limit of 128, so that documents deeper than an
/// implementation's own depth limit reach it and get `limit-exceeded`; the
/// caller runs `serve` on a thread whose stack holds this depth.
pub const MAX_LINE_DEPTH: usize = 20_000;

/// Serves the adapter protocol for `imp`: reads request lines from `input`
/// until `stop` or the end of input, and writes exactly one response line
/// for each other line, flushed.
///
/// # Errors
///
/// Only I/O errors on `input` or `output`.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{runner::serve, Native};
///
/// let input = b"{\"cmd\":\"run\",\"seq\":1,\"op\":\"pointer.get\",\"args\":{\"doc\":[5],\"pointer\":\"/0\"}}\nnot json\n";
/// let mut output = Vec::new();
/// serve(&mut Native::new(), &input[..], &mut output)?;
/// let text = String::from_utf8(output).unwrap();
/// let lines: Vec<&str> = text.lines().collect();
/// assert_eq!(lines[0], r#"{"result":5,"seq":1}"#);
/// assert!(lines[1].contains("\"errored\":true"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn serve<I, R, W>(imp: &mut I, mut input: R, mut output: W) -> io::Result<()>
where
    I: Implementation + ?Sized,
    R: BufRead,
    W: Write,
{
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let Some(response) = respond(imp, &line) else {
            return Ok(());
        };
        serde_json::to_writer(&mut output, &response)?;
        output.write_all(b"\n")?;
        output.flush()?;
        patchlaw::limits::dismantle(response);
    }
}

/// The response to one line, or `None` for `stop`.
fn respond<I: Implementation + ?Sized>(imp: &mut I, line: &[u8]) -> Option<Value> {
    let request = match parse_line(line) {
        Ok(Value::Object(request)) => request,
        Ok(other) => {
            let kind = match other {
                Value::Array(_) => "an array",
                _ => "a scalar",
            };
            patchlaw::limits::dismantle(other);
            return Some(errored(
                Value::Null,
                &format!("a request must be a JSON object, not {kind}"),
            ));
        }
        Err(why) => return Some(errored(Value::Null, &why)),
    };
    let mut request = request;
    let seq = request.remove("seq").unwrap_or(Value::Null);
    let response = match request.get("cmd").and_then(Value::as_str) {
        Some("start") => match request.get("version") {
            Some(v) if v == 1 => {
                let mut handshake = json!({
                    "protocol": 1,
                    "implementation": imp.info(),
                    "capabilities": imp.capabilities().iter().map(|op| op.name()).collect::<Vec<_>>(),
                });
                let limits = imp.limits();
                if !limits.is_empty() {
                    handshake["limits"] = json!(limits);
                }
                Some(handshake)
            }
            _ => Some(errored(
                seq,
                "`start` needs \"version\": 1 (the only protocol version)",
            )),
        },
        Some("stop") => None,
        Some("run") => Some(run(imp, seq, &mut request)),
        Some(other) => Some(errored(seq, &format!("unknown cmd {other:?}"))),
        None => Some(errored(seq, "a request needs a string `cmd`")),
    };
    for (_, value) in request {
        patchlaw::limits::dismantle(value);
    }
    response
}

fn run<I: Implementation + ?Sized>(
    imp: &mut I,
    seq: Value,
    request: &mut serde_json::Map<String, Value>,
) -> Value {
    if !(seq.is_u64() || seq.is_i64()) {
        return errored(seq, "`run` needs an integer `seq`");
    }
    let Some(op_name) = request.get("op").and_then(Value::as_str).map(str::to_owned) else {
        return errored(seq, "`run` needs a string `op`");
    };
    let Some(Value::Object(args)) = request.remove("args") else {
        return errored(seq, "`run` needs an object `args`");
    };
    let reply = match Op::from_name(&op_name) {
        None => Reply::Unsupported {
            message: format!("unknown op {op_name:?}"),
        },
        Some(op) => catch_unwind(AssertUnwindSafe(|| imp.run(op, args))).unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Reply::Errored {
                message: format!("the implementation panicked: {what}"),
            }
        }),
    };
    let mut response = reply.to_json();
    response["seq"] = seq;
    response
}

fn errored(seq: Value, message: &str) -> Value {
    json!({ "seq": seq, "errored": true, "message": message })
}

/// Parses one line as JSON without serde_json's recursion limit, after
/// checking its nesting against [`MAX_LINE_DEPTH`] with a byte scan.
fn parse_line(line: &[u8]) -> Result<Value, String> {
    let depth = nesting(line);
    if depth > MAX_LINE_DEPTH {
        return Err(format!(
            "the line nests {depth} levels deep, more than this server parses ({MAX_LINE_DEPTH})"
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(line);
    deserializer.disable_recursion_limit();
    let value = Value::deserialize(&mut deserializer).map_err(|e| format!("not JSON: {e}"))?;
    deserializer
        .end()
        .map_err(|e| format!("not one JSON value: {e}"))?;
    Ok(value)
}

/// The deepest bracket nesting in `line`, ignoring brackets inside strings.
fn nesting(line: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in line {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_ignores_strings() {
        assert_eq!(nesting(br#"{"a":"[[[{{"}"#), 1);
        assert_eq!(nesting(br#"[[1],[[2]]]"#), 3);
        assert_eq!(nesting(br#"["\"[",[]]"#), 2);
    }
}
