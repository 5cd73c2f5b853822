"""LiveCluster through the real ``kubernetes`` client against the snapshot API server (no client mocks).

Every test checks that the server only ever saw GET requests.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from holmes_nb.apiserver.server import Fault, SnapshotAPIServer
from holmes_nb.cluster_spec import open_cluster
from holmes_nb.errors import (
    ClusterError,
    ConfigError,
    ForbiddenError,
    GoneError,
    HolmesError,
    NotFoundError,
)
from holmes_nb.sources.live import LiveCluster, kubeconfig_available
from holmes_nb.sources.snapshot import Snapshot

SECRET_B64 = "c3VwZXItc2VjcmV0LTQyNDI="  # base64 of a planted value: must never reach the client
TOKEN = "test-bearer-token-0f3c"
N_WEB = 25


def _meta(name, ns=None, **extra):
    meta = {"name": name, "uid": f"uid-{ns}-{name}", "creationTimestamp": "2024-06-01T10:00:00Z", **extra}
    if ns:
        meta["namespace"] = ns
    return meta


def _pod(name, ns, labels, containers=("web",), node="n1", restarts=0):
    statuses = [{"name": c, "ready": True, "restartCount": restarts, "state": {"running": {}}} for c in containers]
    if restarts:
        statuses[0]["lastState"] = {"terminated": {"reason": "OOMKilled", "exitCode": 137}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(name, ns, labels=labels),
        "spec": {"nodeName": node, "containers": [{"name": c, "image": f"{c}:1"} for c in containers]},
        "status": {"phase": "Running", "containerStatuses": statuses},
    }


def make_snapshot() -> Snapshot:
    """shop: 25 web pods (tier fe on even ones, nodes n1/n2), worker-0 with two containers and a restart;
    default: web-0 and worker-0's namesake elsewhere; a Secret with a planted value."""
    snap = Snapshot(name="live-test", captured_at=datetime(2024, 6, 1, 12, tzinfo=timezone.utc))
    for ns in ("default", "kube-system", "shop"):
        snap.add({"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(ns)})
    for i in range(N_WEB):
        labels = {"app": "web", **({"tier": "fe"} if i % 2 == 0 else {})}
        snap.add(_pod(f"web-{i}", "shop", labels, node="n1" if i < 10 else "n2"))
    snap.add(_pod("worker-0", "shop", {"app": "worker"}, containers=("main", "sidecar"), restarts=1))
    snap.add(_pod("web-0", "default", {"app": "web"}))
    snap.add(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": _meta("web", "shop"),
            "spec": {"replicas": 3},
            "status": {"readyReplicas": 3},
        }
    )
    snap.add({"apiVersion": "v1", "kind": "Node", "metadata": _meta("n1"), "status": {}})
    snap.add(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": _meta("worker-0.1", "shop"),
            "reason": "BackOff",
            "involvedObject": {"kind": "Pod", "name": "worker-0", "namespace": "shop"},
            "type": "Warning",
        }
    )
    last_applied = json.dumps({"kind": "Secret", "data": {"password": SECRET_B64}})
    snap.objects.setdefault("secrets", []).append(  # as an API server stores it: with the value
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "data": {"password": SECRET_B64},
            "metadata": _meta(
                "db-creds", "shop", annotations={"kubectl.kubernetes.io/last-applied-configuration": last_applied}
            ),
        }
    )
    snap.log_store.update(
        {
            ("shop", "worker-0", "main", False): "start\nworking\nstill working",
            ("shop", "worker-0", "main", True): "boot\nallocating\nOOM",
            ("shop", "worker-0", "sidecar", False): "sidecar up",
        }
    )
    return snap


@pytest.fixture
def snap():
    return make_snapshot()


@pytest.fixture
def server(snap):
    with SnapshotAPIServer(snap) as srv:
        yield srv
    assert srv.requests, "the test made no request"
    assert {r.method for r in srv.requests} == {"GET"}, "LiveCluster sent a non-GET request"


@pytest.fixture
def live(server):
    with LiveCluster(server=server.url, timeout=2.0, page_size=4) as cluster:
        yield cluster


def names(objs):
    return sorted(f"{o['metadata'].get('namespace', '')}/{o['metadata']['name']}" for o in objs)


# -- lists, selectors, paging ---------------------------------------------------------------
def test_list_across_and_within_namespaces(live, snap):
    assert names(live.list("pods")) == names(snap.list("pods"))
    assert names(live.list("pods", "shop")) == names(snap.list("pods", "shop"))
    assert names(live.list("po", "default")) == ["default/web-0"]
    assert live.namespaces() == ["default", "kube-system", "shop"]
    assert names(live.list("nodes", "shop")) == ["/n1"]  # cluster-scoped: the namespace is ignored


def test_items_carry_kind_and_api_version(live):
    deploy = live.list("deployments", "shop")[0]
    assert (deploy["kind"], deploy["apiVersion"]) == ("Deployment", "apps/v1")


def test_large_lists_are_paged_with_continue(live, server, snap):
    pods = live.list("pods")
    assert len(pods) == len(snap.list("pods")) == N_WEB + 2
    pages = [r for r in server.requests if r.path == "/api/v1/pods"]
    assert len(pages) == -(-len(pods) // 4)  # ceil: every page of 4 fetched once
    assert all(r.query["limit"] == "4" for r in pages)
    assert sum("continue" in r.query for r in pages) == len(pages) - 1


@pytest.mark.parametrize(
    "labels, fields",
    [
        ("app=web", None),
        ("app=web,tier in (fe)", None),
        ("app,!tier", None),
        (None, "spec.nodeName=n2"),
        (None, "metadata.name=worker-0"),
        ("app=web", "spec.nodeName!=n1"),
    ],
)
def test_selectors_match_the_in_memory_source(live, snap, labels, fields):
    got = live.list("pods", "shop", label_selector=labels, field_selector=fields)
    want = snap.list("pods", "shop", label_selector=labels, field_selector=fields)
    assert want and names(got) == names(want)


def test_invalid_selector_fails_before_any_request(live, server):
    with pytest.raises(ConfigError):
        live.list("pods", label_selector="app web")
    live.list("namespaces")  # keep the server fixture's "made a request" check honest
    assert all(r.path != "/api/v1/pods" for r in server.requests)


def test_events_for_an_object(live):
    events = live.list("events", "shop", field_selector="involvedObject.name=worker-0")
    assert [e["reason"] for e in events] == ["BackOff"]


# -- get and not found ----------------------------------------------------------------------
def test_get_namespaced_and_cluster_scoped(live):
    pod = live.get("pods", "worker-0", "shop")
    assert pod["kind"] == "Pod" and [c["name"] for c in pod["spec"]["containers"]] == ["main", "sidecar"]
    assert live.get("nodes", "n1")["metadata"]["name"] == "n1"
    assert live.get("deploy", "web", "shop")["status"]["readyReplicas"] == 3


def test_not_found_suggests_close_names(live):
    with pytest.raises(NotFoundError) as err:
        live.get("pods", "worker-1", "shop")
    assert "worker-0" in err.value.suggestions
    assert "did you mean 'worker-0'" in str(err.value)


def test_not_found_points_to_other_namespaces(live):
    with pytest.raises(NotFoundError) as err:
        live.get("pods", "worker-0", "default")
    assert "it exists in namespace 'shop'" in str(err.value)


def test_unknown_namespace_suggests_namespaces(live):
    with pytest.raises(NotFoundError) as err:
        live.get("pods", "web-1", "shopp")
    assert "namespace 'shopp' not found" in str(err.value) and err.value.suggestions == ["shop"]


@pytest.mark.parametrize("name", ["../../secrets/db-creds", "x; rm -rf /", "web-1/../../..", "%2e%2e", ""])
def test_hostile_names_never_reach_an_api_path(live, server, name):
    with pytest.raises(NotFoundError):
        live.get("pods", name, "shop")
    with pytest.raises(NotFoundError):
        live.logs("shop", name, container="main")
    with pytest.raises(NotFoundError):
        live.get("pods", "web-1", name)  # as a namespace
    with pytest.raises(NotFoundError):
        live.list("pods", name or "../x")
    for r in server.requests:
        assert ".." not in r.path and "secrets" not in r.path and "rm" not in r.path and "%" not in r.path


# -- logs -----------------------------------------------------------------------------------
def test_logs_current_previous_and_tail(live):
    assert live.logs("shop", "worker-0").splitlines() == ["start", "working", "still working"]  # first container
    assert live.logs("shop", "worker-0", "main", previous=True).splitlines() == ["boot", "allocating", "OOM"]
    assert live.logs("shop", "worker-0", "main", previous=True, tail_lines=1).splitlines() == ["OOM"]
    assert live.logs("shop", "worker-0", "sidecar").strip() == "sidecar up"


def test_logs_without_a_previous_instance_are_empty(live, server):
    assert live.logs("shop", "web-3", previous=True) == ""
    assert server.requests[-1].status == 400  # what a real API server answers, mapped to ''


def test_logs_unknown_container_or_pod(live):
    with pytest.raises(NotFoundError) as err:
        live.logs("shop", "worker-0", "mian")
    assert err.value.suggestions == ["main", "sidecar"]
    with pytest.raises(NotFoundError) as err:
        live.logs("shop", "worker-9", "main")
    assert "worker-0" in err.value.suggestions


# -- secrets --------------------------------------------------------------------------------
def test_secrets_are_read_as_metadata_only(live, server):
    listed = live.list("secrets", "shop")
    one = live.get("secrets", "db-creds", "shop")
    for secret in (listed[0], one):
        assert secret["kind"] == "Secret" and secret["metadata"]["name"] == "db-creds"
        assert "data" not in secret and SECRET_B64 not in json.dumps(secret)
    secret_requests = [r for r in server.requests if "/secrets" in r.path]
    assert secret_requests and all("as=PartialObjectMetadata" in r.accept for r in secret_requests)
    assert all("," not in r.accept for r in secret_requests)  # no fallback to full objects


class _LeakyHandler(BaseHTTPRequestHandler):
    """A non-compliant API server: ignores the metadata-only Accept and sends Secret values."""

    seen_auth: list = []

    def do_GET(self):
        type(self).seen_auth.append(self.headers.get("Authorization"))
        body = json.dumps(
            {
                "kind": "SecretList",
                "apiVersion": "v1",
                "metadata": {},
                "items": [{"metadata": {"name": "db-creds", "namespace": "shop"}, "data": {"password": SECRET_B64}}],
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _kubeconfig(path, contexts: dict[str, str], current: str | None) -> str:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": current,
        "clusters": [{"name": c, "cluster": {"server": url}} for c, url in contexts.items()],
        "contexts": [{"name": c, "context": {"cluster": c, "user": "u"}} for c in contexts],
        "users": [{"name": "u", "user": {"token": TOKEN}}],
    }
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_a_server_ignoring_metadata_only_is_refused_and_token_is_sent(tmp_path):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _LeakyHandler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        config = _kubeconfig(tmp_path / "kc", {"leaky": f"http://127.0.0.1:{httpd.server_address[1]}"}, "leaky")
        with LiveCluster(kubeconfig=config) as cluster, pytest.raises(ClusterError) as err:
            cluster.list("secrets", "shop")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert "metadata-only" in str(err.value) and SECRET_B64 not in str(err.value)
    assert _LeakyHandler.seen_auth == [f"Bearer {TOKEN}"]


# -- faults ---------------------------------------------------------------------------------
def _clean(err: HolmesError) -> None:
    text = str(err)
    for noise in ("Traceback", "urllib3", "ApiException", "HTTPConnectionPool", "MaxRetryError"):
        assert noise not in text
    assert err.hint


def test_403_is_forbidden_with_an_rbac_hint(live, server):
    server.faults.append(Fault(r"/namespaces/shop/pods", status=403))
    with pytest.raises(ForbiddenError) as err:
        live.list("pods", "shop")
    assert "kubectl auth can-i list pods -n shop" in err.value.hint
    _clean(err.value)


def test_403_on_logs_names_the_log_subresource(live, server):
    server.faults.append(Fault(r"/log", status=403))
    with pytest.raises(ForbiddenError) as err:
        live.logs("shop", "worker-0", "main")
    assert "pods/log" in err.value.hint


def test_403_on_a_grouped_kind_names_the_group(live, server):
    server.faults.append(Fault(r"/deployments", status=403))
    with pytest.raises(ForbiddenError) as err:
        live.list("deployments")
    assert "kubectl auth can-i list deployments.apps -A" in err.value.hint


def test_404_on_a_list_means_the_api_is_not_served(live, server):
    server.faults.append(Fault(r"/horizontalpodautoscalers", status=404))
    with pytest.raises(ClusterError) as err:
        live.list("hpa", "shop")
    assert not isinstance(err.value, NotFoundError) and "does not serve autoscaling/v2" in str(err.value)
    _clean(err.value)


def test_410_while_paging_restarts_the_list_once(live, server, snap):
    server.faults.append(Fault(r"continue=", status=410))
    assert names(live.list("pods")) == names(snap.list("pods"))
    starts = [r for r in server.requests if r.path == "/api/v1/pods" and "continue" not in r.query]
    assert len(starts) == 2 and any(r.status == 410 for r in server.requests)


def test_410_again_after_the_restart_is_gone(live, server):
    server.faults.append(Fault(r"continue=", status=410, count=None))
    with pytest.raises(GoneError) as err:
        live.list("pods")
    _clean(err.value)


@pytest.mark.parametrize("status", [500, 502])
def test_server_errors_become_cluster_errors(live, server, status):
    server.faults.append(Fault(r"/pods", status=status, count=None))
    with pytest.raises(ClusterError) as err:
        live.list("pods", "shop")
    assert f"HTTP {status}" in str(err.value) and "unhealthy" in err.value.hint
    _clean(err.value)


def test_503_is_retried_a_bounded_number_of_times(live, server, snap):
    server.faults.append(Fault(r"/namespaces/shop/pods", status=503, count=2))
    assert names(live.list("pods", "shop")) == names(snap.list("pods", "shop"))
    server.faults.append(Fault(r"/namespaces/shop/pods", status=503, count=None))
    with pytest.raises(ClusterError):
        live.list("pods", "shop")
    assert sum(r.status == 503 for r in server.requests) == 2 + 3


def test_401_says_the_credentials_were_rejected(live, server):
    server.faults.append(Fault(r"/nodes", status=401))
    with pytest.raises(ClusterError) as err:
        live.list("nodes")
    assert "unauthorized" in str(err.value) and "credentials" in err.value.hint


def test_slow_server_times_out(server):
    server.faults.append(Fault(r"/pods", delay=3.0))
    with LiveCluster(server=server.url, timeout=0.3) as cluster, pytest.raises(ClusterError) as err:
        cluster.list("pods")
    assert "did not answer within 0.3s" in str(err.value)
    _clean(err.value)


def test_dropped_connections_are_retried_then_fail(live, server, snap):
    server.faults.append(Fault(r"/namespaces/shop/pods", drop=True))
    assert names(live.list("pods", "shop")) == names(snap.list("pods", "shop"))  # one drop: retried
    server.faults.append(Fault(r"/namespaces/shop/pods", drop=True, count=None))
    with pytest.raises(ClusterError) as err:
        live.list("pods", "shop")
    assert "closed the connection" in str(err.value)
    _clean(err.value)


def test_server_gone_is_connection_refused(snap):
    srv = SnapshotAPIServer(snap).start()
    url = srv.url
    srv.stop()
    with LiveCluster(server=url, timeout=1) as cluster, pytest.raises(ClusterError) as err:
        cluster.list("pods")
    assert "cannot connect" in str(err.value)
    _clean(err.value)


# -- configuration --------------------------------------------------------------------------
def test_kubeconfig_contexts(tmp_path, monkeypatch, server, snap):
    config = _kubeconfig(tmp_path / "config", {"replay": server.url, "dead": "http://127.0.0.1:9"}, "replay")
    assert not kubeconfig_available()  # the isolated test environment has none
    monkeypatch.setenv("KUBECONFIG", config)
    assert kubeconfig_available()
    with LiveCluster() as cluster:  # the current context
        assert cluster.name == "context:replay" and names(cluster.list("pods")) == names(snap.list("pods"))
    with LiveCluster(context="dead", timeout=0.5) as cluster, pytest.raises(ClusterError):
        cluster.list("pods")
    with pytest.raises(ConfigError) as err:
        LiveCluster(context="replya")
    assert "did you mean replay" in err.value.hint
    assert isinstance(open_cluster(None), LiveCluster)


def test_missing_configuration_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as err:
        LiveCluster()
    assert "demo" in err.value.hint
    with pytest.raises(ConfigError):
        LiveCluster(kubeconfig=str(tmp_path / "missing"))
    with pytest.raises(ConfigError):
        LiveCluster(server="127.0.0.1:8001")
    no_current = _kubeconfig(tmp_path / "kc", {"a": "http://127.0.0.1:9"}, None)
    with pytest.raises(ConfigError) as err:
        LiveCluster(kubeconfig=no_current)
    assert "no current context" in str(err.value)


def test_open_cluster_accepts_a_server_url(server):
    cluster = open_cluster(server.url)
    assert isinstance(cluster, LiveCluster) and len(cluster.list("pods", "shop")) == N_WEB + 1
    cluster.close()
