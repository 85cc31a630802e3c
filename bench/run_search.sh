#!/usr/bin/env bash
# End-to-end search benchmark on the data shape real Tempo 2.10.8 was measured with
# (tests/testing/trace_gen.h: 8 services, 200 span names, 10 spans/trace, 12 typed
# attributes/span, log-uniform durations), as a client sees it:
#   1. a fresh server in a temp dir, ingestion limits raised out of the way;
#   2. SPANS spans sent over OTLP/gRPC, 10 whole traces (100 spans) per request, 4 connections;
#   3. the reference queries over /api/search while the data is still live (WAL, not flushed);
#   4. POST /flush, wait until the WAL is empty, the same queries over the backend blocks;
#   5. the server's peak RSS (VmHWM) per phase, and the blocks' size on disk per span;
#   6. TraceQL metrics over the blocks: GET /api/metrics/query_range of
#      `{ } | rate() by (resource.service.name)` (the issue's reference query) and a quantile,
#      over the whole load's range with the default step, ROUNDS times each (best and median).
# Each search phase resets the server's VmHWM first (/proc/PID/clear_refs), so the peak printed
# after it is that phase's own, not ingest's.
# Usage: bench/run_search.sh [SPANS]   (default 1200000; e.g. 10000000 for the large run)
# BUILD_DIR picks the build tree (default: build/ beside this folder); ROUNDS (default 3) the
# runs per query, of which the best and the median are printed; SKIP_LIVE=1 leaves out the
# live phase (beyond the live cache's 1 GiB, about 2.7M spans, every live search decodes the
# rest of the WAL again, which makes a 10M-span live phase take many minutes).
set -euo pipefail
spans=${1:-1200000}
rounds=${ROUNDS:-3}
# shellcheck source=bench/tempo_server.sh
source "$(dirname "$0")/tempo_server.sh"
tempo_start "$dir" "$otlp_grpc_receivers" "query_frontend:
  search:
    max_duration: 0s      # the range covers the whole load, however long it ran
  metrics:
    max_duration: 0s"

hwm_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$pid/status"; }
# RSS split into anonymous memory (heap) and file pages (mapped WAL/blocks, reclaimable).
rss_mb() { awk '/VmRSS|RssAnon|RssFile/ {v[$1]=$2/1024} END {printf "%.1f (anon %.1f, file %.1f)", v["VmRSS:"], v["RssAnon:"], v["RssFile:"]}' "/proc/$pid/status"; }
# Resets VmHWM to the current RSS (Linux >= 4.0); says so when the kernel refuses.
reset_hwm() { echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || echo "(could not reset VmHWM: peak includes earlier phases)"; }
blocks() { find "$dir/blocks" -name meta.json 2>/dev/null | wc -l; }

# Trace n starts n ms after base; spans end at most ~14 s after their trace starts.
base=$(date +%s)
traces=$(((spans + 9) / 10))
start=$((base - 60))
end=$((base + traces / 1000 + 120))
search=("$build/bench/search_http_bench" --http=127.0.0.1:$http_port --rounds="$rounds"
  --start=$start --end=$end --server-pid="$pid")

echo "== ingest: $spans spans of the search shape over OTLP/gRPC, 4 connections, 10 traces (100 spans)/request"
"$build/bench/load_generator" --shape=search --target=grpc --endpoint=127.0.0.1:$grpc_port \
  --connections=4 --batch-spans=100 --total-spans="$spans" --base-time="$base" \
  --server-pid="$pid" | grep -E '^(shape|summary)'
echo "server RSS after ingest: $(rss_mb) MB, peak during ingest: $(hwm_mb) MB;" \
  "blocks already flushed: $(blocks), WAL bytes: $(du -sb "$dir/wal" | cut -f1)"

if [[ -z ${SKIP_LIVE:-} ]]; then
  echo "== search over live data (WAL, before /flush), start=$start end=$end"
  reset_hwm
  "${search[@]}"
  echo "server RSS after live searches: $(rss_mb) MB"
fi

echo "== flush"
t0=$(date +%s.%N)
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "localhost:$http_port/flush")
if [[ $code == 404 || $code == 405 ]]; then  # an older build answers GET only
  code=$(curl -s -o /dev/null -w '%{http_code}' "localhost:$http_port/flush")
fi
if [[ $code != 2* ]]; then
  echo "flush answered $code" >&2
  exit 1
fi
# /flush returns once the sealed blocks are written; wait for the WAL to be empty anyway, so
# nothing is searched from it in the next phase.
for _ in $(seq 600); do
  [[ -z $(find "$dir/wal" -name '*.wal' 2>/dev/null) ]] && break
  sleep 0.5
done
if [[ -n $(find "$dir/wal" -name '*.wal' 2>/dev/null) ]]; then
  echo "WAL still holds files after 5 minutes:" >&2
  find "$dir/wal" -name '*.wal' >&2
  exit 1
fi
block_bytes=$(du -sb "$dir/blocks" | cut -f1)
echo "flushed in $(echo "$(date +%s.%N) - $t0" | bc) s: $(blocks) blocks, $block_bytes bytes," \
  "$(echo "scale=1; $block_bytes / $spans" | bc) bytes/span; server RSS $(rss_mb) MB"

echo "== search over flushed blocks"
reset_hwm
"${search[@]}"
echo "server RSS after searches: $(rss_mb) MB"

echo "== TraceQL metrics over flushed blocks (query_range, start=$start end=$end, default step)"
printf '%-70s %9s %9s %7s %12s\n' "query" "best_ms" "median_ms" "series" "spans"
for query in '{ } | rate() by (resource.service.name)' \
  '{ } | quantile_over_time(duration, 0.99) by (resource.service.name)'; do
  times=()
  for _ in $(seq "$rounds"); do
    out=$(curl -s -G -w '\n%{http_code} %{time_total}' "localhost:$http_port/api/metrics/query_range" \
      --data-urlencode "q=$query" --data-urlencode "start=$start" --data-urlencode "end=$end")
    read -r code secs <<<"$(tail -n1 <<<"$out")"
    if [[ $code != 200 ]]; then
      echo "query_range answered $code: $(head -n1 <<<"$out")" >&2
      exit 1
    fi
    body=$(head -n1 <<<"$out")
    times+=("$(echo "$secs * 1000" | bc)")
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -g))
  series=$(grep -o '"samples"' <<<"$body" | wc -l)
  inspected=$(grep -o '"inspectedSpans":"[0-9]*"' <<<"$body" | grep -o '[0-9]*')
  printf '%-70s %9.1f %9.1f %7s %12s\n' "$query" "${sorted[0]}" "${sorted[$((${#sorted[@]} / 2))]}" \
    "$series" "$inspected"
done
echo "server RSS after metrics queries: $(rss_mb) MB"
