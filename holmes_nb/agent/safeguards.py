"""Small-model safeguards: calls that cannot run (unknown tools, exact repeats) are refused with a
message the model can act on, and a final reply that only repeats holmes-nb's own text or only
announces a tool call in prose is not taken as the answer.

    refusal(call, tools, seen)            # ("refused", "You already called ...") or None
    echoes_prompt(reply, messages, calls) # True: tiny models repeat the prompt
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from holmes_nb.investigation import Investigation, ToolCallRecord
from holmes_nb.llm.compat import ToolCall, is_tool_result

#: statuses of calls that did not run
REFUSED = ("refused", "unknown_tool")


def refusal(call: ToolCall, tools: Iterable[str], seen: dict[str, int]) -> tuple[str, str] | None:
    """(status, message to the model) for a call that must not run, else None."""
    names = list(tools)
    if call.name not in names:
        return "unknown_tool", f"Unknown tool {call.name!r}. Valid tools: {', '.join(names)}."
    prior = seen.get(call.signature())
    if prior is not None:
        return "refused", (
            f"You already called {call.name} with these arguments at step {prior}; "
            "its result is above. Use other arguments or another tool, or answer."
        )
    return None


def all_refused(records: list[ToolCallRecord]) -> bool:
    """True when none of a step's calls ran (all repeats or unknown tools)."""
    return all(r.status in REFUSED for r in records)


def echoes_prompt(answer: str, messages: list[dict[str, Any]], calls: Iterable[ToolCallRecord] = ()) -> bool:
    """True when a reply only repeats text holmes-nb wrote (a nudge, the question, the system
    prompt, a refusal of a repeated call): tiny models do that, and it must not be shown as an
    answer. Checked line by line, so a reply stitched from two of them counts too; cluster data
    (tool results) is not holmes-nb's text, so quoting evidence stays an answer."""
    said = " ".join(answer.split()).lower()
    if len(said) < 12:
        return False
    ours = [
        str(m.get("content") or "") for m in messages if m.get("role") in ("system", "user") and not is_tool_result(m)
    ]
    ours += [c.error or "" for c in calls if c.status in REFUSED]
    text = "\n".join(" ".join(t.split()).lower() for t in ours)
    lines = [" ".join(line.split()).lower() for line in answer.splitlines() if line.strip()]
    return all(line in text for line in lines)


#: words around a tool name in a reply that only announces a call ("Calling list_pods({})")
_CALL_WORDS = re.compile(
    r"(?i)\b(?:i(?:'ll| will)?|let me|now|next|first|calling|call|use|using|run|running|"
    r"invoke|invoking|execute|executing|the|a|tool|function|with|to)\b"
)


#: an evidence-first answer this much copied from the prompt is not an explanation (measured: the
#: most-copied SmolLM2 answer that named the root cause had 57% in spans of 25+ characters)
COPIED_LIMIT = 0.8
_COPY_SPAN = 25


def copies_prompt(answer: str, messages: list[dict[str, Any]]) -> bool:
    """True when most of a reply (``COPIED_LIMIT``) is verbatim spans of 25+ characters of what was
    sent: Gemma 3 270M with a wrong chat template replies with the evidence message itself."""
    said = " ".join(answer.split())
    if len(said) < 40:
        return False
    sent = " ".join(" ".join(str(m.get("content") or "") for m in messages).split())
    matcher = difflib.SequenceMatcher(None, said, sent, autojunk=False)
    copied = sum(b.size for b in matcher.get_matching_blocks() if b.size >= _COPY_SPAN)
    return copied >= COPIED_LIMIT * len(said)


def narrates_call(answer: str, tools: Iterable[str]) -> bool:
    """True when a reply only announces a tool call in prose (``Calling list_pods({})``,
    ``I will use the describe tool``): small models do that when tools are withheld."""
    names = list(tools)
    text = answer.strip()
    if len(text) > 200 or not any(name in text for name in names):
        return False
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(re.escape(name) + r"\s*(?:\([^)]*\))?", " ", text)
    return not re.search(r"\w{2,}", _CALL_WORDS.sub(" ", text))


def off_topic_answer(inv: Investigation, names: list[str]) -> bool:
    """True when the answer shares no word with the question, the cluster's names, the earlier
    conversation or any tool result (holmes_nb.report.relevance): a reply about something else."""
    from holmes_nb.report.relevance import off_topic

    context = list(names)
    node: Investigation | None = inv
    while node is not None:  # this question, the earlier ones, and every tool result
        context += [node.question, (node.answer or "") if node is not inv else "", *(c.text for c in node.calls)]
        node = node.parent
    return off_topic(inv.answer or "", context)
