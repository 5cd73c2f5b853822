"""Tools the model can call: a schema, a function, and a result with two renderings.

A :class:`ToolResult` carries a DataFrame for people (notebook, exports) and a compact text
for the model (fewer tokens than YAML or ``kubectl describe``). Tool functions receive the
parsed arguments as keyword arguments and may return a ToolResult, a DataFrame, a dict/list
(sent as JSON) or a str.

    t = Tool(name="list_pods", description="Pods with status.", parameters={...}, func=fn)
    result = t.run({"namespace": "shop"})
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from holmes_nb.errors import HolmesError


@dataclass
class ToolResult:
    text: str  # what the model reads
    frame: Any = None  # pandas.DataFrame for people, or None
    error: str | None = None  # set when the tool failed; ``text`` then explains it to the model
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. {"rows": 12, "truncated": 3}

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema of an object
    func: Callable[..., Any]
    #: False for tools that must never be offered by default (e.g. expensive ones)
    default: bool = True

    def schema(self) -> dict[str, Any]:
        """The OpenAI ``tools`` entry (never ``strict``: several local servers reject it)."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def run(self, arguments: dict[str, Any]) -> ToolResult:
        """Call the tool; every failure becomes a ToolResult with ``error`` set, never an exception.
        Text, error and frame of every result are scrubbed of secret-looking values."""
        start = time.perf_counter()
        try:
            allowed = set(self.parameters.get("properties", {}))
            unknown = sorted(set(arguments) - allowed)
            missing = [p for p in self.parameters.get("required", []) if p not in arguments]
            if missing:
                return _error(f"missing required argument(s): {', '.join(missing)}", start)
            kwargs = {k: v for k, v in arguments.items() if k in allowed}
            out = self.func(**kwargs)
            result = _coerce(out)
            if unknown:
                result.meta["ignored_arguments"] = unknown
        except HolmesError as e:
            result = _error(str(e), start)
        except Exception as e:  # a tool bug must not kill the investigation
            result = _error(f"{type(e).__name__}: {e}", start)
        _scrub_result(result)
        result.meta.setdefault("duration_ms", round((time.perf_counter() - start) * 1000, 1))
        return result


def _scrub_result(result: ToolResult) -> None:
    """The one redaction pass over everything a tool returns: the text the model reads, the error,
    and the DataFrame people see (holmes_nb.redact.scrub: keys, tokens, passwords, private keys)."""
    from holmes_nb.redact import scrub, scrub_frame

    result.text = scrub(result.text)
    if result.error:
        result.error = scrub(result.error)
    if result.frame is not None:
        result.frame = scrub_frame(result.frame)


def _error(message: str, start: float) -> ToolResult:
    r = ToolResult(text=f"ERROR: {message}", error=message)
    r.meta["duration_ms"] = round((time.perf_counter() - start) * 1000, 1)
    return r


def _coerce(out: Any) -> ToolResult:
    if isinstance(out, ToolResult):
        return out
    if out is None:
        return ToolResult(text="(no output)")
    if type(out).__name__ == "DataFrame":
        from holmes_nb.tools.render import frame_to_text

        return ToolResult(text=frame_to_text(out), frame=out, meta={"rows": len(out)})
    if isinstance(out, (dict, list, tuple)):  # JSON for the model (compact, non-JSON values as str)
        import json

        return ToolResult(text=json.dumps(out, default=str, ensure_ascii=False))
    return ToolResult(text=str(out))
