"""DataFrames of a cluster for people: pods, events, logs, workloads, nodes, services, storage,
ingresses, config, autoscaling, quotas and network policies.

The builders (``pods_frame``, ``events_frame``, ...) are pure functions of object dicts and a
reference time; :class:`ClusterFrames` wires them to a :class:`~holmes_nb.sources.base.Cluster`:

    from holmes_nb.cluster_spec import open_cluster
    from holmes_nb.frames.cluster_frames import ClusterFrames
    f = ClusterFrames(open_cluster("demo"))
    f.pods(unhealthy=True)
    f.events("shop", object="pod/checkout-7d9f-abcde")
    f.logs("checkout-7d9f-abcde", previous=True)

Ages are relative to ``cluster.now()``: the capture time of a snapshot, so its ages never drift.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from holmes_nb.errors import ClusterError, ConfigError
from holmes_nb.frames.config import configmaps_frame, hpas_frame, limitranges_frame, quotas_frame, secrets_frame
from holmes_nb.frames.infra import namespaces_frame, nodes_frame, pvcs_frame, pvs_frame, storageclasses_frame
from holmes_nb.frames.network import ingressclasses_frame, ingresses_frame, networkpolicies_frame, services_frame
from holmes_nb.frames.pods import events_for, events_frame, is_unhealthy, logs_frame, pod_reason, pods_frame
from holmes_nb.frames.workloads import WORKLOAD_KINDS, workloads_frame
from holmes_nb.k8s import age, human_duration, memory_text, parse_quantity, parse_time
from holmes_nb.sources.base import Cluster
from holmes_nb.sources.kinds import Kind, resolve_kind

__all__ = [
    "ClusterFrames",
    "age",
    "configmaps_frame",
    "events_frame",
    "hpas_frame",
    "human_duration",
    "ingressclasses_frame",
    "ingresses_frame",
    "is_unhealthy",
    "limitranges_frame",
    "logs_frame",
    "memory_text",
    "namespaces_frame",
    "networkpolicies_frame",
    "nodes_frame",
    "parse_quantity",
    "parse_time",
    "pod_reason",
    "pods_frame",
    "pvcs_frame",
    "pvs_frame",
    "quotas_frame",
    "secrets_frame",
    "services_frame",
    "storageclasses_frame",
    "workloads_frame",
    "FRAME_KINDS",
    "RESOURCE_FRAME_KINDS",
    "CLUSTER_SCOPED",
    "captured",
    "frame_method",
    "optional_list",
    "split_object",
]

#: the frames of the kinds that are neither pods, events nor workloads (``list_resources`` offers
#: them after the workloads, in this order: recorded tool schemas depend on it)
RESOURCE_FRAME_KINDS = (
    "nodes",
    "namespaces",
    "services",
    "pvcs",
    "pvs",
    "storageclasses",
    "ingresses",
    "ingressclasses",
    "configmaps",
    "secrets",
    "hpas",
    "quotas",
    "limitranges",
    "networkpolicies",
)
#: what ``ClusterFrames.frame(kind)`` accepts besides the kinds table's names and aliases
FRAME_KINDS = ("workloads", "pods", "events", *RESOURCE_FRAME_KINDS, *WORKLOAD_KINDS)


class ClusterFrames:
    """DataFrame views of one cluster, for notebooks: ``ClusterFrames(cluster).pods(unhealthy=True)``."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster

    @property
    def name(self) -> str:
        return self.cluster.name

    def __repr__(self) -> str:
        return (
            f"<cluster {self.cluster.name}: .pods() .events() .logs(pod) .nodes() .problems() "
            ".workloads() .services() .frame(kind)>"
        )

    # -- plumbing ---------------------------------------------------------------------------
    def _list(self, kind: str, namespace: str | None = None) -> list[dict]:
        return self.cluster.list(kind, namespace or None)

    def _optional(self, kind: str, namespace: str | None = None) -> list[dict] | None:
        return optional_list(self.cluster, kind, namespace)

    @property
    def now(self):
        return self.cluster.now()

    # -- pods, events, logs -----------------------------------------------------------------
    def pods(self, namespace: str | None = None, unhealthy: bool = False) -> Any:
        """Pods with phase, ready, restarts, the most telling reason, age and node."""
        pods = self._list("pods", namespace)
        if unhealthy:
            pods = [p for p in pods if is_unhealthy(p)]
        return pods_frame(pods, self.now)

    def events(self, namespace: str | None = None, object: str | None = None) -> Any:  # noqa: A002
        """Events newest first with repeats folded; ``object`` is ``"kind/name"`` or a bare name."""
        events = self._list("events", namespace)
        if object:
            kind, name = split_object(object)
            events = events_for(events, kind, name, namespace)
        return events_frame(events, self.now)

    def logs(
        self,
        pod: str,
        namespace: str | None = None,
        container: str | None = None,
        previous: bool = False,
        tail: int | None = 100,
    ) -> Any:
        """A container's last ``tail`` log lines as a DataFrame (``line``, ``text``); ``pod`` may be a
        unique name prefix (``"checkout"``) and ``namespace`` omitted."""
        from holmes_nb.sources.lookup import locate

        obj = locate(self.cluster, "pods", pod, namespace, prefix=True)
        meta = obj["metadata"]
        text = self.cluster.logs(meta.get("namespace", ""), meta["name"], container, previous=previous, tail_lines=tail)
        return logs_frame(text)

    # -- everything else --------------------------------------------------------------------
    def nodes(self) -> Any:
        return nodes_frame(self._list("nodes"), self.now)

    def namespaces(self) -> Any:
        return namespaces_frame(self._list("namespaces"), self.now)

    def workloads(self, namespace: str | None = None, kinds: tuple[str, ...] = WORKLOAD_KINDS) -> Any:
        """Deployments, StatefulSets, DaemonSets, ReplicaSets (not owned by a Deployment), Jobs, CronJobs."""
        objects = {k: self._list(k, namespace) for k in kinds}
        return workloads_frame(objects, self.now, owned_replicasets=kinds == ("replicasets",))

    def services(self, namespace: str | None = None) -> Any:
        return services_frame(
            self._list("services", namespace),
            self.now,
            endpoints=self._optional("endpoints", namespace),
            pods=self._optional("pods", namespace),
        )

    def pvcs(self, namespace: str | None = None) -> Any:
        return pvcs_frame(self._list("pvcs", namespace), self.now, storageclasses=self._optional("storageclasses"))

    def pvs(self) -> Any:
        return pvs_frame(self._list("pvs"), self.now)

    def storageclasses(self) -> Any:
        return storageclasses_frame(self._list("storageclasses"), self.now)

    def ingresses(self, namespace: str | None = None) -> Any:
        return ingresses_frame(
            self._list("ingresses", namespace),
            self.now,
            ingressclasses=self._optional("ingressclasses"),
            services=self._optional("services", namespace),
            secrets=self._optional("secrets", namespace),
        )

    def ingressclasses(self) -> Any:
        return ingressclasses_frame(self._list("ingressclasses"), self.now)

    def configmaps(self, namespace: str | None = None) -> Any:
        return configmaps_frame(self._list("configmaps", namespace), self.now)

    def secrets(self, namespace: str | None = None) -> Any:
        """Secrets with type and key NAMES only (values are never read)."""
        return secrets_frame(self._list("secrets", namespace), self.now)

    def hpas(self, namespace: str | None = None) -> Any:
        return hpas_frame(self._list("hpa", namespace), self.now)

    def quotas(self, namespace: str | None = None) -> Any:
        return quotas_frame(self._list("resourcequotas", namespace), self.now)

    def limitranges(self, namespace: str | None = None) -> Any:
        return limitranges_frame(self._list("limitranges", namespace), self.now)

    def networkpolicies(self, namespace: str | None = None) -> Any:
        return networkpolicies_frame(self._list("networkpolicies", namespace), self.now)

    def problems(self, namespace: str | None = None) -> Any:
        """The analyzers' findings (no LLM) as a DataFrame."""
        from holmes_nb.analyzers import findings_frame, scan

        return findings_frame(scan(self.cluster, namespace=namespace))

    def frame(self, kind: str, namespace: str | None = None) -> Any:
        """Any of the above by kind name or alias: ``frame("deploy", "shop")``, ``frame("workloads")``."""
        method, kinds = frame_method(kind)
        if method == "workloads":
            return self.workloads(namespace, kinds)
        fn: Callable[..., Any] = getattr(self, method)
        return fn() if method in CLUSTER_SCOPED else fn(namespace)


#: frame methods whose kinds have no namespace
CLUSTER_SCOPED = frozenset({"nodes", "namespaces", "pvs", "storageclasses", "ingressclasses"})
_METHOD_FOR_KIND = {
    "persistentvolumeclaims": "pvcs",
    "persistentvolumes": "pvs",
    "horizontalpodautoscalers": "hpas",
    "resourcequotas": "quotas",
    "endpoints": "services",
}


def captured(cluster: Cluster, kind: str) -> bool:
    """Whether this source holds ``kind`` at all, so an empty list means "none exist" rather than
    "not captured" (a dump without StorageClasses must not make every PVC's class look missing)."""
    name = resolve_kind(kind).name
    if name in cluster.kinds_available():
        return True
    objects = getattr(cluster, "objects", None)  # a Snapshot that captured the kind, with no objects
    return isinstance(objects, dict) and name in objects


def optional_list(cluster: Cluster, kind: str, namespace: str | None = None) -> list[dict] | None:
    """A supporting list, or None when this source cannot tell (kind not captured, or not readable)."""
    if not captured(cluster, kind):
        return None
    try:
        return cluster.list(kind, namespace or None)
    except ClusterError:
        return None


def frame_method(kind: str) -> tuple[str, tuple[str, ...]]:
    """``"deploy"`` -> ``("workloads", ("deployments",))``; ``"svc"`` -> ``("services", ())``."""
    key = (kind or "").strip().lower()
    if key in ("workloads", "workload"):
        return "workloads", WORKLOAD_KINDS
    try:
        k: Kind = resolve_kind(key)
    except ConfigError as err:
        raise ConfigError(f"unknown kind {kind!r}", hint="one of: " + ", ".join(sorted(set(FRAME_KINDS)))) from err
    if k.name in WORKLOAD_KINDS:
        return "workloads", (k.name,)
    method = _METHOD_FOR_KIND.get(k.name, k.name)
    if method not in FRAME_KINDS:
        raise ConfigError(f"no table for kind {kind!r}", hint="one of: " + ", ".join(sorted(set(FRAME_KINDS))))
    return method, ()


def split_object(text: str) -> tuple[str | None, str]:
    """``"pod/web-1"`` -> ``("Pod", "web-1")``; ``"web-1"`` -> ``(None, "web-1")``."""
    text = (text or "").strip()
    if "/" in text:
        head, tail = text.split("/", 1)
        try:
            return resolve_kind(head).kind, tail.strip()
        except ConfigError:
            pass
    return None, text
