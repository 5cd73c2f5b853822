"""A small, realistic broken cluster built in code for the frames and tools tests.

Objects follow what a real API server returns (status fields, event reasons and messages).
Planted values (an env value, a Secret value, a ConfigMap value) let tests prove they never leak.

    snap = build_snapshot()
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from devkit import objects as o
from holmes_nb.sources.snapshot import Snapshot

CAPTURED_AT = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
ENV_VALUE = "plain-env-value-3f9a1c"  # an env var's literal value: must never be printed
SECRET_VALUE = "czNjcjN0LXBhc3N3b3Jk"  # base64 of a Secret value: must never be printed
CONFIG_VALUE = "postgres://app:pw-7731@db:5432/shop"  # a ConfigMap value: keys only
CRASH_POD = "checkout-7d9f8c6b5-x2x4q"
PENDING_POD = "web-5c8d9f-kq8zt"


def ago(**delta) -> datetime:
    return CAPTURED_AT - timedelta(**delta)


def ts(**delta) -> str:
    """An RFC 3339 timestamp ``delta`` before capture: ``ts(minutes=5)``."""
    return o.ts(ago(**delta))


def _meta(name, namespace=None, created=None, **extra):
    m = o.meta(name, namespace, ago(days=3), uid_text=f"uid-{name}", resource_version_text="4711")
    if created:
        m["creationTimestamp"] = created
    m["managedFields"] = [{"manager": "kubectl", "operation": "Update", "fieldsType": "FieldsV1"}]
    m.update(extra)
    return m


def _owner(kind, name):
    return [o.owner_ref_to("apps/v1", kind, name, f"uid-{name}")]


def _cond(ctype, status, reason=None, message=None):
    return o.condition(ctype, status, ago(hours=5), reason, message)


def _container_spec(name, image, env=None, probes=True):
    return o.container(
        name,
        image,
        ports=[8080],
        env=env or [],
        requests={"cpu": "100m", "memory": "64Mi"},
        limits={"memory": "128Mi"},
        mounts=[("config", "/etc/checkout"), ("kube-api-access-x1", o.SA_MOUNT)],
        liveness=_as_written(o.http_probe("/healthz", 8080, period=10, failure=3, delay=10), "failureThreshold")
        if probes
        else None,
        readiness=_as_written(o.tcp_probe(8080, period=5)) if probes else None,
    )


_PROBE_DEFAULTS = {"initialDelaySeconds": 0, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}


def _as_written(probe, *keep):
    """A probe as a manifest writes it: without the fields at the API server's defaults (``keep`` stay)."""
    return {k: v for k, v in probe.items() if k in keep or _PROBE_DEFAULTS.get(k, object()) != v}


CHECKOUT_ENV = [
    {"name": "LOG_FORMAT", "value": ENV_VALUE},
    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "password"}}},
    {"name": "DB_URL", "valueFrom": {"configMapKeyRef": {"name": "checkout-config", "key": "DB_URL"}}},
    {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
]


def _pod(
    name, namespace, labels, containers, statuses, phase="Running", node="node-1", owner=None, conditions=None, **status
):
    meta = _meta(
        name,
        namespace,
        created=ts(hours=5),
        labels=labels,
        annotations={"kubectl.kubernetes.io/last-applied-configuration": '{"big": "json"}'},
    )
    if owner:
        meta["ownerReferences"] = owner
    spec = {
        "containers": containers,
        "restartPolicy": "Always",
        "volumes": [
            {"name": "config", "configMap": {"name": "checkout-config"}},
            {"name": "kube-api-access-x1", "projected": {"sources": []}},
        ],
    }
    if node:
        spec["nodeName"] = node
    st = {
        "phase": phase,
        "conditions": conditions or [],
        "containerStatuses": statuses,
        "podIP": "10.1.0.7",
        "qosClass": "Burstable",
    }
    st.update(status)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": st}


def _pods():
    crash_status = {
        "name": "checkout",
        "ready": False,
        "restartCount": 7,
        "image": "shop/checkout:1.4.2",
        "state": {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 5m0s restarting failed container=checkout pod={CRASH_POD}_shop(0b5c6f1e-4d2a-4c8e-9a57-3e1f2b7d8c90)",
            }
        },
        "lastState": {
            "terminated": {
                "reason": "OOMKilled",
                "exitCode": 137,
                "startedAt": ts(minutes=8),
                "finishedAt": ts(minutes=6),
            }
        },
    }
    ok_status = {"name": "checkout", "ready": True, "restartCount": 0, "state": {"running": {"startedAt": ts(hours=5)}}}
    not_ready = [_cond("Ready", "False", "ContainersNotReady"), _cond("PodScheduled", "True")]
    ready = [_cond("Ready", "True"), _cond("PodScheduled", "True")]
    checkout_labels = {"app": "checkout", "pod-template-hash": "7d9f8c6b5"}
    rs_owner = _owner("ReplicaSet", "checkout-7d9f8c6b5")
    return [
        _pod(
            CRASH_POD,
            "shop",
            checkout_labels,
            [_container_spec("checkout", "shop/checkout:1.4.2", CHECKOUT_ENV)],
            [crash_status],
            owner=rs_owner,
            conditions=not_ready,
        ),
        _pod(
            "checkout-7d9f8c6b5-m9v7p",
            "shop",
            checkout_labels,
            [_container_spec("checkout", "shop/checkout:1.4.2", CHECKOUT_ENV)],
            [ok_status],
            owner=rs_owner,
            conditions=ready,
        ),
        _pod(
            PENDING_POD,
            "shop",
            {"app": "web"},
            [_container_spec("web", "nginx:1.25", probes=False)],
            [],
            phase="Pending",
            node=None,
            conditions=[
                _cond(
                    "PodScheduled",
                    "False",
                    "Unschedulable",
                    "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint.",
                )
            ],
        ),
        _pod(
            "image-typo-6b7c-pq2lm",
            "shop",
            {"app": "image-typo"},
            [_container_spec("app", "shop/app:1.0-typo", probes=False)],
            [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 0,
                    "image": "shop/app:1.0-typo",
                    "state": {
                        "waiting": {
                            "reason": "ImagePullBackOff",
                            "message": 'Back-off pulling image "shop/app:1.0-typo"',
                        }
                    },
                }
            ],
            phase="Pending",
        ),
        _pod(
            "cache-0",
            "shop",
            {"app": "cache"},
            [_container_spec("redis", "redis:7", probes=False)],
            [
                {
                    "name": "redis",
                    "ready": True,
                    "restartCount": 2,
                    "state": {"running": {"startedAt": ts(hours=4)}},
                    "lastState": {"terminated": {"reason": "Error", "exitCode": 1}},
                }
            ],
            conditions=ready,
        ),
        _pod(
            "cache-0",
            "default",
            {"app": "cache"},
            [_container_spec("redis", "redis:7", probes=False)],
            [{"name": "redis", "ready": True, "restartCount": 0, "state": {"running": {"startedAt": ts(hours=4)}}}],
            conditions=ready,
        ),
        _pod(
            "migrate-x7k2p",
            "shop",
            {"job-name": "migrate"},
            [_container_spec("migrate", "shop/migrate:2", probes=False)],
            [
                {
                    "name": "migrate",
                    "ready": False,
                    "restartCount": 0,
                    "state": {"terminated": {"reason": "Error", "exitCode": 2, "finishedAt": ts(hours=1)}},
                }
            ],
            phase="Failed",
        ),
    ]


def _event(name, obj_kind, obj_name, reason, message, *, etype="Warning", count=1, last=None, namespace="shop"):
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": _meta(name, namespace, created=last or ts(minutes=1)),
        "involvedObject": {"kind": obj_kind, "name": obj_name, "namespace": namespace},
        "reason": reason,
        "message": message,
        "type": etype,
        "count": count,
        "firstTimestamp": ts(hours=5),
        "lastTimestamp": last or ts(minutes=1),
        "source": {"component": "kubelet", "host": "node-1"},
    }


def _events():
    backoff = (
        f"Back-off restarting failed container checkout in pod {CRASH_POD}_shop(0b5c6f1e-4d2a-4c8e-9a57-3e1f2b7d8c90)"
    )
    return [
        _event("e1", "Pod", CRASH_POD, "BackOff", backoff, count=40, last=ts(minutes=2)),
        _event("e2", "Pod", CRASH_POD, "BackOff", backoff, count=3, last=ts(seconds=30)),
        _event(
            "e3",
            "Pod",
            CRASH_POD,
            "Pulled",
            'Container image "shop/checkout:1.4.2" already present on machine',
            etype="Normal",
            count=8,
            last=ts(minutes=6),
        ),
        _event(
            "e4",
            "Pod",
            PENDING_POD,
            "FailedScheduling",
            "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint.",
            count=12,
            last=ts(minutes=3),
        ),
        _event(
            "e5",
            "Pod",
            "image-typo-6b7c-pq2lm",
            "Failed",
            'Failed to pull image "shop/app:1.0-typo": not found',
            last=ts(minutes=9),
        ),
        _event(
            "e6",
            "Deployment",
            "checkout",
            "ScalingReplicaSet",
            "Scaled up replica set checkout-7d9f8c6b5 to 2",
            etype="Normal",
            last=ts(days=3),
        ),
        _event(
            "e7",
            "Pod",
            "cache-0",
            "Started",
            "Started container redis",
            etype="Normal",
            namespace="default",
            last=ts(hours=4),
        ),
    ]


def _workloads():
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta("checkout", "shop", labels={"app": "checkout"}),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "checkout"}},
            "strategy": {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": {"app": "checkout"}},
                "spec": {"containers": [_container_spec("checkout", "shop/checkout:1.4.2", CHECKOUT_ENV)]},
            },
        },
        "status": {
            "replicas": 2,
            "readyReplicas": 1,
            "availableReplicas": 1,
            "updatedReplicas": 2,
            "unavailableReplicas": 1,
            "conditions": [
                _cond(
                    "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
                ),
                _cond("Progressing", "True", "NewReplicaSetAvailable"),
            ],
        },
    }
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": _meta(
            "checkout-7d9f8c6b5", "shop", ownerReferences=_owner("Deployment", "checkout"), labels={"app": "checkout"}
        ),
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "checkout", "pod-template-hash": "7d9f8c6b5"}}},
        "status": {"replicas": 2, "readyReplicas": 1, "availableReplicas": 1},
    }
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _meta("migrate", "shop", created=ts(hours=2)),
        "spec": {
            "completions": 1,
            "backoffLimit": 0,
            "template": {"spec": {"containers": [_container_spec("migrate", "shop/migrate:2", probes=False)]}},
        },
        "status": {
            "failed": 1,
            "conditions": [
                _cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
            ],
        },
    }
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": _meta("nightly", "shop"),
        "spec": {"schedule": "0 2 * * *", "suspend": True, "jobTemplate": {"spec": {}}},
        "status": {"lastScheduleTime": ts(days=2)},
    }
    ds = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": _meta("node-agent", "kube-system"),
        "spec": {"selector": {"matchLabels": {"app": "node-agent"}}},
        "status": {"desiredNumberScheduled": 2, "numberReady": 1, "numberAvailable": 1, "updatedNumberScheduled": 2},
    }
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": _meta("cache", "shop"),
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "cache"}}},
        "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1, "updatedReplicas": 1},
    }
    return [deploy, rs, job, cron, ds, sts]


def _networking():
    svc = lambda name, sel: {  # noqa: E731
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(name, "shop"),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.96.0.12",
            "selector": sel,
            "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
        },
    }
    endpoints = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": _meta("checkout", "shop"),
        "subsets": [
            {"addresses": [{"ip": "10.1.0.8"}], "notReadyAddresses": [{"ip": "10.1.0.7"}], "ports": [{"port": 8080}]}
        ],
    }
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta("shop", "shop"),
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/checkout",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "checkout", "port": {"number": 80}}},
                            },
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "frontend", "port": {"number": 80}}},
                            },
                        ]
                    },
                }
            ],
        },
    }
    netpol = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta("deny-all", "shop"),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }
    return [svc("checkout", {"app": "checkout"}), svc("payments", {"app": "payments"}), endpoints, ingress, netpol]


def _config_and_storage():
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _meta("db-creds", "shop"),
        "type": "Opaque",
        "data": {"password": SECRET_VALUE, "username": "YXBw"},
    }
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta("checkout-config", "shop"),
        "data": {"DB_URL": CONFIG_VALUE, "LOG_LEVEL": "debug"},
    }
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": _meta("data", "shop"),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": "fast-ssd",
            "resources": {"requests": {"storage": "10Gi"}},
        },
        "status": {"phase": "Pending"},
    }
    sc = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "provisioner": "rancher.io/local-path",
        "metadata": _meta("standard", annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _meta("checkout", "shop"),
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "checkout", "apiVersion": "apps/v1"},
            "minReplicas": 2,
            "maxReplicas": 6,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}},
                }
            ],
        },
        "status": {
            "currentReplicas": 2,
            "desiredReplicas": 2,
            "conditions": [
                _cond("AbleToScale", "True", "SucceededGetScale"),
                _cond(
                    "ScalingActive",
                    "False",
                    "FailedGetResourceMetric",
                    "failed to get cpu utilization: missing request for cpu",
                ),
            ],
        },
    }
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": _meta("compute", "shop"),
        "spec": {"hard": {"limits.memory": "2Gi", "requests.cpu": "4"}},
        "status": {
            "hard": {"limits.memory": "2Gi", "requests.cpu": "4"},
            "used": {"limits.memory": "1536Mi", "requests.cpu": "3500m"},
        },
    }
    limits = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": _meta("defaults", "shop"),
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "default": {"memory": "256Mi"},
                    "defaultRequest": {"memory": "128Mi"},
                    "max": {"memory": "1Gi"},
                }
            ]
        },
    }
    return [cm, pvc, sc, hpa, quota, limits], secret


def _nodes():
    def node(name, ready, pressure=(), taints=None, unschedulable=False):
        conds = [_cond("Ready", ready, "KubeletReady" if ready == "True" else "KubeletNotReady")]
        conds += [
            _cond(p, "True" if p in pressure else "False") for p in ("MemoryPressure", "DiskPressure", "PIDPressure")
        ]
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": _meta(name, created=ts(days=30), labels={"node-role.kubernetes.io/worker": ""}),
            "spec": {"taints": taints or [], "unschedulable": unschedulable},
            "status": {
                "conditions": conds,
                "capacity": {"cpu": "4", "memory": "16393216Ki", "pods": "110"},
                "allocatable": {"cpu": "3920m", "memory": "15242240Ki", "pods": "110"},
            },
        }

    return [
        node("node-1", "True"),
        node(
            "node-2",
            "False",
            pressure=("MemoryPressure",),
            unschedulable=True,
            taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}],
        ),
    ]


def _logs():
    crashed = [f"2024-06-01T11:5{i % 10}:00Z INFO handled request {i}" for i in range(80)]
    crashed[70] = "2024-06-01T11:53:10Z ERROR cache warmup: allocating 512MiB buffer"
    crashed[75] = "2024-06-01T11:53:40Z error: connection pool exhausted"
    crashed.append("2024-06-01T11:54:00Z FATAL out of memory")
    return {
        ("shop", CRASH_POD, "checkout", False): "",
        ("shop", CRASH_POD, "checkout", True): "\n".join(crashed),
        ("shop", "cache-0", "redis", False): "1:M 01 Jun 2024 11:00:00.000 * Ready to accept connections tcp",
        ("shop", "checkout-7d9f8c6b5-m9v7p", "checkout", False): "x" * 9000,
    }


def build_snapshot() -> Snapshot:
    """The test cluster: namespaces default/shop/kube-system and the objects above."""
    snap = Snapshot(name="test", captured_at=CAPTURED_AT, logs=_logs())
    for ns in ("default", "shop", "kube-system"):
        snap.add(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": _meta(ns, created=ts(days=30)),
                "status": {"phase": "Active"},
            }
        )
    others, secret = _config_and_storage()
    snap.add_all(_pods() + _events() + _workloads() + _networking() + others + _nodes())
    # as a live API server would return it: with the value (Snapshot.add would strip it)
    snap.objects.setdefault("secrets", []).append(secret)
    return snap
