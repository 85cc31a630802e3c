#!/usr/bin/env python3
"""Checks examples/grafana/ as far as a machine without a Docker engine can: the compose file
publishes every port the image exposes, mounts files that exist and a config the binary
accepts; the Grafana data sources point at the compose services, every data source uid they
link to is provisioned (or is the documented external Loki), and Prometheus scrapes the server.
Running the stack itself needs Docker and images from Docker Hub, which CI does not have.
"""
import os
import re
import subprocess
import sys

import yaml

SOURCE = os.environ.get("TEMPO_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ["TEMPO_BINARY"]
EXAMPLE = os.path.join(SOURCE, "examples", "grafana")
passed = failed = 0


def check(cond, what):
    global passed, failed
    print(("ok   " if cond else "FAIL ") + what)
    passed, failed = passed + bool(cond), failed + (not cond)


def main():
    compose = yaml.safe_load(open(os.path.join(EXAMPLE, "docker-compose.yaml")))
    services = compose["services"]
    for name in ("tempo", "prometheus", "grafana"):
        check(name in services, "compose has service " + name)

    # Every port the image EXPOSEs is published by the tempo service, with its protocol.
    dockerfile = open(os.path.join(SOURCE, "docker", "Dockerfile")).read()
    exposed = re.search(r"^EXPOSE (.*)$", dockerfile, re.M).group(1).split()
    published = set()
    for p in services["tempo"]["ports"]:
        host_container = str(p).split(":")
        published.add(host_container[-1] if "/" in host_container[-1] else host_container[-1] + "/tcp")
    for e in exposed:
        want = e if "/" in e else e + "/tcp"
        check(want in published, "tempo service publishes " + want)

    # Bind-mounted files exist; the mounted tempo config loads in -config.verify.
    for svc in services.values():
        for v in svc.get("volumes", []):
            src = v.split(":")[0]
            if src.startswith("."):
                check(os.path.exists(os.path.join(EXAMPLE, src)), "mounted file exists: " + src)
    tempo_cfg = [v.split(":")[0] for v in services["tempo"]["volumes"] if v.split(":")[1] == "/etc/tempo.yaml"]
    check(len(tempo_cfg) == 1, "tempo service mounts /etc/tempo.yaml")
    if tempo_cfg:
        out = subprocess.run([BINARY, "-config.file=" + os.path.join(EXAMPLE, tempo_cfg[0]), "-config.verify"],
                             capture_output=True, text=True)
        check(out.returncode == 0, "the mounted tempo config passes -config.verify" + (out.stderr[-300:] if out.returncode else ""))

    # Data sources: URLs name compose services and their ports; links resolve.
    ds = yaml.safe_load(open(os.path.join(EXAMPLE, "datasources.yaml")))["datasources"]
    by_uid = {d["uid"]: d for d in ds}
    tempo = [d for d in ds if d["type"] == "tempo"]
    check(len(tempo) == 1 and tempo[0]["url"] == "http://tempo:3200", "Tempo data source at http://tempo:3200")
    check(by_uid.get("prometheus", {}).get("url") == "http://prometheus:9090", "Prometheus data source at the compose service")
    if tempo:
        jd = tempo[0]["jsonData"]
        links = [jd["serviceMap"]["datasourceUid"], jd["tracesToMetrics"]["datasourceUid"],
                 jd["tracesToLogsV2"]["datasourceUid"]]
        for uid in links:
            check(uid in by_uid, "linked data source uid %r is provisioned" % uid)
        check(jd["nodeGraph"]["enabled"] is True, "node graph enabled")
        check(jd["streamingEnabled"]["search"] is False, "streaming off (this build answers over HTTP only)")
        check(by_uid["prometheus"]["type"] == "prometheus", "service map and trace-to-metrics use Prometheus")

    # Prometheus scrapes the server and accepts remote write.
    prom = yaml.safe_load(open(os.path.join(EXAMPLE, "prometheus.yaml")))
    targets = [t for sc in prom["scrape_configs"] for c in sc["static_configs"] for t in c["targets"]]
    check("tempo:3200" in targets, "Prometheus scrapes tempo:3200")
    check("--web.enable-remote-write-receiver" in services["prometheus"]["command"],
          "Prometheus remote-write receiver on")

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
