#!/usr/bin/env bash
# Reproduces the two headline figures on this machine, server and load on the same host:
#   1. sustained OTLP/gRPC ingest rate (spans/s) and the server's RSS;
#   2. the same ingest through the Zipkin receiver (v2 JSON over HTTP);
#   3. trace-by-ID latency with exactly SPANS spans stored in blocks.
# Each phase gets a fresh server and data directory, so phase 2 measures SPANS spans, not
# SPANS plus whatever phase 1 left behind.
# Usage: bench/run_ingest_and_query.sh [SECONDS] [SPANS]   (defaults 30, 1000000)
# BUILD_DIR picks the build tree (default: build/ beside this folder).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30}
spans=${2:-1000000}
build=${BUILD_DIR:-$here/build}
http_port=${HTTP_PORT:-13200}
grpc_port=${GRPC_PORT:-14317}
zipkin_port=${ZIPKIN_PORT:-19411}
dir=$(mktemp -d)
pid=
stop_server() {
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
  fi
}
trap 'stop_server; rm -rf "$dir"' EXIT

# start_server NAME: a fresh tempo on $dir/NAME; sets $pid.
start_server() {
  local d=$dir/$1
  mkdir -p "$d"
  cat >"$d/tempo.yaml" <<YAML
server:
  http_listen_port: $http_port
  grpc_listen_port: $grpc_port
  log_level: warn
distributor:
  receivers:
    otlp:
      protocols:
        grpc:
          endpoint: 127.0.0.1:$grpc_port
    zipkin:
      endpoint: 127.0.0.1:$zipkin_port
overrides:
  defaults:
    ingestion:            # Tempo's default 15 MB/s per tenant would cap the benchmark
      rate_limit_bytes: 1000000000
      burst_size_bytes: 1000000000
storage:
  trace:
    backend: local
    local:
      path: $d/blocks
    wal:
      path: $d/wal
YAML
  "$build/tempo" -config.file="$d/tempo.yaml" 2>"$d/tempo.log" &
  pid=$!
  for _ in $(seq 200); do
    [[ $(curl -s "localhost:$http_port/ready" || true) == ready ]] && return 0
    sleep 0.1
  done
  echo "tempo did not become ready:" >&2
  cat "$d/tempo.log" >&2
  exit 1
}

load=("$build/bench/load_generator" --target=grpc --endpoint=127.0.0.1:$grpc_port --connections=4
  --batch-spans=100 --spans-per-trace=10 --attributes=8)

echo "== ingest: ${secs}s of OTLP/gRPC, 4 connections, 100 spans/request, 10 spans/trace, 8 attributes/span"
start_server ingest
"${load[@]}" --duration="$secs" --server-pid="$pid" | tail -1
stop_server

echo "== ingest: ${secs}s of Zipkin v2 JSON over HTTP, same shape"
start_server zipkin
"$build/bench/load_generator" --target=zipkin --endpoint=127.0.0.1:$zipkin_port --connections=4 \
  --batch-spans=100 --spans-per-trace=10 --attributes=8 --duration="$secs" --server-pid="$pid" | tail -1
stop_server

echo "== load ${spans} spans with their trace IDs, flush to blocks"
start_server query
"${load[@]}" --total-spans="$spans" --ids-out="$dir/ids.txt" --server-pid="$pid" | tail -1
curl -sf -X POST "localhost:$http_port/flush" >/dev/null
echo "blocks: $(find "$dir/query/blocks" -name meta.json | wc -l)," \
  "block bytes: $(du -sb "$dir/query/blocks" | cut -f1), traces: $(wc -l <"$dir/ids.txt")"

echo "== trace by ID over blocks (each answer must hold all 10 spans)"
for c in 1 4; do
  "$build/bench/trace_by_id_bench" --http=127.0.0.1:$http_port --ids="$dir/ids.txt" \
    --queries=5000 --connections=$c --expect-spans=10 | tail -1
done
echo "server RSS after queries: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
