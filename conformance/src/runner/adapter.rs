//! The runner side of the adapter protocol: a foreign implementation in a
//! child process, spoken to over its stdin and stdout.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::implementation::{Implementation, Info, Op, Reply};

/// A foreign implementation driven over the adapter protocol.
///
/// The command runs under `sh -c`. A request that gets no answer within the
/// timeout is a `timeout` and the process is restarted; a process that
/// exits is a `crash` and is restarted for the next request.
#[derive(Debug)]
pub struct Adapter {
    command: String,
    timeout: Duration,
    process: Option<Process>,
    info: Info,
    capabilities: Vec<Op>,
    seq: u64,
}

#[derive(Debug)]
struct Process {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl Adapter {
    /// Starts `command` and performs the `start` handshake.
    ///
    /// # Errors
    ///
    /// When the process cannot be started or its handshake is not a valid
    /// `start` response.
    pub fn start(command: &str, timeout: Duration) -> Result<Adapter, String> {
        let (process, handshake) = Process::spawn(command, timeout)?;
        let info: Info = serde_json::from_value(
            handshake
                .get("implementation")
                .cloned()
                .unwrap_or(Value::Null),
        )
        .map_err(|e| format!("bad `implementation` in the handshake: {e}"))?;
        let capabilities = handshake
            .get("capabilities")
            .and_then(Value::as_array)
            .ok_or("the handshake has no `capabilities` array")?
            .iter()
            .filter_map(Value::as_str)
            .filter_map(Op::from_name)
            .collect();
        Ok(Adapter {
            command: command.to_owned(),
            timeout,
            process: Some(process),
            info,
            capabilities,
            seq: 0,
        })
    }

    fn exchange(&mut self, op: Op, args: Map<String, Value>) -> Reply {
        if self.process.is_none() {
            match Process::spawn(&self.command, self.timeout) {
                Ok((process, _)) => self.process = Some(process),
                Err(message) => return Reply::Crashed { message },
            }
        }
        let Some(process) = self.process.as_mut() else {
            return Reply::Crashed {
                message: "no process".to_owned(),
            };
        };
        self.seq += 1;
        let seq = self.seq;
        let request = json!({"cmd": "run", "seq": seq, "op": op.name(), "args": args});
        if process.send(&request).is_err() {
            return self.crashed();
        }
        match process.lines.recv_timeout(self.timeout) {
            Ok(line) => parse_reply(&line, seq),
            Err(RecvTimeoutError::Timeout) => {
                if let Some(mut process) = self.process.take() {
                    let _ = process.child.kill();
                    let _ = process.child.wait();
                }
                Reply::Timeout
            }
            Err(RecvTimeoutError::Disconnected) => self.crashed(),
        }
    }

    fn crashed(&mut self) -> Reply {
        let status = self.process.take().map(|mut p| {
            let _ = p.child.kill();
            p.child
                .wait()
                .map(|s| s.to_string())
                .unwrap_or_else(|e| e.to_string())
        });
        Reply::Crashed {
            message: format!("the adapter process ended ({})", status.unwrap_or_default()),
        }
    }
}

impl Process {
    fn spawn(command: &str, timeout: Duration) -> Result<(Process, Value), String> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {command:?}: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut process = Process {
            child,
            stdin,
            lines,
        };
        process
            .send(&json!({"cmd": "start", "version": 1}))
            .map_err(|e| format!("cannot write to {command:?}: {e}"))?;
        let line = process
            .lines
            .recv_timeout(timeout)
            .map_err(|_| format!("{command:?} did not answer `start`"))?;
        let handshake: Value =
            serde_json::from_str(&line).map_err(|e| format!("bad handshake {line:?}: {e}"))?;
        if handshake.get("protocol") != Some(&json!(1)) {
            return Err(format!("{command:?} does not speak protocol 1: {line}"));
        }
        Ok((process, handshake))
    }

    fn send(&mut self, request: &Value) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.stdin, request)?;
        self.stdin.write_all(b"\n")?;
        self.stdin.flush()
    }
}

impl Drop for Adapter {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.send(&json!({"cmd": "stop"}));
            drop(process.stdin);
            let _ = process.child.wait();
        }
    }
}

impl Implementation for Adapter {
    fn info(&self) -> Info {
        self.info.clone()
    }

    fn capabilities(&self) -> Vec<Op> {
        self.capabilities.clone()
    }

    fn run(&mut self, op: Op, args: Map<String, Value>) -> Reply {
        self.exchange(op, args)
    }
}

/// Reads one response line.
fn parse_reply(line: &str, seq: u64) -> Reply {
    let bad = |why: String| Reply::Errored {
        message: format!(
            "malformed response {}: {why}",
            crate::implementation::abbreviate(&Value::String(line.to_owned()))
        ),
    };
    let Ok(Value::Object(mut response)) = serde_json::from_str::<Value>(line) else {
        return bad("not a JSON object".to_owned());
    };
    if response.get("seq") != Some(&json!(seq)) {
        return bad(format!("expected seq {seq}"));
    }
    let message = |r: &Map<String, Value>| {
        r.get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(result) = response.remove("result") {
        return Reply::Ok {
            result,
            conflicts: response.remove("conflicts"),
        };
    }
    if let Some(Value::Object(mut error)) = response.remove("error") {
        let Some(Value::String(code)) = error.remove("code") else {
            return bad("`error` without a string `code`".to_owned());
        };
        return Reply::Error {
            code,
            message: message(&error),
            conflicts: error.remove("conflicts"),
        };
    }
    if response.get("unsupported") == Some(&Value::Bool(true)) {
        return Reply::Unsupported {
            message: message(&response),
        };
    }
    if response.get("errored") == Some(&Value::Bool(true)) {
        return Reply::Errored {
            message: message(&response),
        };
    }
    bad("none of result, error, unsupported, errored".to_owned())
}
