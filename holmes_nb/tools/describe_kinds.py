"""``describe`` for every kind: the object's table row as ``key: value`` lines, plus what the kind
needs for a diagnosis (a workload's pods, a Service's endpoints, a Node's allocated requests...);
pods and the shared pieces come from holmes_nb.tools.describe.

    doc = describe_object(cluster, resolve_kind("pod"), pod_dict)
    print(doc.text())
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from holmes_nb.frames import cluster_frames as F
from holmes_nb.frames.common import label_selector_text, labels_text
from holmes_nb.frames.config import configmap_keys, secret_keys
from holmes_nb.frames.infra import PRESSURE_CONDITIONS
from holmes_nb.frames.pods import pods_frame_unhealthy_first
from holmes_nb.k8s import age, dig, labels_of, memory_text, name_of, ns_of, owner_refs, parse_quantity
from holmes_nb.sources.base import Cluster, Obj
from holmes_nb.sources.kinds import Kind
from holmes_nb.sources.selectors import match_labels
from holmes_nb.tools.describe import (
    add_events,
    conditions_text,
    container_spec,
    describe_generic,
    describe_pod,
    owner_chain,
)
from holmes_nb.tools.k8s_text import Doc

MAX_PODS = 10


def _row(doc: Doc, frame: Any, skip: tuple[str, ...] = ("namespace", "name", "kind")) -> None:
    """The first row of a one-object frame as ``column: value`` lines (empty cells skipped)."""
    if frame is None or not len(frame):
        return
    rec = frame.astype(object).where(frame.notna(), None).iloc[0]
    for col, value in rec.items():
        if col not in skip and value is not None and value != "":
            doc.kv(col.replace("_", " "), "true" if value is True else ("false" if value is False else value))


def _safe_list(cluster: Cluster, kind: str, namespace: str | None = None) -> list[Obj] | None:
    """The objects, or None when the source cannot tell (kind not captured, or the read failed)."""
    return F.optional_list(cluster, kind, namespace)


def _pods_selected(cluster: Cluster, obj: Obj, doc: Doc, selector: str) -> None:
    if not selector:
        return
    listed = _safe_list(cluster, "pods", ns_of(obj) or None)
    if listed is None:
        doc.kv("pods", "unknown (pods could not be listed)")
        return
    pods = [p for p in listed if match_labels(labels_of(p), selector)]
    doc.kv("pods", f"{len(pods)} match the selector" if pods else "none match the selector")
    if pods:
        frame = pods_frame_unhealthy_first(pods, cluster.now())
        doc.table("pods", frame.drop(columns=["namespace"]), max_rows=MAX_PODS)


# -- workloads --------------------------------------------------------------------------------
def _workload(cluster: Cluster, obj: Obj, doc: Doc) -> None:
    kind = obj.get("kind", "")
    plural = {
        "Deployment": "deployments",
        "StatefulSet": "statefulsets",
        "DaemonSet": "daemonsets",
        "ReplicaSet": "replicasets",
        "Job": "jobs",
        "CronJob": "cronjobs",
    }.get(kind)
    if plural:
        frame = F.workloads_frame({plural: [obj]}, cluster.now(), owned_replicasets=True)
        _row(doc, frame, skip=("kind", "namespace", "name", "status"))  # status: the conditions below say it
    spec = obj.get("spec") or {}
    if kind == "ReplicationController":
        doc.kv("desired", spec.get("replicas", 1))
        doc.kv("ready", dig(obj, "status", "readyReplicas", default=0))
    doc.kv("labels", labels_text(labels_of(obj)))
    doc.kv("controlled by", owner_chain(cluster, obj))
    doc.kv("strategy", dig(spec, "strategy", "type") or dig(spec, "updateStrategy", "type"))
    doc.kv("paused", spec.get("paused"))
    for key in ("backoffLimit", "activeDeadlineSeconds", "parallelism", "concurrencyPolicy", "startingDeadlineSeconds"):
        doc.kv(key, spec.get(key))
    doc.kv("conditions", conditions_text(obj))
    if kind == "Deployment":  # the new revision fails where the previous one ran: say what differs
        from holmes_nb.frames.changes import previous_revision_note

        doc.kv("rollout", previous_revision_note(cluster, obj))
    template = dig(spec, "jobTemplate", "spec", "template") or spec.get("template") or {}
    for c in dig(template, "spec", "containers", default=[]) or []:
        container_spec(doc, c, f"template container {c.get('name')}")
    if kind == "CronJob":
        _cron_jobs(cluster, obj, doc)
        return
    selector = spec.get("selector") or {}
    if kind == "Job" and not selector.get("matchLabels", {}).get("job-name"):
        selector = {"matchLabels": {"job-name": name_of(obj)}}
    sel = (
        label_selector_text(selector)
        if "matchLabels" in selector or "matchExpressions" in selector
        else labels_text(selector)
    )
    doc.kv("selector", sel)
    _pods_selected(cluster, obj, doc, sel)


def _cron_jobs(cluster: Cluster, cron: Obj, doc: Doc) -> None:
    jobs = [
        j
        for j in _safe_list(cluster, "jobs", ns_of(cron)) or []
        if any(r.get("kind") == "CronJob" and r.get("name") == name_of(cron) for r in owner_refs(j))
    ]
    if jobs:
        frame = F.workloads_frame({"jobs": jobs}, cluster.now())
        doc.table("jobs", frame[["name", "completions", "failed", "status", "age"]], max_rows=MAX_PODS)


# -- services and networking ------------------------------------------------------------------
def _service(cluster: Cluster, svc: Obj, doc: Doc) -> None:
    ns = ns_of(svc)
    all_eps = _safe_list(cluster, "endpoints", ns)
    eps = [e for e in all_eps or [] if name_of(e) == name_of(svc)]
    _row(
        doc,
        F.services_frame(
            [svc], cluster.now(), endpoints=None if all_eps is None else eps, pods=_safe_list(cluster, "pods", ns)
        ),
    )
    for ep in eps:
        for subset in ep.get("subsets") or []:
            for key, label in (("addresses", "ready addresses"), ("notReadyAddresses", "not ready addresses")):
                addrs = [
                    f"{a.get('ip')}" + (f" ({dig(a, 'targetRef', 'name')})" if dig(a, "targetRef", "name") else "")
                    for a in subset.get(key) or []
                ]
                doc.kv(label, addrs[:10])
    sel = labels_text(dig(svc, "spec", "selector"))
    _pods_selected(cluster, svc, doc, sel)


def _ingress(cluster: Cluster, ing: Obj, doc: Doc) -> None:
    ns = ns_of(ing)
    frame = F.ingresses_frame(
        [ing],
        cluster.now(),
        ingressclasses=_safe_list(cluster, "ingressclasses"),
        services=_safe_list(cluster, "services", ns),
        secrets=_safe_list(cluster, "secrets", ns),
    )
    _row(doc, frame)


def _networkpolicy(cluster: Cluster, pol: Obj, doc: Doc) -> None:
    _row(doc, F.networkpolicies_frame([pol], cluster.now()))
    for direction, peer_key in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(dig(pol, "spec", direction, default=[]) or []):
            peers = []
            for peer in rule.get(peer_key) or []:
                if "ipBlock" in peer:
                    peers.append(f"ip {peer['ipBlock'].get('cidr')}")
                parts = [
                    f"{key[:-8]} {label_selector_text(peer[key]) or '<all>'}"
                    for key in ("namespaceSelector", "podSelector")
                    if key in peer
                ]
                if parts:
                    peers.append(" & ".join(parts))
            ports = [f"{p.get('port', '*')}/{p.get('protocol', 'TCP')}" for p in rule.get("ports") or []]
            doc.kv(
                f"{direction} rule {i + 1}",
                f"{peer_key} {', '.join(peers) or 'anywhere'}; ports {','.join(ports) or 'all'}",
            )


# -- nodes and storage ------------------------------------------------------------------------
def _node(cluster: Cluster, node: Obj, doc: Doc) -> None:
    _row(doc, F.nodes_frame([node], cluster.now()))
    doc.kv(
        "conditions",
        [c for c in conditions_text(node) if not c.endswith("=False") or c.split("=")[0] not in PRESSURE_CONDITIONS],
    )
    info = dig(node, "status", "nodeInfo", default={})
    doc.kv("kubelet", info.get("kubeletVersion"))
    listed = _safe_list(cluster, "pods")
    if listed is None:
        return
    pods = [
        p
        for p in listed
        if dig(p, "spec", "nodeName") == name_of(node) and dig(p, "status", "phase") not in ("Succeeded", "Failed")
    ]
    doc.kv("pods", len(pods))
    alloc = dig(node, "status", "allocatable", default={})
    for res in ("cpu", "memory"):
        total = sum(_requests(p, res) for p in pods)
        cap = parse_quantity(alloc.get(res))
        if cap:
            shown, of = (
                (f"{total * 1000:.0f}m", alloc.get(res)) if res == "cpu" else (memory_text(total), memory_text(cap))
            )
            doc.kv(f"{res} requested", f"{shown} of {of} allocatable ({100 * total / cap:.0f}%)")


def _requests(pod: Obj, resource: str) -> float:
    return sum(
        parse_quantity(dig(c, "resources", "requests", resource)) or 0
        for c in dig(pod, "spec", "containers", default=[]) or []
    )


def _pvc(cluster: Cluster, pvc: Obj, doc: Doc) -> None:
    _row(doc, F.pvcs_frame([pvc], cluster.now(), storageclasses=_safe_list(cluster, "storageclasses")))
    doc.kv("conditions", conditions_text(pvc))
    users = [
        name_of(p)
        for p in _safe_list(cluster, "pods", ns_of(pvc)) or []
        if any(
            dig(v, "persistentVolumeClaim", "claimName") == name_of(pvc)
            for v in dig(p, "spec", "volumes", default=[]) or []
        )
    ]
    doc.kv("used by pods", users[:10])


# -- config and policy ------------------------------------------------------------------------
def _configmap(cluster: Cluster, cm: Obj, doc: Doc) -> None:
    sizes = {k: len(str(v)) for k, v in (cm.get("data") or {}).items()}
    doc.kv("keys", [f"{k} ({sizes[k]} chars)" if k in sizes else k for k in configmap_keys(cm)] or "(none)")


def _secret(cluster: Cluster, secret: Obj, doc: Doc) -> None:
    doc.kv("type", secret.get("type", "Opaque"))
    doc.kv("keys", secret_keys(secret) or "(none)")
    doc.kv("note", "values are never shown")


def _hpa(cluster: Cluster, hpa: Obj, doc: Doc) -> None:
    _row(doc, F.hpas_frame([hpa], cluster.now()), skip=("namespace", "name", "conditions"))
    doc.kv("conditions", conditions_text(hpa))


def _table_kind(builder: Callable[..., Any]) -> Callable[[Cluster, Obj, Doc], None]:
    def describe(cluster: Cluster, obj: Obj, doc: Doc) -> None:
        frame = builder([obj], cluster.now())
        doc.table("", frame.drop(columns=[c for c in ("namespace", "name") if c in frame.columns]), max_rows=40)

    return describe


def _row_kind(builder: Callable[..., Any]) -> Callable[[Cluster, Obj, Doc], None]:
    def describe(cluster: Cluster, obj: Obj, doc: Doc) -> None:
        _row(doc, builder([obj], cluster.now()))
        doc.kv("labels", labels_text(labels_of(obj)))
        doc.kv("conditions", conditions_text(obj))

    return describe


def _namespace(cluster: Cluster, ns: Obj, doc: Doc) -> None:
    doc.kv("status", dig(ns, "status", "phase", default="Active"))
    doc.kv("labels", labels_text(labels_of(ns)))
    pods = _safe_list(cluster, "pods", name_of(ns))
    if pods is None:
        doc.kv("pods", "unknown (pods could not be listed)")
        return
    bad = F.pods_frame([p for p in pods if F.is_unhealthy(p)], cluster.now())
    doc.kv("pods", f"{len(pods)} ({len(bad)} unhealthy)")
    doc.table("unhealthy pods", bad.drop(columns=["namespace"]), max_rows=MAX_PODS)


def _event(cluster: Cluster, ev: Obj, doc: Doc) -> None:
    from holmes_nb.frames.pods import event_count, event_object, event_time

    kind, name, _ = event_object(ev)
    doc.kv("object", f"{kind.lower()}/{name}")
    doc.kv("type", ev.get("type"))
    doc.kv("reason", ev.get("reason"))
    doc.kv("count", event_count(ev))
    doc.kv("last seen", age(event_time(ev), cluster.now()))
    doc.kv("source", dig(ev, "source", "component") or ev.get("reportingComponent") or ev.get("reportingController"))
    doc.kv("message", ev.get("message") or ev.get("note"))


DESCRIBERS: dict[str, Callable[[Cluster, Obj, Doc], None]] = {
    "pods": describe_pod,
    **{
        k: _workload
        for k in (
            "deployments",
            "statefulsets",
            "daemonsets",
            "replicasets",
            "jobs",
            "cronjobs",
            "replicationcontrollers",
        )
    },
    "services": _service,
    "ingresses": _ingress,
    "networkpolicies": _networkpolicy,
    "nodes": _node,
    "persistentvolumeclaims": _pvc,
    "persistentvolumes": _row_kind(F.pvs_frame),
    "storageclasses": _row_kind(F.storageclasses_frame),
    "ingressclasses": _row_kind(F.ingressclasses_frame),
    "configmaps": _configmap,
    "secrets": _secret,
    "horizontalpodautoscalers": _hpa,
    "resourcequotas": _table_kind(F.quotas_frame),
    "limitranges": _table_kind(F.limitranges_frame),
    "namespaces": _namespace,
    "events": _event,
}


def describe_object(cluster: Cluster, kind: Kind, obj: Obj) -> Doc:
    """The description of ``obj`` (a dict of ``kind``): kind-specific sections plus its events."""
    ns = ns_of(obj)
    doc = Doc(f"{kind.kind} {ns + '/' if ns else ''}{name_of(obj)}")
    describer = DESCRIBERS.get(kind.name)
    if describer is not None:
        describer(cluster, obj, doc)
    else:
        describe_generic(obj, doc, cluster.now())
    if kind.name != "events":
        add_events(cluster, kind, obj, doc)
    return doc
