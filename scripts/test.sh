#!/usr/bin/env bash
# The test command from the README: build a virtualenv from scratch, install holmes-nb with its
# dev extras, run the whole suite. Works on a fresh machine with only Python >= 3.10 and pip.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${HOLMES_NB_VENV:-.venv}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# .[local] builds llama-cpp-python from source the first time (~7 min on 2 cores; pip caches the wheel)
CMAKE_ARGS=${CMAKE_ARGS:--DGGML_NATIVE=OFF} "$VENV/bin/python" -m pip install -q -e '.[dev,local]'
export LITELLM_LOCAL_MODEL_COST_MAP=True   # never reach for the network at import
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
