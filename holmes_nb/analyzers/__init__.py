"""Deterministic analyzers (no LLM): find what is broken in a cluster and explain it.

    from holmes_nb.analyzers import scan, findings_frame
    findings = scan(open_cluster("demo"))
    findings_frame(findings)        # severity, kind, namespace, name, reason, message, evidence

Each analyzer module covers one area (pods, containers, scheduling, probes, workloads, jobs,
network, storage, nodes, autoscaling, quotas) and reads a per-scan :class:`ClusterIndex`, so
a scan lists every kind once and stays linear in the size of the cluster. See docs/analyzers.md.
"""

from __future__ import annotations

from holmes_nb.analyzers.finding import SEVERITIES, Finding, findings_frame, severity_at_least
from holmes_nb.analyzers.runner import scan

__all__ = ["Finding", "SEVERITIES", "findings_frame", "scan", "severity_at_least"]
