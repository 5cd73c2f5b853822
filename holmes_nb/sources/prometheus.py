"""Prometheus over its HTTP API, behind one small seam: :class:`PrometheusClient`.

Configured as HolmesGPT users already have it: ``PROMETHEUS_URL``, or in the config file

    toolsets:
      prometheus/metrics:
        enabled: true
        config:
          prometheus_url: http://prometheus.monitoring:9090
          headers: {Authorization: "Bearer {{ env.PROM_TOKEN }}"}

(``prometheus_url`` wins over ``PROMETHEUS_URL``; ``enabled: false`` turns metrics off). TLS trusts
``CERTIFICATE`` like the model calls (holmes_nb.llm.tls). Plain httpx, not prometheus-api-client:
httpx is already a dependency, gives timeouts and the same TLS context as model calls, and the
three endpoints used (query_range, series names, alerts/rules) need no client library.

    client = PrometheusClient.from_config()      # None when nothing is configured
    result = client.query_range('up', start, end, step=60)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from holmes_nb.errors import ConfigError, HolmesError

TOOLSET = "prometheus/metrics"
MAX_POINTS = 300  # per series: the step is widened to keep a range under this
MAX_SERIES = 2000  # series kept from one result (the rest are cut, and the result says so)
MAX_BYTES = 64 * 1024 * 1024


class PrometheusError(HolmesError):
    """Prometheus could not answer: down, slow, or it rejected the query (``text`` is its message)."""


@dataclass
class Series:
    labels: dict[str, str]
    points: list[tuple[float, float]]  # (unix seconds, value)

    @property
    def name(self) -> str:
        return self.labels.get("__name__", "")


@dataclass
class RangeResult:
    query: str
    start: datetime
    end: datetime
    step: float
    series: list[Series] = field(default_factory=list)
    total_series: int = 0  # before the MAX_SERIES cut
    source: str = "prometheus"  # or "snapshot" for frozen series

    @property
    def cut(self) -> int:
        return max(0, self.total_series - len(self.series))


@dataclass
class PrometheusSettings:
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 20.0
    origin: str = "PROMETHEUS_URL"


def prometheus_settings(config: Any = None, url: str | None = None) -> PrometheusSettings | None:
    """The configured Prometheus (``url`` given > config toolset > ``PROMETHEUS_URL``), or None."""
    if url:
        return PrometheusSettings(url.rstrip("/"), origin="argument")
    if config is None:
        from holmes_nb.config import load_config

        config = load_config()
    toolset = (config.settings.get("toolsets") or {}).get(TOOLSET) or {}
    if toolset and toolset.get("enabled") is False:
        return None
    from holmes_nb.config.entries import template

    cfg = toolset.get("config") or {}
    where = f"toolsets.{TOOLSET}.config"
    found = cfg.get("prometheus_url") or config.env("PROMETHEUS_URL")
    if not found:
        return None
    headers = template(config, dict(cfg.get("headers") or {}), f"{where}.headers")
    timeout = float(cfg.get("timeout") or config.settings.get("prometheus_timeout") or 20.0)
    origin = where if cfg.get("prometheus_url") else "PROMETHEUS_URL"
    return PrometheusSettings(str(template(config, found, where)).rstrip("/"), headers, timeout, origin)


def parse_when(value: Any, now: datetime) -> datetime:
    """``"-6h"``/``"6h"`` (before now), ``"now"``, unix seconds or RFC 3339 -> aware datetime."""
    if value is None or value == "" or value == "now":
        return now
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    text = str(value).strip().lstrip("-")
    seconds = duration_seconds(text) if text[-1:].lower() in _UNITS else None
    if seconds is not None:
        return now - timedelta(seconds=seconds)
    try:
        return datetime.fromtimestamp(float(text), tz=timezone.utc)
    except ValueError:
        pass
    from holmes_nb.k8s import parse_time

    parsed = parse_time(str(value))
    if parsed is None:
        raise ConfigError(f"cannot read time {value!r}", hint="use -6h, now, unix seconds or 2025-03-14T10:00:00Z")
    return parsed


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration_seconds(text: Any) -> float | None:
    """``"90s"``, ``"5m"``, ``"6h"``, ``"1d"`` or a plain number of seconds; None otherwise."""
    t = str(text).strip().lower()
    try:
        return float(t[:-1]) * _UNITS[t[-1]] if t and t[-1] in _UNITS else float(t)
    except ValueError:
        return None


def bounded_step(start: datetime, end: datetime, step: float | None, max_points: int = MAX_POINTS) -> float:
    """The step to use: at least ``range / max_points`` (rounded up to whole seconds), at least 1 s."""
    span = max(1.0, (end - start).total_seconds())
    return float(max(step or 0, math.ceil(span / max_points), 1))


class PrometheusClient:
    """GET-only access to one Prometheus: range queries, metric names, alerts and rules."""

    def __init__(self, settings: PrometheusSettings):
        import httpx

        from holmes_nb.llm.tls import ca_bundle_path, ssl_context

        self.settings = settings
        self.url = settings.url
        self._http = httpx.Client(
            base_url=settings.url,
            headers=settings.headers,
            timeout=settings.timeout,
            verify=ssl_context(ca_bundle_path()),
        )

    @classmethod
    def from_config(cls, config: Any = None, url: str | None = None) -> PrometheusClient | None:
        settings = prometheus_settings(config, url)
        return cls(settings) if settings else None

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"<PrometheusClient {self.url}>"

    # -- the seam ---------------------------------------------------------------------------
    def _get(self, path: str, params: dict[str, Any]) -> Any:
        import httpx

        try:
            with self._http.stream("GET", path, params=params) as resp:
                body = bytearray()
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise PrometheusError(
                            f"Prometheus answer larger than {MAX_BYTES // 2**20} MiB: cut",
                            hint="narrow the query: add label matchers, or aggregate with sum by (...)",
                        )
                status = resp.status_code
        except httpx.TimeoutException:
            raise PrometheusError(
                f"Prometheus at {self.url} did not answer within {self.settings.timeout:g}s",
                hint="a shorter range, a larger step, or an aggregated query is cheaper",
            ) from None
        except httpx.HTTPError as e:
            raise PrometheusError(
                f"cannot reach Prometheus at {self.url}: {type(e).__name__}: {e}",
                hint=f"check the URL ({self.settings.origin}) and that Prometheus is running",
            ) from None
        return _decode(bytes(body), status, self.url)

    # -- API --------------------------------------------------------------------------------
    def query_range(
        self, query: str, start: datetime, end: datetime, step: float | None = None, *, max_series: int = MAX_SERIES
    ) -> RangeResult:
        step = bounded_step(start, end, step)
        data = self._get(
            "/api/v1/query_range", {"query": query, "start": start.timestamp(), "end": end.timestamp(), "step": step}
        )
        raw = data.get("result") or []
        if data.get("resultType") not in ("matrix", None):
            raise PrometheusError(f"expected a range result, got {data.get('resultType')}")
        series = [
            Series(dict(r.get("metric") or {}), [(float(t), _float(v)) for t, v in r.get("values") or []])
            for r in raw[:max_series]
        ]
        return RangeResult(query, start, end, step, series, total_series=len(raw))

    def metric_names(self, match: str | None = None) -> list[str]:
        params = {"match[]": match} if match else {}
        return sorted(self._get("/api/v1/label/__name__/values", params) or [])

    def alerts(self) -> list[dict]:
        return list((self._get("/api/v1/alerts", {}) or {}).get("alerts") or [])

    def rules(self) -> list[dict]:
        return list((self._get("/api/v1/rules", {}) or {}).get("groups") or [])


def _float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _decode(body: bytes, status: int, url: str) -> Any:
    import json

    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and doc.get("status") == "error":
        # bad PromQL is a 400 with {"errorType": "bad_data", "error": "parse error ..."}: the model fixes its query
        raise PrometheusError(
            f"Prometheus rejected the query ({status} {doc.get('errorType')}): {doc.get('error')}",
            hint="fix the PromQL; metric names come from the metric_names tool",
        )
    if status >= 400 or not isinstance(doc, dict):
        snippet = body[:200].decode("utf-8", "replace").strip()
        raise PrometheusError(f"Prometheus at {url} answered HTTP {status}: {snippet}")
    return doc.get("data")
