"""Evidence without an LLM: metrics and change history as DataFrames (``holmes_nb.metrics``,
``holmes_nb.changes``). The same code paths the tools use, so a person sees what the model saw.

    df = metrics('container_memory_working_set_bytes{namespace="shop"}', start="-6h", cluster="demo")
"""

from __future__ import annotations

from typing import Any

from holmes_nb.errors import ConfigError


def _open(cluster: Any) -> Any:
    """A Cluster from a spec, a Cluster, or a ``holmes_nb.cluster(...)`` view."""
    from holmes_nb.cluster_spec import open_cluster

    return open_cluster(cluster)


def metrics(
    query: str,
    start: Any = "-1h",
    end: Any = None,
    step: Any = None,
    *,
    cluster: Any = None,
    prometheus_url: str | None = None,
) -> Any:
    from holmes_nb.frames.metrics import metrics_frame, summary_text
    from holmes_nb.sources.evidence import metrics_backend
    from holmes_nb.sources.prometheus import duration_seconds, parse_when

    target = _open(cluster) if cluster is not None else None
    backend = metrics_backend(target, url=prometheus_url)
    if backend is None:
        raise ConfigError(
            "no Prometheus configured and no frozen series in this cluster source",
            hint="set PROMETHEUS_URL, pass prometheus_url=, or use a snapshot with metrics (cluster='demo')",
        )
    from datetime import datetime, timezone

    now = target.now() if target is not None else datetime.now(timezone.utc)
    t_end = parse_when(end, now)
    t_start = parse_when(start, t_end)
    step_s = duration_seconds(step) if isinstance(step, str) else step
    result = backend.query_range(query, t_start, t_end, step_s)
    df = metrics_frame(result)
    df.attrs["summary"] = summary_text(result)
    df.attrs["query"] = query
    return df


def changes(cluster: Any = "demo", namespace: str | None = None, name: str | None = None) -> Any:
    from holmes_nb.frames.changes import change_records, changes_frame

    target = _open(cluster)
    return changes_frame(change_records(target, namespace, name), target.now())
