//! Differential test: patchlaw's two-way strategic diff (D4.12, D4.13)
//! against Kubernetes' `CreateTwoWayMergePatch`, as kubectl v1.32 runs it.
//!
//! kubectl cannot diff offline, but `kubectl edit` computes exactly
//! `CreateTwoWayMergePatch(original, edited, <Go struct of the kind>)`
//! between the object it fetched and the file its editor left, and PATCHes
//! the result to the API server. So the test starts a fake API server
//! (`support/fake_apiserver.py`: discovery, GET and PATCH of Deployments,
//! Pods and Services, no OpenAPI), stores generated objects `from` in it,
//! and runs `kubectl edit -o json` on a batch of them with an editor
//! (`KUBE_EDITOR`) that swaps the List kubectl shows for the targets `to`.
//! The server records each PATCH body.
//!
//! For every pair with `from != to`: patchlaw's `strategic::diff(from, to)`
//! must equal kubectl's body (parsed JSON, `==`), and applying it to `from`
//! must give `to` (how often kubectl's own patch fails to is printed). For
//! `from == to` kubectl edit sends nothing ("Edit cancelled") without
//! diffing, so those pairs only check the round trip; the diff of an object
//! with itself, which Kubernetes does not always make `{}`, is checked
//! against `kubectl set image` (same image) by the second test. Generated
//! pairs are valid under the schema (no nulls, unique merge keys, distinct
//! primitive merge-list items), the domain where the round trip holds
//! (LAW-SMP-DIFF-APPLY); their number is `PATCHLAW_KUBECTL_DIFF_CASES`
//! (default 1,000), from a fixed seed. Before them come hand-written pairs
//! and 200 pairs whose `env` lists repeat names (D4.13: Kubernetes' sort
//! decides their pairing), where only the patches must agree.
//!
//! kubectl is `$PATCHLAW_KUBECTL`, else `kubectl` on `PATH` (or the v1.32
//! binary beside a Google Cloud SDK dispatcher); `python3` runs the
//! server. Without either the test fails.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::oracle::locate_kubectl;
use patchlaw::strategic::{self, Schema};
use proptest::prelude::any;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Map, Value};

const DEFAULT_CASES: usize = 1000;
/// Pairs with repeated merge keys, besides those.
const DUPLICATE_CASES: usize = 200;
/// Objects per `kubectl edit`, at most.
const BATCH: usize = 40;
/// Disagreements shown in full.
const SHOWN: usize = 10;
/// Seconds the fake server lives at most.
const SERVER_LIFETIME: u32 = 900;

#[test]
fn strategic_diff_agrees_with_kubectl_edit() {
    let kubectl = locate_kubectl();
    let python = locate_python();
    let cases: usize = std::env::var("PATCHLAW_KUBECTL_DIFF_CASES")
        .ok()
        .map(|n| n.parse().expect("PATCHLAW_KUBECTL_DIFF_CASES is a number"))
        .unwrap_or(DEFAULT_CASES);
    let pairs = generate(cases);

    // One directory per process, as runs with other features may overlap.
    let top = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kubectl-diff");
    let dir = top.join(std::process::id().to_string());
    std::fs::create_dir_all(&dir).expect("a scratch directory");

    let started = Instant::now();
    let server = FakeApiServer::start(&python);
    let froms: Vec<&Value> = pairs.iter().map(|p| &p.from).collect();
    server.request("PUT", "/_control/objects", &json!(froms).to_string());
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).expect("the kubeconfig");

    let batches: Vec<&[Pair]> = pairs.chunks(BATCH).collect();
    let next = AtomicUsize::new(0);
    let mangled = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (next, mangled, kubectl, kubeconfig, dir, batches) =
                (&next, &mangled, &kubectl, &kubeconfig, &dir, &batches);
            scope.spawn(move || {
                let cache = dir.join(format!("cache-{t}"));
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(batch) = batches.get(i) else { break };
                    let shown = edit(
                        kubectl,
                        kubeconfig,
                        &cache,
                        &dir.join(format!("b{i}")),
                        batch,
                    );
                    mangled.lock().expect("no worker panicked").extend(shown);
                }
            });
        }
    });
    let recorded = server.request("GET", "/_control/patches", "");
    let recorded: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&recorded).expect("the recorded patches");
    let kubectl_seconds = started.elapsed().as_secs_f64();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);

    // kubectl must have shown exactly `from`, or the pair says nothing.
    let mangled = mangled.into_inner().expect("no worker panicked");
    assert!(
        mangled.is_empty(),
        "kubectl edit showed objects other than those stored (name, shown):\n{}",
        mangled
            .iter()
            .take(SHOWN)
            .map(|(name, shown)| format!("{name}: {shown}"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    let mut tally = Tally::default();
    for pair in &pairs {
        tally.add(pair, &recorded);
    }
    println!(
        "kubectl edit differential: {} pairs in {} kubectl runs ({threads} threads, \
         {kubectl_seconds:.1} s): {} exact matches, {} unchanged pairs (no patch; \
         patchlaw's diff round-trips), {} disagreements",
        pairs.len(),
        batches.len(),
        tally.exact,
        tally.unchanged,
        tally.failures.len(),
    );
    println!("pairs per kind: {:?}", tally.kinds);
    println!(
        "pairs where kubectl's own patch, applied by patchlaw, does not give the target: {}",
        tally.kubectl_not_round_trip
    );
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    for failure in &tally.failures {
        *classes.entry(&failure.why).or_default() += 1;
    }
    for (why, count) in &classes {
        println!("disagreements: {count:5}  {why}");
    }
    println!("kubectl patches containing each directive:");
    for (directive, count) in &tally.directives {
        println!("  {count:5}  {directive}");
    }
    if tally.failures.is_empty() {
        return;
    }
    std::fs::create_dir_all(&top).expect("the output directory");
    let file = top.join("disagreements.json");
    std::fs::write(
        &file,
        serde_json::to_string_pretty(&tally.failures).expect("JSON"),
    )
    .expect("the disagreement file");
    for failure in tally.failures.iter().take(SHOWN) {
        println!("\n{failure}");
    }
    panic!(
        "patchlaw's diff and kubectl's disagree on {} of {} pairs (all of them in {})",
        tally.failures.len(),
        pairs.len(),
        file.display()
    );
}

/// `kubectl edit` never diffs equal objects ("Edit cancelled"), but
/// `kubectl set image` with the image a container already has computes
/// `CreateTwoWayMergePatch(a, a)` and sends it unless it is `{}`: the
/// diff of an object with itself.
#[test]
fn diff_of_equal_objects_agrees_with_kubectl_set_image() {
    let kubectl = locate_kubectl();
    let python = locate_python();
    let orders: &[&[&str]] = &[
        &[],
        &["a"],
        &["a", "b"],
        &["b", "a"],
        &["kubernetes", "example.com/a", "foregroundDeletion"],
        &["example.com/a", "foregroundDeletion", "kubernetes"],
    ];
    let pods: Vec<Value> = orders
        .iter()
        .enumerate()
        .map(|(i, finalizers)| {
            let mut pod = json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": format!("s{i}"), "namespace": "default", "uid": uid(i)},
                "spec": {"containers": [{"name": "app", "image": "nginx"}]},
            });
            if !finalizers.is_empty() {
                pod["metadata"]["finalizers"] = json!(finalizers);
            }
            pod
        })
        .collect();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("kubectl-set-image")
        .join(std::process::id().to_string());
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let server = FakeApiServer::start(&python);
    server.request("PUT", "/_control/objects", &json!(pods).to_string());
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).expect("the kubeconfig");
    let output = Command::new(&kubectl)
        .env("KUBECONFIG", &kubeconfig)
        .args(["set", "image", "--cache-dir"])
        .arg(dir.join("cache"))
        .args((0..pods.len()).map(|i| format!("pod/s{i}")))
        .arg("app=nginx")
        .stdin(Stdio::null())
        .output()
        .expect("kubectl runs");
    assert!(
        output.status.success(),
        "kubectl set image failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let recorded: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&server.request("GET", "/_control/patches", ""))
            .expect("the recorded patches");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);

    let schema = Schema::builtin("v1", "Pod").expect("the Pod schema");
    let mut failures = Vec::new();
    for pod in &pods {
        let key = format!(
            "pods/default/{}",
            pod["metadata"]["name"].as_str().expect("a name")
        );
        let theirs = match recorded.get(&key).map(Vec::as_slice) {
            None => json!({}),
            Some([body]) => serde_json::from_str(body).expect("kubectl sent JSON"),
            Some(bodies) => panic!("{} PATCHes for {key}", bodies.len()),
        };
        let ours = strategic::diff(pod, pod, &schema).expect("a diff");
        if ours != theirs {
            failures.push(format!(
                "object:   {pod}\nkubectl:  {theirs}\npatchlaw: {ours}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "diff(a, a) differs from kubectl's on {} of {} objects:\n{}",
        failures.len(),
        pods.len(),
        failures.join("\n")
    );
}

/// An object as the server holds it and as the editor leaves it.
#[derive(Clone, Debug)]
struct Pair {
    from: Value,
    to: Value,
}

impl Pair {
    fn name(&self) -> &str {
        self.from["metadata"]["name"].as_str().expect("a name")
    }

    fn kind(&self) -> &str {
        self.from["kind"].as_str().expect("a kind")
    }

    /// The server's key for the object: `<resource>/<namespace>/<name>`.
    fn key(&self) -> String {
        format!("{}s/default/{}", self.kind().to_lowercase(), self.name())
    }
}

// ---------------------------------------------------------------------------
// Driving kubectl

/// Runs `kubectl edit` on `batch`, its editor replacing the objects by
/// their targets. Returns the objects kubectl showed that differ from
/// `from` (by name).
fn edit(
    kubectl: &Path,
    kubeconfig: &Path,
    cache: &Path,
    dir: &Path,
    batch: &[Pair],
) -> Vec<(String, Value)> {
    std::fs::create_dir_all(dir).expect("a batch directory");
    let shown = dir.join("shown.json");
    let target = dir.join("target.json");
    let targets: Vec<&Value> = batch.iter().map(|p| &p.to).collect();
    let list = json!({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": targets});
    std::fs::write(&target, list.to_string()).expect("the target file");
    // kubectl runs `sh -c "$KUBE_EDITOR <file>"`.
    let editor = dir.join("editor.sh");
    std::fs::write(
        &editor,
        format!(
            "cp \"$1\" '{}' && cp '{}' \"$1\"\n",
            shown.display(),
            target.display()
        ),
    )
    .expect("the editor script");
    let output = Command::new(kubectl)
        .env("KUBECONFIG", kubeconfig)
        .env("KUBE_EDITOR", format!("sh '{}'", editor.display()))
        .args(["edit", "-o", "json", "--validate=false", "--cache-dir"])
        .arg(cache)
        .args(
            batch
                .iter()
                .map(|p| format!("{}/{}", p.kind().to_lowercase(), p.name())),
        )
        .stdin(Stdio::null())
        .output()
        .expect("kubectl runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && !stderr.contains("rror"),
        "kubectl edit failed ({}): {stderr}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
    let shown: Value = serde_json::from_slice(&std::fs::read(&shown).expect("the shown file"))
        .expect("kubectl showed JSON");
    let shown = match shown.get("items") {
        Some(Value::Array(items)) => items.clone(),
        _ => vec![shown],
    };
    let _ = std::fs::remove_dir_all(dir);
    let mut mangled = Vec::new();
    for pair in batch {
        let found = shown
            .iter()
            .find(|o| o["metadata"]["name"] == pair.from["metadata"]["name"]);
        if found != Some(&pair.from) {
            mangled.push((
                pair.name().to_owned(),
                found.cloned().unwrap_or(Value::Null),
            ));
        }
    }
    mangled
}

/// The fake API server, a child process that exits when its standard input
/// closes (when this is dropped) or after [`SERVER_LIFETIME`] seconds.
struct FakeApiServer {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
}

impl FakeApiServer {
    fn start(python: &Path) -> FakeApiServer {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake_apiserver.py");
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

    fn kubeconfig(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    \
             server: http://127.0.0.1:{}\ncontexts:\n- name: fake\n  context:\n    \
             cluster: fake\n    namespace: default\n    user: fake\n\
             current-context: fake\nusers:\n- name: fake\n  user: {{}}\n",
            self.port
        )
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

// ---------------------------------------------------------------------------
// Judging

#[derive(Default)]
struct Tally {
    exact: usize,
    unchanged: usize,
    /// Pairs where kubectl's own patch applied to `from` does not give `to`.
    kubectl_not_round_trip: usize,
    kinds: BTreeMap<String, usize>,
    directives: BTreeMap<&'static str, usize>,
    failures: Vec<Failure>,
}

#[derive(serde::Serialize)]
struct Failure {
    why: String,
    from: Value,
    to: Value,
    kubectl: Value,
    patchlaw: Value,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "--- {}", self.why)?;
        writeln!(f, "from:     {}", self.from)?;
        writeln!(f, "to:       {}", self.to)?;
        writeln!(f, "kubectl:  {}", self.kubectl)?;
        write!(f, "patchlaw: {}", self.patchlaw)
    }
}

impl Tally {
    fn add(&mut self, pair: &Pair, recorded: &BTreeMap<String, Vec<String>>) {
        *self.kinds.entry(pair.kind().to_owned()).or_default() += 1;
        let schema = Schema::builtin_for(&pair.from).expect("a built-in kind");
        let theirs = match recorded.get(&pair.key()).map(Vec::as_slice) {
            None => json!({}),
            Some([body]) => serde_json::from_str(body).expect("kubectl sent JSON"),
            Some(bodies) => panic!("{} PATCHes for {}", bodies.len(), pair.key()),
        };
        count_directives(&theirs, &mut self.directives);
        let ours = strategic::diff(&pair.from, &pair.to, &schema)
            .unwrap_or_else(|e| json!({"error": format!("{} ({e})", e.kind().code())}));
        let applies = |patch: &Value| {
            let mut doc = pair.from.clone();
            strategic::apply(&mut doc, patch, &schema).is_ok() && doc == pair.to
        };
        if !applies(&theirs) {
            self.kubectl_not_round_trip += 1;
        }
        let unchanged = pair.from == pair.to;
        // kubectl edit sends nothing for an unchanged object, whatever
        // `CreateTwoWayMergePatch(a, a)` would say (which is not always
        // `{}`): the other test checks that diff against `kubectl set image`.
        let why = if unchanged && theirs != json!({}) {
            Some("kubectl edit sent a patch for an unchanged object")
        } else if !unchanged && theirs == json!({}) {
            Some("kubectl edit sent no patch for a changed object")
        } else if !unchanged && ours != theirs {
            if without_primitive_order(&ours) == without_primitive_order(&theirs) {
                Some("patchlaw's diff differs from kubectl's in `$setElementOrder` of a primitive list only")
            } else {
                Some("patchlaw's diff differs from kubectl's")
            }
        } else if !applies(&ours) && (unchanged || applies(&theirs)) {
            // With the patches equal, a patch that misses `to` misses it in
            // Kubernetes too: a primitive list reordered into text order
            // (spec/40, LAW-SMP-DIFF-APPLY), counted in
            // `kubectl_not_round_trip`.
            Some("patchlaw's diff applied to from does not give to")
        } else {
            None
        };
        match why {
            None if unchanged => self.unchanged += 1,
            None => self.exact += 1,
            Some(why) => self.failures.push(Failure {
                why: why.to_owned(),
                from: pair.from.clone(),
                to: pair.to.clone(),
                kubectl: theirs,
                patchlaw: ours,
            }),
        }
    }
}

/// `patch` without the `$setElementOrder/<f>` members that list scalars.
fn without_primitive_order(patch: &Value) -> Value {
    match patch {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter(|(k, v)| {
                    !(k.starts_with("$setElementOrder/")
                        && v.as_array()
                            .is_some_and(|l| l.iter().all(|e| !e.is_object())))
                })
                .map(|(k, v)| (k.clone(), without_primitive_order(v)))
                .filter(|(k, v)| !(k == "metadata" && v == &json!({})))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_primitive_order).collect()),
        other => other.clone(),
    }
}

/// Adds 1 to each directive kind `patch` contains.
fn count_directives(patch: &Value, counts: &mut BTreeMap<&'static str, usize>) {
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

// ---------------------------------------------------------------------------
// Generating pairs

/// `cases` pairs from a fixed seed: proptest's deterministic ChaCha RNG
/// draws one seed per pair, which a small deterministic builder expands.
fn generate(cases: usize) -> Vec<Pair> {
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let mut pairs = fixed_pairs();
    let first = pairs.len();
    pairs.extend((first..first + DUPLICATE_CASES).map(|i| duplicate_pair(i, &mut Dice(i as u64))));
    let first = pairs.len();
    pairs.extend((first..first + cases).map(|i| {
        let seed = any::<u64>()
            .new_tree(&mut runner)
            .expect("a seed")
            .current();
        pair(i, &mut Dice(seed))
    }));
    pairs
}

/// Pods whose container has a long `env` list in which names repeat (which
/// Kubernetes allows), edited by reordering, changing, adding and removing
/// variables: Kubernetes pairs and orders elements with repeated keys as its
/// sort leaves them (`sort.Sort` with a comparator that calls equal keys
/// "less"; D4.13), insertion sort up to 12 elements, pattern-defeating
/// quicksort above.
fn duplicate_pair(i: usize, d: &mut Dice) -> Pair {
    let names = ["A", "B", "C", "D", "E"];
    let length = 2 + d.below(59);
    let mut env: Vec<Value> = (0..length)
        .map(|v| json!({"name": d.pick(&names), "value": format!("v{v}")}))
        .collect();
    let from = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": format!("o{i:05}"), "namespace": "default", "uid": uid(i)},
        "spec": {"containers": [{"name": "app", "image": "nginx", "env": env.clone()}]},
    });
    let edits = 1 + d.below(6);
    for e in 0..edits {
        match d.below(5) {
            0 if env.len() > 1 => {
                let (a, b) = (d.below(env.len()), d.below(env.len()));
                env.swap(a, b);
            }
            1 if !env.is_empty() => {
                let at = d.below(env.len());
                env[at]["value"] = json!(format!("w{e}"));
            }
            2 if env.len() > 1 => {
                env.remove(d.below(env.len()));
            }
            3 => {
                let at = d.below(env.len() + 1);
                env.insert(
                    at,
                    json!({"name": d.pick(&names), "value": format!("x{e}")}),
                );
            }
            _ => d.shuffle(&mut env),
        }
    }
    let mut to = from.clone();
    to["spec"]["containers"][0]["env"] = Value::Array(env);
    Pair { from, to }
}

/// Small pairs written by hand, checked before the generated ones: the
/// minimal forms of known disagreements, and one of each directive.
fn fixed_pairs() -> Vec<Pair> {
    let pod = |i: usize, metadata: Value, spec: Value| {
        let mut pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": format!("o{i:05}"),
                "namespace": "default",
                "uid": uid(i),
            },
            "spec": {"containers": [{"name": "app", "image": "nginx"}]},
        });
        merge_members(&mut pod["metadata"], metadata);
        merge_members(&mut pod["spec"], spec);
        pod
    };
    let pairs = [
        // An unchanged primitive merge list not in sorted order, beside
        // another change: kubectl sends `$setElementOrder/finalizers`.
        (
            json!({"finalizers": ["b", "a"]}),
            json!({"finalizers": ["b", "a"], "labels": {"x": "y"}}),
            json!({}),
            json!({}),
        ),
        // Reordered into sorted order: kubectl sends no
        // `$setElementOrder/finalizers`, so its patch keeps ["b", "a"].
        (
            json!({"finalizers": ["b", "a"]}),
            json!({"finalizers": ["a", "b"], "labels": {"x": "y"}}),
            json!({}),
            json!({}),
        ),
        // Reordered out of sorted order: both send the new order.
        (
            json!({"finalizers": ["a", "b"]}),
            json!({"finalizers": ["b", "a"]}),
            json!({}),
            json!({}),
        ),
        // Additions and deletions.
        (
            json!({"finalizers": ["b", "a"]}),
            json!({"finalizers": ["c", "b"]}),
            json!({}),
            json!({}),
        ),
        // A volume's source switched: `$retainKeys`.
        (
            json!({}),
            json!({}),
            json!({"volumes": [{"name": "v", "emptyDir": {}}]}),
            json!({"volumes": [{"name": "v", "hostPath": {"path": "/tmp"}}]}),
        ),
        // Duplicated merge keys (outside the laws' domain, but Kubernetes
        // still diffs them): elements pair up in sorted order, and the
        // patch follows the first position of each key in the new list.
        (
            json!({}),
            json!({}),
            json!({"containers": [
                {"name": "app", "image": "nginx"},
                {"name": "b", "image": "nginx"},
                {"name": "app", "image": "nginx"},
            ]}),
            json!({"containers": [
                {"name": "app", "image": "nginx"},
                {"name": "b", "image": "busybox"},
                {"name": "app", "image": "busybox"},
            ]}),
        ),
        (
            json!({}),
            json!({}),
            json!({"containers": [
                {"name": "app", "image": "nginx"},
                {"name": "b", "image": "nginx"},
            ]}),
            json!({"containers": [
                {"name": "c", "image": "nginx"},
                {"name": "b", "image": "busybox"},
                {"name": "app", "image": "nginx"},
                {"name": "c", "image": "busybox"},
                {"name": "b", "image": "alpine"},
            ]}),
        ),
        // A new element that carries `$patch: delete` as data goes after
        // the other patch elements (Kubernetes' `extractToDeleteItems`).
        (
            json!({}),
            json!({}),
            json!({"containers": [{"name": "a", "image": "nginx"}]}),
            json!({"containers": [
                {"name": "c", "$patch": "delete"},
                {"name": "a", "image": "busybox"},
            ]}),
        ),
        // A container deleted and one reordered: `$patch: delete`.
        (
            json!({}),
            json!({}),
            json!({"containers": [
                {"name": "app", "image": "nginx"},
                {"name": "b", "image": "nginx"},
                {"name": "c", "image": "nginx"},
            ]}),
            json!({"containers": [
                {"name": "c", "image": "nginx"},
                {"name": "app", "image": "nginx"},
            ]}),
        ),
    ];
    // The 16-variable list of the vector `duplicate-keys-long-list`
    // (diff-merge-lists.json): repeated names, above insertion sort's 12.
    let env_from: Vec<Value> = "BCAACBCBBACACBAB"
        .chars()
        .enumerate()
        .map(|(i, name)| json!({"name": name.to_string(), "value": format!("v{i}")}))
        .collect();
    let mut env_to = env_from.clone();
    env_to[3]["value"] = json!("w3");
    env_to[9]["value"] = json!("w9");
    env_to.remove(12);
    env_to.insert(5, json!({"name": "C", "value": "x1"}));
    env_to.push(json!({"name": "A", "value": "x2"}));
    let long = (
        json!({}),
        json!({}),
        json!({"containers": [{"name": "app", "image": "nginx", "env": env_from}]}),
        json!({"containers": [{"name": "app", "image": "nginx", "env": env_to}]}),
    );
    pairs
        .into_iter()
        .chain([long])
        .enumerate()
        .map(|(i, (from_meta, to_meta, from_spec, to_spec))| Pair {
            from: pod(i, from_meta, from_spec),
            to: pod(i, to_meta, to_spec),
        })
        .collect()
}

/// Sets each member of `members` in `target`.
fn merge_members(target: &mut Value, members: Value) {
    let Value::Object(members) = members else {
        unreachable!("members are an object")
    };
    for (key, value) in members {
        target[key] = value;
    }
}

fn uid(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

fn pair(i: usize, d: &mut Dice) -> Pair {
    let kind = ["Deployment", "Pod", "Service"][i % 3];
    let from = object(kind, i, d);
    let mut to = from.clone();
    // One pair in twelve is unchanged; the others get one to five edits.
    if !d.chance(8) {
        let edits = 1 + d.below(5);
        for _ in 0..edits {
            edit_object(&mut to, d);
        }
    }
    Pair { from, to }
}

const CONTAINERS: &[&str] = &["app", "proxy", "sidecar", "log"];
const INIT_CONTAINERS: &[&str] = &["init", "setup"];
const IMAGES: &[&str] = &["nginx:1.25", "nginx:1.27", "envoy:v1.30", "busybox:1.36"];
const ENV: &[&str] = &["MODE", "PORT", "DEBUG", "LOG_LEVEL", "HOME"];
const ENV_VALUES: &[&str] = &["1", "true", "info", "debug", ""];
const CONTAINER_PORTS: &[i64] = &[80, 443, 8080, 9090];
const MOUNT_PATHS: &[&str] = &["/data", "/cache", "/etc/config", "/var/log"];
const VOLUMES: &[&str] = &["data", "cache", "config", "logs"];
const FINALIZERS: &[&str] = &[
    "example.com/a",
    "example.com/b",
    "kubernetes",
    "foregroundDeletion",
];
const LABELS: &[&str] = &["app", "tier", "team", "version"];
const LABEL_VALUES: &[&str] = &["web", "db", "blue", "green", "v2"];
const ANNOTATIONS: &[&str] = &["example.com/owner", "note", "prometheus.io/scrape"];
const ANNOTATION_VALUES: &[&str] = &["team-a", "true", "see runbook"];
const SECRETS: &[&str] = &["regcred", "mirror", "gcr"];
const SERVICE_PORTS: &[i64] = &[80, 443, 53, 8080];
const ARGS: &[&str] = &["--verbose", "--port=8080", "serve", "-c", "/etc/app.conf"];
const TAINTS: &[&str] = &["dedicated", "gpu", "spot"];

fn object(kind: &str, i: usize, d: &mut Dice) -> Value {
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(format!("o{i:05}")));
    // kubectl edit fills in a missing namespace in the edited object (a
    // change the pair would not show), and pairs each edited object with
    // the fetched one by UID (all would pair with the first without one).
    metadata.insert("namespace".into(), json!("default"));
    metadata.insert("uid".into(), json!(uid(i)));
    if d.chance(70) {
        metadata.insert("labels".into(), string_map(d, LABELS, LABEL_VALUES));
    }
    if d.chance(50) {
        metadata.insert(
            "annotations".into(),
            string_map(d, ANNOTATIONS, ANNOTATION_VALUES),
        );
    }
    if d.chance(50) {
        metadata.insert("finalizers".into(), json!(d.subset(FINALIZERS, 1)));
    }
    let spec = match kind {
        "Pod" => pod_spec(d),
        "Service" => {
            let ports: Vec<Value> = d
                .subset(SERVICE_PORTS, 1)
                .into_iter()
                .map(|p| service_port(p, d))
                .collect();
            let mut spec = json!({"selector": {"app": "web"}, "ports": ports});
            if d.chance(50) {
                spec["type"] = json!(*d.pick(&["ClusterIP", "NodePort"]));
            }
            if d.chance(30) {
                spec["sessionAffinity"] = json!("ClientIP");
            }
            spec
        }
        _ => {
            let mut spec = json!({"selector": {"matchLabels": {"app": "web"}}});
            if d.chance(70) {
                spec["replicas"] = json!(d.below(5));
            }
            if d.chance(60) {
                spec["strategy"] = deployment_strategy(d);
            }
            spec["template"] = json!({
                "metadata": {"labels": {"app": "web"}},
                "spec": pod_spec(d),
            });
            spec
        }
    };
    let api_version = if kind == "Deployment" {
        "apps/v1"
    } else {
        "v1"
    };
    json!({"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec})
}

fn string_map(d: &mut Dice, keys: &[&str], values: &[&str]) -> Value {
    let mut map = Map::new();
    for key in d.subset(keys, 1) {
        map.insert(key.to_owned(), json!(*d.pick(values)));
    }
    Value::Object(map)
}

fn service_port(port: i64, d: &mut Dice) -> Value {
    let mut p = json!({"port": port, "protocol": "TCP"});
    if d.chance(60) {
        p["name"] = json!(format!("p{port}"));
    }
    if d.chance(60) {
        p["targetPort"] = if d.chance(50) {
            json!(port + 8000)
        } else {
            json!("http")
        };
    }
    p
}

fn deployment_strategy(d: &mut Dice) -> Value {
    if d.chance(40) {
        return json!({"type": "Recreate"});
    }
    let mut rolling = Map::new();
    if d.chance(80) {
        rolling.insert("maxSurge".into(), surge(d));
    }
    if d.chance(60) {
        rolling.insert("maxUnavailable".into(), surge(d));
    }
    json!({"type": "RollingUpdate", "rollingUpdate": rolling})
}

/// An int-or-string, so that edits change its type.
fn surge(d: &mut Dice) -> Value {
    if d.chance(50) {
        json!(d.below(3))
    } else {
        json!(*d.pick(&["25%", "50%"]))
    }
}

fn pod_spec(d: &mut Dice) -> Value {
    let mut spec = Map::new();
    let containers: Vec<Value> = d
        .subset(CONTAINERS, 1)
        .into_iter()
        .map(|n| container(n, d))
        .collect();
    spec.insert("containers".into(), json!(containers));
    if d.chance(25) {
        let init: Vec<Value> = d
            .subset(INIT_CONTAINERS, 1)
            .into_iter()
            .map(|n| container(n, d))
            .collect();
        spec.insert("initContainers".into(), json!(init));
    }
    if d.chance(60) {
        let volumes: Vec<Value> = d
            .subset(VOLUMES, 1)
            .into_iter()
            .map(|n| volume(n, d))
            .collect();
        spec.insert("volumes".into(), json!(volumes));
    }
    if d.chance(30) {
        spec.insert("tolerations".into(), tolerations(d));
    }
    if d.chance(25) {
        let secrets: Vec<Value> = d
            .subset(SECRETS, 1)
            .into_iter()
            .map(|s| json!({"name": s}))
            .collect();
        spec.insert("imagePullSecrets".into(), json!(secrets));
    }
    if d.chance(30) {
        spec.insert("nodeSelector".into(), json!({"disk": "ssd"}));
    }
    if d.chance(40) {
        spec.insert(
            "restartPolicy".into(),
            json!(*d.pick(&["Always", "OnFailure"])),
        );
    }
    Value::Object(spec)
}

fn container(name: &str, d: &mut Dice) -> Value {
    let mut c = Map::new();
    c.insert("name".into(), json!(name));
    c.insert("image".into(), json!(*d.pick(IMAGES)));
    if d.chance(40) {
        c.insert("args".into(), json!(d.subset(ARGS, 1)));
    }
    if d.chance(60) {
        let env: Vec<Value> = d
            .subset(ENV, 1)
            .into_iter()
            .map(|n| env_var(n, d))
            .collect();
        c.insert("env".into(), json!(env));
    }
    if d.chance(50) {
        let ports: Vec<Value> = d
            .subset(CONTAINER_PORTS, 1)
            .into_iter()
            .map(|p| container_port(p, d))
            .collect();
        c.insert("ports".into(), json!(ports));
    }
    if d.chance(40) {
        let mounts: Vec<Value> = d
            .subset(MOUNT_PATHS, 1)
            .into_iter()
            .map(|m| mount(m, d))
            .collect();
        c.insert("volumeMounts".into(), json!(mounts));
    }
    if d.chance(40) {
        c.insert("resources".into(), resources(d));
    }
    Value::Object(c)
}

fn env_var(name: &str, d: &mut Dice) -> Value {
    json!({"name": name, "value": *d.pick(ENV_VALUES)})
}

fn container_port(port: i64, d: &mut Dice) -> Value {
    let mut p = json!({"containerPort": port});
    if d.chance(50) {
        p["name"] = json!(format!("c{port}"));
    }
    if d.chance(30) {
        p["protocol"] = json!(*d.pick(&["TCP", "UDP"]));
    }
    p
}

fn mount(path: &str, d: &mut Dice) -> Value {
    let mut m = json!({"mountPath": path, "name": *d.pick(VOLUMES)});
    if d.chance(30) {
        m["readOnly"] = json!(true);
    }
    m
}

fn resources(d: &mut Dice) -> Value {
    let mut r = json!({"limits": {"cpu": cpu(d)}});
    if d.chance(50) {
        r["requests"] = json!({"cpu": cpu(d), "memory": "64Mi"});
    }
    r
}

/// A quantity, as a string or a number.
fn cpu(d: &mut Dice) -> Value {
    if d.chance(30) {
        json!(1 + d.below(2))
    } else {
        json!(*d.pick(&["100m", "250m", "1"]))
    }
}

fn volume(name: &str, d: &mut Dice) -> Value {
    let mut v = Map::new();
    v.insert("name".into(), json!(name));
    let (source, value) = volume_source(d);
    v.insert(source.into(), value);
    Value::Object(v)
}

fn volume_source(d: &mut Dice) -> (&'static str, Value) {
    match d.below(4) {
        0 => ("emptyDir", json!({})),
        1 => ("emptyDir", json!({"medium": "Memory"})),
        2 => (
            "hostPath",
            json!({"path": *d.pick(&["/var/data", "/tmp"]), "type": "Directory"}),
        ),
        _ => ("configMap", json!({"name": *d.pick(&["cfg", "settings"])})),
    }
}

fn tolerations(d: &mut Dice) -> Value {
    let items: Vec<Value> = d
        .subset(TAINTS, 1)
        .into_iter()
        .map(|t| json!({"key": t, "operator": "Exists", "effect": "NoSchedule"}))
        .collect();
    json!(items)
}

// Edits keep the pair valid: no nulls, merge keys unique, primitive merge
// lists distinct; `apiVersion`, `kind` and `metadata.name` unchanged
// (kubectl edit refuses to change them).

fn edit_object(object: &mut Value, d: &mut Dice) {
    let kind = object["kind"].as_str().expect("a kind").to_owned();
    match d.below(10) {
        0 | 1 => edit_metadata(&mut object["metadata"], d),
        _ => match kind.as_str() {
            "Pod" => edit_pod_spec(&mut object["spec"], d),
            "Service" => edit_service_spec(&mut object["spec"], d),
            _ => edit_deployment_spec(&mut object["spec"], d),
        },
    }
}

fn edit_metadata(metadata: &mut Value, d: &mut Dice) {
    let metadata = metadata.as_object_mut().expect("metadata");
    match d.below(3) {
        0 => edit_string_map(metadata, "labels", LABELS, LABEL_VALUES, d),
        1 => edit_string_map(metadata, "annotations", ANNOTATIONS, ANNOTATION_VALUES, d),
        _ => edit_primitive_list(metadata, "finalizers", FINALIZERS, d),
    }
}

fn edit_deployment_spec(spec: &mut Value, d: &mut Dice) {
    match d.below(8) {
        0 => {
            let spec = spec.as_object_mut().expect("a spec");
            if d.chance(25) {
                spec.remove("replicas");
            } else {
                spec.insert("replicas".into(), json!(d.below(6)));
            }
        }
        1 => match spec.get_mut("strategy") {
            // RollingUpdate ⇄ Recreate drops a key: `$retainKeys`.
            Some(strategy) if d.chance(50) => *strategy = deployment_strategy(d),
            Some(Value::Object(strategy)) => {
                if let Some(Value::Object(rolling)) = strategy.get_mut("rollingUpdate") {
                    let field = *d.pick(&["maxSurge", "maxUnavailable"]);
                    if rolling.contains_key(field) && d.chance(30) {
                        rolling.remove(field);
                    } else {
                        rolling.insert(field.into(), surge(d));
                    }
                } else {
                    *strategy = deployment_strategy(d)
                        .as_object()
                        .expect("a strategy")
                        .clone();
                }
            }
            _ => {
                spec["strategy"] = deployment_strategy(d);
            }
        },
        2 => {
            let template = spec["template"]["metadata"]
                .as_object_mut()
                .expect("template metadata");
            edit_string_map(template, "annotations", ANNOTATIONS, ANNOTATION_VALUES, d);
        }
        _ => edit_pod_spec(&mut spec["template"]["spec"], d),
    }
}

fn edit_service_spec(spec: &mut Value, d: &mut Dice) {
    let spec = spec.as_object_mut().expect("a spec");
    match d.below(6) {
        0 => edit_string_map(spec, "selector", LABELS, LABEL_VALUES, d),
        1 => {
            let value = json!(*d.pick(&["ClusterIP", "NodePort", "LoadBalancer"]));
            set_or_remove(spec, "type", value, d);
        }
        2 => set_or_remove(spec, "sessionAffinity", json!("ClientIP"), d),
        _ => {
            let pool: Vec<Value> = SERVICE_PORTS.iter().map(|p| json!(p)).collect();
            edit_keyed_list(
                spec,
                "ports",
                "port",
                &pool,
                &|d, key| service_port(key.as_i64().expect("a port"), d),
                &|d, port| {
                    let port = port.as_object_mut().expect("a port");
                    match d.below(3) {
                        0 => {
                            // int ⇄ string
                            let target = if port.get("targetPort").is_some_and(Value::is_i64) {
                                json!("http")
                            } else {
                                json!(9000 + d.below(3))
                            };
                            port.insert("targetPort".into(), target);
                        }
                        1 => {
                            let name = json!(format!("n{}", d.below(3)));
                            set_or_remove(port, "name", name, d);
                        }
                        _ => {
                            port.insert("protocol".into(), json!(*d.pick(&["TCP", "UDP"])));
                        }
                    }
                },
                d,
            );
        }
    }
}

fn edit_pod_spec(spec: &mut Value, d: &mut Dice) {
    let spec = spec.as_object_mut().expect("a pod spec");
    match d.below(12) {
        0..=4 => edit_containers(spec, "containers", CONTAINERS, d),
        5 => edit_containers(spec, "initContainers", INIT_CONTAINERS, d),
        6 | 7 => {
            let pool: Vec<Value> = VOLUMES.iter().map(|v| json!(v)).collect();
            edit_keyed_list(
                spec,
                "volumes",
                "name",
                &pool,
                &|d, name| volume(name.as_str().expect("a name"), d),
                &|d, volume| {
                    // Switching the source drops a key: `$retainKeys`.
                    let volume = volume.as_object_mut().expect("a volume");
                    let name = volume["name"].clone();
                    volume.clear();
                    volume.insert("name".into(), name);
                    let (source, value) = volume_source(d);
                    volume.insert(source.into(), value);
                },
                d,
            );
        }
        8 => {
            // Atomic: any change sends the whole list.
            let value = tolerations(d);
            set_or_remove(spec, "tolerations", value, d);
        }
        9 => {
            let pool: Vec<Value> = SECRETS.iter().map(|s| json!(s)).collect();
            edit_keyed_list(
                spec,
                "imagePullSecrets",
                "name",
                &pool,
                &|_, name| json!({"name": name}),
                &|_, _| {},
                d,
            );
        }
        10 => edit_string_map(
            spec,
            "nodeSelector",
            &["disk", "zone"],
            &["ssd", "a", "b"],
            d,
        ),
        _ => {
            let value = json!(*d.pick(&["Always", "OnFailure", "Never"]));
            set_or_remove(spec, "restartPolicy", value, d);
        }
    }
}

fn edit_containers(spec: &mut Map<String, Value>, field: &str, names: &[&str], d: &mut Dice) {
    let pool: Vec<Value> = names.iter().map(|n| json!(n)).collect();
    edit_keyed_list(
        spec,
        field,
        "name",
        &pool,
        &|d, name| container(name.as_str().expect("a name"), d),
        &|d, c| edit_container(c, d),
        d,
    );
    // A Pod needs a container; kubectl does not check, but keep it real.
    let has_one = matches!(spec.get(field), Some(Value::Array(l)) if !l.is_empty());
    if field == "containers" && !has_one {
        spec.insert(field.into(), json!([container("app", d)]));
    }
}

fn edit_container(c: &mut Value, d: &mut Dice) {
    edit_container_map(c.as_object_mut().expect("a container"), d);
}

fn edit_container_map(c: &mut Map<String, Value>, d: &mut Dice) {
    match d.below(8) {
        0 => {
            c.insert("image".into(), json!(*d.pick(IMAGES)));
        }
        1 => {
            let pool: Vec<Value> = ENV.iter().map(|n| json!(n)).collect();
            edit_keyed_list(
                c,
                "env",
                "name",
                &pool,
                &|d, name| env_var(name.as_str().expect("a name"), d),
                &|d, var| var["value"] = json!(*d.pick(ENV_VALUES)),
                d,
            );
        }
        2 => {
            let pool: Vec<Value> = CONTAINER_PORTS.iter().map(|p| json!(p)).collect();
            edit_keyed_list(
                c,
                "ports",
                "containerPort",
                &pool,
                &|d, port| container_port(port.as_i64().expect("a port"), d),
                &|d, port| {
                    let port = port.as_object_mut().expect("a port");
                    if d.chance(50) {
                        let name = json!(format!("x{}", d.below(3)));
                        set_or_remove(port, "name", name, d);
                    } else {
                        let protocol = json!(*d.pick(&["TCP", "UDP"]));
                        set_or_remove(port, "protocol", protocol, d);
                    }
                },
                d,
            );
        }
        3 => {
            let pool: Vec<Value> = MOUNT_PATHS.iter().map(|m| json!(m)).collect();
            edit_keyed_list(
                c,
                "volumeMounts",
                "mountPath",
                &pool,
                &|d, path| mount(path.as_str().expect("a path"), d),
                &|d, m| {
                    let m = m.as_object_mut().expect("a mount");
                    if d.chance(50) {
                        set_or_remove(m, "readOnly", json!(true), d);
                    } else {
                        m.insert("name".into(), json!(*d.pick(VOLUMES)));
                    }
                },
                d,
            );
        }
        4 => {
            // Atomic: new items, fewer, another order; sometimes a string
            // instead of a list (a type change kubectl does not check).
            let value = if d.chance(10) {
                json!("serve")
            } else {
                json!(d.subset(ARGS, 1))
            };
            set_or_remove(c, "args", value, d);
        }
        5 => match c.get_mut("resources") {
            Some(Value::Object(r)) if d.chance(70) => {
                let section = *d.pick(&["limits", "requests"]);
                match r.get_mut(section) {
                    Some(Value::Object(s)) if d.chance(70) => {
                        // string ⇄ number, or another value
                        s.insert("cpu".into(), cpu(d));
                    }
                    _ => {
                        let value = json!({"cpu": cpu(d)});
                        set_or_remove(r, section, value, d);
                    }
                }
            }
            _ => {
                let value = resources(d);
                set_or_remove(c, "resources", value, d);
            }
        },
        _ => {
            // Several edits to one container.
            edit_container_map(c, d);
            edit_container_map(c, d);
        }
    }
}

/// Inserts `value` at `field`, or removes `field` (one time in four when
/// it is there).
fn set_or_remove(map: &mut Map<String, Value>, field: &str, value: Value, d: &mut Dice) {
    if map.contains_key(field) && d.chance(25) {
        map.remove(field);
    } else {
        map.insert(field.into(), value);
    }
}

fn edit_string_map(
    parent: &mut Map<String, Value>,
    field: &str,
    keys: &[&str],
    values: &[&str],
    d: &mut Dice,
) {
    let mut map = match parent.remove(field) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    match d.below(4) {
        0 if !map.is_empty() => {
            let key = map.keys().nth(d.below(map.len())).expect("a key").clone();
            map.remove(&key);
        }
        1 if d.chance(30) => map.clear(),
        _ => {
            map.insert((*d.pick(keys)).to_owned(), json!(*d.pick(values)));
        }
    }
    // An empty map stays `{}` or goes.
    if !map.is_empty() || d.chance(50) {
        parent.insert(field.into(), Value::Object(map));
    }
}

/// Adds, removes, reorders or clears the items of a primitive merge list,
/// keeping them distinct.
fn edit_primitive_list(parent: &mut Map<String, Value>, field: &str, pool: &[&str], d: &mut Dice) {
    let mut list = match parent.remove(field) {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    };
    let absent: Vec<&str> = pool
        .iter()
        .copied()
        .filter(|p| !list.contains(&json!(p)))
        .collect();
    match d.below(5) {
        0 | 1 if !absent.is_empty() => {
            let at = d.below(list.len() + 1);
            list.insert(at, json!(*d.pick(&absent)));
        }
        2 if !list.is_empty() => {
            list.remove(d.below(list.len()));
        }
        3 if list.len() >= 2 => d.shuffle_changed(&mut list),
        _ => {
            list.clear();
            if !absent.is_empty() && d.chance(50) {
                list.push(json!(*d.pick(&absent)));
            }
        }
    }
    if !list.is_empty() || d.chance(50) {
        parent.insert(field.into(), Value::Array(list));
    }
}

type Make<'a> = &'a dyn Fn(&mut Dice, &Value) -> Value;
type Modify<'a> = &'a dyn Fn(&mut Dice, &mut Value);

/// Inserts, deletes, reorders or changes the elements of a list that
/// merges by `key`, keeping keys unique (new keys come from `pool`).
fn edit_keyed_list(
    parent: &mut Map<String, Value>,
    field: &str,
    key: &str,
    pool: &[Value],
    make: Make<'_>,
    modify: Modify<'_>,
    d: &mut Dice,
) {
    let had = parent.contains_key(field);
    let mut list = match parent.remove(field) {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    };
    let absent: Vec<&Value> = pool
        .iter()
        .filter(|k| !list.iter().any(|e| &e[key] == *k))
        .collect();
    match d.below(8) {
        0 | 1 if !absent.is_empty() => {
            let at = d.below(list.len() + 1);
            let new_key = *d.pick(&absent);
            let new = make(d, new_key);
            list.insert(at, new);
        }
        2 | 3 if !list.is_empty() => {
            list.remove(d.below(list.len()));
        }
        4 if list.len() >= 2 => d.shuffle_changed(&mut list),
        5 if list.len() >= 2 && !absent.is_empty() => {
            // Several changes at once: reorder, replace one key, change one.
            d.shuffle_changed(&mut list);
            let i = d.below(list.len());
            let new_key = *d.pick(&absent);
            list[i] = make(d, new_key);
            let j = d.below(list.len());
            modify(d, &mut list[j]);
        }
        6 if had && d.chance(30) => list.clear(),
        _ if !list.is_empty() => {
            let i = d.below(list.len());
            modify(d, &mut list[i]);
        }
        _ => {}
    }
    if !list.is_empty() || (had && d.chance(50)) {
        parent.insert(field.into(), Value::Array(list));
    }
}

/// A small deterministic generator (SplitMix64), seeded by proptest.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("below n")
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// At least `min` distinct items of `items`, in a random order.
    fn subset<T: Clone>(&mut self, items: &[T], min: usize) -> Vec<T> {
        let mut all = items.to_vec();
        self.shuffle(&mut all);
        let n = min + self.below(items.len() - min + 1);
        all.truncate(n);
        all
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// Shuffles `items` (two or more) into another order.
    fn shuffle_changed(&mut self, items: &mut [Value]) {
        let before = items.to_vec();
        self.shuffle(items);
        if items == before.as_slice() {
            items.swap(0, 1);
        }
    }
}

// ---------------------------------------------------------------------------
// Tools

/// `python3` on `PATH`, which runs the fake API server.
fn locate_python() -> PathBuf {
    let python = PathBuf::from("python3");
    let works = Command::new(&python)
        .args(["-c", "import http.server, json"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        works,
        "this test needs python3 (with its standard library) on PATH to run \
         tests/support/fake_apiserver.py"
    );
    python
}
