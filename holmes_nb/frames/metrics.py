"""Metric series for the model (a compact summary per series) and for people (a tidy DataFrame).

The model never sees raw points: per series it gets its distinguishing labels, min/max/last with
their times, the trend, and when a threshold (e.g. the memory limit) was first reached; only the
series that matter most are listed (threshold crossers, then the highest peaks), and the text
says how many were left out or cut.

    text = summary_text(result, threshold=256 * 2**20, threshold_name="limit")
    df = metrics_frame(result)      # timestamp, value, metric, <label columns>
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from holmes_nb.sources.prometheus import RangeResult, Series

#: labels that identify nothing a person needs (cAdvisor ids, images, scrape plumbing)
NOISE_LABELS = {"id", "image", "name", "uid", "endpoint", "metrics_path", "prometheus", "prometheus_replica"}


@dataclass
class SeriesStats:
    labels: str
    first: float
    last: float
    last_t: float
    low: float
    low_t: float
    peak: float
    peak_t: float
    trend: str
    reached_t: float | None = None  # first time at/above the threshold
    above: int = 0  # points at/above the threshold
    points: int = 0


def series_stats(s: Series, labels: str, threshold: float | None = None) -> SeriesStats | None:
    pts = [(t, v) for t, v in s.points if not math.isnan(v)]
    if not pts:
        return None
    low_t, low = min(pts, key=lambda p: p[1])
    peak_t, peak = max(pts, key=lambda p: p[1])
    st = SeriesStats(labels, pts[0][1], pts[-1][1], pts[-1][0], low, low_t, peak, peak_t, _trend(pts), points=len(pts))
    if threshold is not None:
        hits = [t for t, v in pts if v >= threshold]
        st.above, st.reached_t = len(hits), (hits[0] if hits else None)
    return st


def _trend(pts: list[tuple[float, float]]) -> str:
    """``rising``/``falling``/``flat`` from the mean of the first and last thirds of the range."""
    n = max(1, len(pts) // 3)
    a = sum(v for _, v in pts[:n]) / n
    b = sum(v for _, v in pts[-n:]) / n
    scale = max(abs(a), abs(b), 1e-12)
    change = (b - a) / scale
    return "rising" if change > 0.1 else ("falling" if change < -0.1 else "flat")


def _common_labels(series: list[Series]) -> dict[str, str]:
    if not series:
        return {}
    first = {k: v for k, v in series[0].labels.items() if k != "__name__"}
    return {k: v for k, v in first.items() if all(s.labels.get(k) == v for s in series[1:])}


def _label_text(s: Series, common: dict[str, str]) -> str:
    noise = NOISE_LABELS | ({"instance"} if "pod" in s.labels or "node" in s.labels else set())  # scrape address
    parts = [f"{k}={v}" for k, v in sorted(s.labels.items()) if k not in common and k not in noise]
    if not parts and s.name and "__name__" not in common:
        parts = [s.name]
    return " ".join(p for p in parts if not p.startswith("__name__=")) or "(one series)"


def value_text(v: float, unit: str) -> str:
    if math.isnan(v):
        return "NaN"
    if unit == "bytes":
        for suffix, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
            if abs(v) >= size:
                return f"{v / size:.3g}{suffix}"
        return f"{v:.0f}B"
    if unit == "ratio":
        return f"{v * 100:.3g}%"
    for suffix, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(v) >= size:
            return f"{v / size:.3g}{suffix}"
    return f"{v:.3g}"


def guess_unit(result: RangeResult) -> str:
    q = result.query.lower()
    if "bytes" in q:
        return "bytes"
    values = [v for s in result.series for _, v in s.points if not math.isnan(v)]
    if "/" in q and values and all(0 <= v <= 1 for v in values):
        return "ratio"
    return ""


def _clock(t: float, long: bool) -> str:
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%m-%d %H:%M" if long else "%H:%M")


def summary_text(
    result: RangeResult,
    *,
    threshold: float | None = None,
    threshold_name: str = "threshold",
    max_series: int = 5,
    unit: str | None = None,
) -> str:
    """The model's view of a range result: a header, one line per important series, what was left out."""
    unit = guess_unit(result) if unit is None else unit
    long = (result.end - result.start).total_seconds() > 86400
    span = f"{result.start:%Y-%m-%d %H:%M} to {result.end:%H:%M} UTC" + ("" if not long else f" ({result.end:%m-%d})")
    head = f"{result.query} | {span}, step {result.step:g}s, {result.total_series} series"
    if result.source == "snapshot":
        head += " (frozen in the snapshot)"
    if not result.series:
        return head + "\nno data for this query in this range (check the metric name and labels with metric_names)"
    common = _common_labels(result.series)
    stats = [st for s in result.series if (st := series_stats(s, _label_text(s, common), threshold)) is not None]
    stats.sort(key=lambda st: (st.reached_t is None, -st.peak))
    shown = stats[:max_series]
    lines = [head]
    if common:
        lines.append("labels of every series: " + " ".join(f"{k}={v}" for k, v in sorted(common.items())))
    if threshold is not None:
        crossers = sum(1 for st in stats if st.reached_t is not None)
        lines.append(f"{threshold_name} {value_text(threshold, unit)}: reached by {crossers} of {len(stats)} series")
    for st in shown:
        lines.append(_series_line(st, unit, long, threshold_name))
    rest = stats[max_series:]
    if rest:
        lo, hi = min(st.peak for st in rest), max(st.peak for st in rest)
        lines.append(
            f"[{len(rest)} more series not shown: peaks {value_text(lo, unit)}..{value_text(hi, unit)}; "
            "narrow the query or aggregate with sum by (...)]"
        )
    if result.cut:
        lines.append(f"[result cut: {result.total_series} series returned, the first {len(result.series)} were read]")
    return "\n".join(lines)


def _series_line(st: SeriesStats, unit: str, long: bool, threshold_name: str) -> str:
    v = lambda x: value_text(x, unit)  # noqa: E731
    line = (
        f"- {st.labels}: last {v(st.last)} @{_clock(st.last_t, long)}, min {v(st.low)} @{_clock(st.low_t, long)}, "
        f"peak {v(st.peak)} @{_clock(st.peak_t, long)}, {st.trend}"
    )
    if st.reached_t is not None:
        line += f"; reached {threshold_name} @{_clock(st.reached_t, long)} ({st.above}/{st.points} points)"
    return line


def metrics_frame(result: RangeResult) -> Any:
    """Tidy: one row per point; ``timestamp`` (UTC), ``value``, ``metric``, then one column per label."""
    import pandas as pd

    label_keys = sorted({k for s in result.series for k in s.labels if k != "__name__"})
    rows = []
    for s in result.series:
        base = {k: s.labels.get(k) for k in label_keys}
        rows += [{"timestamp": t, "value": v, "metric": s.name, **base} for t, v in s.points]
    df = pd.DataFrame(rows, columns=["timestamp", "value", "metric", *label_keys])
    df["timestamp"] = pd.to_datetime(df["timestamp"], unit="s", utc=True)
    df["value"] = df["value"].astype(float)
    return df
