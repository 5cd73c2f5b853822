"""Load a snapshot from any supported layout: ``load_snapshot(path) -> Snapshot``.

Detected layouts (docs/snapshots.md):

(a) a ``kubectl cluster-info dump --all-namespaces --output-directory DIR`` tree (or any
    directory of .json/.yaml object files);
(b) the same command's stdout stream (JSON lists with ``==== START logs ...`` sections);
(c) a YAML/JSON file of objects: ``kind: List``, any ``*List``, one object, multi-document YAML;
(d) holmes-nb's own snapshot file (``.json`` or ``.json.gz``), written by :func:`save_snapshot`.

Gzip is detected by content. Secrets keep key names only. ``captured_at`` comes from the
snapshot header, else the newest timestamp in the objects, so ages never depend on today's date.

    snap = load_snapshot("incident-42.json.gz")
    save_snapshot(open_cluster("context:prod"), "incident-43.json.gz", namespaces=["shop"])
"""

from __future__ import annotations

import os
from pathlib import Path

from holmes_nb.errors import ConfigError
from holmes_nb.formats.dump import LOG_START, load_dump_directory, load_dump_stream
from holmes_nb.formats.manifests import add_objects, finish, objects_from_documents, parse_documents, read_text
from holmes_nb.formats.snapshot_file import is_snapshot_document, save_snapshot, snapshot_from_document
from holmes_nb.sources.snapshot import Snapshot

__all__ = ["load_snapshot", "save_snapshot"]

_HINT = (
    "give a `kubectl cluster-info dump` directory or its stdout file, a YAML/JSON file of objects, "
    "or a holmes-nb snapshot (.json/.json.gz)"
)


def load_snapshot(path: str | os.PathLike) -> Snapshot:
    """Load a snapshot in any supported layout; ConfigError (file and line) for bad input."""
    p = Path(path).expanduser()
    if not p.exists():
        raise ConfigError(f"snapshot not found: {p}", hint=_HINT)
    if p.is_dir():
        return load_dump_directory(p, name=f"snapshot:{p}")
    text = read_text(p)
    if LOG_START in text:
        return load_dump_stream(text, p.name, name=f"snapshot:{p}")
    docs = parse_documents(text, p.name)
    if not docs:
        raise ConfigError(f"{p.name}: empty file", hint=_HINT)
    if is_snapshot_document(docs[0].value):
        if len(docs) > 1:
            raise ConfigError(f"{p.name}:{docs[1].line}: unexpected data after the snapshot document")
        snap = snapshot_from_document(docs[0].value, p.name)
        snap.name = f"snapshot:{p}"
        return finish(snap)
    snap = Snapshot(name=f"snapshot:{p}", source=f"objects file {p.name}")
    add_objects(snap, objects_from_documents(docs, p.name))
    return finish(snap)
