#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then run the whole suite.
#   bash scripts/test.sh            # all tests
#   bash scripts/test.sh -k tasks   # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"

# Debian's chromium for the real-browser tests (never `playwright install`: it downloads).
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

"$PYTHON" -m pip install -q -r requirements-test.txt

"$PYTHON" -m pytest "$@"
