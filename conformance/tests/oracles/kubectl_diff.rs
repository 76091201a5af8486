//! Differential test: patchlaw's two-way strategic diff (spec/40-strategic.md,
//! D4.12 and D4.13) against Kubernetes' `CreateTwoWayMergePatch`, as kubectl v1.32 runs it.
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
//! pairs (`strategy::strategic::arb_builtin_pair_of`) are valid under the
//! schema (no nulls, unique merge keys, distinct primitive merge-list
//! items), the domain where the round trip holds (LAW-SMP-DIFF-APPLY);
//! their number is `PATCHLAW_KUBECTL_DIFF_CASES` (default 1,000), from a
//! fixed seed. Before them come hand-written pairs and 200 pairs whose
//! `env` lists repeat names (`arb_repeated_env_pair`; D4.13: Kubernetes'
//! sort decides their pairing), where only the patches must agree.
//!
//! kubectl is `$PATCHLAW_KUBECTL`, else `kubectl` on `PATH` (or the v1.32
//! binary beside a Google Cloud SDK dispatcher); `python3` runs the
//! server. Without either the test fails.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::oracle::{self, count_directives, locate_kubectl, locate_python, Draw, FakeApiServer};
use patchlaw::strategic::{self, Schema};
use patchlaw_conformance::strategy::strategic::{
    arb_builtin_pair_of, arb_repeated_env_pair, BuiltinKind,
};
use serde_json::{json, Value};

const DEFAULT_CASES: usize = 1000;
/// Pairs with repeated merge keys, besides those.
const DUPLICATE_CASES: usize = 200;
/// Objects per `kubectl edit`, at most.
const BATCH: usize = 40;
/// Disagreements shown in full.
const SHOWN: usize = 10;

#[test]
fn strategic_diff_agrees_with_kubectl_edit() {
    let kubectl = locate_kubectl();
    let python = locate_python();
    let pairs = generate(oracle::cases("PATCHLAW_KUBECTL_DIFF_CASES", DEFAULT_CASES));
    let (top, dir) = oracle::scratch_dir("kubectl-diff");

    let started = Instant::now();
    let server = FakeApiServer::start(&python);
    let froms: Vec<&Value> = pairs.iter().map(|p| &p.from).collect();
    server.store(&froms);
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).expect("the kubeconfig");

    let batches: Vec<&[Pair]> = pairs.chunks(BATCH).collect();
    let (mangled, threads) = oracle::on_threads(&batches, |thread, i, batch| {
        let cache = dir.join(format!("cache-{thread}"));
        let batch_dir = dir.join(format!("b{i}"));
        edit(&kubectl, &kubeconfig, &cache, &batch_dir, batch)
    });
    let recorded = patches(&server);
    let kubectl_seconds = started.elapsed().as_secs_f64();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);

    // kubectl must have shown exactly `from`, or the pair says nothing.
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
    let all = tally
        .failures
        .iter()
        .map(|f| serde_json::to_value(f).expect("JSON"))
        .collect();
    let total = format!("{} pairs", pairs.len());
    let shown = tally.failures.iter().take(SHOWN);
    let sides = "patchlaw's diff and kubectl's";
    oracle::fail_with(&top, "disagreements.json", all, shown, sides, &total);
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
                "metadata": {},
                "spec": {"containers": [{"name": "app", "image": "nginx"}]},
            });
            identify(&mut pod, &format!("s{i}"), i);
            if !finalizers.is_empty() {
                pod["metadata"]["finalizers"] = json!(finalizers);
            }
            pod
        })
        .collect();
    let (_, dir) = oracle::scratch_dir("kubectl-set-image");
    let server = FakeApiServer::start(&python);
    server.store(&pods.iter().collect::<Vec<_>>());
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
    let recorded = patches(&server);
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
    /// The pair `from`, `to`, both named `o<i>` (see [`identify`]).
    fn new(i: usize, mut from: Value, mut to: Value) -> Pair {
        let name = format!("o{i:05}");
        identify(&mut from, &name, i);
        identify(&mut to, &name, i);
        Pair { from, to }
    }

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

/// The PATCH bodies kubectl sent, by `<resource>/<namespace>/<name>`.
fn patches(server: &FakeApiServer) -> BTreeMap<String, Vec<String>> {
    server
        .take_requests()
        .into_iter()
        .map(|(key, requests)| {
            let bodies = requests
                .into_iter()
                .filter(|r| r.method == "PATCH")
                .map(|r| r.body)
                .collect();
            (key, bodies)
        })
        .collect()
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

// ---------------------------------------------------------------------------
// Generating pairs

/// Hand-written pairs, [`DUPLICATE_CASES`] pairs whose `env` lists repeat
/// names, and `cases` generated pairs (Deployments, Pods and Services in
/// turn), drawn by a fixed seed.
fn generate(cases: usize) -> Vec<Pair> {
    let mut draw = Draw::new();
    let mut pairs = fixed_pairs();
    for _ in 0..DUPLICATE_CASES {
        let (from, to) = draw.value(arb_repeated_env_pair());
        pairs.push(Pair::new(pairs.len(), from, to));
    }
    for i in 0..cases {
        let kind = BuiltinKind::ALL[i % BuiltinKind::ALL.len()];
        let (from, to) = draw.value(arb_builtin_pair_of(kind));
        pairs.push(Pair::new(pairs.len(), from, to));
    }
    pairs
}

/// Small pairs written by hand, checked before the generated ones: the
/// minimal forms of known disagreements, and one of each directive.
fn fixed_pairs() -> Vec<Pair> {
    let pod = |metadata: Value, spec: Value| {
        let mut pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {},
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
        .map(|(i, (from_meta, to_meta, from_spec, to_spec))| {
            Pair::new(i, pod(from_meta, from_spec), pod(to_meta, to_spec))
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

/// Names the object `name`, in the namespace `default`, with a UID made
/// from `i`: kubectl edit fills in a missing namespace in the edited object
/// (a change the pair would not show), and pairs each edited object with
/// the fetched one by UID (all would pair with the first without one).
fn identify(object: &mut Value, name: &str, i: usize) {
    let metadata = &mut object["metadata"];
    metadata["name"] = json!(name);
    metadata["namespace"] = json!("default");
    metadata["uid"] = json!(format!("00000000-0000-4000-8000-{i:012}"));
}
