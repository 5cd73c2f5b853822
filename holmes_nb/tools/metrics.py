"""Metric tools for the model: metric names, a PromQL range query, and ready-made panels.

Small schemas; every result is a compact per-series summary (holmes_nb.frames.metrics) with the
tidy DataFrame attached for people. Times default to the hour before the cluster's "now" (the
capture time for a snapshot, so a postmortem queries the incident's window). Ranges are capped
at 7 days, points per series at 300 (the step widens), series at 2,000 (the cut is said).

    tools = metrics_tools(cluster, backend)     # backend: PrometheusClient or FrozenMetrics
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from holmes_nb.errors import HolmesError
from holmes_nb.frames.metrics import metrics_frame, summary_text
from holmes_nb.k8s import parse_quantity
from holmes_nb.sources.base import Cluster
from holmes_nb.sources.prometheus import duration_seconds, parse_when
from holmes_nb.tools.base import Tool, ToolResult

MAX_RANGE = timedelta(days=7)
DEFAULT_RANGE = timedelta(hours=1)
MAX_NAMES = 120

#: panel -> (PromQL template, unit, threshold name); {ns} and {name} are filled in (quoted)
PANELS: dict[str, tuple[str, str, str]] = {
    "memory": (
        'container_memory_working_set_bytes{{namespace="{ns}",pod=~"{name}.*",container!="",container!="POD"}}',
        "bytes",
        "memory limit",
    ),
    "cpu_throttling": (
        'sum by (pod, container) (rate(container_cpu_cfs_throttled_periods_total{{namespace="{ns}",pod=~"{name}.*"}}[5m]))'
        ' / sum by (pod, container) (rate(container_cpu_cfs_periods_total{{namespace="{ns}",pod=~"{name}.*"}}[5m]))',
        "ratio",
        "throttling threshold",
    ),
    "restarts": ('kube_pod_container_status_restarts_total{{namespace="{ns}",pod=~"{name}.*"}}', "", "restarts"),
    "error_rate": (
        'sum by (service) (rate(http_requests_total{{namespace="{ns}",service="{name}",code=~"5.."}}[5m]))'
        ' / sum by (service) (rate(http_requests_total{{namespace="{ns}",service="{name}"}}[5m]))',
        "ratio",
        "error ratio threshold",
    ),
}
_FIXED_THRESHOLDS = {"cpu_throttling": 0.25, "error_rate": 0.05}


def _quote(text: Any) -> str:
    return str(text or "").replace("\\", "\\\\").replace('"', '\\"').strip()


def panel_query(panel: str, namespace: str, name: str) -> str:
    if panel not in PANELS:
        raise HolmesError(f"unknown panel {panel!r}", hint="one of: " + ", ".join(PANELS))
    return PANELS[panel][0].format(ns=_quote(namespace), name=_quote(name))


class MetricsToolset:
    def __init__(self, cluster: Cluster, backend: Any, *, max_series_shown: int = 5):
        self.cluster = cluster
        self.backend = backend
        self.max_series_shown = max_series_shown

    def _window(self, start: Any, end: Any) -> tuple[Any, Any]:
        now = self.cluster.now()
        t_end = parse_when(end, now)
        t_start = parse_when(start, t_end) if start not in (None, "") else t_end - DEFAULT_RANGE
        if t_start >= t_end:
            raise HolmesError(f"start {t_start:%Y-%m-%d %H:%M} is not before end {t_end:%Y-%m-%d %H:%M}")
        if t_end - t_start > MAX_RANGE:
            t_start = t_end - MAX_RANGE
        return t_start, t_end

    def _result(self, result: Any, **summary: Any) -> ToolResult:
        text = summary_text(result, max_series=self.max_series_shown, **summary)
        meta = {"rows": result.total_series, "truncated": result.cut, "query": result.query, "plot": True}
        frame = metrics_frame(result)
        frame.attrs.update(query=result.query, threshold=summary.get("threshold"))
        return ToolResult(text=text, frame=frame, meta=meta)

    # -- tools --------------------------------------------------------------------------------
    def prometheus_query(self, query: str, start: Any = None, end: Any = None, step: Any = None) -> ToolResult:
        t_start, t_end = self._window(start, end)
        step_s = duration_seconds(step) if isinstance(step, str) else (float(step) if step else None)
        return self._result(self.backend.query_range(str(query).strip(), t_start, t_end, step_s))

    def metric_panel(self, panel: str, name: str, namespace: str | None = None, start: Any = None) -> ToolResult:
        panel = str(panel or "").strip().lower().replace("-", "_").replace(" ", "_")
        ns = str(namespace or "").strip() or self._namespace_of(name)
        query = panel_query(panel, ns, name)
        if getattr(self.backend, "frozen", False):  # stored series: the panel's precomputed selector
            from holmes_nb.sources.frozen_metrics import FROZEN_PANELS

            query = FROZEN_PANELS[panel].format(ns=_quote(ns), name=_quote(name))
        t_start, t_end = self._window(start, None)
        result = self.backend.query_range(query, t_start, t_end, None)
        threshold = _FIXED_THRESHOLDS.get(panel)
        if panel == "memory":
            threshold = self._memory_limit(ns, name)
        _, unit, label = PANELS[panel]
        return self._result(result, threshold=threshold, threshold_name=label, unit=unit)

    def metric_names(
        self, namespace: str | None = None, pod: str | None = None, contains: str | None = None
    ) -> ToolResult:
        matchers = []
        if namespace:
            matchers.append(f'namespace="{_quote(namespace)}"')
        if pod:
            matchers.append(f'pod=~"{_quote(pod)}.*"')
        names = self.backend.metric_names("{" + ",".join(matchers) + "}" if matchers else None)
        if contains:
            names = [n for n in names if str(contains).lower() in n.lower()]
        shown = names[:MAX_NAMES]
        where = " ".join(matchers) or "all series"
        text = f"{len(names)} metric names for {where}" + (f" containing {contains!r}" if contains else "") + ":\n"
        text += " ".join(shown) or "(none)"
        if len(names) > len(shown):
            text += f"\n[{len(names) - len(shown)} more; pass contains]"
        return ToolResult(text=text, meta={"rows": len(names), "truncated": len(names) - len(shown)})

    # -- helpers ------------------------------------------------------------------------------
    def _pods(self, namespace: str | None, name: str) -> list[dict]:
        try:
            pods = self.cluster.list("pods", namespace or None)
        except HolmesError:
            return []
        return [p for p in pods if p.get("metadata", {}).get("name", "").startswith(name)]

    def _namespace_of(self, name: str) -> str:
        pods = self._pods(None, name)
        if pods:
            return pods[0]["metadata"].get("namespace", "")
        raise HolmesError(f"no pod named {name}* found to take the namespace from", hint="pass namespace")

    def _memory_limit(self, namespace: str, name: str) -> float | None:
        limits = {
            parse_quantity(((c.get("resources") or {}).get("limits") or {}).get("memory"))
            for p in self._pods(namespace, name)
            for c in (p.get("spec") or {}).get("containers") or []
        }
        limits.discard(None)
        return min(limits) if limits else None


def metrics_tools(cluster: Cluster, backend: Any) -> list[Tool]:
    ts = MetricsToolset(cluster, backend)
    return [
        Tool(
            "metric_names",
            "Prometheus metric names that exist for a namespace or pod.",
            {
                "type": "object",
                "properties": {
                    "namespace": {"type": "string"},
                    "pod": {"type": "string", "description": "pod name or prefix"},
                    "contains": {"type": "string"},
                },
            },
            ts.metric_names,
        ),
        Tool(
            "prometheus_query",
            "Run a PromQL range query; returns min/max/last, peak and trend per series.",
            {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "PromQL"},
                    "start": {"type": "string", "description": "e.g. -6h (default -1h)"},
                    "end": {"type": "string", "description": "default now"},
                    "step": {"type": "string", "description": "e.g. 60s"},
                },
                "required": ["query"],
            },
            ts.prometheus_query,
        ),
        Tool(
            "metric_panel",
            "A ready-made metric for a pod or service: memory vs limit, cpu_throttling, restarts, error_rate.",
            {
                "type": "object",
                "properties": {
                    "panel": {"type": "string", "enum": list(PANELS)},
                    "name": {"type": "string", "description": "pod (prefix) or service name"},
                    "namespace": {"type": "string"},
                    "start": {"type": "string", "description": "e.g. -6h (default -1h)"},
                },
                "required": ["panel", "name"],
            },
            ts.metric_panel,
        ),
    ]
