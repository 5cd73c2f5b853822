"""``holmes-nb eval``: run a suite of incidents on one or more models and print who diagnosed what.

holmes-nb eval demo --model local-llama
holmes-nb eval suite.yaml --model a --model b --concurrency 2 --json-output-file runs.json --judge gpt
Exit codes: 0 every run passed, 1 some run failed or errored, 2 usage/configuration, 130 interrupted
(the finished rows are still printed and written).
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "eval",
        help="measure diagnosis: run a suite of incidents on one or more models",
        description="Run every scenario of SUITE (a YAML file, or `demo` for the bundled suite) on every "
        "--model and print one row per run. A run passes when the model's own answer matches every "
        "`expect` regex; an evidence fallback never passes. See docs/evaluation.md.",
    )
    p.add_argument("suite", metavar="SUITE", help="a suite YAML file, or `demo`")
    p.add_argument(
        "--model", action="append", required=True, metavar="KEY", help="a modelList key or LiteLLM id (repeat)"
    )
    p.add_argument("--config", metavar="FILE", help="config or Helm values file (as for ask)")
    p.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="models run at once (default 1; one run at a time per server)",
    )
    p.add_argument("--judge", metavar="KEY", help="a model that gives a second verdict on each answer")
    p.add_argument("--max-steps", type=int, metavar="N", help="steps per run unless a scenario sets max_steps")
    p.add_argument("--json-output-file", metavar="FILE", help="write the runs as a JSON list")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line per run on stderr")
    p.set_defaults(func=run)


def run(args) -> int:
    from holmes_nb.cli.common import stderr, table
    from holmes_nb.evaluation.runner import evaluate

    def progress(r) -> None:
        if not args.quiet:
            mark = "pass" if r.passed else ("error" if r.run.error else "fail")
            stderr(f"holmes-nb: {r.run.model} / {r.scenario.name}: {mark} ({r.run.steps} steps, {r.run.seconds:.1f} s)")

    ev = evaluate(
        args.suite,
        args.model,
        config=args.config,
        concurrency=args.concurrency,
        judge=args.judge,
        max_steps=args.max_steps,
        on_run=progress,
        notice=lambda m: stderr(f"holmes-nb: {m}"),
    )
    if args.json_output_file:
        ev.to_json(args.json_output_file)
    rows = [_cells(r.to_dict(ev.judged)) for r in ev.runs]
    columns = ["scenario", "model", "passed", "fallback", "steps", "tool_calls", "tokens", "seconds", "error"]
    print(table(rows, columns + (["judge"] if ev.judged else [])))
    summary = ev.summary().to_dict("records")
    print()
    print(table(summary, ["model", "runs", "passed", "pass_rate", "fallbacks", "errors", "median_tokens"]))
    if ev.interrupted:
        stderr(f"holmes-nb: interrupted; {len(ev.runs)} finished run(s) kept")
        return 130
    return 0 if ev.runs and all(r.passed for r in ev.runs) else 1


def _cells(row: dict) -> dict:
    error = row.get("error")
    return {**row, "error": (error[:60] + "...") if error and len(error) > 63 else error}
