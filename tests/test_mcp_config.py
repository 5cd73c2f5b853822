"""``mcp_servers`` entries read as HolmesGPT writes them: modes, templating, Helm values, errors."""

from __future__ import annotations

import pytest

from holmes_nb.config import load_config
from holmes_nb.errors import ConfigError
from holmes_nb.mcp.config import server_specs
from holmes_nb.redact import scrub


def _specs(tmp_path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return server_specs(load_config(path))


def test_holmesgpt_forms_and_mode_guessing(tmp_path):
    specs = _specs(
        tmp_path,
        """
mcp_servers:
  current:
    description: streamable http, url inside config
    config: {url: "http://127.0.0.1:8000/mcp", mode: streamable-http}
    llm_instructions: use it for dashboards
  legacy:
    description: url at the top level
    url: "http://127.0.0.1:9000/sse"
  guessed:
    config: {url: "http://127.0.0.1:8000/mcp/messages"}
  local:
    config: {mode: stdio, command: kubernetes-mcp-server, args: [--read-only]}
  bare_command:
    config: {command: my-server}
  off:
    enabled: false
    url: http://127.0.0.1:1/sse
""",
    )
    assert list(specs) == ["current", "legacy", "guessed", "local", "bare_command"]
    assert (specs["current"].mode, specs["current"].url) == ("streamable-http", "http://127.0.0.1:8000/mcp")
    assert specs["current"].llm_instructions == "use it for dashboards"
    assert (specs["legacy"].mode, specs["legacy"].url) == ("sse", "http://127.0.0.1:9000/sse")
    assert specs["guessed"].mode == "streamable-http"
    assert (specs["local"].mode, specs["local"].command, specs["local"].args) == (
        "stdio",
        "kubernetes-mcp-server",
        ["--read-only"],
    )
    assert specs["bare_command"].mode == "stdio"
    assert specs["local"].timeout == 30.0 and specs["local"].tools is None and specs["local"].allow == []


def test_env_templates_fill_headers_and_env_and_secrets_are_registered(tmp_path, monkeypatch):
    monkeypatch.setenv("MCP_TOKEN", "tok-3a9f2c7d1e")
    monkeypatch.setenv("API_PASSWORD", "pw-77b1c9d4e2")
    specs = _specs(
        tmp_path,
        """
additionalEnvVars:
  - {name: REGION, value: eu-west-1}
mcp_servers:
  remote:
    config:
      url: http://127.0.0.1:8000/mcp
      headers: {Authorization: "Bearer {{ env.MCP_TOKEN }}"}
  local:
    config:
      mode: stdio
      command: srv
      env: {API_PASSWORD: "{{ env.API_PASSWORD }}", REGION: "{{ env.REGION }}", KUBECONFIG: /tmp/kube/config}
    tools: [a, b]
    allow: delete_x
    timeout: 5
""",
    )
    assert specs["remote"].headers == {"Authorization": "Bearer tok-3a9f2c7d1e"}
    assert specs["local"].env == {
        "API_PASSWORD": "pw-77b1c9d4e2",
        "REGION": "eu-west-1",
        "KUBECONFIG": "/tmp/kube/config",
    }
    assert (specs["local"].tools, specs["local"].allow, specs["local"].timeout) == (["a", "b"], ["delete_x"], 5.0)
    assert "tok-3a9f2c7d1e" not in repr(specs["remote"]) and "pw-77b1c9d4e2" not in repr(specs["local"])
    out = scrub("header Bearer tok-3a9f2c7d1e, env pw-77b1c9d4e2, path /tmp/kube/config")
    assert "tok-3a9f2c7d1e" not in out and "pw-77b1c9d4e2" not in out and "/tmp/kube/config" in out


def test_holmes_chart_values_at_top_level_with_a_model_list(tmp_path):
    specs = _specs(
        tmp_path,
        """
modelList:
  local: {model: openai/llama3, api_base: http://127.0.0.1:8000/v1}
mcp_servers:
  grafana: {config: {url: http://127.0.0.1:3000/mcp}}
""",
    )
    assert list(specs) == ["grafana"]


@pytest.mark.parametrize(
    "entry, message",
    [
        ("[1, 2]", "must be a mapping"),
        ("{config: {mode: stdio}}", "mode stdio needs config.command"),
        ("{config: {mode: sse}}", "mode sse needs a url"),
        ("{config: {mode: websocket, url: 'ws://x'}}", "mode must be one of stdio, streamable-http, sse"),
        ("{config: {url: 'http://x/mcp', headers: [a]}}", "config.headers must be a mapping"),
        ("{config: {url: 'http://x/mcp'}, timeout: -1}", "timeout must be a positive number"),
        ("{config: {url: 'http://x/mcp', headers: {A: '{{ env.NOT_SET_ANYWHERE }}'}}}", "NOT_SET_ANYWHERE is not set"),
    ],
)
def test_bad_entries_are_config_errors_naming_the_entry(tmp_path, entry, message):
    with pytest.raises(ConfigError) as err:
        _specs(tmp_path, f"mcp_servers:\n  broken: {entry}\n")
    assert "mcp_servers entry 'broken'" in str(err.value) and message in str(err.value)


def test_mcp_servers_must_be_a_mapping(tmp_path):
    with pytest.raises(ConfigError, match="mcp_servers must be a mapping"):
        _specs(tmp_path, "mcp_servers: [a, b]\n")
