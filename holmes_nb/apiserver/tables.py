"""Server-side Table rendering for the snapshot API server, so ``kubectl get`` prints its usual columns.

kubectl asks for ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``; a real API server answers
with a ``meta.k8s.io/v1 Table`` whose columns it chooses per kind. This module reproduces those
columns for the kinds holmes-nb reads (Name and Age for the rest), computing ages against the
cluster's reference time (the capture time for snapshots).

    table = render_table(resolve_kind("pods"), pods, now=snapshot.now())
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from holmes_nb.apiserver.table_cells import (
    Cell,
    access_modes,
    age,
    containers,
    endpoints,
    event_last_seen,
    event_object,
    hpa_targets,
    images,
    ingress_hosts,
    job_duration,
    job_status,
    node_ip,
    node_roles,
    node_status,
    obj_age,
    obj_name,
    pod_ready,
    pod_restarts,
    pod_status,
    selector,
    svc_external,
    svc_ports,
)
from holmes_nb.k8s import Obj, dig
from holmes_nb.sources.kinds import Kind


def _col(name: str, fn: Cell, priority: int = 0, kind: str = "string") -> tuple:
    return (name, kind, priority, fn)


def _status_field(field: str) -> Cell:
    """The cell of ``status.<field>`` (0 when unset)."""
    return lambda o, n: dig(o, "status", field, default=0)


_NAME, _AGE = _col("Name", obj_name), _col("Age", obj_age)
_COLUMNS: dict[str, list[tuple]] = {
    "pods": [
        _NAME,
        _col("Ready", pod_ready),
        _col("Status", lambda o, n: pod_status(o)),
        _col("Restarts", pod_restarts),
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
        _col("Containers", containers, 1),
        _col("Images", images, 1),
        _col("Selector", selector, 1),
    ],
    "replicasets": [
        _NAME,
        _col("Desired", lambda o, n: dig(o, "spec", "replicas", default=0), 0, "integer"),
        _col("Current", lambda o, n: dig(o, "status", "replicas", default=0), 0, "integer"),
        _col("Ready", lambda o, n: dig(o, "status", "readyReplicas", default=0), 0, "integer"),
        _AGE,
        _col("Containers", containers, 1),
        _col("Images", images, 1),
        _col("Selector", selector, 1),
    ],
    "statefulsets": [
        _NAME,
        _col(
            "Ready",
            lambda o, n: f"{dig(o, 'status', 'readyReplicas', default=0)}/{dig(o, 'spec', 'replicas', default=1)}",
        ),
        _AGE,
        _col("Containers", containers, 1),
        _col("Images", images, 1),
    ],
    "daemonsets": [_NAME]
    + [
        _col(t, _status_field(f), 0, "integer")
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
        _col("Status", job_status),
        _col(
            "Completions",
            lambda o, n: f"{dig(o, 'status', 'succeeded', default=0)}/{dig(o, 'spec', 'completions', default=1)}",
        ),
        _col("Duration", job_duration),
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
        _col("External-IP", svc_external),
        _col("Port(s)", svc_ports),
        _AGE,
        _col(
            "Selector",
            lambda o, n: ",".join(f"{k}={v}" for k, v in dig(o, "spec", "selector", default={}).items()) or "<none>",
            1,
        ),
    ],
    "endpoints": [_NAME, _col("Endpoints", endpoints), _AGE],
    "nodes": [
        _NAME,
        _col("Status", node_status),
        _col("Roles", node_roles),
        _AGE,
        _col("Version", lambda o, n: dig(o, "status", "nodeInfo", "kubeletVersion", default="")),
        _col("Internal-IP", node_ip("InternalIP"), 1),
        _col("External-IP", node_ip("ExternalIP"), 1),
        _col("OS-Image", lambda o, n: dig(o, "status", "nodeInfo", "osImage", default=""), 1),
        _col("Kernel-Version", lambda o, n: dig(o, "status", "nodeInfo", "kernelVersion", default=""), 1),
        _col("Container-Runtime", lambda o, n: dig(o, "status", "nodeInfo", "containerRuntimeVersion", default=""), 1),
    ],
    "namespaces": [_NAME, _col("Status", lambda o, n: dig(o, "status", "phase", default="Active")), _AGE],
    "events": [
        _col("Last Seen", event_last_seen),
        _col("Type", lambda o, n: o.get("type", "")),
        _col("Reason", lambda o, n: o.get("reason", "")),
        _col("Object", event_object),
        _col("Message", lambda o, n: (o.get("message") or o.get("note") or "").strip()),
        _col("Count", lambda o, n: o.get("count") or 1, 1, "integer"),
        _col("First Seen", lambda o, n: age(o.get("firstTimestamp") or o.get("eventTime"), n), 1),
        _col("Name", obj_name, 1),
    ],
    "persistentvolumeclaims": [
        _NAME,
        _col("Status", lambda o, n: dig(o, "status", "phase", default="")),
        _col("Volume", lambda o, n: dig(o, "spec", "volumeName", default="")),
        _col("Capacity", lambda o, n: dig(o, "status", "capacity", "storage", default="")),
        _col("Access Modes", lambda o, n: access_modes(dig(o, "status", "accessModes", default=[]))),
        _col("StorageClass", lambda o, n: dig(o, "spec", "storageClassName", default="<unset>")),
        _AGE,
    ],
    "persistentvolumes": [
        _NAME,
        _col("Capacity", lambda o, n: dig(o, "spec", "capacity", "storage", default="")),
        _col("Access Modes", lambda o, n: access_modes(dig(o, "spec", "accessModes", default=[]))),
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
        _col("Hosts", ingress_hosts),
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
        _col("Targets", hpa_targets),
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
