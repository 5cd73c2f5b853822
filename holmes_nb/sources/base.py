"""The read-only Cluster interface every source implements (live, snapshot, demo).

Objects are plain dicts in the Kubernetes JSON shape (``metadata``, ``spec``, ``status``), as
``kubectl get -o json`` prints them, whatever the source. Tools, frames and analyzers only ever
talk to this interface, so they behave identically on a live cluster and on a frozen snapshot.

    cluster = open_cluster("demo")
    pods = cluster.list("pods", namespace="shop")
    text = cluster.logs("shop", "checkout-7d9f-abcde", previous=True, tail_lines=50)
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from datetime import datetime, timezone

from holmes_nb.k8s import Obj
from holmes_nb.sources.kinds import Kind, resolve_kind


class Cluster(ABC):
    """A read-only view of a cluster. Only get/list/logs exist: there is no write path."""

    #: short label shown to users: "demo", "snapshot:/path/x.json", "context:prod"
    name: str = "cluster"

    @abstractmethod
    def list(
        self,
        kind: str | Kind,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> builtins.list[Obj]:
        """All objects of ``kind`` (in ``namespace``, or in every namespace when None)."""

    @abstractmethod
    def get(self, kind: str | Kind, name: str, namespace: str | None = None) -> Obj:
        """One object; raises :class:`~holmes_nb.errors.NotFoundError` with suggestions."""

    @abstractmethod
    def logs(
        self,
        namespace: str,
        pod: str,
        container: str | None = None,
        *,
        previous: bool = False,
        tail_lines: int | None = None,
    ) -> str:
        """A container's log text ('' when there is none); ``previous`` = the last terminated one."""

    def now(self) -> datetime:
        """The reference time for ages: wall clock for live clusters, capture time for snapshots."""
        return datetime.now(timezone.utc)

    def namespaces(self) -> builtins.list[str]:
        return sorted(o["metadata"]["name"] for o in self.list("namespaces"))

    def kinds_available(self) -> builtins.list[str]:
        """Plural names of the kinds this source can list (all, for a live cluster)."""
        from holmes_nb.sources.kinds import KINDS

        return [k.name for k in KINDS]

    def close(self) -> None:  # noqa: B027 (optional hook: snapshots have nothing to release)
        """Release connections (live) or nothing (snapshots)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    @staticmethod
    def _kind(kind: str | Kind) -> Kind:
        return kind if isinstance(kind, Kind) else resolve_kind(kind)
