"""Metrics against a real Prometheus (backfilled with promtool from series the test generates):
the tools' summaries, the panels, bad PromQL, a down and a slow server, huge results, the config
forms; and the same tools over the series frozen in the demo snapshot."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta

import pytest
from prom_servers import counters, require

from holmes_nb.config import Config, load_config
from holmes_nb.errors import ConfigError
from holmes_nb.formats.demo import demo_cluster
from holmes_nb.formats.openmetrics import LocalPrometheus, openmetrics_text
from holmes_nb.sources.frozen_metrics import FrozenMetrics, parse_selector
from holmes_nb.sources.prometheus import (
    PrometheusClient,
    PrometheusError,
    PrometheusSettings,
    Series,
    prometheus_settings,
)
from holmes_nb.tools.metrics import metrics_tools

MiB = 2**20


@pytest.fixture(scope="module")
def demo():
    return demo_cluster()


@pytest.fixture(scope="module")
def prom(demo):
    require("prometheus", "promtool")
    frozen = FrozenMetrics.from_doc(demo.metrics)
    with LocalPrometheus(frozen.series + counters(demo)) as server:
        yield server


@pytest.fixture(scope="module")
def tools(demo, prom):
    client = PrometheusClient(PrometheusSettings(prom.url, timeout=10))
    yield {t.name: t for t in metrics_tools(demo, client)}
    client.close()


# -- a real Prometheus ------------------------------------------------------------------------------
def test_memory_panel_shows_the_peak_at_the_limit(tools):
    r = tools["metric_panel"].run({"panel": "memory", "name": "recommendations", "start": "-6h"})
    assert r.ok, r.text
    assert "memory limit 512Mi: reached by 1 of 1 series" in r.text
    line = next(ln for ln in r.text.splitlines() if ln.startswith("- "))
    assert "peak 512Mi @" in line and "reached memory limit @" in line
    assert r.meta["plot"] and r.frame.attrs["threshold"] == 512 * MiB
    assert set(r.frame.columns) >= {"timestamp", "value", "metric", "pod", "container"}
    assert str(r.frame["timestamp"].dt.tz) == "UTC" and r.frame["value"].max() == 512 * MiB


def test_error_rate_panel_runs_real_promql(tools):
    r = tools["metric_panel"].run({"panel": "error_rate", "name": "checkout", "namespace": "shop", "start": "-6h"})
    assert r.ok, r.text
    assert "error ratio threshold 5%: reached by 1 of 1 series" in r.text
    assert "rising" in r.text and "peak 93%" in r.text
    healthy = tools["metric_panel"].run({"panel": "error_rate", "name": "catalog", "namespace": "shop"})
    assert "reached by 0 of 1 series" in healthy.text


def test_bad_promql_gives_the_model_prometheus_own_message(tools):
    r = tools["prometheus_query"].run({"query": "sum(rate(http_requests_total[5m]"})
    assert not r.ok
    assert "Prometheus rejected the query (400 bad_data)" in r.text and "parse error" in r.text


def test_metric_names_for_a_namespace(tools):
    r = tools["metric_names"].run({"namespace": "shop", "contains": "http"})
    assert r.text.splitlines()[1] == "holmes_nb_http_error_ratio http_requests_total"


def test_range_and_points_are_bounded(demo, prom):
    client = PrometheusClient(PrometheusSettings(prom.url))
    end = demo.now()
    result = client.query_range("http_requests_total", end - timedelta(days=30), end, step=1)
    assert result.step == 8640  # 30 days in at most 300 points
    assert all(len(s.points) <= 301 for s in result.series)
    tool = {t.name: t for t in metrics_tools(demo, client)}["prometheus_query"]
    r = tool.run({"query": "http_requests_total", "start": "-30d"})
    assert "| 2025-03-07 10:30 to 10:30 UTC" in r.text.splitlines()[0]  # capped at 7 days
    client.close()


def test_huge_results_are_cut_and_said(demo):
    require("prometheus", "promtool")
    end = demo.now().timestamp()
    many = [
        Series(
            {"__name__": "container_memory_working_set_bytes", "namespace": "big", "pod": f"p-{i:04d}"},
            [(end - 6 * 3600 + j * 600, float(i * MiB + j)) for j in range(37)],
        )
        for i in range(1000)
    ]
    with LocalPrometheus(many) as server:
        client = PrometheusClient(PrometheusSettings(server.url))
        start = demo.now() - timedelta(hours=6)
        cut = client.query_range(
            'container_memory_working_set_bytes{namespace="big"}', start, demo.now(), max_series=100
        )
        assert (cut.total_series, len(cut.series), cut.cut) == (1000, 100, 900)
        from holmes_nb.frames.metrics import summary_text

        assert "[result cut: 1000 series returned, the first 100 were read]" in summary_text(cut)
        r = {t.name: t for t in metrics_tools(demo, client)}["prometheus_query"].run(
            {"query": 'container_memory_working_set_bytes{namespace="big"}', "start": "-6h"}
        )
        client.close()
    assert "1000 series" in r.text.splitlines()[0]
    assert "- pod=p-0999: " in r.text and "[995 more series not shown" in r.text
    assert len(r.frame) >= 1000 * 30


def test_prometheus_down_is_a_clear_tool_error(demo):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = PrometheusClient(PrometheusSettings(f"http://127.0.0.1:{port}", origin="PROMETHEUS_URL"))
    r = {t.name: t for t in metrics_tools(demo, client)}["prometheus_query"].run({"query": "up"})
    assert not r.ok and f"cannot reach Prometheus at http://127.0.0.1:{port}" in r.text
    assert "check the URL (PROMETHEUS_URL)" in r.text


@pytest.fixture
def silent_server():
    """A socket that accepts and reads but never answers (a hung Prometheus), recording requests."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    seen: list[bytes] = []
    stop = threading.Event()

    def serve():
        srv.settimeout(0.2)
        conns = []
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                conns.append(conn)
                seen.append(conn.recv(65536))
            except OSError:
                continue
        for c in conns:
            c.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}", seen
    stop.set()
    thread.join(timeout=5)
    srv.close()


def test_slow_prometheus_times_out_and_headers_are_sent(demo, silent_server, monkeypatch, tmp_path):
    url, seen = silent_server
    monkeypatch.setenv("PROM_TOKEN", "tok-1234")
    cfg_file = tmp_path / "config.yaml"
    cfg_file.write_text(
        json.dumps(
            {
                "toolsets": {
                    "prometheus/metrics": {
                        "enabled": True,
                        "config": {
                            "prometheus_url": url,
                            "headers": {"Authorization": "Bearer {{ env.PROM_TOKEN }}"},
                            "timeout": 1,
                        },
                    }
                }
            }
        )
    )
    client = PrometheusClient.from_config(load_config(str(cfg_file)))
    with pytest.raises(PrometheusError, match="did not answer within 1s"):
        client.query_range("up", demo.now() - timedelta(hours=1), demo.now())
    client.close()
    assert b"authorization: Bearer tok-1234" in seen[0].lower().replace(b"bearer", b"Bearer")


# -- configuration ---------------------------------------------------------------------------------
def test_settings_precedence(monkeypatch):
    monkeypatch.setenv("PROMETHEUS_URL", "http://env:9090/")
    assert prometheus_settings(Config()).url == "http://env:9090"
    cfg = Config(settings={"toolsets": {"prometheus/metrics": {"config": {"prometheus_url": "http://cfg:9090"}}}})
    assert prometheus_settings(cfg).url == "http://cfg:9090"
    off = Config(settings={"toolsets": {"prometheus/metrics": {"enabled": False}}})
    assert prometheus_settings(off) is None
    monkeypatch.delenv("PROMETHEUS_URL")
    assert prometheus_settings(Config()) is None
    missing = Config(
        settings={
            "toolsets": {
                "prometheus/metrics": {"config": {"prometheus_url": "http://x", "headers": {"A": "{{ env.NOPE_X }}"}}}
            }
        }
    )
    with pytest.raises(ConfigError, match="NOPE_X is not set"):
        prometheus_settings(missing)


# -- frozen series ---------------------------------------------------------------------------------
def test_frozen_snapshot_answers_selectors_and_panels_only(demo):
    frozen = FrozenMetrics.from_doc(demo.metrics)
    tools = {t.name: t for t in metrics_tools(demo, frozen)}
    mem = tools["metric_panel"].run({"panel": "memory", "name": "recommendations"})
    assert "(frozen in the snapshot)" in mem.text and "reached memory limit @" in mem.text
    disk = tools["prometheus_query"].run({"query": 'node_filesystem_avail_bytes{node=~"worker-3"}', "start": "-6h"})
    assert "falling" in disk.text and "last 7Gi" in disk.text
    refused = tools["prometheus_query"].run({"query": "sum(rate(http_requests_total[5m]))"})
    assert not refused.ok and "needs a PromQL engine" in refused.text
    assert parse_selector('a{b="c",d!~"e.*"}') == [("__name__", "=", "a"), ("b", "=", "c"), ("d", "!~", "e.*")]


def test_openmetrics_text_escapes_and_groups():
    text = openmetrics_text(
        [Series({"__name__": "m", "a": 'x"y\\z'}, [(2.0, 1.0), (1.0, 0.5)]), Series({"__name__": "n"}, [(1.0, 2.0)])]
    )
    assert text.splitlines() == [
        "# TYPE m gauge",
        'm{a="x\\"y\\\\z"} 0.5 1.000',
        'm{a="x\\"y\\\\z"} 1.0 2.000',
        "# TYPE n gauge",
        "n 2.0 1.000",
        "# EOF",
    ]


def test_https_prometheus_is_trusted_through_certificate(demo, tmp_path, monkeypatch):
    """A real Prometheus serving HTTPS with a private CA: refused without CERTIFICATE, read with it."""
    require("prometheus", "promtool")
    import base64

    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    chain, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(chain))
    for pem in cert.cert_chain_pems[1:]:
        pem.write_to_path(str(chain), append=True)
    cert.private_key_pem.write_to_path(str(key))
    series = [Series({"__name__": "up", "job": "x"}, [(demo.now().timestamp() - 60 * i, 1.0) for i in range(10)])]
    with LocalPrometheus(series, tls=(str(chain), str(key))) as server:
        assert server.url.startswith("https://localhost:")
        untrusted = PrometheusClient(PrometheusSettings(server.url))
        with pytest.raises(PrometheusError, match="CERTIFICATE_VERIFY_FAILED"):
            untrusted.query_range("up", demo.now() - timedelta(minutes=10), demo.now())
        untrusted.close()
        monkeypatch.setenv("CERTIFICATE", base64.b64encode(ca.cert_pem.bytes()).decode())
        trusted = PrometheusClient(PrometheusSettings(server.url))
        result = trusted.query_range("up", demo.now() - timedelta(minutes=10), demo.now())
        trusted.close()
    assert result.total_series == 1 and result.series[0].labels["job"] == "x"
