"""What changed: rollout revisions with pod template diffs, Helm releases, recent object updates.

Three sources, all read-only and all available on live clusters, captures and dumps:

- Deployments: their ReplicaSets (``deployment.kubernetes.io/revision``); StatefulSets and
  DaemonSets: their ControllerRevisions where the source has them (dumps do not). Consecutive
  revisions are compared with :func:`holmes_nb.frames.template_diff.template_diff`.
- Helm releases: the release Secrets' (or ConfigMaps') metadata LABELS only (name, version,
  status, modifiedAt); the release data is never read.
- Other objects (ConfigMaps, Services, ...): ``metadata.managedFields`` times and managers.

    rows = change_records(cluster, "shop")        # newest first, list of dicts
    df = changes_frame(rows, cluster.now())
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from holmes_nb.errors import ClusterError
from holmes_nb.frames.pods import is_unhealthy, pod_reason
from holmes_nb.frames.template_diff import template_diff
from holmes_nb.k8s import Obj, age, dig, meta, name_of, ns_of, parse_time
from holmes_nb.sources.base import Cluster

CHANGE_COLUMNS = ["time", "age", "namespace", "kind", "name", "change", "revision", "detail", "by"]
REVISION_KINDS = ("deployments", "statefulsets", "daemonsets")
#: kinds whose managedFields are read for "updated by" rows
UPDATE_KINDS = ("configmaps", "secrets", "services", "ingresses", "horizontalpodautoscalers", "networkpolicies")
_REV_ANNOTATION = "deployment.kubernetes.io/revision"


@dataclass
class Revision:
    """One revision of a workload's pod template, with how its pods are doing now."""

    kind: str  # Deployment, StatefulSet, DaemonSet
    namespace: str
    name: str  # the workload
    number: int
    created: datetime | None
    source: str  # "ReplicaSet frontend-7d9f", "ControllerRevision db-5c8b"
    template: Obj
    pods: int = 0
    ready: int = 0
    failing: int = 0
    reasons: list[str] = field(default_factory=list)

    def pods_text(self) -> str:
        if not self.pods:
            return "no pods"
        why = f" ({', '.join(sorted(set(self.reasons))[:2])})" if self.reasons else ""
        return f"{self.ready}/{self.pods} pods ready{why}"


def _list(cluster: Cluster, kind: str, namespace: str | None) -> list[Obj]:
    """The objects, or [] when the source does not have or refuses the kind."""
    if kind not in cluster.kinds_available():
        return []
    try:
        return cluster.list(kind, namespace)
    except ClusterError:
        return []


def _owned_by(obj: Obj, owner: Obj) -> bool:
    uid = meta(owner).get("uid")
    for ref in meta(obj).get("ownerReferences") or []:
        if (uid and ref.get("uid") == uid) or (
            ref.get("kind") == owner.get("kind") and ref.get("name") == name_of(owner)
        ):
            return True
    return False


def _count_pods(rev: Revision, pods: list[Obj]) -> None:
    rev.pods = len(pods)
    for p in pods:
        if is_unhealthy(p):
            rev.failing += 1
            reason = pod_reason(p)
            if reason:
                rev.reasons.append(reason)
        elif dig(p, "status", "phase") == "Running":
            rev.ready += 1


def workload_revisions(cluster: Cluster, obj: Obj, pods: list[Obj] | None = None, *, least: int = 1) -> list[Revision]:
    """The revisions of a Deployment/StatefulSet/DaemonSet, oldest first (``[]`` when unknown, or
    when there are fewer than ``least``: then the pods are not even listed)."""
    ns, kind = ns_of(obj), obj.get("kind", "")
    found: list[tuple[Revision, Any]] = []  # (revision, does this pod belong to it)
    if kind == "Deployment":
        for rs in _list(cluster, "replicasets", ns):
            if _owned_by(rs, obj):
                number = int((meta(rs).get("annotations") or {}).get(_REV_ANNOTATION) or 0)
                rev = Revision(
                    kind,
                    ns,
                    name_of(obj),
                    number,
                    parse_time(meta(rs).get("creationTimestamp")),
                    f"ReplicaSet {name_of(rs)}",
                    dig(rs, "spec", "template", default={}) or {},
                )
                found.append((rev, lambda p, rs=rs: _owned_by(p, rs)))
    elif kind in ("StatefulSet", "DaemonSet"):
        for cr in _list(cluster, "controllerrevisions", ns):
            if _owned_by(cr, obj):
                rev = Revision(
                    kind,
                    ns,
                    name_of(obj),
                    int(cr.get("revision") or 0),
                    parse_time(meta(cr).get("creationTimestamp")),
                    f"ControllerRevision {name_of(cr)}",
                    dig(cr, "data", "spec", "template", default={}) or {},
                )
                found.append((rev, lambda p, crn=name_of(cr): _owned_by(p, obj) and _hash_matches(p, crn)))
    if len(found) < least:
        return []
    pods = _list(cluster, "pods", ns) if pods is None else pods
    for rev, mine in found:
        _count_pods(rev, [p for p in pods if mine(p)])
    return sorted((rev for rev, _ in found), key=lambda r: r.number)


def _hash_matches(pod: Obj, cr_name: str) -> bool:
    h = (meta(pod).get("labels") or {}).get("controller-revision-hash") or ""
    return bool(h) and (h == cr_name or cr_name.endswith("-" + h))


def rollout_rows(cluster: Cluster, namespace: str | None, name: str | None = None) -> list[Obj]:
    """One row per revision of every Deployment/StatefulSet/DaemonSet (``name``: only that one)."""
    rows = []
    pods_by_ns: dict[str, list[Obj]] = {}
    for plural in REVISION_KINDS:
        for obj in _list(cluster, plural, namespace):
            if name and name_of(obj) != name:
                continue
            ns = ns_of(obj)
            if ns not in pods_by_ns:
                pods_by_ns[ns] = _list(cluster, "pods", ns)
            revs = workload_revisions(cluster, obj, pods_by_ns[ns])
            for prev, rev in zip([None, *revs], revs, strict=False):
                diff = template_diff(prev.template, rev.template) if prev else []
                what = "; ".join(diff) if diff else ("" if prev is None else "no pod template change")
                rows.append(
                    {
                        "time": rev.created,
                        "namespace": ns,
                        "kind": rev.kind,
                        "name": rev.name,
                        "change": "rollout" if prev else "created",
                        "revision": rev.number,
                        "detail": f"{what}; now {rev.pods_text()}" if what else f"now {rev.pods_text()}",
                        "by": rev.source,
                    }
                )
    return rows


def helm_rows(cluster: Cluster, namespace: str | None, name: str | None = None) -> list[Obj]:
    """Helm releases from their storage objects' labels (``owner=helm``); never the release data."""
    rows = []
    for plural in ("secrets", "configmaps"):
        for obj in _list(cluster, plural, namespace):
            labels = meta(obj).get("labels") or {}
            if labels.get("owner") != "helm" or (name and labels.get("name") != name):
                continue
            modified = labels.get("modifiedAt")
            when = _epoch(modified) if modified else parse_time(meta(obj).get("creationTimestamp"))
            rows.append(
                {
                    "time": when,
                    "namespace": ns_of(obj),
                    "kind": "HelmRelease",
                    "name": labels.get("name") or name_of(obj),
                    "change": f"helm {labels.get('status') or 'unknown'}",
                    "revision": int(labels.get("version") or 0) or None,
                    "detail": f"release revision {labels.get('version')} {labels.get('status')}",
                    "by": "helm",
                }
            )
    return rows


def _epoch(text: str) -> datetime | None:
    from datetime import timezone

    try:
        return datetime.fromtimestamp(int(text), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return None


def update_rows(cluster: Cluster, namespace: str | None, name: str | None = None) -> list[Obj]:
    """The latest write per manager to ConfigMaps, Secrets (metadata), Services, ... from managedFields."""
    rows = []
    for plural in UPDATE_KINDS:
        for obj in _list(cluster, plural, namespace):
            if name and name_of(obj) != name:
                continue
            latest: dict[str, Any] = {}
            for entry in meta(obj).get("managedFields") or []:
                when = parse_time(entry.get("time"))
                if when is None or entry.get("subresource") == "status":
                    continue
                manager = entry.get("manager") or "?"
                if manager not in latest or when > latest[manager][0]:
                    latest[manager] = (when, entry.get("operation") or "Update")
            for manager, (when, op) in latest.items():
                created = parse_time(meta(obj).get("creationTimestamp"))
                verb = "created" if created and abs((when - created).total_seconds()) < 2 else "updated"
                rows.append(
                    {
                        "time": when,
                        "namespace": ns_of(obj),
                        "kind": obj.get("kind") or plural,
                        "name": name_of(obj),
                        "change": verb,
                        "revision": None,
                        "detail": f"{op} by {manager}",
                        "by": manager,
                    }
                )
    return rows


def change_records(
    cluster: Cluster, namespace: str | None = None, name: str | None = None, since: datetime | None = None
) -> list[Obj]:
    """Every change row (rollouts, Helm, updates), newest first; ``since`` drops older ones."""
    rows = rollout_rows(cluster, namespace, name) + helm_rows(cluster, namespace, name)
    rows += update_rows(cluster, namespace, name)
    if since is not None:
        rows = [r for r in rows if r["time"] is not None and r["time"] >= since]
    rows.sort(key=lambda r: (r["time"] is not None, r["time"] or datetime.min), reverse=True)
    return rows


def changes_frame(rows: list[Obj], now: datetime) -> Any:
    """The tidy DataFrame of change rows (``time`` a UTC timestamp, ``age`` relative to ``now``)."""
    import pandas as pd

    from holmes_nb.frames.common import make_frame

    out = [{**r, "age": age(r["time"], now) if r["time"] else None} for r in rows]
    df = make_frame(out, CHANGE_COLUMNS, ints=("revision",))
    df["time"] = pd.to_datetime(df["time"], utc=True)
    return df


def previous_revision_note(cluster: Cluster, obj: Obj) -> str | None:
    """For ``describe``: when the newest revision's pods fail and the previous revision's pods run,
    one line with what differs (``revision 1 -> 2: frontend image a:1 -> a:2; old pods 3/3 ready``)."""
    revs = workload_revisions(cluster, obj, least=2)
    if len(revs) < 2:
        return None
    new, old = revs[-1], revs[-2]
    if not (new.failing and not new.ready and old.ready):
        return None
    diff = template_diff(old.template, new.template) or ["no pod template difference"]
    return (
        f"revision {old.number} -> {new.number}: {'; '.join(diff)}; "
        f"new revision {new.pods_text()}, previous {old.pods_text()}"
    )
