"""An MCP CallToolResult as a ToolResult: compact text for the model, a DataFrame when tabular.

Tabular means: structured content (or a text block) holding a list of flat objects, or a text
block laid out as a kubectl-style table (an upper-case header row, columns aligned by spaces, as
kubernetes-mcp-server prints). The text the model reads is cut to ``MAX_CHARS`` (the cut is said).

    to_tool_result(call_result, server="kubernetes")
"""

from __future__ import annotations

import json
import re
from typing import Any

from holmes_nb.tools.base import ToolResult

MAX_CHARS = 4000
_HEADER_WORD = re.compile(r"^[A-Z][A-Z0-9_()./-]*$")


def to_tool_result(result: Any, *, server: str) -> ToolResult:
    from holmes_nb.tools.k8s_text import cap_text

    texts = [_block_text(b) for b in result.content or []]
    text = "\n".join(t for t in texts if t).strip()
    meta: dict[str, Any] = {"mcp_server": server}
    if result.is_error:
        message = text or "the tool reported an error"
        return ToolResult(text=f"ERROR: {message}", error=message, meta=meta)
    frame = _records_frame(result.structured_content)
    if frame is None and text:
        frame = _records_frame(_json(text)) if text[:1] in "[{" else _table_frame(text)
    if frame is not None and (not text or text[:1] in "[{"):
        from holmes_nb.tools.render import frame_to_text

        text = frame_to_text(frame, max_rows=60)
    if not text and result.structured_content is not None:
        text = json.dumps(result.structured_content, default=str, ensure_ascii=False)
    text, cut = cap_text(text or "(no output)", MAX_CHARS)
    meta["truncated_chars"] = cut
    if frame is not None:
        meta["rows"] = len(frame)
    return ToolResult(text=text, frame=frame, meta=meta)


def _block_text(block: Any) -> str:
    kind = getattr(block, "type", "")
    if kind == "text":
        return block.text
    if kind == "resource" and getattr(block.resource, "text", None):
        return block.resource.text
    return f"[{kind or 'non-text'} content omitted]"


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _records_frame(value: Any):
    """A DataFrame for a list of flat objects (or an object whose one list value is that)."""
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        value = lists[0] if len(lists) == 1 else None
    if not isinstance(value, list) or not value or not all(isinstance(r, dict) for r in value):
        return None
    import pandas as pd

    rows = [{k: json.dumps(v, default=str) if isinstance(v, (dict, list)) else v for k, v in r.items()} for r in value]
    return pd.DataFrame(rows)


def _table_frame(text: str):
    """A DataFrame for a kubectl-style table (columns start where the header's words start)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2:
        return None
    header = lines[0]
    words = header.split()
    if len(words) < 2 or not all(_HEADER_WORD.match(w) for w in words):
        return None
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", header)]  # "NOMINATED NODE" is one column
    names = [header[a:b].strip() for a, b in zip(starts, starts[1:] + [None], strict=False)]
    rows = []
    for line in lines[1:]:
        cells = [line[a:b].strip() if a < len(line) else "" for a, b in zip(starts, starts[1:] + [None], strict=False)]
        rows.append(cells)
    import pandas as pd

    return pd.DataFrame(rows, columns=[n.lower().replace(" ", "_") for n in names])
