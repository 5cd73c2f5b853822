"""The live view of an investigation: each step and tool call appears as it happens.

Each block (a step, a tool call, the streamed text) owns one ``display_id`` and is re-rendered
in place alone (components in :mod:`holmes_nb.report.html` build the HTML). When the run ends the view shrinks to a one-line
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
#: the streamed text: prose, its line breaks kept, wrapped between words
_STREAM_STYLE = (
    "white-space:pre-wrap;overflow-wrap:anywhere;margin:0.3em 0;padding-left:0.6em;border-left:3px solid #d0d7de"
)


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
        head = inv.status
        text = (
            f"holmes-nb {head}: {_n(len(inv.steps), 'step')} · {_n(len(inv.calls), 'tool call')} · "
            f"{tokens:,} tokens · ${inv.cost:.4f} · {seconds:.1f} s · model {inv.model}"
        )
        return text + (f" · {error}" if error is not None and inv.status != "answered" else "")


class TextLiveView(LiveView):
    """One printed line per step and tool call (terminal IPython, or ``live_display = "text"``);
    the model's text is printed as it streams in."""

    def __init__(self, title: str = ""):
        super().__init__(title)
        self.pending = ""  # streamed text not yet printed: printed a whole (scrubbed) line at a time

    def handle(self, event: ev.Event) -> None:
        from holmes_nb.redact import scrub

        if isinstance(event, ev.TextDelta):
            self.pending += event.text
            while "\n" in self.pending:
                line, self.pending = self.pending.split("\n", 1)
                print(scrub(line), flush=True)
            return
        if self.pending:
            print(scrub(self.pending), flush=True)
            self.pending = ""
        text = _line(event)
        if text:
            print(text, flush=True)

    def close(self, inv: Any = None, error: BaseException | None = None) -> None:
        print(self.summary(inv, error), flush=True)


class HtmlLiveView(LiveView):
    """Blocks, each in its own display area (``display_id``), updated in place: updating one block
    never re-renders another, so a block the user opened stays open. The running step and tool
    calls show their elapsed time, refreshed every second by a ticker thread. Under the head, a
    Stop button asks the Jupyter server to interrupt the kernel (holmes_nb.notebook.stop_button);
    it is removed when the run ends."""

    TICK_S = 1.0

    def __init__(self, title: str = ""):
        super().__init__(title)
        import threading

        from IPython.display import HTML, display

        from holmes_nb.notebook.stop_button import kernel_id, stop_html

        self._HTML, self._display = HTML, display
        self.handles: dict[str, Any] = {}  # key -> DisplayHandle
        self.shown: dict[str, str] = {}  # key -> the HTML last sent
        self.running: dict[str, tuple[str, float]] = {}  # key -> (label, started)
        self.texts: dict[int, str] = {}  # step -> streamed text
        self.status = "starting…"
        self._lock = threading.RLock()
        self._put("head", self._head())
        self._put("stop", stop_html(kernel_id()))  # the Stop button (or the Kernel > Interrupt hint)
        self._done = threading.Event()
        threading.Thread(target=self._tick, name="holmes-nb-live-timer", daemon=True).start()

    def handle(self, event: ev.Event) -> None:
        with self._lock:
            self._handle(event)
            self.status = "running…"
            self._put("head", self._head())

    def _handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.TextDelta):
            from holmes_nb.redact import scrub

            text = self.texts[event.step] = self.texts.get(event.step, "") + event.text
            shown = html.escape(scrub(text))  # an echoed key is masked while it streams too
            self._put(f"text:{event.step}", f'<div class="holmes-stream" style="{_STREAM_STYLE}">{shown}</div>')
        elif isinstance(event, ev.StepStarted):
            self._start(f"step:{event.step}", _line(event) or "")
        elif isinstance(event, ev.ToolCallFinished) and event.record is not None:
            from holmes_nb.report.html import tool_call_html

            self.running.pop(f"call:{event.call_id}", None)
            self._put(f"call:{event.call_id}", tool_call_html(event.record, cluster=self.cluster))
        elif isinstance(event, ev.ToolCallStarted):
            self._start(f"call:{event.call_id}", "⏳ " + _call(event.tool, event.arguments))
        elif isinstance(event, ev.ModelReplied):
            self.running.pop(f"step:{event.step}", None)
            self._put(f"step:{event.step}", f"<div>{html.escape(_line(event) or '')}</div>")
        else:
            line = _line(event)
            if line and not isinstance(event, ev.Answered):
                self._put(f"{type(event).__name__}:{len(self.handles)}", f"<div>{html.escape(line)}</div>")

    def _start(self, key: str, label: str) -> None:
        self.running[key] = (label, time.perf_counter())
        self._put(key, _running_html(label, 0.0))

    def _tick(self) -> None:
        while not self._done.wait(self.TICK_S):
            with self._lock:
                now = time.perf_counter()
                for key, (label, started) in list(self.running.items()):
                    self._put(key, _running_html(label, now - started))

    def _put(self, key: str, block: str) -> None:
        if self.shown.get(key) == block:
            return
        self.shown[key] = block
        if key in self.handles:
            self.handles[key].update(self._HTML(block))
        else:
            self.handles[key] = self._display(self._HTML(block), display_id=True)

    def _head(self) -> str:
        title = f"<b>holmes-nb</b> · {html.escape(self.title[:120])}" if self.title else "<b>holmes-nb</b>"
        seconds = time.perf_counter() - self.started
        return f'<div class="holmes-live">{title} · <i>{html.escape(self.status)}</i> · {seconds:.0f} s</div>'

    def close(self, inv: Any = None, error: BaseException | None = None) -> None:
        self._done.set()
        with self._lock:
            self.running.clear()
            for key in list(self.handles):
                if key != "head":
                    self._put(key, "")
            self._put("head", f'<div class="holmes-live">{html.escape(self.summary(inv, error))}</div>')


def _running_html(label: str, seconds: float) -> str:
    return (
        f'<div class="holmes-running">{html.escape(label)} · <span class="holmes-elapsed">{seconds:.0f} s</span></div>'
    )


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
