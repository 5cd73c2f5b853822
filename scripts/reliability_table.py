#!/usr/bin/env python3
"""Run the reliability tests and write their figures into docs/reliability.md.

The tests of issue 7 write counts to ``$HOLMES_NB_FIGURES_DIR/*.json`` when that variable is set:
``readonly.json`` (tests/test_readonly.py), ``secrets.json`` (tests/test_secrets.py),
``faults.json`` (tests/test_faults.py), ``fuzz.json`` (tests/test_fuzz.py) and ``hostile.json``
(tests/test_hostile.py, the hostile inputs of issue 18). This script runs
those test files with the variable pointing at a temporary directory, reads every ``*.json`` there,
and replaces the text between ``<!-- figures:start -->`` and ``<!-- figures:end -->`` in
docs/reliability.md with Markdown tables. A file that is missing gives "not measured".

    python scripts/reliability_table.py                  # run the tests, update the doc
    python scripts/reliability_table.py --from DIR       # use figures a test run already wrote
    python scripts/reliability_table.py --print          # print the tables, leave the doc alone

Exit status: pytest's (0 when every test passed), or 1 when a figure breaks its rule.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"
TEST_FILES = [
    "tests/test_readonly.py",
    "tests/test_secrets.py",
    "tests/test_faults.py",
    "tests/test_fuzz.py",
    "tests/test_hostile.py",
]
NOT_MEASURED = "not measured"


def run_tests(figures_dir: Path) -> tuple[int, str]:
    """Run the reliability test files (those that exist) with HOLMES_NB_FIGURES_DIR set."""
    files = [f for f in TEST_FILES if (ROOT / f).exists()]
    env = {**os.environ, "HOLMES_NB_FIGURES_DIR": str(figures_dir), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.strip()]
    summary = lines[-1].strip("= ") if lines else "no output"
    if proc.returncode:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
    return proc.returncode, summary


def read_figures(figures_dir: Path) -> dict[str, dict]:
    """``{"faults": {...}, "fuzz": {...}, ...}`` from every ``*.json`` in the directory."""
    out = {}
    for path in sorted(figures_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            sys.stderr.write(f"reliability_table: skipping {path.name}: {e}\n")
            continue
        if isinstance(data, dict):
            out[path.stem] = data
    return out


def _get(figs: dict, name: str, *keys: str):
    """The first of ``keys`` present in figures file ``name``, else None."""
    data = figs.get(name) or {}
    return next((data[k] for k in keys if isinstance(data.get(k), (int, float))), None)


def _fmt(value) -> str:
    return NOT_MEASURED if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def _verdict(value, rule) -> str:
    if value is None or rule is None:
        return ""
    return "yes" if rule(value) else "**NO**"


def summary_rows(figs: dict) -> list[tuple[str, str, object, str, object]]:
    """(promise, measure, value, must be, rule) for the main table."""
    writes = _get(figs, "readonly", "write_requests", "writes")
    found = _get(figs, "secrets", "found", "secrets_found")
    injected = _get(figs, "faults", "faults_injected")
    survived = _get(figs, "faults", "faults_survived")
    hostile_tried = _get(figs, "hostile", "inputs_tried")
    hostile_handled = _get(figs, "hostile", "inputs_handled")
    tried = _get(figs, "fuzz", "inputs_tried")
    handled = (
        None
        if tried is None
        else (_get(figs, "fuzz", "clear_errors") or 0) + (_get(figs, "fuzz", "valid_results") or 0)
    )
    checked = (
        None
        if "secrets" not in figs
        else sum(
            v for v in (_get(figs, "secrets", "outputs_checked"), _get(figs, "secrets", "model_requests_checked")) if v
        )
    )
    return [
        (
            "1. It cannot change a cluster",
            "API requests recorded by the snapshot API server",
            _get(figs, "readonly", "api_requests", "requests"),
            "",
            None,
        ),
        ("", "write requests observed", writes, "0", lambda v: v == 0),
        ("2. No secret leaves", "secrets planted", _get(figs, "secrets", "secrets_planted", "planted"), "", None),
        ("", "outputs, files and model requests searched", checked, "", None),
        ("", "secrets found", found, "0", lambda v: v == 0),
        ("3. Faults don't lose work", "faults injected (model server, Kubernetes API, Ctrl-C)", injected, "", None),
        (
            "",
            "faults survived (work kept, clear error or recovery)",
            survived,
            "= injected",
            None if injected is None else (lambda v: v == injected),
        ),
        ("", "bad inputs tried (fuzzing)", tried, "", None),
        (
            "",
            "bad inputs handled (valid result or clear error)",
            handled,
            "= tried",
            None if tried is None else (lambda v: v == tried),
        ),
        ("", "hostile inputs tried (bombs, odd objects, unreadable replies)", hostile_tried, "", None),
        (
            "",
            "hostile inputs handled (valid result or clear error)",
            hostile_handled,
            "= tried",
            None if hostile_tried is None else (lambda v: v == hostile_tried),
        ),
    ]


def summary_table(figs: dict) -> tuple[str, bool]:
    """The main table, and whether every figure keeps its rule."""
    lines = ["| Promise | Measure | Figure | Must be | Holds |", "|---|---|---:|---|---|"]
    ok = True
    for promise, measure, value, must, rule in summary_rows(figs):
        verdict = _verdict(value, rule)
        ok = ok and verdict != "**NO**"
        lines.append(f"| {promise} | {measure} | {_fmt(value)} | {must} | {verdict} |")
    return "\n".join(lines), ok


def detail_table(figs: dict, name: str, by: str, cols: tuple[str, ...], title: str) -> str:
    """A per-kind breakdown (``by_fault`` of faults.json, ``by_target`` of fuzz.json)."""
    rows = (figs.get(name) or {}).get(by) or {}
    if not isinstance(rows, dict) or not rows:
        return ""
    lines = [f"| {title} | " + " | ".join(c.replace("_", " ") for c in cols) + " |", "|---|" + "---:|" * len(cols)]
    for key, val in rows.items():
        val = val if isinstance(val, dict) else {}
        lines.append(f"| {key} | " + " | ".join(_fmt(val.get(c)) for c in cols) + " |")
    return "\n".join(lines)


def render(figs: dict, pytest_summary: str | None) -> tuple[str, bool]:
    table, ok = summary_table(figs)
    source = ", ".join(f"`{f}`" for f in TEST_FILES)
    ran = f" (pytest: {pytest_summary})" if pytest_summary else ""
    parts = [
        f"Produced by `python scripts/reliability_table.py` on {date.today().isoformat()}{ran} from {source}.",
        "",
        table,
    ]
    faults = detail_table(figs, "faults", "by_fault", ("injected", "survived"), "Fault")
    fuzz = detail_table(figs, "fuzz", "by_target", ("tried", "clear_errors"), "Fuzzed input")
    hostile = detail_table(figs, "hostile", "by_class", ("tried", "handled"), "Hostile input")
    for heading, body in (
        ("Faults injected, by kind", faults),
        ("Inputs fuzzed, by target", fuzz),
        ("Hostile inputs, by class", hostile),
    ):
        if body:
            parts += ["", f"**{heading}**", "", body]
    return "\n".join(parts), ok


def write_doc(text: str, doc: Path = DOC) -> None:
    """Replace what is between the markers (the doc must have both)."""
    current = doc.read_text(encoding="utf-8")
    if START not in current or END not in current:
        raise SystemExit(f"{doc}: the markers {START} and {END} are missing")
    head, rest = current.split(START, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", metavar="DIR", help="read figures from DIR instead of running tests")
    parser.add_argument("--print", action="store_true", help="print the tables instead of updating the doc")
    args = parser.parse_args(argv)
    code, summary = 0, None
    with tempfile.TemporaryDirectory(prefix="holmes-figures-") as tmp:
        figures_dir = Path(args.source) if args.source else Path(tmp)
        if not args.source:
            code, summary = run_tests(figures_dir)
        text, ok = render(read_figures(figures_dir), summary)
    if args.print:
        print(text)
    else:
        write_doc(text)
        print(f"updated {DOC.relative_to(ROOT)}" + (f" (pytest: {summary})" if summary else ""))
    if not ok:
        sys.stderr.write("reliability_table: a figure breaks its rule (see the Holds column)\n")
    return code or (0 if ok else 1)


if __name__ == "__main__":
    sys.exit(main())
