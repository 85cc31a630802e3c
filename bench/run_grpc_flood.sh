#!/usr/bin/env bash
# Issue #16's gRPC flood against a fresh server: grpc_flood_bench's 400 calls of 3.2 MB over 8
# connections at once, refused calls retried, then every accepted trace read back. Prints the
# server's peak RSS and the accepted/refused counts, with the machine's load.
# Usage: bench/run_grpc_flood.sh [extra grpc_flood_bench flags...]
# SERVER_EXTRA: more YAML lines under server: (indented by 2), e.g. a budget to try.
server_extra=${SERVER_EXTRA:-}
set -euo pipefail
# Ports of its own, out of the way of the other benchmarks' defaults.
HTTP_PORT=${HTTP_PORT:-33230} GRPC_PORT=${GRPC_PORT:-34347}
GRPC_SERVER_PORT=${GRPC_SERVER_PORT:-39125}
# shellcheck source=bench/tempo_server.sh
source "$(dirname "$0")/tempo_server.sh"

tempo_start "$dir/flood" "$otlp_grpc_receivers"
echo "load before: $(uptime)"
echo "server rss at start: $(awk '/VmRSS/{print $2/1024 " MiB"}' /proc/$pid/status)"
"$build/bench/grpc_flood_bench" --endpoint=127.0.0.1:$grpc_port --server-pid="$pid" \
  --http=127.0.0.1:$http_port "$@"
echo "load after: $(uptime)"
