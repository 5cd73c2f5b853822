"""The cells of the snapshot API server's Tables: one function per column kubectl prints, each
``cell(obj, now) -> value`` (ages against the cluster's reference time), as a real API server fills them.

    pod_status(pod)  # -> "CrashLoopBackOff"
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from holmes_nb import k8s
from holmes_nb.k8s import Obj, condition, condition_status, conditions, dig, human_duration, parse_time

Cell = Callable[[Obj, datetime], Any]


def age(value: Any, now: datetime) -> str:
    """kubectl's age column: :func:`holmes_nb.k8s.age`, ``<unknown>`` when there is no time."""
    return k8s.age(value, now) or "<unknown>"


def obj_name(o: Obj, now: datetime) -> str:
    return dig(o, "metadata", "name", default="")


def obj_age(o: Obj, now: datetime) -> str:
    return age(dig(o, "metadata", "creationTimestamp"), now)


# -- pods -----------------------------------------------------------------------------------
def pod_status(pod: Obj) -> str:
    """The STATUS column of ``kubectl get pods`` (CrashLoopBackOff, Init:0/1, Completed, ...)."""
    st = pod.get("status") or {}
    reason = st.get("reason") or st.get("phase") or "Unknown"
    inits = st.get("initContainerStatuses") or []
    n_init = len(dig(pod, "spec", "initContainers", default=[]))
    for i, cs in enumerate(inits):
        term, wait = dig(cs, "state", "terminated"), dig(cs, "state", "waiting")
        if term and term.get("exitCode") == 0:
            continue
        if term:
            reason = "Init:" + (term.get("reason") or f"ExitCode:{term.get('exitCode')}")
        elif wait and wait.get("reason") and wait["reason"] != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{n_init}"
        return _terminating(pod, reason)
    running = False
    for cs in reversed(st.get("containerStatuses") or []):
        term, wait = dig(cs, "state", "terminated"), dig(cs, "state", "waiting")
        if wait and wait.get("reason"):
            reason = wait["reason"]
        elif term and term.get("reason"):
            reason = term["reason"]
        elif term:
            reason = f"ExitCode:{term.get('exitCode')}"
        elif cs.get("ready") and dig(cs, "state", "running") is not None:
            running = True
    if reason == "Completed" and running:
        ready = condition_status(pod, "Ready") == "True"
        reason = "Running" if ready else "NotReady"
    return _terminating(pod, reason)


def _terminating(pod: Obj, reason: str) -> str:
    if dig(pod, "metadata", "deletionTimestamp"):
        return "Unknown" if dig(pod, "status", "reason") == "NodeLost" else "Terminating"
    return reason


def pod_ready(o: Obj, now: datetime) -> str:
    statuses = dig(o, "status", "containerStatuses", default=[])
    ready = sum(1 for c in statuses if c.get("ready"))
    return f"{ready}/{len(dig(o, 'spec', 'containers', default=[]))}"


def pod_restarts(o: Obj, now: datetime) -> str:
    statuses = dig(o, "status", "containerStatuses", default=[])
    count = sum(int(c.get("restartCount") or 0) for c in statuses)
    finished = (parse_time(dig(c, "lastState", "terminated", "finishedAt")) for c in statuses)
    last = [t for t in finished if t is not None]
    return f"{count} ({human_duration((now - max(last)).total_seconds())} ago)" if count and last else str(count)


# -- workloads ------------------------------------------------------------------------------
def images(o: Obj, now: datetime) -> str:
    return ",".join(c.get("image", "") for c in dig(o, "spec", "template", "spec", "containers", default=[]))


def containers(o: Obj, now: datetime) -> str:
    return ",".join(c.get("name", "") for c in dig(o, "spec", "template", "spec", "containers", default=[]))


def selector(o: Obj, now: datetime) -> str:
    labels = dig(o, "spec", "selector", "matchLabels", default={}) or dig(o, "spec", "selector", default={})
    return ",".join(f"{k}={v}" for k, v in labels.items() if isinstance(v, str)) or "<none>"


def job_status(o: Obj, now: datetime) -> str:
    for c in conditions(o):
        if c.get("status") == "True" and c.get("type") in ("Complete", "Failed", "Suspended"):
            return c["type"]
    return "Running"


def job_duration(o: Obj, now: datetime) -> str:
    start = parse_time(dig(o, "status", "startTime"))
    end = parse_time(dig(o, "status", "completionTime")) or now
    return human_duration((end - start).total_seconds()) if start else ""


# -- networking and storage -----------------------------------------------------------------
def svc_ports(o: Obj, now: datetime) -> str:
    out = []
    for p in dig(o, "spec", "ports", default=[]):
        node = f":{p['nodePort']}" if p.get("nodePort") else ""
        out.append(f"{p.get('port')}{node}/{p.get('protocol', 'TCP')}")
    return ",".join(out) or "<none>"


def svc_external(o: Obj, now: datetime) -> str:
    ips = [i.get("ip") or i.get("hostname") for i in dig(o, "status", "loadBalancer", "ingress", default=[])]
    ips += dig(o, "spec", "externalIPs", default=[])
    if ips:
        return ",".join(i for i in ips if i)
    return "<pending>" if dig(o, "spec", "type") == "LoadBalancer" else "<none>"


def endpoints(o: Obj, now: datetime) -> str:
    out = []
    for subset in o.get("subsets") or []:
        ports = [p.get("port") for p in subset.get("ports") or []] or [None]
        for a in subset.get("addresses") or []:
            out += [f"{a.get('ip')}:{p}" if p else str(a.get("ip")) for p in ports]
    return ",".join(out[:3]) + (f" + {len(out) - 3} more..." if len(out) > 3 else "") if out else "<none>"


def node_status(o: Obj, now: datetime) -> str:
    ready = condition(o, "Ready")
    status = "Ready" if ready and ready.get("status") == "True" else ("NotReady" if ready else "Unknown")
    return status + (",SchedulingDisabled" if dig(o, "spec", "unschedulable") else "")


def node_roles(o: Obj, now: datetime) -> str:
    prefix = "node-role.kubernetes.io/"
    roles = sorted(k[len(prefix) :] for k in dig(o, "metadata", "labels", default={}) if k.startswith(prefix))
    return ",".join(r for r in roles if r) or "<none>"


def node_ip(kind: str) -> Cell:
    return lambda o, now: next(
        (a.get("address") for a in dig(o, "status", "addresses", default=[]) if a.get("type") == kind), "<none>"
    )


def event_object(o: Obj, now: datetime) -> str:
    ref = o.get("involvedObject") or o.get("regarding") or {}
    return f"{str(ref.get('kind', '')).lower()}/{ref.get('name', '')}"


def event_last_seen(o: Obj, now: datetime) -> str:
    for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
        if o.get(key):
            return age(o[key], now)
    return obj_age(o, now)


def ingress_hosts(o: Obj, now: datetime) -> str:
    return ",".join(r.get("host", "*") for r in dig(o, "spec", "rules", default=[])) or "*"


def hpa_targets(o: Obj, now: datetime) -> str:
    out = []
    for m in dig(o, "spec", "metrics", default=[]):
        res = m.get("resource") or {}
        target = dig(res, "target", "averageUtilization")
        if target is not None:
            current = next(
                (
                    dig(c, "resource", "current", "averageUtilization")
                    for c in dig(o, "status", "currentMetrics", default=[])
                    if dig(c, "resource", "name") == res.get("name")
                ),
                None,
            )
            out.append(f"{res.get('name')}: {'<unknown>' if current is None else f'{current}%'}/{target}%")
    return ", ".join(out) or "<none>"


def access_modes(modes: list[str]) -> str:
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    return ",".join(short.get(m, m) for m in modes)
