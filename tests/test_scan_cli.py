"""``holmes-nb scan`` through ``holmes_nb.cli.main`` on a YAML/JSON objects file, and once as a real process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from analyzer_objects import NS, container, deployment, endpoints, node, pod, replicaset, service, terminated, waiting

from holmes_nb.cli import main

CRASH = "web-7d9f8c6b5-bad01"


@pytest.fixture
def objects_file(tmp_path):
    """A `kubectl get -o json`-style List: a crashing pod in a half-ready Deployment, a cordoned node."""
    items = [
        deployment("web", replicas=2, ready=1),
        replicaset("web-7d9f8c6b5", "web", replicas=2, ready=1),
        pod("web-7d9f8c6b5-good1"),
        pod(
            CRASH,
            containers=[container(limits={"memory": "128Mi"})],
            statuses=[waiting("app", "CrashLoopBackOff", restarts=9, last=terminated("OOMKilled", 137))],
        ),
        pod("worker-5d6c7-ok123", ns="batch", labels={"app": "worker"}, owner=("ReplicaSet", "worker-5d6c7")),
        service("web", {"app": "web"}),
        endpoints("web", ready=("10.244.1.7",)),
        node("worker-1"),
        node("worker-2", unschedulable=True),
    ]
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return str(path)


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(["scan", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_a_list_of_finding_objects(objects_file, capsys):
    code, out, _ = run_cli(capsys, "--cluster", objects_file, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [(d["severity"], d["kind"], d["name"], d["reason"]) for d in data] == [
        ("critical", "Pod", CRASH, "CrashLoopBackOff"),
        ("warning", "Node", "worker-2", "Cordoned"),  # cluster-scoped: namespace "" sorts first
        ("warning", "Deployment", "web", "PodsFailing"),
    ]
    crash = data[0]
    assert set(crash) == {"kind", "namespace", "name", "severity", "reason", "message", "evidence", "caused_by"}
    assert crash["caused_by"] is None and data[2]["caused_by"] == f"Pod/{NS}/{CRASH}"  # the pod explains it
    assert crash["namespace"] == NS and "128Mi" in crash["message"] and isinstance(crash["evidence"], list)


def test_severity_filter_namespace_and_fail_on(objects_file, capsys):
    code, out, _ = run_cli(capsys, "--cluster", objects_file, "--format", "json", "--severity", "critical")
    assert code == 0 and [d["name"] for d in json.loads(out)] == [CRASH]
    code, out, _ = run_cli(capsys, "--cluster", objects_file, "--format", "json", "--fail-on", "critical")
    assert code == 3 and len(json.loads(out)) == 3
    code, out, _ = run_cli(capsys, "--cluster", objects_file, "-n", "batch", "--fail-on", "warning")
    assert code == 0 and out.startswith("No findings")


def test_table_and_markdown_output(objects_file, capsys):
    code, out, _ = run_cli(capsys, "--cluster", objects_file)
    assert code == 0
    assert out.splitlines()[0].split() == ["SEVERITY", "KIND", "OBJECT", "REASON"]
    assert f"[critical] Pod {NS}/{CRASH}: CrashLoopBackOff" in out
    assert out.rstrip().endswith("3 finding(s) on snapshot:" + objects_file + ": 1 critical, 2 warning")
    code, out, _ = run_cli(capsys, "--cluster", objects_file, "--format", "markdown")
    assert "| Severity | Kind | Object | Reason | Message |" in out
    assert f"### critical: Pod `{NS}/{CRASH}` — CrashLoopBackOff" in out
    assert "- `last exit: OOMKilled, code 137" in out


def test_missing_snapshot_is_a_one_line_usage_error(tmp_path, capsys):
    code, out, err = run_cli(capsys, "--cluster", str(tmp_path / "nope.json"))
    assert code == 2 and out == ""
    assert err.startswith("holmes-nb: error: snapshot not found") and len(err.strip().splitlines()) == 1


def test_demo_as_json_through_main(capsys):
    code, out, err = run_cli(capsys, "--cluster", "demo", "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    refs = {(d["kind"], d["namespace"], d["name"]): d for d in data}
    assert refs[("Service", "shop", "inventory")]["reason"] == "NoMatchingPods"
    assert refs[("Node", "", "worker-3")]["reason"] == "DiskPressure"
    severities = [d["severity"] for d in data]
    assert severities == sorted(severities, key=["critical", "warning", "info"].index)


def test_demo_scan_as_a_process():
    proc = subprocess.run(
        [sys.executable, "-m", "holmes_nb", "scan", "--cluster", "demo", "--format", "json", "--fail-on", "critical"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    data = json.loads(proc.stdout)
    assert {"CrashLoopBackOff", "ImagePullBackOff", "Unschedulable", "Evicted"} <= {d["reason"] for d in data}
    keys = {"kind", "namespace", "name", "severity", "reason", "message", "evidence", "caused_by"}
    assert all(set(d) == keys for d in data)
