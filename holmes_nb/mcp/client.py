"""Connections to MCP servers through the official SDK (``mcp``: ClientSession + its transports).

The agent is synchronous; the SDK is async. One daemon thread runs an event loop for the whole
process, and each server gets one task that opens its transport and session and keeps them open
until :func:`close_all` (called at interpreter exit). A stdio server therefore starts once per
session (notebook kernel or CLI run), on first use, and stops at exit.

Every wait has a deadline: a server that fails to start, hangs or dies mid-run raises
:class:`MCPServerError` with a readable message (the stderr tail of a stdio server included), which
the tool wrapper turns into a tool error for the model.

    conn = connection(spec)          # shared per spec; starts the server on first use
    tools = conn.list_tools()        # mcp Tool objects
    result = conn.call_tool("pods_list", {})
"""

from __future__ import annotations

import asyncio
import atexit
import tempfile
import threading
from collections.abc import Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from holmes_nb.errors import HolmesError
from holmes_nb.mcp.config import ServerSpec

START_TIMEOUT = 20.0  # seconds to start a server and finish the MCP handshake
STOP_TIMEOUT = 5.0


class MCPServerError(HolmesError):
    """An MCP server could not be reached, did not answer in time, or went away."""


class _Loop:
    """The process-wide event loop thread (started on first use)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="holmes-nb-mcp", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine, timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise TimeoutError from None


_lock = threading.Lock()
_loop: _Loop | None = None
_connections: dict[tuple, Connection] = {}


def _the_loop() -> _Loop:
    global _loop
    with _lock:
        if _loop is None:
            _loop = _Loop()
            atexit.register(close_all)
        return _loop


def connection(spec: ServerSpec) -> Connection:
    """The shared connection for ``spec`` (not started yet: the first call starts it)."""
    with _lock:
        conn = _connections.get(spec.key())
        if conn is None:
            stale = [k for k in _connections if k[0] == spec.name]  # the entry changed: stop the old one
            for old in [_connections.pop(k) for k in stale]:
                threading.Thread(target=old.stop, daemon=True).start()
            conn = _connections[spec.key()] = Connection(spec)
        return conn


class Connection:
    def __init__(self, spec: ServerSpec):
        self.spec = spec
        self.session: Any = None
        self.error: str | None = None
        self._task: asyncio.Task | None = None
        self._stop: asyncio.Event | None = None
        self._ready: asyncio.Future | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")  # noqa: SIM115 - lives as long as the connection
        self._lock = threading.Lock()

    # -- public, synchronous ------------------------------------------------------------------
    def list_tools(self) -> list[Any]:
        self.start()
        result = self._call(lambda s: s.list_tools(), self.spec.timeout, "listing its tools")
        return list(result.tools)

    def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        """The CallToolResult; MCPServerError when the server is gone or too slow."""
        self.start()
        timeout = self.spec.timeout
        return self._call(
            lambda s: s.call_tool(name, arguments, read_timeout_seconds=timeout), timeout, f"calling {name}"
        )

    def start(self) -> None:
        """Start the server and finish the handshake (once); a dead connection is started again."""
        with self._lock:
            if self.session is not None and self._task is not None and not self._task.done():
                return
            loop = _the_loop()
            try:
                loop.run(self._open(), START_TIMEOUT + 2)
            except TimeoutError:
                self._stop_now(loop)
                raise MCPServerError(self._message(f"did not start within {START_TIMEOUT:.0f} s", True)) from None
            if self.session is None:
                raise MCPServerError(self._message(f"could not start: {self.error}", True))

    def stop(self) -> None:
        if _loop is not None and self._task is not None:
            self._stop_now(_loop)

    @property
    def running(self) -> bool:
        return self.session is not None and self._task is not None and not self._task.done()

    # -- inside the loop ------------------------------------------------------------------------
    async def _open(self) -> None:
        self.session, self.error = None, None
        self._stop = asyncio.Event()
        self._ready = asyncio.get_running_loop().create_future()
        self._task = asyncio.get_running_loop().create_task(self._serve())
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), START_TIMEOUT)
        except asyncio.TimeoutError:
            self.error = f"no answer to the MCP handshake within {START_TIMEOUT:.0f} s"
            self._task.cancel()

    async def _serve(self) -> None:
        """Open transport + session, then wait for the stop signal (context managers stay in this task)."""
        from mcp import ClientSession

        try:
            async with self._transport() as streams, ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                self.session = session
                self._ready.set_result(True)
                await self._stop.wait()
        except BaseException as e:  # noqa: BLE001 - every failure becomes the connection's error
            self.error = self.error or _describe(e)
            if not self._ready.done():
                self._ready.set_result(False)
            if isinstance(e, asyncio.CancelledError):
                raise
        finally:
            self.session = None

    def _transport(self):
        spec = self.spec
        if spec.mode == "stdio":
            from mcp import StdioServerParameters, stdio_client

            params = StdioServerParameters(command=spec.command, args=spec.args, env=spec.env or None)
            return stdio_client(params, errlog=self._stderr)
        if spec.mode == "sse":
            from mcp.client.sse import sse_client

            return sse_client(spec.url, headers=spec.headers or None, timeout=spec.timeout)
        from mcp.client.streamable_http import streamable_http_client
        from mcp.shared._httpx_utils import create_mcp_http_client

        return _http_streams(streamable_http_client, create_mcp_http_client(headers=spec.headers or None), spec.url)

    # -- helpers --------------------------------------------------------------------------------
    def _call(self, make, timeout: float, what: str) -> Any:
        session = self.session
        if session is None:
            raise MCPServerError(self._message(f"is not running ({self.error or 'stopped'})"))
        try:
            return _the_loop().run(make(session), timeout + 2)
        except TimeoutError:
            raise MCPServerError(self._message(f"did not answer within {timeout:.0f} s while {what}")) from None
        except Exception as e:
            reason = _describe(e)
            if "timed out" in reason.lower():
                raise MCPServerError(self._message(f"did not answer within {timeout:.0f} s while {what}")) from None
            if self.running and "closed" not in reason.lower():
                raise MCPServerError(self._message(f"failed while {what}: {reason}")) from None
            self._stop_now(_the_loop())  # gone: the next call starts it again
            raise MCPServerError(
                self._message(f"stopped while {what} ({reason}); it restarts on the next call", True)
            ) from None

    def _stop_now(self, loop: _Loop) -> None:
        async def stop() -> None:
            if self._stop is not None:
                self._stop.set()
            if self._task is not None:
                try:
                    await asyncio.wait_for(asyncio.shield(self._task), STOP_TIMEOUT)
                except (asyncio.TimeoutError, asyncio.CancelledError, Exception):
                    self._task.cancel()

        try:
            loop.run(stop(), STOP_TIMEOUT + 2)
        except Exception:  # noqa: BLE001 - stopping is best effort
            pass
        self.session = None

    def _message(self, what: str, with_stderr: bool = False) -> str:
        from holmes_nb.redact import scrub

        text = f"MCP server {self.spec.name!r} ({self.spec.mode} {self.spec.where()}) {what}"
        tail = self._stderr_tail() if with_stderr and self.spec.mode == "stdio" else ""
        return scrub(f"{text}; its stderr ends: {tail}" if tail else text)

    def _stderr_tail(self, limit: int = 300) -> str:
        try:
            self._stderr.flush()
            self._stderr.seek(0)
            text = self._stderr.read()
            self._stderr.seek(0, 2)
        except (OSError, ValueError):
            return ""
        return " | ".join(text.strip().splitlines())[-limit:]


def _http_streams(open_transport, http_client, url: str):
    """streamable_http_client with our own httpx client (headers), closed with the transport."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def streams():
        async with http_client, open_transport(url, http_client=http_client) as pair:
            yield pair

    return streams()


def _describe(e: BaseException) -> str:
    """The innermost useful message of an exception (task groups wrap them)."""
    while getattr(e, "exceptions", None):  # an ExceptionGroup from a task group
        e = e.exceptions[0]
    text = str(e).strip() or type(e).__name__
    return text if type(e).__name__ in text else f"{type(e).__name__}: {text}"


def close_all() -> None:
    """Stop every server this process started (registered with atexit)."""
    with _lock:
        conns = list(_connections.values())
        _connections.clear()
    for conn in conns:
        conn.stop()
