"""patchlaw-conformance adapter (conformance/PROTOCOL.md) for kubectl
v1.32's strategic merge patch: `kubectl patch --local` on a file, with an
empty kubeconfig (no server).

kubectl patches locally only the kinds it has Go types for, so only the
`{"builtin": "<apiVersion>/<kind>"}` schema is supported; an OpenAPI schema
is answered `unsupported`. kubectl needs `apiVersion`, `kind` and
`metadata.name` in the object: where the document lacks them, the adapter
adds them (from the schema's kind) and takes them out of the result.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

KUBECTL = os.environ["PATCHLAW_KUBECTL"]
SCRATCH = tempfile.mkdtemp(prefix="patchlaw-kubectl-adapter-")
KUBECONFIG = os.path.join(SCRATCH, "kubeconfig")
open(KUBECONFIG, "w").close()

# (pattern of kubectl's message, code), first match wins.
CODES = [
    (r"does not contain declared merge key", "missing-merge-key"),
    (r"unable to find api field", "unknown-field"),
    (r"not struct|expected slice or array type|cannot unmarshal|cannot restore", "type-mismatch"),
    (r"\$patch|directive|retainKeys|setElementOrder|deleteFromPrimitiveList", "invalid-directive"),
]


class Unsupported(Exception):
    pass


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
                raise ValueError(code, message)
        raise ValueError("invalid-patch", message)
    result = json.loads(done.stdout)
    for name in added:
        if name == "metadata.name":
            result.get("metadata", {}).pop("name", None)
        else:
            result.pop(name, None)
    return result


OPS = {"strategic.apply": strategic_apply}


def respond(request):
    seq = request.get("seq")
    if request.get("cmd") == "start":
        return {
            "protocol": 1,
            "implementation": {
                "name": "kubectl",
                "language": "go",
                "version": kubectl_version(),
                "homepage": "https://kubernetes.io/docs/reference/kubectl/",
            },
            "capabilities": list(OPS),
        }
    op = OPS.get(request.get("op"))
    if op is None:
        return {"seq": seq, "unsupported": True, "message": "unknown op"}
    try:
        return {"seq": seq, "result": op(request["args"])}
    except Unsupported as why:
        return {"seq": seq, "unsupported": True, "message": str(why)}
    except ValueError as failure:
        code, message = failure.args
        return {"seq": seq, "error": {"code": code, "message": message}}
    except Exception as failure:
        return {"seq": seq, "errored": True, "message": "%s: %s" % (type(failure).__name__, failure)}


for line in sys.stdin.buffer:
    try:
        request = json.loads(line)
    except ValueError as failure:
        print(json.dumps({"seq": None, "errored": True, "message": str(failure)}), flush=True)
        continue
    if request.get("cmd") == "stop":
        break
    print(json.dumps(respond(request)), flush=True)
