#!/bin/sh
# ctest python.pytest: run_pytest.sh <python3> <tests dir>. Exit 77 (skipped) when pytest is not
# installed for that interpreter (Debian: python3-pytest, scripts/setup.sh); otherwise pytest's
# own status.
python="$1"
tests="$2"
if ! "$python" -c 'import pytest' 2>/dev/null; then
  echo "SKIP: pytest is not installed for $python (apt-get install python3-pytest)"
  exit 77
fi
exec "$python" -m pytest -q -p no:cacheprovider "$tests"
