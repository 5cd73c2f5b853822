"""The result of one investigation: the answer, every step and tool call, and the evidence.

inv = holmes_nb.ask("what pods are failing?", model="openai/llama3", cluster="demo")
inv.answer            # Markdown text
inv.tool_calls        # DataFrame: step, tool, arguments, status, duration_ms, tokens, error
inv.frames["list_pods"]   # the cluster data each tool returned, as DataFrames
inv.to_json("run.json"); inv.to_markdown()
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from holmes_nb.redact import scrub


@dataclass
class ToolCallRecord:
    step: int
    call_id: str
    tool: str
    arguments: dict[str, Any]
    status: str  # ok | error | refused | unknown_tool
    duration_ms: float
    tokens: int  # tokens of the text the model read
    text: str  # what the model read (after compaction)
    error: str | None = None
    frame: Any = None  # pandas.DataFrame or None
    notes: list[str] = field(default_factory=list)  # repairs applied (text call, fixed JSON, ...)

    def python(self, cluster: str | None = None) -> str | None:
        """The ``holmes_nb`` call returning the same data (``holmes_nb.cluster("demo").pods(...)``), or None."""
        from holmes_nb.report.rerun import python_call

        return python_call(self.tool, self.arguments, cluster)

    @property
    def kubectl(self) -> str | None:
        """The read-only kubectl command showing the same objects, or None."""
        from holmes_nb.report.rerun import kubectl_command

        return kubectl_command(self.tool, self.arguments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "call_id": self.call_id,
            "tool": self.tool,
            "arguments": self.arguments,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "tokens": self.tokens,
            "error": self.error,
            "notes": self.notes,
            "text": self.text,
            "rows": None if self.frame is None else len(self.frame),
        }


@dataclass
class Step:
    index: int
    prompt_tokens: int = 0  # as the server reported them (our estimate when it reports none)
    completion_tokens: int = 0
    duration_s: float = 0.0
    cost: float = 0.0
    content: str = ""  # what the model said besides tool calls
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    tools_offered: bool = True
    notes: list[str] = field(default_factory=list)
    max_tokens: int = 0  # the completion budget sent with the request

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "duration_s": round(self.duration_s, 3),
            "cost": self.cost,
            "content": self.content,
            "tools_offered": self.tools_offered,
            "notes": self.notes,
            "max_tokens": self.max_tokens,
            "tool_calls": [c.to_dict() for c in self.tool_calls],
        }


@dataclass
class Investigation:
    question: str
    model: str  # the modelList key or LiteLLM id that answered
    model_id: str = ""  # the LiteLLM model id
    cluster: str = ""
    answer: str | None = None
    status: str = "running"  # running | answered | doubtful (off-topic answer) | failed | stopped | incomplete
    error: str | None = None
    steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: True when the model gave no usable answer and the answer shown is the evidence its calls gathered
    fallback: bool = False
    #: "evidence-first" when holmes-nb gathered the evidence and the model only explained it
    profile: str = "standard"
    context_window: int | None = None
    context_source: str | None = None
    started_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    finished_at: str | None = None
    #: the conversation as sent to the model, so a follow-up can continue it
    messages: list[dict[str, Any]] = field(default_factory=list, repr=False)
    parent: Investigation | None = field(default=None, repr=False)
    #: the Anonymizer of an anonymized run (``ask(anonymize=True)``), so a follow-up keeps its placeholders
    anonymizer: Any = field(default=None, repr=False, compare=False)

    # -- derived views -------------------------------------------------------------------
    @property
    def calls(self) -> list[ToolCallRecord]:
        return [c for s in self.steps for c in s.tool_calls]

    @property
    def tool_calls(self):
        """A DataFrame with one row per tool call."""
        import pandas as pd

        cols = ["step", "tool", "arguments", "status", "duration_ms", "tokens", "rows", "error"]
        rows = [
            {
                "step": c.step,
                "tool": c.tool,
                "arguments": json.dumps(c.arguments, sort_keys=True),
                "status": c.status,
                "duration_ms": c.duration_ms,
                "tokens": c.tokens,
                "rows": None if c.frame is None else len(c.frame),
                "error": c.error,
            }
            for c in self.calls
        ]
        return pd.DataFrame(rows, columns=cols)

    @property
    def frames(self) -> dict[str, Any]:
        """Cluster data returned by tools, keyed by tool name (``list_pods``, ``list_pods#2``, ...)."""
        out: dict[str, Any] = {}
        for c in self.calls:
            if c.frame is None:
                continue
            key, n = c.tool, 2
            while key in out:
                key, n = f"{c.tool}#{n}", n + 1
            out[key] = c.frame
        return out

    @property
    def prompt_tokens(self) -> int:
        return sum(s.prompt_tokens for s in self.steps)

    @property
    def completion_tokens(self) -> int:
        return sum(s.completion_tokens for s in self.steps)

    @property
    def cost(self) -> float:
        return sum(s.cost for s in self.steps)

    @property
    def ok(self) -> bool:
        return self.status == "answered"

    def to_cells(self, *, insert: bool = True) -> list[str]:
        """The agent's path as code cells, one per tool call that has an equivalent: the Python call
        and the kubectl command (as a comment). In IPython they are inserted below the running cell
        (``insert=False``: only returned). ``inv.to_cells()``; the magic is ``%holmes cells``."""
        from holmes_nb.report.rerun import rerun_cells

        cells = rerun_cells(self)
        if insert and cells:
            from holmes_nb.report.rerun import insert_cells

            insert_cells(cells)
        return cells

    # -- exports -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "model": self.model,
            "model_id": self.model_id,
            "cluster": self.cluster,
            "status": self.status,
            "answer": self.answer,
            "fallback": self.fallback,
            "profile": self.profile,
            "error": self.error,
            "warnings": self.warnings,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "context_window": self.context_window,
            "context_source": self.context_source,
            "usage": {
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "cost": self.cost,
                "steps": len(self.steps),
                "tool_calls": len(self.calls),
            },
            "steps": [s.to_dict() for s in self.steps],
        }

    def to_json(self, path: str | None = None, indent: int = 2) -> str:
        """JSON text (known API keys scrubbed); also written to ``path`` when given."""
        text = scrub(json.dumps(self.to_dict(), indent=indent, default=str, ensure_ascii=False))
        if path:
            from pathlib import Path

            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def to_markdown(self, *, title: str | None = None, max_rows: int = 20) -> str:
        """The postmortem (question, model, answer, evidence tables, tool call log, token usage,
        timeline) as scrubbed Markdown: ``Path("pm.md").write_text(inv.to_markdown())``."""
        from holmes_nb.report.postmortem import postmortem_markdown

        return postmortem_markdown(self, title=title, max_rows=max_rows)

    def timeline(self, cluster: Any = None, *, now: Any = None):
        """Events, restarts and terminations over time as a matplotlib Figure: from this run's
        evidence (``cluster=None``), or from a Cluster / spec (``inv.timeline("demo")``)."""
        from holmes_nb.report.timeline import plot_timeline, timeline_frame

        return plot_timeline(timeline_frame(self if cluster is None else cluster, now=now))

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        """text/plain, text/markdown and text/html for IPython, nbconvert and nbval (stable, scrubbed)."""
        from holmes_nb.report.html import investigation_html

        plain = (
            repr(self)
            + (f"\n\n{self.answer.strip()}" if self.answer else "")
            + (f"\n\nError: {self.error}" if self.error else "")
        )
        bundle = {
            "text/plain": scrub(plain),
            "text/markdown": self.to_markdown(),
            "text/html": scrub(investigation_html(self)),
        }
        return {k: v for k, v in bundle.items() if (not include or k in include) and not (exclude and k in exclude)}

    def __repr__(self) -> str:
        return (
            f"<Investigation {self.status}: {self.question[:60]!r} model={self.model!r} "
            f"steps={len(self.steps)} tool_calls={len(self.calls)}>"
        )

    def __str__(self) -> str:
        return self.answer or (f"[{self.status}] {self.error}" if self.error else f"[{self.status}]")
