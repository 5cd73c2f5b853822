"""Frames for pods, events and log lines: the first things an SRE looks at.

All builders are pure: object dicts (Kubernetes JSON shape) and a reference ``now`` in,
a pandas DataFrame out. Ages are relative to ``now`` so a snapshot always shows the same ages.

    df = pods_frame(cluster.list("pods", "shop"), cluster.now())
    ev = events_frame(cluster.list("events", "shop"), cluster.now())
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from holmes_nb.frames.common import created_age, strip_uids
from holmes_nb.k8s import Obj, age, condition, dig, meta, name_of, ns_of, parse_time
from holmes_nb.redact import scrub

POD_COLUMNS = ["namespace", "name", "phase", "ready", "restarts", "reason", "age", "node"]
EVENT_COLUMNS = ["namespace", "last_seen", "type", "reason", "object", "message", "count"]

#: waiting reasons that mean "nothing is wrong yet"
_BENIGN_WAITING = {"ContainerCreating", "PodInitializing"}


def _last_termination(cs: Obj) -> str:
    """``"OOMKilled, exit 137"`` from a container status's lastState (``""`` when none)."""
    term = dig(cs, "lastState", "terminated")
    if not term:
        return ""
    reason = term.get("reason") or "Terminated"
    code = term.get("exitCode")
    return f"{reason}, exit {code}" if code is not None else reason


def _init_reason(pod: Obj) -> str:
    """kubectl's ``Init:N/M`` / ``Init:CrashLoopBackOff`` / ``Init:Error`` status, or ``""``."""
    statuses = dig(pod, "status", "initContainerStatuses", default=[]) or []
    total = len(dig(pod, "spec", "initContainers", default=[]) or []) or len(statuses)
    for i, cs in enumerate(statuses):
        term = dig(cs, "state", "terminated")
        if term and term.get("exitCode") == 0:
            continue
        if term:
            return "Init:" + (term.get("reason") or f"ExitCode:{term.get('exitCode')}")
        waiting = dig(cs, "state", "waiting", "reason")
        if waiting and waiting != "PodInitializing":
            last = _last_termination(cs)
            return f"Init:{waiting}" + (f" ({last})" if last else "")
        return f"Init:{i}/{total}"
    return ""


def _container_reason(pod: Obj) -> str:
    """The most telling reason among the regular containers (waiting beats terminated)."""
    waiting, terminated = [], []
    for cs in dig(pod, "status", "containerStatuses", default=[]) or []:
        w = dig(cs, "state", "waiting")
        if w and w.get("reason"):
            last = _last_termination(cs)
            waiting.append(w["reason"] + (f" ({last})" if last else ""))
        t = dig(cs, "state", "terminated")
        if t and (t.get("exitCode") or 0) != 0:
            terminated.append(f"{t.get('reason') or 'Error'} (exit {t.get('exitCode')})")
    serious = [w for w in waiting if w.split(" ")[0] not in _BENIGN_WAITING]
    return (serious or terminated or waiting or [""])[0]


def pod_reason(pod: Obj) -> str:
    """The single most telling status reason of a pod, e.g. ``CrashLoopBackOff (OOMKilled, exit 137)``,
    ``ImagePullBackOff``, ``Unschedulable``, ``Evicted``, ``Init:Error``, ``NotReady``; ``""`` if healthy."""
    if meta(pod).get("deletionTimestamp"):
        return "Terminating"
    status = pod.get("status") or {}
    if status.get("reason"):  # Evicted, NodeLost, OutOfcpu, UnexpectedAdmissionError ...
        return status["reason"]
    init = _init_reason(pod)
    if init:
        return init
    reason = _container_reason(pod)
    if reason:
        return reason
    phase = status.get("phase")
    scheduled = condition(pod, "PodScheduled")
    if phase == "Pending" and scheduled and scheduled.get("status") == "False":
        return scheduled.get("reason") or "Unschedulable"
    if phase == "Running" and not _all_ready(pod):
        return "NotReady"
    return ""


def _ready_counts(pod: Obj) -> tuple[int, int]:
    statuses = dig(pod, "status", "containerStatuses", default=[]) or []
    total = len(dig(pod, "spec", "containers", default=[]) or []) or len(statuses)
    return sum(1 for cs in statuses if cs.get("ready")), total


def _all_ready(pod: Obj) -> bool:
    ready, total = _ready_counts(pod)
    return ready >= total


def restarts(pod: Obj) -> int:
    return sum(int(cs.get("restartCount") or 0) for cs in dig(pod, "status", "containerStatuses", default=[]) or [])


def is_unhealthy(pod: Obj) -> bool:
    """True for pods that need a look: Pending/Failed/Unknown, waiting on an error, or Running but not
    ready. Completed (Succeeded) pods and ready pods with old restarts count as healthy."""
    phase = dig(pod, "status", "phase")
    if phase == "Succeeded":
        return False
    if phase != "Running":
        return True
    reason = pod_reason(pod)
    return bool(reason) and reason != "Terminating"


def pods_frame(pods: Iterable[Obj], now: datetime) -> Any:
    """One row per pod: namespace, name, phase, ready ("1/2"), restarts, reason, age, node."""
    import pandas as pd

    rows = []
    for p in pods:
        ready, total = _ready_counts(p)
        rows.append(
            {
                "namespace": ns_of(p),
                "name": name_of(p),
                "phase": dig(p, "status", "phase", default="Unknown"),
                "ready": f"{ready}/{total}",
                "restarts": restarts(p),
                "reason": pod_reason(p),
                "age": created_age(p, now),
                "node": dig(p, "spec", "nodeName", default=""),
            }
        )
    rows.sort(key=lambda r: (r["namespace"], r["name"]))
    return pd.DataFrame(rows, columns=POD_COLUMNS)


def pods_frame_unhealthy_first(pods: Iterable[Obj], now: datetime) -> Any:
    """:func:`pods_frame` with the unhealthy pods on top, so a cut list still shows them."""
    import pandas as pd

    pods = list(pods)
    bad = [p for p in pods if is_unhealthy(p)]
    good = [p for p in pods if not is_unhealthy(p)]
    if not bad or not good:
        return pods_frame(pods, now)
    return pd.concat([pods_frame(bad, now), pods_frame(good, now)], ignore_index=True)


# -- events -------------------------------------------------------------------------------------
def event_time(ev: Obj) -> datetime | None:
    """When an event was last seen (series, lastTimestamp, eventTime, firstTimestamp, creation)."""
    for value in (
        dig(ev, "series", "lastObservedTime"),
        ev.get("lastTimestamp"),
        ev.get("eventTime"),
        ev.get("firstTimestamp"),
        dig(ev, "deprecatedLastTimestamp"),
        meta(ev).get("creationTimestamp"),
    ):
        t = parse_time(value)
        if t is not None:
            return t
    return None


def event_object(ev: Obj) -> tuple[str, str, str]:
    """(kind, name, namespace) of the object an event is about (core/v1 or events.k8s.io/v1 shape)."""
    ref = ev.get("involvedObject") or ev.get("regarding") or {}
    return ref.get("kind", ""), ref.get("name", ""), ref.get("namespace") or ns_of(ev)


def event_count(ev: Obj) -> int:
    return int(ev.get("count") or dig(ev, "series", "count") or ev.get("deprecatedCount") or 1)


def events_frame(events: Iterable[Obj], now: datetime) -> Any:
    """Events newest first, repeats folded: same object + reason + message is one row whose
    ``count`` adds up the repeats. Columns: namespace, last_seen, type, reason, object, message, count."""
    import pandas as pd

    folded: dict[tuple, dict[str, Any]] = {}
    for ev in events:
        kind, name, namespace = event_object(ev)
        message = scrub(strip_uids((ev.get("message") or ev.get("note") or "").strip()))
        key = (namespace, kind, name, ev.get("reason", ""), message)
        when = event_time(ev)
        row = folded.get(key)
        if row is None:
            folded[key] = {
                "namespace": namespace,
                "when": when,
                "type": ev.get("type", ""),
                "reason": ev.get("reason", ""),
                "object": f"{kind.lower()}/{name}" if kind else name,
                "message": message,
                "count": event_count(ev),
            }
            continue
        row["count"] += event_count(ev)
        if when is not None and (row["when"] is None or when > row["when"]):
            row["when"], row["type"] = when, ev.get("type", row["type"])
    rows = sorted(folded.values(), key=lambda r: (r["when"] is not None, r["when"] or now), reverse=True)
    for r in rows:
        r["last_seen"] = age(r.pop("when"), now)
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)


def events_for(events: Iterable[Obj], kind: str | None, name: str, namespace: str | None = None) -> list[Obj]:
    """The events about one object (``kind`` compared case-insensitively; None matches any kind)."""
    out = []
    for ev in events:
        k, n, ns = event_object(ev)
        if n != name or (kind and k.lower() != kind.lower()) or (namespace and ns and ns != namespace):
            continue
        out.append(ev)
    return out


# -- logs ---------------------------------------------------------------------------------------
def logs_frame(text: str) -> Any:
    """Log text as a DataFrame of lines: ``line`` (1-based number) and ``text`` (secrets scrubbed)."""
    import pandas as pd

    lines = scrub(text).splitlines()
    return pd.DataFrame({"line": range(1, len(lines) + 1), "text": lines}, columns=["line", "text"])
