"""PodDisruptionBudgets that allow no disruption, NetworkPolicies that select nothing or cut pods off.

A PDB with ``disruptionsAllowed: 0`` blocks every node drain and cluster upgrade: the finding says
why (its selector matches no pod, too few of its pods are healthy, or it is written so that no pod
may ever go). A default-deny NetworkPolicy isolates every pod it selects; pods that a Service sends
traffic to and that no other policy lets anything reach are cut off.
"""

from __future__ import annotations

from holmes_nb.analyzers.causes import register, selected_pods_rule
from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj
from holmes_nb.analyzers.safe import as_int, run_each
from holmes_nb.analyzers.util import names_list
from holmes_nb.k8s import condition, name_of, ns_name, ns_of


def analyze_policies(idx: ClusterIndex) -> list[Finding]:
    out: list[Finding] = []
    run_each(idx.items("poddisruptionbudgets"), lambda pdb: _pdb(pdb, idx), "poddisruptionbudgets", out)
    netpols = idx.items("networkpolicies")
    run_each(netpols, lambda np: _selects_nothing(np, idx), "networkpolicies", out)
    for ns in sorted({ns_of(np) for np in netpols}):
        run_each(
            [np for np in netpols if ns_of(np) == ns], lambda np: _isolating(np, idx, netpols), "networkpolicies", out
        )
    return out


def selector_text(selector: Obj | None) -> str:
    selector = selector or {}
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    parts += [
        f"{e.get('key')} {e.get('operator')} {e.get('values', [])}" for e in selector.get("matchExpressions") or ()
    ]
    return ", ".join(parts) or "(all pods)"


# -- PodDisruptionBudgets --------------------------------------------------------------------
def _pdb(pdb: Obj, idx: ClusterIndex) -> Finding | None:
    ns, name = ns_name(pdb)
    spec, status = pdb.get("spec") or {}, pdb.get("status") or {}
    pods = [
        p for p in idx.pods_selected(ns, spec.get("selector")) if (p.get("status") or {}).get("phase") != "Succeeded"
    ]
    allowed = as_int(status.get("disruptionsAllowed"), None)
    if allowed is None or allowed > 0:
        return None
    healthy = as_int(status.get("currentHealthy"), 0)
    desired = as_int(status.get("desiredHealthy"), 0)
    expected = as_int(status.get("expectedPods"), len(pods))
    rule = (
        "minAvailable " + str(spec["minAvailable"])
        if "minAvailable" in spec
        else ("maxUnavailable " + str(spec.get("maxUnavailable")))
    )
    evidence = [
        f"selector: {selector_text(spec.get('selector'))}",
        f"{rule}",
        f"status: disruptionsAllowed 0, currentHealthy {healthy}, desiredHealthy {desired}, expectedPods {expected}",
    ]
    if not pods and idx.has("pods"):
        return Finding(
            "PodDisruptionBudget",
            ns,
            name,
            "warning",
            "SelectsNoPods",
            f"PodDisruptionBudget {name} selects no pod ({selector_text(spec.get('selector'))}), so it protects "
            "nothing and allows no disruption; fix its selector to match the workload's pod labels or delete it.",
            evidence + [f"no pod in namespace {ns} matches"],
        )
    if healthy < desired or (expected and healthy < expected):
        sick = [name_of(p) for p in pods if (condition(p, "Ready") or {}).get("status") != "True"]
        return Finding(
            "PodDisruptionBudget",
            ns,
            name,
            "warning",
            "TooFewHealthyPods",
            f"PodDisruptionBudget {name} allows no disruption because only {healthy} of its {expected} pods are "
            f"healthy and it needs {desired}; node drains and upgrades block until the unhealthy pods "
            f"({names_list(sick, 3) or 'see their findings'}) recover.",
            evidence + ([f"not ready: {names_list(sick, 5)}"] if sick else []),
        )
    return Finding(
        "PodDisruptionBudget",
        ns,
        name,
        "warning",
        "NoDisruptionAllowed",
        f"PodDisruptionBudget {name} allows no disruption even with all {healthy} pods healthy ({rule}): no pod "
        "may ever be evicted, so node drains and cluster upgrades hang; allow at least one (lower minAvailable, "
        "maxUnavailable >= 1, or more replicas).",
        evidence,
    )


# -- NetworkPolicies -------------------------------------------------------------------------
def _selects_nothing(np: Obj, idx: ClusterIndex) -> Finding | None:
    ns, name = ns_name(np)
    selector = (np.get("spec") or {}).get("podSelector") or {}
    if not (selector.get("matchLabels") or selector.get("matchExpressions")) or not idx.has("pods"):
        return None  # {} selects every pod of the namespace: a namespace-wide policy
    if idx.pods_selected(ns, selector):
        return None
    return Finding(
        "NetworkPolicy",
        ns,
        name,
        "info",
        "SelectsNoPods",
        f"NetworkPolicy {name} selects no pod ({selector_text(selector)}), so it has no effect; fix its "
        "podSelector to the pods' labels (a typo here silently leaves pods unprotected) or delete it.",
        [f"podSelector: {selector_text(selector)}", f"no pod in namespace {ns} matches"],
    )


def _types(np: Obj) -> list[str]:
    spec = np.get("spec") or {}
    types = spec.get("policyTypes")
    if types:
        return list(types)
    return ["Ingress"] + (["Egress"] if "egress" in spec else [])


def _isolating(np: Obj, idx: ClusterIndex, netpols: list[Obj]) -> Finding | None:
    """A deny-all policy (selects pods, no rule) whose pods no other policy opens, though a Service
    sends them traffic (ingress) — or that cannot reach anything, not even DNS (egress)."""
    ns, name = ns_name(np)
    spec = np.get("spec") or {}
    same_ns = [o for o in netpols if ns_of(o) == ns]
    for direction, rules in (("Ingress", "ingress"), ("Egress", "egress")):
        if direction not in _types(np) or spec.get(rules):
            continue
        pods = [
            p
            for p in idx.pods_selected(ns, spec.get("podSelector"))
            if (p.get("status") or {}).get("phase") == "Running"
        ]
        opened = {
            ns_name(p)
            for o in same_ns
            if direction in _types(o) and (o.get("spec") or {}).get(rules)
            for p in idx.pods_selected(ns, (o.get("spec") or {}).get("podSelector"))
        }
        cut = [p for p in pods if ns_name(p) not in opened]
        if direction == "Ingress":
            cut = [p for p in cut if _services_of(p, idx)]
        if not cut:
            continue
        names = [name_of(p) for p in cut]
        if direction == "Ingress":
            services = sorted({s for p in cut for s in _services_of(p, idx)})
            what = (
                f"blocks all ingress to {len(cut)} pod(s) that Services {names_list(services, 3)} send traffic to, "
                "and no other NetworkPolicy allows any traffic to them, so those Services time out"
            )
        else:
            what = (
                f"blocks all egress from {len(cut)} pod(s) and no other NetworkPolicy allows any, so they cannot "
                "reach anything, not even DNS"
            )
        return Finding(
            "NetworkPolicy",
            ns,
            name,
            "warning",
            f"DefaultDeny{direction}Isolates",
            f"NetworkPolicy {name} {what}; add a policy that allows the traffic they need.",
            [f"policyTypes: {_types(np)}, no {rules} rules (deny all)", f"isolated pods: {names_list(names, 4)}"],
        )
    return None


def _services_of(pod: Obj, idx: ClusterIndex) -> list[str]:
    ns = ns_of(pod)
    labels = (pod.get("metadata") or {}).get("labels") or {}
    out = []
    for svc in idx.services_in(ns):
        sel = (svc.get("spec") or {}).get("selector") or {}
        if sel and all(str(labels.get(k)) == str(v) for k, v in sel.items()):
            out.append(name_of(svc))
    return out


register(
    "PodDisruptionBudget",
    selected_pods_rule(
        lambda f, idx: (
            idx.pods_selected(
                f.namespace,
                ((idx.get("poddisruptionbudgets", f.namespace, f.name) or {}).get("spec") or {}).get("selector"),
            )
            if f.reason == "TooFewHealthyPods"
            else []
        )
    ),
)
