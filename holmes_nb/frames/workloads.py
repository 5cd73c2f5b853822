"""The workloads frame: Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs with
desired vs ready, in one table whose unused columns stay empty.

    df = workloads_frame({"deployments": cluster.list("deployments"), ...}, cluster.now())
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from holmes_nb.frames.common import bad_conditions, created_age, make_frame
from holmes_nb.k8s import Obj, age, condition, dig, name_of, ns_of, owner_refs

WORKLOAD_KINDS = ("deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs")
WORKLOAD_COLUMNS = [
    "kind",
    "namespace",
    "name",
    "desired",
    "ready",
    "available",
    "up_to_date",
    "completions",
    "failed",
    "schedule",
    "suspend",
    "last_schedule",
    "status",
    "age",
]
_INTS = ("desired", "ready", "available", "up_to_date", "failed")


def _deployment(d: Obj) -> Obj:
    status = d.get("status") or {}
    note = bad_conditions(d, {"Available": "True", "Progressing": "True", "ReplicaFailure": "False"})
    if dig(d, "spec", "paused"):
        note = ",".join(filter(None, ["paused", note]))
    return {
        "desired": dig(d, "spec", "replicas", default=1),
        "ready": status.get("readyReplicas", 0),
        "available": status.get("availableReplicas", 0),
        "up_to_date": status.get("updatedReplicas", 0),
        "status": note,
    }


def _statefulset(s: Obj) -> Obj:
    status = s.get("status") or {}
    return {
        "desired": dig(s, "spec", "replicas", default=1),
        "ready": status.get("readyReplicas", 0),
        "available": status.get("availableReplicas", status.get("readyReplicas", 0)),
        "up_to_date": status.get("updatedReplicas", 0),
        "status": "",
    }


def _daemonset(d: Obj) -> Obj:
    status = d.get("status") or {}
    misscheduled = status.get("numberMisscheduled") or 0
    return {
        "desired": status.get("desiredNumberScheduled", 0),
        "ready": status.get("numberReady", 0),
        "available": status.get("numberAvailable", 0),
        "up_to_date": status.get("updatedNumberScheduled", 0),
        "status": f"misscheduled={misscheduled}" if misscheduled else "",
    }


def _replicaset(r: Obj) -> Obj:
    status = r.get("status") or {}
    return {
        "desired": dig(r, "spec", "replicas", default=1),
        "ready": status.get("readyReplicas", 0),
        "available": status.get("availableReplicas", 0),
        "status": bad_conditions(r, {"ReplicaFailure": "False"}),
    }


def job_state(job: Obj) -> str:
    """``Complete``, ``Failed:BackoffLimitExceeded``, ``Suspended`` or ``Running``."""
    for ctype in ("Failed", "Complete", "Suspended"):
        c = condition(job, ctype)
        if c and c.get("status") == "True":
            return ctype + (f":{c['reason']}" if ctype == "Failed" and c.get("reason") else "")
    return "Running" if dig(job, "status", "active") else "Pending"


def _job(j: Obj) -> Obj:
    status = j.get("status") or {}
    wanted = dig(j, "spec", "completions", default=1)
    return {
        "desired": wanted,
        "ready": status.get("ready", status.get("active", 0)),
        "completions": f"{status.get('succeeded', 0)}/{wanted}",
        "failed": status.get("failed", 0),
        "status": job_state(j),
    }


def _cronjob(c: Obj, now: datetime) -> Obj:
    active = len(dig(c, "status", "active", default=[]) or [])
    suspended = bool(dig(c, "spec", "suspend", default=False))
    return {
        "schedule": dig(c, "spec", "schedule", default=""),
        "suspend": suspended,
        "last_schedule": age(dig(c, "status", "lastScheduleTime"), now),
        "status": "suspended" if suspended else (f"active={active}" if active else ""),
    }


_ROW: dict[str, Callable[..., Obj]] = {
    "deployments": _deployment,
    "statefulsets": _statefulset,
    "daemonsets": _daemonset,
    "replicasets": _replicaset,
    "jobs": _job,
}
_KIND_LABEL = {
    "deployments": "Deployment",
    "statefulsets": "StatefulSet",
    "daemonsets": "DaemonSet",
    "replicasets": "ReplicaSet",
    "jobs": "Job",
    "cronjobs": "CronJob",
}


def owned_by(obj: Obj, kind: str) -> bool:
    return any(o.get("kind") == kind for o in owner_refs(obj))


def workloads_frame(objects: dict[str, list[Obj]], now: datetime, *, owned_replicasets: bool = False) -> Any:
    """One row per workload. ``objects`` maps plural kinds (``"deployments"``, ``"jobs"``, ...) to object
    lists. ReplicaSets owned by a Deployment are left out unless ``owned_replicasets`` (their
    Deployment's row says the same)."""
    rows = []
    for kind in WORKLOAD_KINDS:
        for obj in objects.get(kind) or []:
            if kind == "replicasets" and not owned_replicasets and owned_by(obj, "Deployment"):
                continue
            row = _cronjob(obj, now) if kind == "cronjobs" else _ROW[kind](obj)
            row.update(kind=_KIND_LABEL[kind], namespace=ns_of(obj), name=name_of(obj), age=created_age(obj, now))
            rows.append(row)
    return make_frame(rows, WORKLOAD_COLUMNS, ints=_INTS)
