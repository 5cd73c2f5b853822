"""Small helpers shared by the frame builders: timestamps, ages, quantities, labels.

Everything here is pure and cheap; no pandas import at module level.

>>> age("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 13, 0, tzinfo=timezone.utc))
'3h'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

Obj = dict[str, Any]

_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (``...Z``, with or without fractions) as an aware datetime, else None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python 3.10's fromisoformat wants exactly 3 or 6 fraction digits.
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


_POD_UID = re.compile(r"\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)")


def strip_uids(text: str) -> str:
    """Drop the ``(uid)`` kubelet appends to pod references (``web-1_shop(8f14e45f-...)``): 25 tokens
    of noise per message. Bare UUIDs (e.g. in ``pvc-<uuid>`` volume names) are kept."""
    return _POD_UID.sub("", text)


def human_duration(seconds: float) -> str:
    """``42`` -> ``"42s"``, ``300`` -> ``"5m"``, ``10800`` -> ``"3h"``, ``172800`` -> ``"2d"``."""
    s = max(0, int(seconds))
    if s < 120:
        return f"{s}s"
    if s < 2 * 3600:
        return f"{s // 60}m"
    if s < 2 * 86400:
        return f"{s // 3600}h"
    if s < 2 * 365 * 86400:
        return f"{s // 86400}d"
    return f"{s // (365 * 86400)}y"


def age(timestamp: Any, now: datetime) -> str | None:
    """How long before ``now`` the timestamp was, kubectl-style (``5m``), or None if unknown."""
    t = parse_time(timestamp)
    if t is None:
        return None
    return human_duration((now - t).total_seconds())


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def name_of(obj: Obj) -> str:
    return meta(obj).get("name", "")


def ns_of(obj: Obj) -> str:
    return meta(obj).get("namespace") or ""


def created_age(obj: Obj, now: datetime) -> str | None:
    return age(meta(obj).get("creationTimestamp"), now)


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


def labels_text(labels: dict[str, Any] | None) -> str:
    """``{"app": "web"}`` -> ``"app=web"`` (sorted, comma-separated)."""
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items()))


def label_selector_text(selector: Obj | None) -> str:
    """A LabelSelector (matchLabels + matchExpressions) as kubectl prints it; ``""`` matches all."""
    if not selector:
        return ""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
        if op in ("In", "NotIn"):
            parts.append(f"{key} {op.lower()} ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def condition(obj: Obj, ctype: str) -> Obj | None:
    """The status condition of this type, or None."""
    for c in dig(obj, "status", "conditions", default=[]) or []:
        if c.get("type") == ctype:
            return c
    return None


def bad_conditions(obj: Obj, healthy: dict[str, str]) -> str:
    """Conditions whose status differs from the healthy one, as ``Type=Status:Reason`` (comma-separated).

    ``bad_conditions(deploy, {"Available": "True", "ReplicaFailure": "False"})``
    """
    out = []
    for c in dig(obj, "status", "conditions", default=[]) or []:
        want = healthy.get(c.get("type", ""))
        if want is not None and c.get("status") != want:
            out.append(f"{c.get('type')}={c.get('status')}" + (f":{c['reason']}" if c.get("reason") else ""))
    return ",".join(out)


def join(items: Iterable[Any], sep: str = ",") -> str:
    return sep.join(str(i) for i in items if i not in (None, ""))


# -- quantities ------------------------------------------------------------------------------
_SUFFIX = {
    "n": 1e-9,
    "u": 1e-6,
    "m": 1e-3,
    "": 1.0,
    "k": 1e3,
    "K": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
}
_QUANTITY = re.compile(r"^\s*([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]{0,2})\s*$")


def parse_quantity(value: Any) -> float | None:
    """A Kubernetes quantity (``"500m"``, ``"128Mi"``, ``"2"``, ``1.5``) as a float, else None."""
    if isinstance(value, (int, float)):
        return float(value)
    m = _QUANTITY.match(str(value or ""))
    if not m or m.group(2) not in _SUFFIX:
        return None
    try:
        return float(m.group(1)) * _SUFFIX[m.group(2)]
    except ValueError:
        return None


def memory_text(value: Any) -> str | None:
    """Memory quantities in binary units for reading: ``"16393216Ki"`` -> ``"15.6Gi"``."""
    n = parse_quantity(value)
    if n is None:
        return None if value in (None, "") else str(value)
    for unit in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        if n >= _SUFFIX[unit]:
            v = n / _SUFFIX[unit]
            return f"{v:.0f}{unit}" if v >= 100 or v == int(v) else f"{v:.1f}{unit}"
    return f"{n:.0f}"


def resources_text(res: Obj | None) -> str:
    """Container resources as ``req cpu=100m,memory=64Mi; lim memory=128Mi`` (``""`` if none)."""
    parts = []
    for key, label in (("requests", "req"), ("limits", "lim")):
        values = (res or {}).get(key) or {}
        if values:
            parts.append(label + " " + ",".join(f"{k}={v}" for k, v in sorted(values.items())))
    return "; ".join(parts)


def make_frame(rows: list[Obj], columns: list[str], ints: Iterable[str] = ()) -> Any:
    """A DataFrame with fixed columns; ``ints`` become nullable ``Int64`` (no ``1.0`` for counts)."""
    import pandas as pd

    df = pd.DataFrame(rows, columns=columns)
    for col in ints:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    return df
