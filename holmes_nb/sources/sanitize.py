"""Odd objects made safe to read: a snapshot or dump may hold an object that no API server would
send (a label whose value is a list, a ``restartCount`` that is a string, a status that is a string).
One such object must not crash a scan or empty a tool, so :func:`sanitize` coerces the fields the
tools and analyzers rely on to their Kubernetes types, in place, and leaves everything else alone.

    sanitize({"metadata": {"labels": {"app": ["a", "b"]}}})  # labels -> {"app": '["a", "b"]'}
"""

from __future__ import annotations

import json
from typing import Any

from holmes_nb.sources.base import Obj

_STATUS_LISTS = ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")
_SPEC_LISTS = ("containers", "initContainers", "ephemeralContainers", "volumes")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    if all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return value
    return {str(k): _text(v) for k, v in value.items()}


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return 0


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def sanitize(obj: Obj) -> Obj:
    """``obj`` with metadata, container specs and container statuses of the expected types."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    for field in ("name", "namespace"):
        if field in meta and meta[field] is not None and not isinstance(meta[field], str):
            meta[field] = _text(meta[field])
    for field in ("labels", "annotations"):
        if field in meta:
            meta[field] = _str_map(meta[field])
    for section, lists in (("spec", _SPEC_LISTS), ("status", _STATUS_LISTS)):
        part = obj.get(section)
        if section in obj and not isinstance(part, dict):
            obj[section] = part = {}
        for name in lists if isinstance(part, dict) else ():
            if name in part:
                part[name] = _dicts(part[name])
    for cs in (obj.get("status") or {}).get("containerStatuses", []) + (obj.get("status") or {}).get(
        "initContainerStatuses", []
    ):
        if "restartCount" in cs and not isinstance(cs["restartCount"], int):
            cs["restartCount"] = _count(cs["restartCount"])
        for field in ("state", "lastState"):
            if field in cs and not isinstance(cs[field], dict):
                cs[field] = {}
    return obj
