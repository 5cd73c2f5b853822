"""``describe``: one object as compact text for the model and a long-form DataFrame for people.

What ``kubectl describe`` shows that matters for a diagnosis, without the YAML noise (no uids,
resourceVersion, managedFields, annotations). Env vars show NAMES and where the value comes from,
never a value; Secrets show key names only; command lines have secret-looking flags masked.
This module holds the shared pieces, pods and the generic fallback; the other kinds and
``describe_object``, the entry point, are in holmes_nb.tools.describe_kinds (which imports this one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from holmes_nb.errors import ClusterError, NotFoundError
from holmes_nb.frames.common import label_selector_text, labels_text, resources_text, strip_uids
from holmes_nb.frames.pods import events_for, events_frame, pod_reason, restarts
from holmes_nb.k8s import age, conditions, controller_ref, dig, labels_of, meta, name_of, ns_of, probe_target
from holmes_nb.sources.base import Cluster, Obj
from holmes_nb.sources.kinds import Kind, kind_for
from holmes_nb.tools.k8s_text import Doc, redact_args

MAX_EVENTS = 10
_DEFAULT_TOLERATIONS = {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}


# -- shared pieces ----------------------------------------------------------------------------
def add_events(cluster: Cluster, kind: Kind, obj: Obj, doc: Doc) -> None:
    """The object's recent events, folded, newest first (nothing when the source has none)."""
    try:
        events = cluster.list("events", ns_of(obj) or None, field_selector=f"involvedObject.name={name_of(obj)}")
    except ClusterError as err:
        doc.kv("events", f"could not be read ({err.message[:120]})")
        return
    mine = events_for(events, kind.kind, name_of(obj), ns_of(obj) or None)
    if mine:
        frame = events_frame(mine, cluster.now()).drop(columns=["namespace", "object"])
        doc.table(
            "events (newest first)", frame[["last_seen", "type", "reason", "count", "message"]], max_rows=MAX_EVENTS
        )


def owner_chain(cluster: Cluster, obj: Obj, depth: int = 4) -> str:
    """``ReplicaSet checkout-7d9f -> Deployment checkout`` following controller ownerReferences."""
    chain, cur = [], obj
    for _ in range(depth):
        ref = controller_ref(cur)
        if not ref:
            break
        label = f"{ref.get('kind')} {ref.get('name')}"
        k = kind_for(ref.get("kind", ""))
        if k is None:
            chain.append(label)
            break
        try:
            cur = cluster.get(k, ref.get("name", ""), ns_of(obj) if k.namespaced else None)
        except NotFoundError:
            chain.append(label + " (not found)")
            break
        except ClusterError:
            chain.append(label)
            break
        chain.append(label)
    return " -> ".join(chain)


#: condition types that signal trouble when True (for the rest, False is the trouble)
BAD_WHEN_TRUE = {
    "Failed",
    "FailureTarget",
    "ReplicaFailure",
    "MemoryPressure",
    "DiskPressure",
    "PIDPressure",
    "NetworkUnavailable",
    "ScalingLimited",
    "DisruptionTarget",
    "Suspended",
}


def conditions_text(obj: Obj) -> list[str]:
    """``Ready=False (ContainersNotReady: message)``; healthy conditions get no reason or message."""
    out, last_detail = [], None
    for c in conditions(obj):
        text = f"{c.get('type')}={c.get('status')}"
        detail = ": ".join(x for x in (c.get("reason"), c.get("message")) if x)
        troubled = (c.get("status") == "True") == (c.get("type") in BAD_WHEN_TRUE)
        if detail and troubled:
            text += " (same)" if detail == last_detail else f" ({detail})"
            last_detail = detail
        out.append(text)
    return out


_PROBE_LABELS = {"httpGet": "http-get", "tcpSocket": "tcp"}


def probe_text(probe: Obj | None) -> str:
    """``http-get :8080/healthz delay=10s period=10s failure=3``."""
    if not probe:
        return ""
    handler, target = probe_target(probe)
    what = f"{_PROBE_LABELS.get(handler, handler)} {target}".rstrip()
    opts = [
        f"{label}={probe[key]}{unit}"
        for key, label, unit in (
            ("initialDelaySeconds", "delay", "s"),
            ("timeoutSeconds", "timeout", "s"),
            ("periodSeconds", "period", "s"),
            ("failureThreshold", "failure", ""),
        )
        if probe.get(key) is not None
    ]
    return " ".join([what, *opts])


def env_names(container: Obj) -> list[str]:
    """Env var NAMES with the kind of source, never the value: ``DB_PASSWORD (secret db/pw)``."""
    out = []
    for e in container.get("env") or []:
        src = e.get("valueFrom") or {}
        if "secretKeyRef" in src:
            ref = src["secretKeyRef"]
            how = f"secret {ref.get('name')}/{ref.get('key')}" + (" optional" if ref.get("optional") else "")
        elif "configMapKeyRef" in src:
            ref = src["configMapKeyRef"]
            how = f"configmap {ref.get('name')}/{ref.get('key')}" + (" optional" if ref.get("optional") else "")
        elif "fieldRef" in src:
            how = f"field {src['fieldRef'].get('fieldPath')}"
        elif "resourceFieldRef" in src:
            how = f"resource {src['resourceFieldRef'].get('resource')}"
        else:
            how = "value"
        out.append(f"{e.get('name')} ({how})")
    for ef in container.get("envFrom") or []:
        for key, label in (("configMapRef", "configmap"), ("secretRef", "secret")):
            if key in ef:
                out.append(
                    f"all keys of {label} {ef[key].get('name')}"
                    + (f" prefix {ef['prefix']}" if ef.get("prefix") else "")
                )
    return out


def _is_token_volume(name: str) -> bool:
    return name.startswith("kube-api-access-")


def container_spec(doc: Doc, c: Obj, section: str) -> None:
    """Image, command, resources, probes, ports, mounts and env NAMES of a container spec."""
    doc.kv("image", c.get("image"), section)
    doc.kv(
        "command" if c.get("command") else "args",
        redact_args((c.get("command") or []) + (c.get("args") or [])),
        section,
    )
    doc.kv("resources", resources_text(c.get("resources")) or "none set", section)
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        doc.kv(key.replace("Probe", ""), probe_text(c.get(key)), section)
    ports = [f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in c.get("ports") or []]
    doc.kv("ports", ",".join(ports), section)
    mounts = [
        f"{m.get('mountPath')}<-{m.get('name')}" + (" ro" if m.get("readOnly") else "")
        for m in c.get("volumeMounts") or []
        if not _is_token_volume(m.get("name", ""))
    ]
    doc.kv("mounts", mounts, section)
    doc.kv("env", env_names(c), section)


def _state_text(state: Obj | None, now) -> str:
    if not state:
        return ""
    if "running" in state:
        return f"running, started {age(state['running'].get('startedAt'), now) or '?'} ago"
    if "waiting" in state:
        w = state["waiting"]
        return "waiting " + strip_uids(": ".join(x for x in (w.get("reason"), w.get("message")) if x))
    t = state.get("terminated") or {}
    text = f"terminated {t.get('reason') or ''}, exit {t.get('exitCode')}"
    if t.get("signal"):
        text += f", signal {t['signal']}"
    if t.get("finishedAt"):
        text += f", {age(t['finishedAt'], now) or '?'} ago"
    return text + (f": {t['message'].strip()}" if t.get("message") else "")


def _volume_text(v: Obj) -> str:
    for key, label, ref in (
        ("configMap", "configmap", "name"),
        ("secret", "secret", "secretName"),
        ("persistentVolumeClaim", "pvc", "claimName"),
        ("hostPath", "hostPath", "path"),
    ):
        if key in v:
            return f"{v['name']}: {label} {v[key].get(ref, '')}" + (" optional" if v[key].get("optional") else "")
    kind = next((k for k in v if k != "name"), "?")
    return f"{v['name']}: {kind}"


# -- pods -------------------------------------------------------------------------------------
def describe_pod(cluster: Cluster, pod: Obj, doc: Doc) -> None:
    now = cluster.now()
    status, spec = pod.get("status") or {}, pod.get("spec") or {}
    ready = sum(1 for cs in status.get("containerStatuses") or [] if cs.get("ready"))
    doc.kv(
        "status",
        f"{status.get('phase', 'Unknown')}, ready {ready}/{len(spec.get('containers') or [])}, restarts {restarts(pod)}",
    )
    doc.kv("reason", pod_reason(pod))
    doc.kv("message", status.get("message"))
    doc.kv("node", spec.get("nodeName") or "(not scheduled)")
    doc.kv("ip", status.get("podIP"))
    doc.kv("qos", status.get("qosClass"))
    doc.kv("age", age(meta(pod).get("creationTimestamp"), now))
    doc.kv("labels", labels_text(labels_of(pod)))
    doc.kv("controlled by", owner_chain(cluster, pod))
    doc.kv("service account", spec.get("serviceAccountName") if spec.get("serviceAccountName") != "default" else None)
    _scheduling(doc, spec)
    doc.kv("conditions", conditions_text(pod))
    statuses = {("init", cs.get("name")): cs for cs in status.get("initContainerStatuses") or []}
    statuses.update({("main", cs.get("name")): cs for cs in status.get("containerStatuses") or []})
    for group, containers in (("init", spec.get("initContainers")), ("main", spec.get("containers"))):
        for c in containers or []:
            section = f"{'init container' if group == 'init' else 'container'} {c.get('name')}"
            cs = statuses.get((group, c.get("name"))) or {}
            doc.kv("state", _state_text(cs.get("state"), now) or "unknown (no status yet)", section)
            doc.kv("last state", _state_text(cs.get("lastState"), now), section)
            if cs:
                doc.kv("ready", "true" if cs.get("ready") else "false", section)
                doc.kv("restarts", cs.get("restartCount") or None, section)
            container_spec(doc, c, section)
    volumes = [_volume_text(v) for v in spec.get("volumes") or [] if not _is_token_volume(v.get("name", ""))]
    doc.kv("volumes", volumes)


def _scheduling(doc: Doc, spec: Obj) -> None:
    """Node selector, non-default tolerations and required (anti-)affinity terms."""
    doc.kv("node selector", labels_text(spec.get("nodeSelector")))
    tolerations = [
        f"{t.get('key', '*')}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect', '*')}"
        for t in spec.get("tolerations") or []
        if t.get("key") not in _DEFAULT_TOLERATIONS
    ]
    doc.kv("tolerations", tolerations)
    aff = spec.get("affinity") or {}
    terms = dig(aff, "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms", default=[])
    for term in terms or []:
        exprs = [
            f"{e.get('key')} {e.get('operator')} ({','.join(e.get('values') or [])})"
            for e in term.get("matchExpressions") or []
        ]
        doc.kv("node affinity (required)", exprs)
    for key in ("podAffinity", "podAntiAffinity"):
        for term in dig(aff, key, "requiredDuringSchedulingIgnoredDuringExecution", default=[]) or []:
            sel = label_selector_text(term.get("labelSelector"))
            doc.kv(f"{key} (required)", f"{sel} per {term.get('topologyKey')}")


# -- anything else ----------------------------------------------------------------------------
_SKIP_TOP = {"apiVersion", "kind", "metadata", "data", "stringData", "binaryData", "dataKeys"}


def describe_generic(obj: Obj, doc: Doc, now: datetime, max_lines: int = 40) -> None:
    """Flattened ``path: value`` lines of everything but metadata and data values."""
    doc.kv("labels", labels_text(labels_of(obj)))
    doc.kv("age", age(meta(obj).get("creationTimestamp"), now))
    lines: list[tuple[str, Any]] = []
    for key, value in obj.items():
        if key not in _SKIP_TOP:
            _flatten(key, value, lines)
    for path, value in lines[:max_lines]:
        doc.kv(path, value)
    if len(lines) > max_lines:
        doc.kv("(more)", f"{len(lines) - max_lines} more fields not shown")


_NOISE_KEYS = {"uid", "resourceVersion", "managedFields", "selfLink", "generation"}


def _flatten(path: str, value: Any, out: list[tuple[str, Any]], depth: int = 0) -> None:
    key = path.rsplit(".", 1)[-1]
    if key in _NOISE_KEYS or (key == "value" and ".env" in path):
        return  # YAML noise, or an env value
    if isinstance(value, dict) and depth < 4:
        for k, v in value.items():
            _flatten(f"{path}.{k}", v, out, depth + 1)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value) and depth < 4:
        for i, v in enumerate(value[:5]):
            _flatten(f"{path}[{i}]", v, out, depth + 1)
    elif isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)):
        out.append((path, f"({len(value)} items not shown)"))  # never stringify nested data: it may hold values
    elif value not in (None, "", []):
        out.append((path, ",".join(map(str, value)) if isinstance(value, list) else value))
