"""MCP both ways, with the official ``mcp`` SDK (docs/mcp.md).

- client: the tools of the ``mcp_servers`` in the config join the toolset (``holmes_nb.mcp.tools``),
  over stdio, streamable HTTP or SSE (``holmes_nb.mcp.client``), configured as in HolmesGPT
  (``holmes_nb.mcp.config``);
- server: ``holmes-nb mcp serve`` offers holmes-nb's read-only tools over MCP (``holmes_nb.mcp.server``).

Nothing here imports the SDK until a server is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def configured_tools(cfg: Any, notice: Callable[[str], None] | None = None) -> list:
    """The Tools of the config's ``mcp_servers`` (empty without any); ``notice`` hears what was left out."""
    from holmes_nb.mcp.config import server_specs

    specs = server_specs(cfg)
    if not specs:
        return []
    from holmes_nb.mcp.tools import mcp_tools

    tools, rows = mcp_tools(specs)
    left = [r for r in rows if r["status"] == "left out"]
    if left and notice is not None:
        names = ", ".join(f"{r['server']}/{r['tool']}" if r["tool"] != "-" else r["why"] for r in left)
        notice(f"MCP: left out {names} (read-only by default; see `holmes-nb check-model` or %holmes tools)")
    return tools
