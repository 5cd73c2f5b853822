"""Metric series and firing alerts for the demo cluster, consistent with its planted failures.

Six hours before the demo's "now" on a 5-minute grid (what a capture stores, see
holmes_nb.sources.frozen_metrics): every running container's memory (flat, well under its limit)
except recommendations (climbs to its 512Mi limit before each OOMKill); restart counters of the
crash-looping pods; the checkout error ratio (near 1 since its deploy); worker-3's root filesystem
filling (DiskPressure); mild CPU throttling of catalog. The alerts are the ones kube-prometheus
rules would fire for those failures, as Alertmanager's v2 API returns them.

    doc = demo_metrics(snapshot)       # {"start", "step", "series", "alerts"}
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from holmes_nb.frames.pods import restarts
from holmes_nb.k8s import parse_quantity, parse_time
from holmes_nb.sources.frozen_metrics import FrozenMetrics
from holmes_nb.sources.prometheus import Series
from holmes_nb.sources.snapshot import Snapshot

STEP = 300
HOURS = 6


def _grid(now: datetime) -> list[float]:
    end = now.timestamp()
    return [end - HOURS * 3600 + i * STEP for i in range(HOURS * 3600 // STEP + 1)]


def _wobble(t: float, seed: int) -> float:
    return 0.03 * math.sin(t / 1700.0 + seed)


def _memory(snap: Snapshot, grid: list[float]) -> list[Series]:
    out = []
    for i, pod in enumerate(snap.list("pods")):
        m = pod["metadata"]
        if (pod.get("status") or {}).get("phase") != "Running":
            continue
        born = parse_time(m.get("creationTimestamp")).timestamp()
        for c in pod["spec"]["containers"]:
            limit = parse_quantity(((c.get("resources") or {}).get("limits") or {}).get("memory")) or 512 * 2**20
            labels = {
                "__name__": "container_memory_working_set_bytes",
                "namespace": m["namespace"],
                "pod": m["name"],
                "container": c["name"],
                "node": pod["spec"].get("nodeName", ""),
            }
            oom = m["name"].startswith("recommendations-")
            pts = []
            for t in grid:
                if t < born:
                    continue
                if oom:  # a leak: ~22 minutes from 45% to the limit, then the OOMKill restarts it
                    phase = ((t - born) % 1320) / 1320
                    v = limit * min(1.0, 0.45 + 0.6 * phase)
                else:
                    v = limit * (0.35 + _wobble(t, i))
                pts.append((t, round(v)))
            out.append(Series(labels, pts))
    return out


def _restarts(snap: Snapshot, grid: list[float], now: datetime) -> list[Series]:
    out = []
    for pod in snap.list("pods"):
        n = restarts(pod)
        if not n:
            continue
        m = pod["metadata"]
        born = parse_time(m.get("creationTimestamp")).timestamp()
        span = max(1.0, now.timestamp() - born)
        for c in pod["spec"]["containers"]:
            labels = {
                "__name__": "kube_pod_container_status_restarts_total",
                "namespace": m["namespace"],
                "pod": m["name"],
                "container": c["name"],
            }
            pts = [(t, float(math.floor(n * (t - born) / span))) for t in grid if t >= born]
            out.append(Series(labels, pts))
    return out


def _ratio(name: str, labels: dict, grid: list[float], value) -> Series:
    return Series({"__name__": name, **labels}, [(t, round(value(t), 4)) for t in grid])


def _node_disk(grid: list[float]) -> list[Series]:
    size = 100 * 2**30
    out = []
    for node in ("worker-1", "worker-2", "worker-3"):
        labels = {"node": node, "instance": f"{node}:9100", "mountpoint": "/", "device": "/dev/nvme0n1p1"}
        full = node == "worker-3"
        start = grid[0]

        def avail(t: float, full=full, start=start, seed=int(node[-1])) -> float:
            return size * (0.30 - 0.23 * (t - start) / (HOURS * 3600) if full else 0.62 + _wobble(t, seed))

        out.append(Series({"__name__": "node_filesystem_avail_bytes", **labels}, [(t, round(avail(t))) for t in grid]))
        out.append(Series({"__name__": "node_filesystem_size_bytes", **labels}, [(t, float(size)) for t in grid]))
    return out


def _alert(name: str, labels: dict, summary: str, starts: datetime, severity: str = "warning") -> dict:
    return {
        "labels": {"alertname": name, "severity": severity, **labels},
        "annotations": {"summary": summary},
        "startsAt": starts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
    }


def demo_alerts(now: datetime) -> list[dict]:
    ago = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
    return [
        _alert(
            "KubePodCrashLooping",
            {"namespace": "shop", "pod": "checkout-zn9hbl8h66-skgzh", "container": "checkout"},
            "Pod shop/checkout-zn9hbl8h66-skgzh (checkout) is in waiting state (reason: CrashLoopBackOff).",
            ago(170),
        ),
        _alert(
            "KubePodCrashLooping",
            {"namespace": "shop", "pod": "recommendations-cls4ggdjg8-mjwrk", "container": "recommendations"},
            "Pod shop/recommendations-cls4ggdjg8-mjwrk (recommendations) is in waiting state (reason: CrashLoopBackOff).",
            ago(50),
        ),
        _alert(
            "KubeContainerOOMKilled",
            {"namespace": "shop", "pod": "recommendations-cls4ggdjg8-mjwrk", "container": "recommendations"},
            "Container recommendations in shop/recommendations-cls4ggdjg8-mjwrk was OOMKilled 9 times.",
            ago(45),
        ),
        _alert(
            "KubeDeploymentRolloutStuck",
            {"namespace": "shop", "deployment": "frontend"},
            "Rollout of deployment shop/frontend is not progressing.",
            ago(25),
        ),
        _alert(
            "NodeFilesystemSpaceFillingUp",
            {"node": "worker-3", "instance": "worker-3:9100", "mountpoint": "/"},
            "Filesystem on /dev/nvme0n1p1 at worker-3:9100 has only 7% available space left and is filling up.",
            ago(90),
            "critical",
        ),
        _alert(
            "HighErrorRate",
            {"namespace": "shop", "service": "checkout"},
            "More than 5% of requests to shop/checkout fail with 5xx.",
            ago(175),
            "critical",
        ),
    ]


def demo_metrics(snap: Snapshot) -> dict:
    now = snap.now()
    grid = _grid(now)
    pods = [p for p in snap.list("pods", "shop") if p["metadata"]["name"].startswith("checkout-")]
    born = min(parse_time(p["metadata"]["creationTimestamp"]).timestamp() for p in pods)  # the deploy
    series = _memory(snap, grid) + _restarts(snap, grid, now) + _node_disk(grid)
    series.append(
        _ratio(
            "holmes_nb_http_error_ratio",
            {"namespace": "shop", "service": "checkout"},
            grid,
            lambda t: 0.93 + _wobble(t, 3) if t >= born else 0.0,
        )
    )
    series.append(
        _ratio("holmes_nb_http_error_ratio", {"namespace": "shop", "service": "catalog"}, grid, lambda t: 0.004)
    )
    for pod in snap.list("pods", "shop"):
        if pod["metadata"]["name"].startswith("catalog-"):
            labels = {"namespace": "shop", "pod": pod["metadata"]["name"], "container": "catalog"}
            series.append(_ratio("holmes_nb_cpu_throttled_ratio", labels, grid, lambda t: 0.06 + _wobble(t, 5)))
    return FrozenMetrics.to_doc(series, grid[0], STEP, demo_alerts(now))
