"""The bundled demo cluster: a small broken cluster frozen at 2025-03-14T10:30:00Z.

Built by scripts/build_demo.py into holmes_nb/data/demo-cluster.json; docs/demo-cluster.md lists
every planted failure and the evidence for it.

    cluster = demo_cluster()
    cluster.list("pods", "shop")
    cluster.logs("shop", cluster.list("pods", "shop", label_selector="app=checkout")[0]["metadata"]["name"],
                 previous=True)
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from holmes_nb.errors import ConfigError
from holmes_nb.formats.snapshot_file import is_snapshot_document, snapshot_from_document
from holmes_nb.sources.snapshot import Snapshot

DATA_FILE = "demo-cluster.json"


@functools.lru_cache(maxsize=1)
def demo_cluster() -> Snapshot:
    """The demo cluster (loaded once; every call returns the same object: treat it as read-only)."""
    try:
        text = (resources.files("holmes_nb") / "data" / DATA_FILE).read_text(encoding="utf-8")
        doc = json.loads(text)
    except (OSError, ValueError) as e:
        raise ConfigError(
            f"the bundled demo cluster cannot be read ({e})",
            hint="reinstall holmes-nb, or run python scripts/build_demo.py in a checkout",
        ) from None
    if not is_snapshot_document(doc):
        raise ConfigError(
            "the bundled demo cluster file is not a holmes-nb snapshot",
            hint="run python scripts/build_demo.py in a checkout",
        )
    snap = snapshot_from_document(doc, DATA_FILE)
    snap.name = "demo"
    return snap
