"""The answer from the evidence, when the model gives none: what its successful tool calls found.

answer = evidence_answer(inv)   # "" when no call succeeded
"""

from __future__ import annotations

from typing import Any

from holmes_nb.investigation import Investigation, ToolCallRecord


def evidence_answer(inv: Investigation, max_chars: int = 2000) -> str:
    """When the model cannot answer, the gist of what its successful tool calls returned (each
    distinct result once; the analyzers' findings and unhealthy-only listings first), so the user
    still gets the evidence. Long lines and blocks are cut to fit ``max_chars``."""

    def rank(c: ToolCallRecord) -> int:
        if c.tool == "find_problems":
            return 0
        return 1 if str(c.arguments.get("unhealthy_only", "")).lower() in ("true", "1") else 2

    calls, seen = [], set()
    for c in sorted(inv.calls, key=rank):
        text = c.text.strip()
        if c.status == "ok" and text and text not in seen:
            seen.add(text)
            calls.append(c)
    if not calls:
        return ""
    parts = ["The model gave no usable answer. What its tool calls found:"]
    budget = max_chars - len(parts[0])
    for c in calls:
        head = f"\n**{c.tool}** `{_args(c.arguments)}`\n```\n"
        lines = [ln if len(ln) <= 160 else ln[:159] + "…" for ln in c.text.strip().splitlines()]
        body, room = [], budget - len(head) - 5
        for ln in lines:
            if len(ln) + 1 > room:
                body.append("…")
                break
            body.append(ln)
            room -= len(ln) + 1
        if room < 0 or not body or body == ["…"]:
            break
        block = head + "\n".join(body) + "\n```"
        parts.append(block)
        budget -= len(block)
    return "\n".join(parts)


def _args(arguments: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in sorted(arguments.items())) or "no arguments"
