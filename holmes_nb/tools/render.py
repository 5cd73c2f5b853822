"""Compact text rendering of tables for the model: fewer tokens than any YAML or describe output."""

from __future__ import annotations

from typing import Any


def frame_to_text(frame: Any, max_rows: int | None = None, max_cell: int = 160) -> str:
    """Render a DataFrame as a pipe-free, whitespace-aligned table (header + rows).

    Empty cells show as ``-``; long cells are cut with ``…``. When ``max_rows`` cuts rows,
    a last line says how many were left out.
    """
    if frame is None or len(frame) == 0:
        return "(no rows)"
    cols = [str(c) for c in frame.columns]
    rows = frame.itertuples(index=False, name=None)
    shown = []
    for i, row in enumerate(rows):
        if max_rows is not None and i >= max_rows:
            break
        shown.append([_cell(v, max_cell) for v in row])
    widths = [max(len(c), *(len(r[j]) for r in shown)) for j, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=False)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=False)).rstrip() for r in shown]
    if max_rows is not None and len(frame) > max_rows:
        lines.append(f"[{len(frame) - max_rows} more rows not shown]")
    return "\n".join(lines)


def _cell(v: Any, max_cell: int) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    s = str(v).replace("\n", " ")
    if s == "":
        return "-"
    return s if len(s) <= max_cell else s[: max_cell - 1] + "…"
