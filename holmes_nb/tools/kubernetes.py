"""The read-only Kubernetes toolset the model calls.

The default set is small and its schemas lean (about 500 tokens in all) so that models with a 4k
context can use it: ``find_problems`` first, then ``list_pods``, ``describe``, ``pod_logs``,
``events`` and ``list_resources``. ``include_all=True`` adds one listing tool per resource family
for models with room to spare. Every result has compact text for the model and a DataFrame for
people; a namespace may always be omitted (then every namespace is searched). This module declares
the tools (names, descriptions, schemas); :mod:`holmes_nb.tools.k8s_toolset` answers them.

    tools = kubernetes_tools(open_cluster("demo"))
    result = next(t for t in tools if t.name == "list_pods").run({"unhealthy_only": True})
    print(result.text); result.frame
"""

from __future__ import annotations

from typing import Any

from holmes_nb.frames.cluster_frames import RESOURCE_FRAME_KINDS
from holmes_nb.frames.workloads import WORKLOAD_KINDS
from holmes_nb.sources.base import Cluster
from holmes_nb.tools.base import Tool, ToolResult
from holmes_nb.tools.k8s_toolset import KubernetesToolset

#: kinds offered by ``list_resources`` (aliases like "deploy" or "pvc" are accepted too)
LIST_KINDS = ("workloads", *WORKLOAD_KINDS, *RESOURCE_FRAME_KINDS)
_NS = {"type": "string"}


def _schema(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    return schema


def default_tools(ts: KubernetesToolset) -> list[Tool]:
    """The six tools offered by default; descriptions one sentence, few required parameters."""
    return [
        Tool(
            "find_problems",
            "Call this first: detected problems (failing pods, workloads, services, storage, nodes) "
            "with causes and evidence.",
            _schema({"namespace": _NS}),
            ts.find_problems,
        ),
        Tool(
            "list_pods",
            "Pods with phase, ready, restarts, reason, age, node.",
            _schema({"namespace": _NS, "unhealthy_only": {"type": "boolean"}}),
            ts.list_pods,
        ),
        Tool(
            "describe",
            "Details of one object: status, conditions, containers, owner, events.",
            _schema(
                {
                    "kind": {"type": "string", "description": "pod, deployment, service, node, pvc, ingress, hpa, ..."},
                    "name": {"type": "string"},
                    "namespace": _NS,
                },
                ("kind", "name"),
            ),
            ts.describe,
        ),
        Tool(
            "pod_logs",
            "Last log lines of a pod's container.",
            _schema(
                {
                    "name": {"type": "string"},
                    "namespace": _NS,
                    "container": {"type": "string"},
                    "previous": {"type": "boolean", "description": "the crashed previous run"},
                    "tail": {"type": "integer"},
                    "grep": {"type": "string", "description": "regex filter"},
                },
                ("name",),
            ),
            ts.pod_logs,
        ),
        Tool(
            "events",
            "Events, newest first, repeats folded.",
            _schema({"namespace": _NS, "object": {"type": "string", "description": "name or kind/name"}}),
            ts.events,
        ),
        Tool(
            "list_resources",
            "List objects of one kind with their status.",
            _schema({"kind": {"type": "string", "enum": list(LIST_KINDS)}, "namespace": _NS}, ("kind",)),
            ts.list_resources,
        ),
    ]


def extra_tools(ts: KubernetesToolset) -> list[Tool]:
    """One listing tool per resource family (``default=False``): clearer names for bigger models."""
    families = (
        ("list_namespaces", "Namespaces with status and age.", ("namespaces",), False),
        ("list_nodes", "Nodes: readiness, pressure, capacity, taints, cordon.", ("nodes",), False),
        (
            "list_workloads",
            "Deployments, StatefulSets, DaemonSets, Jobs, CronJobs: desired vs ready.",
            ("workloads",),
            True,
        ),
        ("list_services", "Services with endpoints and whether the selector matches pods.", ("services",), True),
        ("list_storage", "PVCs, PVs and StorageClasses.", ("pvcs", "pvs", "storageclasses"), True),
        (
            "list_ingresses",
            "Ingresses (class, hosts, backends, TLS) and IngressClasses.",
            ("ingresses", "ingressclasses"),
            True,
        ),
        ("list_configmaps", "ConfigMaps with their key names.", ("configmaps",), True),
        ("list_hpas", "HorizontalPodAutoscalers: replicas, metrics, conditions.", ("hpas",), True),
        ("list_quotas", "ResourceQuotas (used/hard) and LimitRanges.", ("quotas", "limitranges"), True),
        ("list_networkpolicies", "NetworkPolicies: pod selector, policy types, rules.", ("networkpolicies",), True),
    )
    tools = []
    for name, description, kinds, namespaced in families:
        params = _schema({"namespace": _NS} if namespaced else {})
        tools.append(Tool(name, description, params, _multi_list(ts, kinds), default=False))
    return tools


def _multi_list(ts: KubernetesToolset, kinds: tuple[str, ...]):
    def run(namespace: str | None = None) -> ToolResult:
        results = [ts.list_resources(k, namespace) for k in kinds]
        if len(results) == 1:
            return results[0]
        meta = {
            "rows": sum(r.meta.get("rows", 0) for r in results),
            "truncated": sum(r.meta.get("truncated", 0) for r in results),
        }
        return ToolResult(text="\n\n".join(r.text for r in results), frame=results[0].frame, meta=meta)

    return run


def kubernetes_tools(
    cluster: Cluster, *, include_all: bool = False, max_rows: int = 40, max_chars: int = 4000
) -> list[Tool]:
    """The Kubernetes tools over ``cluster``: the six default ones, plus per-family listings when
    ``include_all``. ``max_rows``/``max_chars`` bound each result's text.

    ``tools = kubernetes_tools(open_cluster("demo"))``
    """
    ts = KubernetesToolset(cluster, max_rows=max_rows, max_chars=max_chars)
    return default_tools(ts) + (extra_tools(ts) if include_all else [])
