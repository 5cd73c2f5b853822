"""``holmes-nb mcp serve``: offer holmes-nb's read-only tools to MCP clients (Claude, jupyter-ai, ...).

holmes-nb mcp serve --cluster demo                        # stdio (what mcpServers JSON configs start)
holmes-nb mcp serve --cluster snap.json --transport http --port 8765   # http://127.0.0.1:8765/mcp
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("mcp", help="serve holmes-nb's read-only tools over MCP (holmes-nb mcp serve)")
    actions = p.add_subparsers(dest="mcp_command", metavar="ACTION")
    s = actions.add_parser("serve", help="run an MCP server over one cluster (stdio or streamable HTTP)")
    s.add_argument("--cluster", metavar="SPEC", help="demo, a snapshot path, or context:NAME (default: kubeconfig)")
    s.add_argument("--transport", choices=("stdio", "http"), default="stdio", help="default: stdio")
    s.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=8765, help="HTTP port (default: 8765)")
    s.add_argument("--anonymize", action="store_true", help="clients see placeholders instead of names and IPs")
    s.set_defaults(func=serve)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def serve(args) -> int:
    from holmes_nb.cli.common import stderr
    from holmes_nb.cluster_spec import open_cluster
    from holmes_nb.mcp.server import build_server, run_http, run_stdio

    cluster = open_cluster(args.cluster, notice=stderr)  # stdout belongs to the protocol in stdio mode
    server = build_server(cluster, anonymize=args.anonymize)
    if args.transport == "http":
        run_http(server, host=args.host, port=args.port, notice=stderr)
    else:
        run_stdio(server)
    return 0
