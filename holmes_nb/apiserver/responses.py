"""The responses of the snapshot API server: JSON documents, ``v1 Status`` failures as a real API
server sends them, and content negotiation (JSON, Tables for kubectl, metadata-only lists).

    status_response(404, "NotFound", 'pods "x" not found')
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from holmes_nb.sources.kinds import Kind

READ_ONLY_MESSAGE = (
    "the holmes-nb snapshot API server is read-only: it serves a frozen snapshot and refuses every change ({what})"
)


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(doc: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(doc, separators=(",", ":")).encode())


def status_response(code: int, reason: str, message: str, details: dict | None = None) -> Response:
    """A ``v1 Status`` failure, as the API server sends for every error."""
    doc = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        doc["details"] = details
    return json_response(doc, code)


def read_only_response(method: str, path: str) -> Response:
    return status_response(405, "MethodNotAllowed", READ_ONLY_MESSAGE.format(what=f"{method} {path}"))


def negotiate(accept: str | None, *, is_list: bool) -> str | None:
    """``"table"``, ``"meta"`` or ``"json"`` for an Accept header; None when nothing offered is served."""
    if not accept:
        return "json"
    for option in accept.split(","):
        mime, *params = (p.strip() for p in option.split(";"))
        kv = dict(p.split("=", 1) for p in params if "=" in p)
        as_ = kv.get("as")
        if mime not in ("application/json", "application/*", "*/*"):
            continue  # protobuf, yaml: not served
        if as_ is None:
            return "json"
        if as_ == "Table" and kv.get("g") == "meta.k8s.io" and kv.get("v") in ("v1", "v1beta1"):
            return "table"
        wanted = "PartialObjectMetadataList" if is_list else "PartialObjectMetadata"
        if as_ == wanted and kv.get("g") == "meta.k8s.io":
            return "meta"
    return None


def object_not_found(kind: Kind, name: str) -> Response:
    plural = f"{kind.name}.{kind.group}" if kind.group else kind.name
    return status_response(
        404, "NotFound", f'{plural} "{name}" not found', {"name": name, "group": kind.group, "kind": kind.name}
    )


def not_served() -> Response:
    return status_response(404, "NotFound", "the server could not find the requested resource")
