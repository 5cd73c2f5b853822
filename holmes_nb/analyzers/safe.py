"""Robustness for odd but real objects: numbers written as strings, one bad object among many.

as_int("3")  # 3
run_each(idx_items, check, "pods", out)   # a bad object becomes one info finding, the rest still run
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.util import clip
from holmes_nb.k8s import ns_name


def as_int(value: Any, default: int | None = 0) -> int | None:
    """``3``, ``"3"``, ``3.0`` -> 3; anything else -> ``default``."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(float(str(value).strip()))
    except (TypeError, ValueError):
        return default


def count(value: Any) -> int:
    """A replica or pod count: ``3`` or ``"3"``; missing is 0; anything else raises ValueError (so the
    object is reported as unreadable instead of judged on a made-up number)."""
    if value is None or value == "":
        return 0
    n = as_int(value, None)
    if n is None:
        raise ValueError(f"not a count: {value!r}")
    return n


def run_each(items: Iterable[dict], check: Callable[[dict], Any], area: str, into: list[Finding]) -> None:
    """Call ``check(obj)`` for each object; a Finding (or list of them) it returns is kept.

    An object that makes ``check`` raise becomes one ``info`` finding naming that object, so one
    malformed object never hides the findings of the others.
    """
    for obj in items:
        try:
            found = check(obj)
        except Exception as e:  # noqa: BLE001 - reported as a finding, never swallowed silently
            into.append(object_error(area, obj, e))
            continue
        if isinstance(found, Finding):
            into.append(found)
        elif found:
            into.extend(f for f in found if f is not None)


def object_error(area: str, obj: Any, error: Exception) -> Finding:
    ns, name = ns_name(obj) if isinstance(obj, dict) else ("", "")
    kind = (obj.get("kind") if isinstance(obj, dict) else None) or area
    return Finding(
        "Analyzer",
        ns,
        area,
        "info",
        "AnalyzerError",
        f"The {area} analyzer could not read {kind} {ns + '/' if ns else ''}{name or '?'} (an unexpected shape), "
        "so that object is not checked; the other objects were. Please report it with the snapshot.",
        [f"object: {kind} {ns + '/' if ns else ''}{name or '?'}", clip(f"{type(error).__name__}: {error}")],
    )
