"""``scan(cluster)``: build the index once, run every analyzer, sort the findings.

findings = scan(open_cluster("demo"), namespace="shop")
"""

from __future__ import annotations

from collections.abc import Callable

from holmes_nb.analyzers.admission import analyze_webhooks
from holmes_nb.analyzers.autoscaling import analyze_hpas
from holmes_nb.analyzers.causes import link_causes
from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.gateway import analyze_gateways
from holmes_nb.analyzers.index import ClusterIndex
from holmes_nb.analyzers.jobs import analyze_jobs
from holmes_nb.analyzers.network import analyze_ingresses, analyze_services, ingress_outages
from holmes_nb.analyzers.nodes import analyze_nodes
from holmes_nb.analyzers.pods import analyze_pods
from holmes_nb.analyzers.policy import analyze_policies
from holmes_nb.analyzers.quotas import analyze_quotas
from holmes_nb.analyzers.references import analyze_references
from holmes_nb.analyzers.storage import analyze_claims
from holmes_nb.analyzers.util import clip
from holmes_nb.analyzers.volumes import analyze_volumes
from holmes_nb.analyzers.workloads import analyze_workloads
from holmes_nb.sources.base import Cluster


def scan(cluster: Cluster, namespace: str | None = None) -> list[Finding]:
    """Every finding in the cluster (or one namespace), most severe first, then by namespace and name.

    Kinds the source does not hold are skipped; a kind that cannot be read (RBAC, API error)
    becomes an ``info`` finding saying which checks are missing. Node findings are cluster-wide
    and only reported when ``namespace`` is None.
    """
    idx = ClusterIndex(cluster, namespace)
    findings = list(idx.read_problems)
    pod_findings = _run("pods", lambda: analyze_pods(idx), findings)
    by_pod = {(f.namespace, f.name): f for f in pod_findings if f.kind == "Pod"}
    steps: list[tuple[str, Callable[[], list[Finding]]]] = [
        ("workloads", lambda: analyze_workloads(idx, by_pod)),
        ("jobs", lambda: analyze_jobs(idx)),
        ("services", lambda: analyze_services(idx, by_pod)),
        ("ingresses", lambda: analyze_ingresses(idx)),
        ("ingresses", lambda: _outages(idx, findings)),
        ("persistentvolumeclaims", lambda: analyze_claims(idx)),
        ("horizontalpodautoscalers", lambda: analyze_hpas(idx)),
        ("resourcequotas", lambda: analyze_quotas(idx)),
        ("policies", lambda: analyze_policies(idx)),
        ("webhooks", lambda: analyze_webhooks(idx)),
        ("gateways", lambda: analyze_gateways(idx)),
        ("references", lambda: analyze_references(idx, by_pod)),
    ]
    if namespace is None:
        steps.append(("nodes", lambda: analyze_nodes(idx)))
        steps.append(("volumes", lambda: analyze_volumes(idx)))
    for name, step in steps:
        _run(name, step, findings)
    link_causes(findings, idx)
    return sorted(findings, key=Finding.sort_key)


def _outages(idx: ClusterIndex, findings: list[Finding]) -> list[Finding]:
    """Ingresses down because of their Service, unless the Ingress already has a finding of its own."""
    services = {(f.namespace, f.name): f for f in findings if f.kind == "Service"}
    own = {(f.namespace, f.name) for f in findings if f.kind == "Ingress"}
    return [f for f in ingress_outages(idx, services) if (f.namespace, f.name) not in own]


def _run(name: str, step: Callable[[], list[Finding]], into: list[Finding]) -> list[Finding]:
    """Run one analyzer; an object shaped in a way it does not expect must not sink the whole scan."""
    try:
        found = step()
    except Exception as e:  # noqa: BLE001 - reported as a finding, never swallowed silently
        into.append(
            Finding(
                "Analyzer",
                "",
                name,
                "info",
                "AnalyzerError",
                f"The {name} analyzer failed on this cluster's data, so its checks are missing; please "
                "report it with the snapshot.",
                [clip(f"{type(e).__name__}: {e}")],
            )
        )
        return []
    into.extend(found)
    return found
