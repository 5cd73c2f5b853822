"""A streamed completion: text handed on as it arrives, tool calls merged from their deltas.

Tool-call deltas are merged by ``index`` (OpenAI's rule); a delta that brings a new call id at an
index already taken starts a new call, so servers that omit the index (LiteLLM then reports 0 for
every delta) do not get their calls concatenated. The result is a plain response dict that the
client normalizes exactly as a non-streamed reply, so the Investigation is the same either way.

    reply = collect(litellm.completion(stream=True, ...), on_text=print)
    reply["choices"][0]["message"]["tool_calls"]

Which servers misbehave when tool turns are streamed (REFERENCE.md section 3): llama-cpp-python
raises on ``tool_choice: auto`` + ``stream``, Ollama buffers, LocalAI duplicates the call in the
text; :func:`streams_tool_turns` keeps those non-streamed (the answer turn is streamed anyway).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from holmes_nb.llm.compat import looks_like_llama_cpp_python

__all__ = ["collect", "streams_tool_turns"]

_MISBEHAVING_OWNERS = {"me", "library", "ollama", "localai"}  # llama-cpp-python, Ollama, LocalAI


def streams_tool_turns(owned_by: Iterable[str]) -> bool:
    """Whether tool turns may be streamed to a server that describes itself with ``owned_by``."""
    owners = [str(o).lower() for o in owned_by]
    return not (looks_like_llama_cpp_python(owned_by=owners) or _MISBEHAVING_OWNERS & set(owners))


def collect(chunks: Iterable[Any], on_text: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Read a stream of chunks into one response dict (``choices``, ``usage``), calling ``on_text``
    with each piece of the reply's text as it arrives."""
    content: list[str] = []
    calls: list[dict[str, Any]] = []
    finish: str | None = None
    usage: Any = None
    seen = 0
    for chunk in chunks:
        seen += 1
        usage = _get(chunk, "usage") or usage
        for choice in _get(chunk, "choices") or []:
            delta = _get(choice, "delta") or {}
            text = _get(delta, "content")
            if text:
                content.append(text)
                if on_text is not None:
                    on_text(text)
            for tc in _get(delta, "tool_calls") or []:
                _merge(calls, tc)
            finish = _get(choice, "finish_reason") or finish
    if not seen:  # no event at all: as empty as an HTTP 200 without a body
        raise json.JSONDecodeError("a streamed reply without any event", "", 0)
    message: dict[str, Any] = {"role": "assistant", "content": "".join(content) or None}
    if calls:
        message["tool_calls"] = [{k: v for k, v in c.items() if k != "index"} for c in calls]
    reply: dict[str, Any] = {"choices": [{"index": 0, "message": message, "finish_reason": finish}]}
    if usage:
        reply["usage"] = {
            "prompt_tokens": int(_get(usage, "prompt_tokens") or 0),
            "completion_tokens": int(_get(usage, "completion_tokens") or 0),
        }
    return reply


def _merge(calls: list[dict[str, Any]], delta: Any) -> None:
    index = _get(delta, "index")
    new_id = _get(delta, "id") or ""
    fn = _get(delta, "function") or {}
    same = [c for c in calls if c["index"] == index] if index is not None else calls[-1:]
    current = same[-1] if same else None
    if current is None or (new_id and current["id"] and new_id != current["id"]):
        current = {"index": index, "id": new_id, "type": "function", "function": {"name": "", "arguments": ""}}
        calls.append(current)
    current["id"] = current["id"] or new_id
    name = _get(fn, "name")
    if name and not current["function"]["name"]:
        current["function"]["name"] = name
    args = _get(fn, "arguments")
    if args:
        current["function"]["arguments"] += args if isinstance(args, str) else _json(args)


def _json(value: Any) -> str:
    return json.dumps(value)


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)
