"""``holmes-nb check-model [MODEL]``: reachable? tool calls? tool results visible? context size?"""

from __future__ import annotations

import json

from holmes_nb.frontdoor.cli_args import add_command


def register(sub) -> None:
    add_command(sub, "check-model").set_defaults(func=run)


def run(args) -> int:
    from holmes_nb.api import resolve_model
    from holmes_nb.llm.probe import check_model

    entry = resolve_model(args.key, args.config)
    report = check_model(entry)
    mcp = _mcp_rows(args.config)
    if args.json:
        print(json.dumps({**report.to_dict(), **({"mcp_tools": mcp} if mcp else {})}, indent=2))
    else:
        print(report)
        for r in mcp:  # what the configured MCP servers offer, and what was left out and why
            print(f"mcp  {r['server']}/{r['tool']}: {r['status']} ({r['why']})")
    return 0 if report.ok else 1


def _mcp_rows(config: str | None) -> list[dict]:
    from holmes_nb.config import load_config
    from holmes_nb.mcp.tools import mcp_tool_rows

    return mcp_tool_rows(load_config(config))
