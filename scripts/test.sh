#!/usr/bin/env bash
# Sets up the machine, builds, and runs every test (unit, end-to-end, interop) with ctest.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest --output-on-failure --no-label-summary -j "${JOBS:-2}" --timeout 1200
