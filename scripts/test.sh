#!/usr/bin/env bash
# Sets up the machine, builds, and runs every test: the unit and end-to-end suites again under
# ASan+UBSan (scripts/sanitize.sh, build-asan/), every fuzzer for a bounded time
# (scripts/fuzz.sh, build-fuzz/), then everything (unit, end-to-end, interop, deployment) with
# ctest in build/. Each stage fails the script on its own; the main ctest comes last so its
# summary is the last line. SKIP_SANITIZE=1 or FUZZ_SECONDS=0 leaves a stage out locally.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/setup.sh
bash scripts/build.sh
if [ -z "${SKIP_SANITIZE:-}" ]; then
  bash scripts/sanitize.sh
fi
if [ "${FUZZ_SECONDS:-20}" != 0 ]; then
  bash scripts/fuzz.sh
fi
cd build
ctest --output-on-failure --no-label-summary -j "${JOBS:-2}" --timeout 1200
