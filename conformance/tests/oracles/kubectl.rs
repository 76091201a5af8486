//! Differential test: patchlaw's strategic merge patch against kubectl v1.32
//! (`kubectl patch --local --type strategic`), on generated Deployments, Pods
//! and Services with patches written for them.
//!
//! Cases come from a fixed seed, so every run checks the same ones; their
//! number is `PATCHLAW_KUBECTL_CASES` (default 2,000). One kubectl process
//! applies one patch to several objects of one kind, given as a `List`: it
//! prints each patched object (found again by `metadata.name`) and leaves out
//! each object it fails on. A few processes run in parallel.
//!
//! kubectl is `$PATCHLAW_KUBECTL`, else `kubectl` on `PATH` (or the v1.32
//! binary beside a Google Cloud SDK dispatcher). Without kubectl v1.32 the
//! test fails: `.ci/run` installs it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::oracle::{self, locate_kubectl, Draw};
use patchlaw::json_patch::equal;
use patchlaw::strategic::Schema;
use patchlaw_conformance::strategy::strategic::{
    arb_builtin_object_of, arb_strategic_patch_for, BuiltinKind,
};
use serde_json::{json, Value};

const DEFAULT_CASES: usize = 2000;
/// Objects per kubectl process, at most.
const MAX_GROUP: usize = 8;
/// Mismatches shown in full.
const SHOWN: usize = 12;

#[test]
fn strategic_apply_agrees_with_kubectl() {
    let kubectl = locate_kubectl();
    let groups = generate(oracle::cases("PATCHLAW_KUBECTL_CASES", DEFAULT_CASES));
    let (top, dir) = oracle::scratch_dir("kubectl");
    let kubeconfig = dir.join("empty-kubeconfig");
    std::fs::write(&kubeconfig, "").expect("an empty kubeconfig");

    let started = Instant::now();
    let (outcomes, threads) = oracle::on_threads(&groups, |_, i, group| {
        judge(&kubectl, &kubeconfig, &dir, i, group)
    });
    let _ = std::fs::remove_dir_all(&dir);

    let mut tally = Tally::default();
    for outcome in &outcomes {
        tally.add(outcome);
    }
    println!(
        "kubectl differential: {} cases in {} kubectl runs ({} threads, {:.1} s): \
         {} agree ({} patched on both sides, {} errors on both sides), {} disagree",
        outcomes.len(),
        groups.len(),
        threads,
        started.elapsed().as_secs_f64(),
        tally.agree_ok + tally.agree_err,
        tally.agree_ok,
        tally.agree_err,
        tally.mismatches.len(),
    );
    println!("cases per kind: {:?}", tally.kinds);
    println!("cases per directive:");
    for (directive, count) in &tally.directives {
        println!("  {count:5}  {directive}");
    }
    if tally.mismatches.is_empty() {
        return;
    }
    let all = tally.mismatches.iter().map(|m| m.to_json()).collect();
    let total = format!("{} cases", outcomes.len());
    let shown = tally.mismatches.iter().take(SHOWN);
    let sides = "patchlaw and kubectl";
    oracle::fail_with(&top, "mismatches.json", all, shown, sides, &total);
}

/// One patch and the objects (one kind, distinct names) it is applied to.
struct Group {
    kind: BuiltinKind,
    patch: Value,
    objects: Vec<Value>,
}

fn generate(cases: usize) -> Vec<Group> {
    let mut draw = Draw::new();
    let mut groups = Vec::new();
    let mut total = 0;
    while total < cases {
        let n = groups.len();
        let kind = BuiltinKind::ALL[n % BuiltinKind::ALL.len()];
        let size = (1 + (n * 7 + n / 3) % MAX_GROUP).min(cases - total);
        let first = draw.value(arb_builtin_object_of(kind));
        let patch = draw.value(arb_strategic_patch_for(&first));
        let mut objects = vec![first];
        while objects.len() < size {
            objects.push(draw.value(arb_builtin_object_of(kind)));
        }
        for (i, object) in objects.iter_mut().enumerate() {
            object["metadata"]["name"] = json!(format!("web-{n}-{i}"));
        }
        total += objects.len();
        groups.push(Group {
            kind,
            patch,
            objects,
        });
    }
    groups
}

/// What happened to one object.
struct Outcome {
    kind: BuiltinKind,
    doc: Value,
    patch: Value,
    ours: Result<Value, String>,
    /// kubectl's object, or its standard error when it printed none.
    theirs: Result<Value, String>,
}

impl Outcome {
    fn agrees(&self) -> bool {
        match (&self.ours, &self.theirs) {
            (Ok(ours), Ok(theirs)) => equal(ours, theirs),
            (Err(_), Err(_)) => true,
            _ => false,
        }
    }
}

fn judge(kubectl: &Path, kubeconfig: &Path, dir: &Path, n: usize, group: &Group) -> Vec<Outcome> {
    let file = dir.join(format!("group-{n}.json"));
    let list = json!({"apiVersion": "v1", "kind": "List", "items": group.objects});
    std::fs::write(&file, list.to_string()).expect("the List file");
    let output = Command::new(kubectl)
        .env("KUBECONFIG", kubeconfig)
        .args([
            "patch",
            "--local",
            "--type",
            "strategic",
            "-o",
            "json",
            "-f",
        ])
        .arg(&file)
        .arg("-p")
        .arg(group.patch.to_string())
        .output()
        .expect("kubectl runs");
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    let mut printed: BTreeMap<String, Value> = BTreeMap::new();
    for object in serde_json::Deserializer::from_str(&stdout).into_iter::<Value>() {
        let object = object.unwrap_or_else(|e| panic!("kubectl printed bad JSON ({e}):\n{stdout}"));
        let name = object["metadata"]["name"].as_str().map(str::to_owned);
        let name =
            name.unwrap_or_else(|| panic!("kubectl printed an object without a name: {object}"));
        printed.insert(name, object);
    }
    let schema =
        Schema::builtin(group.kind.api_version(), group.kind.name()).expect("a built-in schema");
    group
        .objects
        .iter()
        .map(|doc| {
            let mut patched = doc.clone();
            let ours = patchlaw::strategic::apply(&mut patched, &group.patch, &schema)
                .map(|()| patched)
                .map_err(|e| format!("{} ({e})", e.kind().code()));
            let name = doc["metadata"]["name"].as_str().expect("a name");
            let theirs = printed.remove(name).ok_or_else(|| {
                if stderr.is_empty() {
                    format!("no output (exit status {})", output.status)
                } else {
                    stderr.clone()
                }
            });
            Outcome {
                kind: group.kind,
                doc: doc.clone(),
                patch: group.patch.clone(),
                ours,
                theirs,
            }
        })
        .collect()
}

#[derive(Default)]
struct Tally<'o> {
    agree_ok: usize,
    agree_err: usize,
    kinds: BTreeMap<&'static str, usize>,
    directives: BTreeMap<String, usize>,
    mismatches: Vec<&'o Outcome>,
}

impl<'o> Tally<'o> {
    fn add(&mut self, outcome: &'o Outcome) {
        *self.kinds.entry(outcome.kind.name()).or_default() += 1;
        let mut seen = std::collections::BTreeSet::new();
        directives(&outcome.patch, false, &mut seen);
        for directive in seen {
            *self.directives.entry(directive).or_default() += 1;
        }
        if !outcome.agrees() {
            self.mismatches.push(outcome);
        } else if outcome.ours.is_ok() {
            self.agree_ok += 1;
        } else {
            self.agree_err += 1;
        }
    }
}

/// The directives in `patch`, named by kind (`$patch` by value and by
/// place, the others by prefix).
fn directives(patch: &Value, in_list: bool, seen: &mut std::collections::BTreeSet<String>) {
    match patch {
        Value::Object(members) => {
            for (key, value) in members {
                if let Some(directive) = ["$setElementOrder/", "$deleteFromPrimitiveList/"]
                    .iter()
                    .find(|p| key.starts_with(*p))
                {
                    seen.insert(format!("{directive}<f>"));
                } else if key == "$retainKeys" {
                    seen.insert(key.clone());
                } else if key == "$patch" {
                    let place = if in_list { "list element" } else { "map" };
                    let what = value.as_str().unwrap_or("<not a string>");
                    seen.insert(format!("$patch: {what} ({place})"));
                }
                directives(value, false, seen);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| directives(i, true, seen)),
        _ => {}
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |r: &Result<Value, String>| match r {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {e}"),
        };
        writeln!(f, "--- {} disagreement", self.kind.name())?;
        writeln!(f, "doc:      {}", self.doc)?;
        writeln!(f, "patch:    {}", self.patch)?;
        writeln!(f, "patchlaw: {}", show(&self.ours))?;
        write!(f, "kubectl:  {}", show(&self.theirs))
    }
}

impl Outcome {
    fn to_json(&self) -> Value {
        let side = |r: &Result<Value, String>| match r {
            Ok(v) => json!({"result": v}),
            Err(e) => json!({"error": e}),
        };
        json!({"kind": self.kind.name(), "doc": self.doc, "patch": self.patch,
            "patchlaw": side(&self.ours), "kubectl": side(&self.theirs)})
    }
}
