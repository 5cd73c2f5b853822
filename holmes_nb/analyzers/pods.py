"""Pod findings: one per unhealthy pod, the most telling problem first.

Order of checks: being deleted -> failed/evicted -> failing containers (init first) -> pending
(unschedulable, or stuck creating) -> running but not ready (probes). Pods of a failed Job are left
to the Job's finding; healthy, completed and just-started pods give nothing.

    for f in analyze_pods(ClusterIndex(cluster)): print(f.reason, f.name)
"""

from __future__ import annotations

import re

from holmes_nb.analyzers.containers import container_problems
from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj
from holmes_nb.analyzers.probes import probe_finding
from holmes_nb.analyzers.safe import as_int, run_each
from holmes_nb.analyzers.scheduling import creating_finding, unschedulable_finding
from holmes_nb.analyzers.util import clip, exit_code_meaning
from holmes_nb.k8s import age, condition, ns_name, seconds_since

#: a pod past its deletion time by more than this is stuck terminating
STUCK_TERMINATING_S = 300
#: a running pod not Ready for longer than this (without probe events) is reported
NOT_READY_S = 300


def analyze_pods(idx: ClusterIndex) -> list[Finding]:
    out: list[Finding] = []
    run_each(idx.items("pods"), lambda pod: analyze_pod(pod, idx), "pods", out)
    return out


def analyze_pod(pod: Obj, idx: ClusterIndex) -> Finding | None:
    """The pod's finding, or None when it is healthy (or its problem belongs to another finding)."""
    phase = (pod.get("status") or {}).get("phase") or "Pending"
    owner = idx.workload_of(pod)
    if phase == "Succeeded" or (phase == "Failed" and owner and owner[0] == "Job"):
        return None
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        f = _terminating(pod, idx)
    elif phase == "Failed":
        f = _failed(pod, idx)
    elif phase == "Unknown":
        f = _finding(
            pod,
            "critical",
            "NodeLost",
            "The pod's state is unknown because its node stopped reporting; "
            "check the node (NotReady?) — controllers replace the pod once the node is declared lost.",
            [f"node: {(pod.get('spec') or {}).get('nodeName', '?')}"],
        )
    else:
        f = _active(pod, idx, phase)
    if f is not None and owner:
        f.evidence.append(f"controlled by {owner[0]} {owner[1]}")
    return f


def _finding(pod: Obj, severity: str, reason: str, message: str, evidence: list[str]) -> Finding:
    ns, name = ns_name(pod)
    return Finding("Pod", ns, name, severity, reason, message, evidence)


def _active(pod: Obj, idx: ClusterIndex, phase: str) -> Finding | None:
    problems = container_problems(pod, idx)
    if problems:
        first = problems[0]
        evidence = list(first.evidence)
        evidence += [p.evidence[0] for p in problems[1:]]
        return _finding(pod, first.severity, first.reason, first.message, evidence)
    if phase == "Pending":
        spec = pod.get("spec") or {}
        sched = condition(pod, "PodScheduled")
        if not spec.get("nodeName") and (sched is None or sched.get("status") != "True"):
            return unschedulable_finding(pod, idx)
        return creating_finding(pod, idx)
    if phase == "Running":
        return _running(pod, idx)
    return None


# -- running pods ---------------------------------------------------------------------------
def _running(pod: Obj, idx: ClusterIndex) -> Finding | None:
    ns, name = ns_name(pod)
    ready = condition(pod, "Ready") or {}
    node_name = (pod.get("spec") or {}).get("nodeName") or ""
    if ready.get("status") == "True":
        return probe_finding(pod, idx, ready=True) or _recent_oom(pod, idx)
    node = idx.get("nodes", "", node_name) if node_name else None
    node_ready = condition(node, "Ready") if node else None
    if node_ready and node_ready.get("status") != "True":
        return _finding(
            pod,
            "critical",
            "NodeNotReady",
            f"The pod is not Ready because its node {node_name} is NotReady; fix the node or let the "
            "controller reschedule the pod elsewhere.",
            [f"node {node_name}: Ready={node_ready.get('status')} ({node_ready.get('reason', '')})"],
        )
    found = probe_finding(pod, idx, ready=False)
    if found is not None:
        return found
    since = seconds_since(ready.get("lastTransitionTime"), idx.now)
    if since is not None and since < NOT_READY_S:
        return None
    gates = _failing_gates(pod)
    if gates:
        return _finding(
            pod,
            "warning",
            "ReadinessGateFailing",
            "The pod's containers are ready but a readiness gate is not; the controller that owns "
            f"the gate ({', '.join(gates)}) has not marked it True (e.g. a load balancer target not registered).",
            [f"readiness gate {g}: not True" for g in gates],
        )
    waiting = [cs.get("name") for cs in (pod.get("status") or {}).get("containerStatuses") or () if not cs.get("ready")]
    return _finding(
        pod,
        "warning",
        "NotReady",
        f"The pod has been running but not Ready for {age(ready.get('lastTransitionTime'), idx.now) or 'a while'} "
        "with no probe failure events; check the containers' readiness probes and logs.",
        [f"Ready=False: {clip(ready.get('message') or ready.get('reason') or '')}"]
        + [f"container {c}: not ready" for c in waiting],
    )


def _failing_gates(pod: Obj) -> list[str]:
    gates = [g.get("conditionType") for g in (pod.get("spec") or {}).get("readinessGates") or ()]
    return [g for g in gates if (condition(pod, g) or {}).get("status") != "True"]


def _recent_oom(pod: Obj, idx: ClusterIndex) -> Finding | None:
    """A Ready pod whose container was OOMKilled in the last hour: it will be killed again."""
    for cs in (pod.get("status") or {}).get("containerStatuses") or ():
        last = (cs.get("lastState") or {}).get("terminated") or {}
        if last.get("reason") != "OOMKilled":
            continue
        since = seconds_since(last.get("finishedAt"), idx.now)
        if since is None or since > 3600:
            continue
        limit = _memory_limit(pod, cs.get("name"))
        return _finding(
            pod,
            "warning",
            "OOMKilled",
            f"Container {cs.get('name')} was killed for exceeding its memory limit{f' ({limit})' if limit else ''} "
            f"{age(last.get('finishedAt'), idx.now)} ago and restarted; it runs now but will be killed again "
            "unless resources.limits.memory is raised or its memory use drops.",
            [
                f"container {cs.get('name')}: restarts {cs.get('restartCount', 0)}",
                f"last exit: OOMKilled, code {last.get('exitCode')} ({exit_code_meaning(last.get('exitCode'))})",
            ],
        )
    return None


def _memory_limit(pod: Obj, container: str | None) -> str | None:
    for c in (pod.get("spec") or {}).get("containers") or ():
        if c.get("name") == container:
            return ((c.get("resources") or {}).get("limits") or {}).get("memory")
    return None


# -- failed, evicted, terminating ------------------------------------------------------------
_LOW_RESOURCE = re.compile(r"low on resource: ([\w-]+)", re.I)
_USAGE = re.compile(r"Container (\S+) was using (\S+), (?:which exceeds its request of|request is) (\S+?)[,.]", re.I)


def _failed(pod: Obj, idx: ClusterIndex) -> Finding | None:
    status = pod.get("status") or {}
    reason, message = status.get("reason") or "", status.get("message") or ""
    node = (pod.get("spec") or {}).get("nodeName") or "?"
    evidence = [f"status: Failed, reason {reason or '-'}"] + ([clip(message)] if message else [])
    if reason == "Evicted":
        return _finding(pod, "warning", "Evicted", _eviction_text(message, node), evidence)
    if reason in ("Terminated", "Shutdown", "NodeShutdown"):
        return _finding(
            pod,
            "info",
            reason,
            f"The pod was stopped because node {node} shut down; its controller "
            "starts a replacement, and the leftover pod can be deleted.",
            evidence,
        )
    if reason.startswith("OutOf") or reason in ("NodeAffinity", "UnexpectedAdmissionError", "NodeAffinityMismatch"):
        return _finding(
            pod,
            "warning",
            reason,
            f"The kubelet on {node} rejected the pod at admission ({reason}); the "
            "node no longer fits it (resources or labels changed) — its controller retries elsewhere.",
            evidence,
        )
    for cs in status.get("containerStatuses") or ():
        term = (cs.get("state") or {}).get("terminated") or {}
        if as_int(term.get("exitCode"), 0) != 0:
            code = as_int(term.get("exitCode"), None)
            logs = idx.log_tail(*ns_name(pod), cs.get("name", ""), previous=False)
            said = f'; its last log line is "{clip(logs[-1], 140)}"' if logs else ""
            evidence += [f"container {cs.get('name')}: terminated {term.get('reason', 'Error')}, code {code}"]
            evidence += [f"log: {line}" for line in logs]
            return _finding(
                pod,
                "warning",
                term.get("reason") or "Error",
                f"The pod failed: container {cs.get('name')} exited with code {code} "
                f"({exit_code_meaning(code)}) and restartPolicy is Never{said}.",
                evidence,
            )
    return _finding(pod, "warning", reason or "Failed", "The pod failed; the status message says why.", evidence)


def _eviction_text(message: str, node: str) -> str:
    low = _LOW_RESOURCE.search(message)
    use = _USAGE.search(message)
    if "ephemeral local storage" in message.lower() or (low and "storage" in low.group(1)):
        return (
            f"The pod was evicted from {node} for using too much local disk (ephemeral storage); set "
            "resources.limits.ephemeral-storage, move data to a volume, or clean up logs/temp files."
        )
    if low:
        what = low.group(1)
        extra = f" (container {use.group(1)} used {use.group(2)} against a request of {use.group(3)})" if use else ""
        return (
            f"The pod was evicted because node {node} ran low on {what}{extra}; its controller replaced it, but set "
            f"{what} requests close to real usage so the scheduler does not overcommit the node."
        )
    return f"The pod was evicted from {node}; the message below gives the kubelet's reason."


def _terminating(pod: Obj, idx: ClusterIndex) -> Finding | None:
    md = pod.get("metadata") or {}
    since = seconds_since(md.get("deletionTimestamp"), idx.now)
    if since is None or since < STUCK_TERMINATING_S:
        return None
    node_name = (pod.get("spec") or {}).get("nodeName") or ""
    evidence = [f"deletionTimestamp: {md.get('deletionTimestamp')} ({age(md.get('deletionTimestamp'), idx.now)} ago)"]
    if md.get("finalizers"):
        evidence.append("finalizers: " + ", ".join(md["finalizers"]))
    node = idx.get("nodes", "", node_name) if node_name else None
    node_ready = (condition(node, "Ready") or {}).get("status") if node else None
    if node_ready and node_ready != "True":
        evidence.append(f"node {node_name}: Ready={node_ready}")
        why = f"its node {node_name} is NotReady and cannot confirm the containers stopped"
    elif md.get("finalizers"):
        why = "a finalizer has not been removed by its controller"
    else:
        why = "the kubelet has not confirmed the containers stopped (a hung preStop hook or runtime)"
    return _finding(
        pod,
        "warning",
        "StuckTerminating",
        f"The pod has been terminating for {age(md.get('deletionTimestamp'), idx.now)} because {why}; "
        "fix that cause (force-deleting is a last resort for StatefulSet pods).",
        evidence,
    )
