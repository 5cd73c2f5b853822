"""Pending pods: why the scheduler cannot place them, or why a placed pod never starts.

The scheduler's FailedScheduling message ("0/3 nodes are available: 1 node(s) had untolerated
taint {...}, 2 Insufficient memory.") is split into clauses and each clause explained with the
pod's own requests, node selector or claims. Placed pods stuck in ContainerCreating are explained
by their FailedMount / FailedAttachVolume / FailedCreatePodSandBox events.
"""

from __future__ import annotations

import re

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj, event_text
from holmes_nb.analyzers.util import clip, human_quantity
from holmes_nb.k8s import age, condition, labels_of, ns_name, ns_of, parse_quantity, seconds_since

#: a pod pending without any scheduler or kubelet complaint is reported after this long
STUCK_PENDING_S = 600

_CLAUSE_SPLIT = re.compile(r",\s*(?=\d+ )")
_INSUFFICIENT = re.compile(r"Insufficient ([\w./-]+)")


def unschedulable_finding(pod: Obj, idx: ClusterIndex) -> Finding | None:
    ns, name = ns_name(pod)
    sched = condition(pod, "PodScheduled") or {}
    events = idx.events_with_reason("Pod", ns, name, "FailedScheduling")
    text = (events[0].get("message") if events else None) or sched.get("message") or ""
    if (pod.get("spec") or {}).get("schedulingGates"):
        gates = [g.get("name") for g in pod["spec"]["schedulingGates"]]
        return Finding(
            "Pod",
            ns,
            name,
            "info",
            "SchedulingGated",
            f"The pod waits for scheduling gates to be removed ({', '.join(gates)}); the controller that "
            "added them (a queue or quota manager) decides when it may run.",
            [f"schedulingGates: {gates}"],
        )
    if not text:
        return _stuck(pod, idx, "not scheduled")
    causes, evidence = explain_scheduling(text, pod, idx)
    short = text.split(" preemption:")[0]  # the preemption half repeats the node count, nothing more
    first = event_text({**events[0], "message": short}) if events else "PodScheduled=False: " + clip(short)
    evidence = [first] + evidence
    message = "The pod cannot be scheduled: " + "; ".join(causes) + "."
    return Finding("Pod", ns, name, "critical", "Unschedulable", message, evidence)


def explain_scheduling(text: str, pod: Obj, idx: ClusterIndex) -> tuple[list[str], list[str]]:
    """(causes, extra evidence) for a scheduler message."""
    body = text.split("preemption:")[0]
    body = body.split(":", 1)[1] if "nodes are available:" in body else body
    causes: list[str] = []
    evidence: list[str] = []
    clauses = _CLAUSE_SPLIT.split(body.strip().rstrip("."))
    clauses.sort(key=_node_count, reverse=True)  # the constraint excluding the most nodes first
    for clause in clauses:
        cause, ev = _explain_clause(clause.strip(), pod, idx)
        if cause and cause not in causes:
            causes.append(cause)
            evidence += [e for e in ev if e not in evidence]
    if not causes:
        causes.append("the scheduler's message below says why; fix that constraint or add matching nodes")
    return causes, evidence


def _node_count(clause: str) -> int:
    m = re.match(r"\s*(\d+) ", clause)
    return int(m.group(1)) if m else 0


#: taints the node lifecycle controller adds for a node condition: the node's own finding explains them
_CONDITION_TAINTS = {
    "node.kubernetes.io/disk-pressure": "is under disk pressure",
    "node.kubernetes.io/memory-pressure": "is under memory pressure",
    "node.kubernetes.io/pid-pressure": "is under PID pressure",
    "node.kubernetes.io/not-ready": "is NotReady",
    "node.kubernetes.io/unreachable": "is unreachable",
    "node.kubernetes.io/unschedulable": "is cordoned",
    "node.kubernetes.io/network-unavailable": "has no network",
}
_TAINT_KEY = re.compile(r"\{([^:}]+):")


def _taint(clause: str) -> str:
    keys = _TAINT_KEY.findall(clause)
    states = [_CONDITION_TAINTS[k] for k in keys if k in _CONDITION_TAINTS]
    if keys and len(states) == len(keys):
        count = _node_count(clause)
        who = "1 node" if count == 1 else f"{count} nodes"
        return f"{who} {' and '.join(dict.fromkeys(states))} and tainted accordingly (see the Node findings)"
    return f"{clause}: add a matching toleration to the pod or schedule it on untainted nodes"


def _explain_clause(clause: str, pod: Obj, idx: ClusterIndex) -> tuple[str | None, list[str]]:
    low = clause.lower()
    m = _INSUFFICIENT.search(clause)
    if m:
        return _insufficient(m.group(1), clause, pod, idx)
    if "persistentvolumeclaim" in low and ("unbound" in low or "not found" in low):
        return _claims(pod, idx)
    if "node affinity/selector" in low or "node selector" in low or "didn't match pod's node affinity" in low:
        return _selector(clause, pod, idx)
    if "taint" in low:
        return (_taint(clause), [])
    if "volume node affinity conflict" in low:
        return (
            "its volume lives in another zone than the free nodes (volume node affinity conflict); add nodes in "
            "that zone or recreate the volume",
            [],
        )
    if "anti-affinity" in low or "pod affinity" in low:
        return (f"{clause}: relax the pod (anti-)affinity rules or add nodes", [])
    if "unschedulable" in low:
        return (f"{clause} (cordoned): uncordon them or add nodes", [])
    if "free ports" in low:
        return (f"{clause}: a hostPort the pod asks for is taken; drop hostPort or add nodes", [])
    if "too many pods" in low:
        return (f"{clause}: the nodes reached their max pods; add nodes", [])
    if "topology spread" in low:
        return (f"{clause}: relax topologySpreadConstraints or add nodes in the missing zones", [])
    return (clause, []) if clause else (None, [])


def _insufficient(resource: str, clause: str, pod: Obj, idx: ClusterIndex) -> tuple[str, list[str]]:
    requested = pod_request(pod, resource)
    alloc = [
        (n["metadata"]["name"], ((n.get("status") or {}).get("allocatable") or {}).get(resource))
        for n in idx.items("nodes")
    ]
    alloc = [(n, a) for n, a in alloc if a is not None]
    evidence = [f"pod requests {resource}={requested}"] if requested else []
    req = f" ({human_quantity(requested, resource)} requested)" if requested else ""
    if not alloc:
        if resource in ("cpu", "memory", "pods", "ephemeral-storage"):
            return f"{clause}: not enough free {resource} for the pod's request{req}; lower it or add nodes", evidence
        return (
            f"no node offers {resource}{req}: add nodes with that device (and its device plugin) or drop the request",
            evidence,
        )
    node, biggest = max(alloc, key=lambda na: parse_quantity(na[1]) or 0)
    big = human_quantity(biggest, resource)
    evidence.append(f"largest allocatable {resource}: {big} on {node}")
    want, have = parse_quantity(requested), parse_quantity(biggest)
    if want is not None and have is not None and want > have:
        return (
            f"it requests {human_quantity(requested, resource)} {resource}, more than any node can offer (the largest, "
            f"{node}, has {big} allocatable); lower the request or add bigger nodes",
            evidence,
        )
    return (
        f"{clause}: not enough free {resource} left for the pod's request{req}; lower the requests, free capacity "
        "or add nodes",
        evidence,
    )


def pod_request(pod: Obj, resource: str) -> str | None:
    """The pod's total request for a resource as the spec writes it (sum of containers when several)."""
    values = []
    for c in (pod.get("spec") or {}).get("containers") or ():
        res = c.get("resources") or {}
        v = (res.get("requests") or {}).get(resource) or (res.get("limits") or {}).get(resource)
        if v is not None:
            values.append(str(v))
    if len(values) <= 1:
        return values[0] if values else None
    total = sum(parse_quantity(v) or 0 for v in values)
    return f"{total:g}" if resource != "memory" else f"{total / 2**20:.0f}Mi"


def _selector(clause: str, pod: Obj, idx: ClusterIndex) -> tuple[str, list[str]]:
    spec = pod.get("spec") or {}
    selector = spec.get("nodeSelector") or {}
    evidence = [f"nodeSelector: {', '.join(f'{k}={v}' for k, v in selector.items())}"] if selector else []
    missing = []
    nodes = idx.items("nodes")
    for k, v in selector.items():
        if nodes and not any(labels_of(n).get(k) == str(v) for n in nodes):
            missing.append(f"{k}={v}")
    terms = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
        or {}
    ).get("nodeSelectorTerms") or []
    for term in terms[:2]:
        for expr in term.get("matchExpressions") or ():
            evidence.append(f"node affinity: {expr.get('key')} {expr.get('operator')} {expr.get('values', [])}")
    if missing:
        return (
            f"no node has the label{'s' if len(missing) > 1 else ''} {', '.join(missing)} its nodeSelector asks for; "
            "label a node or fix the selector",
            evidence,
        )
    return (
        f"{clause}: its nodeSelector/affinity excludes those nodes; label nodes to match or relax the rules",
        evidence,
    )


def _claims(pod: Obj, idx: ClusterIndex) -> tuple[str, list[str]]:
    """Name the pod's unbound claims from its spec; explain each from the PVC or, when the PVC object
    is not in the data (a ``cluster-info dump`` has none), from the events about it."""
    ns = ns_of(pod)
    evidence: list[str] = []
    pending: list[str] = []
    causes: list[str] = []
    for claim in pod_claims(pod):
        pvc = idx.get("persistentvolumeclaims", ns, claim)
        events = idx.events_for("PersistentVolumeClaim", ns, claim, warning_only=True)
        if pvc is not None:
            phase = (pvc.get("status") or {}).get("phase") or "Pending"
            if phase == "Bound":
                continue
            evidence.append(f"PVC {claim}: {phase}")
        elif idx.has("persistentvolumeclaims"):
            evidence.append(f"PVC {claim}: does not exist")
            causes.append(f"PVC {claim} does not exist: create it or fix the claimName")
        else:
            known = "its state is unknown" if not events else "known only from its events"
            evidence.append(f"PVC {claim}: not in the captured data ({known})")
        pending.append(claim)
        evidence += [f"PVC {claim} " + event_text(e) for e in events[:1]]
        cause = claim_event_cause(claim, events)
        if cause:
            causes.append(cause)
    if not pending:
        return (
            "a PersistentVolumeClaim it uses is not bound to a volume (the scheduler says so; the claims "
            "look bound now, so this may have just resolved)",
            evidence,
        )
    label = "PersistentVolumeClaim" + ("s" if len(pending) > 1 else "")
    verb = "are" if len(pending) > 1 else "is"
    why = f" ({'; '.join(causes)})" if causes else ""
    return (
        f"its {label} {', '.join(pending)} {verb} not bound to a volume{why}; fix the claim and the pod schedules",
        evidence,
    )


def pod_claims(pod: Obj) -> list[str]:
    """The claim names of the pod's persistentVolumeClaim volumes, in spec order."""
    out = []
    for vol in (pod.get("spec") or {}).get("volumes") or ():
        claim = ((vol or {}).get("persistentVolumeClaim") or {}).get("claimName")
        if claim:
            out.append(str(claim))
    return out


_SC_NOT_FOUND = re.compile(r'storageclass(?:\.storage\.k8s\.io)? "([^"]+)" not found', re.I)


def claim_event_cause(claim: str, events: list[Obj]) -> str:
    """What a claim's warning events say is wrong ('' when they say nothing telling)."""
    for e in events:
        text = e.get("message") or e.get("note") or ""
        m = _SC_NOT_FOUND.search(text)
        if m:
            return f"PVC {claim} asks for StorageClass {m.group(1)!r}, which does not exist"
        if e.get("reason") == "ProvisioningFailed":
            return f"provisioning PVC {claim} fails: {clip(text, 120)}"
        if e.get("reason") == "FailedBinding":
            return f"no PersistentVolume matches PVC {claim} and nothing provisions one"
    return ""


# -- placed but not started ------------------------------------------------------------------
_VOLUME_EVENTS = (
    "FailedMount",
    "FailedAttachVolume",
    "FailedCreatePodSandBox",
    "FailedCreatePodContainer",
    "NetworkNotReady",
    "FailedSync",
)
_MOUNT_MISSING = re.compile(r'(configmap|secret|persistentvolumeclaim)s? "([^"]+)" not found', re.I)


def creating_finding(pod: Obj, idx: ClusterIndex) -> Finding | None:
    ns, name = ns_name(pod)
    events = idx.events_with_reason("Pod", ns, name, *_VOLUME_EVENTS)
    events = [e for e in events if e.get("type") == "Warning"]
    if not events:
        return _stuck(pod, idx, "scheduled but its containers never started")
    ev = events[0]
    reason = ev.get("reason") or "ContainerCreating"
    text = " ".join(e.get("message") or "" for e in events[:3])
    evidence = [event_text(e) for e in events[:3]]
    return Finding("Pod", ns, name, "critical", reason, _creating_message(reason, text, ns), evidence)


def _creating_message(reason: str, text: str, ns: str) -> str:
    m = _MOUNT_MISSING.search(text)
    low = text.lower()
    if m:
        kind = {"configmap": "ConfigMap", "secret": "Secret"}.get(m.group(1).lower(), "PersistentVolumeClaim")
        return (
            f"The pod is stuck in ContainerCreating because a volume refers to {kind} {m.group(2)!r}, which does "
            f"not exist in namespace {ns!r}; create it or fix the volume's name."
        )
    if "multi-attach" in low:
        return (
            "The pod is stuck in ContainerCreating because its ReadWriteOnce volume is still attached to another "
            "node (Multi-Attach error); wait for the old pod to release it or delete the stale pod/VolumeAttachment."
        )
    if reason == "FailedCreatePodSandBox" or reason == "NetworkNotReady":
        return (
            "The pod is stuck in ContainerCreating because its network sandbox cannot be set up; check the CNI "
            "plugin pods on the node (crashing, out of IP addresses)."
        )
    if "timed out" in low or "unmounted volumes" in low:
        return (
            "The pod is stuck in ContainerCreating because a volume cannot be attached or mounted in time; check "
            "the PVC/PV and the storage driver events named below."
        )
    return f"The pod is stuck in ContainerCreating ({reason}); the kubelet's message below says which volume fails."


def _stuck(pod: Obj, idx: ClusterIndex, what: str) -> Finding | None:
    ns, name = ns_name(pod)
    created = (pod.get("metadata") or {}).get("creationTimestamp")
    since = seconds_since(created, idx.now)
    if since is None or since < STUCK_PENDING_S:
        return None
    return Finding(
        "Pod",
        ns,
        name,
        "warning",
        "StuckPending",
        f"The pod has been Pending for {age(created, idx.now)}, {what}, with no scheduler or kubelet event "
        "explaining it (events may have expired); describe the pod and check the scheduler and kubelet.",
        [f"created {age(created, idx.now)} ago", "phase: Pending"],
    )
