#!/usr/bin/env bash
# Ingest with the metrics generator's processors off, then on (span-metrics and
# service-graphs), same load, fresh server each: spans/s, the server's CPU seconds and spans
# per CPU-second, and the on/off ratios. The load is load_generator's default shape (issue
# #17's, the one real Tempo's spans per CPU-second were measured with). The load generator runs on the same host, so run it
# on a quiet machine (the figures say nothing otherwise).
# Usage: bench/run_generator.sh [SECONDS]   (default 30)
set -euo pipefail
secs=${1:-30}
# shellcheck source=bench/tempo_server.sh
source "$(dirname "$0")/tempo_server.sh"

generator="metrics_generator:
  registry:
    expose_on_metrics_endpoint: true"

cpu_seconds() {  # utime + stime of $pid, in seconds
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}

measure() {  # NAME EXTRA_YAML OVERRIDES -> prints spans/s and spans per CPU-second
  overrides_extra=$3
  tempo_start "$dir/$1" "$otlp_grpc_receivers" "$2"
  local c0 c1 line rate
  c0=$(cpu_seconds "$pid")
  line=$("$build/bench/load_generator" --target=grpc --endpoint=127.0.0.1:$grpc_port \
    --duration="$secs" --server-pid="$pid" | tail -1)
  c1=$(cpu_seconds "$pid")
  rate=$(sed -n 's/.* spans\/s=\([0-9.]*\).*/\1/p' <<<"$line")
  spans=$(sed -n 's/.* spans=\([0-9]*\) .*/\1/p' <<<"$line")
  echo "$1: $line"
  awk -v s="$spans" -v c0="$c0" -v c1="$c1" -v r="$rate" -v n="$1" \
    'BEGIN {printf "%s: spans/s=%.0f server_cpu_s=%.1f spans_per_cpu_s=%.0f\n", n, r, c1 - c0, s / (c1 - c0)}'
  if [[ $1 == on ]]; then
    local m
    m=$(curl -s "localhost:$http_port/metrics")
    echo "on: generated series on /metrics: $(grep -c '^traces_' <<<"$m")," \
      "spans processed by the generator: $(awk '/^tempo_metrics_generator_spans_received_total/ {s += $2} END {print s + 0}' <<<"$m")," \
      "dropped (queue full): $(awk '/^tempo_metrics_generator_spans_discarded_total.*queue_full/ {s += $2} END {print s + 0}' <<<"$m")"
  fi
  tempo_stop
}

echo "== ${secs}s of OTLP/gRPC each, load_generator's default shape"
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
measure off "" "" | tee "$dir/off.txt"
measure on "$generator" "    metrics_generator:
      processors: [span-metrics, service-graphs]" | tee "$dir/on.txt"
awk '/spans_per_cpu_s/ {split($2, a, "="); split($4, b, "="); r[$1] = a[2]; c[$1] = b[2]}
  END {printf "ratio on/off: spans/s %.2f, spans per CPU-second %.2f\n", r["on:"] / r["off:"], c["on:"] / c["off:"]}' \
  "$dir/off.txt" "$dir/on.txt"
echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
