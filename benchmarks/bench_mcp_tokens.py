"""First-request tokens with and without MCP servers configured (docs/benchmarks.md, "MCP servers").

Runs ``holmes_nb.ask`` on the demo cluster against the scripted model server, once per
configuration, and counts the tokens of the first request the server received (messages + tool
schemas, LiteLLM ``token_counter``, cl100k). Configurations: no MCP server; the SDK-built example
server (devkit/mcp_example_server.py, 7 read-only tools, offered directly); the real
kubernetes-mcp-server (14 read-only tools) by default (on demand: mcp_find_tools + mcp_call) and
with every tool in its allow list (offered directly). The kubernetes-mcp-server rows need
``bash scripts/install-mcp-server.sh`` (they are skipped without it).

    python benchmarks/bench_mcp_tokens.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from benchlib import ROOT, isolate_environment, request_tokens, write_kubeconfig

K8S_BIN = os.environ.get("HOLMES_NB_K8S_MCP_BIN") or os.path.expanduser(
    "~/.cache/holmes-nb/kubernetes-mcp-server-0.0.67/package/bin/kubernetes-mcp-server-linux-amd64"
)
EXAMPLE = ROOT / "devkit" / "mcp_example_server.py"


def first_request(config_text: str) -> dict:
    from devkit.openai_server import ScriptedModelServer, say
    from holmes_nb import api
    from holmes_nb.mcp.client import close_all

    config = Path(tempfile.mkdtemp()) / "config.yaml"
    config.write_text(config_text or "{}\n")
    with ScriptedModelServer([say("done")]) as srv:
        os.environ["OPENAI_API_BASE"] = srv.url
        api.ask("what is failing in shop?", model="openai/scripted", cluster="demo", config=str(config))
        body = srv.chat_requests[0]
    close_all()
    return body


def configurations(kubeconfig: Path | None) -> list[tuple[str, str]]:
    example = f"mcp_servers:\n  ex:\n    config: {{mode: stdio, command: '{sys.executable}', args: ['{EXAMPLE}']}}\n"
    out = [("no MCP server", ""), ("SDK example server (7 read-only tools, offered directly)", example)]
    if kubeconfig is not None:
        k8s = (
            "mcp_servers:\n  kubernetes:\n    description: kubernetes-mcp-server\n"
            f"    config: {{mode: stdio, command: '{K8S_BIN}', "
            f"args: [--read-only, --disable-multi-cluster, --kubeconfig, '{kubeconfig}']}}\n"
        )
        tools = (
            "[configuration_view, events_list, namespaces_list, nodes_log, nodes_stats_summary, nodes_top, pods_get, "
        )
        tools += "pods_list, pods_list_in_namespace, pods_log, pods_top, projects_list, resources_get, resources_list]"
        out += [
            ("kubernetes-mcp-server, default (14 tools on demand: mcp_find_tools + mcp_call)", k8s),
            ("kubernetes-mcp-server, all 14 tools in its allow list (offered directly)", k8s + f"    tools: {tools}\n"),
        ]
    return out


def main() -> None:
    isolate_environment()
    from holmes_nb.apiserver.server import SnapshotAPIServer
    from holmes_nb.cluster_spec import open_cluster

    rows = []
    with SnapshotAPIServer(open_cluster("demo")) as apiserver:
        kubeconfig = None
        if os.access(K8S_BIN, os.X_OK):
            kubeconfig = write_kubeconfig(Path(tempfile.mkdtemp()) / "kubeconfig", apiserver.url)
        base = None
        for label, text in configurations(kubeconfig):
            body = first_request(text)
            tokens = request_tokens(body)
            base = base or tokens
            rows.append((label, len(body.get("tools") or []), tokens, tokens - base))
    print("| configuration | tools offered | first-request tokens | added by MCP |")
    print("|---|---:|---:|---:|")
    for label, n, tokens, added in rows:
        print(f"| {label} | {n} | {tokens:,} | {added:+,} |")
    if len(rows) < 4:
        print("\n(kubernetes-mcp-server rows skipped: bash scripts/install-mcp-server.sh)")


if __name__ == "__main__":
    main()
