"""Kubernetes label and field selectors, evaluated on plain-dict objects.

Shared by the snapshot source and the snapshot API server so both filter exactly alike.

>>> match_labels({"app": "web", "tier": "fe"}, "app=web,tier in (fe,be),!canary")
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from holmes_nb.errors import ConfigError

_SET_RE = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split(selector: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def label_matcher(selector: str | None) -> Callable[[dict[str, str]], bool]:
    """Compile a label selector (``=``, ``==``, ``!=``, ``in``, ``notin``, ``key``, ``!key``)."""
    if not selector:
        return lambda labels: True
    tests: list[Callable[[dict[str, str]], bool]] = []
    for req in _split(selector):
        m = _SET_RE.match(req)
        if m:
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}
            if op == "in":
                tests.append(lambda labels, k=key, v=vals: labels.get(k) in v)
            else:
                tests.append(lambda labels, k=key, v=vals: labels.get(k) not in v)
        elif "!=" in req:
            k, v = (s.strip() for s in req.split("!=", 1))
            tests.append(lambda labels, k=k, v=v: labels.get(k) != v)
        elif "=" in req:
            k, v = (s.strip() for s in req.replace("==", "=").split("=", 1))
            tests.append(lambda labels, k=k, v=v: labels.get(k) == v)
        elif req.startswith("!"):
            tests.append(lambda labels, k=req[1:].strip(): k not in labels)
        elif re.fullmatch(r"[A-Za-z0-9_./-]+", req):
            tests.append(lambda labels, k=req: k in labels)
        else:
            raise ConfigError(f"invalid label selector {selector!r}")
    return lambda labels: all(t(labels or {}) for t in tests)


def match_labels(labels: dict[str, str] | None, selector: str | None) -> bool:
    return label_matcher(selector)(labels or {})


def selector_from_match_labels(match: dict[str, Any] | None) -> str:
    """``{"app": "web"}`` -> ``"app=web"`` (a Service selector or a workload's matchLabels)."""
    return ",".join(f"{k}={v}" for k, v in sorted((match or {}).items()))


def _field(obj: dict[str, Any], path: str) -> Any:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def field_matcher(selector: str | None) -> Callable[[dict[str, Any]], bool]:
    """Compile a field selector: ``metadata.name=x,status.phase!=Running,involvedObject.name=y``."""
    if not selector:
        return lambda obj: True
    tests = []
    for req in _split(selector):
        if "!=" in req:
            path, val = (s.strip() for s in req.split("!=", 1))
            tests.append(lambda o, p=path, v=val: str(_field(o, p) or "") != v)
        elif "=" in req:
            path, val = (s.strip() for s in req.replace("==", "=").split("=", 1))
            tests.append(lambda o, p=path, v=val: str(_field(o, p) or "") == v)
        else:
            raise ConfigError(f"invalid field selector {selector!r}")
    return lambda obj: all(t(obj) for t in tests)
