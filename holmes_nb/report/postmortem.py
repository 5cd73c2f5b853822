"""A postmortem in Markdown: a one-screen summary, then every question of the conversation (the
first and each follow-up) with its answer, the findings (root causes first), the evidence tables
(identical ones once), the tool call log with kubectl equivalents, token usage and cost, the timeline.

    text = postmortem_markdown(inv)                 # also what inv.to_markdown() returns
    paths = export_postmortem(inv, "postmortem.md")  # [postmortem.md, postmortem-timeline.png]

Everything written is scrubbed (known API keys, bearer tokens, URL passwords).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from holmes_nb.errors import HolmesError
from holmes_nb.redact import scrub
from holmes_nb.report.conversation import calls_of, conversation, findings_of, summary_lines, unique_tables
from holmes_nb.report.html import args_text

#: longest cell in a Markdown table (tool messages can be long)
MAX_CELL = 300


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "NaT":
        return ""
    if hasattr(value, "isoformat") and hasattr(value, "tzinfo"):  # Timestamp / datetime
        return value.strftime("%Y-%m-%d %H:%M:%SZ") if value.tzinfo else value.isoformat(sep=" ")
    text = scrub(" ".join(str(value).split()))  # before cutting: a cut key no longer matches
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|")


def markdown_table(frame: Any, max_rows: int = 20) -> str:
    """A DataFrame as a GitHub Markdown table of at most ``max_rows`` rows (plus a line saying how
    many were left out). Numbers are right-aligned."""
    cols = [str(c) for c in frame.columns]
    if not cols:
        return "*(no columns)*"
    numeric = [dtype.kind in "iuf" for dtype in frame.dtypes]
    lines = [
        "| " + " | ".join(_cell(c) for c in cols) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    for row in frame.head(max_rows).itertuples(index=False, name=None):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    if not len(frame):
        lines.append("| " + " | ".join("" for _ in cols) + " |")
    more = len(frame) - min(len(frame), max_rows)
    if more > 0:
        lines += ["", f"*… {more} more rows ({max_rows} of {len(frame)} shown)*"]
    return "\n".join(lines)


def _demote(markdown: str, top: int = 3) -> str:
    """Shift the answer's headings so the biggest is level ``top`` (under "## Answer"); code
    fences are left alone."""
    lines, fenced, heads = markdown.splitlines(), False, []
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and re.match(r"^#{1,6}\s", line):
            heads.append(i)
    shift = max(0, top - min((len(lines[i]) - len(lines[i].lstrip("#")) for i in heads), default=top))
    for i in heads:
        hashes = len(lines[i]) - len(lines[i].lstrip("#"))
        lines[i] = "#" * min(6, hashes + shift) + lines[i][hashes:]
    return "\n".join(lines)


def _title(chain: list[Any], title: str | None) -> list[str]:
    first = scrub(chain[0].question.strip()).splitlines() or [""]
    return [f"# {title or 'Postmortem: ' + first[0][:100]}", ""]


def _question(inv: Any, n: int) -> list[str]:
    """One question of the conversation: the question quoted and its run's facts."""
    model = f"`{inv.model}`" + (f" (`{inv.model_id}`)" if inv.model_id and inv.model_id != inv.model else "")
    tokens = inv.prompt_tokens + inv.completion_tokens
    when = inv.started_at + (f" → {inv.finished_at}" if inv.finished_at else "")
    question = scrub(inv.question.strip())
    lines = ["## Question" if n == 1 else f"## Follow-up {n - 1}", ""]
    lines += ["> " + q for q in question.splitlines()] + [""]
    return lines + [
        "| | |",
        "|---|---|",
        f"| model | {model} |",
        f"| cluster | `{inv.cluster or '?'}` |",
        f"| status | {inv.status} |",
        f"| when | {when} |",
        f"| steps | {len(inv.steps)} ({len(inv.calls)} tool calls) |",
        f"| tokens | {tokens} ({inv.prompt_tokens} prompt, {inv.completion_tokens} completion) |",
        f"| cost | ${inv.cost:.4f} |",
        "",
    ]


def _answer(inv: Any, n: int) -> list[str]:
    head = "## Answer" if n == 1 else f"## Answer to follow-up {n - 1}"
    lines = [head, "", _demote(inv.answer.strip()) if inv.answer else "*(no answer)*", ""]
    if inv.error:
        lines += [f"**Error:** {inv.error}", ""]
    lines += [f"> **Note:** {w}" for w in inv.warnings] + ([""] if inv.warnings else [])
    return lines


def _findings(chain: list[Any], max_rows: int) -> list[str]:
    found = findings_of(chain)
    if found is None or not len(found):
        return []
    return [
        "## Findings (root causes first)",
        "",
        "An empty `caused_by` is a root cause; the others follow from the finding they name.",
        "",
        markdown_table(found, max_rows),
        "",
    ]


def _evidence(chain: list[Any], max_rows: int) -> list[str]:
    lines = ["## Evidence", ""]
    tables = unique_tables(chain)
    for i, (n, c, seen) in enumerate(tables, 1):
        where = f" (question {n})" if len(chain) > 1 else ""
        again = f"; the same table came back {seen - 1} more time(s)" if seen > 1 else ""
        lines += [
            f"### {i}. `{c.tool}`({args_text(c.arguments)}): {len(c.frame)} rows{where}{again}",
            "",
            markdown_table(c.frame, max_rows),
            "",
        ]
    if not tables:
        lines += ["*No tool returned a table.*", ""]
    return lines


def _call_log(chain: list[Any]) -> list[str]:
    lines = ["## Tool call log", ""]
    calls = calls_of(chain)
    if not calls:
        return lines + ["*No tool calls.*", ""]
    lines += [
        "| # | step | tool | arguments | status | ms | tokens | rows | error | question | kubectl |",
        "|---:|---:|---|---|---|---:|---:|---:|---|---:|---|",
    ]
    for i, (n, c) in enumerate(calls, 1):
        args = _cell(json.dumps(c.arguments, sort_keys=True, ensure_ascii=False, default=str))
        rows = "" if c.frame is None or not hasattr(c.frame, "__len__") else len(c.frame)
        kubectl = f"`{_cell(c.kubectl)}`" if c.kubectl else ""
        lines.append(
            f"| {i} | {c.step} | `{_cell(c.tool)}` | `{args}` | {c.status} | {c.duration_ms:.0f} | "
            f"{c.tokens} | {rows} | {_cell(c.error)} | {n} | {kubectl} |"
        )
    return lines + [""]


def _usage(chain: list[Any]) -> list[str]:
    lines = [
        "## Token usage",
        "",
        "| step | prompt | completion | total | max_tokens | seconds | tool calls |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, inv in enumerate(chain, 1):
        for s in inv.steps:
            label = s.index if len(chain) == 1 else f"{n}.{s.index}"
            lines.append(
                f"| {label} | {s.prompt_tokens} | {s.completion_tokens} | {s.prompt_tokens + s.completion_tokens} "
                f"| {s.max_tokens} | {s.duration_s:.1f} | {len(s.tool_calls)} |"
            )
    prompt, completion = sum(i.prompt_tokens for i in chain), sum(i.completion_tokens for i in chain)
    seconds = sum(s.duration_s for i in chain for s in i.steps)
    calls = sum(len(i.calls) for i in chain)
    lines.append(f"| **total** | {prompt} | {completion} | {prompt + completion} | | {seconds:.1f} | {calls} |")
    cost = sum(i.cost for i in chain)
    return lines + ["", f"Cost: ${cost:.4f} (0 for local models).", ""]


def _timeline(frame: Any, png: str | None, max_rows: int) -> list[str]:
    lines = ["## Timeline", ""]
    if png:
        lines += [f"![Timeline of events, restarts and terminations]({png})", ""]
    if frame is None or not len(frame):
        return lines + [
            "*No events, restarts or terminations in the evidence.*",
            "",
            "No timed events in this investigation.",
            "",
        ]
    lines += [
        "Times come from the evidence the tools returned (ages are rounded like kubectl's).",
        "",
        markdown_table(frame.drop(columns=["since"]), max_rows),
        "",
    ]
    return lines


def _render(inv: Any, title: str | None, timeline_png: str | None, max_rows: int, frame: Any) -> str:
    chain = conversation(inv)
    lines = _title(chain, title) + summary_lines(chain, frame)
    for n, link in enumerate(chain, 1):
        lines += _question(link, n) + _answer(link, n)
    lines += (
        _findings(chain, max_rows)
        + _evidence(chain, max_rows)
        + _call_log(chain)
        + _usage(chain)
        + _timeline(frame, timeline_png, max(max_rows, 50))
    )
    return scrub("\n".join(lines).rstrip() + "\n")


def _joined(inv: Any) -> Any:
    """The conversation as one Investigation-like object for the timeline (every question's calls)."""
    from types import SimpleNamespace

    chain = conversation(inv)
    calls = [c for _, c in calls_of(chain)]
    return SimpleNamespace(question=chain[0].question, calls=calls, cluster=inv.cluster, started_at=chain[0].started_at)


def postmortem_markdown(
    inv: Any, *, title: str | None = None, timeline_png: str | None = None, max_rows: int = 20
) -> str:
    """The postmortem of ``inv`` as Markdown; ``timeline_png`` (a path or URL) adds an image link.

    ``Path("pm.md").write_text(postmortem_markdown(inv, title="Checkout outage"))``
    """
    from holmes_nb.report.timeline import timeline_frame

    return _render(inv, title, timeline_png, max_rows, timeline_frame(_joined(inv)))


def export_postmortem(inv: Any, path: str | Path, *, title: str | None = None) -> list[Path]:
    """Write the postmortem to ``path`` (Markdown) and, when matplotlib is installed and there is a
    timeline, ``<name>-timeline.png`` beside it. Returns the written paths, Markdown first.

    ``export_postmortem(inv, "postmortem.md")``
    """
    from holmes_nb.report.timeline import plot_timeline, timeline_frame

    md = Path(path).expanduser()
    frame = timeline_frame(_joined(inv))
    written: list[Path] = []
    png = None
    try:
        md.parent.mkdir(parents=True, exist_ok=True)
        if len(frame) and frame["time"].notna().any() and _has_matplotlib():
            png = md.with_name(md.stem + "-timeline.png")
            fig = plot_timeline(frame)
            fig.savefig(png, dpi=100, metadata={"Software": None})
            written.append(png)
        md.write_text(_render(inv, title, quote(png.name) if png else None, 20, frame), encoding="utf-8")
    except OSError as e:
        raise HolmesError(
            f"cannot write the postmortem to {md}: {e.strerror or e}",
            hint="choose a writable path, e.g. export_postmortem(inv, 'postmortem.md')",
        ) from None
    return [md] + written


def _has_matplotlib() -> bool:
    from importlib.util import find_spec

    return find_spec("matplotlib") is not None
