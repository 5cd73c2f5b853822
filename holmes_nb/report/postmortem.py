"""A postmortem in Markdown: question, model, answer, evidence tables, tool call log, token usage, timeline.

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


def _header(inv: Any, title: str | None) -> list[str]:
    model = f"`{inv.model}`" + (f" (`{inv.model_id}`)" if inv.model_id and inv.model_id != inv.model else "")
    tokens = inv.prompt_tokens + inv.completion_tokens
    when = inv.started_at + (f" → {inv.finished_at}" if inv.finished_at else "")
    question = scrub(inv.question.strip())
    lines = [f"# {title or 'Postmortem: ' + question.splitlines()[0][:100]}", "", "## Question", ""]
    lines += ["> " + q for q in question.splitlines()] + [""]
    lines += [
        "| | |",
        "|---|---|",
        f"| model | {model} |",
        f"| cluster | `{inv.cluster or '?'}` |",
        f"| status | {inv.status} |",
        f"| when | {when} |",
        f"| steps | {len(inv.steps)} ({len(inv.calls)} tool calls) |",
        f"| tokens | {tokens} ({inv.prompt_tokens} prompt, {inv.completion_tokens} completion) |",
    ]
    if inv.cost:
        lines.append(f"| cost | ${inv.cost:.4f} |")
    return lines + [""]


def _answer(inv: Any) -> list[str]:
    lines = ["## Answer", "", _demote(inv.answer.strip()) if inv.answer else "*(no answer)*", ""]
    if inv.error:
        lines += [f"**Error:** {inv.error}", ""]
    lines += [f"> **Note:** {w}" for w in inv.warnings] + ([""] if inv.warnings else [])
    return lines


def _evidence(inv: Any, max_rows: int) -> list[str]:
    lines = ["## Evidence", ""]
    shown = 0
    for i, c in enumerate(inv.calls, 1):
        if c.frame is None or not hasattr(c.frame, "columns") or not len(c.frame.columns):
            continue
        shown += 1
        lines += [
            f"### {i}. `{c.tool}`({args_text(c.arguments)}): {len(c.frame)} rows",
            "",
            markdown_table(c.frame, max_rows),
            "",
        ]
    if not shown:
        lines += ["*No tool returned a table.*", ""]
    return lines


def _call_log(inv: Any) -> list[str]:
    lines = ["## Tool call log", ""]
    if not inv.calls:
        return lines + ["*No tool calls.*", ""]
    lines += [
        "| # | step | tool | arguments | status | ms | tokens | rows | error |",
        "|---:|---:|---|---|---|---:|---:|---:|---|",
    ]
    for i, c in enumerate(inv.calls, 1):
        args = _cell(json.dumps(c.arguments, sort_keys=True, ensure_ascii=False, default=str))
        rows = "" if c.frame is None or not hasattr(c.frame, "__len__") else len(c.frame)
        lines.append(
            f"| {i} | {c.step} | `{_cell(c.tool)}` | `{args}` | {c.status} | {c.duration_ms:.0f} | "
            f"{c.tokens} | {rows} | {_cell(c.error)} |"
        )
    return lines + [""]


def _usage(inv: Any) -> list[str]:
    lines = [
        "## Token usage",
        "",
        "| step | prompt | completion | total | max_tokens | seconds | tool calls |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in inv.steps:
        lines.append(
            f"| {s.index} | {s.prompt_tokens} | {s.completion_tokens} | {s.prompt_tokens + s.completion_tokens} "
            f"| {s.max_tokens} | {s.duration_s:.1f} | {len(s.tool_calls)} |"
        )
    seconds = sum(s.duration_s for s in inv.steps)
    lines.append(
        f"| **total** | {inv.prompt_tokens} | {inv.completion_tokens} | "
        f"{inv.prompt_tokens + inv.completion_tokens} | | {seconds:.1f} | {len(inv.calls)} |"
    )
    return lines + [""]


def _timeline(frame: Any, png: str | None, max_rows: int) -> list[str]:
    lines = ["## Timeline", ""]
    if png:
        lines += [f"![Timeline of events, restarts and terminations]({png})", ""]
    if frame is None or not len(frame):
        return lines + ["*No events, restarts or terminations in the evidence.*", ""]
    lines += [
        "Times come from the evidence the tools returned (ages are rounded like kubectl's).",
        "",
        markdown_table(frame.drop(columns=["since"]), max_rows),
        "",
    ]
    return lines


def _render(inv: Any, title: str | None, timeline_png: str | None, max_rows: int, frame: Any) -> str:
    lines = (
        _header(inv, title)
        + _answer(inv)
        + _evidence(inv, max_rows)
        + _call_log(inv)
        + _usage(inv)
        + _timeline(frame, timeline_png, max(max_rows, 50))
    )
    return scrub("\n".join(lines).rstrip() + "\n")


def postmortem_markdown(
    inv: Any, *, title: str | None = None, timeline_png: str | None = None, max_rows: int = 20
) -> str:
    """The postmortem of ``inv`` as Markdown; ``timeline_png`` (a path or URL) adds an image link.

    ``Path("pm.md").write_text(postmortem_markdown(inv, title="Checkout outage"))``
    """
    from holmes_nb.report.timeline import timeline_frame

    return _render(inv, title, timeline_png, max_rows, timeline_frame(inv))


def export_postmortem(inv: Any, path: str | Path, *, title: str | None = None) -> list[Path]:
    """Write the postmortem to ``path`` (Markdown) and, when matplotlib is installed and there is a
    timeline, ``<name>-timeline.png`` beside it. Returns the written paths, Markdown first.

    ``export_postmortem(inv, "postmortem.md")``
    """
    from holmes_nb.report.timeline import plot_timeline, timeline_frame

    md = Path(path).expanduser()
    frame = timeline_frame(inv)
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
