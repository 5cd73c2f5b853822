"""Metric summaries for the model: a 6-hour range over 1,000 series summarised (target <= 500
tokens, <= 1 s), and the size of the evidence tools' schemas.

    python benchmarks/bench_metrics.py            # prints a Markdown table
"""

from __future__ import annotations

import json
import math
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tool_tokens import count_tokens  # noqa: E402

from holmes_nb.frames.metrics import summary_text  # noqa: E402
from holmes_nb.sources.prometheus import RangeResult, Series  # noqa: E402

TOKEN_TARGET, TIME_TARGET = 500, 1.0


def big_result(n_series: int = 1000, hours: int = 6, step: int = 60, seed: int = 7) -> RangeResult:
    """``n_series`` container memory series (random walks, a few climbing to a 512Mi limit), cAdvisor labels."""
    rng = random.Random(seed)
    end = datetime(2025, 3, 14, 10, 30, tzinfo=timezone.utc)
    start = end - timedelta(hours=hours)
    n = hours * 3600 // step + 1
    t0 = start.timestamp()
    series = []
    for i in range(n_series):
        v, leak = rng.uniform(50, 300) * 2**20, i % 250 == 0
        pts = []
        for j in range(n):
            v = min(512 * 2**20, v * (1.004 if leak else 1 + rng.gauss(0, 0.01)))
            pts.append((t0 + j * step, v))
        labels = {
            "__name__": "container_memory_working_set_bytes",
            "namespace": f"team-{i % 20}",
            "pod": f"svc-{i // 4}-7d9f8c6b5-{i:05x}",
            "container": f"app-{i % 4}",
            "node": f"worker-{i % 30}",
            "instance": f"10.0.{i % 30}.7:10250",
            "job": "kubelet",
            "id": f"/kubepods/burstable/pod{i:08x}/{i:064x}",
            "image": f"ghcr.io/acme/svc-{i // 4}:1.{i % 9}",
        }
        series.append(Series(labels, pts))
    return RangeResult("container_memory_working_set_bytes", start, end, float(step), series, n_series)


def measure(runs: int = 5) -> dict:
    result = big_result()
    times, text = [], ""
    for _ in range(runs):
        t = time.perf_counter()
        text = summary_text(result, threshold=512 * 2**20, threshold_name="memory limit")
        times.append(time.perf_counter() - t)
    from holmes_nb.formats.demo import demo_cluster
    from holmes_nb.sources.frozen_metrics import FrozenMetrics
    from holmes_nb.tools.alerts import alerts_tool
    from holmes_nb.tools.changes import changes_tool
    from holmes_nb.tools.metrics import metrics_tools

    demo = demo_cluster()
    frozen = FrozenMetrics.from_doc(demo.metrics)
    tools = [changes_tool(demo), *metrics_tools(demo, frozen), alerts_tool(demo, frozen)]
    return {
        "series": len(result.series),
        "points": sum(len(s.points) for s in result.series),
        "tokens": count_tokens(text),
        "seconds": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "runs": runs,
        "schema_tokens": count_tokens(json.dumps([t.schema() for t in tools])),
        "schema_count": len(tools),
        "text": text,
    }


def table(m: dict) -> str:
    tok_ok, time_ok = m["tokens"] <= TOKEN_TARGET, m["seconds"] <= TIME_TARGET
    verdict = lambda ok: "**met**" if ok else "**not met**"  # noqa: E731
    return "\n".join(
        [
            "| measurement | value | target | |",
            "|---|---:|---:|---|",
            f"| summary of a 6-hour range over {m['series']:,} series ({m['points']:,} points): tokens (cl100k) "
            f"| {m['tokens']} | <= {TOKEN_TARGET} | {verdict(tok_ok)} |",
            f"| the same: time to summarise (median of {m['runs']}, {m['min_s']:.2f}-{m['max_s']:.2f} s) "
            f"| {m['seconds']:.2f} s | <= {TIME_TARGET:.0f} s | {verdict(time_ok)} |",
            f"| schemas of the {m['schema_count']} evidence tools (changes, 3 metric tools, firing_alerts) "
            f"| {m['schema_tokens']} tokens | - | - |",
        ]
    )


if __name__ == "__main__":
    measured = measure()
    print(table(measured))
    print()
    print("```text\n" + measured["text"] + "\n```")
    sys.exit(0 if measured["tokens"] <= TOKEN_TARGET and not math.isnan(measured["seconds"]) else 1)
