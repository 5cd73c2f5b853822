"""Deployments, StatefulSets, DaemonSets, ReplicationControllers and bare ReplicaSets short of ready replicas.

A workload whose pods fail is reported once more here, but only to tie things together: the
message names the failing pods and their reasons (each has its own finding) and adds what only
the workload knows: rollout conditions and FailedCreate events (quota, admission, RBAC).
"""

from __future__ import annotations

from collections import defaultdict

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj, controller_of, event_text
from holmes_nb.analyzers.quotas import parse_quota_rejection
from holmes_nb.analyzers.rollout import recent_change
from holmes_nb.analyzers.safe import count, run_each
from holmes_nb.analyzers.util import clip, names_list
from holmes_nb.k8s import condition, conditions, name_of, ns_name, ns_of

_ROLLING = {"ReplicaSetUpdated", "NewReplicaSetCreated", "FoundNewReplicaSet"}


#: (plural, kind) of the controllers checked; ReplicaSets only when no Deployment owns them
_CONTROLLERS = (
    ("deployments", "Deployment"),
    ("statefulsets", "StatefulSet"),
    ("daemonsets", "DaemonSet"),
    ("replicasets", "ReplicaSet"),
    ("replicationcontrollers", "ReplicationController"),
)


def analyze_workloads(idx: ClusterIndex, pod_findings: dict[tuple[str, str], Finding]) -> list[Finding]:
    out: list[Finding] = []
    failing = {f.key for f in pod_findings.values()}
    rs_of: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rs in idx.items("replicasets"):
        owner = controller_of(rs)
        if owner and owner[0] == "Deployment":
            rs_of[(ns_of(rs), owner[1])].append(name_of(rs))
    for plural, kind in _CONTROLLERS:
        run_each(
            idx.items(plural),
            lambda obj, kind=kind: _workload(idx, pod_findings, kind, obj, rs_of, failing),
            "workloads",
            out,
        )
    return out


def _workload(idx: ClusterIndex, pod_findings, kind: str, obj: Obj, rs_of, failing: set[str]) -> Finding | None:
    ns, name = ns_name(obj)
    if kind == "ReplicaSet" and controller_of(obj) is not None:
        return None  # its Deployment (or other owner) speaks for it
    creators = [("ReplicaSet", r) for r in rs_of[(ns, name)]] if kind == "Deployment" else [(kind, name)]
    f = _check(idx, pod_findings, kind, obj, creators)
    if f is not None and kind == "Deployment":
        _name_the_change(idx, obj, f, failing)
    return f


def _name_the_change(idx: ClusterIndex, dep: Obj, f: Finding, failing: set[str]) -> None:
    """Append the new revision's change when it, and not what was there before, broke the pods."""
    change = recent_change(idx, dep, failing)
    if change is None:
        return
    text, evidence = change
    f.message = f"{f.message.rstrip('.')}; {text}."
    f.evidence += evidence


def _counts(kind: str, obj: Obj) -> tuple[int, int, int]:
    """(desired, ready, available) replicas."""
    st = obj.get("status") or {}
    if kind == "DaemonSet":
        ready = st.get("numberReady")
        return (
            count(st.get("desiredNumberScheduled")),
            count(ready),
            count(st.get("numberAvailable", ready)),
        )
    replicas = (obj.get("spec") or {}).get("replicas")
    desired = 1 if replicas is None else count(replicas)
    ready = st.get("readyReplicas")
    available = st.get("availableReplicas", ready if kind in ("StatefulSet", "ReplicationController") else 0)
    return desired, count(ready), count(available)


def _check(idx: ClusterIndex, pod_findings, kind: str, obj: Obj, creators: list[tuple[str, str]]) -> Finding | None:
    ns, name = ns_name(obj)
    desired, ready, available = _counts(kind, obj)
    progressing = condition(obj, "Progressing") or {}
    stalled = progressing.get("status") == "False"
    if desired == 0 or (available >= desired and not stalled):
        return None
    live = [
        p for p in idx.pods_of(kind, ns, name) if (p.get("status") or {}).get("phase") not in ("Failed", "Succeeded")
    ]
    failing = [pod_findings[ns_name(p)] for p in live if ns_name(p) in pod_findings]  # evicted leftovers are replaced
    created = _failed_creates(idx, ns, creators)
    replica_failure = condition(obj, "ReplicaFailure") or {}
    if replica_failure.get("status") == "True" and not created:
        created = [{"reason": "FailedCreate", "message": replica_failure.get("message", "")}]
    if not failing and not created and not stalled and progressing.get("reason") in _ROLLING:
        return None  # a rollout in progress, nothing failing yet
    evidence = [f"replicas: desired {desired}, ready {ready}, available {available}"]
    evidence += _conditions(obj)
    evidence += [event_text(e) for e in created[:2]]
    evidence += [f"pod {f.name}: {f.reason}" for f in failing[:5]]
    severity = "critical" if available == 0 else "warning"
    reason, why = _why(kind, created, failing, stalled, progressing)
    if available >= desired:  # a stalled rollout while the previous version still serves
        return Finding(
            kind,
            ns,
            name,
            "warning",
            _stuck_reason(reason, progressing),
            _stuck_message(kind, name, reason, why, progressing, available, desired),
            evidence,
        )
    return Finding(
        kind, ns, name, severity, reason, f"{kind} {name} has {available}/{desired} replicas available {why}.", evidence
    )


def _stuck_reason(reason: str, progressing: Obj) -> str:
    return reason if reason in ("QuotaExceeded", "FailedCreate") else progressing.get("reason") or "RolloutStuck"


def _stuck_message(kind: str, name: str, reason: str, why: str, progressing: Obj, available: int, desired: int) -> str:
    serving = f"{available}/{desired} replicas of the previous version still serve"
    if reason in ("PodsFailing", "QuotaExceeded", "FailedCreate"):
        cause = why.split(";")[0]
        return f"The rollout of {kind} {name} is stuck {cause}; {serving}, so fix them or roll back (rollout undo)."
    detail = clip(progressing.get("message") or "", 140)
    return (
        f"The rollout of {kind} {name} is stuck ({detail}); {serving}: check the new ReplicaSet's pods or roll "
        "back (kubectl rollout undo)."
    )


def _why(kind: str, created: list[Obj], failing: list[Finding], stalled: bool, progressing: Obj) -> tuple[str, str]:
    """(reason, the rest of the sentence after "Deployment x has 1/3 replicas available")."""
    if created:
        text = created[0].get("message") or created[0].get("note") or ""
        quota = parse_quota_rejection(text)
        if quota:
            return (
                "QuotaExceeded",
                f"because new pods are rejected by ResourceQuota {quota['quota']} "
                f"({quota['requested'] or 'over its limit'}); raise the quota or lower the pod requests/limits",
            )
        return (
            "FailedCreate",
            f"because its pods cannot be created ({clip(text, 160)}); fix what the API server's "
            "message names (admission policy, service account, quota)",
        )
    if failing:
        parts = [f"{f.name} ({f.reason})" for f in failing]
        return (
            "PodsFailing",
            f"because its pods fail: {names_list(parts, 3)}; see those pod findings, the {kind} recovers when they do",
        )
    if stalled:
        return (
            progressing.get("reason") or "ProgressDeadlineExceeded",
            f"and its rollout stalled ({clip(progressing.get('message') or '', 140)}); check the new pods and roll "
            "back (kubectl rollout undo) if the new version is broken",
        )
    return (
        "ReplicasUnavailable",
        "and no failing pod explains it (pods may be starting, or were not captured); check "
        "the pods and events of its ReplicaSets",
    )


def _failed_creates(idx: ClusterIndex, ns: str, creators: list[tuple[str, str]]) -> list[Obj]:
    events: list[Obj] = []
    for kind, name in creators:
        events += [e for e in idx.events_with_reason(kind, ns, name, "FailedCreate") if e.get("type") == "Warning"]
    return events


def _conditions(obj: Obj) -> list[str]:
    out = []
    for c in conditions(obj):
        if c.get("type") in ("Available", "Progressing", "ReplicaFailure") and (
            c.get("status") != "True"
            or c.get("type") == "ReplicaFailure"
            or c.get("reason") == "ProgressDeadlineExceeded"
        ):
            out.append(f"{c.get('type')}={c.get('status')} {c.get('reason', '')}: {clip(c.get('message') or '', 160)}")
    return out
