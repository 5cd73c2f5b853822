"""What a capture records from Prometheus and Alertmanager: a standard set of series for the
capture window and the firing alerts, in the frozen form of holmes_nb.sources.frozen_metrics.

The standard set (``STANDARD_QUERIES``): container memory, restart counters, node root filesystem
avail/size (raw), and two precomputed ratios: CPU throttling per container
(``holmes_nb_cpu_throttled_ratio``) and the 5xx ratio per service (``holmes_nb_http_error_ratio``).
A query that fails (metric missing, Prometheus error) is skipped and noted.

    doc, notes = capture_metrics(prometheus, alertmanager, end=cluster.now(), namespaces=["shop"])
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from holmes_nb.errors import HolmesError
from holmes_nb.sources.prometheus import Series

WINDOW = timedelta(hours=6)
STEP = 60.0
MAX_SERIES = 2000

#: (stored name or None to keep the metric's own, PromQL with {sel} = the namespace matcher)
STANDARD_QUERIES: tuple[tuple[str | None, str], ...] = (
    (None, 'container_memory_working_set_bytes{{container!="",container!="POD"{sel}}}'),
    (None, "kube_pod_container_status_restarts_total{{{sel0}}}"),
    (None, 'node_filesystem_avail_bytes{{mountpoint="/"}}'),
    (None, 'node_filesystem_size_bytes{{mountpoint="/"}}'),
    (
        "holmes_nb_cpu_throttled_ratio",
        "sum by (namespace, pod, container) (rate(container_cpu_cfs_throttled_periods_total{{{sel0}}}[5m]))"
        " / sum by (namespace, pod, container) (rate(container_cpu_cfs_periods_total{{{sel0}}}[5m]))",
    ),
    (
        "holmes_nb_http_error_ratio",
        'sum by (namespace, service) (rate(http_requests_total{{code=~"5.."{sel}}}[5m]))'
        " / sum by (namespace, service) (rate(http_requests_total{{{sel0}}}[5m]))",
    ),
)


def _selectors(namespaces: list[str] | None) -> dict[str, str]:
    if not namespaces:
        return {"sel": "", "sel0": ""}
    m = 'namespace=~"' + "|".join(namespaces) + '"'
    return {"sel": "," + m, "sel0": m}


def capture_metrics(
    prometheus: Any,
    alertmanager: Any,
    *,
    end: datetime,
    namespaces: list[str] | None = None,
    window: timedelta = WINDOW,
    step: float = STEP,
) -> tuple[dict | None, list[str]]:
    """The frozen document (or None when there is nothing to keep) and notes on what was skipped."""
    from holmes_nb.sources.frozen_metrics import FrozenMetrics
    from holmes_nb.sources.prometheus import bounded_step

    notes: list[str] = []
    series: list[Series] = []
    start = end - window
    step = bounded_step(start, end, step)
    if prometheus is not None:
        sel = _selectors(namespaces)
        for stored, template in STANDARD_QUERIES:
            query = template.format(**sel)
            try:
                result = prometheus.query_range(query, start, end, step, max_series=MAX_SERIES)
            except HolmesError as e:
                notes.append(f"metrics: {query[:60]}... skipped ({str(e)[:120]})")
                continue
            if result.cut:
                notes.append(f"metrics: {query[:60]}... kept {len(result.series)} of {result.total_series} series")
            for s in result.series:
                labels = dict(s.labels)
                if stored:
                    labels["__name__"] = stored
                series.append(Series(labels, s.points))
    alerts = _alerts(prometheus, alertmanager, namespaces, notes)
    if not series and not alerts:
        return None, notes
    return FrozenMetrics.to_doc(series, start.timestamp(), step, alerts), notes


def _alerts(prometheus: Any, alertmanager: Any, namespaces: list[str] | None, notes: list[str]) -> list[dict]:
    try:
        if alertmanager is not None:
            found = alertmanager.alerts()
        elif prometheus is not None:
            found = [_from_prometheus(a) for a in prometheus.alerts() if a.get("state") == "firing"]
        else:
            return []
    except HolmesError as e:
        notes.append(f"alerts: skipped ({str(e)[:120]})")
        return []
    if namespaces:
        found = [a for a in found if (a.get("labels") or {}).get("namespace") in (*namespaces, None)]
    return [
        {k: a.get(k) for k in ("labels", "annotations", "startsAt", "status") if a.get(k) is not None} for a in found
    ]


def _from_prometheus(alert: dict) -> dict:
    """A Prometheus ``/api/v1/alerts`` entry in Alertmanager's v2 shape."""
    return {
        "labels": alert.get("labels") or {},
        "annotations": alert.get("annotations") or {},
        "startsAt": alert.get("activeAt"),
        "status": {"state": "active"},
    }
