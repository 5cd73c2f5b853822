"""``mcp_servers`` entries, read as HolmesGPT users write them (docs/mcp.md).

    mcp_servers:
      kubernetes:
        description: "kubernetes-mcp-server, read-only"
        config:
          mode: stdio                       # stdio | streamable-http | sse
          command: kubernetes-mcp-server
          args: ["--read-only"]
          env: {KUBECONFIG: "{{ env.KUBECONFIG }}"}
      grafana:
        description: "Grafana"
        config:
          url: http://127.0.0.1:8000/mcp    # HolmesGPT's older form puts url at the top level
          mode: streamable-http
          headers: {Authorization: "Bearer {{ env.GRAFANA_TOKEN }}"}
        llm_instructions: "Use Grafana for dashboards and alert rules."

holmes-nb additions (HolmesGPT ignores them): ``tools`` (allow list: only these tools, offered
directly), ``allow`` (tools offered although their annotations say they may write), ``timeout``
(seconds per call, default 30) and ``enabled: false``.

    specs = server_specs(load_config())     # {name: ServerSpec}, templated
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from holmes_nb.errors import ConfigError

MODES = ("stdio", "streamable-http", "sse")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,30}$")
_SECRET_NAME = re.compile(r"(?i)pass|secret|token|key|credential|auth")


@dataclass
class ServerSpec:
    """One MCP server: how to reach it and which of its tools to offer. ``repr`` hides headers/env."""

    name: str
    mode: str
    url: str | None = None
    command: str | None = None
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict, repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    description: str = ""
    llm_instructions: str = ""
    tools: list[str] | None = None  # allow list (None: every read-only tool)
    allow: list[str] = field(default_factory=list)  # write tools allowed by name
    timeout: float = 30.0
    source: str = "config"

    def key(self) -> tuple:
        """What identifies a running connection: a changed entry starts a new one."""
        return (
            self.name,
            self.mode,
            self.url,
            self.command,
            tuple(self.args),
            tuple(sorted(self.env.items())),
            tuple(sorted(self.headers.items())),
        )

    def where(self) -> str:
        return self.url or " ".join([self.command or "", *self.args]).strip()


def server_specs(cfg: Any) -> dict[str, ServerSpec]:
    """The enabled ``mcp_servers`` of a Config, with ``{{ env.X }}`` filled in."""
    out: dict[str, ServerSpec] = {}
    for name, raw in getattr(cfg, "mcp_servers", {}).items():
        spec = parse_server(cfg, str(name), raw)
        if spec is not None:
            out[spec.name] = spec
    return out


def parse_server(cfg: Any, name: str, raw: Any) -> ServerSpec | None:
    """One entry; None when it says ``enabled: false``. ConfigError names what is wrong."""
    from holmes_nb.config.entries import template
    from holmes_nb.redact import known_secrets

    where = f"mcp_servers entry {name!r}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping (description, config: {{url | command ...}})")
    if not _NAME.match(name):
        raise ConfigError(f"{where}: the name may hold letters, digits, _ and - (at most 30)")
    source = str(raw.get("__source__", "config"))
    raw = {k: v for k, v in raw.items() if k != "__source__"}
    if raw.get("enabled") is False:
        return None
    conf = raw.get("config") or {}
    if not isinstance(conf, dict):
        raise ConfigError(f"{where}: config must be a mapping")
    conf = template(cfg, conf, where)
    url = conf.get("url") or template(cfg, raw.get("url"), where)
    command = conf.get("command")
    mode = str(conf.get("mode") or _guess_mode(url, command))
    if mode not in MODES:
        raise ConfigError(f"{where}: mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "stdio" and not command:
        raise ConfigError(f"{where}: mode stdio needs config.command", hint="e.g. command: kubernetes-mcp-server")
    if mode != "stdio" and not url:
        raise ConfigError(f"{where}: mode {mode} needs a url", hint="config: {url: http://host:port/mcp}")
    headers = _str_map(conf.get("headers"), f"{where}: config.headers")
    env = _str_map(conf.get("env"), f"{where}: config.env")
    for value in headers.values():
        known_secrets.add(value)  # a header (Authorization, X-Api-Key) is a credential: never shown
    for key, value in env.items():
        if _SECRET_NAME.search(key):
            known_secrets.add(value)
    return ServerSpec(
        name=name,
        mode=mode,
        url=str(url) if mode != "stdio" else None,
        command=str(command) if mode == "stdio" else None,
        args=[str(a) for a in conf.get("args") or []],
        env=env,
        headers=headers,
        description=str(raw.get("description") or ""),
        llm_instructions=str(raw.get("llm_instructions") or ""),
        tools=_names(raw.get("tools"), f"{where}: tools"),
        allow=_names(raw.get("allow"), f"{where}: allow") or [],
        timeout=_timeout(raw.get("timeout", conf.get("timeout", 30)), where),
        source=source,
    )


def _guess_mode(url: Any, command: Any) -> str:
    if command and not url:
        return "stdio"
    path = str(url or "").split("?", 1)[0].rstrip("/")
    return "sse" if path.endswith("/sse") else "streamable-http"


def _str_map(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{what} must be a mapping of name -> value")
    return {str(k): str(v) for k, v in value.items()}


def _names(value: Any, what: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ConfigError(f"{what} must be a list of tool names")
    return [str(v) for v in value]


def _timeout(value: Any, where: str) -> float:
    from holmes_nb.config.entries import seconds

    return seconds(value, f"{where}: timeout")
