"""Import ``kubectl cluster-info dump`` output: the ``--output-directory`` tree or the stdout stream.

What kubectl writes (kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go):

- ``nodes.json`` and, per namespace, ``<ns>/{events,replication-controllers,services,daemonsets,
  deployments,replicasets,pods}.json``, each a typed ``*List`` whose items carry no ``kind``
  (``.yaml`` instead of ``.json`` with ``--output yaml``);
- ``<ns>/<pod>/logs.txt`` per pod, holding every container's current log (init containers first),
  each between ``==== START logs for container C of pod NS/NAME ====`` and the matching ``END``
  line. The END line follows the log bytes directly, so it ends the last log line when that
  line had no newline. A failed log read leaves ``Request log error: ...`` in the section;
- without ``--output-directory`` the same lists and log sections go one after another to stdout.

    snap = load_dump_directory(Path("cluster-state"))
    snap = load_dump_stream(text, "cluster-info.dump")
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from holmes_nb.errors import ConfigError
from holmes_nb.formats.manifests import (
    Document,
    add_objects,
    finish,
    objects_from_documents,
    parse_documents,
    read_text,
)
from holmes_nb.sources.base import Obj
from holmes_nb.sources.snapshot import LogKey, Snapshot

LOG_START = "==== START logs for container "
_START_RE = re.compile(r"^==== START logs for container (\S+) of pod ([^/\s]+)/(\S+) ====[ \t]*\r?$", re.M)
_LOG_ERROR_RE = re.compile(r"^(Request log error|Create log request error): ")
_DATA_SUFFIXES = (".json", ".yaml", ".yml", ".json.gz", ".yaml.gz", ".yml.gz")
_DUMP_HINT = "expected `kubectl cluster-info dump --output-directory DIR` output (nodes.json, <ns>/pods.json, ...)"


def load_dump_stream(text: str, source: str, *, name: str | None = None) -> Snapshot:
    """Load kubectl cluster-info dump's stdout: JSON (or YAML) lists with log sections between."""
    docs: list[Document] = []
    logs: dict[LogKey, str] = {}
    unavailable: list[str] = []
    pos = 0
    for start, end, key, log in iter_log_sections(text, source):
        docs += parse_documents(text[pos:start], source, first_line=1 + text.count("\n", 0, pos))
        _keep_log(logs, unavailable, key, log)
        pos = end
    docs += parse_documents(text[pos:], source, first_line=1 + text.count("\n", 0, pos))
    if not docs:
        raise ConfigError(f"{source}: no Kubernetes objects found", hint=_DUMP_HINT)
    snap = Snapshot(name=name or f"snapshot:{source}", source="kubectl cluster-info dump (stream)")
    add_objects(snap, objects_from_documents(docs, source))
    snap.log_store.update(logs)
    _note_unavailable(snap, unavailable)
    return finish(snap)


def iter_log_sections(text: str, source: str):
    """Yield ``(start, end, (ns, pod, container, False), log_text)`` for each log section."""
    pos = 0
    while True:
        m = _START_RE.search(text, pos)
        if m is None:
            return
        container, ns, pod = m.group(1), m.group(2), m.group(3)
        end_marker = f"==== END logs for container {container} of pod {ns}/{pod} ===="
        body_start = m.end() + 1 if text.startswith("\n", m.end()) else m.end()
        end = text.find(end_marker, body_start)
        if end < 0:
            line = 1 + text.count("\n", 0, m.start())
            raise ConfigError(
                f"{source}:{line}: log section for container {container} of pod {ns}/{pod} has no END line",
                hint="the dump was cut short; re-run kubectl cluster-info dump",
            )
        after = end + len(end_marker)
        if text.startswith("\r\n", after):
            after += 2
        elif text.startswith("\n", after):
            after += 1
        yield m.start(), after, (ns, pod, container, False), text[body_start:end]
        pos = after


def load_dump_directory(root: Path, *, name: str | None = None) -> Snapshot:
    """Load an ``--output-directory`` tree (also any directory of .json/.yaml object files)."""
    from holmes_nb.formats.snapshot_file import is_snapshot_document, snapshot_from_document

    objs: list[Obj] = []
    logs: dict[LogKey, str] = {}
    unavailable: list[str] = []
    bare_logs: list[tuple[Path, str]] = []
    unreadable: list[str] = []
    embedded: list[Snapshot] = []
    namespaces: set[str] = set()
    for path in _walk(root):
        rel = path.relative_to(root)
        if path.name.endswith(_DATA_SUFFIXES):
            docs = parse_documents(read_text(path), str(rel))
            if len(docs) == 1 and is_snapshot_document(docs[0].value):
                embedded.append(snapshot_from_document(docs[0].value, str(rel)))
                continue
            objs += objects_from_documents(docs, str(rel))
            if len(rel.parts) == 2:
                namespaces.add(rel.parts[0])
        elif path.name == "logs.txt" or path.name.endswith(".log"):
            try:
                text = read_text(path, log=True)
            except ConfigError as e:  # one unreadable log must not lose the whole dump
                unreadable.append(f"{rel}: {e}")
                continue
            sections = list(iter_log_sections(text, str(rel)))
            for _, _, key, log in sections:
                _keep_log(logs, unavailable, key, log)
            if not sections and text and len(rel.parts) == 3:
                bare_logs.append((rel, text))
    if not objs and not embedded:
        raise ConfigError(f"{root}: no snapshot files found", hint=_DUMP_HINT)
    snap = Snapshot(name=name or f"snapshot:{root}", source="kubectl cluster-info dump (directory)")
    for other in embedded:
        _merge(snap, other)
    add_objects(snap, objs)
    snap.log_store.update(logs)
    _add_bare_logs(snap, bare_logs)
    _note_unavailable(snap, unavailable)
    snap.notes += [f"log file skipped, unreadable: {u}" for u in unreadable]
    return finish(snap, namespaces)


def _walk(root: Path):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in sorted(filenames):
            if not f.startswith("."):
                yield Path(dirpath) / f


def _keep_log(logs: dict[LogKey, str], unavailable: list[str], key: LogKey, text: str) -> None:
    """Store a section's text, unless it is empty or kubectl wrote a log-read error instead."""
    if _LOG_ERROR_RE.match(text) and text.count("\n") <= 1:
        unavailable.append(f"{key[0]}/{key[1]}/{key[2]}")
    elif text:
        logs[key] = text


def _add_bare_logs(snap: Snapshot, bare: list[tuple[Path, str]]) -> None:
    """``<ns>/<pod>/logs.txt`` without section markers: the log of the pod's first container."""
    for rel, text in bare:
        ns, pod = rel.parts[0], rel.parts[1]
        try:
            container = snap.get("pods", pod, ns)["spec"]["containers"][0]["name"]
        except (KeyError, IndexError, TypeError, LookupError):
            snap.notes.append(f"{rel}: log file of an unknown pod, ignored")
            continue
        snap.log_store.setdefault((ns, pod, container, False), text)


def _merge(snap: Snapshot, other: Snapshot) -> None:
    for objs in other.objects.values():
        for o in objs:
            snap.add(o)
    snap.log_store.update(other.log_store)
    snap.notes += other.notes
    if other.captured_at and (snap.captured_at is None or other.captured_at > snap.captured_at):
        snap.captured_at = other.captured_at


def _note_unavailable(snap: Snapshot, unavailable: list[str]) -> None:
    if unavailable:
        shown = ", ".join(unavailable[:5]) + (" ..." if len(unavailable) > 5 else "")
        snap.notes.append(f"kubectl could not read the logs of {len(unavailable)} container(s): {shown}")
