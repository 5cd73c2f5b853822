"""Running the model's tool calls for one step: refusals first, then the tools (concurrently when
there are several), each result cut to its share of the context window, recorded, and announced
as events. The model sees each result with names hidden (anonymized); the record keeps them.

    runner = CallRunner(tools, anonymizer, client.count_text, max_parallel=4)
    texts = yield from runner.run(state, step, calls, record)   # [(call, text for the model)]
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed

from holmes_nb.agent.safeguards import refusal
from holmes_nb.agent.state import RunState
from holmes_nb.anonymize import Masker
from holmes_nb.events import Event, ToolCallFinished, ToolCallStarted
from holmes_nb.investigation import Step, ToolCallRecord
from holmes_nb.llm.compat import ToolCall
from holmes_nb.tools.base import Tool, ToolResult


class CallRunner:
    """Runs one step's calls with ``tools``; ``count_text`` counts a result's tokens (the client's)."""

    def __init__(self, tools: dict[str, Tool], anonymizer: Masker, count_text: Callable[[str], int], max_parallel: int):
        self.tools = tools
        self.anonymizer = anonymizer
        self.count_text = count_text
        self.max_parallel = max_parallel

    def run(
        self, state: RunState, step: int, calls: list[ToolCall], record: Step
    ) -> Generator[Event, None, list[tuple[ToolCall, str]]]:
        """Run ``calls`` into ``record.tool_calls`` (in call order); returns (call, text for the model)."""
        texts: dict[str, str] = {}
        runnable: list[ToolCall] = []
        for call in calls:
            yield ToolCallStarted(step, call.id, call.name, call.arguments)
            refused = refusal(call, self.tools, state.seen)
            if refused is not None:
                status, text = refused
                rec = self._record(step, call, ToolResult(text=text, error=text), status, text)
                record.tool_calls.append(rec)
                texts[call.id] = self.anonymizer.hide(text)
                yield _finished(rec)
            else:
                state.seen[call.signature()] = step
                runnable.append(call)
        cap = state.budget.result_cap(len(runnable))
        for call, result in self._execute(runnable):
            text, cut = state.budget.cut(result.text, cap)
            rec = self._record(step, call, result, "ok" if result.ok else "error", text)
            if cut:
                rec.notes.append(cut)
            record.tool_calls.append(rec)
            texts[call.id] = self.anonymizer.hide(text)  # the record keeps real names, the model sees placeholders
            yield _finished(rec)
        order = [c.id for c in calls]
        record.tool_calls.sort(key=lambda r: order.index(r.call_id))
        return [(c, texts[c.id]) for c in calls]

    def _execute(self, calls: list[ToolCall]) -> Iterator[tuple[ToolCall, ToolResult]]:
        if len(calls) <= 1 or self.max_parallel <= 1:
            for call in calls:
                yield call, self.tools[call.name].run(call.arguments)
            return
        with ThreadPoolExecutor(max_workers=min(self.max_parallel, len(calls))) as pool:
            futures = {pool.submit(self.tools[c.name].run, c.arguments): c for c in calls}
            for future in as_completed(futures):
                yield futures[future], future.result()

    def _record(self, step: int, call: ToolCall, result: ToolResult, status: str, text: str) -> ToolCallRecord:
        return ToolCallRecord(
            step=step,
            call_id=call.id,
            tool=call.name,
            arguments=call.arguments,
            status=status,
            duration_ms=float(result.meta.get("duration_ms", 0.0)),
            tokens=self.count_text(text),
            text=text,
            error=result.error,
            frame=result.frame,
            notes=list(call.notes),
        )


def _finished(rec: ToolCallRecord) -> ToolCallFinished:
    first = (rec.text or "").strip().splitlines()[:1]
    return ToolCallFinished(
        rec.step,
        rec.call_id,
        rec.tool,
        rec.arguments,
        rec.status,
        rec.duration_ms,
        rec.tokens,
        first[0][:120] if first else "",
        rec,
    )
