"""A per-scan index of the cluster: every kind listed once, then grouped for O(1) lookups.

Analyzers never call ``cluster.list`` themselves: they ask the index for the events of an
object, the pods of a workload or the pods a selector matches. Building it is O(objects), so a
scan of 10,000 pods and 50,000 events stays linear.

    idx = ClusterIndex(cluster, namespace="shop")
    idx.events_for("Pod", "shop", "web-1")       # newest first
    idx.pods_of("Deployment", "shop", "web")     # through its ReplicaSets
"""

from __future__ import annotations

from collections import defaultdict

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.safe import as_int
from holmes_nb.analyzers.util import clip
from holmes_nb.errors import ClusterError, ForbiddenError
from holmes_nb.k8s import Obj, controller_ref, labels_of, ns_name, ns_of
from holmes_nb.sources.base import Cluster
from holmes_nb.sources.kinds import resolve_kind

#: kinds a scan reads (secrets are read later, only when an Ingress names a TLS secret)
SCAN_KINDS = (
    "nodes",
    "pods",
    "events",
    "services",
    "endpoints",
    "persistentvolumeclaims",
    "persistentvolumes",
    "storageclasses",
    "ingresses",
    "ingressclasses",
    "deployments",
    "statefulsets",
    "daemonsets",
    "replicasets",
    "replicationcontrollers",
    "jobs",
    "cronjobs",
    "horizontalpodautoscalers",
    "resourcequotas",
    "serviceaccounts",
    "poddisruptionbudgets",
    "networkpolicies",
    "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations",
    "gatewayclasses",
    "gateways",
    "httproutes",
)
#: kinds a cluster may simply not serve (CRDs): "not served" means none, not a read problem
OPTIONAL_KINDS = frozenset({"gatewayclasses", "gateways", "httproutes"})
#: at most this many log reads per scan: a live cluster with 500 crashing pods must stay fast
MAX_LOG_READS = 40


class ClusterIndex:
    """Everything a scan needs, read once (``ClusterIndex(cluster, namespace=None)``)."""

    def __init__(self, cluster: Cluster, namespace: str | None = None):
        self.cluster = cluster
        self.namespace = namespace
        self.now = cluster.now()
        self.read_problems: list[Finding] = []
        self._available = set(cluster.kinds_available())
        self._objects: dict[str, list[Obj]] = {}
        for kind in SCAN_KINDS:
            if kind in self._available:
                self._read(kind)
        self._by_name: dict[str, dict[tuple[str, str], Obj]] = {}
        self._sorted_events: set[tuple[str, str, str]] = set()
        self._log_reads = 0
        self._index_events()
        self._index_pods()

    # -- reading --------------------------------------------------------------------------
    def _read(self, kind: str) -> None:
        k = resolve_kind(kind)
        try:
            self._objects[kind] = list(self.cluster.list(kind, self.namespace if k.namespaced else None))
        except ClusterError as e:
            if kind in OPTIONAL_KINDS and not isinstance(e, ForbiddenError):
                return  # the API (a CRD) is not installed: nothing to check
            why = "access denied" if isinstance(e, ForbiddenError) else "read failed"
            self.read_problems.append(
                Finding(
                    k.kind,
                    self.namespace or "",
                    "",
                    "info",
                    "ReadError",
                    f"Could not read {kind} ({why}), so problems with {kind} are not reported; "
                    "grant list access to this kind or check the connection.",
                    [clip(str(e))],
                )
            )

    def has(self, kind: str) -> bool:
        """True when ``kind`` was read (a source without it, or a denied read, gives False)."""
        if kind == "secrets" and kind not in self._objects and kind in self._available:
            self._read(kind)
        return kind in self._objects

    def items(self, kind: str) -> list[Obj]:
        return self._objects.get(kind, []) if self.has(kind) else []

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        """The object, or None (also when the kind could not be read: check :meth:`has`)."""
        table = self._by_name.get(kind)
        if table is None:
            table = self._by_name[kind] = {ns_name(o): o for o in self.items(kind)}
        return table.get((namespace or "", name))

    # -- events ---------------------------------------------------------------------------
    def _index_events(self) -> None:
        self._events: dict[tuple[str, str, str], list[Obj]] = defaultdict(list)
        for ev in self._objects.get("events", ()):
            inv = ev.get("involvedObject") or ev.get("regarding") or {}
            key = (inv.get("kind") or "", inv.get("namespace") or "", inv.get("name") or "")
            self._events[key].append(ev)

    def events_for(self, kind: str, namespace: str, name: str, *, warning_only: bool = False) -> list[Obj]:
        """The object's events, newest first (``warning_only``: only type Warning)."""
        key = (kind, namespace or "", name)
        evs = self._events.get(key, [])
        if key not in self._sorted_events:
            evs.sort(key=event_time, reverse=True)
            self._sorted_events.add(key)
        if warning_only:
            return [e for e in evs if e.get("type") == "Warning"]
        return evs

    def objects_with_events(self, kind: str, *reasons: str) -> list[tuple[str, str]]:
        """(namespace, name) of the objects of ``kind`` that have an event with one of ``reasons``."""
        wanted = set(reasons)
        found: dict[tuple[str, str], None] = {}
        for ev in self._objects.get("events", ()):
            if ev.get("reason") in wanted:
                inv = ev.get("involvedObject") or ev.get("regarding") or {}
                if inv.get("kind") == kind:
                    found[(inv.get("namespace") or "", inv.get("name") or "")] = None
        return list(found)

    def events_with_reason(self, kind: str, namespace: str, name: str, *reasons: str) -> list[Obj]:
        return [e for e in self.events_for(kind, namespace, name) if e.get("reason") in reasons]

    # -- pods -----------------------------------------------------------------------------
    def _index_pods(self) -> None:
        self._pods_by_owner: dict[tuple[str, str, str], list[Obj]] = defaultdict(list)
        self._by_label: dict[tuple[str, str, str], list[Obj]] = defaultdict(list)
        self._pods_by_ns: dict[str, list[Obj]] = defaultdict(list)
        self._claim_users: dict[tuple[str, str], list[str]] = defaultdict(list)
        rs_owner = {ns_name(rs): controller_of(rs) for rs in self._objects.get("replicasets", ())}
        for pod in self._objects.get("pods", ()):
            ns, name = ns_name(pod)
            self._pods_by_ns[ns].append(pod)
            for k, v in ((pod.get("metadata") or {}).get("labels") or {}).items():
                self._by_label[(ns, str(k), str(v))].append(pod)
            for vol in (pod.get("spec") or {}).get("volumes") or ():
                claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
                if claim:
                    self._claim_users[(ns, claim)].append(name)
            owner = controller_of(pod)
            if owner is None:
                continue
            self._pods_by_owner[(ns, *owner)].append(pod)
            top = self._top_owner(pod, owner, rs_owner)
            if top != owner:
                self._pods_by_owner[(ns, *top)].append(pod)

    @staticmethod
    def _top_owner(pod: Obj, owner: tuple[str, str], rs_owner: dict) -> tuple[str, str]:
        """ReplicaSet -> its Deployment (from the ReplicaSet, else from the pod-template-hash label)."""
        if owner[0] != "ReplicaSet":
            return owner
        ns = ns_of(pod)
        if (ns, owner[1]) in rs_owner:
            return rs_owner[(ns, owner[1])] or owner
        h = labels_of(pod).get("pod-template-hash")
        if h and owner[1].endswith("-" + h):
            return ("Deployment", owner[1][: -len(h) - 1])
        return owner

    def workload_of(self, pod: Obj) -> tuple[str, str] | None:
        """(kind, name) of the pod's top controller: ("Deployment", "web"), ("Job", "x"), or None."""
        owner = controller_of(pod)
        if owner is None:
            return None
        rs_owner = {}
        if owner[0] == "ReplicaSet":
            rs = self.get("replicasets", ns_of(pod), owner[1])
            if rs is not None:
                rs_owner = {(ns_of(pod), owner[1]): controller_of(rs)}
        return self._top_owner(pod, owner, rs_owner)

    def pods_of(self, kind: str, namespace: str, name: str) -> list[Obj]:
        """Pods controlled by the object, directly or through a ReplicaSet."""
        return self._pods_by_owner.get((namespace, kind, name), [])

    def services_in(self, namespace: str) -> list[Obj]:
        if not hasattr(self, "_svc_by_ns"):
            self._svc_by_ns: dict[str, list[Obj]] = defaultdict(list)
            for svc in self.items("services"):
                self._svc_by_ns[ns_of(svc)].append(svc)
        return self._svc_by_ns.get(namespace, [])

    def pods_in(self, namespace: str) -> list[Obj]:
        return self._pods_by_ns.get(namespace, [])

    def pods_matching(self, namespace: str, selector: dict[str, str]) -> list[Obj]:
        """Pods in ``namespace`` whose labels contain every ``selector`` pair (equality selector)."""
        if not selector:
            return []
        lists = [self._by_label.get((namespace, k, str(v)), []) for k, v in selector.items()]
        smallest = min(lists, key=len)
        want = {str(k): str(v) for k, v in selector.items()}
        return [p for p in smallest if all(str(labels_of(p).get(k)) == v for k, v in want.items())]

    def pods_selected(self, namespace: str, selector: Obj | None) -> list[Obj]:
        """Pods in ``namespace`` a LabelSelector (matchLabels, matchExpressions) selects; ``{}`` selects all."""
        selector = selector if isinstance(selector, dict) else {}
        match = selector.get("matchLabels") or {}
        exprs = selector.get("matchExpressions") or []
        pods = self.pods_matching(namespace, match) if match else self.pods_in(namespace)
        return [p for p in pods if all(expression_matches(e, labels_of(p)) for e in exprs)]

    def replicasets_of(self, namespace: str, deployment: str) -> list[Obj]:
        """The ReplicaSets a Deployment controls (grouped once per scan)."""
        if not hasattr(self, "_rs_by_deploy"):
            self._rs_by_deploy: dict[tuple[str, str], list[Obj]] = defaultdict(list)
            for rs in self.items("replicasets"):
                owner = controller_of(rs)
                if owner and owner[0] == "Deployment":
                    self._rs_by_deploy[(ns_of(rs), owner[1])].append(rs)
        return self._rs_by_deploy.get((namespace, deployment), [])

    def claims_in_use(self) -> list[tuple[str, str]]:
        """(namespace, claim) of every PersistentVolumeClaim a pod mounts."""
        return list(self._claim_users)

    def claim_users(self, namespace: str, claim: str) -> list[str]:
        """Names of pods that mount the PersistentVolumeClaim."""
        return self._claim_users.get((namespace, claim), [])

    # -- logs -----------------------------------------------------------------------------
    def log_tail(self, namespace: str, pod: str, container: str, *, previous: bool, lines: int = 5) -> list[str]:
        """The last log lines of a container (scrubbed, clipped); [] past the per-scan budget or on error."""
        if self._log_reads >= MAX_LOG_READS:
            return []
        self._log_reads += 1
        try:
            text = self.cluster.logs(namespace, pod, container, previous=previous, tail_lines=lines)
        except ClusterError:
            return []
        return [clip(line, 200) for line in text.splitlines() if line.strip()][-lines:]

    def crash_log(self, namespace: str, pod: str, container: str, *, previous: bool) -> tuple[list[str], str]:
        """(last log lines, which log they are) for a failing container.

        The previous run's log is asked first when ``previous``; a ``kubectl cluster-info dump``
        holds only the current log, which for a container waiting to restart is the output of its
        last failed run, so that is the fallback: ``which`` is "previous", "current", "" (none) or
        "skipped" (past the per-scan log budget).
        """
        if self._log_reads >= MAX_LOG_READS:
            return [], "skipped"
        if previous:
            lines = self.log_tail(namespace, pod, container, previous=True)
            if lines:
                return lines, "previous"
        lines = self.log_tail(namespace, pod, container, previous=False)
        return lines, ("current" if lines else "")


def expression_matches(expr: Obj, labels: dict) -> bool:
    """One matchExpressions entry (In, NotIn, Exists, DoesNotExist) against a label map."""
    key, op = str(expr.get("key")), expr.get("operator")
    values = [str(v) for v in expr.get("values") or ()]
    has = key in labels
    if op == "In":
        return has and str(labels[key]) in values
    if op == "NotIn":
        return not has or str(labels[key]) not in values
    if op == "Exists":
        return has
    if op == "DoesNotExist":
        return not has
    return False


def controller_of(obj: Obj) -> tuple[str, str] | None:
    """(kind, name) of the controlling owner reference (or the first one), else None."""
    ref = controller_ref(obj)
    return None if ref is None else (ref.get("kind", ""), ref.get("name", ""))


def event_time(ev: Obj) -> str:
    """The event's newest timestamp as an ISO string (sortable)."""
    series = ev.get("series") or {}
    return (
        series.get("lastObservedTime")
        or ev.get("lastTimestamp")
        or ev.get("eventTime")
        or ev.get("firstTimestamp")
        or (ev.get("metadata") or {}).get("creationTimestamp")
        or ""
    )


def event_count(ev: Obj) -> int:
    return as_int(ev.get("count") or (ev.get("series") or {}).get("count") or ev.get("deprecatedCount") or 1, 1) or 1


def event_text(ev: Obj) -> str:
    """``"Unhealthy (x14, 2m ago): Readiness probe failed: ..."``-style evidence without the age."""
    msg = ev.get("message") or ev.get("note") or ""
    n = event_count(ev)
    times = f" (x{n})" if n > 1 else ""
    return clip(f"event {ev.get('reason', '')}{times}: {msg}")
