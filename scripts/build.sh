#!/usr/bin/env bash
# Configures and builds into build/ (the server lands at build/tempo): everything, or only
# the targets named in TARGETS.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
build_type=${BUILD_TYPE:-RelWithDebInfo}
# ccache keys on paths relative to the checkout, so a clone in another folder (CI) reuses the
# cache of this one.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$here}"
# Objects carry debug info, for which ccache would also hash the working directory: a clone in
# another folder (CI) would then miss every object. Paths in the debug info may then name the
# folder that filled the cache; nothing else differs.
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type"
fi
# TARGETS (space-separated) builds only those, e.g. TARGETS=tempo for the container image.
cmake --build build -j "${JOBS:-$(nproc)}" ${TARGETS:+--target $TARGETS}
