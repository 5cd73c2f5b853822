"""A metric DataFrame (holmes_nb.frames.metrics.metrics_frame) as a matplotlib line plot.

    fig = plot_metrics(holmes_nb.metrics('container_memory_working_set_bytes{namespace="shop"}', cluster="demo"))
    fig.savefig("memory.png")

One line per series (labels that differ between series name it), at most ``max_series`` (the
highest peaks), an optional horizontal threshold (a memory limit). Nothing is shown (Agg-safe).
"""

from __future__ import annotations

from typing import Any

_POINT_COLUMNS = ("timestamp", "value", "metric")


def series_keys(frame: Any) -> list[str]:
    """The label columns that tell the series apart (constant columns dropped)."""
    labels = [c for c in frame.columns if c not in _POINT_COLUMNS]
    return [c for c in labels if frame[c].nunique(dropna=True) > 1] or labels[:1]


def plot_metrics(
    frame: Any, ax: Any = None, *, title: str | None = None, threshold: float | None = None, max_series: int = 8
):
    """Plot the series of a tidy metric frame and return the Figure."""
    import matplotlib.dates as mdates

    from holmes_nb.report.timeline import _figure

    fig = _figure(ax, 8)
    ax = ax if ax is not None else fig.axes[0]
    title = title or frame.attrs.get("query") or "metrics"
    if frame is None or not len(frame):
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(title[:100], fontsize=10)
        return fig
    keys = series_keys(frame)
    groups = list(frame.groupby(keys, dropna=False)) if keys else [("", frame)]
    groups.sort(key=lambda g: -g[1]["value"].max())
    for key, g in groups[:max_series]:
        label = " ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
        g = g.sort_values("timestamp")
        ax.plot(g["timestamp"].dt.tz_convert(None), g["value"], label=label[:60], linewidth=1.4)
    if threshold is not None:
        ax.axhline(threshold, color="red", linestyle="--", linewidth=1, label="limit")
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("time (UTC)")
    ax.grid(alpha=0.3)
    more = f" ({len(groups) - max_series} more series not drawn)" if len(groups) > max_series else ""
    ax.set_title(title[:100] + more, fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    return fig


def is_metric_frame(frame: Any) -> bool:
    return hasattr(frame, "columns") and {"timestamp", "value", "metric"} <= set(frame.columns)


def plot_html(frame: Any, *, width: int = 720) -> str:
    """The plot as an inline PNG ``<img>`` (for the live view and the Investigation's HTML); ``""``
    when matplotlib is not installed or the frame is empty."""
    if frame is None or not len(frame):
        return ""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return ""
    import base64
    import io

    fig = plot_metrics(frame, threshold=frame.attrs.get("threshold"))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img class="hnb-plot" alt="metric plot" style="max-width:{width}px" src="data:image/png;base64,{data}">'
