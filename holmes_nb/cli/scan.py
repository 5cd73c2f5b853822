"""``holmes-nb scan``: run the deterministic analyzers (no LLM) and print the findings.

holmes-nb scan --cluster demo --severity warning --format markdown
holmes-nb scan --cluster ./dump --format json --fail-on critical     # exit 3 when a critical finding exists
"""

from __future__ import annotations

import json

from holmes_nb.frontdoor.cli_args import add_command
from holmes_nb.frontdoor.table import SEVERITIES

#: exit code of ``--fail-on`` when a finding at or above that severity exists (0/1/2 are taken)
EXIT_FINDINGS = 3


def register(sub) -> None:
    add_command(sub, "scan").set_defaults(func=run)


def run(args) -> int:
    from holmes_nb.cli.common import stderr
    from holmes_nb.frontdoor.actions import at_least, scan_findings

    findings, source = scan_findings(
        args.cluster, args.namespace, args.config, notice=lambda m: stderr(f"holmes-nb: {m}")
    )
    print(render(at_least(findings, args.severity), args.format, source=source))
    if args.fail_on and at_least(findings, args.fail_on):
        return EXIT_FINDINGS
    return 0


def render(findings, fmt: str, source: str = "") -> str:
    """The findings as ``table`` (aligned text), ``json`` (a list of objects) or ``markdown``."""
    if fmt == "json":
        return json.dumps([f.to_dict() for f in findings], indent=2)
    if fmt == "markdown":
        return _markdown(findings, source)
    return _table(findings, source)


def _where(f) -> str:
    return f"{f.namespace}/{f.name}" if f.namespace else (f.name or "-")


def _summary(findings, source: str) -> str:
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return f"{len(findings)} finding(s) on {source or 'the cluster'}" + (f": {parts}" if parts else "")


def _table(findings, source: str) -> str:
    if not findings:
        return f"No findings on {source or 'the cluster'}."
    from holmes_nb.cli.common import table

    rows = [{"severity": f.severity, "kind": f.kind, "object": _where(f), "reason": f.reason} for f in findings]
    lines = [table(rows, ["severity", "kind", "object", "reason"]), ""]
    for f in findings:
        lines.append(f"[{f.severity}] {f.kind} {_where(f)}: {f.reason}")
        lines.append(f"  {f.message}")
        lines += [f"    - {e}" for e in f.evidence]
    lines += ["", _summary(findings, source)]
    return "\n".join(lines)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown(findings, source: str) -> str:
    lines = [f"## Findings ({_summary(findings, source)})", ""]
    if not findings:
        return "\n".join(lines + ["No findings."])
    lines += ["| Severity | Kind | Object | Reason | Message |", "|---|---|---|---|---|"]
    lines += [
        f"| {f.severity} | {f.kind} | `{_md(_where(f))}` | {_md(f.reason)} | {_md(f.message)} |" for f in findings
    ]
    lines.append("")
    for f in findings:
        lines += [f"### {f.severity}: {f.kind} `{_where(f)}` — {f.reason}", "", _md(f.message), ""]
        lines += [f"- `{e.replace('`', chr(39))}`" for e in f.evidence]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
