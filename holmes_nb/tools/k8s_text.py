"""Compact text for the model: tables without empty columns, size caps that say what they cut, and
:class:`Doc`, the "key: value" + small-table layout of ``describe``.

    doc = Doc("Pod shop/web-1")
    doc.kv("status", "Running")
    doc.kv("state", "waiting CrashLoopBackOff", section="container web")
    doc.text(), doc.frame()
"""

from __future__ import annotations

from typing import Any

from holmes_nb.redact import redact_argv, scrub
from holmes_nb.tools.render import frame_to_text


def clean_frame(frame: Any, drop: tuple[str, ...] = ()) -> Any:
    """A copy for text rendering: ``drop`` columns and columns with no value at all removed,
    missing values (NaN/NA) as None."""
    df = frame.drop(columns=[c for c in drop if c in frame.columns])
    df = df.astype(object).where(df.notna(), None)
    empty = [c for c in df.columns if all(v is None or v == "" for v in df[c])]
    return df.drop(columns=empty) if len(df) else df


def table_text(
    frame: Any, *, max_rows: int, max_chars: int | None = None, drop: tuple[str, ...] = (), more_hint: str = ""
) -> tuple[str, dict]:
    """(text, meta) of a frame for the model: at most ``max_rows`` rows and, when given, about
    ``max_chars`` characters (whole rows are dropped, never half a table). A cut table ends with
    how many rows were left out and ``more_hint`` (what argument narrows the list)."""
    df = clean_frame(frame, drop)
    rows = min(max_rows, len(df))
    while True:
        text = frame_to_text(df, max_rows=rows)
        cut = len(df) - rows
        if cut and more_hint:
            text += f" ({more_hint})"
        if max_chars is None or len(text) <= max_chars or rows <= 1:
            break
        line = max(1, len(text) // (rows + 2))
        rows = max(1, min(rows - 1, (max_chars - len(more_hint) - 60) // line - 1))
    return text, {"rows": len(df), "truncated": cut}


def cap_text(text: str, max_chars: int, *, keep: str = "head") -> tuple[str, int]:
    """Cut ``text`` to about ``max_chars`` at a line boundary and say so; returns (text, chars cut).

    ``keep="tail"`` keeps the end (for logs, where the last lines matter most)."""
    if len(text) <= max_chars:
        return text, 0
    if keep == "tail":
        part = text[-max_chars:]
        part = part[part.find("\n") + 1 :] if "\n" in part else part
        cut = len(text) - len(part)
        return f"[{cut} earlier characters cut]\n{part}", cut
    part = text[:max_chars]
    part = part[: part.rfind("\n")] if "\n" in part else part
    cut = len(text) - len(part)
    return f"{part}\n[{cut} more characters cut]", cut


def redact_args(args: list[Any] | None) -> str:
    """A command line for display, with values of secret-looking flags masked and URL passwords and
    bearer tokens scrubbed: ``--db-password=x`` -> ``--db-password=***``."""
    return scrub(" ".join(redact_argv(args)))  # scrub again: a token may span two arguments


class Doc:
    """A describe document: rows of (section, field, value) and small tables, rendered as compact
    text (``field: value`` lines, sections indented) or as a DataFrame for people."""

    def __init__(self, title: str):
        self.title = title
        self._items: list[tuple[str, str, Any]] = []  # (section, field, value or DataFrame)

    def kv(self, field: str, value: Any, section: str = "") -> None:
        """Add ``field: value``; empty values (None, "", [], False) are skipped."""
        if value is None or value == "" or value == [] or value is False:
            return
        self._items.append((section, field, value))

    def table(self, section: str, frame: Any, *, max_rows: int = 10) -> None:
        if frame is not None and len(frame):
            self._items.append((section, "", (frame, max_rows)))

    def text(self) -> str:
        lines = [self.title]
        current = None
        for section, field, value in self._items:
            indent = "  " if section else ""
            if section != current:
                if section:
                    lines.append(f"{section}:")
                current = section
            if isinstance(value, tuple):  # a table
                frame, max_rows = value
                body = frame_to_text(clean_frame(frame), max_rows=max_rows)
                lines.extend(indent + line for line in body.splitlines())
            else:
                lines.append(f"{indent}{field}: {_fmt(value)}")
        return "\n".join(lines)

    def frame(self) -> Any:
        """Long form: one row per field (tables: one row per table row, cells joined)."""
        import pandas as pd

        rows = []
        for section, field, value in self._items:
            if isinstance(value, tuple):
                frame = clean_frame(value[0])
                for rec in frame.itertuples(index=False):
                    cells = dict(zip(frame.columns, rec, strict=True))
                    first = str(next(iter(cells.values()), ""))
                    rest = "  ".join(f"{k}={v}" for k, v in list(cells.items())[1:] if v not in (None, ""))
                    rows.append({"section": section, "field": first, "value": rest})
            else:
                rows.append({"section": section, "field": field, "value": _fmt(value)})
        return pd.DataFrame(rows, columns=["section", "field", "value"])


def _fmt(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if value is True:
        return "true"
    return str(value)
