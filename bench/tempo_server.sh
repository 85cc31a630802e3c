# Sourced by the bench/run_*.sh scripts: starts and stops one real tempo for a benchmark.
#   tempo_start DIR RECEIVERS_YAML [EXTRA_YAML]   config in DIR/tempo.yaml, data under DIR;
#                                                 sets $pid once /ready answers
#   tempo_stop                                    kills it (also on exit of the script)
# Ingestion limits are raised out of the way (Tempo's 15 MB/s per tenant would cap the load).
# Needs $build (the build tree) and $http_port, $grpc_server_port set by the caller;
# $overrides_extra, when set, is more YAML under overrides.defaults (indented by 4);
# $server_extra more YAML under server: (indented by 2); $rate_limit_bytes the per-tenant
# rate limit and burst (default 2 GB/s, out of the way).

pid=
tempo_stop() {
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
  fi
}

tempo_start() {
  local d=$1 receivers=$2 extra=${3:-}
  mkdir -p "$d"
  cat >"$d/tempo.yaml" <<YAML
server:
  http_listen_port: $http_port
  grpc_listen_port: $grpc_server_port
  log_level: warn
${server_extra:-}
distributor:
  receivers:
$receivers
overrides:
  defaults:
    ingestion:
      rate_limit_bytes: ${rate_limit_bytes:-2000000000}
      burst_size_bytes: ${rate_limit_bytes:-2000000000}
      max_traces_per_user: 0
    global:
      max_bytes_per_trace: 0
${overrides_extra:-}
storage:
  trace:
    backend: local
    local:
      path: $d/blocks
    wal:
      path: $d/wal
$extra
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
