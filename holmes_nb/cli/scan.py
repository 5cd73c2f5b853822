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
    from holmes_nb.analyzers.causes import summary

    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    roots = summary(findings).split(",")[0]
    return f"{roots}, {len(findings)} finding(s) on {source or 'the cluster'}" + (f": {parts}" if parts else "")


def _grouped(findings) -> list[tuple[int, object]]:
    """(depth, finding): root causes first (depth 0), their consequences under them."""
    from holmes_nb.analyzers.causes import by_root

    return [(d, f) for root, below in by_root(findings) for d, f in [(0, root), *below]]


def _cause_note(f) -> str:
    return f" (follows from {f.caused_by.replace('//', '/')})" if f.caused_by else ""


def _table(findings, source: str) -> str:
    if not findings:
        return f"No findings on {source or 'the cluster'}."
    from holmes_nb.analyzers.causes import summary
    from holmes_nb.cli.common import table

    grouped = _grouped(findings)
    rows = [
        {
            "severity": f.severity,
            "kind": ("  " * d + "<- " if d else "") + f.kind,
            "object": _where(f),
            "reason": f.reason,
        }
        for d, f in grouped
    ]
    lines = [table(rows, ["severity", "kind", "object", "reason"]), ""]
    lines.append(f"{summary(findings)}: root causes first, what follows from each under it.")
    for d, f in grouped:
        pad = "    " * d
        lines.append(
            ("" if d else "\n")
            + f"{pad}{'<- ' if d else ''}[{f.severity}] {f.kind} {_where(f)}: {f.reason}"
            + _cause_note(f)
        )
        lines.append(f"{pad}  {f.message}")
        lines += [f"{pad}    - {e}" for e in f.evidence]
    lines += ["", _summary(findings, source)]
    return "\n".join(lines)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown(findings, source: str) -> str:
    lines = [f"## Findings ({_summary(findings, source)})", ""]
    if not findings:
        return "\n".join(lines + ["No findings."])
    grouped = _grouped(findings)
    lines += ["| Severity | Kind | Object | Reason | Message |", "|---|---|---|---|---|"]
    lines += [
        f"| {f.severity} | {'↳ ' * d}{f.kind} | `{_md(_where(f))}` | {_md(f.reason)} | {_md(f.message)} |"
        for d, f in grouped
    ]
    lines.append("")
    for _, f in grouped:
        lines += [f"### {f.severity}: {f.kind} `{_where(f)}` — {f.reason}", ""]
        if f.caused_by:
            lines += [f"Follows from `{f.caused_by}`.", ""]
        lines += [_md(f.message), ""]
        lines += [f"- `{e.replace('`', chr(39))}`" for e in f.evidence]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
