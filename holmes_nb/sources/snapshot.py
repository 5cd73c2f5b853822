"""An in-memory, read-only cluster: the store behind snapshots, dump imports and the demo.

Objects are kept per kind as lists of plain dicts, indexed by namespace and name on first use.
Logs are keyed by (namespace, pod, container, previous). Loaders for the supported file
layouts live in :mod:`holmes_nb.formats.importers`; the snapshot file format is documented
in docs/snapshots.md.

    snap = Snapshot(objects={"pods": [...]}, logs={("shop", "web-1", "web", False): "..."})
    snap.list("pods", "shop")
"""

from __future__ import annotations

import builtins
import difflib
from collections.abc import Iterable
from datetime import datetime, timezone

from holmes_nb.errors import NotFoundError
from holmes_nb.k8s import labels_of
from holmes_nb.sources.base import Cluster, Obj
from holmes_nb.sources.kinds import Kind, kind_for
from holmes_nb.sources.sanitize import sanitize
from holmes_nb.sources.selectors import field_matcher, label_matcher

LogKey = tuple[str, str, str, bool]  # namespace, pod, container, previous


class Snapshot(Cluster):
    def __init__(
        self,
        objects: dict[str, list[Obj]] | None = None,
        logs: dict[LogKey, str] | None = None,
        *,
        name: str = "snapshot",
        captured_at: datetime | None = None,
        source: str | None = None,
        notes: builtins.list[str] | None = None,
    ):
        self.name = name
        self.source = source or name
        self.captured_at = captured_at
        #: what the source could not provide (kinds skipped for RBAC, logs unavailable, ...)
        self.notes: builtins.list[str] = list(notes or [])
        self.objects: dict[str, list[Obj]] = {k: list(v) for k, v in (objects or {}).items()}
        self.log_store: dict[LogKey, str] = dict(logs or {})
        self._index: dict[str, dict[tuple[str, str], Obj]] = {}
        #: frozen metric series and alerts (holmes_nb.sources.frozen_metrics storage form), or None
        self.metrics: dict | None = None

    # -- building -------------------------------------------------------------------------
    def add(self, obj: Obj, kind: Kind | None = None) -> None:
        """Add one object; its kind comes from ``obj["kind"]`` unless given. Unknown kinds are kept
        under their lowercased plural so nothing a dump held is silently dropped."""
        k = kind or kind_for(obj.get("kind", ""))
        key = k.name if k else (obj.get("kind", "unknown").lower() + "s")
        obj = without_secret_values(sanitize(obj), k.name if k else "")
        self.objects.setdefault(key, []).append(obj)
        self._index.pop(key, None)

    def add_all(self, objs: Iterable[Obj]) -> None:
        for o in objs:
            self.add(o)

    # -- Cluster interface ----------------------------------------------------------------
    def now(self) -> datetime:
        return self.captured_at or datetime.now(timezone.utc)

    def kinds_available(self) -> builtins.list[str]:
        return sorted(k for k, v in self.objects.items() if v)

    def list(self, kind, namespace=None, *, label_selector=None, field_selector=None) -> builtins.list[Obj]:
        k = self._kind(kind)
        items = self.objects.get(k.name, [])
        if namespace and k.namespaced:
            items = [o for o in items if o.get("metadata", {}).get("namespace") == namespace]
        if label_selector:
            lm = label_matcher(label_selector)
            items = [o for o in items if lm(labels_of(o))]
        if field_selector:
            fm = field_matcher(field_selector)
            items = [o for o in items if fm(o)]
        return items

    def get(self, kind, name, namespace=None) -> Obj:
        k = self._kind(kind)
        idx = self._index.get(k.name)
        if idx is None:
            idx = self._index[k.name] = {
                (o.get("metadata", {}).get("namespace") or "", o.get("metadata", {}).get("name", "")): o
                for o in self.objects.get(k.name, [])
            }
        ns = (namespace or "") if k.namespaced else ""
        obj = idx.get((ns, name))
        if obj is not None:
            return obj
        raise not_found(k, name, ns, [n for (o_ns, n) in idx if o_ns == ns], self.namespaces_of(k, name))

    def logs(self, namespace, pod, container=None, *, previous=False, tail_lines=None) -> str:
        if container is None:
            container = self._default_container(namespace, pod)
        key = (namespace, pod, container, bool(previous))
        if key not in self.log_store:
            self.get("pods", pod, namespace)  # raises NotFound with suggestions if the pod is unknown
            text = ""
        else:
            text = self.log_store[key]
        if tail_lines is not None and tail_lines >= 0:
            lines = text.splitlines()
            text = "\n".join(lines[-tail_lines:] if tail_lines else [])
        return text

    # -- helpers --------------------------------------------------------------------------
    def namespaces_of(self, kind: Kind, name: str) -> builtins.list[str]:
        """Namespaces holding an object of this kind and name (for "did you mean -n X")."""
        return sorted(
            o["metadata"].get("namespace", "")
            for o in self.objects.get(kind.name, [])
            if o.get("metadata", {}).get("name") == name
        )

    def _default_container(self, namespace: str, pod: str) -> str:
        obj = self.get("pods", pod, namespace)
        containers = obj.get("spec", {}).get("containers") or [{}]
        return containers[0].get("name", "")

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in sorted(self.objects.items()) if v}


def without_secret_values(obj: Obj, kind_name: str) -> Obj:
    """``obj`` with :func:`strip_secret` applied when it is a Secret: filed under ``secrets``, or
    saying ``kind: Secret`` wherever a snapshot file lists it (a Secret under ``configmaps`` is
    still a Secret)."""
    if kind_name == "secrets" or (isinstance(obj, dict) and str(obj.get("kind", "")).lower() == "secret"):
        return strip_secret(obj)
    return obj


def strip_secret(obj: Obj) -> Obj:
    """A Secret without values: keeps metadata and type, and the key names of ``data``."""
    keys = sorted(set(obj.get("data") or {}) | set(obj.get("stringData") or {}))
    out = {k: v for k, v in obj.items() if k not in ("data", "stringData")}
    meta = dict(out.get("metadata") or {})
    ann = {k: v for k, v in (meta.get("annotations") or {}).items() if "last-applied" not in k}
    if ann or "annotations" in meta:
        meta["annotations"] = ann
    out["metadata"] = meta
    if keys:
        out["dataKeys"] = keys  # holmes-nb extension: names only, never values
    return out


def not_found(kind: Kind, name: str, namespace: str, candidates: Iterable[str], elsewhere: list[str]) -> NotFoundError:
    """A NotFoundError whose message suggests close names and other namespaces."""
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.5)
    where = f" in namespace {namespace!r}" if namespace else ""
    msg = f"{kind.singular} {name!r} not found{where}"
    hints = []
    if close:
        hints.append("did you mean " + ", ".join(repr(c) for c in close))
    if elsewhere:
        hints.append("it exists in namespace " + ", ".join(repr(n) for n in elsewhere))
    return NotFoundError(msg + ("; " + "; ".join(hints) if hints else ""), suggestions=close)
