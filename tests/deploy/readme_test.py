#!/usr/bin/env python3
"""Runs the README's quick-start curl commands as written against a started server.

The commands between the `readme-test` markers are run one by one with bash; only
`localhost:3200`, `localhost:4318` and `localhost:9411` are rewritten to the free loopback
ports this test's server listens on (every other receiver of the shipped config is moved to a
free port too, so the test never needs the standard ports). Each command must succeed and print what the README promises.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SOURCE = os.environ.get("TEMPO_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ["TEMPO_BINARY"]

# What each command must print, in README order.
EXPECT = [
    lambda out: out.strip() == "ready",
    lambda out: out.strip() == '{"partialSuccess":{}}',
    lambda out: '"name":"checkout"' in out and '"traceId":"W47/95gDgQPSabYzgT/GDA=="' in out
    and '"stringValue":"shop"' in out and out.startswith('{"batches":'),
    lambda out: out.startswith('{"trace":{"resourceSpans":') and '"inspectedBytes"' in out,
    lambda out: out.strip() == "202",
    lambda out: '"name":"get /cart"' in out and '"stringValue":"cart"' in out
    and '"kind":"SPAN_KIND_SERVER"' in out,
    lambda out: out.strip() == "204",
    lambda out: 'tempo_distributor_spans_received_total{tenant="single-tenant"} 2' in out,
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def commands():
    text = open(os.path.join(SOURCE, "README.md")).read()
    block = re.search(r"<!-- readme-test: start -->\s*```sh\n(.*?)```\s*<!-- readme-test: end -->",
                      text, re.S)
    if not block:
        raise SystemExit("README has no readme-test block")
    return [c.strip() for c in block.group(1).replace("\\\n", " ").splitlines() if c.strip()]


def main():
    passed = failed = 0
    cmds = commands()
    if len(cmds) != len(EXPECT):
        print("FAIL README block has %d commands, the test expects %d" % (len(cmds), len(EXPECT)))
        print("0 passed, 1 failed")
        return 1
    http, otlp, grpc, zipkin = free_port(), free_port(), free_port(), free_port()
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "tempo.yaml")
        with open(cfg, "w") as f:
            f.write(open(os.path.join(SOURCE, "config", "tempo.yaml")).read()
                    .replace("http_listen_port: 3200", "http_listen_port: %d" % http)
                    .replace("grpc_listen_port: 9095", "grpc_listen_port: %d" % grpc)
                    .replace("0.0.0.0:4317", "127.0.0.1:%d" % grpc)
                    .replace("0.0.0.0:4318", "127.0.0.1:%d" % otlp)
                    .replace("0.0.0.0:9411", "127.0.0.1:%d" % zipkin)
                    .replace("0.0.0.0:14250", "127.0.0.1:%d" % free_port())
                    .replace("0.0.0.0:14268", "127.0.0.1:%d" % free_port())
                    .replace("0.0.0.0:6831", "127.0.0.1:%d" % free_port())
                    .replace("0.0.0.0:6832", "127.0.0.1:%d" % free_port())
                    .replace("/var/tempo", d))
        log = open(os.path.join(d, "tempo.log"), "w")
        server = subprocess.Popen([BINARY, "-config.file=" + cfg], stdout=log, stderr=log)
        try:
            for _ in range(200):
                try:
                    if urllib.request.urlopen("http://127.0.0.1:%d/ready" % http).read() == b"ready":
                        break
                except OSError:
                    time.sleep(0.05)
            for cmd, expect in zip(cmds, EXPECT):
                run = (cmd.replace("localhost:3200", "127.0.0.1:%d" % http)
                          .replace("localhost:4318", "127.0.0.1:%d" % otlp)
                          .replace("localhost:9411", "127.0.0.1:%d" % zipkin))
                out = subprocess.run(["bash", "-o", "pipefail", "-c", run], capture_output=True,
                                     text=True, timeout=60)
                good = out.returncode == 0 and expect(out.stdout)
                print(("ok   " if good else "FAIL ") + cmd[:100] +
                      ("" if good else "\n     exit %d, output: %s%s" % (out.returncode, out.stdout[:300], out.stderr[:300])))
                passed, failed = passed + good, failed + (not good)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            if failed:
                print(open(os.path.join(d, "tempo.log")).read())
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
