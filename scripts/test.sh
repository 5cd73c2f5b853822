#!/usr/bin/env bash
# The test command from the README: build a virtualenv from scratch, install holmes-nb with its
# dev extras, then (fail fast) ruff check, ruff format --check and mypy, and the whole suite: tests/ and the
# example notebooks under nbval.
# Works on a fresh machine with only Python >= 3.10 and pip. Arguments go to pytest instead of the
# default paths, and the lint/type steps are skipped (e.g. `bash scripts/test.sh tests/test_magics.py -x`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${HOLMES_NB_VENV:-.venv}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# .[local] builds llama-cpp-python from source the first time (~7 min on 2 cores; pip caches the wheel)
CMAKE_ARGS=${CMAKE_ARGS:--DGGML_NATIVE=OFF} "$VENV/bin/python" -m pip install -q -e '.[dev,local]'
export LITELLM_LOCAL_MODEL_COST_MAP=True   # never reach for the network at import
export HOLMES_NB_LIVE_DISPLAY=off          # notebooks under nbval keep final outputs only
NBVAL=(--nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg)
if [ $# -eq 0 ]; then   # the whole check: lint, format, types, then tests/ and the notebooks
  step() { echo "== $*"; "$@" || { echo "test.sh: '$*' failed" >&2; exit 1; }; }
  step "$VENV/bin/ruff" check .
  step "$VENV/bin/ruff" format --check .
  step "$VENV/bin/mypy"
  echo "== pytest tests notebooks"
  set -- tests notebooks
fi
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider "${NBVAL[@]}" "$@"
