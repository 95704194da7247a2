#!/bin/sh
# CTest entry point for one conformance scenario: runs compare.js, or exits 77
# (CTest SKIP_RETURN_CODE) when node or the OpenTelemetry JS SDK is missing,
# so a machine without them reports SKIPPED instead of passing silently.
#   run_scenario.sh <scenario.json> <conformance_runner>
here=$(dirname "$0")
peers="${CRYPTOLAKE_PEERS_DIR:-$here/../peers}"
if ! command -v node >/dev/null 2>&1; then
  echo "SKIPPED: node is not installed"
  exit 77
fi
if [ ! -d "$peers/node_modules/@opentelemetry/sdk-metrics" ] || [ ! -d "$peers/node_modules/@opentelemetry/api" ]; then
  echo "SKIPPED: $peers/node_modules lacks @opentelemetry/sdk-metrics or @opentelemetry/api (run scripts/setup.sh)"
  exit 77
fi
exec node "$here/compare.js" "$1" "$2"
