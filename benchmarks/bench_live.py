"""Benchmark: list 10,000 pods from the snapshot API server through LiveCluster (issue target: <= 3 s).

    /work/venv/bin/python benchmarks/bench_live.py [--pods 10000] [--runs 5] [--page-size 500]

Serves a generated snapshot (``devkit.synthetic.synthetic_snapshot`` when available, else
pods generated here with realistic size: labels, owner references, probes, resources, status and
conditions) on 127.0.0.1, then times ``LiveCluster(server=url).list("pods")`` end to end: server-side
paging and JSON encoding, HTTP through the official client's REST layer, and JSON decoding.
Prints the median of ``--runs`` runs as a Markdown table row (header with ``--header``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timezone

from holmes_nb.apiserver.server import SnapshotAPIServer
from holmes_nb.sources.live import LiveCluster
from holmes_nb.sources.snapshot import Snapshot

HEADER = (
    "| benchmark | pods | page size | pages | MB on the wire | median s | min s | max s |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


def generated_snapshot(n_pods: int) -> Snapshot:
    """``synthetic_snapshot(n_pods=...)`` if that module exists, else pods generated here."""
    try:
        from devkit.synthetic import synthetic_snapshot
    except ImportError:
        return _fallback_snapshot(n_pods)
    return synthetic_snapshot(n_pods=n_pods)


def _fallback_snapshot(n_pods: int) -> Snapshot:
    snap = Snapshot(name="bench", captured_at=datetime(2024, 6, 1, tzinfo=timezone.utc))
    for i in range(n_pods):
        ns, app = f"team-{i % 50}", f"svc-{i % 2000}"
        container = {
            "name": "app",
            "image": f"registry.example.com/{app}:1.{i % 7}.0",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10},
            "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "PORT", "value": "8080"}],
            "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
        }
        snap.add(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"{app}-7d9f8c6b5-{i:05d}",
                    "namespace": ns,
                    "uid": f"uid-{i:08d}",
                    "creationTimestamp": "2024-05-30T10:00:00Z",
                    "resourceVersion": str(100000 + i),
                    "labels": {"app": app, "pod-template-hash": "7d9f8c6b5", "team": ns},
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "ReplicaSet",
                            "controller": True,
                            "name": f"{app}-7d9f8c6b5",
                            "uid": f"rs-{i % 2000}",
                        }
                    ],
                },
                "spec": {
                    "containers": [container],
                    "nodeName": f"node-{i % 100}",
                    "restartPolicy": "Always",
                    "serviceAccountName": "default",
                    "volumes": [{"name": "kube-api-access", "projected": {}}],
                },
                "status": {
                    "phase": "Running",
                    "podIP": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}",
                    "hostIP": f"192.168.0.{i % 100}",
                    "startTime": "2024-05-30T10:00:05Z",
                    "qosClass": "Burstable",
                    "conditions": [
                        {"type": t, "status": "True", "lastTransitionTime": "2024-05-30T10:00:09Z"}
                        for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
                    ],
                    "containerStatuses": [
                        {
                            "name": "app",
                            "ready": True,
                            "restartCount": i % 3,
                            "image": container["image"],
                            "state": {"running": {"startedAt": "2024-05-30T10:00:08Z"}},
                        }
                    ],
                },
            }
        )
    return snap


def run(n_pods: int, runs: int, page_size: int) -> dict:
    snap = generated_snapshot(n_pods)
    wire_mb = len(json.dumps(snap.list("pods"), separators=(",", ":"))) / 1e6
    times = []
    with SnapshotAPIServer(snap) as server, LiveCluster(server=server.url, timeout=60, page_size=page_size) as live:
        live.list("pods", "kube-system")  # warm up: connection pool, imports
        for _ in range(runs):
            start = time.perf_counter()
            pods = live.list("pods")
            times.append(time.perf_counter() - start)
            assert len(pods) == len(snap.list("pods")), (len(pods), len(snap.list("pods")))
    return {
        "pods": len(snap.list("pods")),
        "page_size": page_size,
        "pages": -(-len(snap.list("pods")) // page_size),
        "mb": wire_mb,
        "first": times[0],  # the server redacts each pod on its first serve, then serves that copy
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--header", action="store_true", help="print the Markdown table header first")
    args = parser.parse_args(argv)
    r = run(args.pods, args.runs, args.page_size)
    if args.header:
        print(HEADER)
    print(
        f"| list pods via LiveCluster from the snapshot API server | {r['pods']:,} | {r['page_size']} | {r['pages']} | "
        f"{r['mb']:.1f} | {r['median']:.2f} | {r['min']:.2f} | {r['max']:.2f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
