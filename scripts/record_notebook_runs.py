"""Re-record the real model runs the example notebooks replay (notebooks/recordings/).

Recordings are made from real runs, never written by hand: this starts the local model
(llama-cpp-python serving SmolLM2-135M, see docs/local-model.md), asks the notebooks' questions
about the demo cluster with ``record=``, and stops the server. Run it after changing the tools
or the agent in a way that changes what the model is sent (a replay then reports a mismatch).

    python scripts/record_notebook_runs.py                     # all
    python scripts/record_notebook_runs.py lab-smollm2.json    # some (a follow-up replays its parent)
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "notebooks" / "recordings"
#: (file, question, follow-up of the previous run?, namespace)
RUNS = [
    ("demo-smollm2.json", "what pods are failing?", False, None),
    ("demo-smollm2-followup.json", "why is the checkout pod crashing?", True, None),
    ("lab-smollm2.json", "why is the payments-api pod not starting?", False, None),
    # the quickstart's diagnosis: the evidence-first profile (auto for this server), then a follow-up
    ("quickstart-smollm2.json", "Why does checkout keep restarting?", False, "shop"),
    ("quickstart-smollm2-followup.json", "How do I fix it?", True, "shop"),
]


def main() -> int:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import holmes_nb
    from holmes_nb.llm.entry import ModelEntry
    from holmes_nb.llm.localmodel import LocalModel

    OUT.mkdir(parents=True, exist_ok=True)
    wanted = sys.argv[1:] or [name for name, *_ in RUNS]
    server = LocalModel().start()
    previous = None
    try:
        for i, (name, question, follow, namespace) in enumerate(RUNS):
            if name not in wanted:
                previous = None
                continue
            if follow and previous is None:  # the parent run, replayed from its recording
                parent, parent_question, _, parent_ns = RUNS[i - 1]
                entry = ModelEntry(key=parent, model=f"replay/{OUT / parent}")
                if parent_ns:  # the evidence-first parents (see notebooks/holmes-config.yaml)
                    entry = dataclasses.replace(entry, profile="evidence-first")
                previous = holmes_nb.ask(parent_question, model=entry, cluster="demo", namespace=parent_ns)
            inv = holmes_nb.ask(
                question,
                model="local-smollm2",
                config=str(ROOT / "scripts" / "local-model.yaml"),
                cluster="demo",
                namespace=namespace,
                max_steps=6,
                previous=previous if follow else None,
                record=str(OUT / name),
            )
            print(f"{name}: {inv.status}, {len(inv.steps)} steps, {len(inv.calls)} tool calls", file=sys.stderr)
            previous = inv
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
