"""Builders for the analyzer tests: objects in the shape the API server and kubelet write them.

Every timestamp is relative to ``NOW`` (the snapshot's capture time), so ages are stable.

    snap = cluster(pod("web-1", statuses=[running("web")]), event("Pod", "web-1", "Unhealthy", "..."))
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from devkit import objects as o
from holmes_nb.analyzers import Finding
from holmes_nb.sources.snapshot import Snapshot

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
NS = "shop"
IMAGE = "ghcr.io/acme/app:1.4.2"


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def ts(**delta) -> str:
    return o.ts(ago(**delta))


def owner_ref(kind: str, name: str, api_version: str = "apps/v1") -> dict:
    """An ownerReferences entry to a controller that need not exist in the snapshot."""
    return o.owner_ref_to(api_version, kind, name, f"uid-{name}")


def meta(name, ns=NS, *, labels=None, owner=None, created=None, **extra):
    ref = owner_ref(*owner) if owner else None
    m = o.meta(name, ns, ago(days=2), labels=labels, owner=ref, uid_text=f"uid-{name}", resource_version_text="4711")
    if created:
        m["creationTimestamp"] = created
    m.update(extra)
    return m


def container(name="app", image=IMAGE, *, ports=(8080,), requests=None, limits=None, **extra):
    c = o.container(
        name,
        image,
        ports=[(p, "http" if i == 0 else f"p{p}") for i, p in enumerate(ports)],
        requests=requests,
        limits=limits,
    )
    c.update(extra)
    return c


def running(name="app", *, ready=True, restarts=0, last=None, image=IMAGE):
    s = o.running_status({"name": name, "image": image}, "pod", ago(hours=1), ready=ready, restarts=restarts)
    s["lastState"] = {"terminated": last} if last else {}
    return s


def waiting(name="app", reason="CrashLoopBackOff", message="", *, restarts=0, last=None, image=IMAGE):
    s = o.waiting_status({"name": name, "image": image}, reason, message or None, restarts=restarts)
    s["lastState"] = {"terminated": last} if last else {}
    return s


def terminated(reason="Error", code=1, *, minutes_ago=2, message=None):
    return o.terminated(
        reason, code, ago(minutes=minutes_ago + 1), ago(minutes=minutes_ago), "containerd://dead", message
    )


def cond(ctype, status, reason=None, message=None, *, minutes_ago=30):
    return o.condition(ctype, status, ago(minutes=minutes_ago), reason, message, probe=True)


def pod(
    name,
    ns=NS,
    *,
    containers=None,
    statuses=None,
    phase="Running",
    node="worker-1",
    labels=None,
    owner=("ReplicaSet", "web-7d9f8c6b5"),
    init=None,
    init_statuses=None,
    conditions=None,
    volumes=None,
    restart_policy="Always",
    status_extra=None,
    meta_extra=None,
    **spec_extra,
):
    containers = containers or [container()]
    statuses = statuses if statuses is not None else [running(c["name"]) for c in containers]
    ready = all(s.get("ready") for s in statuses) and phase == "Running"
    labels = {"app": "web", "pod-template-hash": "7d9f8c6b5"} if labels is None else labels
    p = o.pod(
        ns,
        name,
        containers,
        created=ago(days=2),
        node=node,
        pod_ip="10.244.1.7",
        host_ip="10.0.0.11",
        init_containers=init,
        volumes=volumes,
        restart_policy=restart_policy,
        tolerations=[],
    )
    p["metadata"] = meta(name, ns, labels=labels, owner=owner, **(meta_extra or {}))
    p["spec"].update(spec_extra)
    p["status"] = {
        "phase": phase,
        "hostIP": "10.0.0.11",
        "podIP": "10.244.1.7",
        "qosClass": "Burstable",
        "startTime": ts(days=1),
        "containerStatuses": statuses,
        "conditions": conditions
        if conditions is not None
        else [
            cond("Initialized", "True"),
            cond("Ready", "True" if ready else "False", None if ready else "ContainersNotReady"),
            cond("ContainersReady", "True" if ready else "False"),
            cond("PodScheduled", "True"),
        ],
    }
    if init_statuses:
        p["status"]["initContainerStatuses"] = init_statuses
    p["status"].update(status_extra or {})
    return p


def event(kind, name, reason, message, ns=NS, *, type="Warning", count=1, field_path=None, minutes_ago=1):
    inv = {"kind": kind, "name": name, "namespace": ns, "uid": f"uid-{name}", "apiVersion": "v1"}
    if field_path:
        inv["fieldPath"] = field_path
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta(f"{name}.17d{reason.lower()[:6]}{count}", ns or "default"),
        "involvedObject": inv,
        "reason": reason,
        "message": message,
        "type": type,
        "count": count,
        "firstTimestamp": ts(minutes=minutes_ago + 30),
        "lastTimestamp": ts(minutes=minutes_ago),
        "source": {"component": "kubelet", "host": "worker-1"},
    }


def deployment(name, ns=NS, *, replicas=3, ready=3, available=None, conditions=None, template_containers=None):
    available = ready if available is None else available
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, ns, labels={"app": name}),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": template_containers or [container()]},
            },
        },
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": available,
            "unavailableReplicas": max(0, replicas - available),
            "conditions": conditions
            if conditions is not None
            else [
                cond(
                    "Available",
                    "True" if available >= replicas else "False",
                    "MinimumReplicasAvailable" if available >= replicas else "MinimumReplicasUnavailable",
                    "Deployment has minimum availability."
                    if available >= replicas
                    else "Deployment does not have minimum availability.",
                ),
                cond(
                    "Progressing",
                    "True",
                    "NewReplicaSetAvailable",
                    f'ReplicaSet "{name}-7d9f8c6b5" has successfully progressed.',
                ),
            ],
        },
    }


def replicaset(name, deploy, ns=NS, *, replicas=3, ready=3):
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta(name, ns, labels={"app": deploy}, owner=("Deployment", deploy)),
        "spec": {"replicas": replicas},
        "status": {"replicas": ready, "readyReplicas": ready, "availableReplicas": ready},
    }


def service(name, selector, ns=NS, *, port=80, target=8080):
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(name, ns),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.96.0.10",
            "selector": selector,
            "ports": [{"name": "http", "port": port, "targetPort": target, "protocol": "TCP"}],
        },
    }


def endpoints(name, ns=NS, *, ready=(), not_ready=()):
    subset = {"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
    if ready:
        subset["addresses"] = [{"ip": ip} for ip in ready]
    if not_ready:
        subset["notReadyAddresses"] = [{"ip": ip} for ip in not_ready]
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": meta(name, ns),
        "subsets": [subset] if ready or not_ready else [],
    }


def node(
    name,
    *,
    ready="True",
    reason="KubeletReady",
    message="kubelet is posting ready status",
    pressure=(),
    unschedulable=False,
    labels=None,
    allocatable=None,
):
    conditions = [
        cond(
            t, "True" if t in pressure else "False", f"KubeletHas{'Insufficient' if t == 'MemoryPressure' else 'No'}{t}"
        )
        for t in ("MemoryPressure", "DiskPressure", "PIDPressure")
    ]
    conditions.append(cond("Ready", ready, reason, message))
    spec = {"podCIDR": "10.244.1.0/24"}
    if unschedulable:
        spec["unschedulable"] = True
        spec["taints"] = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    alloc = allocatable or {"cpu": "3920m", "memory": "7Gi", "pods": "110", "ephemeral-storage": "95Gi"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(name, None, labels=labels or {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}),
        "spec": spec,
        "status": {"conditions": conditions, "allocatable": alloc, "capacity": alloc},
    }


def obj(kind, name, ns=NS, *, api="v1", spec=None, status=None, **meta_kw):
    o = {"apiVersion": api, "kind": kind, "metadata": meta(name, ns, **meta_kw), "spec": spec or {}}
    if status is not None:
        o["status"] = status
    return o


def cluster(*objs, logs=None) -> Snapshot:
    snap = Snapshot(logs=logs or {}, name="test", captured_at=NOW)
    snap.add_all(objs)
    return snap


def healthy_objects():
    """A healthy Deployment with its ReplicaSet, two ready pods, a Service with endpoints and a node."""
    pods = [pod(f"web-7d9f8c6b5-{s}") for s in ("x2k4p", "q8zt7")]
    return [
        deployment("web", replicas=2, ready=2),
        replicaset("web-7d9f8c6b5", "web", replicas=2, ready=2),
        *pods,
        service("web", {"app": "web"}),
        endpoints("web", ready=("10.244.1.7", "10.244.2.9")),
        node("worker-1"),
        event("Pod", "web-7d9f8c6b5-x2k4p", "Pulled", "Successfully pulled image", type="Normal"),
    ]


def only(findings, kind="Pod", name=None) -> Finding:
    hits = [f for f in findings if f.kind == kind and (name is None or f.name == name)]
    assert len(hits) == 1, [f"{f.kind} {f.name} {f.reason}" for f in findings]
    return hits[0]


def crashing(name, owner=("ReplicaSet", "web-7d9f8c6b5"), **kw):
    """A pod whose container app is in CrashLoopBackOff after exiting with code 1."""
    statuses = [waiting("app", "CrashLoopBackOff", restarts=6, last=terminated("Error", 1))]
    return pod(name, owner=owner, statuses=statuses, **kw)
