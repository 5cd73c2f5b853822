"""The work behind commands that both fronts run: rows for ``models``, findings for ``scan``, the
tool list for ``tools``. A front turns the result into a DataFrame (notebook) or text (CLI).

Like :func:`holmes_nb.api.ask`, a command without ``--cluster``/``--namespace`` takes the config
file's ``cluster``/``namespace`` settings, then the kubeconfig's current context, then the demo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from holmes_nb.config import Config, load_config
from holmes_nb.sources.base import Cluster

Notice = Callable[[str], None]


def config_of(config: str | Config | None) -> Config:
    return config if isinstance(config, Config) else load_config(config)


def open_target(cluster: Any, cfg: Config, notice: Notice | None = None) -> Cluster:
    """The cluster of ``--cluster`` (a spec or a Cluster), else the config file's, else the default."""
    from holmes_nb.cluster_spec import open_cluster

    return open_cluster(cluster or cfg.settings.get("cluster"), notice=notice)


def model_rows(cfg: Config) -> list[dict]:
    """One row per modelList entry (keys masked), the default marked ``*``."""
    from holmes_nb.errors import HolmesError
    from holmes_nb.redact import redact_url

    out = []
    for key in cfg.model_list:
        try:
            row = cfg.entry(key).describe()
        except HolmesError as e:
            row = {"key": key, "model": cfg.model_list[key].get("model"), "api_base": f"<error: {e}>"}
        row["api_base"] = redact_url(row.get("api_base"))  # https://user:pw@host -> https://user:[REDACTED]@host
        row["default"] = "*" if key == cfg.default_model or len(cfg.model_list) == 1 else ""
        out.append(row)
    return out


def scan_findings(
    cluster: Any = None,
    namespace: str | None = None,
    config: str | Config | None = None,
    notice: Notice | None = None,
) -> tuple[list, str]:
    """(every finding, the cluster's name) of the deterministic analyzers."""
    from holmes_nb.analyzers import scan

    cfg = config_of(config)
    target = open_target(cluster, cfg, notice)
    try:
        return scan(target, namespace=namespace or cfg.settings.get("namespace")), target.name
    finally:
        target.close()


def at_least(findings: list, severity: str) -> list:
    """The findings at ``severity`` or worse."""
    from holmes_nb.analyzers import severity_at_least

    return [f for f in findings if severity_at_least(f.severity, severity)]


def tool_rows(
    cluster: Any = None,
    config: str | Config | None = None,
    toolsets: list[str] | None = None,
    notice: Notice | None = None,
) -> tuple[list[dict], str]:
    """(the tools an ask would offer the model: name, parameters, required ones, description; the
    cluster's name)."""
    from holmes_nb.api import default_tools
    from holmes_nb.mcp.tools import mcp_tool_rows
    from holmes_nb.tools.custom import merge_tools, registered_tools
    from holmes_nb.tools.toolsets_yaml import load_toolsets

    cfg = config_of(config)
    target = open_target(cluster, cfg, notice)
    tools = merge_tools(default_tools(target), registered_tools() + load_toolsets(toolsets))
    rows = [
        {
            "tool": t.name,
            "parameters": ", ".join(t.parameters.get("properties", {})),
            "required": ", ".join(t.parameters.get("required", [])),
            "description": t.description,
        }
        for t in tools
    ]
    rows += [  # the configured MCP servers' tools, offered or left out (and why)
        {
            "tool": f"{r['server']}__{r['tool']}",
            "parameters": "",
            "required": "",
            "description": f"MCP {r['status']}: {r['why']}",
        }
        for r in mcp_tool_rows(cfg)
    ]
    return rows, target.name
