"""``holmes-nb eval``: run a suite of incidents on one or more models and print who diagnosed what.

holmes-nb eval demo --model local-llama
holmes-nb eval suite.yaml --model a --model b --concurrency 2 --json-output-file runs.json --judge gpt
Exit codes: 0 every run passed, 1 some run failed or errored, 2 usage/configuration, 130 interrupted
(the finished rows are still printed and written).
"""

from __future__ import annotations

from holmes_nb.frontdoor.cli_args import add_command


def register(sub) -> None:
    add_command(sub, "eval").set_defaults(func=run)


def run(args) -> int:
    from holmes_nb.cli.common import stderr, table
    from holmes_nb.errors import ConfigError
    from holmes_nb.evaluation.runner import evaluate

    if not args.suite or not args.model:
        raise ConfigError("eval needs a SUITE and at least one --model", hint="holmes-nb eval demo --model KEY")

    def progress(r) -> None:
        if not args.quiet:
            mark = "passed" if r.passed else ("error" if r.run.error else "failed")
            stderr(
                f"holmes-nb: {r.run.model} / {r.scenario.name} -> {mark} ({r.run.steps} steps, {r.run.seconds:.1f} s)"
            )

    ev = evaluate(
        args.suite,
        args.model,  # a list: --model repeats
        config=args.config,
        concurrency=args.concurrency or 1,
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
