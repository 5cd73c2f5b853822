"""Options and output helpers shared by CLI subcommands."""

from __future__ import annotations

import sys


def stderr(msg: str) -> None:
    """One line on stderr, secrets scrubbed (progress lines carry tool arguments and results)."""
    from holmes_nb.redact import scrub

    print(scrub(msg), file=sys.stderr, flush=True)


def table(rows: list[dict], columns: list[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(r.get(c, "") if r.get(c) is not None else "-") for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    out = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=False)).rstrip()]
    out += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip() for row in cells]
    return "\n".join(out)
