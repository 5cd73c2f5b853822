"""The evidence tools offered next to the Kubernetes ones: change history always; metrics and
alerts when a Prometheus/Alertmanager is configured or the snapshot holds frozen series/alerts.

    tools = kubernetes_tools(cluster) + evidence_tools(cluster)
"""

from __future__ import annotations

from holmes_nb.sources.base import Cluster
from holmes_nb.tools.base import Tool


def evidence_tools(cluster: Cluster) -> list[Tool]:
    from holmes_nb.tools.changes import changes_tool
    from holmes_nb.tools.kubernetes import KubernetesToolset

    ts = KubernetesToolset(cluster)
    return [changes_tool(cluster, normalize_namespace=ts._namespace)]
