"""Metric series and alerts frozen in a snapshot, answering a small, stated subset of queries.

There is no PromQL engine here. A frozen snapshot answers:

- plain selectors: ``name``, ``name{label="v", label!="v", label=~"re", label!~"re"}``,
  ``{__name__=~"re", ...}``, cut to the asked time range (the captured window at most);
- the ready-made panels (memory vs limit, restarts: stored raw; CPU throttling and error rate:
  stored precomputed as ``holmes_nb_cpu_throttled_ratio`` and ``holmes_nb_http_error_ratio``);
- metric names (optionally for a selector) and the alerts captured with the snapshot.

Anything else (``rate()``, ``sum by``, arithmetic) is refused with a message that says so; serve
the snapshot through a real Prometheus (``holmes-nb snapshot serve --prometheus``) for full PromQL.

    frozen = FrozenMetrics.from_doc(doc["metrics"])
    frozen.query_range('container_memory_working_set_bytes{namespace="shop"}', start, end)
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from holmes_nb.sources.matchers import alert_matches, is_firing, matches, parse_matchers
from holmes_nb.sources.prometheus import PrometheusError, RangeResult, Series

#: names of the precomputed panel series a capture stores (and the demo holds)
FROZEN_PANELS = {
    "memory": 'container_memory_working_set_bytes{{namespace="{ns}",pod=~"{name}.*",container!="",container!="POD"}}',
    "cpu_throttling": 'holmes_nb_cpu_throttled_ratio{{namespace="{ns}",pod=~"{name}.*"}}',
    "restarts": 'kube_pod_container_status_restarts_total{{namespace="{ns}",pod=~"{name}.*"}}',
    "error_rate": 'holmes_nb_http_error_ratio{{namespace="{ns}",service="{name}"}}',
}
_SELECTOR = re.compile(r"^\s*([A-Za-z_:][A-Za-z0-9_:]*)?\s*(?:\{(.*)\})?\s*$", re.S)
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')
UNSUPPORTED = (
    'a frozen snapshot answers plain selectors only (name{{label="value"}}), the panels and metric names; '
    "{query!r} needs a PromQL engine"
)


def parse_selector(query: str) -> list[tuple[str, str, str]]:
    """``name{a="x",b=~"y.*"}`` -> ``[("__name__", "=", "name"), ("a", "=", "x"), ("b", "=~", "y.*")]``."""
    m = _SELECTOR.match(query or "")
    if not m or not (m.group(1) or m.group(2)):
        raise PrometheusError(UNSUPPORTED.format(query=query), hint="set PROMETHEUS_URL, or use metric_panel")
    matchers = [("__name__", "=", m.group(1))] if m.group(1) else []
    body, pos = (m.group(2) or "").strip(), 0
    while pos < len(body):
        mm = _MATCHER.match(body, pos)
        if not mm:
            raise PrometheusError(UNSUPPORTED.format(query=query), hint="set PROMETHEUS_URL, or use metric_panel")
        matchers.append((mm.group(1), mm.group(2), bytes(mm.group(3), "utf-8").decode("unicode_escape")))
        pos = mm.end()
    return matchers


class FrozenMetrics:
    """The metrics backend of a snapshot: same calls as PrometheusClient, over stored series."""

    frozen = True
    url = "snapshot"

    def __init__(self, series: list[Series], alerts: list[dict] | None = None, *, window: tuple | None = None):
        self.series = series
        self.frozen_alerts = list(alerts or [])
        self.window = window  # (start, end) datetimes of the capture, for the header

    # -- storage form: {"start": unix, "step": s, "series": [{"labels": {...}, "values": [...]}], "alerts": [...]}
    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> FrozenMetrics | None:
        if not doc or not doc.get("series"):
            return None if not (doc or {}).get("alerts") else cls([], doc.get("alerts"))
        start, step = float(doc["start"]), float(doc["step"])
        series = [
            Series(
                dict(s["labels"]), [(start + i * step, float(v)) for i, v in enumerate(s["values"]) if v is not None]
            )
            for s in doc["series"]
        ]
        return cls(series, doc.get("alerts"))

    @staticmethod
    def to_doc(series: list[Series], start: float, step: float, alerts: list[dict] | None = None) -> dict:
        """Series on a common grid (values None where a series had no point) as stored in a snapshot."""
        out = []
        for s in series:
            grid: dict[int, float] = {round((t - start) / step): v for t, v in s.points}
            n = max(grid) + 1 if grid else 0
            out.append({"labels": s.labels, "values": [_round(grid.get(i)) for i in range(n)]})
        return {"start": start, "step": step, "series": out, "alerts": list(alerts or [])}

    # -- backend calls ----------------------------------------------------------------------
    def query_range(
        self, query: str, start: datetime, end: datetime, step: float | None = None, **_: Any
    ) -> RangeResult:
        matchers = parse_selector(query)
        lo, hi = start.timestamp(), end.timestamp()
        picked = []
        for s in self.series:
            if matches(s.labels, matchers):
                pts = [(t, v) for t, v in s.points if lo <= t <= hi]
                if pts:
                    picked.append(Series(s.labels, pts))
        step_used = float(step or _grid_step(picked) or 60)
        return RangeResult(query, start, end, step_used, picked, total_series=len(picked), source="snapshot")

    def metric_names(self, match: str | None = None) -> list[str]:
        matchers = parse_selector(match) if match else []
        return sorted({s.name for s in self.series if matches(s.labels, matchers)})

    def alerts(self, matchers: Any = None, *, firing_only: bool = True) -> list[dict]:
        wanted = parse_matchers(matchers)
        return [a for a in self.frozen_alerts if alert_matches(a, wanted) and (is_firing(a) or not firing_only)]

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<FrozenMetrics {len(self.series)} series, {len(self.frozen_alerts)} alerts>"


def _grid_step(series: list[Series]) -> float | None:
    for s in series:
        if len(s.points) > 1:
            return s.points[1][0] - s.points[0][0]
    return None


def _round(v: float | None) -> float | None:
    if v is None or math.isnan(v):
        return None
    if v == int(v) and abs(v) < 2**53:
        return int(v)  # bytes and counters stay exact (a memory limit must not be rounded above itself)
    return float(f"{v:.6g}")
