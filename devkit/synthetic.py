"""A large, realistic generated cluster for scale benchmarks (not for investigations).

Deployments with ReplicaSets, pods, Services and Endpoints spread over namespaces and nodes, a
small share of failing pods (crash loops, OOMKilled, image pulls, config errors, unschedulable,
unready) with the events and logs a real cluster would have, and normal events to fill up to
``n_events``. Deterministic for a given seed.

    snap = synthetic_snapshot(n_pods=10_000, n_deployments=2_000, n_events=50_000)
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from devkit import podstates as ps
from devkit.builder import ClusterBuilder
from devkit.objects import container, http_probe
from holmes_nb.sources.snapshot import Snapshot

NOW = datetime(2025, 3, 14, 10, 30, tzinfo=timezone.utc)
FAILURES = ("crashloop", "oomkilled", "imagepull", "configerror", "unschedulable", "unready")
_NORMAL = ("Scheduled", "Pulled", "Created", "Started", "SuccessfulCreate", "ScalingReplicaSet")


def synthetic_snapshot(
    n_pods: int = 10_000, n_deployments: int = 2_000, n_events: int = 50_000, seed: int = 0, failing_share: float = 0.03
) -> Snapshot:
    """Generate the cluster; about ``failing_share`` of the pods fail in one of :data:`FAILURES`."""
    if n_deployments < 1 or n_pods < n_deployments:
        raise ValueError("need n_deployments >= 1 and n_pods >= n_deployments")
    rng = random.Random(seed)
    b = ClusterBuilder(NOW, name="synthetic", source=f"synthetic_snapshot(seed={seed})")
    nodes = _nodes(b, max(3, n_pods // 40))
    namespaces = _namespaces(b, max(2, n_deployments // 100))
    per, extra = divmod(n_pods, n_deployments)
    pods = []
    for i in range(n_deployments):
        ns = namespaces[i % len(namespaces)]
        replicas = per + (1 if i < extra else 0)
        pods += _deployment(b, rng, ns, f"svc-{i:05d}", replicas, [rng.choice(nodes) for _ in range(replicas)])
    failing = rng.sample(pods, int(len(pods) * failing_share))
    for i, p in enumerate(failing):
        _fail(b, rng, p, FAILURES[i % len(FAILURES)])
    _fill_events(b, rng, pods, n_events)
    return b.snapshot()


def _nodes(b: ClusterBuilder, n: int) -> list[str]:
    names = []
    for i in range(n):
        name = f"node-{i:04d}"
        b.node(
            name,
            ip=f"10.0.{i // 250}.{i % 250 + 2}",
            pod_cidr=f"10.{100 + i // 250}.{i % 250}.0/24",
            zone=f"eu-west-1{'abc'[i % 3]}",
            created=NOW - timedelta(days=60 + i % 30),
            cpu=16,
            memory_ki=64_000_000,
            instance_type="m5.4xlarge",
        )
        names.append(name)
    return names


def _namespaces(b: ClusterBuilder, n: int) -> list[str]:
    names = [f"team-{i:02d}" for i in range(n)]
    for ns in names:
        b.namespace(ns, created=NOW - timedelta(days=200))
    return names


def _deployment(b: ClusterBuilder, rng: random.Random, ns: str, name: str, replicas: int, nodes: list[str]) -> list:
    c = container(
        name,
        f"registry.example.com/{ns}/{name}:1.{rng.randrange(40)}.{rng.randrange(10)}",
        ports=[(8080, "http")],
        requests={"cpu": "100m", "memory": "128Mi"},
        limits={"memory": "256Mi"},
        readiness=http_probe("/ready", 8080),
    )
    created = NOW - timedelta(days=rng.randrange(2, 90), minutes=rng.randrange(1440))
    wl = b.deployment(
        ns,
        name,
        [c],
        replicas=replicas,
        created=created,
        nodes=nodes,
        events=False,
        pods_created=created + timedelta(hours=rng.randrange(1, 24)),
    )
    b.service(ns, name, {"app": name}, [("http", 80, "http")], created=created)
    for p in wl.pods[:1]:
        b.log(p, name, [f'{{"level":"info","msg":"listening","addr":":8080","app":"{name}"}}'])
    return wl.pods


def _fail(b: ClusterBuilder, rng: random.Random, p: dict, how: str) -> None:
    c = p["spec"]["containers"][0]["name"]
    node = p["spec"].get("nodeName")
    last = NOW - timedelta(minutes=rng.randrange(1, 5))
    restarts = rng.randrange(3, 60)
    kw = {
        "component": "kubelet",
        "host": node,
        "type_": "Warning",
        "count": restarts * 4,
        "first": NOW - timedelta(hours=2),
        "last": last,
        "field_path": f"spec.containers{{{c}}}",
    }
    if how in ("crashloop", "oomkilled"):
        oom = how == "oomkilled"
        ps.crashloop(
            p,
            c,
            restarts=restarts,
            exit_code=137 if oom else 1,
            reason="OOMKilled" if oom else "Error",
            last_started=last - timedelta(seconds=30),
            last_finished=last,
        )
        m = p["metadata"]
        b.event(
            p,
            "BackOff",
            f"Back-off restarting failed container {c} in pod {m['name']}_{m['namespace']}({m['uid']})",
            **kw,
        )
        text = "" if oom else "panic: dial tcp 10.96.0.15:5432: connect: connection refused\n"
        b.log(p, c, f'{{"level":"info","msg":"starting","app":"{c}"}}\n{text}', previous=True)
    elif how == "imagepull":
        img = p["spec"]["containers"][0]["image"] + "-missing"
        ps.waiting(p, c, "ImagePullBackOff", f'Back-off pulling image "{img}"')
        b.event(
            p,
            "Failed",
            f'Failed to pull image "{img}": rpc error: code = NotFound desc = failed to pull and '
            f'unpack image "{img}": not found',
            **kw,
        )
    elif how == "configerror":
        msg = f'configmap "{c}-config" not found'
        ps.waiting(p, c, "CreateContainerConfigError", msg)
        b.event(p, "Failed", f"Error: {msg}", **kw)
    elif how == "unschedulable":
        n = len(b.nodes)
        msg = (
            f"0/{n} nodes are available: {n} Insufficient cpu. preemption: 0/{n} nodes are available: "
            f"{n} No preemption victims found for incoming pod."
        )
        ps.unschedulable(p, msg, NOW - timedelta(hours=1))
        b.event(
            p, "FailedScheduling", msg, **{**kw, "component": "default-scheduler", "host": None, "field_path": None}
        )
    else:
        ps.not_ready(p, c)
        b.event(p, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", **kw)


def _fill_events(b: ClusterBuilder, rng: random.Random, pods: list[dict], n_events: int) -> None:
    """Normal events about random pods until there are ``n_events`` events in all."""
    missing = n_events - len(b.objects["events"])
    for i in range(max(0, missing)):
        p = pods[rng.randrange(len(pods))]
        reason = _NORMAL[i % len(_NORMAL)]
        c = p["spec"]["containers"][0]
        at = NOW - timedelta(seconds=rng.randrange(3500), microseconds=i)
        node = p["spec"].get("nodeName")
        message = {
            "Scheduled": f"Successfully assigned {p['metadata']['namespace']}/{p['metadata']['name']} to {node}",
            "Pulled": f'Container image "{c["image"]}" already present on machine',
            "Created": f"Created container {c['name']}",
            "Started": f"Started container {c['name']}",
            "SuccessfulCreate": f"Created pod: {p['metadata']['name']}",
            "ScalingReplicaSet": f"Scaled up replica set {p['metadata']['ownerReferences'][0]['name']} to 1",
        }[reason]
        b.event(p, reason, message, component="kubelet", host=node, first=at)
