"""Change history: revision diffs, Helm releases, managedFields updates; in memory, through the
snapshot API server with the real kubernetes client, after a capture, and from a real
``kubectl cluster-info dump`` tree."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess

import pytest

from holmes_nb.apiserver.server import SnapshotAPIServer
from holmes_nb.formats.demo import demo_cluster
from holmes_nb.formats.importers import load_snapshot, save_snapshot
from holmes_nb.frames.changes import CHANGE_COLUMNS, change_records, previous_revision_note, workload_revisions
from holmes_nb.frames.template_diff import template_diff
from holmes_nb.sources.live import LiveCluster
from holmes_nb.tools.changes import changes_tool

OLD_IMAGE, NEW_IMAGE = "ghcr.io/acme-shop/frontend:2.4.0", "ghcr.io/acme-shop/frontend:2.41"
ENV_VALUE = "planted-env-value-9931"


def container(**kw):
    return {"name": "app", "image": "app:1", **kw}


def tpl(*containers, **spec):
    return {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": list(containers), **spec}}


# -- the pod template diff ---------------------------------------------------------------------------
def test_diff_names_every_field_and_never_an_env_value():
    probe = {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10}
    old = tpl(
        container(
            args=["--port=80", "--db-password=hunter2"],
            env=[{"name": "MODE", "value": "a"}, {"name": "GONE", "value": "x"}],
            resources={"limits": {"memory": "128Mi"}},
            readinessProbe=probe,
        ),
        volumes=[{"name": "cfg", "configMap": {"name": "app-v1"}}],
    )
    new = tpl(
        container(
            image="app:2",
            args=["--port=81", "--db-password=hunter3"],
            env=[{"name": "MODE", "value": ENV_VALUE}, {"name": "NEW_FLAG", "value": ENV_VALUE}],
            resources={"limits": {"memory": "256Mi"}},
            readinessProbe={**probe, "periodSeconds": 30},
        ),
        {"name": "sidecar", "image": "envoy:1.30"},
        volumes=[{"name": "cfg", "configMap": {"name": "app-v2"}}, {"name": "tmp", "emptyDir": {}}],
        serviceAccountName="app",
    )
    lines = template_diff(old, new)
    text = "\n".join(lines)
    assert "app image app:1 -> app:2" in lines
    assert "app env +NEW_FLAG -GONE ~MODE (~ = value or source changed, not shown)" in lines
    assert "app resources lim memory=128Mi -> lim memory=256Mi" in lines
    assert "app readiness probe httpGet :8080/ready period=10 -> httpGet :8080/ready period=30" in lines
    assert "container sidecar added (image envoy:1.30)" in lines
    assert "volume cfg configMap/app-v1 -> configMap/app-v2" in lines and "volume tmp added (emptyDir)" in lines
    assert "service account (none) -> app" in lines
    assert "--port=80" in text and "--port=81" in text
    for secret in (ENV_VALUE, "hunter2", "hunter3"):
        assert secret not in text
    assert template_diff(old, copy.deepcopy(old)) == []


# -- the demo's bad rollout ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo():
    return demo_cluster()


def test_changes_tool_shows_the_bad_rollout_side_by_side(demo):
    result = changes_tool(demo).run({"namespace": "shop"})
    assert result.ok, result.text
    first = result.text.splitlines()[1]
    assert first.startswith("- 35m ago Deployment shop/frontend rollout revision 2 (ReplicaSet frontend-")
    assert f"frontend image {OLD_IMAGE} -> {NEW_IMAGE}; now 0/1 pods ready (ImagePullBackOff)" in first
    assert "- 41m ago ConfigMap shop/frontend-config updated: Update by kubectl-edit" in result.text
    assert list(result.frame.columns) == CHANGE_COLUMNS
    assert str(result.frame["time"].dt.tz) == "UTC"
    assert result.frame["time"].is_monotonic_decreasing


def test_helm_releases_come_from_labels_only(demo):
    rows = [r for r in change_records(demo, "monitoring") if r["kind"] == "HelmRelease"]
    assert [(r["name"], r["revision"], r["change"]) for r in rows] == [
        ("grafana", 3, "helm deployed"),
        ("grafana", 2, "helm superseded"),
    ]
    assert rows[0]["time"].isoformat() == "2025-03-09T10:30:00+00:00"


def test_statefulset_and_daemonset_revisions_from_controller_revisions(demo):
    sts = workload_revisions(demo, demo.get("statefulsets", "postgres", "data"))
    ds = workload_revisions(demo, demo.get("daemonsets", "node-exporter", "monitoring"))
    assert [(r.number, r.pods, r.ready) for r in sts] == [(1, 1, 1)]
    assert [(r.number, r.pods, r.ready) for r in ds] == [(1, 3, 3)]
    assert sts[0].template["spec"]["containers"]


def test_describe_deployment_names_the_previous_revision(demo):
    from holmes_nb.tools.kubernetes import kubernetes_tools

    describe = next(t for t in kubernetes_tools(demo) if t.name == "describe")
    text = describe.run({"kind": "deployment", "name": "frontend", "namespace": "shop"}).text
    line = next(ln for ln in text.splitlines() if ln.startswith("rollout: "))
    assert line == (
        f"rollout: revision 1 -> 2: frontend image {OLD_IMAGE} -> {NEW_IMAGE}; "
        "new revision 0/1 pods ready (ImagePullBackOff), previous 3/3 pods ready"
    )
    healthy = describe.run({"kind": "deployment", "name": "catalog", "namespace": "shop"}).text
    assert "rollout:" not in healthy
    assert previous_revision_note(demo, demo.get("deployments", "checkout", "shop")) is None  # one revision only


def test_a_name_filter_and_an_unknown_name(demo):
    tool = changes_tool(demo)
    only = tool.run({"name": "frontend"})
    assert only.meta["rows"] == 2 and "for 'frontend'" in only.text.splitlines()[0]
    none = tool.run({"namespace": "shop", "name": "nope"})
    assert none.ok and none.text.startswith("no changes found in namespace 'shop' for 'nope'")


def test_the_default_toolset_offers_changes(demo):
    from holmes_nb.api import default_tools

    assert "changes" in [t.name for t in default_tools(demo)]


# -- live, captured, dumped -------------------------------------------------------------------------
def test_live_cluster_and_capture_give_the_same_history(demo, tmp_path):
    expected = change_records(demo)
    assert len(expected) > 20
    with SnapshotAPIServer(demo) as server:
        live = LiveCluster(server=server.url)
        try:
            assert change_records(live) == expected  # the live source's clock differs: compare the rows
            assert changes_tool(live).run({"name": "frontend"}).text.count(NEW_IMAGE) == 1
            path = save_snapshot(live, tmp_path / "cap.json.gz")
        finally:
            live.close()
    captured = load_snapshot(path)
    assert len(captured.list("controllerrevisions")) == len(demo.list("controllerrevisions")) > 0
    assert change_records(captured) == expected
    assert f"frontend image {OLD_IMAGE} -> {NEW_IMAGE}" in changes_tool(captured).run({"namespace": "shop"}).text


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_real_kubectl_dump_keeps_the_rollout_diff(demo, tmp_path):
    env = {**os.environ, "KUBECONFIG": os.devnull}
    with SnapshotAPIServer(demo) as server:
        cmd = ["kubectl", "--server", server.url, "cluster-info", "dump", "--namespaces", "shop"]
        subprocess.run(cmd + ["--output-directory", str(tmp_path / "d")], check=True, env=env, timeout=120)
    dumped = load_snapshot(tmp_path / "d")
    assert "replicasets" in dumped.kinds_available() and "controllerrevisions" not in dumped.kinds_available()
    text = changes_tool(dumped).run({"name": "frontend"}).text
    assert f"frontend image {OLD_IMAGE} -> {NEW_IMAGE}" in text
