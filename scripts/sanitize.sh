#!/usr/bin/env bash
# Builds the unit and end-to-end suites (and the server they start) with AddressSanitizer,
# LeakSanitizer and UBSan into build-asan/, and runs them with ctest; any report fails the
# test that caused it. The interop, deployment and image tests stay with the main build.
# Needs the main build's generated code: run scripts/build.sh first (scripts/test.sh does).
# CTEST_ARGS adds ctest arguments, e.g. CTEST_ARGS="-R model" to run only those.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$here}"
# Objects carry debug info, for which ccache would also hash the working directory: a clone in
# another folder (CI) would then miss every object. Paths in the debug info may then name the
# folder that filled the cache; nothing else differs.
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

if [ ! -f build/proto/libtempo_proto.a ] || [ ! -f build/thrift/libtempo_thrift.a ]; then
  cmake --build build -j "${JOBS:-$(nproc)}" --target tempo_proto tempo_thrift
fi
if [ ! -f build-asan/build.ninja ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTEMPO_SANITIZE=ON \
    -DTEMPO_GENERATED_FROM="$here/build"
fi
cmake --build build-asan -j "${JOBS:-$(nproc)}"

# detect_leaks: LeakSanitizer at exit of every test binary and of every server a test stops
# gracefully. The e2e tests start build-asan/tempo, which inherits these.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
cd build-asan
# shellcheck disable=SC2086
ctest --output-on-failure --no-label-summary -j "${JOBS:-2}" --timeout 1200 ${CTEST_ARGS:-}
