"""Frozen evidence: a capture records the standard series (from a real Prometheus) and the firing
alerts (from a real Alertmanager) with the objects; the snapshot answers the metric, alert and
change tools afterwards; ``snapshot serve --prometheus`` serves the frozen series through a real
Prometheus backfilled with promtool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from prom_servers import LocalAlertmanager, counters, require

from devkit.metrics import demo_alerts
from holmes_nb.apiserver.server import SnapshotAPIServer
from holmes_nb.formats.capture import capture
from holmes_nb.formats.demo import demo_cluster
from holmes_nb.formats.importers import load_snapshot
from holmes_nb.formats.openmetrics import LocalPrometheus
from holmes_nb.sources.alertmanager import AlertmanagerClient
from holmes_nb.sources.evidence import alerts_backend, metrics_backend
from holmes_nb.sources.frozen_metrics import FrozenMetrics
from holmes_nb.sources.live import LiveCluster
from holmes_nb.sources.prometheus import PrometheusClient, PrometheusSettings
from holmes_nb.tools.evidence import evidence_tools


@pytest.fixture(scope="module")
def demo():
    return demo_cluster()


def test_capture_then_replay_keeps_metrics_alerts_and_changes(demo, tmp_path):
    require("prometheus", "promtool", "prometheus-alertmanager")
    raw = [s for s in FrozenMetrics.from_doc(demo.metrics).series if not s.name.startswith("holmes_nb_")]
    am = LocalAlertmanager()
    try:
        am.post(demo_alerts(demo.now()))
        with LocalPrometheus(raw + counters(demo)) as prom, SnapshotAPIServer(demo) as api:
            prometheus = PrometheusClient(PrometheusSettings(prom.url))
            alertmanager = AlertmanagerClient(am.url)
            with LiveCluster(server=api.url) as live:
                result = capture(
                    live, tmp_path / "cap.json.gz", prometheus=prometheus, alertmanager=alertmanager,
                    metrics_end=demo.now(),
                )  # fmt: skip
            prometheus.close()
            alertmanager.close()
    finally:
        am.stop()
    assert [n for n in result.notes if n.startswith(("metrics:", "alerts:"))] == []
    snap = load_snapshot(result.path)
    frozen = metrics_backend(snap)
    assert isinstance(frozen, FrozenMetrics) and alerts_backend(snap) is not None
    names = {s.name for s in frozen.series}
    assert {"container_memory_working_set_bytes", "kube_pod_container_status_restarts_total",
            "node_filesystem_avail_bytes", "holmes_nb_http_error_ratio"} <= names  # fmt: skip
    snap.captured_at = demo.now()  # the live source's clock was the wall clock; the window is the demo's
    tools = {t.name: t for t in evidence_tools(snap)}
    mem = tools["metric_panel"].run({"panel": "memory", "name": "recommendations", "namespace": "shop"})
    assert "(frozen in the snapshot)" in mem.text and "reached memory limit @" in mem.text, mem.text
    err = tools["metric_panel"].run({"panel": "error_rate", "name": "checkout", "namespace": "shop", "start": "-6h"})
    assert "reached by 1 of 1 series" in err.text and "peak 93%" in err.text, err.text
    alerts = tools["firing_alerts"].run({})
    assert alerts.meta["rows"] == 6 and "(frozen in the snapshot)" in alerts.text
    changes = tools["changes"].run({"name": "frontend"})
    assert "frontend image ghcr.io/acme-shop/frontend:2.4.0 -> ghcr.io/acme-shop/frontend:2.41" in changes.text


def test_capture_notes_a_prometheus_that_is_down(demo, tmp_path):
    dead = PrometheusClient(PrometheusSettings("http://127.0.0.1:9", timeout=2))
    result = capture(demo, tmp_path / "x.json", prometheus=dead)
    assert sum("skipped (cannot reach Prometheus" in n for n in result.notes) == 7  # 6 queries + the alerts
    assert load_snapshot(result.path).metrics == demo.metrics  # the source's own frozen series are kept


def test_snapshot_serve_with_prometheus(tmp_path):
    require("prometheus", "promtool")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "holmes_nb", "snapshot", "serve", "demo", "--port", "0", "--prometheus"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        url = None
        deadline = time.monotonic() + 120
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("Prometheus with the snapshot's"):
                url = line.split(" at ")[1].split(" ")[0]
        assert url, proc.stderr.read() if proc.poll() is not None else "no Prometheus line"
        q = 'container_memory_working_set_bytes{pod=~"recommendations.*"}'
        doc = httpx.get(f"{url}/api/v1/query", params={"query": q, "time": "2025-03-14T10:15:00Z"}, timeout=10).json()
        assert doc["status"] == "success" and float(doc["data"]["result"][0]["value"][1]) == 512 * 2**20
        rate = httpx.get(
            f"{url}/api/v1/query",
            params={"query": "max(holmes_nb_http_error_ratio)", "time": "2025-03-14T10:30:00Z"},
            timeout=10,
        ).json()
        assert float(rate["data"]["result"][0]["value"][1]) > 0.8  # PromQL on the frozen incident
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/-/ready", timeout=2)


def test_cluster_timeline_shows_changes_alerts_and_limit_crossings(demo):
    from holmes_nb.report.timeline import plot_timeline, timeline_frame

    tl = timeline_frame(demo, namespace="shop")
    ev = tl[tl["kind"].isin(["change", "alert", "metric"])]
    assert ("change", "deployment/frontend", "rollout revision 2") in set(
        zip(ev["kind"], ev["object"], ev["reason"], strict=True)
    )
    assert set(ev.loc[ev["kind"] == "alert", "reason"]) == {
        "HighErrorRate (critical)",
        "KubePodCrashLooping (warning)",
        "KubeContainerOOMKilled (warning)",
        "KubeDeploymentRolloutStuck (warning)",
    }
    assert list(ev.loc[ev["kind"] == "metric", "reason"]) == ["memory reached 512Mi"]
    assert ("configmap/frontend-config", "updated") in set(zip(ev["object"], ev["reason"], strict=True))
    fig = plot_timeline(tl)
    assert {"change", "alert", "metric"} <= {t.get_text() for t in fig.axes[0].get_legend().get_texts()}
