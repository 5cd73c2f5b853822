"""Root causes and their consequences: set ``caused_by`` on findings that follow from another.

A Service has no endpoints because its Deployment's pods crash; the Deployment is short of replicas
because of those pods; an Ingress returns 503 because of the Service. Each rule below names, for
one kind of finding, the objects whose findings could explain it, most specific first; the first
one that has a finding becomes ``caused_by``. A finding with none stays a root cause.

    link_causes(findings, idx)
    for root, consequences in by_root(findings): ...     # roots first, each with what follows from it
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from holmes_nb.analyzers.finding import Finding, object_key
from holmes_nb.analyzers.index import ClusterIndex, Obj
from holmes_nb.analyzers.scheduling import pod_claims
from holmes_nb.k8s import labels_of, ns_name

#: pod findings that follow from the pod's node
_NODE_REASONS = {"NodeNotReady", "NodeLost", "Evicted", "StuckTerminating", "Terminated", "Shutdown", "NodeShutdown"}
_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job")


def link_causes(findings: list[Finding], idx: ClusterIndex) -> None:
    """Fill ``caused_by`` in place (never making a cycle); findings already linked keep their link."""
    by_key = primaries(findings)
    for f in findings:
        if f.caused_by is not None:
            continue
        rule = _RULES.get(f.kind)
        if rule is None:
            continue
        try:
            candidates = list(rule(f, idx, by_key))
        except Exception:  # noqa: BLE001 - an odd object only costs its link, never the scan
            continue
        for key in candidates:
            if key in by_key and key != f.key and not _leads_to(by_key, key, f.key):
                f.caused_by = key
                break


def primaries(findings: Iterable[Finding]) -> dict[str, Finding]:
    """The finding that stands for each object when it has several: the one about its health (a
    Deployment's PodsFailing) over one about its spec (ServiceAccountNotFound), then the most severe."""
    out: dict[str, Finding] = {}
    for f in sorted(findings, key=lambda f: (f.reason in _SPEC_REASONS, f.sort_key())):
        out.setdefault(f.key, f)
    return out


def _leads_to(by_key: dict[str, Finding], start: str, target: str) -> bool:
    seen, key = set(), start
    while key is not None and key not in seen:
        if key == target:
            return True
        seen.add(key)
        nxt = by_key.get(key)
        key = nxt.caused_by if nxt else None
    return False


def by_root(findings: Iterable[Finding]) -> list[tuple[Finding, list[tuple[int, Finding]]]]:
    """[(root cause, [(depth, consequence), ...]), ...]: groups by their most severe finding, then by how
    much follows from the root; consequences depth-first under the finding they follow from."""
    findings = sorted(findings, key=Finding.sort_key)
    primary = primaries(findings)
    children: dict[int, list[Finding]] = defaultdict(list)
    roots = []
    for f in findings:
        cause = primary.get(f.caused_by or "")
        if cause is not None and cause is not f:
            children[id(cause)].append(f)
        else:
            roots.append(f)
    out = []
    placed: set[int] = set()
    for root in roots:
        if id(root) in placed:
            continue
        placed.add(id(root))
        below: list[tuple[int, Finding]] = []
        _collect(root, children, 1, below, placed, {id(root)})
        out.append((root, below))
    out.sort(key=lambda rb: (min(f.sort_key()[0] for f in [rb[0], *(c for _, c in rb[1])]), -len(rb[1])))
    return out


def _collect(f: Finding, children, depth: int, into: list, placed: set[int], path: set[int]) -> None:
    for child in children.get(id(f), ()):
        if id(child) in placed:
            continue
        placed.add(id(child))
        into.append((depth, child))
        if id(child) not in path:
            _collect(child, children, depth + 1, into, placed, path | {id(child)})


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Root causes first, each followed by its consequences (the order scan output prints)."""
    return [f for root, below in by_root(findings) for f in [root, *(c for _, c in below)]]


def roots_first(findings: Iterable[Finding]) -> list[Finding]:
    """Every root cause (most urgent group first), then the consequences, direct ones before those
    that follow from them: what a model should read first when the list gets cut."""
    groups = by_root(findings)
    below = sorted((d, i, c) for i, (_, cs) in enumerate(groups) for d, c in cs)  # nearest consequences first
    return [root for root, _ in groups] + [c for _, _, c in below]


def summary(findings: list[Finding]) -> str:
    """``3 root causes, 11 findings``."""
    roots = len(by_root(findings))
    return f"{roots} root cause{'s' if roots != 1 else ''}, {len(findings)} finding{'s' if len(findings) != 1 else ''}"


def tree_lines(findings: list[Finding]) -> list[str]:
    """One line per finding, root causes first with their consequences indented under them::

    3 root causes, 11 findings
    [critical] Pod shop/web-1: CrashLoopBackOff
      <- [critical] Deployment shop/web: PodsFailing
    """
    lines = [summary(findings)]
    for root, below in by_root(findings):
        lines.append(f"[{root.severity}] {root.ref}: {root.reason}")
        lines += [f"{'  ' * d}<- [{c.severity}] {c.ref}: {c.reason}" for d, c in below]
    return lines


# -- the rules: candidate cause keys for one finding -----------------------------------------
def _pod(f: Finding, idx: ClusterIndex, by_key) -> Iterable[str]:
    pod = idx.get("pods", f.namespace, f.name)
    if pod is None:
        return
    node = (pod.get("spec") or {}).get("nodeName")
    if f.reason in _NODE_REASONS and node:
        yield object_key("Node", "", node)
    if f.reason == "Unschedulable" or f.reason.startswith("Failed"):
        for claim in pod_claims(pod):
            yield object_key("PersistentVolumeClaim", f.namespace, claim)


#: workload findings about the workload's own spec: causes, never consequences of its pods
_SPEC_REASONS = {"ServiceAccountNotFound", "ImagePullSecretNotFound", "ServiceNotFound", "StorageClassNotFound"}


_CONNECT_ERROR = re.compile(
    r"connection refused|no such host|i/o timeout|timed? ?out|connection reset|could not connect|failed to connect|"
    r"unreachable|ECONNREFUSED|ENOTFOUND|name resolution|no route to host",
    re.I,
)


def _services_in_logs(f: Finding, idx: ClusterIndex, by_key) -> Iterable[str]:
    """A crashing pod whose log fails to connect to a Service that has a finding of its own follows
    from that Service: the log must name it as a host (``db:5432``, ``db.shop``, ``db.shop.svc``)."""
    logs = [e[5:] for e in f.evidence if e.startswith("log: ")]
    if not logs or not any(_CONNECT_ERROR.search(line) for line in logs):
        return
    text = "\n".join(logs)
    for key in by_key:
        kind, ns, name = key.split("/", 2)
        if kind != "Service" or (ns, name) == (f.namespace, f.name):
            continue
        local = re.escape(name) + (r"(?::\d+|\." + re.escape(ns) + r")" if ns == f.namespace else r"\." + re.escape(ns))
        if re.search(r"(?<![\w.-])" + local + r"(?![\w-])", text) and not _selects(idx, ns, name, f):
            yield key


def _selects(idx: ClusterIndex, ns: str, service: str, pod_finding: Finding) -> bool:
    """Whether the Service sends traffic to the pod itself (then the pod is its cause, not its victim)."""
    if ns != pod_finding.namespace:
        return False
    svc = idx.get("services", ns, service) or {}
    selector = (svc.get("spec") or {}).get("selector") or {}
    pod = idx.get("pods", ns, pod_finding.name) or {}
    labels = labels_of(pod)
    return bool(selector) and all(str(labels.get(k)) == str(v) for k, v in selector.items())


def _workload(f: Finding, idx: ClusterIndex, by_key) -> Iterable[str]:
    if f.reason in _SPEC_REASONS:
        return
    yield from _webhooks_named(f, by_key)
    if f.reason == "QuotaExceeded":
        yield from (k for k in by_key if k.startswith(f"ResourceQuota/{f.namespace}/"))
    pods = idx.pods_of(f.kind, f.namespace, f.name)
    yield from _pod_keys(pods, by_key)


_CALLING_WEBHOOK = re.compile(r'failed calling webhook \\?"([^"\\]+)')


def _webhooks_named(f: Finding, by_key) -> Iterable[str]:
    """A workload whose pods are rejected by a webhook ("failed calling webhook") follows from the
    finding on that webhook's configuration."""
    names = {m.group(1) for e in f.evidence for m in _CALLING_WEBHOOK.finditer(e)}
    for name in names:
        for key, other in by_key.items():
            if other.kind.endswith("WebhookConfiguration") and any(
                e.startswith(f"webhook {name}:") for e in other.evidence
            ):
                yield key


def _pod_keys(pods: list[Obj], by_key) -> list[str]:
    """Keys of the pods' findings, root causes first (a pod failing on its own before one failing
    because of something else)."""
    keys = [object_key("Pod", *ns_name(p)) for p in pods]
    keys = [k for k in keys if k in by_key]
    return sorted(keys, key=lambda k: by_key[k].caused_by is not None)


def _service_pods(f: Finding, idx: ClusterIndex) -> list[Obj]:
    svc = idx.get("services", f.namespace, f.name)
    selector = {k: str(v) for k, v in (((svc or {}).get("spec") or {}).get("selector") or {}).items()}
    return idx.pods_matching(f.namespace, selector) if selector else []


def selected_pods_rule(pods_of: Callable[[Finding, ClusterIndex], list[Obj]]) -> Callable:
    """A rule for findings about a set of pods: their workload's finding, else a pod's finding."""

    def rule(f: Finding, idx: ClusterIndex, by_key) -> Iterable[str]:
        yield from _owners_then_pods(f, pods_of(f, idx), idx, by_key)

    return rule


def _owners_then_pods(f: Finding, pods: list[Obj], idx: ClusterIndex, by_key) -> Iterable[str]:
    for p in pods:
        owner = idx.workload_of(p)
        if owner and owner[0] in _WORKLOADS:
            key = object_key(owner[0], f.namespace, owner[1])
            if key in by_key:
                yield key
    yield from _pod_keys(pods, by_key)


def _hpa(f: Finding, idx: ClusterIndex, by_key) -> Iterable[str]:
    hpa = idx.get("horizontalpodautoscalers", f.namespace, f.name) or {}
    ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
    if ref.get("kind") and ref.get("name"):
        yield object_key(ref["kind"], f.namespace, ref["name"])


def _job(f: Finding, idx: ClusterIndex, by_key) -> Iterable[str]:
    yield from _pod_keys(idx.pods_of("Job", f.namespace, f.name), by_key)


def _by_evidence(prefix: str) -> Callable:
    """Findings whose evidence names the object they depend on: ``cause: Kind/ns/name``."""

    def rule(f: Finding, idx: ClusterIndex, by_key) -> Iterable[str]:
        for e in f.evidence:
            if e.startswith(prefix):
                yield e[len(prefix) :].strip()

    return rule


_DEPENDS = _by_evidence("depends on: ")


def _chain(*rules: Callable) -> Callable:
    def rule(f, idx, by_key):
        for r in rules:
            yield from r(f, idx, by_key)

    return rule


_RULES: dict[str, Callable] = {
    "Pod": _chain(_DEPENDS, _pod, _services_in_logs),
    **{k: _chain(_DEPENDS, _workload) for k in _WORKLOADS if k != "Job"},
    "Job": _chain(_DEPENDS, _job),
    "Service": _chain(_DEPENDS, selected_pods_rule(_service_pods)),
    "Ingress": _DEPENDS,  # only BackendUnavailable follows from its Service; a wrong class is a cause
    "HorizontalPodAutoscaler": _chain(_DEPENDS, _hpa),
}


def register(kind: str, rule: Callable | None = None) -> None:
    """Let a module add the rule for its kind (default: the ``depends on: Kind/ns/name`` evidence)."""
    _RULES[kind] = _chain(_DEPENDS, rule) if rule else _DEPENDS


__all__ = ["tree_lines", "by_root", "link_causes", "ordered", "register", "roots_first", "summary"]
