"""An input transformer that lets ``%holmes ask what pods are failing?`` reach the magic.

IPython rewrites a line ending in ``?`` into a help lookup (``pinfo``) before any magic runs, so
an unquoted question would never be asked. This cleanup transformer runs first and turns
``%holmes ...`` lines (also ``x = %holmes ...``) into the call IPython would have made, with the
line as a string, so the ``?`` stays part of the question. ``%%holmes`` cells need nothing: their
body never reaches the help machinery.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"^(?P<indent>\s*)(?:(?P<target>[A-Za-z_][\w.]*)\s*=\s*)?%holmes(?:\s(?P<rest>.*))?$")


def protect_holmes_lines(lines: list[str]) -> list[str]:
    """IPython cleanup transformer: lines in, lines out (each keeps its newline)."""
    if not any("%holmes" in line for line in lines) or (lines and lines[0].lstrip().startswith("%%")):
        return lines
    out = []
    for line in lines:
        body = line.rstrip("\n")
        m = _LINE.match(body)
        if m and body.rstrip().endswith("?"):
            call = f"get_ipython().run_line_magic('holmes', {(m.group('rest') or '').strip()!r})"
            target = f"{m.group('target')} = " if m.group("target") else ""
            line = f"{m.group('indent')}{target}{call}" + ("\n" if line.endswith("\n") else "")
        out.append(line)
    return out
