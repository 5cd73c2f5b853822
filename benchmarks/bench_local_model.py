"""Small-model figures: SmolLM2-135M on llama-cpp-python investigating the demo cluster.

Prints a Markdown table: steps, tool calls, prompt tokens per request (as the server counted
them), seconds per step, and how many of the demo's unhealthy pods the answer names.
Needs llama-cpp-python[server] (``pip install -e '.[local]'``).

    python benchmarks/bench_local_model.py [--port 8012] [--max-steps 6]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile

QUESTIONS = [
    "what pods are failing?",
    "why is the checkout pod crashing?",
    "is the payments namespace healthy?",
    "which nodes have problems?",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8012)
    parser.add_argument("--max-steps", type=int, default=6)
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from holmes_nb.api import ask
    from holmes_nb.errors import HolmesError
    from holmes_nb.llm.localmodel import LocalModel

    server = LocalModel(port=args.port, n_ctx=4096).start()
    config = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)  # noqa: SIM115 (closed below, kept for the run)
    config.write(
        f"modelList:\n  smol:\n    model: openai/smollm2\n    api_base: {server.api_base}\n"
        "    api_key: not-needed\n    temperature: 0\n    custom_args:\n      max_context_size: 4096\n"
    )
    config.close()
    import holmes_nb

    unhealthy = list(holmes_nb.cluster("demo").pods(unhealthy=True)["name"])
    print(
        "| question | status | steps | tool calls (ok) | prompt tokens/request median (max) | s/step median "
        f"| unhealthy pods named in the answer (of {len(unhealthy)}) | answer from |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    try:
        for q in QUESTIONS:
            try:
                inv = ask(q, cluster="demo", config=config.name, max_steps=args.max_steps)
            except HolmesError as e:
                inv = e.investigation
            prompts = [s.prompt_tokens for s in inv.steps]
            secs = [s.duration_s for s in inv.steps]
            ok = sum(c.status == "ok" for c in inv.calls)
            named = sum(name in (inv.answer or "") for name in unhealthy)
            source = "evidence (model gave none)" if any("no usable answer" in w for w in inv.warnings) else "model"
            print(
                f"| {q} | {inv.status} | {len(inv.steps)} | {len(inv.calls)} ({ok}) | "
                f"{statistics.median(prompts):.0f} ({max(prompts)}) | {statistics.median(secs):.1f} | {named} | "
                f"{source} |"
            )
    finally:
        server.stop()
        os.unlink(config.name)


if __name__ == "__main__":
    main()
