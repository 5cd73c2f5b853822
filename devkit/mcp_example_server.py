"""A tiny MCP server built with the official SDK's MCPServer (the SDK ships no example server), for tests.

Tools cover what the client must handle: read-only tools (text, a table as structured content),
a destructive one, one without annotations, one that fails, one that sleeps, one that kills the
server mid-call, and one that echoes a planted secret.

    python -m devkit.mcp_example_server                      # stdio
    python -m devkit.mcp_example_server streamable-http 8765
    python -m devkit.mcp_example_server sse 8765
"""

from __future__ import annotations

import os
import sys
import time

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=True)
SECRET = "pl4nted-mcp-token-93"  # tests/test_mcp_client.py checks it never reaches the model

server = MCPServer("holmes-nb-example")


@server.tool(annotations=READ)
def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


@server.tool(annotations=READ)
def inventory(warehouse: str = "main") -> dict:
    """Items in stock in a warehouse, as a table."""
    items = [
        {"item": "bolts", "count": 120, "warehouse": warehouse},
        {"item": "nuts", "count": 7, "warehouse": warehouse},
    ]
    return {"items": items}


@server.tool(annotations=WRITE)
def delete_item(item: str) -> str:
    """Delete an item from stock."""
    return f"deleted {item}"


@server.tool()
def restock(item: str) -> str:
    """Order more of an item (no annotations: may write)."""
    return f"ordered {item}"


@server.tool(annotations=READ)
def broken() -> str:
    """Always fails."""
    raise ValueError("the inventory database is unreachable")


@server.tool(annotations=READ)
def slow(seconds: float = 5.0) -> str:
    """Sleep, then answer."""
    time.sleep(seconds)
    return "done"


@server.tool(annotations=READ)
def crash() -> str:
    """Kill the server process in the middle of the call."""
    os._exit(3)


@server.tool(annotations=READ)
def pid() -> str:
    """The server's process id (tests check it starts once and stops at exit)."""
    return str(os.getpid())


@server.tool(annotations=READ)
def credentials() -> str:
    """Connection settings (include a token)."""
    return f"endpoint=https://inventory.local token={SECRET} Authorization: Bearer {SECRET}"


def main(argv: list[str]) -> None:
    transport = argv[0] if argv else "stdio"
    if transport == "stdio":
        server.run()
    else:
        server.run(transport, host="127.0.0.1", port=int(argv[1]))  # type: ignore[call-overload]


if __name__ == "__main__":
    main(sys.argv[1:])
