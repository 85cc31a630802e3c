#!/usr/bin/env bash
# Reproduces the headline figures on this machine, server and load on the same host:
#   1. OTLP/gRPC ingest in issue #17's shape at 5000 spans/s, then flat out: spans/s, spans per
#      server CPU-second, server RSS avg/peak, request p50/p99;
#   2. the same flat out in the older light shape, over OTLP/gRPC and the Zipkin receiver;
#   3. trace-by-ID latency with exactly SPANS spans stored in blocks.
# Each phase gets a fresh server and data directory, so phase 2 measures SPANS spans, not
# SPANS plus whatever phase 1 left behind.
# Usage: bench/run_ingest_and_query.sh [SECONDS] [SPANS]   (defaults 30, 1000000)
# BUILD_DIR picks the build tree (default: build/ beside this folder).
set -euo pipefail
secs=${1:-30}
spans=${2:-1000000}
# shellcheck source=bench/tempo_server.sh
source "$(dirname "$0")/tempo_server.sh"

# start_server NAME: a fresh tempo on $dir/NAME; sets $pid.
start_server() {
  tempo_start "$dir/$1" "$otlp_grpc_receivers
    zipkin:
      endpoint: 127.0.0.1:$zipkin_port"
}

# The default shape of load_generator is issue #17's: 1000 spans/request, 10 spans/trace, 12
# typed attributes/span, 8 services, 2 connections x 4 requests in flight.
gen="$build/bench/load_generator"
echo "== ingest at 5000 spans/s: ${secs}s of OTLP/gRPC, default shape"
start_server paced
"$gen" --target=grpc --endpoint=127.0.0.1:$grpc_port --rate=5000 --duration="$secs" \
  --server-pid="$pid" | tail -1
tempo_stop

echo "== ingest flat out: ${secs}s of OTLP/gRPC, default shape"
start_server ingest
"$gen" --target=grpc --endpoint=127.0.0.1:$grpc_port --duration="$secs" --server-pid="$pid" |
  tail -1
tempo_stop

# The light shape the earlier figures were taken with (it overstates spans/s: smaller requests,
# fewer attributes, all strings).
light=(--connections=4 --in-flight=1 --batch-spans=100 --spans-per-trace=10 --attributes=8
  --services=1)
echo "== ingest flat out: ${secs}s of OTLP/gRPC, light shape (4 connections, 100 spans/request, 8 string attributes)"
start_server light
"$gen" --target=grpc --endpoint=127.0.0.1:$grpc_port "${light[@]}" --duration="$secs" \
  --server-pid="$pid" | tail -1
tempo_stop

echo "== ingest flat out: ${secs}s of Zipkin v2 JSON over HTTP, light shape"
start_server zipkin
"$gen" --target=zipkin --endpoint=127.0.0.1:$zipkin_port "${light[@]}" --duration="$secs" \
  --server-pid="$pid" | tail -1
tempo_stop

load=("$gen" --target=grpc --endpoint=127.0.0.1:$grpc_port "${light[@]}")
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
