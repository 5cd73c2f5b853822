"""The difference between two pod templates, as short human lines (never an env var's value).

Compared per container (matched by name): image, command, args (secret-looking flags masked),
env var NAMES (added, removed, changed: the value is never shown), resources and probes; per pod:
volumes (name and type), service account, node selector, containers added or removed.

>>> old = {"spec": {"containers": [{"name": "web", "image": "web:1.0"}]}}
>>> new = {"spec": {"containers": [{"name": "web", "image": "web:1.1"}]}}
>>> template_diff(old, new)
['web image web:1.0 -> web:1.1']
"""

from __future__ import annotations

import json
from typing import Any

from holmes_nb.frames.common import labels_text, resources_text
from holmes_nb.k8s import Obj
from holmes_nb.redact import redact_argv, scrub

_PROBES = (("livenessProbe", "liveness"), ("readinessProbe", "readiness"), ("startupProbe", "startup"))
_PROBE_KEYS = ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold")


def template_diff(old: Obj | None, new: Obj | None) -> list[str]:
    """Lines saying what changed from the ``old`` pod template to the ``new`` one (``[]``: nothing)."""
    a, b = _spec(old), _spec(new)
    lines: list[str] = []
    for key, label in (("initContainers", "init container"), ("containers", "container")):
        lines += _containers_diff(a.get(key) or [], b.get(key) or [], label)
    lines += _volumes_diff(a.get("volumes") or [], b.get("volumes") or [])
    for key, label in (("serviceAccountName", "service account"), ("nodeSelector", "node selector")):
        va, vb = _plain(a.get(key)), _plain(b.get(key))
        if va != vb:
            lines.append(f"{label} {va or '(none)'} -> {vb or '(none)'}")
    return lines


def _spec(tpl: Obj | None) -> Obj:
    spec = (tpl or {}).get("spec") or {}
    return {k: v for k, v in spec.items() if k != "$patch"}


def _plain(value: Any) -> str:
    return labels_text(value) if isinstance(value, dict) else str(value or "")


def _containers_diff(old: list[Obj], new: list[Obj], label: str) -> list[str]:
    before = {c.get("name"): c for c in old}
    after = {c.get("name"): c for c in new}
    lines = [f"{label} {n} added (image {after[n].get('image')})" for n in after if n not in before]
    lines += [f"{label} {n} removed" for n in before if n not in after]
    for name in after:
        if name in before:
            lines += [f"{name} {line}" for line in container_diff(before[name], after[name])]
    return lines


def container_diff(a: Obj, b: Obj) -> list[str]:
    """What changed in one container: ``image x -> y``, ``args ...``, ``env +A -B ~C``, ..."""
    lines = []
    if a.get("image") != b.get("image"):
        lines.append(f"image {a.get('image')} -> {b.get('image')}")
    for key in ("command", "args"):
        if (a.get(key) or []) != (b.get(key) or []):
            lines.append(f"{key} {_argv(a.get(key))!r} -> {_argv(b.get(key))!r}")
    env = _env_diff(a.get("env") or [], b.get("env") or [])
    if env:
        lines.append("env " + env)
    if (a.get("envFrom") or []) != (b.get("envFrom") or []):
        lines.append(f"envFrom {_env_from(a)} -> {_env_from(b)}")
    ra, rb = resources_text(a.get("resources")), resources_text(b.get("resources"))
    if ra != rb:
        lines.append(f"resources {ra or '(none)'} -> {rb or '(none)'}")
    for key, label in _PROBES:
        if (a.get(key) or None) != (b.get(key) or None):
            lines.append(f"{label} probe {probe_text(a.get(key))} -> {probe_text(b.get(key))}")
    return lines


def _argv(args: list[Any] | None) -> str:
    return scrub(" ".join(redact_argv(args)))


def _env_diff(old: list[Obj], new: list[Obj]) -> str:
    """``+NEW -GONE ~CHANGED`` by NAME; a changed value is named, never shown."""
    a = {e.get("name"): json.dumps(e, sort_keys=True) for e in old}
    b = {e.get("name"): json.dumps(e, sort_keys=True) for e in new}
    parts = [f"+{n}" for n in b if n not in a]
    parts += [f"-{n}" for n in a if n not in b]
    parts += [f"~{n}" for n in b if n in a and a[n] != b[n]]
    return " ".join(parts) + (" (~ = value or source changed, not shown)" if any(p[0] == "~" for p in parts) else "")


def _env_from(c: Obj) -> str:
    refs = []
    for src in c.get("envFrom") or []:
        for key, label in (("configMapRef", "configmap"), ("secretRef", "secret")):
            if key in src:
                refs.append(f"{label}/{(src[key] or {}).get('name')}")
    return ",".join(refs) or "(none)"


def probe_text(probe: Obj | None) -> str:
    """``httpGet :8080/healthz period=10 failure=3`` (``(none)`` when absent); exec commands masked."""
    if not probe:
        return "(none)"
    if "httpGet" in probe:
        h = probe["httpGet"] or {}
        what = f"httpGet :{h.get('port')}{h.get('path', '/')}"
    elif "exec" in probe:
        what = "exec " + _argv((probe["exec"] or {}).get("command"))
    else:
        handler = next((k for k in ("tcpSocket", "grpc") if k in probe), "?")
        what = f"{handler} :{(probe.get(handler) or {}).get('port')}"
    extra = " ".join(
        f"{k.replace('Seconds', '').replace('Threshold', '')}={probe[k]}" for k in _PROBE_KEYS if k in probe
    )
    return f"{what} {extra}".strip()


def _volume_type(v: Obj) -> str:
    kind = next((k for k in v if k != "name"), "?")
    ref = v.get(kind) if isinstance(v.get(kind), dict) else {}
    target = ref.get("name") or ref.get("claimName") or ref.get("secretName") or ""
    return f"{kind}/{target}" if target else kind


def _volumes_diff(old: list[Obj], new: list[Obj]) -> list[str]:
    a = {v.get("name"): _volume_type(v) for v in old}
    b = {v.get("name"): _volume_type(v) for v in new}
    lines = [f"volume {n} added ({b[n]})" for n in b if n not in a]
    lines += [f"volume {n} removed" for n in a if n not in b]
    lines += [f"volume {n} {a[n]} -> {b[n]}" for n in b if n in a and a[n] != b[n]]
    return lines
