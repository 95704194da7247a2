#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (what CI runs).
#   1. release build + every test (unit, conformance vs the OpenTelemetry JS SDK,
#      real-peer tests with DuckDB / hyparquet / s3rver)
#   2. ThreadSanitizer build of the concurrency tests
#   3. AddressSanitizer + UndefinedBehaviorSanitizer build of the unit tests
# Set CRYPTOLAKE_SKIP_SANITIZERS=1 to run only step 1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=${CRYPTOLAKE_JOBS:-$(nproc)}

# Explicit ON: scripts/demo.sh configures the same build directory with tests
# and benchmarks OFF, and CMake would otherwise keep those cached values.
cmake --preset release -DCRYPTOLAKE_BUILD_TESTS=ON -DCRYPTOLAKE_BUILD_BENCH=ON >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs" --no-tests=error

if [ "${CRYPTOLAKE_SKIP_SANITIZERS:-0}" != 1 ]; then
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan -j "$jobs" --target cryptolake_tsan_tests
  ctest --preset tsan -L tsan -j "$jobs" --no-tests=error

  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs" --target cryptolake_asan_tests
  ctest --preset asan -L asan -j "$jobs" --no-tests=error
fi
echo "test.sh: all tests passed"
