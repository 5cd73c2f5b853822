"""Cluster sources: ``open_cluster("demo" | PATH | "context:NAME" | None)``.

Imports stay lazy: the kubernetes client is loaded only for live clusters.
"""
from __future__ import annotations

import os
import sys

from .base import Cluster
from .kinds import KINDS, Kind, resolve_kind

__all__ = ["Cluster", "Kind", "KINDS", "resolve_kind", "open_cluster"]


def open_cluster(spec: "str | Cluster | None" = None, *, notice=None) -> Cluster:
    """Open a cluster from a spec.

    - ``"demo"``: the bundled broken demo cluster;
    - a path: a snapshot in any supported layout (see docs/snapshots.md);
    - ``"context:NAME"``: a live cluster through that kubeconfig context; ``"live"``: the current one;
    - ``None``: the current kubeconfig context if there is one, else the demo cluster with a notice.

    ``notice`` is called with a one-line message when a fallback happens (default: stderr).
    """
    if isinstance(spec, Cluster):
        return spec
    if isinstance(getattr(spec, "cluster", None), Cluster):  # holmes_nb.cluster(...)'s DataFrame view
        return spec.cluster
    if spec is None:
        from .live import kubeconfig_available

        if kubeconfig_available():
            from .live import LiveCluster

            return LiveCluster()
        (notice or _stderr)("no kubeconfig found (KUBECONFIG or ~/.kube/config): using the bundled demo cluster")
        spec = "demo"
    if spec == "demo":
        from .demo import demo_cluster

        return demo_cluster()
    if spec == "live":
        from .live import LiveCluster

        return LiveCluster()
    if spec.startswith("context:"):
        from .live import LiveCluster

        return LiveCluster(context=spec.split(":", 1)[1])
    if spec.startswith(("http://", "https://")):
        from .live import LiveCluster

        return LiveCluster(server=spec)
    from .importers import load_snapshot

    return load_snapshot(os.path.expanduser(spec))


class _CallableModule(type(sys)):
    """``holmes_nb.cluster`` is this package once it is imported (Python sets the attribute), so the
    package itself answers ``holmes_nb.cluster("demo")`` like the function it replaces."""

    def __call__(self, spec: "str | Cluster | None" = "demo"):
        from .frames import ClusterFrames

        return ClusterFrames(open_cluster(spec))


sys.modules[__name__].__class__ = _CallableModule


def _stderr(msg: str) -> None:
    print(f"holmes-nb: {msg}", file=sys.stderr)
