"""Parse YAML/JSON text holding Kubernetes objects into a :class:`Snapshot`.

Shared by every importer: a file of objects (``kind: List``, any ``*List``, one object, or
multi-document YAML as ``kubectl get -o yaml`` writes it), the JSON lists of a
``kubectl cluster-info dump``, and the documents of its stdout stream. Malformed input raises
:class:`~holmes_nb.errors.ConfigError` naming the file and line, never a parser traceback.

    docs = parse_documents(text, "pods.yaml")
    objs = objects_from_documents(docs, "pods.yaml")
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from holmes_nb.errors import ConfigError
from holmes_nb.k8s import parse_time
from holmes_nb.safe_yaml import expanded_size
from holmes_nb.sources.base import Obj
from holmes_nb.sources.kinds import kind_for
from holmes_nb.sources.snapshot import Snapshot

_HINT = "the file must hold Kubernetes objects as `kubectl get -o yaml|json` prints them"


class Document(NamedTuple):
    value: Any
    line: int  # 1-based line where the document starts


# -- reading ------------------------------------------------------------------------------
def max_decompressed() -> int:
    """The most bytes a gzipped file may expand to (``HOLMES_NB_MAX_SNAPSHOT_BYTES``, default 2 GiB):
    a gzip bomb (a few MB that expand to terabytes) stops there with a clear error."""
    try:
        return int(os.environ.get("HOLMES_NB_MAX_SNAPSHOT_BYTES") or 2 << 30)
    except ValueError:
        return 2 << 30


def gunzip_bounded(data: bytes, name: str) -> bytes:
    """``data`` decompressed, or ConfigError when it is corrupt or expands past :func:`max_decompressed`."""
    limit = max_decompressed()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            out = gz.read(limit + 1)
    except (OSError, EOFError, zlib.error) as e:
        raise ConfigError(f"{name}: corrupt gzip data ({e})") from None
    if len(out) > limit:
        raise ConfigError(
            f"{name}: expands to more than {limit:,} bytes when decompressed (a gzip bomb?)",
            hint="set HOLMES_NB_MAX_SNAPSHOT_BYTES to a larger number of bytes if the snapshot is real",
        )
    return out


def read_text(path: Path, *, log: bool = False) -> str:
    """The text of a file, gunzipped when it is gzip-compressed (by content, not by name). A log
    (``log=True``) that is not UTF-8 is read with the odd bytes replaced, not refused: one log in
    another encoding must not reject a whole dump."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror or e}") from None
    if data[:2] == b"\x1f\x8b":
        data = gunzip_bounded(data, path.name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if log:
            return data.decode("utf-8", errors="replace")
        raise ConfigError(f"{path.name}: not UTF-8 text (byte {e.start})", hint=_HINT) from None


# -- parsing ------------------------------------------------------------------------------
def parse_documents(text: str, source: str, first_line: int = 1) -> list[Document]:
    """Split text into JSON values (one after another) or YAML documents, with their lines."""
    stripped = text.lstrip()
    if not stripped:
        return []
    if stripped[0] in "{[":
        return _json_documents(text, source, first_line)
    return _yaml_documents(text, source, first_line)


def _json_documents(text: str, source: str, first_line: int) -> list[Document]:
    decoder = json.JSONDecoder()
    docs: list[Document] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            return docs
        line = first_line + text.count("\n", 0, pos)
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            bad = first_line + text.count("\n", 0, e.pos)
            raise ConfigError(f"{source}:{bad}: invalid JSON ({e.msg})", hint=_HINT) from None
        except RecursionError:
            raise ConfigError(f"{source}:{line}: JSON nested too deeply", hint=_HINT) from None
        docs.append(Document(value, line))


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader that keeps timestamps as strings, as Kubernetes JSON has them."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_MAX_YAML_NODES = 20_000_000  # a "billion laughs" alias bomb stops here; real dumps are far smaller


def _yaml_documents(text: str, source: str, first_line: int) -> list[Document]:
    loader = _Loader(text)
    docs = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if expanded_size(node) > _MAX_YAML_NODES:
                raise ConfigError(
                    f"{source}:{first_line + node.start_mark.line}: YAML aliases expand to too many "
                    f"nodes (over {_MAX_YAML_NODES:,})",
                    hint=_HINT,
                )
            docs.append(Document(loader.construct_document(node), first_line + node.start_mark.line))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        where = f":{first_line + mark.line}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"{source}{where}: invalid YAML ({problem})", hint=_HINT) from None
    except RecursionError:
        raise ConfigError(f"{source}: YAML nested too deeply", hint=_HINT) from None
    finally:
        loader.dispose()
    return docs


# -- objects ------------------------------------------------------------------------------
def objects_from_documents(docs: Iterable[Document], source: str) -> list[Obj]:
    """Flatten documents (Lists, ``*List``s, single objects) into objects that all have a kind."""
    out: list[Obj] = []
    for doc in docs:
        value, where = doc.value, f"{source}:{doc.line}"
        if value is None:
            continue  # an empty YAML document ("---" at the end)
        if isinstance(value, list):  # a bare array of objects, as `jq .items` prints it
            value = {"kind": "List", "items": value}
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a Kubernetes object or list, got {_type(value)}", hint=_HINT)
        kind = value.get("kind")
        if "items" in value and (kind is None or (isinstance(kind, str) and kind.endswith("List"))):
            out.extend(_list_items(value, where))
        elif isinstance(kind, str) and kind:
            out.append(_checked(value, where, kind))
        else:
            raise ConfigError(f"{where}: not a Kubernetes object (no 'kind')", hint=_HINT)
    return out


def _list_items(value: Obj, where: str) -> list[Obj]:
    items = value.get("items")
    if items is None:
        return []  # `kubectl get` on an empty namespace prints "items": null in some versions
    if not isinstance(items, list):
        raise ConfigError(f"{where}: 'items' must be a list, got {_type(items)}", hint=_HINT)
    list_kind = value.get("kind") or "List"
    item_kind = list_kind[: -len("List")] if list_kind != "List" else None
    api_version = value.get("apiVersion")
    out = []
    for i, item in enumerate(items):
        label = f"{where}: item {i} of the {list_kind}"
        if not isinstance(item, dict):
            raise ConfigError(f"{label} is {_type(item)}, not an object", hint=_HINT)
        kind = item.get("kind") or item_kind
        if not kind:
            raise ConfigError(f"{label} has no 'kind'", hint=_HINT)
        if "kind" not in item:  # typed lists (cluster-info dump) leave kind out of their items
            item = {"kind": kind, "apiVersion": api_version or _api_version(kind), **item}
        out.append(_checked(item, label, kind))
    return out


def _checked(obj: Obj, where: str, kind: str) -> Obj:
    """Validate the shape the tools rely on, and default the namespace of namespaced kinds."""
    if not isinstance(kind, str):
        raise ConfigError(f"{where}: 'kind' must be a string", hint=_HINT)
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        raise ConfigError(f"{where}: {kind} has no metadata.name", hint=_HINT)
    if meta.get("namespace") is not None and not isinstance(meta["namespace"], str):
        raise ConfigError(f"{where}: {kind} {meta['name']!r} has a non-string metadata.namespace", hint=_HINT)
    for field in ("spec", "status", "labels", "annotations"):
        holder = meta if field in ("labels", "annotations") else obj
        if holder.get(field) is not None and not isinstance(holder[field], dict):
            raise ConfigError(f"{where}: {kind} {meta['name']!r} has a non-object '{field}'", hint=_HINT)
    k = kind_for(kind)
    if k is not None and k.namespaced and not meta.get("namespace"):
        obj = {**obj, "metadata": {**meta, "namespace": "default"}}
    return obj


def _api_version(kind: str) -> str:
    k = kind_for(kind)
    return k.api_version if k else "v1"


def _type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


# -- assembling a snapshot ----------------------------------------------------------------
def add_objects(snap: Snapshot, objs: Iterable[Obj]) -> None:
    """Add objects, keeping the last copy when the same object appears twice."""
    latest: dict[tuple[str, str, str], Obj] = {}
    for o in objs:
        m = o["metadata"]
        latest[(o["kind"], m.get("namespace") or "", m["name"])] = o
    for o in latest.values():
        snap.add(o, kind_for(o["kind"]))


def finish(snap: Snapshot, namespaces: Iterable[str] = ()) -> Snapshot:
    """Fill what a dump leaves out: Namespace objects, and the capture time (newest timestamp)."""
    known = {o["metadata"]["name"] for o in snap.objects.get("namespaces", [])}
    seen = set(namespaces)
    for objs in snap.objects.values():
        seen.update(o["metadata"].get("namespace") for o in objs)
    for ns in sorted(n for n in seen if n and n not in known):
        snap.add(synthesized_namespace(ns))
    if snap.captured_at is None:
        snap.captured_at = newest_timestamp(snap.objects.values())
    return snap


def synthesized_namespace(name: str) -> Obj:
    """A Namespace object for a namespace a dump holds objects of but does not describe."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/metadata.name": name},
            "annotations": {"holmes-nb/synthesized": "true"},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


_TIME_KEYS = frozenset(
    [
        "creationTimestamp",
        "lastTimestamp",
        "firstTimestamp",
        "eventTime",
        "lastObservedTime",
        "lastTransitionTime",
        "lastHeartbeatTime",
        "lastProbeTime",
        "lastUpdateTime",
        "startedAt",
        "finishedAt",
        "startTime",
        "completionTime",
        "lastScheduleTime",
        "lastSuccessfulTime",
        "lastScaleTime",
    ]
)


def newest_timestamp(groups: Iterable[Iterable[Obj]]) -> datetime | None:
    """The newest RFC 3339 time in the objects (events, conditions, container states).

    UTC times (``...Z``, as the API server writes them) compare as text, fast; a time with an
    offset (``+02:00``) is parsed, so ``13:30+02:00`` counts as ``11:30Z``.
    """
    best, others = "", []
    stack: list[Any] = [list(g) for g in groups]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for key, val in cur.items():
                if isinstance(val, str):
                    if key in _TIME_KEYS and len(val) >= 19:
                        if val.endswith(("Z", "z")):
                            best = max(best, val[:19])
                        else:
                            others.append(val)
                elif isinstance(val, (dict, list)):
                    stack.append(val)
        elif isinstance(cur, list):
            stack.extend(v for v in cur if isinstance(v, (dict, list)))
    times = [t for t in map(parse_time, [best + "Z" if best else None, *others]) if t is not None]
    return max(times, default=None)
