"""The snapshot API server over raw HTTP, and the real kubectl against it (skipped when kubectl is missing)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest
from snapshot_objects import CRASH_POD, SECRET_VALUE, build_snapshot

from holmes_nb.apiserver.server import Fault, SnapshotAPIServer
from holmes_nb.sources.kinds import KINDS

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


@pytest.fixture
def snap():
    return build_snapshot()


@pytest.fixture
def server(snap):
    with SnapshotAPIServer(snap) as srv:
        yield srv


def http(server, path, method="GET", accept="application/json", body=None):
    """(status, parsed JSON or text) of one raw request."""
    req = urllib.request.Request(server.url + path, method=method, data=body, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            status, data, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
    return status, (json.loads(data) if ctype.startswith("application/json") else data.decode())


# -- the API over raw HTTP ------------------------------------------------------------------
def test_discovery_lists_every_kind(server):
    served = set()
    status, groups = http(server, "/apis")
    assert status == 200 and groups["kind"] == "APIGroupList"
    for gv in ["v1"] + [v["groupVersion"] for g in groups["groups"] for v in g["versions"]]:
        _, doc = http(server, ("/api/" if gv == "v1" else "/apis/") + gv)
        served |= {(doc["groupVersion"], r["name"]) for r in doc["resources"] if "/" not in r["name"]}
    assert served == {(k.api_version, k.name) for k in KINDS}
    assert http(server, "/version")[1]["major"] == "1"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_write_is_refused_with_405(server, snap, method):
    status, doc = http(server, f"/api/v1/namespaces/shop/pods/{CRASH_POD}", method=method, body=b"{}")
    assert status == 405 and doc["kind"] == "Status" and doc["reason"] == "MethodNotAllowed"
    assert "read-only" in doc["message"]
    assert snap.get("pods", CRASH_POD, "shop")  # still there
    assert [r.status for r in server.writes()] == [405]


@pytest.mark.parametrize("sub", ["exec?command=sh", "attach", "portforward", "proxy/metrics"])
def test_exec_attach_portforward_proxy_are_refused_even_as_get(server, sub):
    status, doc = http(server, f"/api/v1/namespaces/shop/pods/{CRASH_POD}/{sub}")
    assert status == 405 and "read-only" in doc["message"]


def test_unknown_objects_get_kubernetes_404_status(server):
    status, doc = http(server, "/apis/apps/v1/namespaces/shop/deployments/nope")
    assert status == 404
    assert doc == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "code": 404,
        "reason": "NotFound",
        "message": 'deployments.apps "nope" not found',
        "details": {"name": "nope", "group": "apps", "kind": "deployments"},
    }
    assert http(server, "/api/v1/widgets")[0] == 404


@pytest.mark.parametrize(
    "path, accept",
    [
        ("/api/v1/namespaces/shop/secrets", "application/json"),
        ("/api/v1/secrets", TABLE),
        ("/api/v1/namespaces/shop/secrets/db-creds", "application/json"),
        ("/api/v1/namespaces/shop/secrets/db-creds", TABLE + ";includeObject=Object"),
    ],
)
def test_secrets_are_served_without_values(server, path, accept):
    status, doc = http(server, path, accept=accept)
    assert status == 200 and SECRET_VALUE not in json.dumps(doc)
    assert "db-creds" in json.dumps(doc)


def test_list_paging_with_limit_and_continue(server, snap):
    seen, token = [], ""
    while True:
        _, doc = http(server, "/api/v1/pods?limit=3" + (f"&continue={token}" if token else ""))
        seen += [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in doc["items"]]
        token = doc["metadata"].get("continue")
        if not token:
            break
        assert doc["metadata"]["remainingItemCount"] == len(snap.list("pods")) - len(seen)
    assert seen == sorted((p["metadata"]["namespace"], p["metadata"]["name"]) for p in snap.list("pods"))
    assert http(server, "/api/v1/pods?limit=3&continue=bogus")[0] == 400


def test_selectors_and_metadata_only_lists(server):
    _, doc = http(
        server, "/api/v1/namespaces/shop/pods?labelSelector=app%3Dcheckout&fieldSelector=status.phase%3DRunning"
    )
    assert sorted(p["metadata"]["name"] for p in doc["items"]) == sorted([CRASH_POD, "checkout-7d9f8c6b5-m9v7p"])
    _, meta = http(server, "/api/v1/pods", accept="application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
    assert meta["kind"] == "PartialObjectMetadataList" and all(
        set(i) == {"kind", "apiVersion", "metadata"} for i in meta["items"]
    )


def test_pods_table_has_kubectl_columns(server):
    _, table = http(server, "/api/v1/namespaces/shop/pods", accept=TABLE)
    assert table["kind"] == "Table"
    cols = [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0]
    assert cols == ["Name", "Ready", "Status", "Restarts", "Age"]
    rows = {r["cells"][0]: r["cells"] for r in table["rows"]}
    assert rows[CRASH_POD][1:4] == ["0/1", "CrashLoopBackOff", "7 (6m ago)"]  # ages from the capture time
    assert rows["migrate-x7k2p"][2] == "Error" and rows["image-typo-6b7c-pq2lm"][2] == "ImagePullBackOff"


def test_logs_previous_tail_and_bad_container(server):
    status, text = http(
        server, f"/api/v1/namespaces/shop/pods/{CRASH_POD}/log?container=checkout&previous=true&tailLines=1"
    )
    assert (status, text) == (200, "2024-06-01T11:54:00Z FATAL out of memory\n")
    status, doc = http(server, "/api/v1/namespaces/default/pods/cache-0/log?previous=true")
    assert status == 400 and "previous terminated container" in doc["message"]
    status, doc = http(server, f"/api/v1/namespaces/shop/pods/{CRASH_POD}/log?container=nope")
    assert status == 400 and "is not valid" in doc["message"]


def test_faults_fire_count_times_and_are_recorded(server):
    server.faults.append(("GET", r"/api/v1/nodes$", 500, 2))  # the short tuple form
    assert [http(server, "/api/v1/nodes")[0] for _ in range(3)] == [500, 500, 200]
    assert [r.status for r in server.requests if r.path == "/api/v1/nodes"] == [500, 500, 200]
    server.faults.append(Fault(r"/namespaces/shop/pods$", status=403))
    status, doc = http(server, "/api/v1/namespaces/shop/pods")
    assert status == 403 and 'cannot list resource "pods"' in doc["message"] and 'namespace "shop"' in doc["message"]


# -- the real kubectl -----------------------------------------------------------------------
@pytest.fixture
def kubectl(server, tmp_path):
    """Run kubectl against the server with an isolated kubeconfig and cache: ``kubectl("get", "pods")``."""
    env = dict(os.environ, KUBECONFIG=str(tmp_path / "no-kubeconfig"), HOME=str(tmp_path))

    def run(*args: str) -> subprocess.CompletedProcess:
        cmd = [KUBECTL, "--server", server.url, "--cache-dir", str(tmp_path / "cache"), *args]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)

    return run


@needs_kubectl
def test_kubectl_get_pods_all_namespaces(kubectl):
    out = kubectl("get", "pods", "-A")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    crash = next(line.split() for line in lines if CRASH_POD in line)
    assert crash[:5] == ["shop", CRASH_POD, "0/1", "CrashLoopBackOff", "7"]
    assert sum(" cache-0 " in line for line in lines) == 2  # default and shop


@needs_kubectl
def test_kubectl_get_deployments_and_events(kubectl):
    deploy = kubectl("get", "deploy", "-n", "shop")
    assert deploy.returncode == 0, deploy.stderr
    assert deploy.stdout.splitlines()[1].split()[:4] == ["checkout", "1/2", "2", "1"]
    events = kubectl("get", "events", "-n", "shop")
    assert events.returncode == 0, events.stderr
    assert "BackOff" in events.stdout and f"pod/{CRASH_POD}" in events.stdout


@needs_kubectl
def test_kubectl_describe_pod(kubectl):
    out = kubectl("describe", "pod", CRASH_POD, "-n", "shop")
    assert out.returncode == 0, out.stderr
    assert "CrashLoopBackOff" in out.stdout and "OOMKilled" in out.stdout
    assert "Exit Code:    137" in out.stdout and "Restart Count:  7" in out.stdout
    assert "Events:" in out.stdout and "BackOff" in out.stdout.split("Events:")[1]


@needs_kubectl
def test_kubectl_logs_previous_and_tail(kubectl):
    out = kubectl("logs", CRASH_POD, "-n", "shop", "--previous", "--tail", "2")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "2024-06-01T11:59:00Z INFO handled request 79",
        "2024-06-01T11:54:00Z FATAL out of memory",
    ]
    assert kubectl("logs", "cache-0", "-n", "shop").stdout.startswith("1:M 01 Jun 2024")
    missing = kubectl("logs", "cache-0", "-n", "default", "--previous")
    assert missing.returncode != 0 and "previous terminated container" in missing.stderr


@needs_kubectl
def test_kubectl_secrets_show_no_values(kubectl):
    out = kubectl("get", "secret", "db-creds", "-n", "shop", "-o", "json")
    assert out.returncode == 0, out.stderr
    assert SECRET_VALUE not in out.stdout and '"name": "db-creds"' in out.stdout


@needs_kubectl
def test_kubectl_not_found(kubectl):
    out = kubectl("get", "pod", "nope", "-n", "shop")
    assert out.returncode != 0 and 'pods "nope" not found' in out.stderr


@needs_kubectl
def test_kubectl_writes_fail_with_the_read_only_message(kubectl, server, snap, tmp_path):
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: cache-0, namespace: shop}\n"
        "spec: {containers: [{name: redis, image: redis:8}]}\n"
    )
    for args in (
        ["delete", "pod", CRASH_POD, "-n", "shop"],
        ["apply", "-f", str(manifest)],
        ["create", "-f", str(manifest)],
        ["scale", "deploy", "checkout", "-n", "shop", "--replicas=0"],
        ["exec", CRASH_POD, "-n", "shop", "--", "sh"],
    ):
        out = kubectl(*args)
        assert out.returncode != 0, args
        assert "read-only" in out.stderr, (args, out.stderr)
    writes = server.writes()
    assert {r.method for r in writes} >= {"DELETE", "PATCH", "POST"} and {r.status for r in writes} == {405}
    assert snap.get("pods", "cache-0", "shop")["spec"]["containers"][0]["image"] == "redis:7"


@needs_kubectl
def test_kubectl_on_the_demo_cluster(tmp_path):
    """The lab setup: the bundled demo served to kubectl; every pod listed, each describable."""
    from holmes_nb.formats.demo import demo_cluster

    demo = demo_cluster()
    env = dict(os.environ, KUBECONFIG=str(tmp_path / "none"), HOME=str(tmp_path))
    with SnapshotAPIServer(demo) as srv:

        def run(*args):
            return subprocess.run(
                [KUBECTL, "--server", srv.url, *args], env=env, capture_output=True, text=True, timeout=60
            )

        pods = run("get", "pods", "-A", "--no-headers")
        assert pods.returncode == 0, pods.stderr
        assert len(pods.stdout.splitlines()) == len(demo.list("pods"))
        crashing = next(p for p in demo.list("pods") if "CrashLoopBackOff" in json.dumps(p["status"]))
        meta = crashing["metadata"]
        described = run("describe", "pod", meta["name"], "-n", meta["namespace"])
        assert described.returncode == 0 and "CrashLoopBackOff" in described.stdout
        assert run("get", "events", "-A").returncode == 0
    assert {r.method for r in srv.requests} == {"GET"}
