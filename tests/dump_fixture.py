"""A ``kubectl cluster-info dump --output-directory`` tree with real-world failures that the demo lacks.

Written exactly as kubectl writes it (see tests/test_importers.py and REFERENCE.md section 6):
``nodes.json``, ``<ns>/{events,replication-controllers,services,daemonsets,deployments,replicasets,
pods}.json`` as typed lists without ``kind`` on the items, and ``<ns>/<pod>/logs.txt`` with each
container's *current* log between START/END lines. So there are no PVCs, StorageClasses, ConfigMaps,
Secrets, StatefulSets or Jobs, and no previous-run logs: what a real postmortem dump gives.

Situations (namespace ``shop``):
- ``api-6c9f7d8b4-qx2lm``: CrashLoopBackOff, exit 1; logs.txt holds its last failed run's output;
- ``orders-5d7b9c6f8-k4w2n``: init container ``migrate`` runs ``/bin/sh -c "migrate --up"`` and exits 127;
- ``db-0`` (StatefulSet db, behind Service ``db``): Pending on claim ``data-db-0``, whose ProvisioningFailed
  event says StorageClass "fast-ssd" is not found; the PVC object is not in the dump. The api pod
  crashes because it cannot connect to ``db.shop.svc:5432``: one root cause, the claim;
- ``web``: a healthy Deployment (two ready pods, Service with endpoints) that must give nothing.
"""

from __future__ import annotations

from pathlib import Path

from analyzer_objects import (
    NS,
    cluster,
    cond,
    container,
    deployment,
    endpoints,
    event,
    healthy_objects,
    pod,
    replicaset,
    service,
    terminated,
    waiting,
)
from test_importers import DUMP_FILES, log_sections, typed_list

CRASH = "api-6c9f7d8b4-qx2lm"
INIT = "orders-5d7b9c6f8-k4w2n"
CLAIMED = "db-0"
CRASH_LOG = (
    "2024-06-01T11:58:01.112Z INFO  starting api v2.3.0\n"
    "2024-06-01T11:58:01.348Z INFO  connecting to postgres at db.shop.svc:5432\n"
    "2024-06-01T11:58:06.351Z ERROR failed to connect to database: dial tcp 10.96.14.7:5432: connect: "
    "connection refused\n"
    "2024-06-01T11:58:06.352Z FATAL shutting down: database unavailable\n"
)
INIT_LOG = "/bin/sh: 1: migrate: not found\n"


def failing_objects() -> list[dict]:
    crash = pod(
        CRASH,
        labels={"app": "api", "pod-template-hash": "6c9f7d8b4"},
        owner=("ReplicaSet", "api-6c9f7d8b4"),
        containers=[container("api", "ghcr.io/acme/api:2.3.0")],
        statuses=[
            waiting(
                "api",
                "CrashLoopBackOff",
                "back-off 5m0s restarting failed container=api pod=" + CRASH,
                restarts=14,
                last=terminated("Error", 1),
                image="ghcr.io/acme/api:2.3.0",
            )
        ],
    )
    init = pod(
        INIT,
        phase="Pending",
        labels={"app": "orders", "pod-template-hash": "5d7b9c6f8"},
        owner=("ReplicaSet", "orders-5d7b9c6f8"),
        init=[container("migrate", "ghcr.io/acme/orders:1.8.1", ports=(), command=["/bin/sh", "-c", "migrate --up"])],
        init_statuses=[
            waiting(
                "migrate",
                "CrashLoopBackOff",
                restarts=6,
                last=terminated("Error", 127),
                image="ghcr.io/acme/orders:1.8.1",
            )
        ],
        containers=[container("orders", "ghcr.io/acme/orders:1.8.1")],
        statuses=[waiting("orders", "PodInitializing", image="ghcr.io/acme/orders:1.8.1")],
        conditions=[
            cond("Initialized", "False", "ContainersNotInitialized"),
            cond("Ready", "False"),
            cond("PodScheduled", "True"),
        ],
    )
    claimed = pod(
        CLAIMED,
        phase="Pending",
        node=None,
        labels={"app": "db", "statefulset.kubernetes.io/pod-name": CLAIMED},
        owner=("StatefulSet", "db"),
        containers=[container("postgres", "postgres:16.3", ports=(5432,))],
        statuses=[],
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}],
        conditions=[
            cond(
                "PodScheduled",
                "False",
                "Unschedulable",
                "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
                "0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
            )
        ],
    )
    del claimed["status"]["containerStatuses"]
    return [
        deployment("api", replicas=1, ready=0),
        replicaset("api-6c9f7d8b4", "api", replicas=1, ready=0),
        crash,
        event(
            "Pod",
            CRASH,
            "BackOff",
            "Back-off restarting failed container api in pod " + CRASH,
            count=61,
            field_path="spec.containers{api}",
        ),
        deployment("orders", replicas=1, ready=0),
        replicaset("orders-5d7b9c6f8", "orders", replicas=1, ready=0),
        init,
        event(
            "Pod",
            INIT,
            "BackOff",
            "Back-off restarting failed container migrate in pod " + INIT,
            count=25,
            field_path="spec.initContainers{migrate}",
        ),
        claimed,
        event(
            "Pod",
            CLAIMED,
            "FailedScheduling",
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes "
            "are available: 3 Preemption is not helpful for scheduling.",
            count=9,
        ),
        service("db", {"app": "db"}, port=5432, target=5432),
        event(
            "PersistentVolumeClaim",
            "data-db-0",
            "ProvisioningFailed",
            'storageclass.storage.k8s.io "fast-ssd" not found',
            count=42,
        ),
    ]


def write_dump(root: Path, objects: list[dict] | None = None, logs: dict | None = None) -> Path:
    """Write ``objects`` (default: the failures above plus a healthy app) in kubectl's dump layout."""
    objects = failing_objects() + healthy_objects() if objects is None else objects
    logs = {(NS, CRASH, "api", False): CRASH_LOG, (NS, INIT, "migrate", False): INIT_LOG} if logs is None else logs
    snap = cluster(*objects, logs=logs)
    root.mkdir(parents=True, exist_ok=True)
    (root / "nodes.json").write_text(typed_list(snap, "nodes"))
    namespaces = sorted({o["metadata"].get("namespace") for o in objects} - {None, ""})
    for ns in namespaces:
        (root / ns).mkdir(exist_ok=True)
        for plural, fname in DUMP_FILES:
            (root / ns / f"{fname}.json").write_text(typed_list(snap, plural, ns))
        for p in snap.list("pods", ns):
            (root / ns / p["metadata"]["name"]).mkdir()
            (root / ns / p["metadata"]["name"] / "logs.txt").write_text(log_sections(snap, ns, p))
    return root


__all__ = ["write_dump", "failing_objects", "endpoints", "CRASH", "INIT", "CLAIMED"]
