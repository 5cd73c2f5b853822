"""Capture a cluster (usually live) into a holmes-nb snapshot file for a postmortem or a lab.

    result = capture(LiveCluster(context="prod"), "incident-42/", namespaces=["shop"])
    print(result.path, result.counts, result.log_count)

The file format and the reading of every kind and log belong to
:func:`holmes_nb.formats.importers.save_snapshot`; this module adds what a capture needs around
it: output path rules, namespace validation with "did you mean", and a summary read back from
the written file. Secret values are never captured: the live source reads Secrets as metadata
only, and the writer strips anything that looks like a value.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from holmes_nb.errors import ClusterError, ConfigError, ForbiddenError
from holmes_nb.sources.base import Cluster

Progress = Callable[[int, int, str], None]
DEFAULT_FILENAME = "snapshot.json.gz"


@dataclass
class CaptureResult:
    """What a capture wrote: the file, objects per kind, logs, and notes (kinds skipped and why)."""

    path: Path
    counts: dict[str, int] = field(default_factory=dict)
    log_count: int = 0
    notes: list[str] = field(default_factory=list)
    captured_at: str | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """``wrote incident.json.gz: 312 objects in 14 kinds, 40 logs (2 notes)``."""
        notes = f" ({len(self.notes)} notes)" if self.notes else ""
        return f"wrote {self.path}: {self.total} objects in {len(self.counts)} kinds, {self.log_count} logs{notes}"


def capture(
    cluster: Cluster,
    output: str | os.PathLike,
    namespaces: list[str] | None = None,
    progress: Progress | None = None,
    *,
    prometheus: Any = None,
    alertmanager: Any = None,
    metrics_end: datetime | None = None,
) -> CaptureResult:
    """Save ``cluster`` to ``output`` in the holmes-nb snapshot format and return what was written.

    ``output`` is a file (``.json`` or ``.json.gz``) or a directory (an existing one, or a path
    ending in ``/``), which gets ``snapshot.json.gz``. ``namespaces`` limits namespaced kinds; an
    unknown namespace is a :class:`~holmes_nb.errors.ConfigError` with close names. ``progress`` is
    called as ``progress(done, total, label)``. ``prometheus``/``alertmanager`` (clients): also
    record the standard series of the 6 hours before ``metrics_end`` (default: the cluster's now)
    and the firing alerts (holmes_nb.formats.metrics_capture).
    """
    from holmes_nb.formats.importers import save_snapshot

    target = output_path(output)
    _preflight(cluster)
    wanted = _check_namespaces(cluster, namespaces) if namespaces is not None else None
    metrics = None
    if prometheus is not None or alertmanager is not None:  # the standard series and the firing alerts
        from holmes_nb.formats.metrics_capture import capture_metrics

        metrics, notes = capture_metrics(prometheus, alertmanager, end=metrics_end or cluster.now(), namespaces=wanted)
        if notes:
            metrics = {**(metrics or {}), "notes": notes}
    written = save_snapshot(cluster, target, wanted, progress=progress, metrics=metrics)
    return read_result(Path(written))


def output_path(output: str | os.PathLike) -> Path:
    """The snapshot file for ``output``: directories (existing, or ending in a separator) get a default name."""
    text = os.fspath(output)
    if not text.strip():
        raise ConfigError("empty output path", hint="give a file such as incident.json.gz or a directory")
    path = Path(text).expanduser()
    if path.is_dir() or text.endswith(("/", os.sep)):
        return path / DEFAULT_FILENAME
    if path.exists() and not path.is_file():
        raise ConfigError(f"cannot write a snapshot to {path}: not a regular file")
    return path


def read_result(path: Path) -> CaptureResult:
    """The summary of a written snapshot file, from its header."""
    header = read_header(path)
    return CaptureResult(
        path=path,
        counts=dict(header.get("counts") or {}),
        log_count=int(header.get("logCount") or 0),
        notes=list(header.get("notes") or []),
        captured_at=header.get("capturedAt"),
    )


def read_header(path: str | os.PathLike) -> dict:
    """The ``header`` of a holmes-nb snapshot file (gzipped or not)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            from holmes_nb.formats.manifests import gunzip_bounded

            raw = gunzip_bounded(raw, p.name)
        doc = json.loads(raw)
    except (OSError, EOFError, ValueError) as e:
        raise ConfigError(f"cannot read snapshot {p}: {e}") from None
    header = doc.get("header") if isinstance(doc, dict) else None
    if not isinstance(header, dict):
        raise ConfigError(f"{p} is not a holmes-nb snapshot file (no header)")
    return header


def _preflight(cluster: Cluster) -> None:
    """Fail fast when the cluster cannot be read at all (unreachable, 5xx), instead of writing an
    empty snapshot full of notes. A 403 is fine: RBAC may still allow the namespaced reads."""
    try:
        cluster.list("namespaces")
    except ForbiddenError:
        pass


def _check_namespaces(cluster: Cluster, namespaces: list[str]) -> list[str]:
    """Strip and dedupe; unknown names fail with close matches (skipped if namespaces cannot be listed)."""
    wanted = sorted({n.strip() for n in namespaces if n and n.strip()})
    if not wanted:
        raise ConfigError("no namespaces given", hint="--namespaces a,b (or leave it out for all namespaces)")
    try:
        existing = cluster.namespaces()
    except ClusterError:
        return wanted  # e.g. RBAC allows reading in the namespaces but not listing them
    missing = [n for n in wanted if n not in existing]
    if missing:
        close = sorted({c for n in missing for c in difflib.get_close_matches(n, existing, n=2, cutoff=0.5)})
        hint = ("did you mean " + ", ".join(close) + "; ") if close else ""
        raise ConfigError(
            "namespace not found: " + ", ".join(missing),
            hint=hint + "namespaces: " + ", ".join(existing[:20]) + (" ..." if len(existing) > 20 else ""),
        )
    return wanted
