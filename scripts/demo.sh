#!/usr/bin/env bash
# Sets up, builds and runs the main job on its embedded default: `cryptolake demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --runtime
cmake --preset release -DCRYPTOLAKE_BUILD_TESTS=OFF -DCRYPTOLAKE_BUILD_BENCH=OFF >/dev/null
cmake --build --preset release -j "$(nproc)" --target cryptolake
./build/release/tools/cryptolake/cryptolake demo "$@"
