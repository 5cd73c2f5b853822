"""holmes-nb's own snapshot file: one JSON document (optionally gzipped), see docs/snapshots.md.

    {"header": {"format": "holmes-nb-snapshot", "version": 1, "capturedAt": "...", "source": "...",
                "namespaces": null, "counts": {...}, "notes": [...]},
     "objects": {"pods": [...], "events": [...], ...},
     "logs": [{"namespace": "shop", "pod": "web-1", "container": "web", "previous": true, "text": "..."}]}

``save_snapshot(cluster, path)`` writes it from any :class:`Cluster` (live, dump, demo);
``snapshot_from_document(doc, source)`` reads it back. Secret values are never written.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from holmes_nb.errors import ClusterError, ConfigError
from holmes_nb.k8s import parse_time
from holmes_nb.redact import redact_obj, scrub
from holmes_nb.sources.base import Cluster, Obj
from holmes_nb.sources.kinds import KINDS, Kind, resolve_kind
from holmes_nb.sources.snapshot import LogKey, Snapshot, without_secret_values

FORMAT = "holmes-nb-snapshot"
VERSION = 1
DEFAULT_FILENAME = "snapshot.json.gz"
_KINDS_BY_NAME = {k.name: k for k in KINDS}
_HINT = "the file's header says it is a holmes-nb snapshot, but its body is damaged"

Progress = Callable[[int, int, str], None]


def is_snapshot_document(doc: Any) -> bool:
    """True when a parsed JSON document is a holmes-nb snapshot."""
    return isinstance(doc, dict) and isinstance(doc.get("header"), dict) and doc["header"].get("format") == FORMAT


# -- reading ------------------------------------------------------------------------------
def snapshot_from_document(doc: dict, source: str) -> Snapshot:
    """Build a Snapshot from a parsed snapshot document (``source`` names the file in errors)."""
    header = doc["header"]
    version = header.get("version")
    if not isinstance(version, int) or version < 1:
        raise ConfigError(f"{source}: snapshot header has no valid version", hint=_HINT)
    if version > VERSION:
        raise ConfigError(
            f"{source}: snapshot format version {version} is newer than this holmes-nb reads ({VERSION})",
            hint="upgrade holmes-nb",
        )
    captured = header.get("capturedAt")
    captured_at = parse_time(captured) if captured is not None else None
    if captured is not None and captured_at is None:
        raise ConfigError(f"{source}: header capturedAt {captured!r} is not an RFC 3339 time", hint=_HINT)
    snap = Snapshot(
        name=f"snapshot:{source}",
        captured_at=captured_at,
        source=str(header.get("source") or source),
        notes=[str(n) for n in _as_list(header.get("notes"))],
    )
    _read_objects(snap, doc.get("objects"), source)
    _read_logs(snap, doc.get("logs"), source)
    if isinstance(doc.get("metrics"), dict):  # frozen series and alerts (holmes_nb.sources.frozen_metrics)
        snap.metrics = doc["metrics"]
    return snap


def _read_objects(snap: Snapshot, objects: Any, source: str) -> None:
    if not isinstance(objects, dict):
        raise ConfigError(f"{source}: 'objects' must map kind names to lists", hint=_HINT)
    for plural, items in objects.items():
        if not isinstance(items, list):
            raise ConfigError(f"{source}: objects[{plural!r}] must be a list", hint=_HINT)
        kind = _KINDS_BY_NAME.get(plural)
        for i, obj in enumerate(items):
            meta = obj.get("metadata") if isinstance(obj, dict) else None
            if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
                raise ConfigError(f"{source}: objects[{plural!r}][{i}] has no metadata.name", hint=_HINT)
            if not isinstance(meta.get("namespace") or "", str) or not isinstance(obj.get("kind", ""), str):
                raise ConfigError(f"{source}: objects[{plural!r}][{i}] has a non-string kind or namespace", hint=_HINT)
            if kind is not None and "kind" not in obj:
                obj = {"kind": kind.kind, "apiVersion": kind.api_version, **obj}
            snap.add(obj, kind)


def _as_list(value: Any) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]


def _read_logs(snap: Snapshot, logs: Any, source: str) -> None:
    if logs is None:
        return
    if not isinstance(logs, list):
        raise ConfigError(f"{source}: 'logs' must be a list", hint=_HINT)
    for i, rec in enumerate(logs):
        try:
            key = (rec["namespace"], rec["pod"], rec["container"], bool(rec.get("previous", False)))
            text = rec["text"]
        except (KeyError, TypeError):
            raise ConfigError(f"{source}: logs[{i}] needs namespace, pod, container and text", hint=_HINT) from None
        if not all(isinstance(p, str) for p in (*key[:3], text)):
            raise ConfigError(f"{source}: logs[{i}] has a non-string field", hint=_HINT)
        snap.log_store[key] = text


# -- writing ------------------------------------------------------------------------------
def save_snapshot(
    cluster: Cluster,
    path: str | os.PathLike,
    namespaces: Iterable[str] | None = None,
    *,
    progress: Progress | None = None,
    tail_lines: int | None = None,
    indent: int | None = None,
    redact: bool = True,
    metrics: dict | None = None,
) -> Path:
    """Write ``cluster`` (every kind it lists, and current + previous logs of every container).

    ``path`` ending in ``.gz`` is gzipped; an existing directory gets ``snapshot.json.gz`` inside.
    ``namespaces`` limits namespaced kinds (cluster-scoped kinds are always read). ``progress`` is
    called as ``progress(done, total, label)``; ``total`` is final from the first call on. Kinds the
    cluster refuses (RBAC, not served) and unreadable logs are skipped and listed in the header
    notes. Secret-looking values are redacted (:func:`holmes_nb.redact.redact_obj` on every object,
    :func:`~holmes_nb.redact.scrub` on every log); ``redact=False`` is for building test clusters
    with planted values only. Returns the path written.

        save_snapshot(open_cluster("context:prod"), "incident-42.json.gz", ["shop"])
    """
    target = Path(path)
    if target.is_dir():
        target = target / DEFAULT_FILENAME
    wanted = sorted(set(namespaces)) if namespaces is not None else None
    doc = _capture(cluster, wanted, progress or (lambda done, total, label: None), tail_lines, redact, metrics)
    _write_atomic(target, _encode(doc, target, indent))
    return target


def _capture(
    cluster: Cluster,
    namespaces: list[str] | None,
    progress: Progress,
    tail_lines: int | None,
    redact: bool = True,
    metrics: dict | None = None,
) -> dict:
    captured_at = cluster.now()
    notes: list[str] = []
    kinds = [resolve_kind(k) for k in cluster.kinds_available()]
    kinds.sort(key=lambda k: (k.name != "pods", k.name))  # pods first: they size the log work
    objects: dict[str, list[Obj]] = {}
    total, done = len(kinds), 0
    jobs: list[LogKey] = []
    for kind in kinds:
        items = _list_kind(cluster, kind, namespaces, notes)
        if items is not None:
            objects[kind.name] = [redact_obj(o) for o in items] if redact else items
        if kind.name == "pods":
            jobs = log_jobs(items or [])
            total += len(jobs)
        done += 1
        progress(done, total, kind.name)
    logs, failed = [], 0
    for ns, pod, container, previous in jobs:
        try:
            text = cluster.logs(ns, pod, container, previous=previous, tail_lines=tail_lines)
        except ClusterError:
            failed += 1
            text = ""
        if text and redact:
            text = scrub(text)
        if text:
            logs.append({"namespace": ns, "pod": pod, "container": container, "previous": previous, "text": text})
        done += 1
        progress(done, total, f"logs {ns}/{pod}/{container}" + (" (previous)" if previous else ""))
    if failed:
        notes.append(f"logs: {failed} of {len(jobs)} log reads failed and were skipped")
    header = {
        "format": FORMAT,
        "version": VERSION,
        "capturedAt": captured_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": getattr(cluster, "source", None) or cluster.name,
        "namespaces": namespaces,
        "counts": {k: len(v) for k, v in objects.items()},
        "logCount": len(logs),
        "notes": notes,
    }
    doc = {"header": header, "objects": objects, "logs": logs}
    if isinstance(metrics, dict):
        notes.extend(metrics.get("notes") or [])  # the header holds this same list
    if not (isinstance(metrics, dict) and (metrics.get("series") or metrics.get("alerts"))):
        metrics = getattr(cluster, "metrics", None)  # a snapshot's own frozen series are kept
    if isinstance(metrics, dict) and (metrics.get("series") or metrics.get("alerts")):
        doc["metrics"] = {k: v for k, v in metrics.items() if k != "notes"}
        header["metricSeries"] = len(metrics.get("series") or [])
        header["alerts"] = len(metrics.get("alerts") or [])
    return doc


def _list_kind(cluster: Cluster, kind: Kind, namespaces: list[str] | None, notes: list[str]) -> list[Obj] | None:
    """All objects of a kind, typed and sorted like the API server lists them; None if refused."""
    scopes = namespaces if (namespaces is not None and kind.namespaced) else [None]
    items: list[Obj] = []
    refused = 0
    for ns in scopes:
        try:
            items += cluster.list(kind, namespace=ns)
        except ClusterError as e:
            refused += 1
            notes.append(f"{kind.name}{f' in {ns}' if ns else ''}: skipped ({e.message})")
    if refused == len(scopes):
        return None
    if kind.name == "namespaces" and namespaces is not None:
        items = [o for o in items if o["metadata"]["name"] in namespaces]
    out = [_typed(o, kind) for o in items]
    out.sort(key=lambda o: (o["metadata"].get("namespace") or "", o["metadata"]["name"]))
    return out


def _typed(obj: Obj, kind: Kind) -> Obj:
    obj = without_secret_values(obj, kind.name)
    if "kind" in obj and "apiVersion" in obj:
        return obj
    return {"apiVersion": kind.api_version, "kind": kind.kind, **obj}


def log_jobs(pods: list[Obj]) -> list[LogKey]:
    """Which logs to read: current for every container that ever started, previous after a restart."""
    jobs: list[LogKey] = []
    for pod in pods:
        meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
        statuses = {s.get("name"): s for s in (status.get("initContainerStatuses") or [])}
        statuses.update({s.get("name"): s for s in (status.get("containerStatuses") or [])})
        for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
            st = statuses.get(c.get("name"), {})
            state, last = st.get("state") or {}, st.get("lastState") or {}
            started = "running" in state or "terminated" in state or "terminated" in last
            key = (meta.get("namespace", ""), meta["name"], c["name"])
            if started:
                jobs.append((*key, False))
            if "terminated" in last or st.get("restartCount", 0) > 0:
                jobs.append((*key, True))
    return jobs


def _encode(doc: dict, target: Path, indent: int | None) -> bytes:
    data = json.dumps(doc, ensure_ascii=False, indent=indent, separators=None if indent else (",", ":"))
    raw = (data + "\n").encode("utf-8")
    if target.name.endswith(".gz"):
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:  # deterministic bytes
            gz.write(raw)
        return buf.getvalue()
    return raw


def _write_atomic(target: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory, so a failed write leaves no half file.

    The file is created mode 0600: a snapshot holds logs, which may hold sensitive data."""
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except OSError as e:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise ConfigError(f"cannot write snapshot {target}: {e.strerror or e}") from None
