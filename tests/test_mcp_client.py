"""The MCP client against a real MCP server built with the official SDK (devkit/mcp_example_server.py),
over stdio, streamable HTTP and SSE: tools join the toolset prefixed by server, read-only by default,
tables become DataFrames, and a server that fails, hangs or dies is a readable tool error."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devkit.openai_server import call, say
from holmes_nb import api
from holmes_nb.config import load_config
from holmes_nb.mcp import client as mcp_client
from holmes_nb.mcp import configured_tools
from holmes_nb.mcp.config import ServerSpec, server_specs
from holmes_nb.mcp.tools import mcp_tool_rows, mcp_tools

EXAMPLE = str(Path(__file__).resolve().parents[1] / "devkit" / "mcp_example_server.py")
SECRET = "pl4nted-mcp-token-93"
READ_ONLY = {"add", "inventory", "broken", "slow", "crash", "pid", "credentials"}


def stdio_spec(**kw) -> ServerSpec:
    args = kw.pop("args", [EXAMPLE])
    return ServerSpec(name=kw.pop("name", "ex"), mode="stdio", command=sys.executable, args=args, **kw)


@pytest.fixture(autouse=True)
def _stop_servers():
    yield
    mcp_client.close_all()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def http_example():
    """Factory: the example server over ``streamable-http`` or ``sse`` on a free port; its base URL."""
    procs = []

    def start(transport: str) -> str:
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, EXAMPLE, transport, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        procs.append(proc)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return f"http://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the example server did not listen on {port}")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


def _by_name(tools) -> dict:
    return {t.name: t for t in tools}


def test_stdio_tools_are_prefixed_and_read_only_by_default():
    tools, rows = mcp_tools({"ex": stdio_spec()})
    assert {t.name for t in tools} == {f"ex__{n}" for n in READ_ONLY}
    status = {r["tool"]: (r["status"], r["why"]) for r in rows}
    assert status["delete_item"][0] == "left out" and "allow list" in status["delete_item"][1]
    assert status["restock"] == (
        "left out",
        "may write (not annotated read-only); add it to the entry's allow list to offer it",
    )
    assert all(status[n] == ("offered", "read-only") for n in READ_ONLY)
    add = _by_name(tools)["ex__add"]
    assert add.description.startswith("[ex] Add two integers")
    assert add.parameters["required"] == ["a", "b"]
    assert add.run({"a": 2, "b": 40}).text == "42"


def test_write_tools_are_offered_only_when_allowed_by_name_and_the_allow_list_limits():
    tools, _ = mcp_tools({"ex": stdio_spec(allow=["delete_item"])})
    assert "ex__delete_item" in _by_name(tools) and "ex__restock" not in _by_name(tools)
    assert _by_name(tools)["ex__delete_item"].run({"item": "bolts"}).text == "deleted bolts"
    tools, rows = mcp_tools({"only": stdio_spec(name="only", tools=["add", "restock"])})
    assert [t.name for t in tools] == ["only__add"]
    assert {r["tool"]: r["status"] for r in rows}["inventory"] == "left out"


def test_tabular_result_becomes_a_dataframe_and_compact_text():
    result = _by_name(mcp_tools({"ex": stdio_spec()})[0])["ex__inventory"].run({"warehouse": "east"})
    assert result.ok
    assert list(result.frame.columns) == ["item", "count", "warehouse"]
    assert result.frame["count"].tolist() == [120, 7]
    assert result.text.splitlines()[0].split() == ["item", "count", "warehouse"]
    assert "{" not in result.text  # a table, not JSON


def test_tool_errors_and_bad_arguments_are_tool_errors():
    tools = _by_name(mcp_tools({"ex": stdio_spec()})[0])
    broken = tools["ex__broken"].run({})
    assert not broken.ok and broken.text.startswith("ERROR: ") and "broken" in broken.error
    bad = tools["ex__add"].run({"a": "many", "b": 1})
    assert not bad.ok and "valid integer" in bad.error
    missing = tools["ex__add"].run({"a": 1})
    assert not missing.ok and "b" in missing.error


def test_planted_secret_in_a_result_is_scrubbed():
    result = _by_name(mcp_tools({"ex": stdio_spec()})[0])["ex__credentials"].run({})
    assert result.ok and "endpoint=https://inventory.local" in result.text
    assert SECRET not in result.text


def test_a_slow_tool_times_out_and_the_server_keeps_serving():
    tools = _by_name(mcp_tools({"ex": stdio_spec(timeout=1.5)})[0])
    slow = tools["ex__slow"].run({"seconds": 30})
    assert not slow.ok and "did not answer within 2 s while calling slow" in slow.error
    assert tools["ex__add"].run({"a": 1, "b": 1}).text == "2"


def test_a_server_that_dies_mid_call_is_an_error_then_restarts():
    spec = stdio_spec(name="dies")
    tools = _by_name(mcp_tools({"dies": spec})[0])
    crashed = tools["dies__crash"].run({})
    assert not crashed.ok and "stopped while calling crash" in crashed.error and "restarts" in crashed.error
    assert tools["dies__add"].run({"a": 3, "b": 4}).text == "7"  # started again


def test_servers_that_cannot_start_or_hang_are_reported_not_raised(monkeypatch):
    monkeypatch.setattr(mcp_client, "START_TIMEOUT", 3.0)
    specs = {
        "missing": ServerSpec(name="missing", mode="stdio", command="/nonexistent/mcp-server"),
        "mute": ServerSpec(name="mute", mode="stdio", command="sleep", args=["60"]),
        "refused": ServerSpec(name="refused", mode="streamable-http", url=f"http://127.0.0.1:{_free_port()}/mcp"),
        "ex": stdio_spec(),
    }
    start = time.monotonic()
    tools, rows = mcp_tools(specs)
    assert time.monotonic() - start < 30
    why = {r["server"]: r["why"] for r in rows if r["tool"] == "-"}
    assert "could not start" in why["missing"] and "No such file" in why["missing"]
    assert "no answer to the MCP handshake within 3 s" in why["mute"]
    assert "refused" in why
    assert {t.name for t in tools} == {f"ex__{n}" for n in READ_ONLY}  # the healthy server still counts


@pytest.mark.parametrize("transport, path", [("streamable-http", "/mcp"), ("sse", "/sse")])
def test_remote_servers_over_http_with_templated_headers(http_example, tmp_path, monkeypatch, transport, path):
    base = http_example(transport)
    monkeypatch.setenv("EX_TOKEN", "s3cr3t-header-value")
    cfg_file = tmp_path / "config.yaml"
    cfg_file.write_text(
        "mcp_servers:\n"
        "  remote:\n"
        "    description: example over HTTP\n"
        f"    config: {{url: '{base}{path}', headers: {{X-Api-Key: '{{{{ env.EX_TOKEN }}}}'}}}}\n"
    )
    specs = server_specs(load_config(cfg_file))
    assert specs["remote"].mode == transport and specs["remote"].headers == {"X-Api-Key": "s3cr3t-header-value"}
    tools = _by_name(mcp_tools(specs)[0])
    assert tools["remote__add"].run({"a": 20, "b": 22}).text == "42"
    assert tools["remote__inventory"].run({}).frame is not None


def test_big_servers_are_reached_on_demand(monkeypatch):
    from holmes_nb.mcp import tools as mcp_tools_module

    monkeypatch.setattr(mcp_tools_module, "INLINE_MAX", 3)
    tools, rows = mcp_tools({"ex": stdio_spec()})
    assert [t.name for t in tools] == ["mcp_find_tools", "mcp_call"]
    assert {r["status"] for r in rows if r["tool"] in READ_ONLY} == {"on demand"}
    find, run = tools
    found = find.run({"query": "integers"})
    assert found.text.startswith("ex__add(a, b): [ex] Add two integers")
    assert run.run({"tool": "ex__add", "arguments": {"a": 5, "b": 6}}).text == "11"
    assert run.run({"tool": "ex__add", "arguments": '{"a": 1, "b": 2}'}).text == "3"  # JSON text from small models
    assert not run.run({"tool": "ex__delete_item", "arguments": {"item": "x"}}).ok  # left out stays out


def _config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        "mcp_servers:\n"
        "  ex:\n"
        "    description: the example server\n"
        f"    config: {{mode: stdio, command: '{sys.executable}', args: ['{EXAMPLE}']}}\n" + extra
    )
    return path


def test_an_investigation_calls_an_mcp_tool_and_the_model_receives_the_result(tmp_path, model_server, openai_env):
    srv = openai_env(model_server([call("ex__inventory", warehouse="north"), say("bolts: 120")]))
    notices: list[str] = []
    inv = api.ask(
        "how many bolts?", model="openai/scripted", cluster="demo", config=str(_config(tmp_path)), notice=notices.append
    )
    assert inv.answer == "bolts: 120"
    offered = {t["function"]["name"] for t in srv.chat_requests[0]["tools"]}
    assert {"find_problems", "ex__inventory", "ex__add"} <= offered and "ex__delete_item" not in offered
    seen = srv.visible_text(srv.chat_requests[1])
    assert "bolts  120    north" in seen
    assert any("left out ex/delete_item" in n for n in notices)


def test_robusta_values_and_disabled_entries(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text(
        "holmes:\n"
        "  mcp_servers:\n"
        "    ex:\n"
        f"      config: {{mode: stdio, command: '{sys.executable}', args: ['{EXAMPLE}']}}\n"
        "    off:\n"
        "      url: http://127.0.0.1:9/sse\n"
        "      enabled: false\n"
    )
    cfg = load_config(values)
    assert list(server_specs(cfg)) == ["ex"]
    assert "ex__add" in {t.name for t in configured_tools(cfg)}
    rows = mcp_tool_rows(cfg)
    assert {r["tool"] for r in rows} == READ_ONLY | {"delete_item", "restock"}


def test_check_model_says_what_was_left_out(tmp_path, model_server):
    srv = model_server([say("I am a chat model.")], props_n_ctx=4096)
    r = subprocess.run(
        [sys.executable, "-m", "holmes_nb", "check-model", "openai/scripted", "--config", str(_config(tmp_path))],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "OPENAI_API_BASE": srv.url},
        timeout=120,
    )
    assert "mcp  ex/delete_item: left out (may write" in r.stdout, r.stdout + r.stderr
    assert "mcp  ex/add: offered (read-only)" in r.stdout


def test_holmes_tools_magic_lists_offered_and_left_out_mcp_tools(tmp_path, monkeypatch):
    from test_magics import TestingShell

    monkeypatch.setenv("HOLMES_NB_CONFIG", str(_config(tmp_path)))
    monkeypatch.setenv("HOLMES_NB_LIVE_DISPLAY", "off")
    TestingShell.clear_instance()
    shell = TestingShell.instance()
    try:
        shell.run_cell("%load_ext holmes_nb")
        shell.run_cell("t = %holmes tools --cluster demo")
        table = shell.user_ns["t"].set_index("tool")["description"]
    finally:
        shell.run_cell("%unload_ext holmes_nb")
        TestingShell.clear_instance()
    assert table["find_problems"].startswith("Call this first")
    assert table["ex__add"] == "MCP offered: read-only"
    assert table["ex__delete_item"].startswith("MCP left out: may write")


def test_a_stdio_server_starts_once_per_session_and_stops_at_exit(tmp_path):
    import os

    cfg = load_config(_config(tmp_path))
    first = _by_name(configured_tools(cfg))["ex__pid"].run({}).text
    second = _by_name(configured_tools(cfg))["ex__pid"].run({}).text  # a second ask: the same process
    assert first == second and int(first) != os.getpid()
    os.kill(int(first), 0)  # running
    mcp_client.close_all()  # what atexit runs
    with pytest.raises(ProcessLookupError):
        os.kill(int(first), 0)


def test_a_changed_entry_replaces_the_running_server(tmp_path):
    import os

    before = int(_by_name(mcp_tools({"ex": stdio_spec()})[0])["ex__pid"].run({}).text)
    after = int(_by_name(mcp_tools({"ex": stdio_spec(args=[EXAMPLE, "stdio"])})[0])["ex__pid"].run({}).text)
    assert before != after
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(before, 0)
            time.sleep(0.1)
        except ProcessLookupError:
            break
    else:
        raise AssertionError("the old server is still running")
