"""From a ``--cluster`` spec to a Cluster: ``open_cluster("demo" | PATH | "context:NAME" | URL | None)``.

Imports stay lazy: the kubernetes client is loaded only for live clusters, the file readers only
for snapshots.
"""

from __future__ import annotations

import os
import sys

from holmes_nb.sources.base import Cluster

__all__ = ["open_cluster"]


def open_cluster(spec: str | Cluster | None = None, *, notice=None) -> Cluster:
    """Open a cluster from a spec.

    - ``"demo"``: the bundled broken demo cluster;
    - a path: a snapshot in any supported layout (see docs/snapshots.md);
    - ``"context:NAME"``: a live cluster through that kubeconfig context; ``"live"``: the current one;
    - ``None``: the current kubeconfig context if there is one, else the demo cluster with a notice.

    ``notice`` is called with a one-line message when a fallback happens (default: stderr).
    """
    if isinstance(spec, Cluster):
        return spec
    view_of = getattr(spec, "cluster", None)  # holmes_nb.cluster(...)'s DataFrame view
    if isinstance(view_of, Cluster):
        return view_of
    if spec is None:
        from holmes_nb.sources.live import kubeconfig_available

        if kubeconfig_available():
            from holmes_nb.sources.live import LiveCluster

            return LiveCluster()
        (notice or _stderr)("no kubeconfig found (KUBECONFIG or ~/.kube/config): using the bundled demo cluster")
        spec = "demo"
    if spec == "demo":
        from holmes_nb.formats.demo import demo_cluster

        return demo_cluster()
    if spec == "live":
        from holmes_nb.sources.live import LiveCluster

        return LiveCluster()
    if spec.startswith("context:"):
        from holmes_nb.sources.live import LiveCluster

        return LiveCluster(context=spec.split(":", 1)[1])
    if spec.startswith(("http://", "https://")):
        from holmes_nb.sources.live import LiveCluster

        return LiveCluster(server=spec)
    from holmes_nb.formats.importers import load_snapshot

    return load_snapshot(os.path.expanduser(spec))


def _stderr(msg: str) -> None:
    print(f"holmes-nb: {msg}", file=sys.stderr)
