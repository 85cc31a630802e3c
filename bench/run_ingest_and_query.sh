#!/usr/bin/env bash
# Reproduces the two headline figures on this machine, server and load on the same host:
#   1. sustained OTLP/gRPC ingest rate (spans/s) and the server's RSS;
#   2. trace-by-ID latency with SPANS spans stored in blocks.
# Usage: bench/run_ingest_and_query.sh [SECONDS] [SPANS]   (defaults 30, 1000000)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30}
spans=${2:-1000000}
build=${BUILD_DIR:-$here/build}
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT

cat > "$dir/tempo.yaml" <<YAML
server:
  http_listen_port: 13200
  grpc_listen_port: 14317
  log_level: warn
distributor:
  receivers:
    otlp:
      protocols:
        grpc:
          endpoint: 127.0.0.1:14317
overrides:
  defaults:
    ingestion:            # Tempo's default 15 MB/s per tenant would cap the benchmark
      rate_limit_bytes: 1000000000
      burst_size_bytes: 1000000000
storage:
  trace:
    backend: local
    local:
      path: $dir/blocks
    wal:
      path: $dir/wal
YAML
"$build/tempo" -config.file="$dir/tempo.yaml" 2>"$dir/tempo.log" &
pid=$!
for _ in $(seq 100); do curl -sf localhost:13200/ready >/dev/null && break; sleep 0.1; done

echo "== ingest: ${secs}s of OTLP/gRPC, 4 connections, 100 spans/request, 10 spans/trace, 8 attributes/span"
"$build/bench/load_generator" --target=grpc --endpoint=127.0.0.1:14317 --connections=4 \
  --batch-spans=100 --spans-per-trace=10 --attributes=8 --duration="$secs" --server-pid=$pid | tail -1

echo "== load ${spans} spans with their trace IDs, flush to blocks"
curl -sf localhost:13200/flush >/dev/null
"$build/bench/load_generator" --target=grpc --endpoint=127.0.0.1:14317 --connections=4 \
  --batch-spans=100 --spans-per-trace=10 --attributes=8 --total-spans="$spans" \
  --ids-out="$dir/ids.txt" --server-pid=$pid | tail -1
curl -sf localhost:13200/flush >/dev/null
echo "blocks: $(find "$dir/blocks" -name meta.json | wc -l), block bytes: $(du -sb "$dir/blocks" | cut -f1)"

echo "== trace by ID over blocks"
"$build/bench/trace_by_id_bench" --http=127.0.0.1:13200 --ids="$dir/ids.txt" --queries=5000 --connections=1 | tail -1
"$build/bench/trace_by_id_bench" --http=127.0.0.1:13200 --ids="$dir/ids.txt" --queries=5000 --connections=4 | tail -1
echo "server RSS after queries: $(grep VmRSS /proc/$pid/status | awk '{print $2/1024 " MB"}')"
