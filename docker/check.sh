#!/usr/bin/env bash
# Builds docker/Dockerfile and starts the image for real, without Docker Hub and without a
# Docker engine:
#   1. debootstrap makes a Debian bookworm root filesystem from Debian's own mirror, imported
#      under the names the Dockerfile uses (debian:bookworm, debian:bookworm-slim);
#   2. buildah builds the Dockerfile with chroot isolation (this sandbox refuses the rlimits
#      an OCI runtime sets, so no crun/runc);
#   3. the image's /tempo runs inside the image's own root filesystem on free loopback
#      ports; a span is sent over OTLP/HTTP and read back, and /ready must answer.
# Needs root, buildah, podman (to import the base) and debootstrap, which scripts/setup.sh
# installs; ctest runs it as "docker: image build and run". Prints one line per step and
# "N passed, N failed" last.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
ctr=""
pid=""
passed=0
failed=0
step() { echo "== $*"; }
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1 || true
  buildah rmi localhost/tempo-cpp:check >/dev/null 2>&1 || true
  buildah rmi --prune >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in buildah podman debootstrap curl python3; do
  command -v "$tool" >/dev/null || { echo "docker/check.sh needs $tool (apt-get install $tool)"; exit 2; }
done
start=$(date +%s)

step "base image: debootstrap bookworm (minbase)"
if ! buildah inspect --type image docker.io/library/debian:bookworm >/dev/null 2>&1; then
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
  tar -C "$work/rootfs" -c . | podman import - docker.io/library/debian:bookworm >/dev/null
  rm -rf "$work/rootfs"
fi
buildah tag docker.io/library/debian:bookworm docker.io/library/debian:bookworm-slim
ok "debian:bookworm and debian:bookworm-slim available locally ($(( $(date +%s) - start ))s)"

step "buildah bud -f docker/Dockerfile"
t0=$(date +%s)
if buildah bud --isolation chroot --format docker --pull=never -f "$here/docker/Dockerfile" \
     -t localhost/tempo-cpp:check "$here" >"$work/build.log" 2>&1; then
  ok "image built ($(( $(date +%s) - t0 ))s)"
else
  tail -40 "$work/build.log"
  fail "image build"
  echo "$passed passed, $failed failed"
  exit 1
fi

config=$(buildah inspect --type image localhost/tempo-cpp:check)
for want in '"/tempo"' '-config.file=/etc/tempo.yaml' '3200/tcp' '4317/tcp' '6831/udp' '/var/tempo' '10001:10001' '/ready'; do
  if grep -qF -- "$want" <<<"$config"; then ok "image config has $want"; else fail "image config lacks $want"; fi
done

step "start the image"
ctr=$(buildah from --pull=never localhost/tempo-cpp:check)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http=$(port); otlp=$(port); grpc=$(port)
mnt=$(buildah mount "$ctr")
mkdir -p "$mnt/tmp/check"
cat >"$mnt/tmp/check/tempo.yaml" <<YAML
server:
  http_listen_port: $http
  grpc_listen_port: $grpc
distributor:
  receivers:
    otlp:
      protocols:
        grpc:
          endpoint: 127.0.0.1:$grpc
        http:
          endpoint: 127.0.0.1:$otlp
storage:
  trace:
    backend: local
    local:
      path: /var/tempo/traces
    wal:
      path: /var/tempo/wal
YAML
buildah umount "$ctr" >/dev/null
buildah run --isolation chroot --user 10001:10001 "$ctr" /tempo -config.file=/tmp/check/tempo.yaml \
  >"$work/tempo.log" 2>&1 &
pid=$!
ready=""
for _ in $(seq 100); do
  ready=$(curl -fsS "127.0.0.1:$http/ready" 2>/dev/null || true)
  [ "$ready" = "ready" ] && break
  sleep 0.2
done
if [ "$ready" = "ready" ]; then ok "/ready answers ready"; else fail "/ready"; cat "$work/tempo.log"; fi

id=4bf92f3577b34da6a3ce929d0e0e4736
curl -fsS -X POST "127.0.0.1:$otlp/v1/traces" -H 'Content-Type: application/json' \
  -d '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"container-check"}}]},"scopeSpans":[{"spans":[{"traceId":"'$id'","spanId":"00f067aa0ba902b7","name":"from-the-image","startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000"}]}]}]}' \
  >/dev/null && ok "OTLP/HTTP export accepted" || fail "OTLP/HTTP export"
body=$(curl -fsS "127.0.0.1:$http/api/traces/$id" || true)
if grep -q '"name":"from-the-image"' <<<"$body" && grep -q container-check <<<"$body"; then
  ok "trace read back by ID from the running image"
else
  fail "trace read back: $body"
fi
if grep -q 'level=info' "$work/tempo.log"; then ok "logs are logfmt"; else fail "logs"; fi

echo "docker/check.sh took $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
