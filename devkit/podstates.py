"""Put a healthy pod from :func:`.objects.pod` into a failure state, exactly as kubelet reports it.

Each function mutates the pod dict; :func:`derive_conditions` then recomputes its conditions
and phase from the container states (kubelet's rules), so every pod stays self-consistent.

    crashloop(p, "checkout", restarts=14, exit_code=1, last_started=t1, last_finished=t2)
    derive_conditions(p)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from devkit.objects import condition, container_id, status_of, terminated, ts, waiting_status
from holmes_nb.k8s import Obj, parse_time


def _key(p: Obj) -> str:
    m = p["metadata"]
    return f"{m['name']}_{m['namespace']}({m['uid']})"


def crashloop(
    p: Obj,
    container: str,
    *,
    restarts: int,
    last_started: datetime,
    last_finished: datetime,
    exit_code: int = 1,
    reason: str = "Error",
    backoff: str = "5m0s",
    message: str | None = None,
) -> None:
    """Waiting in CrashLoopBackOff after the last run ended with ``reason``/``exit_code``."""
    s = status_of(p, container)
    cid = container_id(p["metadata"]["name"], container, restarts)
    s["containerID"] = cid
    s["lastState"] = {"terminated": terminated(reason, exit_code, last_started, last_finished, cid, message)}
    s |= {"ready": False, "restartCount": restarts, "started": False}
    s["state"] = {
        "waiting": {
            "message": f"back-off {backoff} restarting failed container={container} pod={_key(p)}",
            "reason": "CrashLoopBackOff",
        }
    }


def restarted(
    p: Obj,
    container: str,
    *,
    restarts: int,
    last_started: datetime,
    last_finished: datetime,
    exit_code: int,
    reason: str,
    ready: bool = True,
) -> None:
    """Running again after ``restarts`` restarts; ``lastState`` keeps the previous termination."""
    s = status_of(p, container)
    old_cid = container_id(p["metadata"]["name"], container, restarts - 1)
    s["lastState"] = {"terminated": terminated(reason, exit_code, last_started, last_finished, old_cid)}
    s["containerID"] = container_id(p["metadata"]["name"], container, restarts)
    s |= {"ready": ready, "restartCount": restarts, "started": True}
    s["state"] = {"running": {"startedAt": ts(last_finished + timedelta(seconds=1))}}


def waiting(p: Obj, container: str, reason: str, message: str | None = None, *, sandbox: bool = True) -> None:
    """Never started: ContainerCreating, ErrImagePull/ImagePullBackOff, CreateContainerConfigError.

    ``sandbox=False``: the pod sandbox was never created (volumes failed to mount), so no pod IP."""
    if not sandbox:
        for key in ("podIP", "podIPs"):
            p["status"].pop(key, None)
    s = status_of(p, container)
    s.pop("containerID", None)
    s |= waiting_status(_spec(p, container), reason, message)


def not_ready(p: Obj, container: str) -> None:
    """Running but failing its readiness probe."""
    status_of(p, container)["ready"] = False


def init_crashloop(
    p: Obj,
    init: str,
    *,
    restarts: int,
    exit_code: int,
    reason: str,
    message: str,
    last_started: datetime,
    last_finished: datetime,
) -> None:
    """An init container that keeps failing; the app containers wait in PodInitializing."""
    crashloop(
        p,
        init,
        restarts=restarts,
        exit_code=exit_code,
        reason=reason,
        message=message,
        last_started=last_started,
        last_finished=last_finished,
    )
    for c in p["spec"]["containers"]:
        waiting(p, c["name"], "PodInitializing")


def unschedulable(p: Obj, message: str, since: datetime) -> None:
    """Pending: the scheduler found no node (``message`` as in the FailedScheduling event)."""
    p["spec"].pop("nodeName", None)
    p["status"] = {
        "conditions": [condition("PodScheduled", False, since, "Unschedulable", message, probe=True)],
        "phase": "Pending",
        "qosClass": p["status"]["qosClass"],
    }


def evicted(p: Obj, message: str, at: datetime) -> None:
    """Evicted by the kubelet under node pressure: phase Failed, reason Evicted."""
    st = p["status"]
    for s in st["containerStatuses"]:
        s |= {"ready": False, "started": False, "lastState": {}}
        s["state"] = {
            "terminated": {
                "exitCode": 137,
                "finishedAt": None,
                "message": "The container could not be located when the pod was terminated",
                "reason": "ContainerStatusUnknown",
                "startedAt": None,
            }
        }
    st |= {"phase": "Failed", "reason": "Evicted", "message": message}
    st["conditions"] = [
        condition("DisruptionTarget", True, at, "TerminationByKubelet", message, probe=True),
        condition("PodReadyToStartContainers", False, at, probe=True),
        condition("Initialized", True, _created(p), probe=True),
        condition("Ready", False, at, "PodFailed", probe=True),
        condition("ContainersReady", False, at, "PodFailed", probe=True),
        condition("PodScheduled", True, _created(p), probe=True),
    ]


def finished(p: Obj, *, exit_code: int, started: datetime, ended: datetime, reason: str | None = None) -> None:
    """A run-to-completion pod (restartPolicy Never) that exited: Succeeded or Failed."""
    for s in p["status"]["containerStatuses"]:
        s |= {"ready": False, "started": False}
        why = reason or ("Completed" if exit_code == 0 else "Error")
        s["state"] = {"terminated": terminated(why, exit_code, started, ended, s["containerID"])}
    p["status"]["phase"] = "Succeeded" if exit_code == 0 else "Failed"
    p["status"]["conditions"] = [
        condition("PodReadyToStartContainers", False, ended, probe=True),
        condition("Initialized", True, _created(p), probe=True),
        condition("Ready", False, ended, "PodCompleted", probe=True),
        condition("ContainersReady", False, ended, "PodCompleted", probe=True),
        condition("PodScheduled", True, _created(p), probe=True),
    ]


def derive_conditions(p: Obj) -> None:
    """Recompute phase and conditions of a bound, non-terminal pod from its container states."""
    st = p["status"]
    if st.get("phase") in ("Failed", "Succeeded") or not p["spec"].get("nodeName"):
        return
    created = _created(p)
    inits, conts = st.get("initContainerStatuses") or [], st.get("containerStatuses") or []
    pending_inits = [s["name"] for s in inits if "terminated" not in s["state"] or s["state"]["terminated"]["exitCode"]]
    unready = [s["name"] for s in conts if not s["ready"]]
    sandbox = bool(st.get("podIP"))
    changed = _last_change(inits + conts, created)
    st["conditions"] = [
        condition("PodReadyToStartContainers", sandbox, created + timedelta(seconds=2), probe=True),
        condition(
            "Initialized",
            not pending_inits,
            changed if pending_inits else created + timedelta(seconds=2),
            "ContainersNotInitialized" if pending_inits else None,
            f"containers with incomplete status: [{' '.join(pending_inits)}]" if pending_inits else None,
            probe=True,
        ),
        _ready("Ready", unready, changed),
        _ready("ContainersReady", unready, changed),
        condition("PodScheduled", True, created, probe=True),
    ]
    ever_ran = any("running" in s["state"] or s["lastState"] or s["restartCount"] for s in conts)
    st["phase"] = "Running" if not pending_inits and ever_ran else "Pending"


def _ready(ctype: str, unready: list[str], at: datetime) -> Obj:
    if not unready:
        return condition(ctype, True, at, probe=True)
    return condition(
        ctype, False, at, "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]", probe=True
    )


def _last_change(statuses: list[Obj], created: datetime) -> datetime:
    """When the newest container state began (the time the Ready condition last flipped)."""
    times = [created + timedelta(seconds=5)]
    for s in statuses:
        for state in (s["state"], s["lastState"]):
            for key in ("running", "terminated"):
                t = (state.get(key) or {}).get("startedAt" if key == "running" else "finishedAt")
                if t:
                    times.append(parse_time(t))
    return max(times)


def _created(p: Obj) -> datetime:
    return parse_time(p["metadata"]["creationTimestamp"])


def _spec(p: Obj, container: str) -> Obj:
    for c in (p["spec"].get("initContainers") or []) + p["spec"]["containers"]:
        if c["name"] == container:
            return c
    raise KeyError(container)
