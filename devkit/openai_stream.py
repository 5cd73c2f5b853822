"""The scripted server's streaming replies: a completion cut into SSE chunks as real servers send them.

``stream_tools`` picks how tool calls travel in a streamed reply:
``"deltas"`` (OpenAI, vLLM: the id and name first, the arguments in pieces, each delta with its index),
``"no-index"`` (the same without ``index``), ``"final-chunk"`` (Text Generation WebUI: whole calls in
one last chunk), ``"dropped"`` (tool calls only in non-streamed replies: the streamed reply has none),
``"raises"`` (llama-cpp-python: HTTP 500 for ``tool_choice: auto`` with ``stream``).

    for event in sse_events(completion, stream_tools="deltas", include_usage=True): ...
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

STREAM_TOOLS = ("deltas", "no-index", "final-chunk", "dropped", "raises")


def pieces(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def sse_events(
    completion: dict[str, Any], *, stream_tools: str = "deltas", include_usage: bool = False
) -> Iterator[dict]:
    """The ``chat.completion.chunk`` objects for ``completion``, in the order a server sends them."""
    head = {k: completion[k] for k in ("id", "created", "model")}
    message = completion["choices"][0]["message"]
    finish = completion["choices"][0]["finish_reason"]

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            **head,
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }

    yield chunk({"role": "assistant", "content": ""})
    for piece in pieces(message.get("content") or ""):
        yield chunk({"content": piece})
    calls = message.get("tool_calls") or []
    if stream_tools == "dropped":
        calls, finish = [], "stop"
    for i, tc in enumerate(calls):
        args = tc["function"]["arguments"]
        args = args if isinstance(args, str) else json.dumps(args)
        first = {"type": "function", "function": {"name": tc["function"]["name"], "arguments": ""}}
        if tc.get("id") is not None:
            first["id"] = tc["id"]
        if stream_tools == "final-chunk":
            first["function"]["arguments"] = args
            yield chunk({"tool_calls": [{"index": i, **first}]})
            continue
        rest = [{"function": {"arguments": p}} for p in pieces(args, 7)]
        for delta in [first, *rest]:
            yield chunk({"tool_calls": [delta if stream_tools == "no-index" else {"index": i, **delta}]})
    yield chunk({}, finish)
    if include_usage and completion.get("usage"):
        yield {**head, "object": "chat.completion.chunk", "choices": [], "usage": completion["usage"]}
