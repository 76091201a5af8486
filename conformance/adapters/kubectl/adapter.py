"""patchlaw-conformance adapter (conformance/PROTOCOL.md) for kubectl
v1.32's strategic merge patch: `kubectl patch --local` on a file, with an
empty kubeconfig (no server), for `strategic.apply`; and the three-way
merge of client-side `kubectl apply`, against the repository's fake API
server (conformance/tests/oracles/support/fake_apiserver.py, started by
this adapter), for `three_way.strategic` and `three_way.merge_patch`.

kubectl computes the three-way patch from the live object (`current`,
whose last-applied annotation holds `original`) and the file (`modified`
without that annotation, which kubectl writes again), and PATCHes it; the
server records the body, which is the answer (`{}` when kubectl sends
nothing). The server serves Pods, Services, ConfigMaps and Deployments,
and `example.com/v1` Widgets (a custom resource: kubectl uses the RFC 7396
three-way for it); other kinds are `unsupported`.

kubectl patches locally only the kinds it has Go types for, so only the
`{"builtin": "<apiVersion>/<kind>"}` schema is supported; an OpenAPI schema
is answered `unsupported`. kubectl needs `apiVersion`, `kind` and
`metadata.name` in the object: where the document lacks them, the adapter
adds them (from the schema's kind) and takes them out of the result.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from serve import Failure, Unsupported, serve  # noqa: E402

KUBECTL = os.environ["PATCHLAW_KUBECTL"]
SCRATCH = tempfile.mkdtemp(prefix="patchlaw-kubectl-adapter-")
KUBECONFIG = os.path.join(SCRATCH, "kubeconfig")
open(KUBECONFIG, "w").close()

# (pattern of kubectl's message, code), first match wins.
CODES = [
    (r"does not contain declared merge key", "missing-merge-key"),
    (r"unable to find api field", "unknown-field"),
    (r"not struct|expected slice or array type|cannot unmarshal|cannot restore", "type-mismatch"),
    (r"\$patch|directive|retainKeys|setElementOrder|deleteFromPrimitiveList|merging lists cannot yet be specified", "invalid-directive"),
]


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
SERVER_SCRIPT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "oracles", "support", "fake_apiserver.py"
)
SERVED = {("v1", "Pod"), ("v1", "Service"), ("v1", "ConfigMap"), ("apps/v1", "Deployment"), ("example.com/v1", "Widget")}


class Server:
    """The fake API server, started on first use; it exits when this
    process ends (its stdin closes)."""

    def __init__(self):
        self.process = None

    def port(self):
        if self.process is None:
            self.process = subprocess.Popen(
                [sys.executable, SERVER_SCRIPT, "3600"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
            self.number = int(self.process.stdout.readline())
            with open(os.path.join(SCRATCH, "server-kubeconfig"), "w") as f:
                f.write(
                    "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://127.0.0.1:%d\n"
                    "contexts:\n- name: fake\n  context:\n    cluster: fake\n    namespace: default\n    user: fake\n"
                    "current-context: fake\nusers:\n- name: fake\n  user: {}\n" % self.number
                )
        return self.number

    def request(self, method, path, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port(), timeout=30)
        data = None if body is None else json.dumps(body)
        connection.request(method, path, body=data, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
        return json.loads(text) if text else None


SERVER = Server()


def three_way(args, strategic):
    original, modified, current = args["original"], args["modified"], args["current"]
    for doc in (modified, current):
        if not isinstance(doc, dict) or (doc.get("apiVersion"), doc.get("kind")) not in SERVED:
            raise Unsupported("the fake API server serves only Pods, Services, ConfigMaps, Deployments and Widgets")
        if not isinstance(doc.get("metadata"), dict) or not isinstance(doc["metadata"].get("name"), str):
            raise Unsupported("kubectl apply needs metadata.name")
    if strategic != (current["kind"] != "Widget"):
        raise Unsupported("kubectl uses the strategic three-way for built-in kinds and RFC 7396 for custom resources")
    live = json.loads(json.dumps(current))
    annotations = live["metadata"].setdefault("annotations", {})
    if original is None:
        annotations.pop(LAST_APPLIED, None)
    else:
        annotations[LAST_APPLIED] = json.dumps(original, separators=(",", ":")) + "\n"
    if not annotations:
        del live["metadata"]["annotations"]
    manifest = json.loads(json.dumps(modified))
    manifest_annotations = manifest["metadata"].get("annotations")
    if isinstance(manifest_annotations, dict):
        manifest_annotations.pop(LAST_APPLIED, None)
    SERVER.request("DELETE", "/_control/objects")
    SERVER.request("PUT", "/_control/objects", [live])
    path = os.path.join(SCRATCH, "manifest.json")
    with open(path, "w") as f:
        json.dump(manifest, f)
    done = subprocess.run(
        [KUBECTL, "apply", "--validate=false", "--cache-dir", os.path.join(SCRATCH, "cache"),
         "--overwrite=%s" % ("true" if args["overwrite"] else "false"), "-f", path],
        capture_output=True, text=True,
        env={"KUBECONFIG": os.path.join(SCRATCH, "server-kubeconfig"), "PATH": os.environ.get("PATH", ""),
             "HOME": SCRATCH},
    )
    requests = SERVER.request("GET", "/_control/requests") or {}
    if done.returncode != 0:
        # kubectl quotes the three documents in its message; the cause
        # comes after them.
        message = done.stderr.strip().rsplit("for:: ", 1)[-1]
        if "conflicts with changes made from original to current" in message:
            raise Failure("conflict", " ".join(message.split()))
        for pattern, code in CODES:
            if re.search(pattern, message):
                raise Failure(code, message)
        if "precondition" in message.lower() or "cannot change" in message.lower():
            raise Failure("precondition-failed", message)
        raise Failure("invalid-patch", message)
    patches = [r for rs in requests.values() for r in rs if r["method"] == "PATCH"]
    if not patches:
        return {}
    return json.loads(patches[-1]["body"])


def kubectl_version():
    out = subprocess.run([KUBECTL, "version", "--client", "-o", "json"], capture_output=True, text=True)
    return json.loads(out.stdout)["clientVersion"]["gitVersion"]


def strategic_apply(args):
    schema = args["schema"]
    if not isinstance(schema, dict) or not isinstance(schema.get("builtin"), str):
        raise Unsupported("kubectl patches locally only with its compiled-in kinds ({\"builtin\": ..})")
    doc = args["doc"]
    if not isinstance(doc, dict):
        raise Unsupported("kubectl patches only objects")
    api_version, kind = schema["builtin"].rsplit("/", 1)
    added = []
    doc = dict(doc)
    if "apiVersion" not in doc:
        doc["apiVersion"] = api_version
        added.append("apiVersion")
    if "kind" not in doc:
        doc["kind"] = kind
        added.append("kind")
    metadata = doc.get("metadata")
    if metadata is None:
        doc["metadata"] = {"name": "patchlaw"}
        added.append("metadata")
    elif isinstance(metadata, dict) and "name" not in metadata:
        doc["metadata"] = dict(metadata, name="patchlaw")
        added.append("metadata.name")
    path = os.path.join(SCRATCH, "object.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    done = subprocess.run(
        [KUBECTL, "patch", "--local", "-f", path, "--type", "strategic",
         "-p", json.dumps(args["patch"]), "-o", "json"],
        capture_output=True, text=True, env={"KUBECONFIG": KUBECONFIG, "PATH": os.environ.get("PATH", "")},
    )
    if done.returncode != 0:
        message = done.stderr.strip()
        for pattern, code in CODES:
            if re.search(pattern, message):
                raise Failure(code, message)
        raise Failure("invalid-patch", message)
    result = json.loads(done.stdout)
    for name in added:
        if name == "metadata.name":
            result.get("metadata", {}).pop("name", None)
        else:
            result.pop(name, None)
    return result


OPS = {
    "strategic.apply": strategic_apply,
    "three_way.strategic": lambda args: three_way(args, True),
    "three_way.merge_patch": lambda args: three_way(args, False),
}


def implementation():
    return {
        "name": "kubectl",
        "language": "go",
        "version": kubectl_version(),
        "homepage": "https://kubernetes.io/docs/reference/kubectl/",
    }


serve(implementation, OPS)
