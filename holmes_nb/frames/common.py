"""Small rendering helpers shared by the frame builders: creation ages, labels, selectors, conditions.

Times, ages, quantities, metadata and condition accessors live in :mod:`holmes_nb.k8s`.
Everything here is pure and cheap; no pandas import at module level.

>>> labels_text({"app": "web", "tier": 1})
'app=web,tier=1'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from holmes_nb.k8s import Obj, age, conditions, meta, string_map

_POD_UID = re.compile(r"\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)")


def strip_uids(text: str) -> str:
    """Drop the ``(uid)`` kubelet appends to pod references (``web-1_shop(8f14e45f-...)``): 25 tokens
    of noise per message. Bare UUIDs (e.g. in ``pvc-<uuid>`` volume names) are kept."""
    return _POD_UID.sub("", text)


def created_age(obj: Obj, now: datetime) -> str | None:
    return age(meta(obj).get("creationTimestamp"), now)


def labels_text(labels: dict[str, Any] | None) -> str:
    """``{"app": "web"}`` -> ``"app=web"`` (sorted, comma-separated)."""
    return ",".join(f"{k}={v}" for k, v in sorted(string_map(labels).items()))


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


def bad_conditions(obj: Obj, healthy: dict[str, str]) -> str:
    """Conditions whose status differs from the healthy one, as ``Type=Status:Reason`` (comma-separated).

    ``bad_conditions(deploy, {"Available": "True", "ReplicaFailure": "False"})``
    """
    out = []
    for c in conditions(obj):
        want = healthy.get(c.get("type", ""))
        if want is not None and c.get("status") != want:
            out.append(f"{c.get('type')}={c.get('status')}" + (f":{c['reason']}" if c.get("reason") else ""))
    return ",".join(out)


def join(items: Iterable[Any], sep: str = ",") -> str:
    return sep.join(str(i) for i in items if i not in (None, ""))


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
