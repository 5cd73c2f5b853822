"""Shared pieces of the demo cluster build (see build_demo.py): the clock, nodes, and helpers
for config objects, failure events and log lines."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from devkit.builder import ClusterBuilder
from devkit.objects import ts
from holmes_nb.k8s import Obj, parse_time

NOW = datetime(2025, 3, 14, 10, 30, 0, tzinfo=timezone.utc)
CLUSTER_BORN = NOW - timedelta(days=132, hours=5)
NODES = ("worker-1", "worker-2", "worker-3")
DISK_PRESSURE_SINCE = NOW - timedelta(minutes=52)

# Scheduler messages, exactly as kube-scheduler v1.29 words them for this cluster's 3 nodes.
TAINT = "1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }"
NO_PREEMPT = "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."


def configmap(b: ClusterBuilder, ns: str, name: str, data: dict, *, created: datetime, labels=None) -> Obj:
    return b.simple("ConfigMap", "v1", ns, name, created=created, body={"data": data}, labels=labels)


def secret(b: ClusterBuilder, ns: str, name: str, keys: list[str], *, created: datetime, type_: str = "Opaque") -> Obj:
    """A Secret as holmes-nb stores it: metadata, type and key names, never values."""
    return b.simple("Secret", "v1", ns, name, created=created, body={"type": type_, "dataKeys": sorted(keys)})


def service_account(b: ClusterBuilder, ns: str, name: str, *, created: datetime) -> Obj:
    return b.simple("ServiceAccount", "v1", ns, name, created=created)


def namespace_basics(b: ClusterBuilder, ns: str, *, created: datetime, labels=None) -> None:
    """What every namespace has: the Namespace, its default ServiceAccount, kube-root-ca.crt."""
    b.namespace(ns, created=created, labels=labels)
    service_account(b, ns, "default", created=created)
    configmap(b, ns, "kube-root-ca.crt", {"ca.crt": ROOT_CA}, created=created)


def backoff_events(
    b: ClusterBuilder,
    pod: Obj,
    container: str,
    *,
    restarts: int,
    first: datetime,
    backoffs: int,
    image: str | None = None,
    init: bool = False,
) -> None:
    """The kubelet events of a container restarting in a loop (Pulled/Created/Started + BackOff)."""
    m, node = pod["metadata"], pod["spec"]["nodeName"]
    fp = f"spec.{'initContainers' if init else 'containers'}{{{container}}}"
    image = image or next(
        c["image"] for c in pod["spec"].get("initContainers", []) + pod["spec"]["containers"] if c["name"] == container
    )
    last_run = NOW - timedelta(minutes=4, seconds=10)
    kw = {"component": "kubelet", "host": node, "first": first, "field_path": fp}
    b.event(
        pod, "Pulled", f'Container image "{image}" already present on machine', count=restarts + 1, last=last_run, **kw
    )
    if not init:
        b.event(pod, "Created", f"Created container {container}", count=restarts + 1, last=last_run, **kw)
        b.event(pod, "Started", f"Started container {container}", count=restarts + 1, last=last_run, **kw)
    b.event(
        pod,
        "BackOff",
        f"Back-off restarting failed container {container} in pod {m['name']}_{m['namespace']}({m['uid']})",
        type_="Warning",
        count=backoffs,
        last=NOW - timedelta(seconds=38),
        **kw,
    )


def scheduling_failed(b: ClusterBuilder, pod: Obj, message: str, *, first: datetime, count: int) -> None:
    b.event(
        pod,
        "FailedScheduling",
        message,
        component="default-scheduler",
        type_="Warning",
        count=count,
        first=first,
        last=NOW - timedelta(minutes=3, seconds=12),
    )


def started_at(pod: Obj, container: str) -> datetime:
    """When a container's current run started (its log begins then)."""
    s = next(c for c in pod["status"]["containerStatuses"] if c["name"] == container)
    return parse_time(s["state"]["running"]["startedAt"])


def stamp(t: datetime, fmt: str = "iso") -> str:
    """A log timestamp: ``iso`` (2025-03-14T10:29:41.512Z), ``klog`` (I0314 10:29:41.512345)."""
    ms = (t.second * 7919 + t.minute * 104729) % 880 + t.microsecond // 1000 % 120  # varied, never backwards
    if fmt == "klog":
        return t.strftime("%m%d %H:%M:%S") + f".{ms:03d}{(ms * 7) % 1000:03d}"
    if fmt == "pg":
        return t.strftime("%Y-%m-%d %H:%M:%S") + f".{ms:03d} UTC"
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}Z"


def access_log(
    app: str, start: datetime, paths: list[str], *, n: int = 8, step_s: int = 37, level_key: str = "level"
) -> list[str]:
    """JSON request log lines ending just before NOW (a healthy web service)."""
    out = []
    for i in range(n):
        t = NOW - timedelta(seconds=step_s * (n - i) + 3)
        if t <= start:
            continue
        path = paths[i % len(paths)]
        ms = 3 + (i * 17 + len(path)) % 40
        out.append(
            f'{{"{level_key}":"info","ts":"{stamp(t)}","logger":"{app}.http","msg":"request completed",'
            f'"method":"GET","path":"{path}","status":200,"duration_ms":{ms}}}'
        )
    return out


def startup_log(app: str, version: str, start: datetime, port: int, extra: list[str] = ()) -> list[str]:
    lines = [
        f'{{"level":"info","ts":"{stamp(start)}","logger":"{app}","msg":"starting {app}","version":"{version}"}}',
    ]
    lines += [
        f'{{"level":"info","ts":"{stamp(start + timedelta(milliseconds=300 * (i + 1)))}","logger":"{app}",'
        f'"msg":"{msg}"}}'
        for i, msg in enumerate(extra)
    ]
    lines.append(
        f'{{"level":"info","ts":"{stamp(start + timedelta(seconds=2))}","logger":"{app}.http",'
        f'"msg":"listening","addr":":{port}"}}'
    )
    return lines


ROOT_CA = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n"
    "cm5ldGVzMB4XDTI0MTEwMjA1MDAwMFoXDTM0MTAzMTA1MDAwMFowFTETMBEGA1UE\n"
    "AxMKa3ViZXJuZXRlczCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAKdE\n"
    "bW8tY2x1c3Rlci1yb290LWNhLW5vdC1hLXJlYWwtY2VydGlmaWNhdGU=\n"
    "-----END CERTIFICATE-----\n"
)

__all__ = ["NOW", "ts", "NODES"]
