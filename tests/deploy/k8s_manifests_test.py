#!/usr/bin/env python3
"""Validates k8s/ offline with the real kubectl, and checks every config it ships loads.

kubectl needs an API server for discovery even with --dry-run=client, so this starts a tiny
fake one on loopback that only answers discovery (and 404 for every object, so kubectl
reports "created (dry run)"). Nothing leaves the machine.
Exits non-zero on the first failure; prints one line per check.
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

SOURCE = os.environ.get("TEMPO_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ["TEMPO_BINARY"]
K8S = os.path.join(SOURCE, "k8s")

CORE = [("namespaces", "Namespace", False), ("configmaps", "ConfigMap", True),
        ("services", "Service", True), ("secrets", "Secret", True),
        ("persistentvolumeclaims", "PersistentVolumeClaim", True)]
APPS = [("deployments", "Deployment", True)]


def resource_list(group_version, resources):
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": [{"name": n, "singularName": n[:-1], "namespaced": ns, "kind": k,
                           "verbs": ["create", "get", "list", "patch", "update", "delete"]}
                          for n, k, ns in resources]}


class FakeDiscovery(BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        body = None
        if path == "/api":
            body = {"kind": "APIVersions", "versions": ["v1"]}
        elif path == "/apis":
            body = {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]}
        elif path == "/api/v1":
            body = resource_list("v1", CORE)
        elif path == "/apis/apps/v1":
            body = resource_list("apps/v1", APPS)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                         "reason": "NotFound", "code": 404}).encode())
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


counts = {"passed": 0, "failed": 0}


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    counts["passed" if ok else "failed"] += 1


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDiscovery)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = "http://127.0.0.1:%d" % server.server_address[1]
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home, KUBECONFIG=os.path.join(home, "none"))
        runs = {
            "base": ["-f", K8S],
            "pvc variant": ["-f", K8S, "-f", os.path.join(K8S, "variants", "pvc")],
            "s3 example": ["-f", K8S, "-f", os.path.join(K8S, "examples", "s3")],
        }
        for name, args in runs.items():
            out = subprocess.run(["kubectl", "--server", api, "apply", "--dry-run=client",
                                  "--validate=false"] + args, env=env, capture_output=True,
                                 text=True, timeout=120)
            check(out.returncode == 0, "kubectl apply --dry-run=client (%s): %s" %
                  (name, (out.stdout + out.stderr).strip().replace("\n", "; ")))
            for obj in ["namespace/tempo", "configmap/tempo-config", "deployment.apps/tempo",
                        "service/tempo"]:
                check(obj + " created (dry run)" in out.stdout, "%s: %s" % (name, obj))
        out = subprocess.run(["kubectl", "kustomize", K8S], env=env, capture_output=True,
                             text=True, timeout=120)
        check(out.returncode == 0 and out.stdout.count("\nkind: ") + out.stdout.startswith("kind: ") >= 4,
              "kubectl kustomize k8s/ renders the base")

    # Every manifest parses, and the Deployment keeps the contract the README promises.
    docs = []
    for root, _, files in os.walk(K8S):
        for f in sorted(files):
            if f.endswith(".yaml"):
                with open(os.path.join(root, f)) as fh:
                    docs += [(os.path.join(root, f), d) for d in yaml.safe_load_all(fh) if d]
    for path, d in docs:
        if d.get("kind") != "Deployment":
            continue
        spec = d["spec"]["template"]["spec"]
        c = spec["containers"][0]
        check(spec["securityContext"]["runAsNonRoot"] is True, path + ": runs as non-root")
        check(c["securityContext"]["readOnlyRootFilesystem"] is True, path + ": read-only root fs")
        check(c["readinessProbe"]["httpGet"]["path"] == "/ready", path + ": readiness on /ready")
        check(c["livenessProbe"]["httpGet"]["path"] == "/ready", path + ": liveness on /ready")
        check("limits" in c["resources"] and "requests" in c["resources"], path + ": resources")
        check(any(m["mountPath"] == "/var/tempo" for m in c["volumeMounts"]), path + ": /var/tempo volume")
    services = [d for _, d in docs if d.get("kind") == "Service"]
    names = {p["name"] for s in services for p in s["spec"]["ports"]}
    for n in ["http", "otlp-grpc", "otlp-http", "zipkin", "jaeger-grpc", "jaeger-thrift-http",
              "jaeger-thrift-compact", "jaeger-thrift-binary"]:
        check(n in names, "service port named " + n)
    # Every Service port reaches a port the container declares, with the same protocol, and
    # container port names fit Kubernetes' 15-character limit.
    for path, d in docs:
        if d.get("kind") != "Deployment":
            continue
        declared = {(p["containerPort"], p.get("protocol", "TCP"))
                    for p in d["spec"]["template"]["spec"]["containers"][0]["ports"]}
        for p in d["spec"]["template"]["spec"]["containers"][0]["ports"]:
            check(len(p["name"]) <= 15, path + ": container port name " + p["name"] + " <= 15 chars")
        for s in services:
            for p in s["spec"]["ports"]:
                check((p["targetPort"], p.get("protocol", "TCP")) in declared,
                      path + ": declares service port " + p["name"])

    # Every config embedded in a ConfigMap loads in the binary's -config.verify mode.
    env = dict(os.environ, S3_ENDPOINT="minio:9000", S3_ACCESS_KEY="a", S3_SECRET_KEY="b")
    for path, d in docs:
        if d.get("kind") != "ConfigMap":
            continue
        for key, text in d.get("data", {}).items():
            if not key.endswith((".yaml", ".yml")):
                continue
            with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as tmp:
                tmp.write(text)
            out = subprocess.run([BINARY, "-config.file=" + tmp.name, "-config.expand-env=true",
                                  "-config.verify"], env=env, capture_output=True, text=True,
                                 timeout=60)
            os.unlink(tmp.name)
            check(out.returncode == 0 and "config is valid" in out.stderr,
                  "%s %s: -config.verify (%s)" % (path, key, out.stderr.strip().splitlines()[-1]
                                                   if out.stderr.strip() else "no output"))
    server.shutdown()
    print("%d passed, %d failed" % (counts["passed"], counts["failed"]))
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
