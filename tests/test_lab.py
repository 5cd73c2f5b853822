"""The training lab: shipped with the learner's answer blank, and a grader that checks the model's
own answer (holmes_nb.evaluation's verdict on the demo suite), never the evidence dump."""

from __future__ import annotations

import json
from pathlib import Path

import holmes_nb
from devkit.openai_server import call, say
from holmes_nb.config import load_config
from holmes_nb.evaluation.runner import grade

ROOT = Path(__file__).resolve().parent.parent
CORRECT = "Secret stripe-credentials has no key api-key, which the payments-api container needs: add the key."


def test_lab_ships_with_a_blank_answer_that_does_not_pass():
    nb = json.loads((ROOT / "notebooks" / "03-training-lab.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any(s.startswith('my_answer = ""') for s in sources)
    graded = next(c for c in nb["cells"] if "".join(c["source"]).rstrip().endswith("check(my_answer)"))
    assert "No answer yet" in "".join("".join(o.get("text", "")) for o in graded["outputs"])
    assert grade("", "missing-secret-key") == (False, ["api-key", "stripe-credentials"])


def test_the_labs_recorded_model_does_not_pass(monkeypatch):
    monkeypatch.chdir(ROOT / "notebooks")
    cfg = load_config("holmes-config.yaml")
    inv = holmes_nb.ask("why is the payments-api pod not starting?", model="recorded-lab", cluster="demo", config=cfg)
    assert inv.fallback and grade(inv, "missing-secret-key")[0] is False


def test_the_evidence_dump_never_passes_for_the_model(model_server, openai_env):
    pod = {"kind": "pod", "name": "payments-api-4vbbt5ts8q-kzz9x", "namespace": "payments"}
    openai_env(model_server([call("describe", pod), say(""), say("")]))  # no answer of its own
    inv = holmes_nb.ask("Why won't payments-api start?", model="openai/scripted", cluster="demo")
    assert inv.fallback and grade(inv.answer, "missing-secret-key")[0]  # the evidence names the cause ...
    assert grade(inv, "missing-secret-key")[0] is False  # ... but it is not the model's diagnosis


def test_a_model_that_names_the_cause_passes(model_server, openai_env):
    openai_env(model_server([call("list_pods", namespace="payments"), say(CORRECT)]))
    inv = holmes_nb.ask("Why won't payments-api start?", model="openai/scripted", cluster="demo")
    assert grade(inv, "missing-secret-key") == (True, [])
