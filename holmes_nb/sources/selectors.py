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

_Test = Callable[[dict[str, str]], bool]
_SET_RE = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split(selector: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
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
    tests: list[_Test] = []
    for req in _split(selector):
        m = _SET_RE.match(req)
        if m:
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}
            tests.append(_in_set(key, vals, negate=op == "notin"))
        elif "!=" in req:
            k, v = (s.strip() for s in req.split("!=", 1))
            tests.append(_equals(k, v, negate=True))
        elif "=" in req:
            k, v = (s.strip() for s in req.replace("==", "=").split("=", 1))
            tests.append(_equals(k, v))
        elif req.startswith("!"):
            tests.append(_exists(req[1:].strip(), negate=True))
        elif re.fullmatch(r"[A-Za-z0-9_./-]+", req):
            tests.append(_exists(req))
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


def _in_set(key: str, values: set[str], *, negate: bool = False) -> _Test:
    return lambda labels: (labels.get(key) in values) != negate


def _equals(key: str, value: str, *, negate: bool = False) -> _Test:
    return lambda labels: (labels.get(key) == value) != negate


def _exists(key: str, *, negate: bool = False) -> _Test:
    return lambda labels: (key in labels) != negate
