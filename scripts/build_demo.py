"""Build the bundled demo cluster: holmes_nb/data/demo-cluster.json (deterministic).

A small broken cluster as a real v1.29 control plane would report it: 3 nodes, kube-system,
default and four application namespaces with the failures listed in docs/demo-cluster.md.

    python scripts/build_demo.py                   # rewrite the bundled file
    python scripts/build_demo.py --output /tmp/x.json --check   # exit 1 if the bundled file differs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from demo_backend import build_data, build_payments  # noqa: E402
from demo_common import NOW  # noqa: E402
from demo_monitoring import build_monitoring  # noqa: E402
from demo_platform import (  # noqa: E402
    build_classes,
    build_default,
    build_kube_system,
    build_nodes,
    ingress_logs,
)
from demo_policies import build_policies  # noqa: E402
from demo_shop import build_shop  # noqa: E402

from devkit.builder import ClusterBuilder  # noqa: E402
from devkit.metrics import demo_metrics  # noqa: E402
from holmes_nb.formats.snapshot_file import save_snapshot  # noqa: E402
from holmes_nb.sources.snapshot import Snapshot  # noqa: E402

DEFAULT_OUTPUT = HERE.parent / "holmes_nb" / "data" / "demo-cluster.json"


def build() -> Snapshot:
    """The demo cluster as an in-memory Snapshot."""
    b = ClusterBuilder(NOW, name="demo", source="holmes-nb demo cluster (scripts/build_demo.py)")
    build_nodes(b)
    build_classes(b)
    controller = build_kube_system(b)
    build_default(b)
    build_shop(b)
    relay = build_payments(b)
    build_data(b)
    build_monitoring(b)
    build_policies(b)
    ingress_logs(b, controller, relay)
    snap = b.snapshot()
    snap.metrics = demo_metrics(snap)  # frozen series and alerts consistent with the failures
    return snap


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--check", action="store_true", help="compare with the bundled file instead of keeping quiet")
    args = ap.parse_args(argv)
    path = save_snapshot(build(), args.output, indent=1, redact=False)  # keeps the planted values
    path.chmod(0o644)
    size = path.stat().st_size
    print(f"wrote {path} ({size / 1024:.0f} KiB)")
    if args.check and path.resolve() != DEFAULT_OUTPUT.resolve():
        same = path.read_bytes() == DEFAULT_OUTPUT.read_bytes()
        print("bundled demo is up to date" if same else "bundled demo differs: run python scripts/build_demo.py")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
