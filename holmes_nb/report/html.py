"""HTML components for an Investigation: one block per tool call, the answer, the whole run.

    html = investigation_html(inv)            # header, answer, warnings, one <details> per tool call
    block = tool_call_html(inv.calls[0])       # what the live view shows when a call finishes

Output is stable: the same input gives byte-identical HTML (no random ids, no clock reads).
Values that differ between two runs of the same question sit in their own elements
(``class="hnb-duration"``, ``"hnb-tokens"``, ``"hnb-time"``) so a notebook diff (nbval) can mask
them. Every string shown goes through :func:`holmes_nb.redact.scrub` before it is escaped.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from holmes_nb.redact import scrub
from holmes_nb.report.mdhtml import markdown_to_html

#: longest tool text shown in a <pre> (the model usually read a cut version already)
MAX_TEXT_CHARS = 20_000
_STATUS_COLORS = {"ok": "#1a7f37", "error": "#cf222e", "refused": "#9a6700", "unknown_tool": "#9a6700"}
_MUTED = "color:#57606a;font-size:0.9em"
#: beats JupyterLab's ``.jp-RenderedHTMLCommon td`` (more specific, and later in the page)
_NOWRAP_STYLE = (
    "<style>div.hnb-table-scroll table { table-layout: auto; margin: 0; }"
    " div.hnb-table-scroll td, div.hnb-table-scroll th { white-space: nowrap; }</style>"
)


def _e(value: Any) -> str:
    """Scrubbed, escaped text."""
    return escape(scrub(str(value)), quote=True)


def args_text(arguments: Any, limit: int = 200) -> str:
    """``namespace="shop", previous=true``: a call's arguments on one line (JSON values)."""
    if not isinstance(arguments, dict):
        text = str(arguments)
    else:
        text = ", ".join(
            f"{k}={json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)}"
            for k, v in sorted(arguments.items())
        )
    text = scrub(text)  # before cutting: a cut key no longer matches
    return text if len(text) <= limit else text[: limit - 1] + "…"


def duration_text(ms: float | None) -> str:
    """``12 ms``, ``1.4 s``."""
    if ms is None:
        return ""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def frame_html(frame: Any, max_rows: int = 20) -> str:
    """A DataFrame as an HTML table of at most ``max_rows`` rows (string cells scrubbed), plus a
    line saying how many rows were left out."""
    shown = frame.head(max_rows).map(lambda v: scrub(v) if isinstance(v, str) else v)
    table = shown.to_html(index=False, border=0, na_rep="", classes="hnb-table", escape=True)
    table = scroll_table(table)
    more = len(frame) - len(shown)
    if more > 0:
        table += f'\n<div style="{_MUTED}">… {more} more rows ({len(shown)} of {len(frame)} shown)</div>'
    return table


def scroll_table(table: str) -> str:
    """An HTML table in a box that scrolls sideways, each row on one line. JupyterLab's CSS sets
    ``white-space: normal`` on every cell and squeezes a table wider than the output until its
    cells wrap; the box's style undoes that for its own table only."""
    return f'<div class="hnb-table-scroll" style="overflow-x:auto">{_NOWRAP_STYLE}{table}</div>'


def _is_frame(value: Any) -> bool:
    return value is not None and hasattr(value, "to_html") and hasattr(value, "head") and hasattr(value, "map")


def _summary(record: Any) -> str:
    color = _STATUS_COLORS.get(record.status, "#57606a")
    parts = [
        f"step {int(record.step)}",
        f"<code>{_e(record.tool)}</code>(<code>{_e(args_text(record.arguments))}</code>)",
        f'<span class="hnb-status" style="color:{color};font-weight:600">{_e(record.status)}</span>',
        f'<span class="hnb-duration">{duration_text(record.duration_ms)}</span>',
    ]
    if _is_frame(record.frame):
        parts.append(f"{len(record.frame)} rows")
    return " · ".join(parts)


def rerun_html(record: Any, cluster: str | None = None) -> str:
    """The Python call and kubectl command equivalent to a tool call, copyable (empty when none)."""
    from holmes_nb.report.rerun import kubectl_command, python_call

    lines = [
        f'<div class="hnb-{label}" style="{_MUTED}">{label}: <code style="user-select:all">{_e(code)}</code></div>'
        for label, code in (
            ("python", python_call(record.tool, record.arguments, cluster)),
            ("kubectl", kubectl_command(record.tool, record.arguments)),
        )
        if code
    ]
    return "\n".join(lines)


def tool_call_html(record: Any, max_rows: int = 20, cluster: str | None = None) -> str:
    """One finished tool call (a ToolCallRecord) as a collapsible ``<details>`` block: tool,
    arguments, status, duration, error and notes, and the result as a table (or the text).

    ``tool_call_html(inv.calls[0])``
    """
    body = []
    if record.arguments:
        args = json.dumps(record.arguments, ensure_ascii=False, sort_keys=True, default=str)
        body.append(f'<div style="{_MUTED}">arguments: <code>{_e(args)}</code></div>')
    rerun = rerun_html(record, cluster)
    if rerun:
        body.append(rerun)
    if record.error:
        body.append(f'<div class="hnb-error" style="color:#cf222e">error: {_e(record.error)}</div>')
    if record.notes:
        body.append(f'<div style="{_MUTED}">notes: {_e("; ".join(map(str, record.notes)))}</div>')
    from holmes_nb.report.metrics_plot import is_metric_frame, plot_html

    if is_metric_frame(record.frame):  # a metric tool: the plot and the summary the model read
        result = plot_html(record.frame) + f'<pre style="white-space:pre-wrap;margin:0">{_e(scrub(record.text))}</pre>'
    elif _is_frame(record.frame) and len(record.frame.columns):
        result = frame_html(record.frame, max_rows)
    elif record.error and str(record.text or "").strip() == record.error.strip():
        result = ""  # a refusal's text is its error, shown once above
    else:
        text = scrub(str(record.text or ""))
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS] + f"\n… [{len(text) - MAX_TEXT_CHARS} more characters]"
        result = f'<pre style="white-space:pre-wrap;margin:0">{_e(text)}</pre>'
    if result:
        body.append(f'<div class="hnb-result" style="max-height:28em;overflow:auto">{result}</div>')
    opened = " open" if record.status not in ("ok",) else ""
    return (
        f'<details class="hnb-call" data-status="{_e(record.status)}"{opened}>\n'
        f'<summary style="cursor:pointer">{_summary(record)}</summary>\n'
        f'<div class="hnb-call-body" style="margin:0.3em 0 0.6em 1.2em">\n' + "\n".join(body) + "\n</div>\n</details>"
    )


def answer_html(markdown_text: str | None) -> str:
    """The model's Markdown answer as an HTML fragment (safe: input HTML is escaped).

    ``answer_html("**checkout** is crash looping")``
    """
    return f'<div class="hnb-answer">\n{markdown_to_html(scrub(markdown_text or ""))}\n</div>'


def _header(inv: Any) -> str:
    tokens = inv.prompt_tokens + inv.completion_tokens
    model = inv.model + (f" ({inv.model_id})" if inv.model_id and inv.model_id != inv.model else "")
    meta = [
        f"model <code>{_e(model)}</code>",
        f"cluster <code>{_e(inv.cluster or '?')}</code>",
        f'<span class="hnb-status">{_e(inv.status)}</span>',
        f"{len(inv.steps)} steps",
        f"{len(inv.calls)} tool call" + ("" if len(inv.calls) == 1 else "s"),
        f'<span class="hnb-tokens">{tokens} tokens</span>',
    ]
    if inv.started_at:
        meta.append(f'<span class="hnb-time">{_e(inv.started_at)}</span>')
    question = _e(inv.question.strip()).replace("\n", "<br>\n")
    return (
        f'<div class="hnb-question" style="font-weight:600;font-size:1.1em">{question}</div>\n'
        f'<div class="hnb-meta" style="{_MUTED}">' + " · ".join(meta) + "</div>"
    )


def investigation_html(inv: Any, max_rows: int = 20) -> str:
    """The whole Investigation as HTML: header (question, model, cluster, status, steps, tokens),
    the answer, warnings and error, then one collapsible block per tool call.

    ``IPython.display.HTML(investigation_html(inv))``
    """
    parts = [_header(inv)]
    if inv.answer:
        parts.append(answer_html(inv.answer))
    for w in inv.warnings:
        parts.append(
            f'<div class="hnb-warning" style="border-left:3px solid #9a6700;padding-left:0.5em">Note: {_e(w)}</div>'
        )
    if inv.error:
        parts.append(
            f'<div class="hnb-error" style="border-left:3px solid #cf222e;padding-left:0.5em;color:#cf222e">'
            f"Error: {_e(inv.error)}</div>"
        )
    calls = inv.calls
    if calls:
        parts.append(
            f'<div class="hnb-calls">\n<div style="{_MUTED}">tool calls</div>\n'
            + "\n".join(tool_call_html(c, max_rows, inv.cluster) for c in calls)
            + "\n</div>"
        )
    return f'<div class="hnb-investigation" data-status="{_e(inv.status)}">\n' + "\n".join(parts) + "\n</div>"
