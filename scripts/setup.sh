#!/usr/bin/env bash
# Installs everything cryptolake needs on a fresh Debian 12 machine.
# Idempotent: packages already present are skipped by apt; npm uses the lockfiles.
#   scripts/setup.sh            build + test dependencies and test peers (npm)
#   scripts/setup.sh --runtime  only what building and running the CLI needs
#   scripts/setup.sh --bench    also the benchmark peers (Polars, DuckDB)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=test
for arg in "$@"; do
  case "$arg" in
    --runtime) mode=runtime ;;
    --bench) mode=bench ;;
    *) echo "usage: scripts/setup.sh [--runtime|--bench]" >&2; exit 2 ;;
  esac
done

runtime_pkgs=(build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libzstd-dev libsnappy-dev libdeflate-dev libisal-dev libssl-dev libcurl4-openssl-dev
  libfast-float-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev zip unzip
  libgrpc++-dev zlib1g-dev libcpp-httplib-dev)
# grpc++: OTLP/gRPC export (generic stub, no protobuf runtime). cpp-httplib: the Prometheus
# /metrics endpoint, and loopback HTTP servers inside tests (archive mirror, S3 listing).

# prometheus: the real Prometheus server and promtool the exposition tests use.
# python3-boto3, awscli: independent S3 clients that read back what the S3 store wrote
# (test/e2e/s3_lake_test.sh, s3_crash_test.sh call Debian's /usr/bin/python3).
# python3-dev, pybind11-dev: the Python packages (python/, CRYPTOLAKE_BUILD_PYTHON); python3-pytest
# runs their tests (ctest python.pytest).
# python3-yaml: test/deploy/k8s_manifests_test.py reads the Kubernetes manifests.
# chromium, fonts-dejavu-core: headless Chromium renders the `cryptolake status --html` page and
# dumps its DOM (test/e2e/status_test.sh); the page names DejaVu fonts.
test_pkgs=(prometheus libgtest-dev libgmock-dev libbenchmark-dev clang llvm libclang-rt-14-dev nodejs npm
  python3-boto3 awscli python3-dev pybind11-dev python3-pytest chromium fonts-dejavu-core python3-yaml)

# bench/ingest_bench.sh times runs with /usr/bin/time and computes ratios with bc.
bench_pkgs=(time bc)

pkgs=("${runtime_pkgs[@]}")
[ "$mode" != runtime ] && pkgs+=("${test_pkgs[@]}")
[ "$mode" = bench ] && pkgs+=("${bench_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine may carry node/npm from elsewhere (nodesource, nvm): keep it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]}"
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm_install() {  # $1 = directory with package.json + package-lock.json
  local dir=$1
  if [ -f "$dir/node_modules/.cryptolake-lock" ] && cmp -s "$dir/package-lock.json" "$dir/node_modules/.cryptolake-lock"; then
    return 0
  fi
  echo "setup: npm install in $dir (versions pinned by package.json and package-lock.json)"
  # Not `npm ci`: npm 11 rejects lockfiles of packages with per-platform optional
  # dependencies (@duckdb/node-bindings-*) as out of sync. Every dependency is
  # pinned to an exact version, so `npm install` resolves to the lockfile.
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error --no-save &&
     cp package-lock.json node_modules/.cryptolake-lock)
}
if [ "$mode" != runtime ]; then npm_install test/peers; fi
if [ "$mode" = bench ]; then npm_install bench/peers; fi
echo "setup: done ($mode)"
