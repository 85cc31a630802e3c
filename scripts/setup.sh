#!/usr/bin/env bash
# Installs every Debian package the build, the server and the tests need, and the
# npm packages of the interop tests. Idempotent; run as root on Debian bookworm.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git curl ca-certificates
  openssl                           # tests: throwaway CA and certificates for the TLS tests
  libboost-dev                      # Asio + Beast (header-only)
  libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  nlohmann-json3-dev libyaml-cpp-dev libzstd-dev zlib1g-dev libssl-dev
  libre2-dev libsnappy-dev prometheus-cpp-dev
  thrift-compiler libthrift-dev     # Jaeger thrift receivers
  libcurl4-openssl-dev libpugixml-dev  # S3 backend (HTTP(S) client, ListObjectsV2 XML)
  libsimdjson-dev                   # Zipkin JSON bodies
  libabsl-dev                       # absl::flat_hash_map (live traces); also under gRPC
  libjemalloc-dev                   # the server's malloc
  libisal-dev                       # CRC-32 of WAL records and blocks (SIMD, zlib's values)
  catch2
  clang libclang-rt-14-dev llvm   # scripts/fuzz.sh: libFuzzer, clang's ASan/UBSan, llvm-symbolizer
  python3 python3-yaml              # tests/deploy
  prometheus                        # tests/generator: a real remote write receiver, started by the test
  buildah podman debootstrap        # docker/check.sh: build and run the image without a Docker engine
)
# kubectl validates the Kubernetes manifests offline. Some images ship a kubectl from another
# repository that conflicts with Debian's kubernetes-client, so only add it when missing.
command -v kubectl >/dev/null || PACKAGES+=(kubernetes-client)
# Interop tests drive the server with real JS SDKs. A machine may already have Node.js from
# another build that bundles npm (Debian's npm package would conflict with it), so the
# packages are only needed when the commands are missing.
if [ -z "${SKIP_NPM:-}" ]; then
  command -v node >/dev/null || PACKAGES+=(nodejs)
  command -v npm >/dev/null || PACKAGES+=(npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages ${missing[*]}; run this script as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages for tests/interop (test-only; from the npm registry, pinned by the lockfile).
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${SKIP_NPM:-}" ] && [ -f "$here/tests/interop/package.json" ] && command -v npm >/dev/null; then
  if [ ! -d "$here/tests/interop/node_modules" ] ||
     [ "$here/tests/interop/package-lock.json" -nt "$here/tests/interop/node_modules" ]; then
    (cd "$here/tests/interop" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$here/tests/interop/node_modules"
  fi
fi
