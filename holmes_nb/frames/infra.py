"""Frames for cluster infrastructure: nodes, namespaces and storage (PVCs, PVs, StorageClasses).

nodes_frame(cluster.list("nodes"), cluster.now())
pvcs_frame(cluster.list("pvcs", "shop"), cluster.now(), storageclasses=cluster.list("storageclasses"))
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from holmes_nb.frames.common import created_age, make_frame
from holmes_nb.k8s import Obj, condition, dig, labels_of, memory_text, meta, name_of, ns_of

NODE_COLUMNS = [
    "name",
    "ready",
    "pressure",
    "roles",
    "cpu_capacity",
    "cpu_allocatable",
    "memory_capacity",
    "memory_allocatable",
    "taints",
    "cordoned",
    "age",
]
PVC_COLUMNS = [
    "namespace",
    "name",
    "status",
    "volume",
    "capacity",
    "access_modes",
    "storageclass",
    "storageclass_exists",
    "age",
]
PV_COLUMNS = ["name", "capacity", "access_modes", "reclaim_policy", "status", "claim", "storageclass", "age"]
STORAGECLASS_COLUMNS = ["name", "provisioner", "reclaim_policy", "binding_mode", "default", "allow_expansion", "age"]
NAMESPACE_COLUMNS = ["name", "status", "age"]

PRESSURE_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
_ACCESS = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
_DEFAULT_SC = ("storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class")


def node_roles(node: Obj) -> str:
    labels = labels_of(node)
    roles = sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/") and "/" in k)
    return ",".join(r for r in roles if r) or "<none>"


def taints_text(node: Obj) -> str:
    """``key=value:Effect`` per taint, comma-separated."""
    out = []
    for t in dig(node, "spec", "taints", default=[]) or []:
        kv = t.get("key", "") + (f"={t['value']}" if t.get("value") else "")
        out.append(f"{kv}:{t.get('effect', '')}")
    return ",".join(out)


def node_ready(node: Obj) -> str:
    c = condition(node, "Ready")
    return (c or {}).get("status", "Unknown")


def node_pressure(node: Obj) -> str:
    """The pressure/unavailable conditions that are True (``"MemoryPressure,DiskPressure"``)."""
    return ",".join(t for t in PRESSURE_CONDITIONS if (condition(node, t) or {}).get("status") == "True")


def nodes_frame(nodes: Iterable[Obj], now: datetime) -> Any:
    """One row per node: readiness, pressure conditions, roles, capacity/allocatable, taints, cordon."""
    rows = []
    for n in nodes:
        cap, alloc = dig(n, "status", "capacity", default={}), dig(n, "status", "allocatable", default={})
        rows.append(
            {
                "name": name_of(n),
                "ready": node_ready(n),
                "pressure": node_pressure(n),
                "roles": node_roles(n),
                "cpu_capacity": cap.get("cpu"),
                "cpu_allocatable": alloc.get("cpu"),
                "memory_capacity": memory_text(cap.get("memory")),
                "memory_allocatable": memory_text(alloc.get("memory")),
                "taints": taints_text(n),
                "cordoned": bool(dig(n, "spec", "unschedulable", default=False)),
                "age": created_age(n, now),
            }
        )
    rows.sort(key=lambda r: r["name"])
    return make_frame(rows, NODE_COLUMNS)


def namespaces_frame(namespaces: Iterable[Obj], now: datetime) -> Any:
    rows = [
        {"name": name_of(n), "status": dig(n, "status", "phase", default="Active"), "age": created_age(n, now)}
        for n in namespaces
    ]
    rows.sort(key=lambda r: r["name"])
    return make_frame(rows, NAMESPACE_COLUMNS)


def access_modes(modes: Iterable[str] | None) -> str:
    return ",".join(_ACCESS.get(m, m) for m in modes or [])


def pvcs_frame(pvcs: Iterable[Obj], now: datetime, storageclasses: Iterable[Obj] | None = None) -> Any:
    """PVCs with phase, bound volume, capacity, access modes and StorageClass (and whether it exists,
    when ``storageclasses`` is given; an unset class means the default one)."""
    classes = None if storageclasses is None else {name_of(s) for s in storageclasses}
    rows = []
    for p in pvcs:
        sc = dig(p, "spec", "storageClassName")
        exists = None if classes is None or not sc else sc in classes
        rows.append(
            {
                "namespace": ns_of(p),
                "name": name_of(p),
                "status": dig(p, "status", "phase", default="Pending"),
                "volume": dig(p, "spec", "volumeName", default=""),
                "capacity": dig(p, "status", "capacity", "storage")
                or dig(p, "spec", "resources", "requests", "storage"),
                "access_modes": access_modes(dig(p, "spec", "accessModes")),
                "storageclass": sc or "",
                "storageclass_exists": exists,
                "age": created_age(p, now),
            }
        )
    rows.sort(key=lambda r: (r["namespace"], r["name"]))
    return make_frame(rows, PVC_COLUMNS)


def pvs_frame(pvs: Iterable[Obj], now: datetime) -> Any:
    rows = []
    for p in pvs:
        ref = dig(p, "spec", "claimRef", default={})
        rows.append(
            {
                "name": name_of(p),
                "capacity": dig(p, "spec", "capacity", "storage"),
                "access_modes": access_modes(dig(p, "spec", "accessModes")),
                "reclaim_policy": dig(p, "spec", "persistentVolumeReclaimPolicy", default=""),
                "status": dig(p, "status", "phase", default=""),
                "claim": f"{ref.get('namespace')}/{ref.get('name')}" if ref else "",
                "storageclass": dig(p, "spec", "storageClassName", default=""),
                "age": created_age(p, now),
            }
        )
    rows.sort(key=lambda r: r["name"])
    return make_frame(rows, PV_COLUMNS)


def storageclasses_frame(classes: Iterable[Obj], now: datetime) -> Any:
    rows = []
    for s in classes:
        ann = meta(s).get("annotations") or {}
        rows.append(
            {
                "name": name_of(s),
                "provisioner": s.get("provisioner", ""),
                "reclaim_policy": s.get("reclaimPolicy", "Delete"),
                "binding_mode": s.get("volumeBindingMode", "Immediate"),
                "default": any(ann.get(k) == "true" for k in _DEFAULT_SC),
                "allow_expansion": bool(s.get("allowVolumeExpansion", False)),
                "age": created_age(s, now),
            }
        )
    rows.sort(key=lambda r: r["name"])
    return make_frame(rows, STORAGECLASS_COLUMNS)
