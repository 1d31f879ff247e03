#!/usr/bin/env python3
# capture.py DIR PORT: a logging stub apiserver for recording what kubectl
# and helm send.  It answers discovery with the kinds the typed clients
# create, and every POST/PUT with a minimal JSON echo; each request body
# is saved as DIR/<n>-<method>-<resource>.bin with its headers beside it.
# How the files in tests/data/proto/ were made (see README there).
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OUT, PORT = sys.argv[1], int(sys.argv[2])
os.makedirs(OUT, exist_ok=True)
counter = [0]
lock = threading.Lock()

CORE = [("namespaces", "Namespace", False), ("secrets", "Secret", True),
        ("configmaps", "ConfigMap", True), ("services", "Service", True),
        ("serviceaccounts", "ServiceAccount", True), ("pods", "Pod", True),
        ("resourcequotas", "ResourceQuota", True),
        ("persistentvolumeclaims", "PersistentVolumeClaim", True)]
GROUPS = {
    "apps/v1": [("deployments", "Deployment", True), ("statefulsets", "StatefulSet", True)],
    "batch/v1": [("jobs", "Job", True), ("cronjobs", "CronJob", True)],
    "rbac.authorization.k8s.io/v1": [("roles", "Role", True), ("rolebindings", "RoleBinding", True)],
    "networking.k8s.io/v1": [("ingresses", "Ingress", True)],
    "policy/v1": [("poddisruptionbudgets", "PodDisruptionBudget", True)],
}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]

def rlist(gv, res):
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
            "resources": [{"name": r, "singularName": k.lower(), "namespaced": ns,
                           "kind": k, "verbs": VERBS} for r, k, ns in res]}

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_body(self, body):
        with lock:
            counter[0] += 1
            n = counter[0]
        res = self.path.split("?")[0].rstrip("/").split("/")[-1]
        base = os.path.join(OUT, "%03d-%s-%s" % (n, self.command, res))
        with open(base + ".bin", "wb") as f:
            f.write(body)
        with open(base + ".txt", "w") as f:
            f.write("%s %s\n%s" % (self.command, self.path, self.headers))
    def do_GET(self):
        p = self.path.split("?")[0]
        if p == "/version":
            return self.reply(200, {"major": "1", "minor": "34", "gitVersion": "v1.34.0",
                                    "platform": "linux/amd64"})
        if p == "/api":
            return self.reply(200, {"kind": "APIVersions", "versions": ["v1"]})
        if p == "/apis":
            return self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": gv.split("/")[0], "versions": [{"groupVersion": gv, "version": "v1"}],
                 "preferredVersion": {"groupVersion": gv, "version": "v1"}} for gv in GROUPS]})
        if p == "/api/v1":
            return self.reply(200, rlist("v1", CORE))
        for gv, res in GROUPS.items():
            if p == "/apis/" + gv:
                return self.reply(200, rlist(gv, res))
        if p.startswith("/openapi/v2"):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        parts = p.strip("/").split("/")
        known = [r for r, _, _ in CORE] + [r for res in GROUPS.values() for r, _, _ in res]
        objs = os.environ.get("CAPTURE_OBJECTS")  # a JSON list served back
        if objs and os.path.exists(objs):
            items = json.load(open(objs))
            for it in items:
                if parts[-1] == it["metadata"]["name"]:
                    return self.reply(200, it)
            if parts[-1] == "secrets":
                return self.reply(200, {"kind": "SecretList", "apiVersion": "v1",
                                        "metadata": {"resourceVersion": "1"}, "items": items})
        if parts[-1] in known:  # a collection: empty
            return self.reply(200, {"kind": "List", "apiVersion": "v1",
                                    "metadata": {"resourceVersion": "1"}, "items": []})
        self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                         "reason": "NotFound", "code": 404, "message": "not found"})
    def write(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        self.log_body(body)
        parts = self.path.split("?")[0].strip("/").split("/")
        name = parts[-1] if self.command in ("PUT", "PATCH", "DELETE") else "x"
        self.reply(201 if self.command == "POST" else 200,
                   {"kind": "Status", "apiVersion": "v1", "metadata": {"name": name},
                    "status": "Success"})
    do_POST = do_PUT = do_PATCH = do_DELETE = write
    def log_message(self, *a):
        pass

ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
