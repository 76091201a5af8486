#!/usr/bin/env python3
"""A tiny fake Kubernetes API server, just enough for `kubectl edit` and
client-side `kubectl apply`.

kubectl computes its patches on the client: `kubectl edit` a two-way
strategic merge patch (apimachinery's `CreateTwoWayMergePatch`) between the
object it fetched and the edited one, `kubectl apply` a three-way patch
from the last-applied annotation, the file and the live object (strategic
for the built-in kinds, RFC 7396 for custom resources), or the object to
create. This server records what kubectl sends so that a test can compare
it with its own computation.

It binds 127.0.0.1 on a free port, prints the port as its first line of
output, and exits when its standard input closes or its lifetime (first
argument, seconds; default 300) is over. It opens no other connection.

Served (everything else is a 404 `Status`):

- discovery: `/version`, `/api`, `/apis`, `/api/v1` (pods, services, configmaps,
  namespaces), `/apis/apps/v1` (deployments) and `/apis/example.com/v1`
  (widgets, a custom resource), in the legacy format; the
  aggregated-discovery `Accept` headers are ignored, and kubectl falls back
  to the legacy documents when the `Content-Type` is plain JSON;
- `/openapi/v2`, `/openapi/v3`: 404 (kubectl then uses the Go structs'
  patch metadata for built-in kinds and RFC 7396 merge patches for the
  custom resource; run it with `--validate=false`);
- GET and PATCH of `pods`, `services`, `deployments`, `widgets` in any
  namespace, and POST (create) to their collections. Each PATCH and POST
  is recorded under `<resource>/<namespace>/<name>` with its method,
  `Content-Type` and body text. A PATCH is answered with the stored object,
  unchanged; a POST with the object sent, which is not stored (so that
  every object a test stores is applied to once, as it stored it);
- control: `PUT /_control/objects` with a JSON list of objects adds them
  (replacing those with the same resource, namespace and name);
  `GET /_control/requests` returns `{key: [{"method", "contentType",
  "body"}, ...]}` and forgets them; `DELETE /_control/objects` forgets
  every object and request.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RESOURCES = {
    # resource: (group version, kind, short names)
    "pods": ("v1", "Pod", ["po"]),
    "services": ("v1", "Service", ["svc"]),
    "configmaps": ("v1", "ConfigMap", ["cm"]),
    "namespaces": ("v1", "Namespace", ["ns"]),
    "deployments": ("apps/v1", "Deployment", ["deploy"]),
    "widgets": ("example.com/v1", "Widget", ["wd"]),
}
KIND_TO_RESOURCE = {kind: res for res, (_, kind, _) in RESOURCES.items()}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]

LOCK = threading.Lock()
OBJECTS = {}  # "<resource>/<namespace>/<name>" -> object
REQUESTS = {}  # same key -> [{"method", "contentType", "body"}]


def resource_list(group_version):
    resources = []
    for name, (gv, kind, short) in sorted(RESOURCES.items()):
        if gv != group_version:
            continue
        resources.append(
            {
                "name": name,
                "singularName": kind.lower(),
                "namespaced": name != "namespaces",
                "kind": kind,
                "verbs": VERBS,
                "shortNames": short,
            }
        )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


def discovery(path, port):
    if path == "/version":
        return {
            "major": "1",
            "minor": "32",
            "gitVersion": "v1.32.0",
            "platform": "linux/amd64",
        }
    if path == "/api":
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:%d" % port}
            ],
        }
    if path == "/apis":
        groups = []
        for group_version in sorted({gv for gv, _, _ in RESOURCES.values() if "/" in gv}):
            version = {"groupVersion": group_version, "version": group_version.split("/")[1]}
            groups.append(
                {
                    "name": group_version.split("/")[0],
                    "versions": [version],
                    "preferredVersion": version,
                }
            )
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
    if path == "/api/v1":
        return resource_list("v1")
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "apis":
        group_version = parts[1] + "/" + parts[2]
        if any(gv == group_version for gv, _, _ in RESOURCES.values()):
            return resource_list(group_version)
    return None


def resource_path(path):
    """`(resource, namespace, name)` for an object path, `(resource,
    namespace, None)` for a collection path, else None."""
    parts = path.strip("/").split("/")
    if parts[:2] == ["api", "v1"]:
        rest, group_version = parts[2:], "v1"
    elif len(parts) >= 3 and parts[0] == "apis":
        rest, group_version = parts[3:], parts[1] + "/" + parts[2]
    else:
        return None
    if len(rest) not in (3, 4) or rest[0] != "namespaces":
        return None
    resource = rest[2]
    if RESOURCES.get(resource, ("",))[0] != group_version:
        return None
    return (resource, rest[1], rest[3] if len(rest) == 4 else None)


def object_key(path):
    """`<resource>/<namespace>/<name>` for an object path, else None."""
    found = resource_path(path)
    if found is None or found[2] is None:
        return None
    return "/".join(found)


def status(code, reason, message):
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle's
    # algorithm and delayed ACKs add 40 ms to many requests.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, code, document):
        body = json.dumps(document).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length)

    def path_only(self):
        return self.path.split("?", 1)[0]

    def not_found(self):
        self.reply(404, status(404, "NotFound", "%s not found" % self.path_only()))

    def do_GET(self):
        path = self.path_only()
        if path == "/_control/requests":
            with LOCK:
                requests = dict(REQUESTS)
                REQUESTS.clear()
            return self.reply(200, requests)
        document = discovery(path, self.server.server_address[1])
        if document is not None:
            return self.reply(200, document)
        key = object_key(path)
        with LOCK:
            found = OBJECTS.get(key)
        if found is None:
            return self.not_found()
        self.reply(200, found)

    def record(self, key, text):
        request = {
            "method": self.command,
            "contentType": self.headers.get("Content-Type"),
            "body": text,
        }
        REQUESTS.setdefault(key, []).append(request)

    def do_PATCH(self):
        key = object_key(self.path_only())
        text = self.body().decode()
        with LOCK:
            found = OBJECTS.get(key)
            if found is not None:
                self.record(key, text)
        if found is None:
            return self.not_found()
        self.reply(200, found)

    def do_POST(self):
        found = resource_path(self.path_only())
        text = self.body().decode()
        if found is None or found[2] is not None:
            return self.not_found()
        try:
            created = json.loads(text)
            name = created["metadata"]["name"]
        except (ValueError, KeyError, TypeError):
            return self.reply(400, status(400, "BadRequest", "not an object with a name"))
        with LOCK:
            self.record("%s/%s/%s" % (found[0], found[1], name), text)
        self.reply(201, created)

    def do_PUT(self):
        if self.path_only() != "/_control/objects":
            return self.not_found()
        added = []
        for obj in json.loads(self.body()):
            resource = KIND_TO_RESOURCE[obj["kind"]]
            meta = obj["metadata"]
            key = "%s/%s/%s" % (resource, meta.get("namespace", "default"), meta["name"])
            added.append((key, obj))
        with LOCK:
            OBJECTS.update(added)
        self.reply(200, {"added": len(added)})

    def do_DELETE(self):
        if self.path_only() != "/_control/objects":
            return self.not_found()
        with LOCK:
            OBJECTS.clear()
            REQUESTS.clear()
        self.reply(200, {})


def main():
    lifetime = float(sys.argv[1]) if len(sys.argv) > 1 else 300.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)

    def stop():
        server.shutdown()

    def watch_stdin():
        sys.stdin.read()
        stop()

    threading.Thread(target=watch_stdin, daemon=True).start()
    timer = threading.Timer(lifetime, stop)
    timer.daemon = True
    timer.start()
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
