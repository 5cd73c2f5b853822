"""Follow-up figures: SmolLM2-135M asked "How do I fix it?" after its evidence-first diagnosis of each
demo-suite scenario, with the follow-up in the evidence-first profile (the conversation is the
evidence, no tools) and, for comparison, in the standard tool loop (what follow-ups did before).

A follow-up passes when the model's own answer matches the scenario's ``expect`` regexes (the root
cause's detail: the fix has to name what to fix); a fallback never passes. Prints a Markdown table.
Needs llama-cpp-python[server] (``pip install -e '.[local]'``); about 1 min per scenario per profile.

    python benchmarks/bench_followup.py [--port 8012] [--standard 4] [--only crash-missing-env ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

FOLLOW_UP = "How do I fix it?"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8012)
    parser.add_argument("--standard", type=int, default=4, help="scenarios also run with standard follow-ups")
    parser.add_argument("--only", nargs="*", help="scenario names")
    parser.add_argument("--answers", help="a JSON file that receives every first and follow-up answer")
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from holmes_nb.api import ask
    from holmes_nb.config import load_config
    from holmes_nb.errors import HolmesError
    from holmes_nb.evaluation.suite import load_suite
    from holmes_nb.llm.localmodel import LocalModel

    suite = load_suite("demo")
    scenarios = [s for s in suite.scenarios if not args.only or s.name in args.only]
    server = LocalModel(port=args.port, n_ctx=4096).start()
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(
            f"modelList:\n  smol:\n    model: openai/smollm2\n    api_base: {server.api_base}\n"
            "    api_key: not-needed\n    temperature: 0\n    custom_args:\n      max_context_size: 4096\n"
        )
    entry = load_config(f.name).select("smol")
    rows: dict[str, list[tuple]] = {"evidence-first": [], "standard": []}
    answers: list[dict] = []
    print("| scenario | follow-up profile | passed | fallback | model requests | tool calls | tokens | seconds |")
    print("|---|---|---|---|---:|---:|---:|---:|")
    try:
        for i, sc in enumerate(scenarios):
            first = ask(sc.question, model=entry, cluster=sc.cluster, namespace=sc.namespace)
            profiles = ["evidence-first"] + (["standard"] if i < args.standard else [])
            for profile in profiles:
                t0 = time.monotonic()
                try:
                    inv = ask(FOLLOW_UP, model=dataclasses.replace(entry, profile=profile), cluster=sc.cluster,
                              namespace=sc.namespace, previous=first, max_steps=6)  # fmt: skip
                except HolmesError as e:
                    inv = e.investigation
                secs = time.monotonic() - t0
                passed = not inv.fallback and not sc.missing(inv.answer)
                requests = sum(1 for s in inv.steps if s.index > 0)
                tokens = inv.prompt_tokens + inv.completion_tokens
                rows[profile].append((passed, inv.fallback, tokens, secs))
                answers.append({"scenario": sc.name, "profile": profile, "passed": passed, "first": first.answer,
                                "first_passed": not sc.missing(first.answer), "answer": inv.answer})  # fmt: skip
                print(f"| {sc.name} | {profile} | {'yes' if passed else 'no'} | {'yes' if inv.fallback else 'no'} "
                      f"| {requests} | {len(inv.calls)} | {tokens} | {secs:.0f} |", flush=True)  # fmt: skip
    finally:
        server.stop()
        os.unlink(f.name)
        if args.answers:
            Path(args.answers).write_text(json.dumps(answers, indent=1))
    print("\n| follow-up profile | scenarios | passed | fallbacks | tokens (median) | seconds (median) |")
    print("|---|---:|---:|---:|---:|---:|")
    for profile, got in rows.items():
        if got:
            print(f"| {profile} | {len(got)} | {sum(r[0] for r in got)} | {sum(r[1] for r in got)} "
                  f"| {statistics.median(r[2] for r in got):.0f} | {statistics.median(r[3] for r in got):.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
