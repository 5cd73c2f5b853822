"""Custom tools: ``@holmes_nb.tool`` functions and HolmesGPT toolset YAML files run without a shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Literal, Optional

import pytest

import holmes_nb
from devkit.openai_server import call, say
from holmes_nb.errors import ConfigError
from holmes_nb.tools.custom import clear_tools, make_tool, parse_docstring, registered_tools, unregister
from holmes_nb.tools.toolsets_yaml import load_toolsets


@pytest.fixture(autouse=True)
def empty_registry():
    clear_tools()
    yield
    clear_tools()


def holmes(*args, env=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "holmes_nb", *args],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


# -- @tool -------------------------------------------------------------------------------------
def test_schema_from_type_hints_and_google_docstring():
    def slow_queries(
        database: str,
        mode: Literal["read", "write"],
        limit: int = 10,
        ratio: float = 0.5,
        verbose: bool = False,
        tables: list[str] | None = None,
        owner: str | None = None,
    ):  # noqa: UP045
        """Slowest queries of one database,
        newest first.

        Longer explanation that the model does not need.

        Args:
            database (str): the database name,
                e.g. "orders".
            limit: how many rows.
        """
        return {"database": database, "limit": limit, "tables": tables, "owner": owner}

    t = make_tool(slow_queries)
    assert t.name == "slow_queries" and t.description == "Slowest queries of one database, newest first."
    assert t.parameters == {
        "type": "object",
        "required": ["database", "mode"],
        "properties": {
            "database": {"type": "string", "description": 'the database name, e.g. "orders".'},
            "mode": {"type": "string", "enum": ["read", "write"]},
            "limit": {"type": "integer", "default": 10, "description": "how many rows."},
            "ratio": {"type": "number", "default": 0.5},
            "verbose": {"type": "boolean", "default": False},
            "tables": {"type": "array", "items": {"type": "string"}},
            "owner": {"type": "string"},
        },
    }
    # a small model quoting a number still works; a dict result reaches the model as JSON
    result = t.run({"database": "orders", "mode": "read", "limit": "3", "tables": ["a"]})
    assert result.ok and json.loads(result.text) == {"database": "orders", "limit": 3, "tables": ["a"], "owner": None}


def test_optional_without_default_is_not_required_and_filled_with_none():
    def f(ns: str | None, kind: Optional[int]):  # noqa: UP045
        return f"{ns!r} {kind!r}"

    t = make_tool(f)
    assert "required" not in t.parameters and t.run({}).text == "None None"


@pytest.mark.parametrize(
    "doc",
    [
        """Top talkers.

    Parameters
    ----------
    host : str
        The host
        name.
    port : int, optional
        The port.

    Returns
    -------
    DataFrame
        rows
    """,
        """Top talkers.

    :param host: The host
        name.
    :param int port: The port.
    :returns: rows
    """,
    ],
)
def test_numpy_and_sphinx_parameter_descriptions(doc):
    import inspect

    assert parse_docstring(inspect.cleandoc(doc)) == ("Top talkers.", {"host": "The host name.", "port": "The port."})


def test_decorator_forms_registry_and_the_function_stays_callable():
    @holmes_nb.tool
    def disk_usage(node: str) -> str:
        """Disk usage of a node."""
        return f"{node}: 91%"

    @holmes_nb.tool(name="db_locks", description="Locks held now.")
    def locks():
        return "none"

    assert disk_usage("n1") == "n1: 91%" and disk_usage.tool.name == "disk_usage"
    assert [t.name for t in registered_tools()] == ["disk_usage", "db_locks"]
    assert locks.tool.description == "Locks held now."

    @holmes_nb.tool  # a notebook cell re-run: the new definition replaces the old one
    def disk_usage(node: str, mount: str = "/") -> str:
        """Disk usage of a node's mount."""
        return f"{node}{mount}: 91%"

    assert [t.name for t in registered_tools()] == ["disk_usage", "db_locks"]
    assert registered_tools()[0].run({"node": "n1"}).text == "n1/: 91%"
    unregister("db_locks")
    assert [t.name for t in registered_tools()] == ["disk_usage"]


def test_clashes_and_unsupported_types_are_config_errors():
    with pytest.raises(ConfigError, match="taken by a built-in Kubernetes tool"):

        @holmes_nb.tool
        def list_pods():
            return ""

    import datetime

    def f(when: datetime.datetime):
        return ""

    with pytest.raises(ConfigError, match="parameter 'when' has type datetime"):
        make_tool(f)
    with pytest.raises(ConfigError, match="invalid tool name"):
        make_tool(lambda: "")
    assert registered_tools() == []


def test_investigation_calls_a_registered_tool_and_keeps_its_dataframe(model_server, openai_env):
    import pandas as pd

    @holmes_nb.tool
    def slow_queries(database: str, limit: int = 5):
        """Slowest queries of a database."""
        return pd.DataFrame({"query": ["select * from orders"] * limit, "ms": range(limit)})

    srv = openai_env(model_server([call("slow_queries", database="orders", limit=2), say("orders is slow")]))
    inv = holmes_nb.ask("why is checkout slow?", model="openai/scripted", cluster="demo")
    assert inv.answer == "orders is slow" and [c.status for c in inv.calls] == ["ok"]
    frame = inv.frames["slow_queries"]
    assert list(frame.columns) == ["query", "ms"] and len(frame) == 2
    offered = {t["function"]["name"]: t["function"] for t in srv.chat_requests[0]["tools"]}
    assert offered["slow_queries"]["parameters"]["required"] == ["database"] and "find_problems" in offered
    assert "select * from orders" in srv.chat_requests[1]["messages"][-1]["content"]


# -- toolset YAML -------------------------------------------------------------------------------
def write(path, text: str):
    path.write_text(textwrap.dedent(text))
    return path


ARGV = f'{sys.executable} -c "import sys, json; print(json.dumps(sys.argv[1:]))"'


def test_cli_runs_yaml_tools_without_a_shell(model_server, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    pwned = tmp_path / "pwned"
    ts = write(
        tmp_path / "toolsets.yaml",
        f"""\
        toolsets:
          shop:
            description: Shop checks
            tools:
              - name: show_args
                description: Echo the arguments.
                command: {ARGV} --ns={{{{ namespace }}}} "{{{{ text }}}}" {{{{ n | default(3) }}}}
              - name: broken
                description: A tool whose executable is missing.
                command: holmes-nb-no-such-tool {{{{ x }}}}
          unused:
            enabled: false
            tools: [{{name: never, description: x, command: "false"}}]
        """,
    )
    hostile = f"x; rm -rf {victim}; touch {pwned}"
    subst = f"$(touch {pwned}) `touch {pwned}`"
    srv = model_server(
        [
            {
                "tool_calls": [
                    {"name": "show_args", "arguments": {"namespace": subst, "text": hostile}},
                    {"name": "broken", "arguments": {"x": "1"}},
                ]
            },
            say("done"),
        ]
    )
    out = tmp_path / "inv.json"
    r = holmes(
        "ask",
        "check the shop",
        "--model",
        "openai/scripted",
        "--cluster",
        "demo",
        "-t",
        str(ts),
        "--json-output-file",
        str(out),
        env={"OPENAI_API_BASE": srv.url},
    )
    assert r.returncode == 0, r.stderr
    assert victim.is_dir() and not pwned.exists()  # no shell ever interpreted the values
    tool_msgs = [m["content"] for m in srv.chat_requests[1]["messages"] if m["role"] == "tool"]
    assert json.loads(tool_msgs[0]) == [f"--ns={subst}", hostile, "3"]
    assert "executable 'holmes-nb-no-such-tool' is not on PATH" in tool_msgs[1]
    calls = json.loads(out.read_text())["steps"][0]["tool_calls"]
    assert [c["status"] for c in calls] == ["ok", "error"]
    offered = [t["function"]["name"] for t in srv.chat_requests[0]["tools"]]
    assert "show_args" in offered and "broken" in offered and "never" not in offered


def test_cli_bad_toolset_file_is_a_clean_config_error(tmp_path):
    bad = write(tmp_path / "bad.yaml", "toolsets:\n  x: [unclosed\n")
    r = holmes(
        "ask",
        "q",
        "--model",
        "openai/x",
        "--cluster",
        "demo",
        "-t",
        str(bad),
        env={"OPENAI_API_BASE": "http://127.0.0.1:9/v1"},
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"malformed YAML in {bad}, line" in r.stderr


@pytest.mark.parametrize(
    "body,message",
    [
        ("tools: []", "expected a 'toolsets:' mapping"),
        ("toolsets: {a: {tools: []}}", "toolset 'a': 'tools' must be a non-empty list"),
        ("toolsets: {a: {tools: [{name: t, description: d}]}}", "tool 't': 'command' must be a non-empty string"),
        ("toolsets: {a: {tools: [{name: t, description: d, script: 'echo hi'}]}}", "'script' tools are not supported"),
        (
            "toolsets: {a: {tools: [{name: t, description: d, command: 'kubectl get pods | grep x'}]}}",
            "shell syntax '|'",
        ),
        ("toolsets: {a: {tools: [{name: t, description: d, command: 'echo $(id)'}]}}", "command substitution"),
        ("toolsets: {a: {tools: [{name: t, description: d, command: '{{ exe }} x'}]}}", "fixed executable"),
        ("toolsets: {a: {tools: [{name: describe, description: d, command: 'echo'}]}}", "built-in Kubernetes tool"),
        ("toolsets: {a: {tools: [{name: t, description: d, command: 'echo {{ x | upper }}'}]}}", "placeholders"),
    ],
)
def test_bad_toolset_shapes_name_the_file_and_the_problem(tmp_path, body, message):
    path = write(tmp_path / "ts.yaml", body)
    with pytest.raises(ConfigError) as err:
        load_toolsets([path])
    assert str(path) in str(err.value) and message in str(err.value)


def test_exit_code_timeout_output_cap_and_secret_masking(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOP_API_TOKEN", "tok-0123456789abcdef")
    path = write(
        tmp_path / "ts.yaml",
        f"""\
        toolsets:
          t:
            description: d
            tools:
              - {{name: fails, description: d, command: '{sys.executable} -c "import sys; sys.exit(sys.stderr.write(\\"bad input\\n\\") and 3)"'}}
              - {{name: slow, description: d, timeout: 0.3, command: 'sleep 5'}}
              - {{name: big, description: d, command: '{sys.executable} -c "print(\\"x\\" * 3000000)"'}}
              - {{name: leak, description: d, command: 'echo token=${{SHOP_API_TOKEN}}'}}
        """,
    )
    tools = {t.name: t for t in load_toolsets(path)}
    failed = tools["fails"].run({})
    assert not failed.ok and "exited with code 3: bad input" in failed.error
    slow = tools["slow"].run({})
    assert not slow.ok and "timed out after 0.3s" in slow.error and slow.meta["duration_ms"] < 3000
    big = tools["big"].run({})
    assert big.ok and len(big.text) < 5000 and big.meta["truncated_chars"] > 2_900_000
    leak = tools["leak"].run({})
    assert leak.ok and leak.text == "token=[REDACTED]"  # a ${...TOKEN} value never reaches the output
