"""What Kubernetes controllers write into workload status, derived from the pods they own:
ReplicaSet/RC, Deployment (with Available/Progressing conditions and the progress deadline),
StatefulSet and DaemonSet status, and a finished Job's status. Used by :class:`.builder.ClusterBuilder`.

    derive_workload_status(objects_by_plural, now)
    job.obj["status"] = job_status(start=t0, end=t1, failed=3, failure=("BackoffLimitExceeded", "..."))
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta

from devkit.objects import condition, ts
from holmes_nb.k8s import Obj, parse_time


def job_status(
    *, start: datetime, end: datetime, failed: int = 0, succeeded: int = 0, failure: tuple[str, str] | None = None
) -> Obj:
    """A finished Job's status; ``failure`` = (reason, message) for a failed one."""
    st: Obj = {"startTime": ts(start)}
    if failure:
        st["conditions"] = [
            condition("FailureTarget", True, end, *failure, probe=True),
            condition("Failed", True, end, *failure, probe=True),
        ]
    else:
        st |= {"completionTime": ts(end), "conditions": [condition("Complete", True, end, probe=True)]}
    if failed:
        st["failed"] = failed
    if succeeded:
        st["succeeded"] = succeeded
    st |= {"ready": 0, "terminating": 0, "uncountedTerminatedPods": {}}
    return st


# -- status derivation --------------------------------------------------------------------------
def derive_workload_status(objs: dict[str, list[Obj]], now: datetime) -> None:
    """Fill ReplicaSet/Deployment/StatefulSet/DaemonSet/RC status from their pods (caller-set
    conditions are kept)."""
    by_owner: dict[str, list[Obj]] = defaultdict(list)
    for p in objs.get("pods", []):
        for ref in p["metadata"].get("ownerReferences") or []:
            by_owner[ref["uid"]].append(p)
    rs_by_dep: dict[str, list[Obj]] = defaultdict(list)
    for kind in ("replicasets", "replicationcontrollers"):
        for rs in objs.get(kind, []):
            _replica_status(rs, by_owner[rs["metadata"]["uid"]])
            for ref in rs["metadata"].get("ownerReferences") or []:
                rs_by_dep[ref["uid"]].append(rs)
    for dep in objs.get("deployments", []):
        _deployment_status(dep, rs_by_dep[dep["metadata"]["uid"]], now)
    for sts in objs.get("statefulsets", []):
        _statefulset_status(sts, by_owner[sts["metadata"]["uid"]])
    for ds in objs.get("daemonsets", []):
        _daemonset_status(ds, by_owner[ds["metadata"]["uid"]])


def _live(pods: list[Obj]) -> list[Obj]:
    return [p for p in pods if p["status"].get("phase") not in ("Failed", "Succeeded")]


def _ready(pods: list[Obj]) -> int:
    return sum(
        1
        for p in pods
        if any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))
    )


def _nonzero(**counts: int) -> Obj:
    return {k: v for k, v in counts.items() if v}


def _replica_status(rs: Obj, pods: list[Obj]) -> None:
    live, st = _live(pods), rs["status"]
    ready = _ready(live)
    st |= _nonzero(availableReplicas=ready, fullyLabeledReplicas=len(live))
    st |= {"observedGeneration": rs["metadata"].get("generation", 1)}
    st |= _nonzero(readyReplicas=ready)
    st["replicas"] = len(live)


def _deployment_status(dep: Obj, rss: list[Obj], now: datetime) -> None:
    want, st = dep["spec"]["replicas"], dep["status"]
    newest = max(rss, key=lambda r: int(r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))
    total = sum(r["status"]["replicas"] for r in rss)
    avail = sum(r["status"].get("availableReplicas", 0) for r in rss)
    ready = sum(r["status"].get("readyReplicas", 0) for r in rss)
    updated = newest["status"]["replicas"]
    st |= _nonzero(availableReplicas=avail)
    st |= {"observedGeneration": dep["metadata"]["generation"]}
    st |= _nonzero(readyReplicas=ready)
    st["replicas"] = total
    wanted = sum(r["spec"]["replicas"] for r in rss)  # the controller counts spec replicas here
    st |= _nonzero(unavailableReplicas=max(wanted - avail, 0), updatedReplicas=updated)
    rs_name, since = newest["metadata"]["name"], parse_time(newest["metadata"]["creationTimestamp"])
    have = {c["type"] for c in st.get("conditions", [])}
    conds = list(st.get("conditions", []))
    if "Available" not in have:
        ok = avail >= want - math.floor(want * 0.25)
        conds.insert(
            0,
            condition(
                "Available",
                ok,
                since,
                "MinimumReplicasAvailable" if ok else "MinimumReplicasUnavailable",
                f"Deployment {'has' if ok else 'does not have'} minimum availability.",
                update=True,
            ),
        )
    if "Progressing" not in have:
        conds.append(_progressing(dep, rs_name, since, done=updated == want and avail >= want, now=now))
    st["conditions"] = conds


def _progressing(dep: Obj, rs_name: str, since: datetime, *, done: bool, now: datetime) -> Obj:
    """The Progressing condition; a rollout stuck past progressDeadlineSeconds has timed out."""
    if done:
        return condition(
            "Progressing",
            True,
            since,
            "NewReplicaSetAvailable",
            f'ReplicaSet "{rs_name}" has successfully progressed.',
            update=True,
        )
    deadline = since + timedelta(seconds=dep["spec"].get("progressDeadlineSeconds", 600))
    if now >= deadline:
        return condition(
            "Progressing",
            False,
            deadline,
            "ProgressDeadlineExceeded",
            f'ReplicaSet "{rs_name}" has timed out progressing.',
            update=True,
        )
    return condition(
        "Progressing", True, since, "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.', update=True
    )


def _statefulset_status(sts: Obj, pods: list[Obj]) -> None:
    live, st = _live(pods), sts["status"]
    ready = _ready(live)
    st |= {
        "availableReplicas": ready,
        "collisionCount": 0,
        "currentReplicas": len(live),
        "observedGeneration": 1,
        "readyReplicas": ready,
        "replicas": len(live),
        "updatedReplicas": len(live),
    }
    st = dict(sorted(st.items()))
    sts["status"] = {k: v for k, v in st.items() if v != 0 or k in ("replicas", "collisionCount")}


def _daemonset_status(ds: Obj, pods: list[Obj]) -> None:
    live = _live(pods)
    ready = _ready(live)
    ds["status"] = {
        "currentNumberScheduled": len(live),
        "desiredNumberScheduled": len(live),
        "numberAvailable": ready,
        "numberMisscheduled": 0,
        "numberReady": ready,
        "observedGeneration": 1,
        "updatedNumberScheduled": len(live),
    }
    if len(live) - ready:
        ds["status"]["numberUnavailable"] = len(live) - ready
