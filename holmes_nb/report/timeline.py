"""What happened when: events, container restarts and terminations as one sorted DataFrame, and a plot.

    frame = timeline_frame(open_cluster("demo"))   # or timeline_frame(inv): from the evidence the tools returned
    fig = plot_timeline(frame)                      # a matplotlib Figure (Agg-safe; nothing is shown)
    fig.savefig("timeline.png")

Columns: ``time`` (UTC), ``kind`` (``event`` = Normal event, ``warning`` = Warning event, ``restart``,
``termination``, ``eviction``), ``namespace``, ``object``, ``reason``, ``message``, ``count`` (repeats of
an event) and ``since`` (first occurrence of a repeated event, else empty).

From a Cluster, times are exact. From an Investigation, the tools only returned ages ("4m", "3h"),
so times are the reference time minus the age and are as coarse as the age; the reference is the
demo's or snapshot's capture time, else the investigation's start (pass ``now=`` to choose).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from holmes_nb.errors import HolmesError
from holmes_nb.frames.common import strip_uids
from holmes_nb.k8s import DURATION_PATTERN, dig, name_of, ns_of, parse_duration, parse_time
from holmes_nb.report.evidence_timeline import timeline_row
from holmes_nb.report.timeline_marks import mark_empty, mark_plot
from holmes_nb.sources.kinds import resolve_kind

COLUMNS = ["time", "kind", "namespace", "object", "reason", "message", "count", "since"]
KIND_COLORS = {
    "warning": "#d97706",
    "event": "#8c959f",
    "restart": "#2563eb",
    "termination": "#dc2626",
    "eviction": "#7c3aed",
    "change": "#059669",
    "alert": "#b91c1c",
    "metric": "#0891b2",
}
_MARKERS = {"restart": "^", "termination": "X", "eviction": "s", "change": "D", "alert": "P", "metric": "v"}
_LAST_STATE = re.compile(
    r"terminated\s+(?P<reason>[^,]+)(?:,\s*exit\s+(?P<code>-?\d+))?.*?(?P<age>" + DURATION_PATTERN + r")\s+ago"
)
_EVENT_VALUE = re.compile(
    r"type=(?P<type>\S*)\s+reason=(?P<reason>\S*)\s+count=(?P<count>\d+)\s+message=(?P<message>.*)"
)


def _to_frame(rows: list[dict[str, Any]]):
    import pandas as pd

    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("time", "since"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["count"] = frame["count"].astype("int64")
    frame = frame.sort_values(["time", "namespace", "object", "kind", "reason"], kind="stable", na_position="last")
    return frame.reset_index(drop=True)


# -- from a Cluster ------------------------------------------------------------------------------
def _event_rows(events: Iterable[dict]) -> list[dict]:
    from holmes_nb.frames.pods import event_count, event_object, event_time

    rows = []
    for ev in events:
        when = event_time(ev)
        if when is None:
            continue
        kind, name, namespace = event_object(ev)
        first = parse_time(ev.get("firstTimestamp") or ev.get("eventTime"))
        since = first if first is not None and first < when else None
        rows.append(
            timeline_row(
                when,
                "warning" if ev.get("type") == "Warning" else "event",
                namespace,
                f"{kind.lower()}/{name}" if kind else name,
                ev.get("reason"),
                strip_uids((ev.get("message") or ev.get("note") or "").strip()),
                event_count(ev),
                since,
            )
        )
    return rows


def _pod_rows(pod: dict) -> list[dict]:
    """Last terminations and restarts of every container, and an eviction."""
    ns, obj, rows = ns_of(pod), f"pod/{name_of(pod)}", []
    status = pod.get("status") or {}
    for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        term, n = dig(cs, "lastState", "terminated"), int(cs.get("restartCount") or 0)
        if term and parse_time(term.get("finishedAt")):
            code = term.get("exitCode")
            detail = f"container {cs.get('name')} exit {code}" + (f": {term['message']}" if term.get("message") else "")
            rows.append(
                timeline_row(
                    parse_time(term["finishedAt"]),
                    "termination",
                    ns,
                    obj,
                    term.get("reason") or "Terminated",
                    strip_uids(detail),
                )
            )
        started = parse_time(dig(cs, "state", "running", "startedAt"))
        if n and started:
            rows.append(
                timeline_row(
                    started, "restart", ns, obj, "Restarted", f"container {cs.get('name')} started again ({n} restarts)"
                )
            )
    if status.get("reason") == "Evicted":
        conds = {c.get("type"): c for c in status.get("conditions") or []}
        when = parse_time((conds.get("DisruptionTarget") or conds.get("Ready") or {}).get("lastTransitionTime"))
        if when:
            rows.append(timeline_row(when, "eviction", ns, obj, "Evicted", strip_uids(status.get("message") or "")))
    return rows


def cluster_timeline(cluster: Any, namespace: str | None = None):
    """Timeline of a Cluster: its events plus container terminations, restarts and evictions."""
    rows = _event_rows(cluster.list("events", namespace))
    for pod in cluster.list("pods", namespace):
        rows += _pod_rows(pod)
    from holmes_nb.report.evidence_timeline import cluster_evidence_rows  # changes, alerts, metric crossings

    rows += cluster_evidence_rows(cluster, namespace)
    return _to_frame(rows)


# -- from an Investigation's evidence ----------------------------------------------------------------
def _at(now: datetime, age: Any):
    seconds = parse_duration(age)
    return None if seconds is None else now - timedelta(seconds=seconds)


def _events_frame_rows(frame: Any, now: datetime, args: dict) -> list[dict]:
    rows = []
    for r in frame.to_dict("records"):
        obj = r.get("object") or args.get("object") or ""
        rows.append(
            timeline_row(
                _at(now, r.get("last_seen")),
                "warning" if r.get("type") == "Warning" else "event",
                r.get("namespace") or args.get("namespace"),
                obj,
                r.get("reason"),
                r.get("message"),
                r.get("count") or 1,
            )
        )
    return rows


def _describe_rows(frame: Any, now: datetime, args: dict) -> list[dict]:
    name, kind = str(args.get("name") or ""), str(args.get("kind") or "object").lower()
    try:
        kind = resolve_kind(kind).singular
    except HolmesError:
        pass
    obj = name if "/" in name else f"{kind}/{name}"
    rows = []
    for r in frame.to_dict("records"):
        section, field, value = str(r.get("section") or ""), str(r.get("field") or ""), str(r.get("value") or "")
        if section.startswith("events"):
            m = _EVENT_VALUE.match(value)
            if m:
                rows.append(
                    timeline_row(
                        _at(now, field),
                        "warning" if m["type"] == "Warning" else "event",
                        args.get("namespace"),
                        obj,
                        m["reason"],
                        m["message"],
                        int(m["count"]),
                    )
                )
        elif field == "last state" and (m := _LAST_STATE.search(value)):
            container = section.split(" ", 1)[-1]
            detail = f"container {container}" + (f" exit {m['code']}" if m["code"] else "")
            rows.append(
                timeline_row(_at(now, m["age"]), "termination", args.get("namespace"), obj, m["reason"].strip(), detail)
            )
    return rows


def _pods_frame_rows(frame: Any, args: dict) -> list[dict]:
    """Pods that restarted: the list gives no time, so these rows have none (time is NaT)."""
    rows = []
    for r in frame.to_dict("records"):
        if int(r.get("restarts") or 0) > 0:
            rows.append(
                timeline_row(
                    None,
                    "restart",
                    r.get("namespace"),
                    f"pod/{r.get('name')}",
                    r.get("reason") or "Restarted",
                    f"{r.get('restarts')} restarts (time unknown: see events or describe)",
                )
            )
    return rows


def _reference_time(inv: Any) -> datetime:
    """The instant the tools measured ages from: a demo/snapshot's capture time, else the run's start."""
    name = str(getattr(inv, "cluster", "") or "")
    try:
        if name == "demo":
            from holmes_nb.formats.demo import demo_cluster

            return demo_cluster().now()
        if name.startswith("snapshot:"):
            from holmes_nb.cluster_spec import open_cluster

            return open_cluster(name.split(":", 1)[1]).now()
    except (HolmesError, OSError):
        pass
    return parse_time(getattr(inv, "started_at", None)) or datetime.now().astimezone()


def investigation_timeline(inv: Any, now: datetime | None = None):
    """Timeline from the frames an Investigation's tools returned (events, describe, pod lists)."""
    now = (parse_time(now) if now is not None else None) or _reference_time(inv)
    rows: list[dict] = []
    for call in inv.calls:
        frame, args = call.frame, call.arguments if isinstance(call.arguments, dict) else {}
        if frame is None or not hasattr(frame, "columns"):
            continue
        cols = set(frame.columns)
        if {"last_seen", "reason", "message"} <= cols:
            rows += _events_frame_rows(frame, now, args)
        elif {"section", "field", "value"} <= cols:
            rows += _describe_rows(frame, now, args)
        elif {"name", "restarts", "reason"} <= cols:
            rows += _pods_frame_rows(frame, args)
        else:  # changes, firing alerts, metric panels
            from holmes_nb.report.evidence_timeline import investigation_evidence_rows

            rows += investigation_evidence_rows(frame, args)
    timed = {(r["namespace"], r["object"]) for r in rows if r["time"] is not None}
    rows = [r for r in rows if r["time"] is not None or (r["namespace"], r["object"]) not in timed]
    unique = {tuple(str(v) for v in r.values()): r for r in rows}  # the same event seen by two tools
    return _to_frame(list(unique.values()))


def timeline_frame(source: Any, *, namespace: str | None = None, now: Any = None):
    """A sorted timeline DataFrame from an Investigation, a Cluster, or a cluster spec (``"demo"``).

    ``timeline_frame(open_cluster("demo"))``; ``timeline_frame(inv)``
    """
    if hasattr(source, "calls") and hasattr(source, "question"):
        frame = investigation_timeline(source, now)
        return frame if namespace is None else frame[frame["namespace"] == namespace].reset_index(drop=True)
    from holmes_nb.cluster_spec import open_cluster

    return cluster_timeline(open_cluster(source), namespace)


# -- the picture ---------------------------------------------------------------------------------
def _lanes(timed: Any, max_lanes: int) -> tuple[list[str], int]:
    """The objects to draw, earliest first: those with the most non-Normal rows when there are too many."""
    keys = (timed["namespace"] + "/" + timed["object"]).tolist()
    score: dict[str, tuple[int, int]] = {}
    for key, kind in zip(keys, timed["kind"], strict=False):
        bad, n = score.get(key, (0, 0))
        score[key] = (bad + (kind != "event"), n + 1)
    keep = set(sorted(score, key=lambda k: (-score[k][0], -score[k][1], k))[:max_lanes])
    order = list(dict.fromkeys(k for k in keys if k in keep))
    return order, len(score)


def _window(timed: Any, start: Any) -> tuple[Any, Any]:
    """The rows to draw and the left edge. ``start="auto"``: when the rows span more than a day and
    nine in ten fall in the last day, show that day only (an old restart would squash the incident)."""
    import pandas as pd

    if start is None or not len(timed):
        return timed, None
    if isinstance(start, str) and start == "auto":
        last = timed["time"].max()
        recent = timed["time"] >= last - pd.Timedelta(hours=24)
        if timed["time"].min() >= last - pd.Timedelta(hours=24) or recent.mean() < 0.9:
            return timed, None
        return timed[recent], timed.loc[recent, "time"].min()
    since = pd.Timestamp(start)
    since = since.tz_localize("UTC") if since.tzinfo is None else since
    return timed[timed["time"] >= since], since


def _draw(ax: Any, rows: Any, left: Any) -> None:
    for kind, color in KIND_COLORS.items():
        part = rows[rows["kind"] == kind]
        if not len(part):
            continue
        spans = part[part["since"].notna()]
        for t0, t1, y in zip(spans["since"], spans["time"], spans["y"], strict=False):
            t0 = max(t0, left) if left is not None else t0
            ax.plot([t0.to_pydatetime(), t1.to_pydatetime()], [y, y], color=color, alpha=0.35, linewidth=3)
        sizes = [(18 if kind in ("event", "warning") else 60) + 12 * min(len(str(int(c))), 5) for c in part["count"]]
        ax.scatter(
            [t.to_pydatetime() for t in part["time"]],
            part["y"],
            s=sizes,
            color=color,
            label=kind,
            marker=_MARKERS.get(kind, "o"),
            zorder=3,
            edgecolors="white",
            linewidths=0.5,
        )


def plot_timeline(frame: Any, ax: Any = None, *, max_lanes: int = 25, start: Any = "auto", title: str | None = None):
    """Plot a :func:`timeline_frame` (one lane per object, colour per kind, a line from the first to
    the last of a repeated event) and return the matplotlib Figure. Nothing is shown (Agg-safe).
    ``start``: a time to begin at, None for everything, ``"auto"`` to leave out old outliers.

    ``plot_timeline(timeline_frame(inv)).savefig("timeline.png", dpi=100)``
    """
    import matplotlib.dates as mdates
    import pandas as pd

    all_timed = frame[frame["time"].notna()]
    timed, left = _window(all_timed, start)
    order, total = _lanes(timed, max_lanes) if len(timed) else ([], 0)
    fig = _figure(ax, len(order))
    ax = ax if ax is not None else fig.axes[0]
    if not order:
        mark_empty(ax)
        return fig
    lane = {k: i for i, k in enumerate(order)}
    keys = timed["namespace"] + "/" + timed["object"]
    rows = timed[keys.isin(lane)].assign(y=keys.map(lane))
    _draw(ax, rows, left)
    mark_plot(ax, rows)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([k if len(k) <= 48 else k[:47] + "…" for k in order], fontsize=8)
    ax.set_ylim(len(order) - 0.5, -0.5)
    pad = max((rows["time"].max() - rows["time"].min()) * 0.03, pd.Timedelta(seconds=30))
    ax.set_xlim((rows["time"].min() - pad).to_pydatetime(), (rows["time"].max() + pad).to_pydatetime())
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    notes = [
        f"the {len(order)} busiest of {total} objects" if total > len(order) else "",
        f"{len(all_timed) - len(timed)} earlier rows left out" if len(timed) < len(all_timed) else "",
    ]
    note = "; ".join(n for n in notes if n)
    ax.set_title((title or "Timeline: events, restarts and terminations") + (f" ({note})" if note else ""), fontsize=10)
    return fig


def _figure(ax: Any, lanes: int):
    """The Figure to draw on: ``ax``'s, or a new one sized for ``lanes`` (closed in pyplot so a
    notebook shows it once, when returned)."""
    if ax is not None:
        return ax.figure
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots(figsize=(11, 1.6 + 0.28 * max(lanes, 2)), layout="constrained")
    plt.close(fig)
    return fig
