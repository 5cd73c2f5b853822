"""Server-side Table rendering for the snapshot API server, so ``kubectl get`` prints its usual columns.

kubectl asks for ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``; a real API server answers
with a ``meta.k8s.io/v1 Table`` whose columns it chooses per kind. This module reproduces those
columns for the kinds holmes-nb reads (Name and Age for the rest), computing ages against the
cluster's reference time (the capture time for snapshots).

    table = render_table(resolve_kind("pods"), pods, now=snapshot.now())
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from holmes_nb import k8s
from holmes_nb.k8s import Obj, condition, condition_status, conditions, dig, human_duration, parse_time
from holmes_nb.sources.kinds import Kind

Cell = Callable[[Obj, datetime], Any]


def age(value: Any, now: datetime) -> str:
    """kubectl's age column: :func:`holmes_nb.k8s.age`, ``<unknown>`` when there is no time."""
    return k8s.age(value, now) or "<unknown>"


def _name(o: Obj, now: datetime) -> str:
    return dig(o, "metadata", "name", default="")


def _age(o: Obj, now: datetime) -> str:
    return age(dig(o, "metadata", "creationTimestamp"), now)


def _none(value: Any) -> str:
    return str(value) if value not in (None, "", []) else "<none>"


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


def _pod_ready(o: Obj, now: datetime) -> str:
    statuses = dig(o, "status", "containerStatuses", default=[])
    ready = sum(1 for c in statuses if c.get("ready"))
    return f"{ready}/{len(dig(o, 'spec', 'containers', default=[]))}"


def _pod_restarts(o: Obj, now: datetime) -> str:
    statuses = dig(o, "status", "containerStatuses", default=[])
    count = sum(int(c.get("restartCount") or 0) for c in statuses)
    finished = (parse_time(dig(c, "lastState", "terminated", "finishedAt")) for c in statuses)
    last = [t for t in finished if t is not None]
    return f"{count} ({human_duration((now - max(last)).total_seconds())} ago)" if count and last else str(count)


# -- workloads ------------------------------------------------------------------------------
def _images(o: Obj, now: datetime) -> str:
    return ",".join(c.get("image", "") for c in dig(o, "spec", "template", "spec", "containers", default=[]))


def _containers(o: Obj, now: datetime) -> str:
    return ",".join(c.get("name", "") for c in dig(o, "spec", "template", "spec", "containers", default=[]))


def _selector(o: Obj, now: datetime) -> str:
    labels = dig(o, "spec", "selector", "matchLabels", default={}) or dig(o, "spec", "selector", default={})
    return ",".join(f"{k}={v}" for k, v in labels.items() if isinstance(v, str)) or "<none>"


def _job_status(o: Obj, now: datetime) -> str:
    for c in conditions(o):
        if c.get("status") == "True" and c.get("type") in ("Complete", "Failed", "Suspended"):
            return c["type"]
    return "Running"


def _job_duration(o: Obj, now: datetime) -> str:
    start = parse_time(dig(o, "status", "startTime"))
    end = parse_time(dig(o, "status", "completionTime")) or now
    return human_duration((end - start).total_seconds()) if start else ""


# -- networking and storage -----------------------------------------------------------------
def _svc_ports(o: Obj, now: datetime) -> str:
    out = []
    for p in dig(o, "spec", "ports", default=[]):
        node = f":{p['nodePort']}" if p.get("nodePort") else ""
        out.append(f"{p.get('port')}{node}/{p.get('protocol', 'TCP')}")
    return ",".join(out) or "<none>"


def _svc_external(o: Obj, now: datetime) -> str:
    ips = [i.get("ip") or i.get("hostname") for i in dig(o, "status", "loadBalancer", "ingress", default=[])]
    ips += dig(o, "spec", "externalIPs", default=[])
    if ips:
        return ",".join(i for i in ips if i)
    return "<pending>" if dig(o, "spec", "type") == "LoadBalancer" else "<none>"


def _endpoints(o: Obj, now: datetime) -> str:
    out = []
    for subset in o.get("subsets") or []:
        ports = [p.get("port") for p in subset.get("ports") or []] or [None]
        for a in subset.get("addresses") or []:
            out += [f"{a.get('ip')}:{p}" if p else str(a.get("ip")) for p in ports]
    return ",".join(out[:3]) + (f" + {len(out) - 3} more..." if len(out) > 3 else "") if out else "<none>"


def _node_status(o: Obj, now: datetime) -> str:
    ready = condition(o, "Ready")
    status = "Ready" if ready and ready.get("status") == "True" else ("NotReady" if ready else "Unknown")
    return status + (",SchedulingDisabled" if dig(o, "spec", "unschedulable") else "")


def _node_roles(o: Obj, now: datetime) -> str:
    prefix = "node-role.kubernetes.io/"
    roles = sorted(k[len(prefix) :] for k in dig(o, "metadata", "labels", default={}) if k.startswith(prefix))
    return ",".join(r for r in roles if r) or "<none>"


def _node_ip(kind: str) -> Cell:
    return lambda o, now: next(
        (a.get("address") for a in dig(o, "status", "addresses", default=[]) if a.get("type") == kind), "<none>"
    )


def _event_object(o: Obj, now: datetime) -> str:
    ref = o.get("involvedObject") or o.get("regarding") or {}
    return f"{str(ref.get('kind', '')).lower()}/{ref.get('name', '')}"


def _event_last_seen(o: Obj, now: datetime) -> str:
    for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
        if o.get(key):
            return age(o[key], now)
    return _age(o, now)


def _ingress_hosts(o: Obj, now: datetime) -> str:
    return ",".join(r.get("host", "*") for r in dig(o, "spec", "rules", default=[])) or "*"


def _hpa_targets(o: Obj, now: datetime) -> str:
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


def _col(name: str, fn: Cell, priority: int = 0, kind: str = "string") -> tuple:
    return (name, kind, priority, fn)


_NAME, _AGE = _col("Name", _name), _col("Age", _age)
_COLUMNS: dict[str, list[tuple]] = {
    "pods": [
        _NAME,
        _col("Ready", _pod_ready),
        _col("Status", lambda o, n: pod_status(o)),
        _col("Restarts", _pod_restarts),
        _AGE,
        _col("IP", lambda o, n: dig(o, "status", "podIP", default="<none>"), 1),
        _col("Node", lambda o, n: dig(o, "spec", "nodeName", default="<none>"), 1),
        _col("Nominated Node", lambda o, n: dig(o, "status", "nominatedNodeName", default="<none>"), 1),
        _col("Readiness Gates", lambda o, n: "<none>", 1),
    ],
    "deployments": [
        _NAME,
        _col(
            "Ready",
            lambda o, n: f"{dig(o, 'status', 'readyReplicas', default=0)}/{dig(o, 'spec', 'replicas', default=1)}",
        ),
        _col("Up-to-date", lambda o, n: dig(o, "status", "updatedReplicas", default=0), 0, "integer"),
        _col("Available", lambda o, n: dig(o, "status", "availableReplicas", default=0), 0, "integer"),
        _AGE,
        _col("Containers", _containers, 1),
        _col("Images", _images, 1),
        _col("Selector", _selector, 1),
    ],
    "replicasets": [
        _NAME,
        _col("Desired", lambda o, n: dig(o, "spec", "replicas", default=0), 0, "integer"),
        _col("Current", lambda o, n: dig(o, "status", "replicas", default=0), 0, "integer"),
        _col("Ready", lambda o, n: dig(o, "status", "readyReplicas", default=0), 0, "integer"),
        _AGE,
        _col("Containers", _containers, 1),
        _col("Images", _images, 1),
        _col("Selector", _selector, 1),
    ],
    "statefulsets": [
        _NAME,
        _col(
            "Ready",
            lambda o, n: f"{dig(o, 'status', 'readyReplicas', default=0)}/{dig(o, 'spec', 'replicas', default=1)}",
        ),
        _AGE,
        _col("Containers", _containers, 1),
        _col("Images", _images, 1),
    ],
    "daemonsets": [_NAME]
    + [
        _col(t, lambda o, n, f=f: dig(o, "status", f, default=0), 0, "integer")
        for t, f in (
            ("Desired", "desiredNumberScheduled"),
            ("Current", "currentNumberScheduled"),
            ("Ready", "numberReady"),
            ("Up-to-date", "updatedNumberScheduled"),
            ("Available", "numberAvailable"),
        )
    ]
    + [
        _col(
            "Node Selector",
            lambda o, n: (
                ",".join(f"{k}={v}" for k, v in dig(o, "spec", "template", "spec", "nodeSelector", default={}).items())
                or "<none>"
            ),
        ),
        _AGE,
    ],
    "jobs": [
        _NAME,
        _col("Status", _job_status),
        _col(
            "Completions",
            lambda o, n: f"{dig(o, 'status', 'succeeded', default=0)}/{dig(o, 'spec', 'completions', default=1)}",
        ),
        _col("Duration", _job_duration),
        _AGE,
    ],
    "cronjobs": [
        _NAME,
        _col("Schedule", lambda o, n: dig(o, "spec", "schedule", default="")),
        _col("Timezone", lambda o, n: dig(o, "spec", "timeZone", default="<none>")),
        _col("Suspend", lambda o, n: str(bool(dig(o, "spec", "suspend")))),
        _col("Active", lambda o, n: len(dig(o, "status", "active", default=[])), 0, "integer"),
        _col(
            "Last Schedule",
            lambda o, n: (
                age(dig(o, "status", "lastScheduleTime"), n) if dig(o, "status", "lastScheduleTime") else "<none>"
            ),
        ),
        _AGE,
    ],
    "services": [
        _NAME,
        _col("Type", lambda o, n: dig(o, "spec", "type", default="ClusterIP")),
        _col("Cluster-IP", lambda o, n: dig(o, "spec", "clusterIP", default="<none>")),
        _col("External-IP", _svc_external),
        _col("Port(s)", _svc_ports),
        _AGE,
        _col(
            "Selector",
            lambda o, n: ",".join(f"{k}={v}" for k, v in dig(o, "spec", "selector", default={}).items()) or "<none>",
            1,
        ),
    ],
    "endpoints": [_NAME, _col("Endpoints", _endpoints), _AGE],
    "nodes": [
        _NAME,
        _col("Status", _node_status),
        _col("Roles", _node_roles),
        _AGE,
        _col("Version", lambda o, n: dig(o, "status", "nodeInfo", "kubeletVersion", default="")),
        _col("Internal-IP", _node_ip("InternalIP"), 1),
        _col("External-IP", _node_ip("ExternalIP"), 1),
        _col("OS-Image", lambda o, n: dig(o, "status", "nodeInfo", "osImage", default=""), 1),
        _col("Kernel-Version", lambda o, n: dig(o, "status", "nodeInfo", "kernelVersion", default=""), 1),
        _col("Container-Runtime", lambda o, n: dig(o, "status", "nodeInfo", "containerRuntimeVersion", default=""), 1),
    ],
    "namespaces": [_NAME, _col("Status", lambda o, n: dig(o, "status", "phase", default="Active")), _AGE],
    "events": [
        _col("Last Seen", _event_last_seen),
        _col("Type", lambda o, n: o.get("type", "")),
        _col("Reason", lambda o, n: o.get("reason", "")),
        _col("Object", _event_object),
        _col("Message", lambda o, n: (o.get("message") or o.get("note") or "").strip()),
        _col("Count", lambda o, n: o.get("count") or 1, 1, "integer"),
        _col("First Seen", lambda o, n: age(o.get("firstTimestamp") or o.get("eventTime"), n), 1),
        _col("Name", _name, 1),
    ],
    "persistentvolumeclaims": [
        _NAME,
        _col("Status", lambda o, n: dig(o, "status", "phase", default="")),
        _col("Volume", lambda o, n: dig(o, "spec", "volumeName", default="")),
        _col("Capacity", lambda o, n: dig(o, "status", "capacity", "storage", default="")),
        _col("Access Modes", lambda o, n: _modes(dig(o, "status", "accessModes", default=[]))),
        _col("StorageClass", lambda o, n: dig(o, "spec", "storageClassName", default="<unset>")),
        _AGE,
    ],
    "persistentvolumes": [
        _NAME,
        _col("Capacity", lambda o, n: dig(o, "spec", "capacity", "storage", default="")),
        _col("Access Modes", lambda o, n: _modes(dig(o, "spec", "accessModes", default=[]))),
        _col("Reclaim Policy", lambda o, n: dig(o, "spec", "persistentVolumeReclaimPolicy", default="")),
        _col("Status", lambda o, n: dig(o, "status", "phase", default="")),
        _col(
            "Claim",
            lambda o, n: "/".join(
                filter(None, (dig(o, "spec", "claimRef", "namespace"), dig(o, "spec", "claimRef", "name")))
            ),
        ),
        _col("StorageClass", lambda o, n: dig(o, "spec", "storageClassName", default="")),
        _AGE,
    ],
    "configmaps": [
        _NAME,
        _col("Data", lambda o, n: len(o.get("data") or {}) + len(o.get("binaryData") or {}), 0, "integer"),
        _AGE,
    ],
    "secrets": [
        _NAME,
        _col("Type", lambda o, n: o.get("type", "")),
        _col("Data", lambda o, n: len(o.get("dataKeys") or []), 0, "integer"),
        _AGE,
    ],
    "ingresses": [
        _NAME,
        _col("Class", lambda o, n: dig(o, "spec", "ingressClassName", default="<none>")),
        _col("Hosts", _ingress_hosts),
        _col(
            "Address",
            lambda o, n: ",".join(
                i.get("ip") or i.get("hostname") or "" for i in dig(o, "status", "loadBalancer", "ingress", default=[])
            ),
        ),
        _col("Ports", lambda o, n: "80, 443" if dig(o, "spec", "tls") else "80"),
        _AGE,
    ],
    "horizontalpodautoscalers": [
        _NAME,
        _col(
            "Reference",
            lambda o, n: (
                f"{dig(o, 'spec', 'scaleTargetRef', 'kind', default='')}/"
                f"{dig(o, 'spec', 'scaleTargetRef', 'name', default='')}"
            ),
        ),
        _col("Targets", _hpa_targets),
        _col("MinPods", lambda o, n: dig(o, "spec", "minReplicas", default=1), 0, "integer"),
        _col("MaxPods", lambda o, n: dig(o, "spec", "maxReplicas", default=0), 0, "integer"),
        _col("Replicas", lambda o, n: dig(o, "status", "currentReplicas", default=0), 0, "integer"),
        _AGE,
    ],
    "storageclasses": [
        _NAME,
        _col("Provisioner", lambda o, n: o.get("provisioner", "")),
        _col("ReclaimPolicy", lambda o, n: o.get("reclaimPolicy", "Delete")),
        _col("VolumeBindingMode", lambda o, n: o.get("volumeBindingMode", "Immediate")),
        _col("AllowVolumeExpansion", lambda o, n: str(bool(o.get("allowVolumeExpansion"))).lower()),
        _AGE,
    ],
}


def _modes(modes: list[str]) -> str:
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    return ",".join(short.get(m, m) for m in modes)


def render_table(
    kind: Kind, objs: list[Obj], *, now: datetime, include_object: str = "Metadata", list_meta: dict | None = None
) -> dict:
    """A ``meta.k8s.io/v1 Table`` for ``objs``; rows carry the object per ``includeObject``."""
    columns = _COLUMNS.get(kind.name, [_NAME, _AGE])
    rows = []
    for o in objs:
        row: dict[str, Any] = {"cells": [_cell(fn, o, now) for _, _, _, fn in columns]}
        if include_object == "Object":
            row["object"] = o
        elif include_object != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": o.get("metadata") or {},
            }
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta or {},
        "columnDefinitions": [
            {
                "name": name,
                "type": typ,
                "format": "name" if name == "Name" else "",
                "description": name,
                "priority": prio,
            }
            for name, typ, prio, _ in columns
        ],
        "rows": rows,
    }


def _cell(fn: Cell, obj: Obj, now: datetime) -> Any:
    try:
        return fn(obj, now)
    except (TypeError, ValueError, AttributeError, KeyError):  # malformed objects still get a row
        return "<error>"
