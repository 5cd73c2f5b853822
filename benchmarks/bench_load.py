"""Benchmark snapshot loading: the bundled demo, and a generated large cluster saved and loaded.

    python benchmarks/bench_load.py                 # 10k pods / 2k deployments / 50k events, 3 runs
    python benchmarks/bench_load.py --runs 5 --pods 20000 --deployments 4000 --events 100000

Prints a Markdown table of median wall times (and the process's peak RSS at the end).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devkit.synthetic import synthetic_snapshot  # noqa: E402
from holmes_nb.formats.importers import load_snapshot, save_snapshot  # noqa: E402


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--deployments", type=int, default=2_000)
    ap.add_argument("--events", type=int, default=50_000)
    args = ap.parse_args(argv)
    rows: list[tuple[str, float, str]] = []
    demo_path = Path(str(resources.files("holmes_nb") / "data" / "demo-cluster.json"))
    t, snap = median_time(lambda: load_snapshot(demo_path), args.runs)
    rows.append(("load demo (json)", t, f"{len(snap.list('pods'))} pods, {demo_path.stat().st_size / 1e3:.0f} kB"))
    size = f"{args.pods} pods, {args.deployments} deployments, {args.events} events"
    t, big = median_time(lambda: synthetic_snapshot(args.pods, args.deployments, args.events), args.runs)
    rows.append(("generate synthetic", t, size))
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("synthetic.json", "synthetic.json.gz"):
            path = Path(tmp) / name
            t, _ = median_time(lambda p=path: save_snapshot(big, p), args.runs)
            rows.append((f"save {name}", t, f"{path.stat().st_size / 1e6:.1f} MB"))
            t, loaded = median_time(lambda p=path: load_snapshot(p), args.runs)
            assert len(loaded.list("pods")) == args.pods
            rows.append((f"load {name}", t, size))
    print(f"| step | median of {args.runs} (s) | size |")
    print("|---|---:|---|")
    for step, secs, note in rows:
        print(f"| {step} | {secs:.3f} | {note} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS: {peak:.0f} MiB (python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
