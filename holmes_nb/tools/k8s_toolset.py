"""How the Kubernetes tools answer: :class:`KubernetesToolset`, one method per tool, each returning
compact text for the model and a DataFrame for people (the tools' names and schemas are declared in
:mod:`holmes_nb.tools.kubernetes`).

    KubernetesToolset(open_cluster("demo")).list_pods(unhealthy_only=True).text
"""

from __future__ import annotations

from typing import Any

from holmes_nb.errors import ConfigError, NotFoundError
from holmes_nb.frames.cluster_frames import CLUSTER_SCOPED, ClusterFrames, frame_method, split_object
from holmes_nb.frames.pods import events_for, events_frame, is_unhealthy, pods_frame, pods_frame_unhealthy_first
from holmes_nb.sources.base import Cluster
from holmes_nb.sources.kinds import resolve_kind
from holmes_nb.sources.lookup import check_namespace, locate
from holmes_nb.tools.base import ToolResult
from holmes_nb.tools.describe_kinds import describe_object
from holmes_nb.tools.k8s_logs import pod_logs
from holmes_nb.tools.k8s_text import cap_text, table_text

_ALL_NAMESPACES = {"", "all", "*", "-a", "--all-namespaces", "all namespaces", "any", "none", "null"}


def _ns(namespace: Any) -> str | None:
    """A namespace argument, with the ways models say "all namespaces" mapped to None."""
    text = str(namespace).strip() if namespace is not None else ""
    return None if text.lower() in _ALL_NAMESPACES else text


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "y", "on")
    return bool(value)


def _int(value: Any, default: int, low: int, high: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return default
    return max(low, min(high, n))


def _where(namespace: str | None) -> str:
    return f"namespace {namespace!r}" if namespace else "all namespaces"


class KubernetesToolset:
    """The tool functions over one cluster. Text sizes are bounded by ``max_rows`` table rows and
    ``max_chars`` characters per result (cuts are announced in the text and in ``meta``)."""

    def __init__(self, cluster: Cluster, *, max_rows: int = 40, max_chars: int = 4000):
        self.cluster = cluster
        self.frames = ClusterFrames(cluster)
        self.max_rows = max_rows
        self.max_chars = max_chars

    # -- helpers ----------------------------------------------------------------------------
    def _table(self, header: str, frame: Any, *, namespace: str | None, hint: str = "", drop=()) -> ToolResult:
        drop = tuple(drop) + (("namespace",) if namespace else ())
        budget = self.max_chars - len(header) - 1
        body, meta = table_text(frame, max_rows=self.max_rows, max_chars=budget, drop=drop, more_hint=hint)
        text, cut = cap_text(f"{header}\n{body}", self.max_chars)
        meta["truncated_chars"] = cut
        return ToolResult(text=text, frame=frame, meta=meta)

    def _namespace(self, namespace: Any) -> tuple[str | None, str]:
        """The namespace to use and a note for the model. Small models invent namespaces (a pod's
        name, "pod1"): a near miss is corrected, anything else widens to all namespaces, so the call
        still returns evidence instead of an error the model cannot act on."""
        ns = _ns(namespace)
        try:
            check_namespace(self.cluster, ns)
        except NotFoundError as e:
            if len(e.suggestions) == 1:
                return e.suggestions[0], f"note: namespace {ns!r} not found; using {e.suggestions[0]!r}\n"
            return None, f"note: namespace {ns!r} not found ({e.hint}); showing all namespaces\n"
        return ns, ""

    @staticmethod
    def _noted(result: ToolResult, note: str) -> ToolResult:
        if note:
            result.text = note + result.text
            result.meta["namespace_note"] = note.strip()
        return result

    def _empty_check(self, frame: Any, namespace: str | None) -> None:
        if namespace and not len(frame):
            check_namespace(self.cluster, namespace)

    # -- the default tools ------------------------------------------------------------------
    def find_problems(self, namespace: str | None = None) -> ToolResult:
        """The analyzers' findings, most urgent first, with a little evidence each."""
        ns, note = self._namespace(namespace)
        return self._noted(self._find_problems(ns), note)

    def _find_problems(self, ns: str | None) -> ToolResult:
        from holmes_nb.analyzers import findings_frame, scan
        from holmes_nb.analyzers.causes import roots_first
        from holmes_nb.analyzers.causes import summary as cause_summary

        findings = roots_first(scan(self.cluster, namespace=ns))
        frame = findings_frame(findings)
        if not findings:
            text = f"no problems found in {_where(ns)} by the analyzers; check list_pods and events"
            return ToolResult(text=text, frame=frame, meta={"rows": 0, "truncated": 0})
        counts = frame["severity"].value_counts()
        causes = cause_summary(findings)
        summary = ", ".join(f"{counts[s]} {s}" for s in ("critical", "warning", "info") if s in counts)
        header = (
            f"{len(findings)} problems in {_where(ns)} ({summary}), most urgent first: the "
            f"{causes.split(',')[0]} first, then the problems that follow from them:"
        )
        shown = findings[: self.max_rows]
        cut_rows = len(findings) - len(shown)
        footer = f"[{cut_rows} more problems not shown; pass namespace]" if cut_rows else ""
        body = _findings_text(shown, self.max_chars - len(header) - len(footer) - 2)
        text, cut = cap_text("\n".join(filter(None, [header, body, footer])), self.max_chars)
        return ToolResult(
            text=text, frame=frame, meta={"rows": len(findings), "truncated": cut_rows, "truncated_chars": cut}
        )

    def list_pods(self, namespace: str | None = None, unhealthy_only: bool = False) -> ToolResult:
        ns, note = self._namespace(namespace)
        return self._noted(self._list_pods(ns, _bool(unhealthy_only)), note)

    def _list_pods(self, ns: str | None, only_bad: bool) -> ToolResult:
        pods = self.cluster.list("pods", ns)
        bad = [p for p in pods if is_unhealthy(p)]
        shown = bad if only_bad else pods
        now = self.cluster.now()
        # unhealthy first when the list will be cut, so the cut keeps them
        frame = pods_frame_unhealthy_first(shown, now) if len(shown) > self.max_rows else pods_frame(shown, now)
        self._empty_check(frame, ns)
        if only_bad:
            header = (
                f"unhealthy pods in {_where(ns)}: {len(bad)}"
                if bad
                else f"no unhealthy pods in {_where(ns)} ({len(pods)} pods in total)"
            )
        else:
            header = f"pods in {_where(ns)}: {len(pods)} ({len(bad)} unhealthy)"
        return self._table(header, frame, namespace=ns, hint="pass namespace or unhealthy_only=true")

    def describe(self, kind: str, name: str, namespace: str | None = None) -> ToolResult:
        k = resolve_kind(kind)
        name = str(name or "").strip()
        if "/" in name:  # "pod/web-1" or "shop/web-1"
            head, tail = name.split("/", 1)
            try:
                k = resolve_kind(head)
            except ConfigError:
                namespace = namespace or head
            name = tail
        ns, note = self._namespace(namespace)
        if note and ns is None:
            note = note.replace("showing all namespaces", "searching all namespaces")
        obj = locate(self.cluster, k, name, ns, prefix=k.name == "pods")
        doc = describe_object(self.cluster, k, obj)
        text = doc.text()
        found = obj.get("metadata", {}).get("name")
        if found != name:
            text = f"note: {k.singular} {name!r} not found; showing {found!r}\n{text}"
        text, cut = cap_text(note + text, self.max_chars)
        frame = doc.frame()
        return ToolResult(text=text, frame=frame, meta={"rows": len(frame), "truncated": 0, "truncated_chars": cut})

    def pod_logs(
        self,
        name: str,
        namespace: str | None = None,
        container: str | None = None,
        previous: bool = False,
        tail: int = 50,
        grep: str | None = None,
    ) -> ToolResult:
        ns, note = self._namespace(namespace)
        result = pod_logs(
            self.cluster,
            str(name or ""),
            ns,
            (str(container).strip() or None) if container else None,
            _bool(previous),
            _int(tail, 50, 1, 1000),
            str(grep) if grep else None,
            max_chars=self.max_chars,
        )
        return self._noted(result, note.replace("showing all namespaces", "searching all namespaces"))

    def events(self, namespace: str | None = None, object: str | None = None) -> ToolResult:  # noqa: A002
        ns, note = self._namespace(namespace)
        return self._noted(self._events(ns, object), note)

    def _events(self, ns: str | None, object: str | None) -> ToolResult:  # noqa: A002
        events = self.cluster.list("events", ns)
        about = ""
        drop: tuple[str, ...] = ()
        if object:
            kind, name = split_object(str(object))
            mine = events_for(events, kind, name, ns)
            if mine:
                about, drop = f" for {object}", ("object",)
            else:  # a Deployment's name: its ReplicaSets' and pods' events
                mine = [e for e in events if (e.get("involvedObject") or {}).get("name", "").startswith(name + "-")]
                about = f" for objects named {name}-* (none for {object!r} itself)"
            events = mine
        frame = events_frame(events, self.cluster.now())
        if not len(frame):
            self._empty_check(frame, ns)
            what = f" for {object!r}" if object else ""
            text = f"no events{what} in {_where(ns)} (the API server keeps events for about one hour)"
            return ToolResult(text=text, frame=frame, meta={"rows": 0, "truncated": 0})
        frame = frame[["namespace", "last_seen", "type", "reason", "object", "count", "message"]]
        header = f"events{about} in {_where(ns)}, newest first, repeats folded into count:"
        return self._table(header, frame, namespace=ns, drop=drop, hint="pass object or namespace")

    def list_resources(self, kind: str, namespace: str | None = None) -> ToolResult:
        key = str(kind or "").strip().lower()
        if key in ("pods", "pod", "po"):
            return self.list_pods(namespace)
        if key in ("events", "event", "ev"):
            return self.events(namespace)
        ns, note = self._namespace(namespace)
        return self._noted(self._list_resources(key, ns), note)

    def _list_resources(self, key: str, ns: str | None) -> ToolResult:
        method, kinds = frame_method(key)
        frame = self.frames.frame(key, ns)
        scoped = method in CLUSTER_SCOPED
        self._empty_check(frame, None if scoped else ns)
        where = "" if scoped else f" in {_where(ns)}"
        label = "workloads" if method == "workloads" and key in ("workloads", "workload") else (kinds or (method,))[0]
        return self._table(
            f"{label}{where}: {len(frame)}", frame, namespace=None if scoped else ns, hint="pass namespace"
        )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


#: which findings get detail first when not all fit: root causes (pods, volumes, nodes) before the
#: workloads and services that fail because of them
_DETAIL_FIRST = {
    "Pod": 0,
    "PersistentVolumeClaim": 1,
    "Node": 1,
    "Job": 1,
    "Ingress": 2,
    "HorizontalPodAutoscaler": 2,
    "ResourceQuota": 2,
    "CronJob": 3,
    "Service": 4,
}


def _findings_text(findings: list, budget: int) -> str:
    """One line per finding, then as much detail as ``budget`` characters allow, root causes first:
    a short message, then the full message with one and then two pieces of evidence."""

    def render(f: Any, level: int) -> str:
        line = f"- {f.severity} {f.ref}: {f.reason}"
        if level >= 1:
            line += ": " + _short(f.message, 160 if level == 1 else 1000)
            line += f"\n  follows from: {f.caused_by}" if f.caused_by else ""
        return "\n".join([line] + [f"  evidence: {_short(ev, 200)}" for ev in f.evidence[: max(0, level - 1)]])

    lines = [render(f, 0) for f in findings]
    spare = budget - sum(len(ln) + 1 for ln in lines)
    order = sorted(range(len(findings)), key=lambda i: (_DETAIL_FIRST.get(findings[i].kind, 5), i))
    for level in (1, 2, 3):
        for i in order:
            better = render(findings[i], level)
            if len(better) - len(lines[i]) <= spare:
                spare -= len(better) - len(lines[i])
                lines[i] = better
    return "\n".join(lines)
