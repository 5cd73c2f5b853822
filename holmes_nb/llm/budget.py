"""Keeping every request inside the model's context window.

- A tool result is cut to a per-result cap when it arrives (saying what was cut).
- Before each request, if the conversation no longer fits, the oldest tool results are shrunk
  to a one-line placeholder (and that call may be made again), oldest first.
- ``max_tokens`` is always sent, and always fits: window - prompt estimate.

    budget = Budget(client)
    estimate, max_tokens = budget.fit(messages, tool_schemas, forget)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from holmes_nb.errors import ModelError
from holmes_nb.llm.compat import is_tool_result

PLACEHOLDER = "[this tool result was removed to fit the context window; call the tool again if needed]"


class Budget:
    def __init__(self, client):
        self.client = client
        self._results: list[tuple[int, list[str]]] = []  # (message index, call signatures)

    @property
    def window(self) -> int:
        return self.client.context_info().tokens

    def answer_budget(self) -> int:
        configured = self.client.entry.max_tokens
        return int(configured) if configured else max(256, min(2048, self.window // 4))

    def min_answer(self) -> int:
        return min(512, max(64, self.window // 8))

    def fit(self, messages: list[dict[str, Any]], schemas, forget: Callable[[str], None]) -> tuple[int, int]:
        """Shrink old tool results until the request fits; return (prompt estimate, max_tokens)."""
        estimate = self.client.estimate_prompt(messages, schemas)
        while estimate + self.min_answer() > self.window and self._shrink_oldest(messages, forget):
            estimate = self.client.estimate_prompt(messages, schemas)
        room = self.window - estimate
        if room < self.min_answer():
            raise ModelError(
                f"the conversation needs ~{estimate} tokens but the context window is {self.window} "
                f"({self.client.context_info().source})",
                hint="raise the server's context size (e.g. llama.cpp -c / n_ctx) or set "
                "custom_args.max_context_size; ask a narrower question",
            )
        return estimate, max(1, min(self.answer_budget(), room))

    def _shrink_oldest(self, messages: list[dict[str, Any]], forget: Callable[[str], None]) -> bool:
        for i, (index, signatures) in enumerate(self._results):
            if messages[index].get("content") != PLACEHOLDER:
                messages[index] = {**messages[index], "content": PLACEHOLDER}
                for sig in signatures:
                    forget(sig)
                self._results.pop(i)
                return True
        return False

    def shrink_window(self) -> None:
        """The server said 'too long' without a number: assume 3/4 of what we thought."""
        info = self.client.context_info()
        self.client.learn_context_limit(max(512, int(info.tokens * 0.75)))

    def result_cap(self, n_results: int) -> int:
        """Tokens one tool result may use: a share of the window, split across parallel calls."""
        share = max(150, min(int(self.window * 0.25), 6000))
        return max(120, share // max(1, n_results))

    def cut(self, text: str, cap: int) -> tuple[str, str | None]:
        """Cut ``text`` to about ``cap`` tokens on line boundaries, saying how much was left out."""
        tokens = self.client.count_text(text)
        if tokens <= cap:
            return text, None
        lines = text.splitlines()
        keep, used = [], 0
        per_char = tokens / max(len(text), 1)
        for line in lines:
            cost = int(len(line) * per_char) + 1
            if used + cost > cap - 30:
                break
            keep.append(line)
            used += cost
        left = len(lines) - len(keep)
        note = f"cut {left} of {len(lines)} lines to fit the context budget"
        return "\n".join(
            keep
        ) + f"\n[{left} more lines not shown; narrow the request: namespace, name, grep, tail]", note

    def adopt_previous(self, messages: list[dict[str, Any]]) -> None:
        """A follow-up carries the earlier conversation: its tool results are shrinkable too
        (oldest first), or a small window could not hold the follow-up at all."""
        for i, msg in enumerate(messages):
            if is_tool_result(msg):
                self._results.append((i, []))

    def mark_results(self, messages: list[dict[str, Any]], new: list[dict[str, Any]], calls) -> None:
        """Append result messages and remember them as shrinkable, oldest first."""
        signatures = [c.signature() for c in calls]
        for msg in new:
            messages.append(msg)
            if msg.get("role") == "tool":
                sig = [c.signature() for c in calls if c.id == msg.get("tool_call_id")]
                self._results.append((len(messages) - 1, sig))
            else:
                self._results.append((len(messages) - 1, signatures))
