"""What a timeline plot marks besides its points: the incident window, deploys and rollouts, a
caption that explains the lanes and the legend, and the words shown instead of an empty axis.

    window = incident_window(frame)       # (first, last) problem row, or None
    mark_plot(ax, rows)                   # shading, dashed deploy lines, caption
"""

from __future__ import annotations

from typing import Any

#: row kinds that are part of the incident (not routine Normal events or changes)
PROBLEM_KINDS = ("warning", "restart", "termination", "eviction", "alert")
#: Normal events that are a rollout step
ROLLOUT_REASONS = ("ScalingReplicaSet",)
#: the share of the earliest problem rows left before the incident window starts
WINDOW_SKIP = 0.1
EMPTY_TEXT = "no timed events in this investigation"
CAPTION = (
    "One lane per object (namespace/object), earliest first; colour and marker = kind (legend); "
    "a faint line joins the first and last of a repeated event; shaded = incident window "
    "(the last 90% of problems); dashed = deploy / rollout."
)


def incident_window(rows: Any) -> tuple[Any, Any] | None:
    """Where the problems cluster: from the time by which one in ten problem rows (warning, restart,
    termination, eviction, alert) had happened to the last one, so one old outlier does not stretch it."""
    times = rows.loc[rows["kind"].isin(PROBLEM_KINDS) & rows["time"].notna(), "time"].sort_values()
    if not len(times):
        return None
    return times.iloc[int(len(times) * WINDOW_SKIP)], times.iloc[-1]


def rollout_times(rows: Any) -> list[Any]:
    """Times of deploys and rollouts: change rows and ScalingReplicaSet events, each once."""
    mask = (rows["kind"] == "change") | (rows["reason"].isin(ROLLOUT_REASONS))
    return sorted(set(rows.loc[mask & rows["time"].notna(), "time"]))


def mark_plot(ax: Any, rows: Any) -> None:
    """Shade the incident window, draw a dashed line at each deploy/rollout, caption the x axis."""
    window = incident_window(rows)
    if window is not None:
        start, end = window
        if end > start:
            ax.axvspan(start.to_pydatetime(), end.to_pydatetime(), color="#dc2626", alpha=0.07, label="incident window")
    for i, t in enumerate(rollout_times(rows)):
        ax.axvline(
            t.to_pydatetime(),
            color="#059669",
            linestyle="--",
            linewidth=1,
            label="deploy / rollout" if i == 0 else None,
        )
    import textwrap

    ax.set_xlabel("time (UTC)\n" + textwrap.fill(CAPTION, 140), fontsize=8, color="#57606a")


def mark_empty(ax: Any) -> None:
    """Words instead of an empty axis."""
    ax.text(0.5, 0.5, EMPTY_TEXT, ha="center", va="center", transform=ax.transAxes, fontsize=11, color="#57606a")
    ax.set_axis_off()
