"""The evidence tools offered next to the Kubernetes ones: change history always; metrics and
alerts when a Prometheus/Alertmanager is configured (used whatever the cluster source is: a
postmortem on a snapshot still queries the Prometheus that kept the incident), else the series
and alerts frozen in the snapshot when it has them.

    tools = kubernetes_tools(cluster) + evidence_tools(cluster)
"""

from __future__ import annotations

from typing import Any

from holmes_nb.sources.base import Cluster
from holmes_nb.sources.evidence import alerts_backend, metrics_backend
from holmes_nb.tools.base import Tool


def evidence_tools(cluster: Cluster, config: Any = None) -> list[Tool]:
    from holmes_nb.tools.changes import changes_tool
    from holmes_nb.tools.k8s_toolset import KubernetesToolset

    ts = KubernetesToolset(cluster)
    tools = [changes_tool(cluster, normalize_namespace=ts._namespace)]
    if config is None:
        from holmes_nb.config import load_config

        config = load_config()
    backend = metrics_backend(cluster, config)
    if backend is not None:
        from holmes_nb.tools.metrics import metrics_tools

        tools += metrics_tools(cluster, backend)
    alerts = alerts_backend(cluster, config)
    if alerts is not None:
        from holmes_nb.tools.alerts import alerts_tool

        tools.append(alerts_tool(cluster, alerts))
    return tools
