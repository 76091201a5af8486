//! `patchlaw plan -f DESIRED --live LIVE`: `kubectl apply --dry-run=client`
//! without a cluster.

use patchlaw::json_patch;
use patchlaw::three_way::{self, Action, Conflict, PatchType, Plan, PlanOptions, Step};
use patchlaw::PointerBuf;
use serde_json::{json, Map, Value};

use crate::args::{Encoding, PlanArgs, PlanOutput};
use crate::failure::Failure;
use crate::schema::{self, OpenApi};
use crate::{document, human, Output, Status};

/// Plans every desired object; [`Status::Different`] when one would be
/// created or patched, [`Status::Trouble`] when one cannot be planned
/// (said on stderr, the others planned all the same).
pub(crate) fn run(args: &PlanArgs, out: &mut Output) -> Result<Status, Failure> {
    let desired = objects(&args.desired)?;
    let live = objects(&args.live)?;
    let openapi = OpenApi::load(args.schema.schema.as_deref())?;
    let mut status = Status::Same;
    let mut failed = false;
    let mut records = Vec::new();
    for object in &desired {
        let id = Identity::of(object, &args.namespace)?;
        let live_object = live.iter().find(|l| {
            Identity::of(l, &args.namespace).is_ok_and(|live_id| live_id.same_object(&id))
        });
        let options = PlanOptions::new()
            .annotation(&args.annotation)
            .overwrite(args.overwrite)
            .namespace(id.namespace.as_deref());
        let planned = schema::for_object(object, openapi.as_ref()).and_then(|schema| {
            three_way::plan(object, live_object, schema.as_ref(), options)
                .map_err(|e| failure(&id, &e, &args.annotation))
        });
        match planned {
            Ok(plan) => {
                if plan.action != Action::Unchanged {
                    status = Status::Different;
                }
                match args.output {
                    PlanOutput::Human => {
                        out.write(&human_view(&id, &plan, live_object, &args.annotation))
                    }
                    PlanOutput::Json | PlanOutput::Yaml => records.push(record(&id, &plan)),
                }
            }
            Err(f) => {
                failed = true;
                out.say(&f.to_string());
                if args.output != PlanOutput::Human {
                    let mut r = id.to_json();
                    r["error"] = json!(f.to_string());
                    records.push(r);
                }
            }
        }
    }
    match args.output {
        PlanOutput::Human => {}
        PlanOutput::Json => out.write(&document::render(&[Value::Array(records)], Encoding::Json)),
        PlanOutput::Yaml => out.write(&document::render(&records, Encoding::Yaml)),
    }
    Ok(if failed { Status::Trouble } else { status })
}

/// Which object: apiVersion, kind, namespace (none for cluster-scoped
/// kinds) and name.
#[derive(Debug)]
struct Identity {
    api_version: String,
    kind: String,
    namespace: Option<String>,
    name: String,
}

impl Identity {
    /// `object`'s identity, its namespace filled with `default_namespace`
    /// for namespaced kinds as kubectl fills it.
    fn of(object: &Value, default_namespace: &str) -> Result<Identity, Failure> {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
        let api_version = text(object.get("apiVersion"));
        let kind = text(object.get("kind"));
        let metadata = object.get("metadata");
        let name = text(metadata.and_then(|m| m.get("name")));
        if api_version.is_empty() || kind.is_empty() || name.is_empty() {
            return Err(Failure::new(format!(
                "an object without apiVersion, kind or metadata.name: {}",
                truncated(object)
            )));
        }
        let namespace = match text(metadata.and_then(|m| m.get("namespace"))) {
            ns if !ns.is_empty() => Some(ns),
            _ if cluster_scoped(&api_version, &kind) => None,
            _ => Some(default_namespace.to_owned()),
        };
        Ok(Identity {
            api_version,
            kind,
            namespace,
            name,
        })
    }

    /// Whether both name the same object: the same group (a live object
    /// may be served in another version, which kubectl's preconditions
    /// then refuse), kind, namespace and name.
    fn same_object(&self, other: &Identity) -> bool {
        let group = |id: &Identity| {
            id.api_version
                .rsplit_once('/')
                .map_or("", |(g, _)| g)
                .to_owned()
        };
        group(self) == group(other)
            && self.kind == other.kind
            && self.namespace == other.namespace
            && self.name == other.name
    }

    fn to_json(&self) -> Value {
        json!({"apiVersion": self.api_version, "kind": self.kind,
            "namespace": self.namespace, "name": self.name})
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ", self.api_version, self.kind)?;
        if let Some(ns) = &self.namespace {
            write!(f, "{ns}/")?;
        }
        f.write_str(&self.name)
    }
}

/// The kinds Kubernetes serves without a namespace (kubectl learns it from
/// discovery; offline, custom resources count as namespaced).
fn cluster_scoped(api_version: &str, kind: &str) -> bool {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    matches!(
        (group, kind),
        (
            "",
            "Namespace" | "Node" | "PersistentVolume" | "ComponentStatus"
        ) | (
            "rbac.authorization.k8s.io",
            "ClusterRole" | "ClusterRoleBinding"
        ) | (
            "storage.k8s.io",
            "StorageClass" | "CSIDriver" | "CSINode" | "VolumeAttachment"
        ) | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | ("apiregistration.k8s.io", "APIService")
            | ("scheduling.k8s.io", "PriorityClass")
            | ("networking.k8s.io", "IngressClass")
            | ("node.k8s.io", "RuntimeClass")
            | ("certificates.k8s.io", "CertificateSigningRequest")
            | (
                "admissionregistration.k8s.io",
                "MutatingWebhookConfiguration"
                    | "ValidatingWebhookConfiguration"
                    | "ValidatingAdmissionPolicy"
                    | "ValidatingAdmissionPolicyBinding"
            )
            | (
                "flowcontrol.apiserver.k8s.io",
                "FlowSchema" | "PriorityLevelConfiguration"
            )
    )
}

/// Every object of the files and directories named, `List`s unpacked.
fn objects(arguments: &[String]) -> Result<Vec<Value>, Failure> {
    let mut objects = Vec::new();
    for argument in arguments {
        for file in document::files(argument)? {
            for doc in document::read(&file)?.documents {
                unpack(doc, &mut objects);
            }
        }
    }
    Ok(objects)
}

fn unpack(doc: Value, objects: &mut Vec<Value>) {
    let is_list = doc
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && doc.get("items").is_some_and(Value::is_array);
    match doc {
        Value::Object(mut members) if is_list => {
            if let Some(Value::Array(items)) = members.remove("items") {
                items.into_iter().for_each(|item| unpack(item, objects));
            }
        }
        doc => objects.push(doc),
    }
}

/// The failure of one object's plan: with its conflicts, when they are
/// the cause, as the human view shows them.
fn failure(id: &Identity, error: &patchlaw::Error, annotation: &str) -> Failure {
    if error.conflicts().is_empty() {
        return Failure::patchlaw(&id.to_string(), error, None);
    }
    let conflicts: Vec<String> = error
        .conflicts()
        .iter()
        .map(|c| conflict_text(c, annotation))
        .collect();
    Failure::new(format!(
        "{id}: {}: the apply would overwrite other writers' values (--overwrite=false): {}",
        error.kind().code(),
        conflicts.join("; ")
    ))
}

/// The plan as data, for `-o json` and `-o yaml`.
fn record(id: &Identity, plan: &Plan) -> Value {
    let mut r = id.to_json();
    let (action, patch_type) = match plan.action {
        Action::Create => ("create", None),
        Action::Patch(t) => ("patch", Some(t)),
        _ => ("unchanged", None),
    };
    let fields: Map<String, Value> = [
        ("action", json!(action)),
        ("patchType", json!(patch_type.map(patch_type_name))),
        (
            "contentType",
            json!(patch_type.map(PatchType::content_type)),
        ),
        ("body", plan.body.clone()),
        (
            "conflicts",
            Value::Array(plan.conflicts.iter().map(Conflict::to_json).collect()),
        ),
        ("lastApplied", json!(plan.last_applied)),
        ("result", plan.result.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Value::Object(members) = &mut r {
        members.extend(fields);
    }
    r
}

fn patch_type_name(t: PatchType) -> &'static str {
    match t {
        PatchType::Strategic => "strategic",
        _ => "merge",
    }
}

/// The plan for a person: the action, the patch, the conflicts and what
/// changes on the live object. The last-applied annotation, which every
/// changed configuration rewrites, is left out of the conflicts and
/// changes, and its new value is elided in the patch (`-o yaml` shows it).
fn human_view(id: &Identity, plan: &Plan, live: Option<&Value>, annotation: &str) -> String {
    let action = match plan.action {
        Action::Create => "create".to_owned(),
        Action::Patch(t) => format!("patch ({})", t.content_type()),
        _ => "unchanged".to_owned(),
    };
    let mut out = format!("{}: {action}\n", human::heading(&id.to_string()));
    if plan.action == Action::Unchanged {
        return out;
    }
    let mut body = plan.body.clone();
    if let Some(text) = body
        .pointer_mut(&annotation_pointer(annotation))
        .filter(|v| v.is_string())
    {
        *text = json!("(the new last-applied configuration)");
    }
    let body = indented(&crate::yaml::to_string(&body), "    ");
    let Some(live) = live else {
        out.push_str(&format!("  object:\n{body}"));
        return out;
    };
    out.push_str(&format!("  patch:\n{body}"));
    let conflicts: Vec<&Conflict> = plan
        .conflicts
        .iter()
        .filter(|c| !is_annotation(c, annotation))
        .collect();
    if !conflicts.is_empty() {
        out.push_str("  overwrites other writers' values:\n");
        for c in conflicts {
            out.push_str(&format!(
                "    {}\n",
                human::note(&conflict_text(c, annotation))
            ));
        }
    }
    out.push_str("  changes to the live object:\n");
    let skip = annotation_pointer(annotation);
    if let Ok(changes) = json_patch::diff(live, &plan.result) {
        let changes = changes
            .into_operations()
            .into_iter()
            .filter(|op| op.path().to_string() != skip)
            .collect();
        out.push_str(&human::changes(live, &changes, "    "));
    }
    out
}

/// Whether `c` is about the last-applied annotation itself.
fn is_annotation(c: &Conflict, annotation: &str) -> bool {
    c.path()
        == [
            Step::member("metadata"),
            Step::member("annotations"),
            Step::member(annotation),
        ]
}

fn annotation_pointer(annotation: &str) -> String {
    PointerBuf::from_tokens(["metadata", "annotations", annotation]).to_string()
}

fn indented(text: &str, indent: &str) -> String {
    text.lines()
        .map(|line| format!("{indent}{line}\n"))
        .collect()
}

fn conflict_text(c: &Conflict, annotation: &str) -> String {
    let shown = |v: Option<&Value>| v.map_or_else(|| "(none)".to_owned(), truncated);
    let path = Step::display(c.path());
    if is_annotation(c, annotation) {
        // Never in the original it is read from, so every changed
        // configuration "overwrites" it.
        return format!("{path}: the last-applied configuration, rewritten");
    }
    format!(
        "{path}: live {}, last applied {}, now {}",
        shown(c.current()),
        shown(c.original()),
        shown(c.modified())
    )
}

fn truncated(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}
