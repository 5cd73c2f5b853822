"""The Kubernetes API semantics of the snapshot API server: routing, lists, objects, logs.

``ReplayAPI(cluster).get(path, query, accept)`` answers one GET as a real API server would (JSON
lists and objects, Tables for kubectl, metadata-only lists, Status objects for errors). HTTP plumbing,
fault injection and request recording live in :mod:`holmes_nb.apiserver.server`, discovery in
:mod:`holmes_nb.apiserver.discovery`, the response shapes in :mod:`holmes_nb.apiserver.responses`.

    api = ReplayAPI(snapshot)
    resp = api.get("/api/v1/namespaces/shop/pods", {"limit": "2"}, "application/json")
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict
from typing import Any

from holmes_nb.apiserver.discovery import VERSION, api_groups, openapi_v3, resource_list
from holmes_nb.apiserver.responses import (
    Response,
    json_response,
    negotiate,
    not_served,
    object_not_found,
    read_only_response,
    status_response,
)
from holmes_nb.apiserver.tables import render_table
from holmes_nb.errors import ConfigError, ForbiddenError, GoneError, HolmesError, NotFoundError
from holmes_nb.redact import redact_obj, scrub
from holmes_nb.sources.base import Cluster, Obj
from holmes_nb.sources.kinds import KINDS, Kind
from holmes_nb.sources.snapshot import Snapshot, without_secret_values

#: the kinds a snapshot server redacts at start, most listed first (events are many and listed by
#: object, so they are redacted when served)
WARM_KINDS = ("pods", "deployments", "replicasets", "services", "nodes", "statefulsets", "daemonsets", "jobs")

#: subresources that act on a running container or proxy traffic: refused like writes
WRITE_SUBRESOURCES = frozenset({"exec", "attach", "portforward", "proxy", "eviction", "binding", "ephemeralcontainers"})


class ReplayAPI:
    """Answers GET requests for any :class:`~holmes_nb.sources.base.Cluster` in the Kubernetes API shape."""

    def __init__(self, cluster: Cluster, *, address: str = "127.0.0.1"):
        self.cluster = cluster
        self.address = address
        self._pages: OrderedDict[str, tuple[tuple, list[Obj]]] = OrderedDict()
        self._lock = threading.Lock()
        self._next_id = 0
        #: a snapshot's objects as served (redaction is most of a list's cost), by id of the object
        #: (kept too, so that an id is never reused); a live cluster's objects are new every time
        self._served: dict[int, tuple[Obj, Obj]] | None = {} if isinstance(cluster, Snapshot) else None

    # -- entry point ----------------------------------------------------------------------
    def get(self, path: str, query: dict[str, str], accept: str | None) -> Response:
        parts = [p for p in path.split("/") if p]
        try:
            return self._route(parts, query, accept)
        except NotFoundError as e:
            return status_response(404, "NotFound", e.message)
        except ConfigError as e:
            return status_response(400, "BadRequest", str(e))
        except ForbiddenError as e:
            return status_response(403, "Forbidden", str(e))
        except GoneError as e:
            return status_response(410, "Expired", str(e))
        except HolmesError as e:  # a live cluster behind the server failed
            return status_response(503, "ServiceUnavailable", str(e))

    def _route(self, parts: list[str], query: dict[str, str], accept: str | None) -> Response:
        if not parts:
            return json_response(
                {
                    "paths": ["/api", "/api/v1", "/apis", "/version"]
                    + sorted({f"/apis/{k.group}/{k.version}" for k in KINDS if k.group})
                }
            )
        if parts in (["version"],):
            return json_response(VERSION)
        if parts[:2] == ["openapi", "v3"]:
            return openapi_v3(parts[2:])
        if parts[0] in ("healthz", "livez", "readyz"):
            return Response(200, b"ok", "text/plain")
        if parts == ["api"]:
            return json_response(
                {
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": self.address}],
                }
            )
        if parts == ["apis"]:
            return json_response({"kind": "APIGroupList", "apiVersion": "v1", "groups": api_groups()})
        if parts[0] == "apis" and len(parts) == 2:
            group = next((g for g in api_groups() if g["name"] == parts[1]), None)
            if group:
                return json_response({"kind": "APIGroup", "apiVersion": "v1", **group})
        if parts[0] == "api" and len(parts) >= 2:
            return self._resource(("", parts[1]), parts[2:], query, accept)
        if parts[0] == "apis" and len(parts) >= 3:
            return self._resource((parts[1], parts[2]), parts[3:], query, accept)
        return not_served()

    def _resource(self, gv: tuple[str, str], rest: list[str], query: dict, accept: str | None) -> Response:
        kinds = {k.name: k for k in KINDS if (k.group, k.version) == gv}
        if not kinds:
            return not_served()
        if not rest:
            return json_response(resource_list(gv, kinds.values()))
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (gv[0] == "" and rest[2] in ("status", "finalize")):
            namespace, rest = rest[1], rest[2:]
        kind = kinds.get(rest[0])
        if kind is None or (namespace is not None and not kind.namespaced):
            return not_served()
        name, sub = (rest[1] if len(rest) > 1 else None), rest[2:]
        if name is None:
            if query.get("watch") in ("true", "1"):
                return status_response(
                    400, "BadRequest", "watch is not supported: the snapshot API server serves a frozen snapshot"
                )
            return self._list(kind, namespace, query, accept)
        if sub and sub[0] in WRITE_SUBRESOURCES:
            return read_only_response("GET", "/".join(rest))
        if not sub or sub == ["status"]:
            return self._get(kind, name, namespace, query, accept)
        if kind.name == "pods" and sub == ["log"]:
            return self._logs(namespace or "", name, query)
        return not_served()

    # -- collections ----------------------------------------------------------------------
    def _list(self, kind: Kind, namespace: str | None, query: dict, accept: str | None) -> Response:
        media = negotiate(accept, is_list=True)
        if media is None:
            return status_response(406, "NotAcceptable", f"only JSON is served (asked: {accept})")
        limit = _int(query.get("limit"), "limit")
        items, offset, token_id = self._collection(kind, namespace, query)
        end = len(items) if not limit or limit <= 0 else min(len(items), offset + limit)
        meta: dict[str, Any] = {"resourceVersion": "1"}
        if end < len(items):
            meta["continue"] = base64.urlsafe_b64encode(f"{token_id}:{end}".encode()).decode()
            meta["remainingItemCount"] = len(items) - end
        page = [self._serve(kind, o) for o in items[offset:end]]
        if media == "table":
            table = render_table(
                kind,
                page,
                now=self.cluster.now(),
                include_object=query.get("includeObject", "Metadata"),
                list_meta=meta,
            )
            return json_response(table)
        if media == "meta":
            page = [
                {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o.get("metadata") or {}}
                for o in page
            ]
            return json_response(
                {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "items": page}
            )
        return json_response({"kind": kind.list_kind, "apiVersion": kind.api_version, "metadata": meta, "items": page})

    def _collection(self, kind: Kind, namespace: str | None, query: dict) -> tuple[list[Obj], int, str]:
        """The sorted, filtered items, the offset to start from and the list's id for continue tokens.

        A list is computed once and cached under its id, so paging is consistent like etcd's;
        a token whose list fell out of the cache recomputes it."""
        key = (kind.name, namespace, query.get("labelSelector") or "", query.get("fieldSelector") or "")
        token = query.get("continue")
        if token:
            token_id, offset = _decode_token(token)
            with self._lock:
                cached = self._pages.get(token_id)
            if cached is not None and cached[0] != key:
                raise ConfigError("continue key does not match the query it was issued for")
            items = cached[1] if cached is not None else self._fetch(kind, namespace, key)
            if cached is None:
                self._remember(token_id, key, items)
            return items, offset, token_id
        items = self._fetch(kind, namespace, key)
        with self._lock:
            self._next_id += 1
            token_id = str(self._next_id)
        self._remember(token_id, key, items)
        return items, 0, token_id

    def _fetch(self, kind: Kind, namespace: str | None, key: tuple) -> list[Obj]:
        label_sel, field_sel = key[2] or None, key[3] or None
        uid = None
        if kind.name == "events" and field_sel:
            field_sel, uid = _split_uid(field_sel)
        items = self.cluster.list(kind, namespace, label_selector=label_sel, field_selector=field_sel)
        if uid:  # events recorded without a uid still belong to the object (dumps often omit it)
            items = [e for e in items if (e.get("involvedObject") or {}).get("uid") in (None, "", uid)]
        return sorted(
            items,
            key=lambda o: (
                (o.get("metadata") or {}).get("namespace") or "",
                (o.get("metadata") or {}).get("name") or "",
            ),
        )

    def _remember(self, token_id: str, key: tuple, items: list[Obj]) -> None:
        with self._lock:
            self._pages[token_id] = (key, items)
            while len(self._pages) > 32:
                self._pages.popitem(last=False)

    # -- objects --------------------------------------------------------------------------
    def _get(self, kind: Kind, name: str, namespace: str | None, query: dict, accept: str | None) -> Response:
        media = negotiate(accept, is_list=False)
        if media is None:
            return status_response(406, "NotAcceptable", f"only JSON is served (asked: {accept})")
        try:
            obj = self._serve(kind, self.cluster.get(kind, name, namespace))
        except NotFoundError:
            return object_not_found(kind, name)
        if media == "table":
            return json_response(
                render_table(kind, [obj], now=self.cluster.now(), include_object=query.get("includeObject", "Metadata"))
            )
        if media == "meta":
            return json_response(
                {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata") or {}}
            )
        return json_response(obj)

    def _serve(self, kind: Kind, obj: Obj) -> Obj:
        """The object as sent: Secrets without values (whatever list a snapshot filed them under),
        secret-looking values redacted (the one redaction path), kind and apiVersion always set;
        a snapshot's object is redacted once, on its first serve."""
        cached = self._served.get(id(obj)) if self._served is not None else None
        if cached is not None and cached[0] is obj:
            return cached[1]
        served = redact_obj(without_secret_values(obj, kind.name))
        if not (served.get("kind") and served.get("apiVersion")):
            served = {"kind": kind.kind, "apiVersion": kind.api_version, **served}
        if self._served is not None:
            self._served[id(obj)] = (obj, served)
        return served

    def warm(self, stopping: threading.Event, kinds: tuple[str, ...] = WARM_KINDS) -> int:
        """Redact a snapshot's objects ahead of their first serve (run in a thread at server start:
        the first listing of 10,000 pods then costs what later ones do); returns how many."""
        if self._served is None:
            return 0
        done, by_name = 0, {k.name: k for k in KINDS}
        for kind in (by_name[name] for name in kinds if name in by_name):
            # last first: a listing that comes meanwhile redacts from the first, so no object is done twice
            for obj in reversed(self.cluster.list(kind)):
                if stopping.is_set():
                    return done
                self._serve(kind, obj)
                done += 1
        return done

    # -- logs -----------------------------------------------------------------------------
    def _logs(self, namespace: str, pod: str, query: dict) -> Response:
        pods = next(k for k in KINDS if k.name == "pods")
        try:
            obj = self.cluster.get(pods, pod, namespace)
        except NotFoundError:
            return object_not_found(pods, pod)
        spec = obj.get("spec") or {}
        names = [c.get("name") for c in spec.get("containers") or []]
        init_names = [c.get("name") for c in spec.get("initContainers") or []]
        container = query.get("container") or _default_log_container(obj, names, init_names)
        if isinstance(container, Response):
            return container
        if container not in names + init_names:
            return status_response(400, "BadRequest", f"container {container} is not valid for pod {pod}")
        previous = query.get("previous") in ("true", "1")
        tail = _int(query.get("tailLines"), "tailLines")
        text = scrub(self.cluster.logs(namespace, pod, container, previous=previous, tail_lines=tail))
        if previous and not text and not _has_previous(obj, container):
            return status_response(
                400, "BadRequest", f'previous terminated container "{container}" in pod "{pod}" not found'
            )
        if text and not text.endswith("\n"):
            text += "\n"
        data = text.encode()
        limit_bytes = _int(query.get("limitBytes"), "limitBytes")
        if limit_bytes and limit_bytes > 0:
            data = data[:limit_bytes]
        return Response(200, data, "text/plain")


def _default_log_container(pod: Obj, names: list, init_names: list) -> str | Response:
    chosen = ((pod.get("metadata") or {}).get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
    if chosen:
        return chosen
    if len(names) == 1:
        return names[0]
    name = (pod.get("metadata") or {}).get("name")
    msg = f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]"
    if init_names:
        msg += f" or one of the init containers: [{' '.join(init_names)}]"
    return status_response(400, "BadRequest", msg)


def _has_previous(pod: Obj, container: str) -> bool:
    st = pod.get("status") or {}
    for cs in (st.get("containerStatuses") or []) + (st.get("initContainerStatuses") or []):
        if cs.get("name") == container:
            return bool((cs.get("lastState") or {}).get("terminated"))
    return False


def _split_uid(selector: str) -> tuple[str | None, str | None]:
    """Take ``involvedObject.uid=X`` out of an events field selector (matched leniently instead)."""
    parts, uid = [], None
    for req in selector.split(","):
        if req.strip().startswith("involvedObject.uid=") and "!=" not in req:
            uid = req.split("=", 1)[1].strip()
        elif req.strip():
            parts.append(req)
    return (",".join(parts) or None), uid


def _decode_token(token: str) -> tuple[str, int]:
    try:
        token_id, offset = base64.urlsafe_b64decode(token.encode()).decode().rsplit(":", 1)
        return token_id, max(int(offset), 0)
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"continue key is not valid: {token!r}") from None


def _int(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from None
