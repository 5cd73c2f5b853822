"""Small parsers shared by the analyzers: timestamps, ages, resource quantities, exit codes.

Every function is forgiving: malformed input gives None or '' rather than an exception.

    parse_quantity("512Mi")  # 536870912.0
    exit_code_meaning(127)   # "command not found: the image has no such executable, check command/args"
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from holmes_nb.redact import scrub

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
_FRACTION = re.compile(r"\.\d+")  # Python 3.10 parses exactly 3 or 6 fraction digits
_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)\s*$")

EXIT_CODES = {
    0: "exited successfully, but a long-running container is expected to keep running",
    1: "application error, see the log lines",
    2: "misuse of a shell builtin or bad command-line arguments",
    126: "the command exists but cannot be executed: permissions or wrong CPU architecture",
    127: "command not found: the image has no such executable, check command/args",
    128: "the container could not be started: invalid entrypoint or runtime error",
    134: "aborted by SIGABRT, usually an assertion or a fatal runtime error",
    137: "killed by SIGKILL: out of memory, or stopped after a failed liveness probe",
    139: "segmentation fault (SIGSEGV): the process crashed on a bad memory access",
    143: "terminated by SIGTERM: something asked it to stop, e.g. a failed liveness probe",
    255: "exit status out of range: the process exited with -1 or a fatal runtime error",
}


def exit_code_meaning(code: int | None) -> str:
    """A one-phrase meaning of a container exit code ('' when unknown)."""
    if code is None:
        return ""
    if code in EXIT_CODES:
        return EXIT_CODES[code]
    if 128 < code < 160:
        return f"killed by signal {code - 128}"
    return "application-specific exit code"


def parse_quantity(text: str | int | float | None) -> float | None:
    """A Kubernetes quantity (``"250m"``, ``"1.5Gi"``, ``"2"``, ``"1e3"``) as a float, None if unparsable."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    m = _QUANTITY.match(str(text))
    if not m:
        return None
    number, suffix = float(m.group(1)), m.group(2)
    return number * (_BINARY.get(suffix) or _DECIMAL[suffix])


def human_quantity(text: str | int | float | None, resource: str = "") -> str:
    """``"15186496Ki"`` -> ``"14.5Gi"`` for byte resources (memory, storage); other values unchanged."""
    if text is None:
        return "?"
    if resource not in ("memory", "ephemeral-storage", "storage"):
        return str(text)
    value = parse_quantity(text)
    if value is None:
        return str(text)
    for unit, size in (("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + unit
    return f"{value:g}"


def parse_time(text: str | None) -> datetime | None:
    """An RFC 3339 timestamp from the API (``2024-05-01T10:00:00Z``, with or without fractions)."""
    if not text:
        return None
    text = _FRACTION.sub(lambda m: m.group(0)[:7].ljust(7, "0"), str(text).replace("Z", "+00:00"))
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def age(text: str | None, now: datetime) -> str:
    """``"5m"``, ``"3h"``, ``"2d"``: how long before ``now`` the timestamp was ('' if unknown)."""
    t = parse_time(text)
    if t is None:
        return ""
    secs = max(0, int((now - t).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{secs // size}{unit}"
    return f"{secs}s"


def seconds_since(text: str | None, now: datetime) -> float | None:
    t = parse_time(text)
    if t is None:
        return None
    return (now - t).total_seconds()


def clip(text: str, limit: int = 220) -> str:
    """One line, at most ``limit`` characters, secrets scrubbed."""
    line = " ".join(str(text).split())
    line = scrub(line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def names_list(names: list[str], limit: int = 5) -> str:
    """``"a, b, c and 4 more"``."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def condition(obj: dict, ctype: str) -> dict | None:
    """The status condition of type ``ctype`` (``"Ready"``), or None."""
    for c in (obj.get("status") or {}).get("conditions") or ():
        if c.get("type") == ctype:
            return c
    return None


def meta(obj: dict) -> tuple[str, str]:
    """(namespace, name) of an object."""
    m = obj.get("metadata") or {}
    return m.get("namespace") or "", m.get("name") or ""


_TELLING = re.compile(
    r"error|exception|fatal|panic|traceback|failed|refused|denied|not found|no such|killed|"
    r"invalid|missing|cannot|can't|unable",
    re.I,
)
_BAD_LEVELS = {"error", "err", "fatal", "panic", "critical", "crit", "emerg", "alert"}


def log_gist(lines: list[str]) -> str:
    """The most telling of a container's last log lines, compacted ('' when there are none).

    Prefers the newest line that reports an error; a JSON log line is reduced to its level,
    message and error fields: ``fatal: required environment variable X is not set (missing config)``.
    """
    best = ""
    for line in reversed(lines):
        gist, bad = _gist(line)
        if bad:
            return gist
        best = best or gist
    return best


def _gist(line: str) -> tuple[str, bool]:
    """(compact text, whether the line reports an error)."""
    text = line.strip()
    if text.startswith("{"):
        try:
            rec = json.loads(text)
        except ValueError:
            rec = None
        if isinstance(rec, dict):
            level = str(rec.get("level") or rec.get("severity") or rec.get("lvl") or "").lower()
            msg = str(rec.get("msg") or rec.get("message") or "")
            err = rec.get("error") or rec.get("err") or ""
            if msg:
                gist = (f"{level}: " if level else "") + msg + (f" ({err})" if err else "")
                return gist, level in _BAD_LEVELS or (not level and bool(_TELLING.search(gist)))
    return text, bool(_TELLING.search(text))
