#!/usr/bin/env bash
# What tests/test_browser.py needs on a fresh Debian machine: Debian's Chromium (/usr/bin/chromium) and the
# playwright Python package in the given venv (created if missing, as scripts/test.sh would).
#   bash scripts/ci-browser-deps.sh .venv        # idempotent: well under a second when all is there
# Never `playwright install`: it downloads a browser build, which cannot be fetched here; the test
# launches /usr/bin/chromium instead.
set -euo pipefail
VENV=${1:?usage: $0 VENV_DIR}
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if [ ! -x /usr/bin/chromium ]; then
  echo "ci-browser-deps: installing chromium (apt)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
if ! "$VENV/bin/python" -c "import playwright.sync_api" 2>/dev/null; then
  echo "ci-browser-deps: installing playwright into $VENV (pip)"
  "$VENV/bin/python" -m pip install -q playwright
fi
echo "ci-browser-deps: $(/usr/bin/chromium --version 2>/dev/null | head -1); playwright $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("playwright"))')"
