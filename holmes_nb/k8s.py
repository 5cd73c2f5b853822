"""Kubernetes value helpers, written once for the whole package: times, ages, durations, quantities,
metadata and condition accessors.

Analyzers (findings), frames (DataFrames), describe, the tools and the snapshot API server's
tables all use these, so one timestamp reads as one age everywhere. Every function is forgiving:
malformed input gives None (or ``{}``/``[]``/``""`` for accessors), never an exception. Cheap to
import (standard library only): the kubernetes client's quantity parser is loaded on the first
quantity parsed, and the rest of the client not at all.

    parse_time("2024-06-01T14:00:00+02:00")       # datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    age("2024-06-01T10:30:00Z", now)              # "90m" when now is 12:00Z
    human_duration(5.5 * 3600)                    # "5h30m"
    parse_quantity("512Mi")                       # 536870912.0
    condition_status(pod, "Ready")                # "True" | "False" | "Unknown" | None
"""

from __future__ import annotations

import importlib.util
import math
import re
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

Obj = dict[str, Any]
UTC = timezone.utc


# -- times ---------------------------------------------------------------------------------------
_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime in UTC, or None if missing or malformed.

    Accepts ``Z`` or a UTC offset (``+02:00`` is kept: ``14:00+02:00`` is ``12:00Z``), any number of
    fractional-second digits (nanoseconds are cut to microseconds), and datetimes (naive means UTC).
    """
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if not value or not isinstance(value, str):
        return None
    return _parse_text(value)


@lru_cache(maxsize=8192)
def _parse_text(text: str) -> datetime | None:
    text = text.strip()
    if len(text) < 19:  # a date-time needs at least YYYY-MM-DDTHH:MM:SS
        return None
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    # Python 3.10's fromisoformat wants exactly 3 or 6 fraction digits
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def seconds_since(then: Any, now: datetime) -> float | None:
    """Seconds from the timestamp ``then`` to ``now`` (negative if ``then`` is later), None if unknown."""
    t = parse_time(then)
    return None if t is None else (now - t).total_seconds()


def age(then: Any, now: datetime) -> str | None:
    """How long before ``now`` the timestamp ``then`` was, as kubectl prints it (``90m``), None if unknown."""
    secs = seconds_since(then, now)
    return None if secs is None else human_duration(secs)


# -- durations -----------------------------------------------------------------------------------
def human_duration(seconds: float) -> str:
    """A duration as kubectl prints ages: apimachinery's ``duration.HumanDuration`` (~2-3 figures).

    Every unit is truncated, never rounded. The rules, by the duration d:

    ==========================  =========================  ===========================
    d                           printed as                 examples
    ==========================  =========================  ===========================
    d < -1s (in the future)     ``<invalid>``              clock skew
    -1s <= d < 0                ``0s``                     tolerated skew
    d < 2 minutes               seconds                    ``0s``, ``119s``
    d < 10 minutes              minutes and seconds        ``2m``, ``4m59s``
    d < 3 hours                 minutes                    ``10m``, ``90m``, ``179m``
    d < 8 hours                 hours and minutes          ``3h``, ``5h30m``
    d < 48 hours                hours                      ``8h``, ``30h``, ``47h``
    d < 8 days                  days and hours             ``2d``, ``3d5h``
    d < 2 years (of 365 days)   days                       ``8d``, ``400d``
    d < 8 years                 years and days             ``2y``, ``2y70d``
    longer                      years                      ``8y``
    ==========================  =========================  ===========================

    A zero second part is left out (``2m``, not ``2m0s``).
    """
    s = int(seconds)  # Go's int(d.Seconds()) truncates toward zero
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return _two(m, "m", s % 60, "s")
    if m < 180:
        return f"{m}m"
    h = m // 60
    if h < 8:
        return _two(h, "h", m % 60, "m")
    if h < 48:
        return f"{h}h"
    d = h // 24
    if d < 8:
        return _two(d, "d", h % 24, "h")
    if d < 2 * 365:
        return f"{d}d"
    if d < 8 * 365:
        return _two(d // 365, "y", d % 365, "d")
    return f"{d // 365}y"


def _two(big: int, big_unit: str, small: int, small_unit: str) -> str:
    return f"{big}{big_unit}{small}{small_unit}" if small else f"{big}{big_unit}"


_DURATION = re.compile(r"^\s*((?:\d+[ydhms])+)\s*$")
_DURATION_PART = re.compile(r"(\d+)([ydhms])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "y": 365 * 86400}
#: a kubectl-style duration inside text, e.g. the ``5h30m`` of ``exited 5h30m ago``
DURATION_PATTERN = r"\d+[ydhms](?:\d+[dhms])?"


def parse_duration(text: Any) -> int | None:
    """Seconds of a duration as :func:`human_duration` prints it (``"5h30m"`` -> 19800), else None."""
    m = _DURATION.match(str(text or ""))
    if not m:
        return None
    return sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(m.group(1)))


# -- quantities ----------------------------------------------------------------------------------
def parse_quantity(value: Any) -> float | None:
    """A Kubernetes quantity (``"250m"``, ``"1.5Gi"``, ``"2"``, ``"1e3"``, ``3``) as a float, else None.

    Parsed by the kubernetes client's ``kubernetes.utils.parse_quantity`` (loaded on first use, see
    :func:`_client_parser`); results are cached, since a cluster repeats the same few quantities.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    return _parse_quantity_text(str(value).strip())


@lru_cache(maxsize=4096)
def _parse_quantity_text(text: str) -> float | None:
    try:
        number = float(_client_parser()(text))
    except (ValueError, ArithmeticError):
        return None
    return number if math.isfinite(number) else None


@lru_cache(maxsize=1)
def _client_parser() -> Callable[[str], Any]:
    """``kubernetes.utils.quantity.parse_quantity``, without importing the whole client for it.

    ``import kubernetes`` loads the API client, config and yaml (about a second cold), which a scan of
    a snapshot never needs otherwise. ``quantity.py`` needs only ``decimal``, so it is loaded from the
    installed package by itself unless the client is already imported.
    """
    loaded = sys.modules.get("kubernetes.utils.quantity")
    if loaded is not None:
        return loaded.parse_quantity
    package = importlib.util.find_spec("kubernetes")  # finds a top-level package without running it
    where = (package.submodule_search_locations or [None])[0] if package else None
    path = Path(where, "utils", "quantity.py") if where else None
    if path is None or not path.is_file():
        from kubernetes.utils.quantity import parse_quantity

        return parse_quantity
    spec = importlib.util.spec_from_file_location("holmes_nb._kubernetes_quantity", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.parse_quantity


_BINARY_UNITS = (("Ei", 2.0**60), ("Pi", 2.0**50), ("Ti", 2.0**40), ("Gi", 2.0**30), ("Mi", 2.0**20), ("Ki", 2.0**10))


def memory_text(value: Any) -> str | None:
    """A byte quantity in binary units for reading: ``"16393216Ki"`` -> ``"15.6Gi"``, ``"128Mi"`` -> ``"128Mi"``.

    One decimal below 100 units, none from 100 up or when whole; None for None or ``""``, the text
    itself when it is not a quantity.
    """
    n = parse_quantity(value)
    if n is None:
        return None if value in (None, "") else str(value)
    for unit, size in _BINARY_UNITS:
        if n >= size:
            v = n / size
            return f"{v:.0f}{unit}" if v >= 100 or v == int(v) else f"{v:.1f}{unit}"
    return f"{n:.0f}"


# -- metadata ------------------------------------------------------------------------------------
def dig(obj: Any, *path: str, default: Any = None) -> Any:
    """``dig(pod, "status", "phase")``: nested ``.get`` that tolerates missing levels and None."""
    cur = obj
    for key in path:
        if not isinstance(cur, dict):
            return default
        cur = cur.get(key)
        if cur is None:
            return default
    return cur


def meta(obj: Obj) -> Obj:
    """The object's ``metadata`` dict (``{}`` when missing)."""
    try:
        m = obj.get("metadata")
    except AttributeError:  # not a dict
        return {}
    return m if m.__class__ is dict or isinstance(m, dict) else {}


def name_of(obj: Obj) -> str:
    return meta(obj).get("name") or ""


def ns_of(obj: Obj) -> str:
    """The namespace (``""`` for cluster-scoped objects)."""
    return meta(obj).get("namespace") or ""


def ns_name(obj: Obj) -> tuple[str, str]:
    """``(namespace, name)`` of an object."""
    m = meta(obj)
    return m.get("namespace") or "", m.get("name") or ""


def labels_of(obj: Obj) -> dict[str, str]:
    """The object's labels with every value a string (a YAML ``version: 1`` reads as ``"1"``)."""
    return string_map(meta(obj).get("labels"))


def string_map(values: Any) -> dict[str, str]:
    """A label-like map with string keys and values (``True`` -> ``"true"``, ``None`` -> ``""``)."""
    if not isinstance(values, dict):
        return {}
    for v in values.values():
        if v.__class__ is not str:
            return {str(k): _label_text(v) for k, v in values.items()}
    return values


def _label_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def owner_refs(obj: Obj) -> list[Obj]:
    """The object's ``ownerReferences`` (``[]`` when none)."""
    refs = meta(obj).get("ownerReferences")
    return [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []


def controller_ref(obj: Obj) -> Obj | None:
    """The owner reference marked ``controller: true``, else the first one, else None."""
    refs = meta(obj).get("ownerReferences")
    if not refs or not isinstance(refs, list):
        return None
    for ref in refs:
        if isinstance(ref, dict) and ref.get("controller"):
            return ref
    return refs[0] if isinstance(refs[0], dict) else None


# -- conditions ----------------------------------------------------------------------------------
def conditions(obj: Obj) -> list[Obj]:
    """``status.conditions`` (``[]`` when none)."""
    conds = dig(obj, "status", "conditions")
    return [c for c in conds if isinstance(c, dict)] if isinstance(conds, list) else []


def condition(obj: Obj, ctype: str) -> Obj | None:
    """The status condition of type ``ctype`` (``"Ready"``), or None."""
    return next((c for c in conditions(obj) if c.get("type") == ctype), None)


def condition_status(obj: Obj, ctype: str) -> str | None:
    """The ``status`` (``"True"``, ``"False"``, ``"Unknown"``) of condition ``ctype``, None if absent."""
    c = condition(obj, ctype)
    return None if c is None else c.get("status")


def probe_target(probe: dict[str, Any]) -> tuple[str, str]:
    """What a probe checks: ``("httpGet", "http://:8080/healthz")``, ``("tcpSocket", ":5432")``,
    ``("grpc", ":9000")``, ``("exec", <command, secrets masked>)``, or ``("?", "")``."""
    if "httpGet" in probe:
        h = probe["httpGet"] or {}
        return "httpGet", f"{h.get('scheme', 'HTTP').lower()}://:{h.get('port')}{h.get('path', '/')}"
    for handler in ("tcpSocket", "grpc"):
        if handler in probe:
            return handler, f":{(probe[handler] or {}).get('port')}"
    if "exec" in probe:
        from holmes_nb.redact import redact_argv, scrub

        command = (probe["exec"] or {}).get("command")
        return "exec", scrub(" ".join(redact_argv(command)))  # secret flags masked, tokens scrubbed
    return "?", ""
