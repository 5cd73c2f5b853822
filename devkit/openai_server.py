"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests, benchmarks and demos.

It plays scripted turns, records every request, and can emulate the deviations of real servers
(README.md, "Servers and their quirks"): text tool calls, object arguments, empty ids, dropped ``role: "tool"``
messages, strict ``content: null`` / ``tool_calls: []`` rejection, context-window errors, faults.

    with ScriptedModelServer([call("list_pods", namespace="shop"), say("3 pods are failing")]) as srv:
        os.environ["OPENAI_API_BASE"] = srv.url
        ...
        srv.chat_requests[0]["messages"]

A turn is a dict (``content``, ``tool_calls``, ``finish_reason``, ``usage=False``; or a fault:
``status`` (+``message``, ``headers``), ``hang`` seconds, ``disconnect`` (``True``: before answering;
``"mid-body"``: after the headers and half the body), ``raw`` body, ``delay``, ``trickle`` seconds
between the bytes of the reply)
or a callable ``(request_body, server) -> turn``.
"""

from __future__ import annotations

import json
import math
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devkit.openai_stream import sse_events
from holmes_nb.apiserver.server import drop_connections


def say(content: str, **extra: Any) -> dict[str, Any]:
    """A plain answer turn."""
    return {"content": content, **extra}


def call(name: str, arguments: Any = None, *, id: str | None = None, content: str = "", **kwargs: Any) -> dict:
    """A turn with one native tool call: ``call("list_pods", namespace="shop")``."""
    args = dict(arguments or {}, **kwargs) if not isinstance(arguments, str) else arguments
    tc: dict[str, Any] = {"name": name, "arguments": args}
    if id is not None:
        tc["id"] = id
    return {"content": content, "tool_calls": [tc]}


class ScriptedModelServer:
    def __init__(
        self,
        script: Iterable[Any] = (),
        *,
        model_ids: Iterable[str] = ("scripted",),
        owned_by: str = "scripted",
        api_key: str | None = None,
        drop_tool_role: bool = False,
        reject_null_content: bool = False,
        reject_empty_tool_calls: bool = False,
        context_window: int | None = None,
        context_error: str = "openai",
        props_n_ctx: int | None = None,
        max_model_len: int | None = None,
        default: Any = None,
        ssl_context: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        stream_tools: str = "deltas",
        stream_delay: float = 0.0,
    ):
        self.script: list[Any] = list(script)
        self.model_ids = list(model_ids)
        self.owned_by = owned_by
        self.api_key = api_key
        self.drop_tool_role = drop_tool_role
        self.reject_null_content = reject_null_content
        self.reject_empty_tool_calls = reject_empty_tool_calls
        self.context_window = context_window
        self.context_error = context_error
        self.props_n_ctx = props_n_ctx
        self.max_model_len = max_model_len
        self.default = default if default is not None else say("No further script: done.")
        self.ssl_context = ssl_context
        self.stream_tools = stream_tools  # how streamed replies carry tool calls (devkit/openai_stream.py)
        self.stream_delay = stream_delay  # seconds between streamed chunks (the browser test watches tokens arrive)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._counter = 0
        self._stopping = threading.Event()  # ends trickling replies
        self._connections: set[socket.socket] = set()  # open client connections, closed by stop()
        self._httpd = _QuietServer((host, port), _handler_for(self))
        if ssl_context is not None:
            self._httpd.socket = ssl_context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        host = "localhost" if self.ssl_context else "127.0.0.1"
        return f"{scheme}://{host}:{self.port}/v1"

    def start(self) -> ScriptedModelServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="scripted-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop open (keep-alive) connections, as a server that goes away does."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            drop_connections(self._connections)

    def __enter__(self) -> ScriptedModelServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- what the "model" sees ---------------------------------------------------------------
    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]

    def visible_text(self, body: dict[str, Any]) -> str:
        """The messages' text as the model sees it: with ``drop_tool_role``, tool results arrive empty
        (llama-cpp-python's chatml-function-calling template renders them without content)."""
        messages = body.get("messages", [])
        shown = [m for m in messages if not (self.drop_tool_role and m.get("role") == "tool")]
        return "\n".join(str(m.get("content") or "") for m in shown)

    @staticmethod
    def tokens(body: dict[str, Any]) -> int:
        """This server's own token count (a different tokenizer than the client's: ~3.2 chars/token)."""
        text = json.dumps(body.get("messages", [])) + json.dumps(body.get("tools") or [])
        return math.ceil(len(text) / 3.2)

    # -- request handling --------------------------------------------------------------------
    def _next_turn(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            turn = self.script.pop(0) if self.script else self.default
        return turn(body, self) if callable(turn) else turn

    def _validate(self, body: dict[str, Any]) -> tuple[int, str] | None:
        for m in body.get("messages", []):
            if self.reject_null_content and "content" in m and m["content"] is None:
                return 400, "Invalid 'content': null is not allowed"
            if self.reject_empty_tool_calls and m.get("tool_calls") == []:
                return 400, "Invalid 'tool_calls': empty array is not allowed"
        if self.context_window:
            need = self.tokens(body) + int(body.get("max_tokens") or 0)
            if need > self.context_window:
                if self.context_error == "llama_cpp":
                    return 400, f"Requested tokens ({need}) exceed context window of {self.context_window}"
                return 400, (
                    f"This model's maximum context length is {self.context_window} tokens. However, "
                    f"you requested {need} tokens. Please reduce the length of the messages."
                )
        return None

    def _completion(self, body: dict[str, Any], turn: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._counter += 1
            n = self._counter
        message: dict[str, Any] = {"role": "assistant", "content": turn.get("content", "")}
        calls = []
        for i, tc in enumerate(turn.get("tool_calls") or []):
            args = tc.get("arguments", {})
            if not tc.get("arguments_as_object") and not isinstance(args, str):
                args = json.dumps(args)
            entry: dict[str, Any] = {"type": "function", "function": {"name": tc["name"], "arguments": args}}
            if "id" in tc:
                if tc["id"] is not None:
                    entry["id"] = tc["id"]
            else:
                entry["id"] = f"call_{n}_{i}"
            calls.append(entry)
        if calls:
            message["tool_calls"] = calls
            if not message["content"]:
                message["content"] = None
        finish = turn.get("finish_reason") or ("tool_calls" if calls else "stop")
        out: dict[str, Any] = {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "scripted"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        }
        if turn.get("usage", True):
            prompt = self.tokens(body)
            completion = max(1, math.ceil(len(json.dumps(message)) / 3.2))
            out["usage"] = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
        return out


class _QuietServer(ThreadingHTTPServer):
    """A client that timed out and left before its reply (fault tests do that on purpose) is no
    error worth a traceback on stderr, where it would land in the output of the test's CLI."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def _handler_for(server: ScriptedModelServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def setup(self) -> None:
            super().setup()
            with server._lock:
                server._connections.add(self.connection)

        def finish(self) -> None:
            with server._lock:
                server._connections.discard(self.connection)
            try:
                super().finish()
            except OSError:
                pass

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _send_half(self, payload: Any) -> None:
            """Headers announcing the whole body, half of it, then the connection drops."""
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def _send_trickle(self, payload: Any, every: float) -> None:
            """Headers announcing the whole body, then one byte every ``every`` seconds (each socket
            read succeeds, the reply never ends in time); stops when the client hangs up."""
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.close_connection = True
            for i in range(len(data)):
                try:
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                except OSError:
                    return
                if server._stopping.wait(every):
                    return

        def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
            kind = {401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}.get(
                status, "invalid_request_error" if status < 500 else "server_error"
            )
            code = "context_length_exceeded" if "context" in message else None
            self._send(status, {"error": {"message": message, "type": kind, "code": code}}, headers)

        def _authorized(self) -> bool:
            if server.api_key is None:
                return True
            if self.headers.get("Authorization") == f"Bearer {server.api_key}":
                return True
            self._error(401, "Incorrect API key provided")
            return False

        def do_GET(self) -> None:  # noqa: N802
            server.requests.append({"method": "GET", "path": self.path, "body": None, "headers": dict(self.headers)})
            if not self._authorized():
                return
            if self.path.rstrip("/").endswith("/models"):
                data = []
                for mid in server.model_ids:
                    item: dict[str, Any] = {"id": mid, "object": "model", "owned_by": server.owned_by}
                    if server.max_model_len:
                        item["max_model_len"] = server.max_model_len
                    data.append(item)
                self._send(200, {"object": "list", "data": data})
            elif self.path.rstrip("/") == "/props" and server.props_n_ctx:
                self._send(200, {"default_generation_settings": {"n_ctx": server.props_n_ctx}})
            else:
                self._error(404, f"no route for {self.path}")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"_invalid": raw.decode(errors="replace")}
            server.requests.append({"method": "POST", "path": self.path, "body": body, "headers": dict(self.headers)})
            if not self._authorized():
                return
            if not self.path.rstrip("/").endswith("/chat/completions"):
                return self._error(404, f"no route for {self.path}")
            if body.get("model", "").split("/")[-1] not in server.model_ids and server.model_ids:
                return self._error(404, f"The model `{body.get('model')}` does not exist")
            problem = server._validate(body)
            if problem:
                return self._error(*problem)
            turn = server._next_turn(body)
            if turn.get("delay"):
                time.sleep(turn["delay"])
            if turn.get("hang"):
                time.sleep(turn["hang"])
                self.close_connection = True
                return
            if turn.get("trickle"):
                return self._send_trickle(server._completion(body, turn), float(turn["trickle"]))
            if turn.get("disconnect") == "mid-body":
                return self._send_half(server._completion(body, {"content": "cut off in the midd" * 20}))
            if turn.get("disconnect"):
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if "status" in turn:
                return self._error(
                    turn["status"], turn.get("message", f"scripted error {turn['status']}"), turn.get("headers")
                )
            if "raw" in turn and body.get("stream"):  # a broken streaming server: its body as one event
                return self._send(200, b"data: " + turn["raw"].encode() + b"\n\n")
            if "raw" in turn:
                return self._send(200, turn["raw"].encode())
            if body.get("stream"):
                if server.stream_tools in ("dropped", "raises") and turn.get("tool_calls"):
                    with server._lock:  # the model says it again when asked without streaming
                        server.script.insert(0, turn)
                return self._send_stream(body, server._completion(body, turn))
            self._send(200, server._completion(body, turn))

        def _send_stream(self, body: dict[str, Any], completion: dict[str, Any]) -> None:
            """Server-sent events, one chunk per write (``turn["trickle"]`` does not apply)."""
            if server.stream_tools == "raises" and body.get("tools") and body.get("tool_choice") == "auto":
                return self._error(500, "Automatic streaming tool choice is not supported")
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.close_connection = True
            for event in sse_events(completion, stream_tools=server.stream_tools, include_usage=usage):
                self.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
                self.wfile.flush()
                if server.stream_delay and server._stopping.wait(server.stream_delay):
                    return  # the server stops: the reply ends unfinished
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler
