"""MCP servers' tools as holmes-nb tools: prefixed by server, read-only by default, token-lean.

- Names: ``SERVER__TOOL`` (``kubernetes__pods_list``), so they never collide with each other or
  with the Kubernetes tools.
- Read-only by default: a tool is offered only when its annotations say ``readOnlyHint: true`` and
  not ``destructiveHint: true`` (MCP's defaults for a tool without annotations are "may write"), or
  when the entry allows it by name (``allow: [NAME]``). What is left out, and why, is in
  :func:`mcp_tool_rows` (shown by ``%holmes tools`` and ``holmes-nb check-model``).
- Token budget: a server with an allow list (``tools: [...]``) or at most :data:`INLINE_MAX` offered
  tools has them offered directly; the tools of bigger servers are reached on demand through two
  small tools, ``mcp_find_tools`` (search by words, returns names and parameters) and ``mcp_call``.
- A server that cannot start is reported as one row and offers nothing; the investigation goes on.

    tools, rows = mcp_tools(server_specs(cfg))
"""

from __future__ import annotations

import json
from typing import Any

from holmes_nb.mcp.client import MCPServerError, connection
from holmes_nb.mcp.config import ServerSpec
from holmes_nb.mcp.results import to_tool_result
from holmes_nb.tools.base import Tool, ToolResult

INLINE_MAX = 8  # a server with more offered tools than this is reached through mcp_find_tools/mcp_call
SEP = "__"


def mcp_tools(specs: dict[str, ServerSpec]) -> tuple[list[Tool], list[dict[str, Any]]]:
    """The Tools to offer for ``specs`` and one row per server tool (or server failure)."""
    tools: list[Tool] = []
    rows: list[dict[str, Any]] = []
    on_demand: dict[str, Tool] = {}
    for spec in specs.values():
        try:
            listed = connection(spec).list_tools()
        except MCPServerError as e:
            rows.append(_row(spec, "-", "left out", f"server unavailable: {e}"))
            continue
        offered = []
        for t in listed:
            status, why = _decide(spec, t)
            rows.append(_row(spec, t.name, status, why))
            if status != "left out":
                offered.append(wrap_tool(spec, t))
        if spec.tools is not None or len(offered) <= INLINE_MAX:
            tools += offered
        else:
            for row in rows:
                if row["server"] == spec.name and row["status"] == "offered":
                    row["status"], row["why"] = "on demand", f"{len(offered)} tools: reached via mcp_find_tools"
            on_demand.update({t.name: t for t in offered})
    if on_demand:
        tools += on_demand_tools(on_demand, specs)
    return tools, rows


def _decide(spec: ServerSpec, tool: Any) -> tuple[str, str]:
    ann = tool.annotations
    read_only = bool(ann and ann.read_only_hint)
    destructive = ann.destructive_hint if ann and ann.destructive_hint is not None else not read_only
    if spec.tools is not None and tool.name not in spec.tools:
        return "left out", "not in the entry's tools list"
    if read_only and not destructive:
        return "offered", "read-only"
    reason = "destructive" if destructive and read_only else "not annotated read-only"
    if destructive and not read_only:
        reason = "may write (not annotated read-only)"
    if tool.name in spec.allow:
        return "offered", f"{reason}; allowed by name"
    return "left out", f"{reason}; add it to the entry's allow list to offer it"


def _row(spec: ServerSpec, tool: str, status: str, why: str) -> dict[str, Any]:
    return {"server": spec.name, "tool": tool, "status": status, "why": why}


def wrap_tool(spec: ServerSpec, mcp_tool: Any) -> Tool:
    """One MCP tool as a Tool: the server's schema as is, results as compact text + DataFrame."""
    name = f"{spec.name}{SEP}{mcp_tool.name}"[:64]
    description = " ".join((mcp_tool.description or mcp_tool.name).split())
    if len(description) > 300:
        description = description[:299] + "…"
    schema = dict(mcp_tool.input_schema or {"type": "object", "properties": {}})
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})

    def run(**arguments: Any) -> ToolResult:
        try:
            result = connection(spec).call_tool(mcp_tool.name, arguments)
        except MCPServerError as e:
            return ToolResult(text=f"ERROR: {e}", error=str(e), meta={"mcp_server": spec.name})
        return to_tool_result(result, server=spec.name)

    return Tool(name, f"[{spec.name}] {description}", schema, run)


def on_demand_tools(tools: dict[str, Tool], specs: dict[str, ServerSpec]) -> list[Tool]:
    """``mcp_find_tools`` + ``mcp_call``: a fixed, small schema cost whatever the servers offer."""
    servers = ", ".join(f"{s.name} ({s.llm_instructions or s.description or 'MCP server'})" for s in specs.values())

    def find(query: str = "") -> ToolResult:
        words = [w for w in str(query).lower().split() if w]
        hits = [t for t in tools.values() if not words or any(w in (t.name + t.description).lower() for w in words)]
        if not hits:
            return ToolResult(text=f"no tool matches {query!r}; tools: " + ", ".join(tools))
        lines = [f"{t.name}({_params(t)}): {t.description}" for t in hits[:10]]
        if len(hits) > 10:
            lines.append(f"[{len(hits) - 10} more: narrow the query]")
        return ToolResult(text="\n".join(lines), meta={"rows": len(hits)})

    def call(tool: str, arguments: Any = None) -> ToolResult:
        target = tools.get(str(tool))
        if target is None:
            return ToolResult(text=f"ERROR: unknown MCP tool {tool!r}; call mcp_find_tools first", error="unknown tool")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments or "{}")
            except ValueError:
                return ToolResult(text="ERROR: arguments must be a JSON object", error="bad arguments")
        return target.run(arguments if isinstance(arguments, dict) else {})

    return [
        Tool(
            "mcp_find_tools",
            f"Find tools of MCP servers: {servers}. Returns tool names and parameters for mcp_call.",
            {"type": "object", "properties": {"query": {"type": "string", "description": "words, e.g. 'pods log'"}}},
            find,
        ),
        Tool(
            "mcp_call",
            "Call an MCP tool found with mcp_find_tools.",
            {
                "type": "object",
                "properties": {"tool": {"type": "string"}, "arguments": {"type": "object"}},
                "required": ["tool"],
            },
            call,
        ),
    ]


def _params(tool: Tool) -> str:
    required = set(tool.parameters.get("required", []))
    return ", ".join(f"{p}{'' if p in required else '?'}" for p in tool.parameters.get("properties", {}))


def mcp_tool_rows(cfg: Any) -> list[dict[str, Any]]:
    """The rows of :func:`mcp_tools` for a Config (servers started as needed)."""
    from holmes_nb.mcp.config import server_specs

    specs = server_specs(cfg)
    return mcp_tools(specs)[1] if specs else []
