"""Container-level failures: crash loops, image pulls, config and runtime errors, init containers.

``container_problems(pod, idx)`` returns one :class:`Problem` per failing container, init containers
first (they block everything after them). :mod:`.pods` turns the first into the pod's finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from holmes_nb.analyzers.index import ClusterIndex, Obj, event_text
from holmes_nb.analyzers.safe import as_int
from holmes_nb.analyzers.util import clip, exit_code_meaning, log_gist
from holmes_nb.k8s import ns_name

IMAGE_REASONS = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable"}
CREATE_REASONS = {"CreateContainerError", "RunContainerError", "PreCreateHookError", "PostStartHookError", "StartError"}
CRASH_REASONS = {"CrashLoopBackOff"}


@dataclass
class Problem:
    container: str
    init: bool
    severity: str
    reason: str
    message: str
    evidence: list[str] = field(default_factory=list)


def container_problems(pod: Obj, idx: ClusterIndex) -> list[Problem]:
    """Failing containers of a pod, init containers first."""
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    specs = {c.get("name"): c for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])}
    out = []
    for init, key in ((True, "initContainerStatuses"), (False, "containerStatuses")):
        for cs in status.get(key) or ():
            p = _classify(pod, cs, specs.get(cs.get("name")) or {}, init, idx)
            if p is not None:
                out.append(p)
    return out


def _classify(pod: Obj, cs: Obj, cspec: Obj, init: bool, idx: ClusterIndex) -> Problem | None:
    state = cs.get("state") or {}
    waiting = state.get("waiting") or {}
    reason = waiting.get("reason") or ""
    if reason in CRASH_REASONS:
        return _crash(pod, cs, cspec, init, idx, reason)
    if reason in IMAGE_REASONS:
        return _image(pod, cs, init, idx, reason, cspec)
    if reason == "CreateContainerConfigError":
        return _config(pod, cs, cspec, init, reason)
    if reason in CREATE_REASONS:
        return _runtime(cs, cspec, init, reason, waiting.get("message") or "")
    term = state.get("terminated") or {}
    restarts = ((pod.get("spec") or {}).get("restartPolicy") or "Always") != "Never"
    if term and as_int(term.get("exitCode"), 0) != 0 and (init or restarts):
        return _crash(pod, cs, cspec, init, idx, term.get("reason") or "Error")
    return None


def _tag(reason: str, init: bool) -> str:
    return f"Init:{reason}" if init else reason


def _who(cs: Obj, init: bool) -> str:
    return f"{'init container' if init else 'container'} {cs.get('name')}"


# -- crash loops ------------------------------------------------------------------------------
def _crash(pod: Obj, cs: Obj, cspec: Obj, init: bool, idx: ClusterIndex, reason: str) -> Problem:
    ns, name = ns_name(pod)
    state = cs.get("state") or {}
    last = state.get("terminated") or (cs.get("lastState") or {}).get("terminated") or {}
    code, why = as_int(last.get("exitCode"), None), last.get("reason") or ""
    evidence = [f"{_who(cs, init)}: {reason}, restarts {cs.get('restartCount', 0)}"]
    if last:
        evidence.append(
            f"last exit: {why or 'terminated'}, code {code}"
            + (f" ({exit_code_meaning(code)})" if code is not None else "")
        )
        if last.get("message"):
            evidence.append("termination message: " + clip(last["message"]))
    liveness = [
        e
        for e in idx.events_with_reason("Pod", ns, name, "Unhealthy", "Killing")
        if "liveness" in (e.get("message") or "").lower() and _mentions(e, cs.get("name"))
    ]
    evidence += [event_text(e) for e in liveness[:2]]
    if why in CREATE_REASONS or code == 128:
        evidence += _command(cspec)
    logs, which = idx.crash_log(ns, name, cs.get("name", ""), previous=not state.get("terminated"))
    evidence += [f"log: {line}" for line in logs]
    evidence.append(_log_note(which, bool(state.get("terminated"))))
    if code == 127:
        evidence += _command(cspec)
    message = _crash_message(_who(cs, init), last, cspec, bool(liveness), logs, init)
    if which == "current" and not state.get("terminated"):
        message = message.replace("its log says", "its current log (the last run's output) says")
    return Problem(cs.get("name", ""), init, "critical", _tag(reason, init), message, evidence)


def _log_note(which: str, ran_now: bool) -> str:
    """Which log the quoted lines are, so nobody mistakes the current run's log for the crash's."""
    if which == "previous":
        return "logs: the previous (crashed) run's log"
    if which == "current":
        if ran_now:
            return "logs: the current log of the terminated container"
        return (
            "logs: current log only (the previous run's log is not in the capture); for a container waiting "
            "to restart it is the output of its last failed run"
        )
    if which == "skipped":
        return "logs: not read (the scan's log budget was spent on other containers)"
    return "logs: none captured (neither the previous nor the current log), so the crash output is unknown"


def _mentions(ev: Obj, container: str | None) -> bool:
    path = ((ev.get("involvedObject") or ev.get("regarding") or {}).get("fieldPath")) or ""
    return not path or f"{{{container}}}" in path


def _command(cspec: Obj) -> list[str]:
    cmd = [str(a) for a in (cspec.get("command") or []) + (cspec.get("args") or [])]
    return [clip("command: " + " ".join(cmd), 160)] if cmd else []


def _crash_message(who: str, last: Obj, cspec: Obj, liveness: bool, logs: list[str], init: bool) -> str:
    code, why = as_int(last.get("exitCode"), None), last.get("reason") or ""
    tail = "; the pod's other containers wait until it succeeds" if init else ""
    if why == "OOMKilled":
        limit = ((cspec.get("resources") or {}).get("limits") or {}).get("memory")
        lim = f" ({limit})" if limit else ""
        return (
            f'The {who} is "OOMKilled": it uses more memory than its memory limit{lim} and restarts in a loop{tail}; '
            "raise resources.limits.memory or reduce the app's memory use "
            "(a leak, a cache or a heap sized above the limit)."
        )
    if liveness:  # killed after failed liveness checks, whatever code its shutdown returned
        return (
            f"The {who} is restarted in a loop because its liveness probe keeps failing{tail}; fix the probe "
            "(port, path, initialDelaySeconds, timeoutSeconds) or the health endpoint it checks."
        )
    if why in CREATE_REASONS or code == 128:
        cause = _runtime_cause(last.get("message") or "", "check command/args and the image entrypoint")
        return f"The {who} cannot start ({why or 'exit code 128'}): {cause}{tail}."
    if code == 0 and not init:
        return (
            f"The {who} exits with code 0 as soon as it starts, so Kubernetes restarts it in a loop; its command "
            "must run a long-lived foreground process (check command/args, or use a Job for one-off work)."
        )
    if code == 127:
        return _not_found_message(who, cspec, logs, tail)
    meaning = exit_code_meaning(code) if code is not None else "no exit code recorded"
    gist = log_gist(logs)
    said = f'; its log says "{clip(gist, 160)}"' if gist else ""
    return (
        f"The {who} keeps crashing with exit code {code} ({meaning}){said}{tail}; "
        "fix the cause the logs name and the back-off clears on the next restart."
    )


_NOT_FOUND = re.compile(r"([^\s:'\"]+): (?:command )?not found", re.I)


def _not_found_message(who: str, cspec: Obj, logs: list[str], tail: str) -> str:
    """Exit code 127: name the command the shell could not find (from the log, else the pod spec)."""
    cmd = [str(a) for a in (cspec.get("command") or []) + (cspec.get("args") or [])]
    missing = next((m.group(1) for line in reversed(logs) for m in [_NOT_FOUND.search(line)] if m), "")
    if not missing and cmd:
        shell = cmd[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash", "dash") and len(cmd) > 2
        missing = cmd[2].split()[0] if shell and cmd[2].split() else cmd[0]
    spec = f" (command: {clip(' '.join(cmd), 100)})" if cmd else " (the pod spec sets no command: the image's own"
    spec += "" if cmd else " entrypoint runs)"
    if missing:
        what = f'the command "{missing}" is not found in the image{spec}'
    else:
        what = f"a command is not found in the image, and no log names it{spec}"
    return (
        f"The {who} keeps exiting with code 127 (command not found): {what}{tail}; fix command/args or use an "
        "image that ships that program."
    )


# -- images ----------------------------------------------------------------------------------
_IMAGE_CAUSES = (
    (
        ("manifest unknown", "not found", "no such image"),
        "the image or tag does not exist in the registry: fix the image name or tag",
    ),
    (
        ("pull access denied", "unauthorized", "authentication required", "403 forbidden", "denied"),
        "the registry refused the pull (a missing or private repository): "
        "fix the name or add imagePullSecrets with valid credentials",
    ),
    (("toomanyrequests", "rate limit"), "the registry rate-limited the node: authenticate pulls or use a mirror"),
    (("x509", "certificate"), "the node does not trust the registry's TLS certificate: install its CA on the nodes"),
    (
        (
            "no such host",
            "i/o timeout",
            "connection refused",
            "dial tcp",
            "tls handshake timeout",
            "network is unreachable",
        ),
        "the node cannot reach the registry: check DNS, egress firewall or proxy settings",
    ),
)


_GENERIC_ERROR = re.compile(r"Error: \w+")  # "Error: ErrImagePull" repeats the reason, nothing more


def _image(pod: Obj, cs: Obj, init: bool, idx: ClusterIndex, reason: str, cspec: Obj) -> Problem:
    ns, name = ns_name(pod)
    image = cs.get("image") or cspec.get("image") or ""  # the status may lack it: the spec names it
    waiting = ((cs.get("state") or {}).get("waiting") or {}).get("message") or ""
    events = [
        e
        for e in idx.events_with_reason("Pod", ns, name, "Failed", "InspectFailed", "ErrImageNeverPull")
        if _mentions(e, cs.get("name")) and not _GENERIC_ERROR.fullmatch(e.get("message") or "")
    ]
    evidence = [f"{_who(cs, init)}: {reason}", f"image: {image}"]
    if waiting:
        evidence.append("waiting: " + clip(waiting))
    evidence += [event_text(e) for e in events[:2]]
    text = " ".join([waiting] + [e.get("message") or "" for e in events]).lower()
    if reason == "InvalidImageName":
        cause = (
            "the image reference is malformed (uppercase letters, a stray space or colon): fix spec.containers[].image"
        )
    elif reason == "ErrImageNeverPull":
        cause = "imagePullPolicy is Never and the image is not on the node: preload it or change the policy"
    else:
        cause = next(
            (c for keys, c in _IMAGE_CAUSES if any(k in text for k in keys)),
            "check the image name, the tag and the node's access to the registry",
        )
    msg = f"The {_who(cs, init)} cannot pull image {image!r}; {cause}."
    return Problem(cs.get("name", ""), init, "critical", _tag(reason, init), msg, evidence)


# -- config errors ---------------------------------------------------------------------------
_MISSING_OBJ = re.compile(r'(configmap|secret) "([^"]+)" not found', re.I)
_MISSING_KEY = re.compile(r"couldn't find key (\S+) in (ConfigMap|Secret) ([^/\s]+)/(\S+)", re.I)


def _config(pod: Obj, cs: Obj, cspec: Obj, init: bool, reason: str) -> Problem:
    ns, _ = ns_name(pod)
    text = ((cs.get("state") or {}).get("waiting") or {}).get("message") or ""
    evidence = [f"{_who(cs, init)}: {reason}", "waiting: " + clip(text)]
    m_key, m_obj = _MISSING_KEY.search(text), _MISSING_OBJ.search(text)
    if m_key:
        key, kind, obj = m_key.group(1), m_key.group(2), m_key.group(4)
        msg = (
            f"The {_who(cs, init)} cannot start because {kind} {obj!r} has no key {key!r}; "
            f"add the key to the {kind} or fix the key name in the pod's env."
        )
        evidence += _env_refs(cspec, kind, obj)
    elif m_obj:
        kind = "ConfigMap" if m_obj.group(1).lower() == "configmap" else "Secret"
        obj = m_obj.group(2)
        msg = (
            f"The {_who(cs, init)} cannot start because {kind} {obj!r} does not exist in namespace {ns!r}; "
            f"create it (or fix the name in env/envFrom/volumes), the kubelet retries on its own."
        )
        evidence += _env_refs(cspec, kind, obj)
    elif "runasnonroot" in text.lower():
        msg = (
            f"The {_who(cs, init)} is not allowed to start: securityContext.runAsNonRoot is set "
            "but the image runs as root; "
            "set runAsUser to a non-zero UID or use a non-root image."
        )
    else:
        msg = f"The {_who(cs, init)} cannot be configured; the kubelet's message below names the missing piece."
    return Problem(cs.get("name", ""), init, "critical", _tag(reason, init), msg, evidence)


def _env_refs(cspec: Obj, kind: str, obj: str) -> list[str]:
    """Which env vars / envFrom entries of the container point at the missing object."""
    ref_key = "configMapKeyRef" if kind == "ConfigMap" else "secretKeyRef"
    from_key = "configMapRef" if kind == "ConfigMap" else "secretRef"
    out = []
    for env in cspec.get("env") or ():
        ref = (env.get("valueFrom") or {}).get(ref_key) or {}
        if ref.get("name") == obj:
            opt = " (optional)" if ref.get("optional") else ""
            out.append(f"env {env.get('name')} <- {kind.lower()} {obj} key {ref.get('key')}{opt}")
    for src in cspec.get("envFrom") or ():
        if (src.get(from_key) or {}).get("name") == obj:
            out.append(f"envFrom <- {kind.lower()} {obj}")
    return out[:4]


# -- runtime errors --------------------------------------------------------------------------
_RUNTIME_CAUSES = (
    (
        ("executable file not found", "no such file or directory"),
        "its command (or the image entrypoint) does not exist in the image: fix command/args",
    ),
    (
        ("permission denied",),
        "its command is not executable or a mount is not readable: check file modes and securityContext",
    ),
    (("read-only file system",), "it writes to a read-only path: mount a writable volume (emptyDir) there"),
    (("subpath",), "a volume subPath is invalid: check volumeMounts[].subPath"),
    (
        ("failed to reserve container name",),
        "the runtime is still cleaning up a previous attempt; this usually clears by itself",
    ),
)


_EXEC = re.compile(r'exec: "([^"]+)": (?:executable file not found|stat [^:]+: no such file)')


def _runtime_cause(text: str, default: str) -> str:
    m = _EXEC.search(text)
    if m:
        return (
            f'its command "{m.group(1)}" does not exist in the image (a typo, or a different image): fix command/args'
        )
    low = text.lower()
    return next((c for keys, c in _RUNTIME_CAUSES if any(k in low for k in keys)), default)


def _runtime(cs: Obj, cspec: Obj, init: bool, reason: str, text: str) -> Problem:
    cause = _runtime_cause(text, "the container runtime's message below says why")
    evidence = [f"{_who(cs, init)}: {reason}"] + (["waiting: " + clip(text)] if text else [])
    hook = hook_text(cspec, "postStart") if reason == "PostStartHookError" else ""
    if reason == "PostStartHookError":
        cause = (
            f"its postStart lifecycle hook fails ({hook or 'no hook in the spec'}), so the kubelet kills the "
            "container: fix the hook command or handler"
        )
        evidence += [f"postStart hook: {hook}"] if hook else []
    msg = f"The {_who(cs, init)} cannot be created or started ({reason}); {cause}."
    return Problem(cs.get("name", ""), init, "critical", _tag(reason, init), msg, evidence)


def hook_text(cspec: Obj, hook: str) -> str:
    """``/bin/sh -c warm-cache`` or ``httpGet /hooks/start port 8080``: the hook as the spec writes it."""
    handler = ((cspec.get("lifecycle") or {}).get(hook)) or {}
    if handler.get("exec"):
        return clip(" ".join(str(a) for a in handler["exec"].get("command") or ()), 120)
    if handler.get("httpGet"):
        h = handler["httpGet"]
        return f"httpGet {h.get('path', '/')} port {h.get('port')}"
    return ""
