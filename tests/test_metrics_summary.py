"""The model's view of metric series (compact, bounded) and the people's view (tidy frame, plot)."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bench_metrics import TOKEN_TARGET, big_result, count_tokens  # noqa: E402

from holmes_nb.frames.metrics import metrics_frame, summary_text  # noqa: E402
from holmes_nb.sources.prometheus import RangeResult, Series, bounded_step, duration_seconds, parse_when  # noqa: E402

NOW = datetime(2025, 3, 14, 10, 30, tzinfo=timezone.utc)


def test_a_thousand_series_over_six_hours_fit_the_token_target():
    result = big_result()
    text = summary_text(result, threshold=512 * 2**20, threshold_name="memory limit")
    assert count_tokens(text) <= TOKEN_TARGET
    lines = text.splitlines()
    assert lines[0].endswith("step 60s, 1000 series") and lines[1] == "labels of every series: job=kubelet"
    assert lines[2] == "memory limit 512Mi: reached by 4 of 1000 series"
    assert sum(ln.startswith("- ") for ln in lines) == 5 and "[995 more series not shown" in lines[-1]
    assert all("reached memory limit @" in ln for ln in lines[3:7])  # crossers first
    for noise in ("/kubepods/", "ghcr.io", "10250"):
        assert noise not in text


def test_summary_fields_trend_and_times():
    t0 = NOW.timestamp() - 3600
    rising = Series({"__name__": "m", "pod": "a"}, [(t0 + 600 * i, float(i)) for i in range(7)])
    falling = Series({"__name__": "m", "pod": "b"}, [(t0 + 600 * i, 10.0 - i) for i in range(7)])
    flat = Series({"__name__": "m", "pod": "c"}, [(t0 + 600 * i, 3.0) for i in range(7)])
    result = RangeResult("m", NOW - timedelta(hours=1), NOW, 600.0, [rising, falling, flat], 3)
    text = summary_text(result, threshold=5, threshold_name="limit")
    assert "- pod=a: last 6 @10:30, min 0 @09:30, peak 6 @10:30, rising; reached limit @10:20 (2/7 points)" in text
    assert "- pod=b: last 4 @10:30, min 4 @10:30, peak 10 @09:30, falling; reached limit @09:30 (6/7 points)" in text
    assert "- pod=c: last 3 @10:30, min 3 @09:30, peak 3 @09:30, flat" in text
    empty = RangeResult("nope", NOW - timedelta(hours=1), NOW, 60.0, [], 0)
    assert "no data for this query" in summary_text(empty)


def test_tidy_frame_and_plot():
    result = big_result(n_series=12, hours=1)
    df = metrics_frame(result)
    assert list(df.columns[:3]) == ["timestamp", "value", "metric"] and "pod" in df.columns
    assert len(df) == 12 * 61 and str(df["timestamp"].dt.tz) == "UTC"
    from holmes_nb.report.metrics_plot import plot_metrics

    fig = plot_metrics(df, threshold=512 * 2**20, max_series=5)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 6  # 5 series + the limit line
    assert "(7 more series not drawn)" in ax.get_title()


def test_times_and_steps():
    assert parse_when("-6h", NOW) == NOW - timedelta(hours=6)
    assert parse_when("90m", NOW) == NOW - timedelta(minutes=90)
    assert parse_when("2025-03-14T09:00:00Z", NOW) == NOW - timedelta(minutes=90)
    assert parse_when(None, NOW) == NOW
    assert parse_when("1741944600", NOW) == NOW - timedelta(hours=1)  # unix seconds
    assert [duration_seconds(x) for x in ("60", "90s", "5m", "2h", "1d", "x")] == [60, 90, 300, 7200, 86400, None]
    assert bounded_step(NOW - timedelta(hours=6), NOW, 15) == 72  # 300 points at most
    assert bounded_step(NOW - timedelta(minutes=10), NOW, None) == 2


def test_a_metric_tool_call_renders_as_a_plot_in_html():
    from holmes_nb.formats.demo import demo_cluster
    from holmes_nb.investigation import ToolCallRecord
    from holmes_nb.report.html import tool_call_html
    from holmes_nb.sources.frozen_metrics import FrozenMetrics
    from holmes_nb.tools.metrics import metrics_tools

    demo = demo_cluster()
    panel = {t.name: t for t in metrics_tools(demo, FrozenMetrics.from_doc(demo.metrics))}["metric_panel"]
    r = panel.run({"panel": "memory", "name": "recommendations"})
    rec = ToolCallRecord(1, "c1", "metric_panel", {"panel": "memory"}, "ok", 1.0, 50, r.text, frame=r.frame)
    html = tool_call_html(rec)
    assert '<img class="hnb-plot"' in html and "data:image/png;base64," in html
    assert "reached memory limit @" in html and "<table" not in html
