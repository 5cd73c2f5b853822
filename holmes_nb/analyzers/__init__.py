"""Deterministic analyzers (no LLM): find what is broken in a cluster and explain it.

    from holmes_nb.analyzers import scan, findings_frame
    findings = scan(open_cluster("demo"))
    findings_frame(findings)        # severity, kind, namespace, name, reason, message, evidence, caused_by

Each analyzer module covers one area (pods, containers, scheduling, probes, workloads, rollout,
jobs, cronjobs, network, storage, volumes, nodes, autoscaling, quotas, policy, admission, gateway,
references) and reads a per-scan :class:`ClusterIndex`, so a scan lists every kind once and stays
linear in the size of the cluster. :mod:`.causes` then links each finding to the one it follows
from (``caused_by``) and groups them by root cause. See docs/analyzers.md.
"""

from __future__ import annotations

from holmes_nb.analyzers.finding import SEVERITIES, Finding, findings_frame, severity_at_least
from holmes_nb.analyzers.runner import scan

__all__ = ["Finding", "SEVERITIES", "findings_frame", "scan", "severity_at_least"]
