"""Capture through the live source from a replay-served snapshot, and the ``holmes-nb snapshot`` CLI."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from snapshot_objects import CRASH_POD, SECRET_VALUE, build_snapshot

from holmes_nb.apiserver.server import SnapshotAPIServer
from holmes_nb.cli import main
from holmes_nb.errors import ConfigError
from holmes_nb.formats.capture import capture, output_path
from holmes_nb.formats.importers import load_snapshot
from holmes_nb.sources.live import LiveCluster


@pytest.fixture
def snap():
    return build_snapshot()


@pytest.fixture
def server(snap):
    with SnapshotAPIServer(snap) as srv:
        yield srv
    assert {r.method for r in srv.requests} <= {"GET"}


@pytest.fixture
def live(server):
    with LiveCluster(server=server.url, page_size=3) as cluster:
        yield cluster


def names(objs):
    return sorted((o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in objs)


def test_capture_round_trips_objects_and_logs(live, snap, tmp_path):
    result = capture(live, tmp_path / "incident.json.gz")
    loaded = load_snapshot(result.path)
    assert {k: n for k, n in result.counts.items() if n} == snap.counts()
    for kind in snap.counts():
        assert names(loaded.list(kind)) == names(snap.list(kind)), kind
    for (ns, pod, container, previous), text in snap.log_store.items():
        if text:  # the API has no empty logs; what was there comes back line for line
            assert loaded.logs(ns, pod, container, previous=previous).splitlines() == text.splitlines()
    assert result.log_count == sum(1 for t in snap.log_store.values() if t)
    assert loaded.get("pods", CRASH_POD, "shop")["status"] == snap.get("pods", CRASH_POD, "shop")["status"]


def test_secret_values_are_never_captured(live, tmp_path):
    result = capture(live, tmp_path / "plain.json")
    raw = result.path.read_bytes()
    assert SECRET_VALUE.encode() not in raw
    secret = load_snapshot(result.path).get("secrets", "db-creds", "shop")
    assert "data" not in secret and secret["metadata"]["name"] == "db-creds"


def test_capture_limited_to_namespaces(live, tmp_path):
    loaded = load_snapshot(capture(live, tmp_path / "shop.json.gz", namespaces=["shop"]).path)
    for kind in loaded.kinds_available():
        namespaces = {o["metadata"].get("namespace") for o in loaded.list(kind)}
        assert namespaces <= {"shop", None}, kind
    assert loaded.namespaces() == ["shop"] and loaded.list("nodes")  # cluster-scoped kinds are kept
    assert ("default", "cache-0") not in names(loaded.list("pods"))


def test_unknown_namespace_is_refused_with_suggestions(live, tmp_path):
    with pytest.raises(ConfigError) as err:
        capture(live, tmp_path / "x.json", namespaces=["shpo"])
    assert "shpo" in str(err.value) and "did you mean shop" in err.value.hint
    assert not (tmp_path / "x.json").exists()


def test_progress_reaches_the_total(live, tmp_path):
    calls = []
    capture(live, tmp_path / "p.json.gz", progress=lambda done, total, label: calls.append((done, total, label)))
    dones = [c[0] for c in calls]
    assert dones == sorted(dones) and calls[-1][0] == calls[-1][1] and len(calls) > 5


def test_output_paths(tmp_path):
    assert output_path(tmp_path) == tmp_path / "snapshot.json.gz"
    assert output_path(f"{tmp_path}/new/") == tmp_path / "new" / "snapshot.json.gz"
    assert output_path(tmp_path / "a.json") == tmp_path / "a.json"
    with pytest.raises(ConfigError):
        output_path("  ")


def test_capture_into_a_new_directory(live, tmp_path):
    result = capture(live, f"{tmp_path}/incident-42/")
    assert result.path == tmp_path / "incident-42" / "snapshot.json.gz"
    header = json.loads(gzip.decompress(result.path.read_bytes()))["header"]
    assert header["counts"] == result.counts and result.summary().startswith(f"wrote {result.path}")


# -- the CLI --------------------------------------------------------------------------------
def test_cli_capture_then_info(server, snap, tmp_path, capsys):
    out = tmp_path / "cli.json.gz"
    assert main(["snapshot", "capture", "--server", server.url, "-o", str(out), "-n", "shop,default"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"wrote {out}:")
    assert re.search(r"\b(\d+)/\1\b", captured.err)  # the progress bar reached its total
    assert main(["snapshot", "info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["counts"]["pods"] == len(snap.list("pods"))
    captured_at = datetime.strptime(info["captured_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - captured_at).total_seconds()) < 120  # a live capture: wall clock
    assert info["namespaces"] == ["default", "shop"]
    assert main(["snapshot", "info", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"captured: {info['captured_at']}" in text and any(
        line.split() == ["pods", str(len(snap.list("pods")))] for line in text.splitlines()
    )


def test_cli_capture_errors_are_one_line(tmp_path, capsys):
    assert main(["snapshot", "capture", "-o", str(tmp_path / "x.json")]) == 2  # no kubeconfig in the test env
    err = capsys.readouterr().err
    assert err.startswith("holmes-nb: error: no kubeconfig found") and "Traceback" not in err
    assert main(["snapshot", "capture", "--server", "http://127.0.0.1:9", "-o", str(tmp_path / "x.json"), "-q"]) == 1
    assert "cannot connect" in capsys.readouterr().err


def _free_port_in_use():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock


def test_cli_serve_port_in_use(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"kind": "List", "apiVersion": "v1", "items": []}))
    with _free_port_in_use() as sock:
        assert main(["snapshot", "serve", str(path), "--port", str(sock.getsockname()[1])]) == 2
    assert "pick another --port" in capsys.readouterr().err


def test_cli_serve_until_interrupted(live, tmp_path):
    """`holmes-nb snapshot serve` in a subprocess: banner, kubeconfig, reads work, Ctrl-C exits 0."""
    path = capture(live, tmp_path / "lab.json.gz").path
    kubeconfig = tmp_path / "lab-kubeconfig"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "holmes_nb",
            "snapshot",
            "serve",
            str(path),
            "--port",
            "0",
            "--write-kubeconfig",
            str(kubeconfig),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        banner = [proc.stdout.readline()]
        while "Ctrl-C" not in banner[-1] and banner[-1]:
            banner.append(proc.stdout.readline())
        first = banner[0]
        url = first.split(" at ")[1].split()[0]
        assert first.startswith("Serving snapshot:") and url.startswith("http://127.0.0.1:")
        with LiveCluster(kubeconfig=str(kubeconfig)) as cluster:
            assert CRASH_POD in {p["metadata"]["name"] for p in cluster.list("pods", "shop")}
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert f"  kubectl --server {url} get pods -A\n" in banner and "stopped; served" in err
