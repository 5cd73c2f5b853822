"""The benchmark runner: start-up, loop overhead, tokens, scale, HolmesGPT side by side, redaction.

Prints one Markdown report (machine, targets, a table per section) and writes it into
docs/benchmarks.md between ``<!-- bench:start -->`` and ``<!-- bench:end -->``. Works offline;
HolmesGPT is installed once from PyPI into ``benchmarks/.venv-holmesgpt`` by ``--with-holmesgpt``.

    python benchmarks/run.py                        # sections 1-4 and 6 (5 too if HolmesGPT is installed)
    python benchmarks/run.py --with-holmesgpt       # install HolmesGPT if missing, run all six
    python benchmarks/run.py --quick --sections 1,3 --no-write
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, StampedServer, fmt_s, isolate_environment, machine, verdict

DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
SECTIONS = {"1": "startup", "2": "loop", "3": "tokens", "4": "scale", "5": "holmesgpt", "6": "redaction"}
SCALE = {"pods": 10_000, "deployments": 2_000, "events": 50_000}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- section 4: scale, in worker processes (so each peak RSS is its own) ----------------------------
def scale_worker(kind: str, runs: int, path: str) -> dict:
    """``snapshot``: generate and save; ``scan``: load it, list unhealthy pods, scan; ``live``: list via the snapshot API server."""
    import bench_live
    from bench_load import median_time
    from bench_scan import timed

    from devkit.synthetic import synthetic_snapshot
    from holmes_nb.formats.importers import load_snapshot, save_snapshot

    out: dict = {}
    if kind == "snapshot":
        out["generate"], snap = median_time(lambda: synthetic_snapshot(**{f"n_{k}": v for k, v in SCALE.items()}), 1)
        out["save"], _ = median_time(lambda: save_snapshot(snap, Path(path)), 1)
    elif kind == "scan":
        from holmes_nb.analyzers import scan
        from holmes_nb.frames.cluster_frames import ClusterFrames

        out["load"], snap = median_time(lambda: load_snapshot(Path(path)), 1)
        frames = ClusterFrames(snap)
        out["unhealthy"], rows = timed(lambda: frames.pods(unhealthy=True), runs)
        out["scan"], findings = timed(lambda: scan(snap), runs)
        out.update(unhealthy_rows=len(rows), findings=len(findings), pods=len(snap.list("pods")))
    else:
        r = bench_live.run(SCALE["pods"], runs, 500)
        out.update(live=r["median"], live_first=r["first"], live_min=r["min"], live_max=r["max"])
        out.update(pages=r["pages"], mb=r["mb"])
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _worker(kind: str, runs: int, path: str) -> dict:
    cmd = [sys.executable, __file__, "--scale-worker", kind, "--runs", str(runs), "--path", path]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"scale worker {kind} failed: {done.stderr[-1000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def scale_section(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "synthetic.json.gz")
        made = _worker("snapshot", 1, path)
        size_mb = Path(path).stat().st_size / 1e6
        scan = _worker("scan", runs, path)
    live = _worker("live", runs, path)
    rows = [
        ("generate the synthetic cluster", made["generate"], None, f"{made['rss_mb']:.0f} MB"),
        (f"load it from `.json.gz` ({size_mb:.1f} MB)", scan["load"], None, ""),
        (
            f"unhealthy pods (`ClusterFrames.pods(unhealthy=True)`: {scan['unhealthy_rows']} rows)",
            scan["unhealthy"],
            1.0,
            "",
        ),
        (
            f"full analyzer scan (`scan(cluster)`: {scan['findings']} findings)",
            scan["scan"],
            3.0,
            f"{scan['rss_mb']:.0f} MB",
        ),
        (
            f"list all pods through `LiveCluster` from the snapshot API server ({live['pages']} pages, "
            f"{live['mb']:.1f} MB of JSON)",
            live["live"],
            3.0,
            f"{live['rss_mb']:.0f} MB",
        ),
        ("the first of those listings (the server redacts each pod on its first serve)", live["live_first"], None, ""),
    ]
    lines = ["| operation | median | target | | peak RSS of the process |", "|---|---:|---:|---|---:|"]
    targets = []
    for label, secs, target, rss in rows:
        ok = None if target is None else secs <= target
        lines.append(
            f"| {label} | {fmt_s(secs)} | {'<= ' + fmt_s(target) if target else '-'} | {verdict(ok)} | {rss} |"
        )
        if target is not None:
            targets.append(
                {
                    "name": label.split(" (")[0].split(":")[0].replace("`", ""),
                    "value": fmt_s(secs),
                    "target": f"<= {fmt_s(target)}",
                    "met": ok,
                }
            )
    peak = max(scan["rss_mb"], live["rss_mb"])
    targets.append(
        {"name": "peak memory (RSS)", "value": f"{peak:.0f} MB", "target": "<= 1,024 MB", "met": peak <= 1024}
    )
    lines += [
        "",
        f"{SCALE['pods']:,} pods, {SCALE['deployments']:,} deployments, {SCALE['events']:,} events "
        "(`devkit.synthetic.synthetic_snapshot`); medians of "
        f"{runs} runs (load: one run). Each row's process is separate: the scan process holds the loaded "
        "snapshot and its index, the live process holds the snapshot, the snapshot API server and the listed pods. "
        "Reuses `bench_scan.py`, `bench_load.py` and `bench_live.py`.",
    ]
    return {
        "title": "4. Scale",
        "lines": lines,
        "targets": targets,
        "data": {"snapshot": made, "scan": scan, "live": live},
    }


# -- the report -----------------------------------------------------------------------------------
def run_sections(wanted: list[str], quick: bool, with_holmesgpt: bool) -> list[dict]:
    runs = 3 if quick else 5
    out = []
    if "1" in wanted:
        from bench_startup import startup_section

        log("1. start-up")
        out.append(startup_section(runs=runs, kernels=3 if quick else 5))  # noqa: E702
    if "2" in wanted or "3" in wanted:
        from bench_agent import loop_section, tokens_section

        with StampedServer() as srv:
            os.environ.update(OPENAI_API_BASE=srv.url, OPENAI_API_KEY="not-needed")
            if "2" in wanted:
                log("2. loop overhead")
                out.append(loop_section(srv, runs=runs))  # noqa: E702
            if "3" in wanted:
                log("3. tokens")
                out.append(tokens_section(srv))  # noqa: E702
            for name in ("OPENAI_API_BASE", "OPENAI_API_KEY"):
                os.environ.pop(name, None)
    if "4" in wanted:
        log("4. scale")
        out.append(scale_section(1 if quick else 3))  # noqa: E702
    if "5" in wanted:
        from bench_holmesgpt import side_by_side_section

        log("5. HolmesGPT side by side")
        out.append(side_by_side_section(install=with_holmesgpt, runs=2 if quick else 3, log=log))
    if "6" in wanted:
        from bench_redact import redact_section

        log("6. redaction")
        out.append(redact_section(quick))
    return out


def render(sections: list[dict], info: dict, seconds: float, quick: bool) -> str:
    lines = [
        f"Measured {info['date']} by `python benchmarks/run.py{' --quick' if quick else ''}` in "
        f"{seconds:.0f} s on {info['cores']} cores ({info['cpu']}), {info['memory']} of memory, "
        f"{info['os']}, Python {info['python']}; load average {info['load']} at the start (other jobs "
        "shared the cores, so times vary between runs: medians are quoted).",
        "",
        "| target | measured (median) | target | |",
        "|---|---:|---:|---|",
    ]
    for sec in sections:
        for t in sec["targets"]:
            lines.append(
                f"| {sec['title'].split('. ', 1)[1]}: {t['name']} | {t['value']} | {t['target']} | "
                f"{verdict(t['met'])} |"
            )
    for sec in sections:
        lines += ["", f"### {sec['title']}", ""] + sec["lines"]
    return "\n".join(lines) + "\n"


def write_docs(report: str, path: Path = DOCS) -> None:
    """Put ``report`` between the markers of ``path`` (created with a short header if missing)."""
    block = f"{START}\n{report}{END}"
    if path.exists() and START in path.read_text() and END in path.read_text():
        text = path.read_text()
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, count=1, flags=re.S)
    else:
        text = (
            "# Benchmarks\n\nRun `python benchmarks/run.py --with-holmesgpt`; the block below is "
            f"rewritten by it.\n\n{block}\n"
        )
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs (about a minute less)")
    ap.add_argument("--with-holmesgpt", action="store_true", help="install HolmesGPT into its venv if missing")
    ap.add_argument(
        "--sections", default="1,2,3,4,5,6", help="comma list of 1-6 or names: " + ",".join(SECTIONS.values())
    )
    ap.add_argument("--no-write", action="store_true", help=f"do not update {DOCS.relative_to(ROOT)}")
    ap.add_argument("--json", metavar="FILE", help="also save the raw measurements as JSON")
    ap.add_argument("--scale-worker", choices=["snapshot", "scan", "live"], help=argparse.SUPPRESS)
    ap.add_argument("--runs", type=int, default=3, help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.scale_worker:
        print(json.dumps(scale_worker(args.scale_worker, args.runs, args.path)))
        return 0
    names = {v: k for k, v in SECTIONS.items()}
    wanted = [names.get(s.strip(), s.strip()) for s in args.sections.split(",") if s.strip()]
    if bad := [s for s in wanted if s not in SECTIONS]:
        ap.error(f"unknown section(s): {', '.join(bad)}")
    isolate_environment()
    info, t0 = machine(), time.perf_counter()
    sections = run_sections(wanted, args.quick, args.with_holmesgpt)
    report = render(sections, info, time.perf_counter() - t0, args.quick)
    print(report)
    if not args.no_write:
        write_docs(report)
        log(f"wrote {DOCS.relative_to(ROOT)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "sections": sections}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
