"""Failing readiness, liveness and startup probes, explained with the probe's own spec and, when
the endpoint answers "unhealthy", the app's own last error line.

The kubelet reports probe failures as Unhealthy events ("Readiness probe failed: HTTP probe
failed with statuscode: 503"). The finding says which probe fails, what the failure text
means, and checks the probe against the container (a port no container port exposes).
"""

from __future__ import annotations

import re

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj, event_count, event_text
from holmes_nb.analyzers.safe import as_int
from holmes_nb.analyzers.util import clip, error_gist
from holmes_nb.k8s import ns_name, probe_target, seconds_since

_KINDS = (("readiness", "readinessProbe"), ("liveness", "livenessProbe"), ("startup", "startupProbe"))
_STATUS = re.compile(r"statuscode: (\d+)", re.I)
_CONTAINER = re.compile(r"\{([^}]+)\}")
#: a Ready pod's liveness failures count only when its last restart is this recent
RECENT_RESTART_S = 3600


def probe_finding(pod: Obj, idx: ClusterIndex, *, ready: bool) -> Finding | None:
    """A finding for a pod whose probes fail, or None.

    Not Ready pods: any Unhealthy event explains them. Ready pods: only liveness failures that
    restarted a container within the last hour (old startup blips are noise).
    """
    ns, name = ns_name(pod)
    picked = _pick_event(pod, idx, ready)
    if picked is None:
        return None
    ev, probe, container = picked
    cspec = _container_spec(pod, container)
    pspec = cspec.get(dict(_KINDS)[probe]) or {}
    port_note = _port_mismatch(pspec, cspec)
    cause = _cause(ev.get("message") or ev.get("note") or "", port_note)
    # the endpoint answers but says "unhealthy": the app's own log usually says why
    gist = "" if port_note else error_gist(idx.log_tail(ns, name, container, previous=False))
    if gist:
        cause += f'; its log says "{clip(gist, 160)}"'
    restarts = _restarts(pod, container)
    evidence = [event_text(ev), f"{probe}Probe: {describe_probe(pspec)}" if pspec else f"{probe}Probe: (not in spec)"]
    evidence += [port_note] if port_note else []
    evidence += [f"log: {clip(gist, 200)}"] if gist else []
    evidence += [f"container {container}: restarts {restarts}"] if restarts else []
    severity, reason, message = _message(probe, container, cause, event_count(ev))
    return Finding("Pod", ns, name, severity, reason, message, evidence)


def _pick_event(pod: Obj, idx: ClusterIndex, ready: bool) -> tuple[Obj, str, str] | None:
    """(the Unhealthy event to explain, probe kind, container), newest first."""
    events = idx.events_with_reason("Pod", *ns_name(pod), "Unhealthy")
    if ready:  # a Ready pod: only a liveness probe that restarted the container recently matters
        events = [e for e in events if (e.get("message") or e.get("note") or "").lower().startswith("liveness")]
        events = [e for e in events if _restarted_recently(pod, _container_of(e, pod), idx)]
    if not events:
        return None
    ev = events[0]
    text = (ev.get("message") or ev.get("note") or "").lower()
    probe = next((p for p, _ in _KINDS if text.startswith(p)), "readiness")
    return ev, probe, _container_of(ev, pod)


def _message(probe: str, container: str, cause: str, failures: int) -> tuple[str, str, str]:
    """(severity, reason, message) for a failing probe."""
    if probe == "readiness":
        return (
            "critical",
            "ReadinessProbeFailed",
            f"Container {container} runs but is not Ready because its readiness probe fails ({cause}); until it "
            "passes, Services send the pod no traffic.",
        )
    if probe == "startup":
        return (
            "critical",
            "StartupProbeFailed",
            f"Container {container} never finishes starting because its startup probe fails ({cause}); raise "
            "failureThreshold x periodSeconds if the app is just slow, else fix the probe or the app.",
        )
    return (
        "critical",
        "LivenessProbeFailed",
        f"Container {container}'s liveness probe fails ({cause}), so the kubelet keeps restarting it; fix the "
        f"probe or the endpoint it checks ({failures} failures so far).",
    )


def _container_of(ev: Obj, pod: Obj) -> str:
    path = (ev.get("involvedObject") or ev.get("regarding") or {}).get("fieldPath") or ""
    m = _CONTAINER.search(path)
    if m:
        return m.group(1)
    containers = (pod.get("spec") or {}).get("containers") or [{}]
    return containers[0].get("name", "")


def _container_spec(pod: Obj, name: str) -> Obj:
    for c in (pod.get("spec") or {}).get("containers") or ():
        if c.get("name") == name:
            return c
    return {}


def _restarts(pod: Obj, container: str) -> int:
    for cs in (pod.get("status") or {}).get("containerStatuses") or ():
        if cs.get("name") == container:
            return as_int(cs.get("restartCount"), 0) or 0
    return 0


def _restarted_recently(pod: Obj, container: str, idx: ClusterIndex) -> bool:
    for cs in (pod.get("status") or {}).get("containerStatuses") or ():
        if cs.get("name") == container:
            finished = ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
            since = seconds_since(finished, idx.now)
            return since is not None and since < RECENT_RESTART_S
    return False


def describe_probe(p: Obj) -> str:
    """``httpGet :8080/healthz, every 10s, timeout 1s, 3 failures``."""
    handler, target = probe_target(p)
    how = f"{handler} {target}"[:80].rstrip()
    timing = (
        f"every {p.get('periodSeconds', 10)}s, timeout {p.get('timeoutSeconds', 1)}s, "
        f"{p.get('failureThreshold', 3)} failures, delay {p.get('initialDelaySeconds', 0)}s"
    )
    return f"{how} ({timing})"


def _probe_port(p: Obj):
    for key in ("httpGet", "tcpSocket", "grpc"):
        if key in p:
            return p[key].get("port")
    return None


def _port_mismatch(pspec: Obj, cspec: Obj) -> str:
    """A note when the probe's port is not one the container declares ('' when it is, or unknown)."""
    port = _probe_port(pspec)
    declared = cspec.get("ports") or []
    if port is None or not declared:
        return ""
    numbers = [p.get("containerPort") for p in declared]
    names = [p.get("name") for p in declared if p.get("name")]
    if isinstance(port, str) and not port.isdigit():
        return (
            ""
            if port in names
            else f"probe port {port!r} is not a named port of the container ({', '.join(names) or 'none'})"
        )
    if int(port) in numbers:
        return ""
    return f"probe port {port} is not among the container's ports ({', '.join(str(n) for n in numbers)})"


def _cause(text: str, port_note: str) -> str:
    low = text.lower()
    if "connection refused" in low:
        return "nothing listens on the probed port" + (f": {port_note}" if port_note else "")
    m = _STATUS.search(text)
    if m:
        code = int(m.group(1))
        if code == 404:
            return "the probe path does not exist (HTTP 404): fix httpGet.path"
        if code in (401, 403):
            return f"the endpoint requires authentication (HTTP {code}): probe an unauthenticated health path"
        return (
            f"the health endpoint answers HTTP {code}: the app reports itself unhealthy, "
            "often because a dependency it checks is down"
        )
    if "timeout" in low or "deadline exceeded" in low:
        return "the endpoint answers too slowly: raise timeoutSeconds or fix what makes it slow"
    if "no route to host" in low or "no such host" in low:
        return "the pod's network is not reachable from the kubelet"
    if port_note:
        return port_note
    return "see the probe failure message"
