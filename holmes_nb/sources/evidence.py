"""Which metrics and alerts backend serves a cluster: a configured Prometheus/Alertmanager first
(whatever the cluster source is: a postmortem on a snapshot still queries the Prometheus that kept
the incident), else the series and alerts frozen in the snapshot, else None.

    backend = metrics_backend(cluster)      # PrometheusClient | FrozenMetrics | None
"""

from __future__ import annotations

from typing import Any

from holmes_nb.sources.base import Cluster


def metrics_backend(cluster: Cluster | None, config: Any = None, url: str | None = None) -> Any:
    """A PrometheusClient (configured or ``url``), else the snapshot's FrozenMetrics, else None."""
    from holmes_nb.sources.frozen_metrics import FrozenMetrics
    from holmes_nb.sources.prometheus import PrometheusClient

    client = PrometheusClient.from_config(config, url)
    if client is not None:
        return client
    return FrozenMetrics.from_doc(getattr(cluster, "metrics", None))


def alerts_backend(cluster: Cluster | None, config: Any = None, url: str | None = None) -> Any:
    """An AlertmanagerClient (configured or ``url``), else the snapshot's frozen alerts, else None."""
    from holmes_nb.sources.alertmanager import AlertmanagerClient
    from holmes_nb.sources.frozen_metrics import FrozenMetrics

    client = AlertmanagerClient.from_config(config, url)
    if client is not None:
        return client
    frozen = FrozenMetrics.from_doc(getattr(cluster, "metrics", None))
    return frozen if frozen is not None and frozen.frozen_alerts else None
