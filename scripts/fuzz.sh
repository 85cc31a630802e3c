#!/usr/bin/env bash
# Builds the libFuzzer harnesses in fuzz/ with clang, ASan and UBSan into build-fuzz/, and runs
# each for FUZZ_SECONDS (default 20) starting from its seed corpus and its crash regressions.
# A crash, leak, UB report or timeout fails the script; the input that caused it is kept in
# build-fuzz/artifacts/<target>/ (copy it to fuzz/regressions/<target>/ once the bug is fixed).
# FUZZ_TARGETS (space-separated names, e.g. "otlp_json traceql") runs only those.
# Needs the main build's generated code: run scripts/build.sh first (scripts/test.sh does).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$here}"
# Objects carry debug info, for which ccache would also hash the working directory: a clone in
# another folder (CI) would then miss every object. Paths in the debug info may then name the
# folder that filled the cache; nothing else differs.
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
seconds=${FUZZ_SECONDS:-20}
all_targets=(otlp_proto otlp_wire_split span_table_wire otlp_json zipkin_json zipkin_v1_json zipkin_proto jaeger_thrift_http
             jaeger_agent_compact jaeger_agent_binary jaeger_proto decompress config trace_id
             duration traceql)
read -r -a targets <<< "${FUZZ_TARGETS:-${all_targets[*]}}"

if [ ! -f build/proto/libtempo_proto.a ] || [ ! -f build/thrift/libtempo_thrift.a ]; then
  cmake --build build -j "${JOBS:-$(nproc)}" --target tempo_proto tempo_thrift
fi
if [ ! -f build-fuzz/build.ninja ]; then
  CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTEMPO_SANITIZE=ON -DTEMPO_FUZZ=ON -DTEMPO_GENERATED_FROM="$here/build"
fi
cmake --build build-fuzz -j "${JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}"

# Leaks count (detect_leaks), UB stops the run (the build has no recovery), and a crash
# prints a symbolized stack.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# One fuzzer per core at a time (JOBS, default nproc): each is single-threaded.
run_one() {
  local t=$1
  # New inputs go to a scratch folder, not into the committed seeds.
  local work=build-fuzz/corpus/$t artifacts=build-fuzz/artifacts/$t/ log=build-fuzz/fuzz_$t.log
  mkdir -p "$work" "$artifacts"
  local seeds=(fuzz/corpus/"$t")
  [ -d fuzz/regressions/"$t" ] && seeds+=(fuzz/regressions/"$t")
  # -rss_limit_mb: the decoders bound what they allocate by what they receive; an input that
  # makes one take 2 GB is a finding. -timeout: one input taking 10 s is one too.
  if build-fuzz/fuzz/fuzz_"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$artifacts" "$work" "${seeds[@]}" > "$log" 2>&1; then
    echo "fuzz: $t ok:" $(grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$log")
  else
    tail -n 60 "$log" >&2
    echo "fuzz: $t FAILED; the input is in $artifacts (log: $log)" >&2
    return 1
  fi
}

echo "fuzz: ${#targets[@]} fuzzers, ${seconds}s each, ${JOBS:-$(nproc)} at a time"
pids=() names=() failed=()
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= ${JOBS:-$(nproc)})); do sleep 0.2; done
  run_one "$t" &
  pids+=($!) names+=("$t")
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed+=("${names[$i]}")
done
if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} fuzzers ran ${seconds}s each, no failures"
