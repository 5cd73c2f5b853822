"""``holmes-nb mcp serve``: holmes-nb's read-only tools over MCP, with the official SDK's low-level server.

Offered: the Kubernetes tools (find_problems, list_pods, describe, pod_logs, events,
list_resources and the per-family listings) and ``findings`` (the analyzers' findings as a
table), over one cluster (``demo``, a snapshot file, ``context:NAME``). Every tool is annotated
read-only and non-destructive. Results pass the same redaction as ``ask`` (holmes_nb.redact.scrub);
with ``anonymize`` the client sees placeholders (``ns-1``, ``deploy-2``) and may use them in arguments.
Arguments are checked against each tool's JSON schema: a bad one is a tool error, never a crash.

    server = build_server(open_cluster("demo"))
    run_stdio(server)                       # or run_http(server, host="127.0.0.1", port=8765)
"""

from __future__ import annotations

from typing import Any

from holmes_nb.tools.base import Tool, ToolResult

INSTRUCTIONS = (
    "Read-only Kubernetes troubleshooting tools over one cluster. Call find_problems first, then "
    "describe, pod_logs and events on what it names."
)


def served_tools(cluster: Any) -> list[Tool]:
    """The tools offered over MCP: every Kubernetes tool plus the analyzers' findings."""
    from holmes_nb.tools.kubernetes import kubernetes_tools

    def findings(namespace: str | None = None) -> Any:
        from holmes_nb.analyzers import findings_frame, scan

        return findings_frame(scan(cluster, namespace or None))

    tools = kubernetes_tools(cluster, include_all=True)
    tools.append(
        Tool(
            "findings",
            "Every problem the deterministic analyzers detect: severity, kind, namespace, name, reason, "
            "message, evidence.",
            {"type": "object", "properties": {"namespace": {"type": "string"}}},
            findings,
        )
    )
    return tools


def build_server(cluster: Any, *, anonymize: bool = False):
    """A low-level MCP ``Server`` offering :func:`served_tools` over ``cluster``."""
    import anyio
    from mcp import types
    from mcp.server.lowlevel import Server

    from holmes_nb._version import __version__

    tools = {t.name: t for t in served_tools(cluster)}
    anonymizer = None
    if anonymize:
        from holmes_nb.anonymize import Anonymizer

        anonymizer = Anonymizer.from_cluster(cluster)
    annotations = types.ToolAnnotations(
        read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    )
    listed = [
        types.Tool(
            name=t.name,
            description=_hide(anonymizer, t.description),
            input_schema=t.parameters,
            annotations=annotations,
        )
        for t in tools.values()
    ]

    async def on_list_tools(ctx, params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listed)

    async def on_call_tool(ctx, params) -> types.CallToolResult:
        tool = tools.get(params.name)
        if tool is None:
            return _result(f"unknown tool {params.name!r}; tools: {', '.join(tools)}", error=True)
        arguments = dict(params.arguments or {})
        problem = check_arguments(tool, arguments)
        if problem:
            return _result(problem, error=True)
        if anonymizer is not None:
            arguments = anonymizer.restore_value(arguments)
        result: ToolResult = await anyio.to_thread.run_sync(tool.run, arguments)
        return _result(_hide(anonymizer, result.text), error=not result.ok)

    return Server(
        "holmes-nb",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
        get_tool_input_schema=lambda name: tools[name].parameters if name in tools else None,
    )


def check_arguments(tool: Tool, arguments: dict[str, Any]) -> str | None:
    """A readable message when ``arguments`` break the tool's schema (unknown names included)."""
    import jsonschema

    unknown = sorted(set(arguments) - set(tool.parameters.get("properties", {})))
    if unknown:
        return f"unknown argument(s) {', '.join(unknown)}; {tool.name} takes: " + (
            ", ".join(tool.parameters.get("properties", {})) or "no arguments"
        )
    try:
        jsonschema.validate(arguments, tool.parameters)
    except jsonschema.ValidationError as e:
        where = ".".join(str(p) for p in e.absolute_path) or "arguments"
        return f"invalid {where}: {e.message}"
    return None


def _hide(anonymizer: Any, text: str) -> str:
    from holmes_nb.redact import scrub

    text = scrub(text)
    return anonymizer.hide(text) if anonymizer is not None else text


def _result(text: str, *, error: bool = False):
    from mcp import types

    if error and not text.startswith("ERROR"):
        text = f"ERROR: {text}"
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=error)


def run_stdio(server: Any) -> None:
    import anyio
    from mcp.server.stdio import stdio_server

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


def run_http(server: Any, *, host: str = "127.0.0.1", port: int = 8765, notice=print) -> None:
    """Streamable HTTP at ``http://HOST:PORT/mcp`` (uvicorn, quiet logs)."""
    import uvicorn

    app = server.streamable_http_app(host=host)
    notice(f"holmes-nb MCP server: http://{host}:{port}/mcp (streamable HTTP, read-only tools)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
