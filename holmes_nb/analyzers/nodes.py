"""Nodes that are NotReady, under memory/disk/PID pressure, without network, or cordoned."""

from __future__ import annotations

from collections import Counter

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj, event_text
from holmes_nb.analyzers.safe import run_each
from holmes_nb.analyzers.util import clip, human_quantity
from holmes_nb.k8s import age, conditions, name_of

_PRESSURE = {
    "MemoryPressure": "memory is low: the kubelet evicts pods (BestEffort first) and refuses new BestEffort pods; "
    "lower memory use or requests, or add capacity",
    "DiskPressure": "the node's disk (root or image filesystem) is nearly full: the kubelet garbage-collects images "
    "and evicts pods; clean up logs/images or grow the disk",
    "PIDPressure": "the node is running out of process IDs: a pod is probably forking without limit; find it and set "
    "pod PID limits",
}


def analyze_nodes(idx: ClusterIndex) -> list[Finding]:
    pods_on = Counter((p.get("spec") or {}).get("nodeName") for p in idx.items("pods"))
    out: list[Finding] = []
    run_each(idx.items("nodes"), lambda node: _node_findings(node, idx, pods_on[name_of(node)]), "nodes", out)
    return out


def _node_findings(node: Obj, idx: ClusterIndex, n_pods: int) -> list[Finding]:
    name = name_of(node)
    conds = {c.get("type"): c for c in conditions(node)}
    recent = [event_text(e) for e in idx.events_for("Node", "", name, warning_only=True)[:2]]
    out = []
    ready = conds.get("Ready")
    if ready is not None and ready.get("status") != "True":
        message = _not_ready_text(name, ready, n_pods)
        out.append(Finding("Node", "", name, "critical", "NodeNotReady", message, [_cond(ready, idx), *recent]))
    for ctype, why in _PRESSURE.items():
        c = conds.get(ctype)
        if c is not None and c.get("status") == "True":
            evidence = [_cond(c, idx), *_capacity(node, ctype), *recent]
            out.append(Finding("Node", "", name, "warning", ctype, f"Node {name} is under {ctype}: {why}.", evidence))
    net = conds.get("NetworkUnavailable")
    if net is not None and net.get("status") == "True":
        message = f"Node {name} has no pod network configured; check the CNI plugin's pod on it."
        out.append(Finding("Node", "", name, "critical", "NetworkUnavailable", message, [_cond(net, idx)]))
    if (node.get("spec") or {}).get("unschedulable"):
        out.append(_cordoned(node, n_pods))
    return out


def _cordoned(node: Obj, n_pods: int) -> Finding:
    name = name_of(node)
    taints = [f"{t.get('key')}:{t.get('effect')}" for t in (node.get("spec") or {}).get("taints") or ()]
    message = (
        f"Node {name} is cordoned (unschedulable): no new pods land on it ({n_pods} pods still run there); "
        "uncordon it when maintenance is done."
    )
    evidence = ["spec.unschedulable: true"] + ([f"taints: {', '.join(taints)}"] if taints else [])
    return Finding("Node", "", name, "warning", "Cordoned", message, evidence)


def _cond(c: Obj, idx: ClusterIndex) -> str:
    when = age(c.get("lastTransitionTime"), idx.now)
    since = f" for {when}" if when else ""
    return clip(f"{c.get('type')}={c.get('status')}{since} ({c.get('reason', '')}): {c.get('message', '')}")


def _not_ready_text(name: str, ready: Obj, n_pods: int) -> str:
    msg = (ready.get("message") or "").lower()
    if ready.get("status") == "Unknown" or "stopped posting" in msg:
        why = "its kubelet stopped reporting (node down, network partition or kubelet crash)"
    elif "cni" in msg or "networkpluginnotready" in msg or "network plugin" in msg:
        why = "the container network (CNI plugin) is not ready on it"
    elif "pleg" in msg or "container runtime" in msg:
        why = "its container runtime is unhealthy (PLEG not healthy / runtime down)"
    else:
        why = "the kubelet reports it unhealthy"
    return (
        f"Node {name} is NotReady because {why}; its {n_pods} pods are unreachable or will be evicted — check the "
        "node's kubelet and runtime (journalctl -u kubelet) or replace the node."
    )


def _capacity(node: Obj, ctype: str) -> list[str]:
    res = {"MemoryPressure": "memory", "DiskPressure": "ephemeral-storage", "PIDPressure": "pods"}[ctype]
    status = node.get("status") or {}
    cap, alloc = (status.get("capacity") or {}).get(res), (status.get("allocatable") or {}).get(res)
    if not (cap or alloc):
        return []
    return [f"{res}: capacity {human_quantity(cap, res)}, allocatable {human_quantity(alloc, res)}"]
