"""Small text helpers shared by the analyzers: byte quantities, exit codes, clipped lines, log gists.

Times, ages, quantities, metadata and conditions live in :mod:`holmes_nb.k8s`.
Every function is forgiving: malformed input gives None or '' rather than an exception.

    human_quantity("15186496Ki", "memory")  # "14.5Gi"
    exit_code_meaning(127)   # "command not found: the image has no such executable, check command/args"
"""

from __future__ import annotations

import json
import re

from holmes_nb.k8s import memory_text
from holmes_nb.redact import scrub

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


def human_quantity(text: str | int | float | None, resource: str = "") -> str:
    """``"15186496Ki"`` -> ``"14.5Gi"`` for byte resources (memory, storage); other values unchanged."""
    if text is None:
        return "?"
    if resource not in ("memory", "ephemeral-storage", "storage"):
        return str(text)
    return memory_text(text) or str(text)


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


def error_gist(lines: list[str]) -> str:
    """``log_gist`` when the line it picks reports a problem, else '' (a healthy log says nothing)."""
    gist = log_gist(lines)
    return gist if _TELLING.search(gist) else ""


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
