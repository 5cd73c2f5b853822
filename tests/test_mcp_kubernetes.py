"""The real kubernetes-mcp-server (npm ``kubernetes-mcp-server-linux-amd64``, installed by
scripts/install-mcp-server.sh), started over stdio with ``--read-only``, pointed by a kubeconfig
at the snapshot API server serving the demo: its tools join an investigation and the model
receives their results. Skipped when the binary is absent, unless HOLMES_NB_MCP=1 (CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devkit.openai_server import call, say
from holmes_nb import api
from holmes_nb.apiserver.server import SnapshotAPIServer
from holmes_nb.cli.snapshot import write_kubeconfig
from holmes_nb.cluster_spec import open_cluster
from holmes_nb.mcp import client as mcp_client
from holmes_nb.mcp.config import ServerSpec
from holmes_nb.mcp.tools import mcp_tools

VERSION = "0.0.67"
BIN = os.environ.get("HOLMES_NB_K8S_MCP_BIN") or os.path.expanduser(
    f"~/.cache/holmes-nb/kubernetes-mcp-server-{VERSION}/package/bin/kubernetes-mcp-server-linux-amd64"
)  # resolved at import, before the isolated HOME of conftest
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
READ_ONLY_TOOLS = {
    "configuration_view",
    "events_list",
    "namespaces_list",
    "nodes_log",
    "nodes_stats_summary",
    "nodes_top",
    "pods_get",
    "pods_list",
    "pods_list_in_namespace",
    "pods_log",
    "pods_top",
    "projects_list",
    "resources_get",
    "resources_list",
}

if not os.access(BIN, os.X_OK):
    if os.environ.get("HOLMES_NB_MCP") == "1":
        raise RuntimeError(f"HOLMES_NB_MCP=1 but kubernetes-mcp-server is missing at {BIN}")
    pytestmark = pytest.mark.skip(
        reason=f"kubernetes-mcp-server not installed ({BIN}): bash scripts/install-mcp-server.sh"
    )


@pytest.fixture(scope="module")
def demo():
    return open_cluster("demo")


@pytest.fixture(scope="module")
def apiserver(demo):
    with SnapshotAPIServer(demo) as srv:
        yield srv


@pytest.fixture(scope="module")
def kubeconfig(apiserver, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kube") / "config"
    write_kubeconfig(str(path), apiserver.url)
    return path


@pytest.fixture(autouse=True, scope="module")
def _stop_servers():
    yield
    mcp_client.close_all()


def spec(kubeconfig: Path, **kw) -> ServerSpec:
    args = ["--read-only", "--disable-multi-cluster", "--kubeconfig", str(kubeconfig)]
    return ServerSpec(name="kubernetes", mode="stdio", command=BIN, args=args, **kw)


def test_its_read_only_tools_are_reached_on_demand(kubeconfig):
    tools, rows = mcp_tools({"kubernetes": spec(kubeconfig)})
    assert {r["tool"] for r in rows} == READ_ONLY_TOOLS
    assert {r["status"] for r in rows} == {"on demand"}  # 14 tools: more than INLINE_MAX
    assert [t.name for t in tools] == ["mcp_find_tools", "mcp_call"]
    found = tools[0].run({"query": "pods log"}).text
    assert "kubernetes__pods_log(" in found and "namespace" in found


def test_tables_from_the_snapshot_api_server_become_dataframes(kubeconfig, apiserver, demo):
    tools, _ = mcp_tools({"kubernetes": spec(kubeconfig, tools=["pods_list_in_namespace", "resources_list"])})
    by_name = {t.name: t for t in tools}
    before = len(apiserver.requests)
    pods = by_name["kubernetes__pods_list_in_namespace"].run({"namespace": "payments"})
    assert pods.ok and pods.frame is not None, pods.text
    assert "name" in pods.frame.columns, (pods.frame.columns, pods.text[:300])
    assert sorted(pods.frame["name"]) == sorted(p["metadata"]["name"] for p in demo.list("pods", "payments"))
    assert {"status", "restarts", "node"} <= set(pods.frame.columns)
    deploys = by_name["kubernetes__resources_list"].run(
        {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop"}
    )
    # from its structured content, keys as the server names them
    assert sorted(deploys.frame["Name"]) == sorted(d["metadata"]["name"] for d in demo.list("deployments", "shop"))
    tables = [r for r in apiserver.requests[before:] if TABLE in r.accept]
    assert [(r.path, r.status) for r in tables] == [
        ("/api/v1/namespaces/payments/pods", 200),
        ("/apis/apps/v1/namespaces/shop/deployments", 200),
    ]


def test_every_tool_answers_or_fails_readably(kubeconfig, demo):
    tools, _ = mcp_tools({"kubernetes": spec(kubeconfig, tools=sorted(READ_ONLY_TOOLS))})
    by_name = {t.name.split("__", 1)[1]: t for t in tools}
    pod = demo.list("pods", "shop")[0]["metadata"]["name"]
    calls = {
        "configuration_view": {},
        "events_list": {"namespace": "shop"},
        "namespaces_list": {},
        "pods_get": {"name": pod, "namespace": "shop"},
        "pods_list": {},
        "pods_list_in_namespace": {"namespace": "shop"},
        "pods_log": {"name": pod, "namespace": "shop"},
        "resources_get": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "cart", "namespace": "shop"},
        "resources_list": {"apiVersion": "v1", "kind": "Node"},
    }
    for name, args in calls.items():
        result = by_name[name].run(args)
        assert result.ok and result.text.strip(), (name, result.text)
    # a snapshot has no metrics API, kubelet or OpenShift: each says so as a tool error, nothing hangs
    unavailable = {"nodes_top": {}, "pods_top": {}, "nodes_stats_summary": {"name": "worker-1"}, "projects_list": {}}
    for name, args in unavailable.items():
        result = by_name[name].run(args)
        assert not result.ok and result.text.startswith("ERROR: ") and len(result.text) < 600, (name, result.text)
    missing = by_name["pods_get"].run({"name": "nope", "namespace": "shop"})
    assert not missing.ok and 'pods "nope" not found' in missing.error


def test_demo_secrets_never_come_out(kubeconfig, demo):
    tools, _ = mcp_tools({"kubernetes": spec(kubeconfig, tools=["pods_get", "pods_log"])})
    by_name = {t.name.split("__", 1)[1]: t for t in tools}
    ui = next(p for p in demo.list("pods", "data") if p["metadata"]["name"].startswith("report-ui"))
    workers = [p for p in demo.list("pods", "payments") if p["metadata"]["name"].startswith("payments-worker")]
    texts = [by_name["pods_get"].run({"name": ui["metadata"]["name"], "namespace": "data"}).text]
    texts += [by_name["pods_log"].run({"name": p["metadata"]["name"], "namespace": "payments"}).text for p in workers]
    assert "DB_PASSWORD" in texts[0] and "Bearer" in "".join(texts[1:])  # the planted places are in the output
    assert not any(s in t for t in texts for s in ("hunter2-demo", "ZGVtby10b2tlbi1ub3QtcmVhbA"))


def test_an_investigation_calls_kubernetes_mcp_server_and_the_model_receives_results(
    kubeconfig, tmp_path, model_server, openai_env, demo
):
    config = tmp_path / "config.yaml"
    config.write_text(
        "mcp_servers:\n"
        "  kubernetes:\n"
        "    description: kubernetes-mcp-server (read-only)\n"
        "    config:\n"
        "      mode: stdio\n"
        f"      command: {BIN}\n"
        f"      args: [--read-only, --disable-multi-cluster, --kubeconfig, '{kubeconfig}']\n"
    )
    script = [
        call("mcp_find_tools", query="pods namespace"),
        call("mcp_call", {"tool": "kubernetes__pods_list_in_namespace", "arguments": {"namespace": "payments"}}),
        say("payments pods listed"),
    ]
    srv = openai_env(model_server(script))
    inv = api.ask("which payments pods fail?", model="openai/scripted", cluster="demo", config=str(config))
    assert inv.answer == "payments pods listed"
    offered = {t["function"]["name"] for t in srv.chat_requests[0]["tools"]}
    assert {"find_problems", "mcp_find_tools", "mcp_call"} <= offered
    assert "kubernetes__pods_list_in_namespace(" in srv.visible_text(srv.chat_requests[1])
    seen = srv.visible_text(srv.chat_requests[2])
    for pod in demo.list("pods", "payments"):
        assert pod["metadata"]["name"] in seen
