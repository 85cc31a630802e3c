# shellcheck shell=bash disable=SC2034  # sets the variables the sourcing script uses
# Sourced first by every bench/run_*.sh: the settings they share, and one real tempo at a time
# for a benchmark.
#   $build        the build tree: BUILD_DIR, default build/ beside bench/
#   $http_port, $grpc_port (the OTLP gRPC receiver), $zipkin_port, $grpc_server_port (tempo's
#                 own gRPC): HTTP_PORT, GRPC_PORT, ZIPKIN_PORT, GRPC_SERVER_PORT, default
#                 13200, 14317, 19411, 19095 (a script with other defaults sets those
#                 variables before sourcing)
#   $dir          a fresh temporary directory, removed on exit with the server stopped
#   $otlp_grpc_receivers   the receivers YAML of an OTLP receiver on gRPC at $grpc_port
#   tempo_start DIR RECEIVERS_YAML [EXTRA_YAML]   config in DIR/tempo.yaml, data under DIR;
#                                                 sets $pid once /ready answers
#   tempo_stop                                    kills it (also on exit of the script)
# Ingestion limits are raised out of the way (Tempo's 15 MB/s per tenant would cap the load).
# $overrides_extra, when set, is more YAML under overrides.defaults (indented by 4);
# $server_extra more YAML under server: (indented by 2); $rate_limit_bytes the per-tenant
# rate limit and burst (default 2 GB/s, out of the way).

build=${BUILD_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build}
http_port=${HTTP_PORT:-13200}
grpc_port=${GRPC_PORT:-14317}
zipkin_port=${ZIPKIN_PORT:-19411}
grpc_server_port=${GRPC_SERVER_PORT:-19095}
otlp_grpc_receivers="    otlp:
      protocols:
        grpc:
          endpoint: 127.0.0.1:$grpc_port"
dir=$(mktemp -d)
trap 'tempo_stop; rm -rf "$dir"' EXIT

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
  # A server left on the port (a benchmark still running) would answer /ready for ours, which
  # then fails to bind, and two loads would share one server.
  if curl -s -o /dev/null "localhost:$http_port/ready"; then
    echo "port $http_port already serves something: stop it first" >&2
    exit 1
  fi
  "$build/tempo" -config.file="$d/tempo.yaml" 2>"$d/tempo.log" &
  pid=$!
  for _ in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || break
    [[ $(curl -s "localhost:$http_port/ready" || true) == ready ]] && return 0
    sleep 0.1
  done
  echo "tempo did not become ready:" >&2
  cat "$d/tempo.log" >&2
  exit 1
}
