#!/usr/bin/env bash
# Refresh the screenshots in docs/images/ that the browser tests take: the streaming live view
# mid-run (with its Stop button) and the timeline of the stopped run (tests/test_browser_stream.py).
#   bash scripts/docs_screenshots.sh            # needs /usr/bin/chromium and playwright (scripts/ci-browser-deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
PYTHONPATH=$PWD LITELLM_LOCAL_MODEL_COST_MAP=True HOLMES_NB_BROWSER=1 HOLMES_NB_DOCS_IMAGES=1 \
  "$PY" -m pytest -q -p no:cacheprovider tests/test_browser_stream.py
ls -l docs/images/live-view-streaming.png docs/images/timeline.png
