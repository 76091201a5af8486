//! Differential test: patchlaw's apply plan (`three_way::plan`, spec/50-three-way.md)
//! against client-side `kubectl apply` v1.32.
//!
//! `kubectl apply` decides on the client: it reads the last-applied
//! configuration from the live object's annotation, computes the three-way
//! patch from it, the file and the live object (strategic for the built-in
//! kinds, from the Go structs' patch metadata when there is no OpenAPI; RFC
//! 7396 for custom resources), and PATCHes it — or POSTs the object when
//! there is none, or sends nothing when the patch is `{}`. So the test
//! stores generated live objects in the fake API server
//! (`support/fake_apiserver.py`, which records each PATCH and POST with its
//! `Content-Type`), runs `kubectl apply -f` on `List` files of the new
//! manifests, one per batch and `--overwrite` setting, a few at a time, and
//! compares what kubectl sent with `plan(modified, live, schema, namespace
//! "default")`:
//!
//! - the same action: POST, PATCH, or nothing;
//! - the same body, as JSON values with numbers compared numerically
//!   (kubectl writes `1.0` as `1`), and the same `Content-Type`;
//! - the same last-applied annotation text, byte for byte (in the body, or
//!   the live object's when the body leaves it alone);
//! - with `--overwrite=false`, the same verdict: kubectl fails on an object
//!   whose patch conflicts (it sends nothing, and its error names the
//!   object and the conflict) exactly where patchlaw returns the
//!   `conflict` error; any other error on both sides agrees too.
//!
//! The cases (`strategy::three_way`) come from a fixed seed: Deployments,
//! Pods and Services in turn (`PATCHLAW_KUBECTL_APPLY_CASES`, default
//! 3,000) and `example.com/v1` Widgets, a custom resource
//! (`PATCHLAW_KUBECTL_APPLY_CUSTOM_CASES`, default 600).
//!
//! kubectl is `$PATCHLAW_KUBECTL`, else `kubectl` on `PATH` (or the v1.32
//! binary beside a Google Cloud SDK dispatcher); `python3` runs the
//! server. Without either the test fails.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::oracle::{
    self, count_directives, locate_kubectl, locate_python, Draw, FakeApiServer, Request,
};
use patchlaw::json_patch::equal;
use patchlaw::strategic::Schema;
use patchlaw::three_way::{plan, Action, Plan, PlanOptions, LAST_APPLIED_ANNOTATION};
use patchlaw::ErrorKind;
use patchlaw_conformance::strategy::strategic::BuiltinKind;
use patchlaw_conformance::strategy::three_way::{
    arb_apply_case_of, arb_custom_apply_case, ApplyCase,
};
use serde_json::{json, Value};

const DEFAULT_BUILTIN_CASES: usize = 3000;
const DEFAULT_CUSTOM_CASES: usize = 600;
/// Objects per `kubectl apply`, at most.
const BATCH: usize = 40;
/// Disagreements shown in full.
const SHOWN: usize = 12;
/// What kubectl's error says of a conflict (`mergepatch.ErrConflict`).
const CONFLICT_TEXT: &str = "conflicts with changes made from original to current";

#[test]
fn apply_plan_agrees_with_kubectl_apply() {
    let kubectl = locate_kubectl();
    let python = locate_python();
    let cases = generate(
        oracle::cases("PATCHLAW_KUBECTL_APPLY_CASES", DEFAULT_BUILTIN_CASES),
        oracle::cases("PATCHLAW_KUBECTL_APPLY_CUSTOM_CASES", DEFAULT_CUSTOM_CASES),
    );
    let (top, dir) = oracle::scratch_dir("kubectl-apply");

    let started = Instant::now();
    let server = FakeApiServer::start(&python);
    let lives: Vec<&Value> = cases
        .iter()
        .filter_map(|c| c.apply.current.as_ref())
        .collect();
    server.store(&lives);
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).expect("the kubeconfig");
    let batches: Vec<Vec<&Case>> = [true, false]
        .into_iter()
        .flat_map(|overwrite| {
            let same: Vec<&Case> = cases
                .iter()
                .filter(|c| c.apply.overwrite == overwrite)
                .collect();
            same.chunks(BATCH)
                .map(<[&Case]>::to_vec)
                .collect::<Vec<_>>()
        })
        .collect();
    let (runs, threads) = oracle::on_threads(&batches, |thread, i, batch| {
        let cache = dir.join(format!("cache-{thread}"));
        vec![apply(
            &kubectl,
            &kubeconfig,
            &cache,
            &dir.join(format!("b{i}.json")),
            batch,
        )]
    });
    let mut requests = server.take_requests();
    let kubectl_seconds = started.elapsed().as_secs_f64();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);

    let outputs: BTreeMap<&str, &Run> = runs
        .iter()
        .flat_map(|run| run.names.iter().map(move |name| (name.as_str(), run)))
        .collect();
    let mut tally = Tally::default();
    for case in &cases {
        let run = outputs[case.name.as_str()];
        let theirs = kubectl_outcome(case, requests.remove(&case.key()).unwrap_or_default(), run);
        tally.add(case, theirs);
    }
    tally.print(cases.len(), batches.len(), threads, kubectl_seconds);
    if tally.failures.is_empty() {
        return;
    }
    let all = tally.failures.iter().map(Failure::to_json).collect();
    let total = format!("{} cases", cases.len());
    let shown = tally.failures.iter().take(SHOWN);
    let sides = "patchlaw's apply plan and kubectl apply";
    oracle::fail_with(&top, "disagreements.json", all, shown, sides, &total);
}

/// A generated case with its object's name.
struct Case {
    name: String,
    /// `Deployment`, `Pod`, `Service` or `Widget`.
    kind: String,
    apply: ApplyCase,
}

impl Case {
    /// The server's key for the object: `<resource>/<namespace>/<name>`.
    fn key(&self) -> String {
        format!("{}s/default/{}", self.kind.to_lowercase(), self.name)
    }
}

/// `builtin` cases of the built-in kinds in turn, then `custom` Widgets,
/// drawn by a fixed seed and named `a<index>`.
fn generate(builtin: usize, custom: usize) -> Vec<Case> {
    let mut draw = Draw::new();
    let mut cases = Vec::with_capacity(builtin + custom);
    for i in 0..builtin + custom {
        let mut apply = if i < builtin {
            draw.value(arb_apply_case_of(
                BuiltinKind::ALL[i % BuiltinKind::ALL.len()],
            ))
        } else {
            draw.value(arb_custom_apply_case())
        };
        let name = format!("a{i:05}");
        apply.rename(&name);
        let kind = apply.modified["kind"].as_str().expect("a kind").to_owned();
        cases.push(Case { name, kind, apply });
    }
    cases
}

// ---------------------------------------------------------------------------
// Driving kubectl

/// The `kubectl apply` runs of a batch and what they printed.
struct Run {
    names: Vec<String>,
    stdout: String,
    stderr: String,
    /// The objects kubectl crashed on, with its panic.
    crashes: BTreeMap<String, String>,
}

/// Runs `kubectl apply -f` on the new manifests of `batch` (which share
/// their `overwrite`), written as a `List` to `file`.
///
/// kubectl crashes on some conflict checks (a Go panic), which ends the
/// run: then the objects it did not report on are applied again, with
/// request logging (`-v=6`) to see which object it crashed on, which is
/// left out of the next run. (The fake server keeps no state, so an object
/// can be applied again; those left had sent nothing.)
fn apply(kubectl: &Path, kubeconfig: &Path, cache: &Path, file: &Path, batch: &[&Case]) -> Run {
    let mut run = Run {
        names: batch.iter().map(|c| c.name.clone()).collect(),
        stdout: String::new(),
        stderr: String::new(),
        crashes: BTreeMap::new(),
    };
    let mut pending: Vec<&Case> = batch.to_vec();
    let mut verbose = false;
    while !pending.is_empty() {
        let (stdout, stderr) = apply_once(kubectl, kubeconfig, cache, file, &pending, verbose);
        run.stdout.push_str(&stdout);
        run.stderr.push_str(&stderr);
        let Some(at) = stderr
            .find("\npanic: ")
            .or(stderr.starts_with("panic: ").then_some(0))
        else {
            break;
        };
        let crashed = verbose.then(|| {
            // The object of the last GET before the crash.
            stderr[..at]
                .lines()
                .filter(|line| line.contains("] GET http"))
                .filter_map(|line| line.split_whitespace().find(|w| w.starts_with("http")))
                .filter_map(|url| url.split('?').next()?.rsplit('/').next())
                .rfind(|name| pending.iter().any(|c| c.name == *name))
                .unwrap_or_else(|| {
                    panic!("kubectl crashed, and its log names no object:\n{stderr}")
                })
                .to_owned()
        });
        let said = |case: &Case| {
            let done = format!("/{} ", case.name);
            stdout.lines().any(|line| line.contains(&done))
        };
        pending.retain(|c| !said(c) && crashed.as_deref() != Some(c.name.as_str()));
        if let Some(name) = crashed {
            run.crashes.insert(name, stderr[at..].trim().to_owned());
        }
        verbose = true;
    }
    run
}

/// One `kubectl apply -f` of the new manifests of `cases`: its standard
/// output and error.
fn apply_once(
    kubectl: &Path,
    kubeconfig: &Path,
    cache: &Path,
    file: &Path,
    cases: &[&Case],
    verbose: bool,
) -> (String, String) {
    let manifests: Vec<&Value> = cases.iter().map(|c| &c.apply.modified).collect();
    let list = json!({"apiVersion": "v1", "kind": "List", "items": manifests});
    std::fs::write(file, list.to_string()).expect("the List file");
    let overwrite = cases.first().is_some_and(|c| c.apply.overwrite);
    let output = Command::new(kubectl)
        .env("KUBECONFIG", kubeconfig)
        .args(["apply", "--validate=false", "--cache-dir"])
        .arg(cache)
        .arg(format!("--overwrite={overwrite}"))
        .args(verbose.then_some("-v=6"))
        .arg("-f")
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("kubectl runs");
    let _ = std::fs::remove_file(file);
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// What an apply did, on either side.
#[derive(Clone, Debug)]
enum Outcome {
    /// POST of this object.
    Create(Value),
    /// PATCH with this `Content-Type` and body.
    Patch(String, Value),
    /// Nothing sent.
    Unchanged,
    /// Refused for a conflict (`--overwrite=false`).
    Refused(String),
    /// kubectl crashed (a Go panic).
    Crashed(String),
    /// Another error.
    Failed(String),
}

/// kubectl's outcome for `case`, from what the server recorded for it and
/// what kubectl printed.
fn kubectl_outcome(case: &Case, requests: Vec<Request>, run: &Run) -> Outcome {
    // kubectl names the object of each failure: `Name: "<name>", Namespace: ...`.
    let marker = format!("Name: \"{}\", Namespace:", case.name);
    let error = run.stderr.find(&marker).map(|at| {
        let rest = &run.stderr[at..];
        let end = rest.find("\nerror when ").unwrap_or(rest.len());
        rest[..end].to_owned()
    });
    let parse = |body: &str| -> Value {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("kubectl sent bad JSON ({e}): {body}"))
    };
    if let Some(panic) = run.crashes.get(&case.name) {
        return match requests.as_slice() {
            [] => Outcome::Crashed(panic.clone()),
            sent => Outcome::Failed(format!("crashed after {} requests: {panic}", sent.len())),
        };
    }
    match (requests.as_slice(), error) {
        ([], Some(error)) if error.contains(CONFLICT_TEXT) => Outcome::Refused(error),
        ([], Some(error)) => Outcome::Failed(error),
        ([], None) => {
            let said = format!("/{} unchanged", case.name);
            if run.stdout.lines().any(|l| l.ends_with(&said)) {
                Outcome::Unchanged
            } else {
                Outcome::Failed(format!(
                    "sent nothing, and said neither unchanged nor why:\n{}",
                    run.stderr
                ))
            }
        }
        ([one], None) if one.method == "POST" => Outcome::Create(parse(&one.body)),
        ([one], None) if one.method == "PATCH" => Outcome::Patch(
            one.content_type.clone().unwrap_or_default(),
            parse(&one.body),
        ),
        (sent, error) => Outcome::Failed(format!(
            "{} requests ({}), error: {}",
            sent.len(),
            sent.iter()
                .map(|r| r.method.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            error.unwrap_or_default()
        )),
    }
}

/// patchlaw's outcome for `case`, and its plan when it has one.
fn patchlaw_outcome(case: &Case) -> (Outcome, Option<Plan>) {
    let schema = Schema::builtin_for(&case.apply.modified);
    let options = PlanOptions::new()
        .overwrite(case.apply.overwrite)
        .namespace(Some("default"));
    match plan(
        &case.apply.modified,
        case.apply.current.as_ref(),
        schema.as_ref(),
        options,
    ) {
        Ok(plan) => {
            let outcome = match plan.action {
                Action::Create => Outcome::Create(plan.body.clone()),
                Action::Patch(patch_type) => {
                    Outcome::Patch(patch_type.content_type().to_owned(), plan.body.clone())
                }
                Action::Unchanged => Outcome::Unchanged,
                other => Outcome::Failed(format!("an action this test does not know: {other:?}")),
            };
            (outcome, Some(plan))
        }
        Err(e) if e.kind() == ErrorKind::Conflict => (Outcome::Refused(e.to_string()), None),
        Err(e) => (Outcome::Failed(format!("{} ({e})", e.kind().code())), None),
    }
}

// ---------------------------------------------------------------------------
// Judging

#[derive(Default)]
struct Tally {
    kinds: BTreeMap<String, usize>,
    overwrite: BTreeMap<bool, usize>,
    outcomes: BTreeMap<&'static str, usize>,
    /// Cases where the plan (with `--overwrite`) overwrites another
    /// writer's change, and how many such places.
    conflicted: usize,
    conflicts: usize,
    directives: BTreeMap<&'static str, usize>,
    failures: Vec<Failure>,
}

struct Failure {
    why: String,
    case: ApplyCase,
    name: String,
    kubectl: Outcome,
    patchlaw: Outcome,
}

impl Tally {
    fn add(&mut self, case: &Case, theirs: Outcome) {
        *self.kinds.entry(case.kind.clone()).or_default() += 1;
        *self.overwrite.entry(case.apply.overwrite).or_default() += 1;
        let (ours, plan) = patchlaw_outcome(case);
        if let Some(plan) = &plan {
            if !plan.conflicts.is_empty() {
                self.conflicted += 1;
                self.conflicts += plan.conflicts.len();
            }
        }
        if let Outcome::Patch(_, body) = &theirs {
            count_directives(body, &mut self.directives);
        }
        match judge(case, &theirs, &ours, plan.as_ref()) {
            Ok(what) => *self.outcomes.entry(what).or_default() += 1,
            Err(why) => self.failures.push(Failure {
                why,
                case: case.apply.clone(),
                name: case.name.clone(),
                kubectl: theirs,
                patchlaw: ours,
            }),
        }
    }

    fn print(&self, cases: usize, runs: usize, threads: usize, seconds: f64) {
        println!(
            "kubectl apply differential: {cases} cases in {runs} kubectl runs ({threads} threads, \
             {seconds:.1} s): {} agree, {} disagree",
            cases - self.failures.len(),
            self.failures.len()
        );
        println!("cases by kind: {:?}", self.kinds);
        println!("cases by --overwrite: {:?}", self.overwrite);
        println!("agreed outcomes: {:?}", self.outcomes);
        println!(
            "conflicts (patchlaw's plan with --overwrite): {} cases, {} places",
            self.conflicted, self.conflicts
        );
        println!("kubectl patches containing each directive:");
        for (directive, count) in &self.directives {
            println!("  {count:5}  {directive}");
        }
    }
}

/// The name of an agreed outcome, or why the two sides disagree.
fn judge(
    case: &Case,
    theirs: &Outcome,
    ours: &Outcome,
    plan: Option<&Plan>,
) -> Result<&'static str, String> {
    let live_text = case
        .apply
        .current
        .as_ref()
        .and_then(|live| live.pointer(&annotation_pointer()))
        .and_then(Value::as_str);
    let same_text = |body: &Value| -> Result<(), String> {
        let text = body
            .pointer(&annotation_pointer())
            .and_then(Value::as_str)
            .or(live_text);
        let ours = plan.map(|p| p.last_applied.as_str());
        if text == ours {
            Ok(())
        } else {
            Err(format!(
                "the last-applied annotations differ: kubectl {text:?}, patchlaw {ours:?}"
            ))
        }
    };
    match (theirs, ours) {
        (Outcome::Create(a), Outcome::Create(b)) if equal(a, b) => same_text(a).map(|()| "created"),
        (Outcome::Patch(ta, a), Outcome::Patch(tb, b)) if equal(a, b) => {
            if ta != tb {
                return Err(format!("Content-Type: kubectl {ta}, patchlaw {tb}"));
            }
            same_text(a)?;
            Ok(if ta.contains("strategic") {
                "patched (strategic)"
            } else {
                "patched (merge)"
            })
        }
        (Outcome::Unchanged, Outcome::Unchanged) => same_text(&json!({})).map(|()| "unchanged"),
        (Outcome::Refused(_), Outcome::Refused(_)) => Ok("refused (conflict)"),
        (Outcome::Failed(error), Outcome::Refused(_)) if lookup_failure(case, error) => {
            Ok("refused (conflict; kubectl failed first on $deleteFromPrimitiveList)")
        }
        // Kubernetes indexes past the end of a list in `slicesHaveConflicts`
        // where patchlaw sees a conflict; in Go's random map order it may
        // find another conflict first.
        (Outcome::Crashed(panic), Outcome::Refused(_))
            if panic.contains("strategicpatch.slicesHaveConflicts") =>
        {
            Ok("refused (conflict; kubectl crashed in its check)")
        }
        (Outcome::Failed(_), Outcome::Failed(_)) => Ok("failed on both sides"),
        _ => Err(format!("{} against {}", theirs.name(), ours.name())),
    }
}

/// Whether kubectl's `error` is the failure of its conflict check on a
/// `$deleteFromPrimitiveList/<f>` of the patch (it looks the directive up
/// as a field) and patchlaw's patch for the case has that directive too.
///
/// Kubernetes walks the patch in Go's random map order and stops at the
/// first conflict or failure, so a patch with both is refused either way
/// from run to run; patchlaw reports the conflicts.
fn lookup_failure(case: &Case, error: &str) -> bool {
    let Some(at) = error.find("for the json field \"$deleteFromPrimitiveList/") else {
        return false;
    };
    let directive = error[at..].split('"').nth(1).unwrap_or_default();
    let schema = Schema::builtin_for(&case.apply.modified);
    let options = PlanOptions::new().namespace(Some("default"));
    let patch = plan(
        &case.apply.modified,
        case.apply.current.as_ref(),
        schema.as_ref(),
        options,
    );
    patch.is_ok_and(|p| has_member(&p.body, directive))
}

/// Whether `value` has a member `name` at any depth.
fn has_member(value: &Value, name: &str) -> bool {
    match value {
        Value::Object(members) => {
            members.contains_key(name) || members.values().any(|v| has_member(v, name))
        }
        Value::Array(items) => items.iter().any(|v| has_member(v, name)),
        _ => false,
    }
}

fn annotation_pointer() -> String {
    format!(
        "/metadata/annotations/{}",
        LAST_APPLIED_ANNOTATION.replace('/', "~1")
    )
}

impl Outcome {
    fn name(&self) -> &'static str {
        match self {
            Outcome::Create(_) => "create",
            Outcome::Patch(..) => "patch",
            Outcome::Unchanged => "unchanged",
            Outcome::Refused(_) => "refused",
            Outcome::Crashed(_) => "crash",
            Outcome::Failed(_) => "error",
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Outcome::Create(body) => json!({"create": body}),
            Outcome::Patch(content_type, body) => {
                json!({"patch": body, "contentType": content_type})
            }
            Outcome::Unchanged => json!("unchanged"),
            Outcome::Refused(why) => json!({"refused": why}),
            Outcome::Crashed(panic) => json!({"crashed": panic}),
            Outcome::Failed(why) => json!({"error": why}),
        }
    }
}

impl Failure {
    fn to_json(&self) -> Value {
        json!({"why": self.why, "name": self.name, "overwrite": self.case.overwrite,
            "original": self.case.original, "modified": self.case.modified,
            "current": self.case.current,
            "kubectl": self.kubectl.to_json(), "patchlaw": self.patchlaw.to_json()})
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or("(none)".to_owned(), Value::to_string);
        writeln!(
            f,
            "--- {}: {} (overwrite {})",
            self.name, self.why, self.case.overwrite
        )?;
        writeln!(f, "original: {}", show(&self.case.original))?;
        writeln!(f, "modified: {}", self.case.modified)?;
        writeln!(f, "current:  {}", show(&self.case.current))?;
        writeln!(f, "kubectl:  {}", self.kubectl.to_json())?;
        write!(f, "patchlaw: {}", self.patchlaw.to_json())
    }
}
