//! The runner side of the adapter protocol (`conformance/PROTOCOL.md`): a
//! foreign implementation in a child process, spoken to over its stdin and
//! stdout.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde::Deserialize as _;
use serde_json::{json, Map, Value};

use crate::implementation::{DeclaredLimits, Implementation, Info, Op, Reply};

/// How the runner starts and waits for an adapter.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::runner::Settings;
/// use std::time::Duration;
///
/// let settings = Settings::new(Duration::from_secs(5)).stderr_log("adapter.log".into());
/// assert_eq!(settings.timeout, Duration::from_secs(5));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// How long to wait for the handshake, for each response, and for the
    /// adapter to exit after `stop`.
    pub timeout: Duration,
    /// The file the adapter's stderr is appended to; `None` lets it
    /// through to the runner's own stderr.
    pub stderr_log: Option<PathBuf>,
    /// Whether every line the adapter writes is checked against the JSON
    /// Schema of the protocol ([`Adapter::violations`]).
    pub strict: bool,
}

impl Settings {
    /// `timeout`, with the adapter's stderr let through.
    #[must_use]
    pub const fn new(timeout: Duration) -> Settings {
        Settings {
            timeout,
            stderr_log: None,
            strict: false,
        }
    }

    /// Checks every line the adapter writes against the protocol's JSON
    /// Schema.
    #[must_use]
    pub fn strict(self, strict: bool) -> Settings {
        Settings { strict, ..self }
    }

    /// Appends the adapter's stderr to `path` (created if need be).
    #[must_use]
    pub fn stderr_log(self, path: PathBuf) -> Settings {
        Settings {
            stderr_log: Some(path),
            ..self
        }
    }

    fn stderr(&self) -> Result<Stdio, String> {
        let Some(path) = &self.stderr_log else {
            return Ok(Stdio::inherit());
        };
        let file: File = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the adapter log {}: {e}", path.display()))?;
        Ok(Stdio::from(file))
    }
}

/// A foreign implementation driven over the adapter protocol.
///
/// The command runs under `/bin/sh -c`, in a process group of its own. A request
/// that gets no answer within the timeout is a `timeout`; an adapter whose
/// output ends is a `crash`. Either way the process group is killed, and the
/// next request starts the command again, with a new handshake. Dropping the
/// adapter sends `stop`, closes its input and gives it the timeout to exit
/// before killing it.
#[derive(Debug)]
pub struct Adapter {
    command: String,
    settings: Settings,
    timeout: Duration,
    process: Option<Process>,
    handshake: Handshake,
    seq: u64,
    violations: Vec<String>,
}

/// What the adapter's `start` response says.
#[derive(Clone, Debug)]
struct Handshake {
    info: Info,
    capabilities: Vec<Op>,
    limits: DeclaredLimits,
    line: String,
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
    /// `start` response (the process is then killed).
    pub fn start(command: &str, timeout: Duration) -> Result<Adapter, String> {
        Adapter::start_with(command, Settings::new(timeout))
    }

    /// Starts `command` with `settings` and performs the `start` handshake.
    ///
    /// # Errors
    ///
    /// When the process or its log cannot be started or opened, or its
    /// handshake is not a valid `start` response (the process is then
    /// killed).
    pub fn start_with(command: &str, settings: Settings) -> Result<Adapter, String> {
        let (process, handshake) = Process::spawn(command, &settings, settings.timeout)?;
        let mut adapter = Adapter {
            command: command.to_owned(),
            timeout: settings.timeout,
            settings,
            process: Some(process),
            handshake,
            seq: 0,
            violations: Vec::new(),
        };
        let line = adapter.handshake.line.clone();
        adapter.validate(&line, "handshake");
        Ok(adapter)
    }

    /// Under [`Settings::strict`], each way a line the adapter wrote breaks
    /// the protocol's JSON Schema, with the line.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_conformance::runner::{Adapter, Settings};
    /// use std::time::Duration;
    ///
    /// let adapter = Adapter::start_with("./my-adapter", Settings::new(Duration::from_secs(5)).strict(true))?;
    /// for violation in adapter.violations() {
    ///     println!("{violation}");
    /// }
    /// # Ok::<(), String>(())
    /// ```
    #[must_use]
    pub fn violations(&self) -> &[String] {
        &self.violations
    }

    fn validate(&mut self, line: &str, definition: &str) {
        if !self.settings.strict {
            return;
        }
        let shown = crate::implementation::abbreviate(&Value::String(line.to_owned()));
        match serde_json::from_str::<Value>(line) {
            Ok(message) => {
                for violation in super::schema::violations(&message, definition) {
                    self.violations
                        .push(format!("{definition}: {violation}, in the line {shown}"));
                }
            }
            Err(e) => self
                .violations
                .push(format!("{definition}: not JSON ({e}), in the line {shown}")),
        }
    }

    fn exchange(&mut self, op: Op, args: Map<String, Value>) -> Reply {
        let mut process = match self.process.take() {
            Some(process) => process,
            None => match Process::spawn(&self.command, &self.settings, self.settings.timeout) {
                Ok((process, _)) => process,
                Err(message) => return Reply::Crashed { message },
            },
        };
        self.seq += 1;
        let seq = self.seq;
        let request = json!({"cmd": "run", "seq": seq, "op": op.name(), "args": args});
        let answer = match process.send(&request) {
            Ok(()) => process.lines.recv_timeout(self.timeout),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        };
        match answer {
            Ok(line) => {
                self.process = Some(process);
                self.validate(&line, "response");
                parse_reply(&line, seq)
            }
            Err(RecvTimeoutError::Timeout) => {
                process.kill();
                Reply::Timeout
            }
            Err(RecvTimeoutError::Disconnected) => Reply::Crashed {
                message: format!("the adapter process ended ({})", process.kill()),
            },
        }
    }
}

impl Process {
    /// Starts `command` and performs the handshake; on failure the process
    /// is killed.
    fn spawn(
        command: &str,
        settings: &Settings,
        timeout: Duration,
    ) -> Result<(Process, Handshake), String> {
        // The shell by its path, not looked up in `PATH`: the runner works
        // with any `PATH` an adapter needs (or none).
        let mut sh = Command::new(SHELL);
        sh.arg("-c")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(settings.stderr()?);
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut sh, 0);
        let mut child = sh
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
        match process.handshake(command, timeout) {
            Ok(handshake) => Ok((process, handshake)),
            Err(why) => {
                process.kill();
                Err(why)
            }
        }
    }

    /// Sends `start` and reads the reply: who the adapter is and what it
    /// supports (names of operations the runner does not know are left out).
    fn handshake(&mut self, command: &str, timeout: Duration) -> Result<Handshake, String> {
        self.send(&json!({"cmd": "start", "version": 1}))
            .map_err(|e| format!("cannot write to {command:?}: {e}"))?;
        let line = self
            .lines
            .recv_timeout(timeout)
            .map_err(|_| format!("{command:?} did not answer `start`"))?;
        let handshake: Value =
            serde_json::from_str(&line).map_err(|e| format!("bad handshake {line:?}: {e}"))?;
        if handshake.get("protocol") != Some(&json!(1)) {
            return Err(format!("{command:?} does not speak protocol 1: {line}"));
        }
        let info = Info::deserialize(handshake.get("implementation").unwrap_or(&Value::Null))
            .map_err(|e| format!("bad `implementation` in the handshake: {e}"))?;
        let capabilities = handshake
            .get("capabilities")
            .and_then(Value::as_array)
            .ok_or("the handshake has no `capabilities` array")?
            .iter()
            .filter_map(Value::as_str)
            .filter_map(Op::from_name)
            .collect();
        let limits = match handshake.get("limits") {
            None => DeclaredLimits::default(),
            Some(limits) => DeclaredLimits::deserialize(limits)
                .map_err(|e| format!("bad `limits` in the handshake: {e}"))?,
        };
        Ok(Handshake {
            info,
            capabilities,
            limits,
            line,
        })
    }

    fn send(&mut self, request: &Value) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.stdin, request)?;
        self.stdin.write_all(b"\n")?;
        self.stdin.flush()
    }

    /// Sends `stop`, closes the adapter's input and gives it `timeout` to
    /// exit, then kills what is left of it.
    fn stop(mut self, timeout: Duration) {
        let _ = self.send(&json!({"cmd": "stop"}));
        let Process {
            mut child, stdin, ..
        } = self;
        drop(stdin);
        let deadline = Instant::now() + timeout;
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        end(&mut child);
    }

    /// Kills the adapter and reaps it; returns how it ended.
    fn kill(self) -> String {
        let Process { mut child, .. } = self;
        end(&mut child)
    }
}

/// The shell that runs adapter commands.
const SHELL: &str = "/bin/sh";

/// Kills `child`'s process group (`sh` may run the adapter as its own child
/// rather than in its place), then `child`, and reaps it; returns its exit
/// status.
fn end(child: &mut Child) -> String {
    #[cfg(unix)]
    {
        // The shell's own `kill`, which every POSIX shell has built in.
        let _ = Command::new(SHELL)
            .args(["-c", &format!("kill -s KILL -- -{}", child.id())])
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    child
        .wait()
        .map_or_else(|e| e.to_string(), |status| status.to_string())
}

impl Drop for Adapter {
    fn drop(&mut self) {
        if let Some(process) = self.process.take() {
            process.stop(self.settings.timeout);
        }
    }
}

impl Implementation for Adapter {
    fn info(&self) -> Info {
        self.handshake.info.clone()
    }

    fn capabilities(&self) -> Vec<Op> {
        self.handshake.capabilities.clone()
    }

    fn run(&mut self, op: Op, args: Map<String, Value>) -> Reply {
        self.exchange(op, args)
    }

    fn limits(&self) -> DeclaredLimits {
        self.handshake.limits
    }

    fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
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
