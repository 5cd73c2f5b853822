"""Serve any :class:`~holmes_nb.sources.base.Cluster` read-only as a Kubernetes API over HTTP on loopback.

    with SnapshotAPIServer(demo_cluster()) as server:
        print(server.url)                       # http://127.0.0.1:PORT
        # kubectl --server http://127.0.0.1:PORT get pods -A
        LiveCluster(server=server.url).list("pods")
        assert all(r.method == "GET" for r in server.requests)

The server answers discovery, get and list for every kind in :data:`~holmes_nb.sources.kinds.KINDS`
(label and field selectors, ``limit``/``continue`` paging, Tables for kubectl), pod logs and events.
Every write (POST, PUT, PATCH, DELETE) and the exec/attach/portforward/proxy subresources get a
405 Status saying the server is read-only. Secrets are served without values. Each request is
recorded in :attr:`SnapshotAPIServer.requests`; :attr:`SnapshotAPIServer.faults` injects failures for tests.
See docs/apiserver.md.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from holmes_nb.apiserver.responses import Response, read_only_response, status_response
from holmes_nb.apiserver.routes import ReplayAPI
from holmes_nb.sources.base import Cluster

_FAULT_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "Timeout",
}


@dataclass
class RecordedRequest:
    """One request the server received: ``RecordedRequest("GET", "/api/v1/pods", {"limit": "500"}, 200)``;
    ``status`` is 0 while it is being answered, and stays 0 for a dropped connection."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    accept: str = ""


@dataclass
class Fault:
    """A failure to inject: requests whose ``METHOD path?query`` matches are failed ``count`` times.

    ``status`` answers with that HTTP status (a Kubernetes Status body); ``delay`` waits that many
    seconds first (with no status: then answers normally, to simulate a slow server); ``drop``
    closes the connection without an answer. ``count=None`` fails forever.

        server.faults.append(Fault(r"/pods", status=403))
        server.faults.append(Fault(r"continue=", status=410))
        server.faults.append(Fault(r"/log", delay=2.0))
    """

    path: str
    status: int | None = None
    delay: float = 0.0
    count: int | None = 1
    method: str = "GET"
    drop: bool = False
    message: str | None = None
    hits: int = 0

    @classmethod
    def coerce(cls, spec: Fault | tuple) -> Fault:
        """Accept the short form ``(method, path_regex, status_or_delay, count)``: int = status, float = delay."""
        if isinstance(spec, Fault):
            return spec
        method, path, action, *rest = spec
        count = rest[0] if rest else 1
        if isinstance(action, float):
            return cls(path, delay=action, count=count, method=method)
        return cls(path, status=int(action), count=count, method=method)

    def matches(self, method: str, target: str) -> bool:
        return self.method in ("*", method) and re.search(self.path, target) is not None


class SnapshotAPIServer:
    """A read-only Kubernetes API for ``cluster`` on ``host:port`` (port 0 = any free port).

    ``forbid``: resources denied for every verb (``["secrets", "pods/log"]``); ``rbac``: a ClusterRole
    (a dict as in docs/rbac.yaml) or its list of rules, enforced default-deny like the API server.
    Denied requests get a 403 Status with the API server's message; discovery is always allowed.
    """

    def __init__(
        self,
        cluster: Cluster,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        forbid: Iterable[str] = (),
        rbac: dict | list | None = None,
    ):
        self.cluster = cluster
        self.host = host
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault | tuple] = []
        self.forbid = [str(r) for r in forbid]
        self.rbac = rbac
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()  # open client connections, dropped by stop()
        server_class = _Server6 if ":" in host else _Server
        self._httpd = server_class((host, port), _Handler)
        self._httpd.replay = self
        self.port = self._httpd.server_address[1]
        self.api = ReplayAPI(cluster, address=f"{host}:{self.port}")
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> SnapshotAPIServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, args=(0.05,), name=f"replay-{self.port}", daemon=True
            )
            self._thread.start()
            self._warm()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` (or KeyboardInterrupt)."""
        self._warm()
        self._httpd.serve_forever()

    def _warm(self) -> None:
        """Redact a snapshot's objects in the background, so the first listing is not the slow one."""
        threading.Thread(target=self.api.warm, args=(self._stopping,), name="replay-warm", daemon=True).start()

    def stop(self) -> None:
        """Stop serving, close the socket, drop open (keep-alive) connections as a server that goes
        away does, and wake requests sleeping in a delay fault."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        with self._lock:
            drop_connections(self._connections)

    def __enter__(self) -> SnapshotAPIServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def writes(self) -> list[RecordedRequest]:
        """Recorded requests that were not GETs (all refused with 405)."""
        return [r for r in self.requests if r.method != "GET"]

    # -- used by the handler --------------------------------------------------------------
    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(req)

    def _take_fault(self, method: str, target: str) -> Fault | None:
        with self._lock:
            for i, spec in enumerate(self.faults):
                fault = self.faults[i] = Fault.coerce(spec)
                if fault.matches(method, target) and (fault.count is None or fault.hits < fault.count):
                    fault.hits += 1
                    return fault
        return None

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def allows(self, method: str, path: str, query: dict | None = None) -> bool:
        """True if ``forbid`` and ``rbac`` let this request through (non-resource paths always pass)."""
        if not _is_resource_path(path):
            return True
        verb, resource, group, _ns, name = _target(method, path)
        if method == "GET" and (query or {}).get("watch") in ("true", "1"):
            verb = "watch"
        base = resource.split("/")[0]
        qualified = base + (f".{group}" if group else "") + resource[len(base) :]  # deployments.apps, pods/log
        if resource in self.forbid or qualified in self.forbid:
            return False
        if self.rbac is None:
            return True
        rules = (self.rbac.get("rules") or []) if isinstance(self.rbac, dict) else self.rbac
        return any(_rule_allows(rule, verb, resource, group, name) for rule in rules)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    replay: SnapshotAPIServer


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "holmes-nb-replay"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms delayed-ACK stalls

    def setup(self) -> None:
        super().setup()
        with self.server.replay._lock:
            self.server.replay._connections.add(self.connection)

    def finish(self) -> None:
        with self.server.replay._lock:
            self.server.replay._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def do_GET(self) -> None:
        self._handle("GET")

    def _refuse(self) -> None:
        self._handle(self.command)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _refuse

    def _handle(self, method: str) -> None:
        replay = self.server.replay
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        accept = self.headers.get("Accept", "")
        self._drain_body()
        fault = replay._take_fault(method, self.path)
        # recorded on arrival (status 0 until answered): a client that gives up during a delay fault,
        # or a stop() that ends one, still leaves its request in the record
        record = RecordedRequest(method, split.path, query, 0, accept)
        replay._record(record)
        if fault is not None and fault.delay:
            replay._sleep(fault.delay)
        if fault is not None and fault.drop:
            self.close_connection = True
            return
        if fault is not None and fault.status:
            resp = _fault_response(fault, method, split.path)
        elif not replay.allows(method, split.path, query):
            resp = _fault_response(Fault(split.path, status=403), method, split.path)
        elif method != "GET":
            resp = read_only_response(method, split.path)
        else:
            resp = self._answer(replay, split.path, query, accept)
        record.status = resp.status
        self._send(resp, head=method == "HEAD")

    def _answer(self, replay: SnapshotAPIServer, path: str, query: dict, accept: str) -> Response:
        try:
            return replay.api.get(path, query, accept)
        except Exception as e:  # a bug must come back as a 500 Status, not kill the thread
            return status_response(500, "InternalError", f"snapshot API server error: {type(e).__name__}: {e}")

    def _drain_body(self) -> None:
        """Read and discard a request body (writes carry one), so the connection can be reused."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower() or length < 0 or length > 1 << 24:
            self.close_connection = True  # not worth parsing: answer, then close
        elif length:
            self.rfile.read(length)

    def _send(self, resp: Response, head: bool = False) -> None:
        try:
            self.send_response(resp.status)
            ctype = resp.content_type + ("; charset=utf-8" if resp.content_type.startswith("text/") else "")
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(resp.body)))
            for k, v in resp.headers.items():
                self.send_header(k, v)
            self.end_headers()
            if not head:
                self.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. its timeout)
            self.close_connection = True

    def log_message(self, format: str, *args) -> None:
        pass


def _fault_response(fault: Fault, method: str, path: str) -> Response:
    """A realistic Status for an injected failure (403 messages name the verb and resource)."""
    code = int(fault.status or 500)
    reason = _FAULT_REASONS.get(code, "InternalError")
    message = fault.message or _fault_message(code, method, path)
    resp = status_response(code, reason, message)
    if code in (429, 503):
        resp.headers["Retry-After"] = "0"
    return resp


def _fault_message(code: int, method: str, path: str) -> str:
    if code == 403:
        verb, resource, group, ns, name = _target(method, path)
        subject = f'{resource.split("/")[0]} "{name}"' if name else resource
        where = f' in the namespace "{ns}"' if ns else " at the cluster scope"
        return (
            f'{subject} is forbidden: User "system:serviceaccount:holmes:holmes-nb" cannot {verb} '
            f'resource "{resource}" in API group "{group}"{where}'
        )
    if code == 410:
        return (
            "The provided continue parameter is too old to display a consistent list result. "
            "You can start a new list without the continue parameter."
        )
    return f"injected fault: HTTP {code} for {method} {path}"


def _target(method: str, path: str) -> tuple[str, str, str, str | None, str | None]:
    """``(verb, resource[/sub], group, namespace, name)`` of an API path, as RBAC names them."""
    parts = [p for p in path.split("/") if p]
    group, rest = ("", parts[2:]) if parts[:1] == ["api"] else (parts[1] if len(parts) > 1 else "", parts[3:])
    ns = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        ns, rest = rest[1], rest[2:]
    name = rest[1] if len(rest) > 1 else None
    resource = "/".join([rest[0]] + rest[2:]) if rest else path
    verbs = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
    verb = verbs.get(method) or ("get" if name else "list")
    return verb, resource, group, ns, name


def _is_resource_path(path: str) -> bool:
    """``/api/v1/pods`` is a resource request; ``/api``, ``/apis/apps/v1``, ``/version`` are not."""
    parts = [p for p in path.split("/") if p]
    return (parts[:1] == ["api"] and len(parts) >= 3) or (parts[:1] == ["apis"] and len(parts) >= 4)


def _rule_allows(rule: dict, verb: str, resource: str, group: str, name: str | None) -> bool:
    """One RBAC PolicyRule: groups, resources (``*``, ``pods/log``, ``*/scale``), verbs, resourceNames."""
    if not isinstance(rule, dict):
        return False
    groups, verbs = rule.get("apiGroups") or [], rule.get("verbs") or []
    resources, names = rule.get("resources") or [], rule.get("resourceNames") or []
    sub = resource[resource.find("/") :] if "/" in resource else None
    return (
        ("*" in groups or group in groups)
        and ("*" in verbs or verb in verbs)
        and ("*" in resources or resource in resources or (sub is not None and "*" + sub in resources))
        and (not names or name in names)
    )


def drop_connections(connections: Iterable[socket.socket]) -> None:
    """Shut down open (keep-alive) client connections, as a server that goes away does; the test
    model server (devkit) uses it too."""
    for conn in list(connections):
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
