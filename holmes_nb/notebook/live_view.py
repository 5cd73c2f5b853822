"""The live view of an investigation: each step and tool call appears as it happens.

A view owns one ``display_id`` and re-renders its blocks in place (components in
:mod:`holmes_nb.report.html` build the HTML). When the run ends the view shrinks to a one-line
summary; the Investigation itself, returned by the magic, shows the answer and the evidence.

    view = live_view("auto", title="what pods are failing?")
    inv = holmes_nb.ask(question, on_event=view)
    view.close(inv)

Modes: ``on`` (HTML updates), ``text`` (lines printed, for terminal IPython), ``off`` (nothing:
set ``HOLMES_NB_LIVE_DISPLAY=off`` in CI and papermill so saved notebooks hold final outputs only).
"""

from __future__ import annotations

import html
import os
import time
from typing import Any

from holmes_nb import events as ev

ENV_VAR = "HOLMES_NB_LIVE_DISPLAY"


def resolve_mode(setting: str | None, flag: bool | None = None, *, shell: Any = None) -> str:
    """``on``/``text``/``off`` from a per-call flag, then the env var, then the setting (auto)."""
    if flag is not None:
        choice = "on" if flag else "off"
    else:
        choice = (os.environ.get(ENV_VAR) or setting or "auto").strip().lower()
    if choice in ("off", "0", "false", "no", "none"):
        return "off"
    kernel = type(shell).__name__ == "ZMQInteractiveShell" if shell is not None else False
    if choice in ("on", "1", "true", "yes", "html"):
        return "on" if kernel else "text"
    if choice == "text":
        return "text"
    return "on" if kernel else "text"


def live_view(mode: str, title: str = "") -> LiveView:
    return {"on": HtmlLiveView, "text": TextLiveView}.get(mode, LiveView)(title)


class LiveView:
    """Receives agent events (``on_event``); the base class shows nothing (mode ``off``)."""

    #: the cluster spec of the run, for the re-runnable Python calls (None: the default cluster)
    cluster: str | None = None

    def __init__(self, title: str = ""):
        self.title = title
        self.started = time.perf_counter()

    def __call__(self, event: ev.Event) -> None:
        self.handle(event)

    def handle(self, event: ev.Event) -> None:
        pass

    def close(self, inv: Any = None, error: BaseException | None = None) -> None:
        pass

    def summary(self, inv: Any, error: BaseException | None) -> str:
        seconds = time.perf_counter() - self.started
        if inv is None:
            return f"holmes-nb: failed after {seconds:.1f} s: {error}"
        tokens = inv.prompt_tokens + inv.completion_tokens
        head = {"answered": "answered", "failed": "failed", "interrupted": "interrupted"}.get(inv.status, inv.status)
        text = (
            f"holmes-nb {head}: {_n(len(inv.steps), 'step')} · {_n(len(inv.calls), 'tool call')} · "
            f"{tokens:,} tokens · ${inv.cost:.4f} · {seconds:.1f} s · model {inv.model}"
        )
        return text + (f" · {error}" if error is not None and inv.status != "answered" else "")


class TextLiveView(LiveView):
    """One printed line per step and tool call (terminal IPython, or ``live_display = "text"``)."""

    def handle(self, event: ev.Event) -> None:
        line = _line(event)
        if line:
            print(line, flush=True)

    def close(self, inv: Any = None, error: BaseException | None = None) -> None:
        print(self.summary(inv, error), flush=True)


class HtmlLiveView(LiveView):
    """Blocks rendered into one display area, updated in place."""

    def __init__(self, title: str = ""):
        super().__init__(title)
        from IPython.display import HTML, display

        self._HTML = HTML
        self.blocks: list[tuple[str, str]] = []  # (key, html)
        self.handle_ = display(HTML(self._render("starting…")), display_id=True)

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.ToolCallFinished) and event.record is not None:
            from holmes_nb.report.html import tool_call_html

            self._put(f"call:{event.call_id}", tool_call_html(event.record, cluster=self.cluster))
        elif isinstance(event, ev.ToolCallStarted):
            self._put(
                f"call:{event.call_id}", f"<div>⏳ <code>{html.escape(_call(event.tool, event.arguments))}</code></div>"
            )
        elif isinstance(event, ev.ModelReplied):
            self._put(f"step:{event.step}", f"<div>{html.escape(_line(event) or '')}</div>")
        else:
            line = _line(event)
            if line and not isinstance(event, ev.Answered):
                self._put(f"{type(event).__name__}:{len(self.blocks)}", f"<div>{html.escape(line)}</div>")
        self._show("running…")

    def _put(self, key: str, block: str) -> None:
        for i, (k, _) in enumerate(self.blocks):
            if k == key:
                self.blocks[i] = (key, block)
                return
        self.blocks.append((key, block))

    def _render(self, status: str) -> str:
        title = f"<b>holmes-nb</b> · {html.escape(self.title[:120])}" if self.title else "<b>holmes-nb</b>"
        body = "".join(b for _, b in self.blocks)
        return f'<div class="holmes-live"><div>{title} · <i>{html.escape(status)}</i></div>{body}</div>'

    def _show(self, status: str) -> None:
        self.handle_.update(self._HTML(self._render(status)))

    def close(self, inv: Any = None, error: BaseException | None = None) -> None:
        self.handle_.update(self._HTML(f'<div class="holmes-live">{html.escape(self.summary(inv, error))}</div>'))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _call(tool: str, arguments: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in sorted((arguments or {}).items()))
    return f"{tool}({args})"


def _line(event: ev.Event) -> str | None:
    if isinstance(event, ev.StepStarted):
        tools = "" if event.tools_offered else ", no tools"
        return f"step {event.step}/{event.max_steps}: asking the model (~{event.prompt_tokens:,} tokens{tools})"
    if isinstance(event, ev.ModelReplied):
        calls = f", {event.tool_calls} tool call(s)" if event.tool_calls else ""
        return f"step {event.step}: the model replied in {event.duration_s:.1f} s ({event.prompt_tokens:,} prompt tokens{calls})"
    if isinstance(event, ev.ToolCallStarted):
        return f"  → {_call(event.tool, event.arguments)}"
    if isinstance(event, ev.ToolCallFinished):
        return f"  ← {event.tool} {event.status} in {event.duration_ms:.0f} ms: {event.summary}"
    if isinstance(event, ev.Notice):
        return f"note: {event.message}"
    if isinstance(event, ev.Failed):
        return f"failed: {event.error}"
    return None
