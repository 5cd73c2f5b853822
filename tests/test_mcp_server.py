"""``holmes-nb mcp serve`` with the official SDK's client, over stdio and streamable HTTP: every tool
is listed read-only and answers, bad arguments are tool errors, and no planted secret comes out."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from planted_secrets import KEY, SECRETS, planted_doc

from holmes_nb.cluster_spec import open_cluster
from holmes_nb.mcp.server import served_tools

#: one valid call per tool (names from the planted snapshot, which is the demo plus a pod)
CALLS = {
    "find_problems": {},
    "list_pods": {"namespace": "payments"},
    "describe": {"kind": "pod", "name": "vault-sync-6c9d7f5b8-q4m2x", "namespace": "payments"},
    "pod_logs": {"name": "vault-sync-6c9d7f5b8-q4m2x", "namespace": "payments"},
    "events": {"namespace": "payments"},
    "list_resources": {"kind": "configmaps"},
    "list_namespaces": {},
    "list_nodes": {},
    "list_workloads": {"namespace": "shop"},
    "list_services": {},
    "list_storage": {},
    "list_ingresses": {},
    "list_configmaps": {"namespace": "payments"},
    "list_hpas": {},
    "list_quotas": {},
    "list_networkpolicies": {},
    "findings": {"namespace": "payments"},
}
BAD = [
    ("describe", {"kind": "pod"}, "'name' is a required property"),
    ("list_pods", {"unhealthy_only": "often"}, "'often' is not of type 'boolean'"),
    ("list_resources", {"kind": "widgets"}, "is not one of"),
    ("events", {"since": "1h"}, "unknown argument(s) since"),
    ("delete_pod", {"name": "x"}, "unknown tool 'delete_pod'"),
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    path = tmp_path_factory.mktemp("planted") / "planted.json"
    path.write_text(json.dumps(planted_doc()))
    return path


def _env() -> dict[str, str]:
    return {"PYTHONPATH": os.getcwd(), "LITELLM_LOCAL_MODEL_COST_MAP": "True", "HOME": os.environ["HOME"]}


async def _exercise(session) -> dict:
    await session.initialize()
    listed = (await session.list_tools()).tools
    out = {"tools": {t.name: t for t in listed}, "results": {}, "bad": {}}
    for name, args in CALLS.items():
        out["results"][name] = await session.call_tool(name, args)
    for name, args, _ in BAD:
        out["bad"][name] = await session.call_tool(name, args)
    return out


def _check(out: dict) -> None:
    assert set(out["tools"]) == set(CALLS) == {t.name for t in served_tools(open_cluster("demo"))}
    for tool in out["tools"].values():
        ann = tool.annotations
        assert ann.read_only_hint is True and ann.destructive_hint is False and ann.open_world_hint is False
        assert tool.input_schema["type"] == "object"
    for name, result in out["results"].items():
        assert not result.is_error, (name, result.content)
        assert result.content[0].text.strip(), name
    assert "vault-sync" in out["results"]["list_pods"].content[0].text
    for name, _, message in BAD:
        result = out["bad"][name]
        assert result.is_error and message in result.content[0].text, (name, result.content)
    text = "\n".join(c.text for r in out["results"].values() for c in r.content)
    found = [s for s in SECRETS if s != KEY and s in text]
    assert found == []


def test_stdio_with_the_sdk_client(planted):
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "holmes_nb", "mcp", "serve", "--cluster", str(planted)], env=_env()
    )

    async def main():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            return await _exercise(session)

    _check(asyncio.run(main()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def http_server(planted):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "holmes_nb", "mcp", "serve", "--cluster", str(planted), "--transport", "http"]
        + ["--port", str(port)],
        env={**os.environ, **_env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield proc, port
    proc.terminate()
    proc.wait(10)


def test_http_with_the_sdk_client_binds_loopback(http_server):
    proc, port = http_server
    assert proc.poll() is None, proc.stderr.read()

    async def main():
        async with (
            streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write),
            ClientSession(read, write) as session,
        ):
            return await _exercise(session)

    _check(asyncio.run(main()))
    assert _listening_addresses(port) == ["127.0.0.1"]


def _listening_addresses(port: int) -> list[str]:
    """The IPv4/IPv6 addresses a LISTEN socket on ``port`` is bound to, read from /proc/net/tcp*."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]) if len(address) == 8 else address)
    return found


def test_anonymized_server_hides_names_and_takes_placeholders(planted):
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "holmes_nb", "mcp", "serve", "--cluster", str(planted), "--anonymize"],
        env=_env(),
    )

    async def main():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            pods = (await session.call_tool("list_pods", {"unhealthy_only": True})).content[0].text
            placeholder = next(w for w in pods.split() if w.startswith("ns-"))
            events = await session.call_tool("events", {"namespace": placeholder})
            return pods, events

    pods, events = asyncio.run(main())
    assert "payments" not in pods and "vault-sync" not in pods and "ns-" in pods
    assert not events.is_error and "payments" not in events.content[0].text
