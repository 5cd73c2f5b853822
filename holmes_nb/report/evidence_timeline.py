"""Timeline rows for the evidence beyond objects: changes (rollouts, Helm, edits), firing alerts,
and metric panels (when a series first reached its threshold, e.g. the memory limit, and its peak).

Used by holmes_nb.report.timeline for a Cluster (change history, frozen alerts and series) and for
an Investigation (the frames the ``changes``, ``firing_alerts`` and metric tools returned).
Rows have the timeline's columns; kinds ``change``, ``alert`` and ``metric``.
"""

from __future__ import annotations

from typing import Any

from holmes_nb.errors import HolmesError

#: label -> object kind, most specific first, to place an alert on an object's lane
_ALERT_OBJECTS = (("pod", "pod"), ("deployment", "deployment"), ("statefulset", "statefulset"),
                  ("daemonset", "daemonset"), ("job_name", "job"), ("service", "service"), ("node", "node"),
                  ("persistentvolumeclaim", "pvc"))  # fmt: skip


def timeline_row(time, kind, namespace, obj, reason, message, count=1, since=None) -> dict[str, Any]:
    """One row of ``timeline_frame``: what happened to ``obj`` at ``time``."""
    return {
        "time": time,
        "kind": kind,
        "namespace": namespace or "",
        "object": obj,
        "reason": reason or "",
        "message": message or "",
        "count": int(count or 1),
        "since": since,
    }


def change_rows(records: list[dict]) -> list[dict]:
    rows = []
    for r in records:
        if r.get("change") == "created" and r.get("kind") != "HelmRelease":
            continue  # first revisions and object creation: not changes
        rev = f" revision {int(r['revision'])}" if r.get("revision") == r.get("revision") and r.get("revision") else ""
        obj = f"{str(r['kind']).lower()}/{r['name']}"
        rows.append(
            timeline_row(r.get("time"), "change", r.get("namespace"), obj, f"{r['change']}{rev}", r.get("detail"))
        )
    return rows


def alert_object(labels: dict) -> str:
    for key, kind in _ALERT_OBJECTS:
        if labels.get(key):
            return f"{kind}/{labels[key]}"
    return f"alert/{labels.get('alertname', '?')}"


def alert_rows(alerts: list[dict]) -> list[dict]:
    from holmes_nb.k8s import parse_time

    rows = []
    for a in alerts:
        labels, ann = a.get("labels") or {}, a.get("annotations") or {}
        text = ann.get("summary") or ann.get("description") or ""
        rows.append(
            timeline_row(
                parse_time(a.get("startsAt")),
                "alert",
                labels.get("namespace"),
                alert_object(labels),
                f"{labels.get('alertname', '?')} ({labels.get('severity', '?')})",
                text,
            )
        )
    return rows


def metric_rows(frame: Any, threshold: float | None, name: str = "metric") -> list[dict]:
    """Per series of a tidy metric frame: when it first reached ``threshold`` (if given), and its peak."""
    if frame is None or not len(frame) or "value" not in frame.columns:
        return []
    from holmes_nb.frames.metrics import value_text

    unit = (
        "bytes" if "memory" in name or "bytes" in name else ("ratio" if name.endswith(("rate", "throttling")) else "")
    )
    keys = [c for c in ("pod", "service", "node") if c in frame.columns]
    rows = []
    groups = frame.groupby(keys, dropna=False) if keys else [((), frame)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        obj = next((f"{k}/{v}" for k, v in zip(keys, key, strict=False) if isinstance(v, str) and v), name)
        ns = g["namespace"].iloc[0] if "namespace" in g.columns else ""
        g = g.sort_values("timestamp")
        peak = g.loc[g["value"].idxmax()]
        if threshold is not None:
            hit = g[g["value"] >= threshold]
            if len(hit):
                rows.append(
                    timeline_row(
                        hit["timestamp"].iloc[0], "metric", ns, obj, f"{name} reached {value_text(threshold, unit)}", ""
                    )
                )
        rows.append(timeline_row(peak["timestamp"], "metric", ns, obj, f"{name} peak", value_text(peak["value"], unit)))
    return rows


def cluster_evidence_rows(cluster: Any, namespace: str | None) -> list[dict]:
    """Changes of the cluster, and the alerts and memory-limit crossings frozen in a snapshot."""
    from holmes_nb.frames.changes import change_records

    try:
        rows = change_rows(change_records(cluster, namespace))
    except HolmesError:
        rows = []
    from holmes_nb.sources.frozen_metrics import FrozenMetrics

    frozen = FrozenMetrics.from_doc(getattr(cluster, "metrics", None))
    if frozen is None:
        return rows
    alerts = frozen.alerts()
    rows += alert_rows(
        [a for a in alerts if namespace is None or (a.get("labels") or {}).get("namespace") == namespace]
    )
    rows += _memory_crossings(cluster, frozen, namespace)
    return rows


def _memory_crossings(cluster: Any, frozen: Any, namespace: str | None) -> list[dict]:
    """When a container's frozen memory series first reached its limit (the pod spec's)."""
    from holmes_nb.frames.metrics import metrics_frame
    from holmes_nb.k8s import parse_quantity
    from holmes_nb.sources.prometheus import RangeResult

    memory = [s for s in frozen.series if s.name == "container_memory_working_set_bytes"]
    rows = []
    for pod in cluster.list("pods", namespace):
        m = pod["metadata"]
        for c in (pod.get("spec") or {}).get("containers") or []:
            limit = parse_quantity(((c.get("resources") or {}).get("limits") or {}).get("memory"))
            key = (m.get("namespace"), m["name"], c["name"])
            mine = [
                s for s in memory if (s.labels.get("namespace"), s.labels.get("pod"), s.labels.get("container")) == key
            ]
            if limit and any(v >= limit for s in mine for _, v in s.points):
                frame = metrics_frame(RangeResult("memory", cluster.now(), cluster.now(), 0, mine, len(mine)))
                rows += [r for r in metric_rows(frame, limit, "memory") if "reached" in r["reason"]]
    return rows


def investigation_evidence_rows(frame: Any, args: dict) -> list[dict]:
    """Rows from one tool frame of an Investigation (changes, alerts, metric panels); [] otherwise."""
    cols = set(frame.columns)
    if {"change", "detail", "revision"} <= cols:
        return change_rows(frame.to_dict("records"))
    if {"alertname", "startsAt"} <= cols:
        recs = frame.to_dict("records")
        labels = [{k: v for k, v in r.items() if isinstance(v, str) and k not in ("summary", "state")} for r in recs]
        return alert_rows(
            [{"labels": lab, "annotations": {"summary": r.get("summary")}, "startsAt": r.get("startsAt")}
             for lab, r in zip(labels, recs, strict=True)]
        )  # fmt: skip
    if {"timestamp", "value", "metric"} <= cols:
        name = str(args.get("panel") or (frame["metric"].iloc[0] if len(frame) else "") or "metric")
        return metric_rows(frame, frame.attrs.get("threshold"), name)
    return []
