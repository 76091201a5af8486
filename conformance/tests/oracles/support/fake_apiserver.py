#!/usr/bin/env python3
"""A tiny fake Kubernetes API server, just enough for `kubectl edit`.

kubectl computes a two-way strategic merge patch (apimachinery's
`CreateTwoWayMergePatch`) between the object it fetched and the edited one
and sends it as a PATCH; this server records those bodies so that a test
can compare them with its own diff.

It binds 127.0.0.1 on a free port, prints the port as its first line of
output, and exits when its standard input closes or its lifetime (first
argument, seconds; default 300) is over. It opens no other connection.

Served (everything else is a 404 `Status`):

- discovery: `/version`, `/api`, `/apis`, `/api/v1` (pods, services,
  namespaces) and `/apis/apps/v1` (deployments), in the legacy format; the
  aggregated-discovery `Accept` headers are ignored, and kubectl falls back
  to the legacy documents when the `Content-Type` is plain JSON;
- `/openapi/v2`, `/openapi/v3`: 404 (kubectl then uses the Go structs'
  patch metadata for built-in kinds; run it with `--validate=false`);
- GET and PATCH of `pods`, `services`, `deployments` in any namespace. A
  PATCH's body is recorded as text under `<resource>/<namespace>/<name>`;
  the reply is the stored object, unchanged;
- control: `PUT /_control/objects` with a JSON list of objects adds them
  (replacing those with the same resource, namespace and name);
  `GET /_control/patches` returns `{key: [body text, ...]}` and forgets
  them; `DELETE /_control/objects` forgets every object and patch.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RESOURCES = {
    # resource: (group version, kind, short names)
    "pods": ("v1", "Pod", ["po"]),
    "services": ("v1", "Service", ["svc"]),
    "namespaces": ("v1", "Namespace", ["ns"]),
    "deployments": ("apps/v1", "Deployment", ["deploy"]),
}
KIND_TO_RESOURCE = {kind: res for res, (_, kind, _) in RESOURCES.items()}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]

LOCK = threading.Lock()
OBJECTS = {}  # "<resource>/<namespace>/<name>" -> object
PATCHES = {}  # same key -> [body text]


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
        apps = {"groupVersion": "apps/v1", "version": "v1"}
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [{"name": "apps", "versions": [apps], "preferredVersion": apps}],
        }
    if path == "/api/v1":
        return resource_list("v1")
    if path == "/apis/apps/v1":
        return resource_list("apps/v1")
    return None


def object_key(path):
    """`<resource>/<namespace>/<name>` for an object path, else None."""
    parts = path.strip("/").split("/")
    if parts[:2] == ["api", "v1"]:
        rest, group_version = parts[2:], "v1"
    elif parts[:3] == ["apis", "apps", "v1"]:
        rest, group_version = parts[3:], "apps/v1"
    else:
        return None
    if len(rest) != 4 or rest[0] != "namespaces":
        return None
    resource = rest[2]
    if RESOURCES.get(resource, ("",))[0] != group_version:
        return None
    return "%s/%s/%s" % (resource, rest[1], rest[3])


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
        if path == "/_control/patches":
            with LOCK:
                patches = dict(PATCHES)
                PATCHES.clear()
            return self.reply(200, patches)
        document = discovery(path, self.server.server_address[1])
        if document is not None:
            return self.reply(200, document)
        key = object_key(path)
        with LOCK:
            found = OBJECTS.get(key)
        if found is None:
            return self.not_found()
        self.reply(200, found)

    def do_PATCH(self):
        key = object_key(self.path_only())
        text = self.body().decode()
        with LOCK:
            found = OBJECTS.get(key)
            if found is not None:
                PATCHES.setdefault(key, []).append(text)
        if found is None:
            return self.not_found()
        self.reply(200, found)

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
            PATCHES.clear()
        self.reply(200, {})

    def do_POST(self):
        self.body()
        self.not_found()


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
