"""Benchmark: the full analyzer scan and the unhealthy-pod listing on a large generated cluster.

    /work/venv/bin/python benchmarks/bench_scan.py [--pods 10000] [--deployments 2000] [--events 50000] [--runs 5]

Prints a Markdown table: median wall time over ``--runs`` runs and peak Python memory (tracemalloc,
measured on a separate run so tracing does not slow the timed ones), plus the process's max RSS.
Targets from the issue: unhealthy pods <= 1 s, full scan <= 3 s, peak memory <= 1 GB.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def peak_mb(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--deployments", type=int, default=2_000)
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    try:
        from devkit.synthetic import synthetic_snapshot
    except ImportError as e:
        print(f"bench_scan: devkit.synthetic is not available ({e})", file=sys.stderr)
        return 1
    from holmes_nb.analyzers import scan
    from holmes_nb.frames.cluster_frames import ClusterFrames

    t0 = time.perf_counter()
    snap = synthetic_snapshot(n_pods=args.pods, n_deployments=args.deployments, n_events=args.events)
    build_s = time.perf_counter() - t0
    frames = ClusterFrames(snap)
    cases = [
        ("unhealthy pods (ClusterFrames.pods(unhealthy=True))", lambda: frames.pods(unhealthy=True), 1.0),
        ("full analyzer scan (scan(cluster))", lambda: scan(snap), 3.0),
    ]
    print(
        f"Generated cluster: {args.pods} pods, {args.deployments} deployments, {args.events} events "
        f"(built in {build_s:.1f} s); median of {args.runs} runs.\n"
    )
    print("| operation | result | median | target | peak Python memory |")
    print("|---|---|---|---|---|")
    ok = True
    for label, fn, target in cases:
        median, result = timed(fn, args.runs)
        mem = peak_mb(fn)
        ok &= median <= target
        print(f"| {label} | {len(result)} rows | {median:.3f} s | <= {target:g} s | {mem:.1f} MB |")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"\nProcess max RSS (snapshot included): {rss:.0f} MB (target <= 1024 MB).")
    return 0 if ok and rss <= 1024 else 1


if __name__ == "__main__":
    sys.exit(main())
