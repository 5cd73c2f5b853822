"""Start-up: ``%load_ext holmes_nb`` in fresh kernels, ``holmes-nb --help``, and the first ``ask`` up
to its first model request; plus whether LiteLLM is imported before it is needed.

    python benchmarks/bench_startup.py            # prints the section as Markdown
    section = startup_section(runs=5)             # used by benchmarks/run.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from benchlib import StampedServer, exe, fmt_s, isolate_environment, process_seconds, summary, verdict

from devkit.openai_server import say

HEAVY = ("litellm", "pandas", "kubernetes", "openai")
PROBE = f"import sys; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"


def load_ext_in_fresh_kernels(kernels: int) -> tuple[list[float], list[str], float]:
    """Per fresh ipykernel: seconds from the execute request of ``%load_ext holmes_nb`` to its reply.

    Returns (times, heavy modules loaded after it, median round trip of an empty cell afterwards)."""
    from jupyter_client import KernelManager

    times, empty, heavy = [], [], set()
    for _ in range(kernels):
        km = KernelManager(kernel_name="python3")
        km.start_kernel(env=dict(os.environ), stderr=subprocess.DEVNULL)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            seconds, _ = _execute(kc, "%load_ext holmes_nb")
            times.append(seconds)
            empty.append(_execute(kc, "pass")[0])
            heavy |= set(_execute(kc, PROBE)[1].split())
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    return times, sorted(heavy), summary(empty)["median"]


def first_ask_in_kernels(srv: StampedServer, kernels: int, warm: bool, pause: float = 4.0) -> list[float]:
    """Per fresh ipykernel: ``%load_ext holmes_nb``, ``pause`` seconds (a person typing the question),
    then ``%holmes ask``: seconds from that cell's execute request to its first ``/chat/completions``.
    ``warm``: LiteLLM warmed in the background after ``%load_ext`` (the default), else HOLMES_NB_WARM=off."""
    from jupyter_client import KernelManager

    env = dict(os.environ, OPENAI_API_BASE=srv.url, OPENAI_API_KEY="not-needed", HOLMES_NB_LIVE_DISPLAY="off")
    env["HOLMES_NB_WARM"] = "on" if warm else "off"
    out = []
    for _ in range(kernels):
        km = KernelManager(kernel_name="python3")
        km.start_kernel(env=env, stderr=subprocess.DEVNULL)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            _execute(kc, "%load_ext holmes_nb")
            time.sleep(pause)
            index = srv.play([say("Nothing is failing.")])
            t0 = time.monotonic()
            _execute(kc, '%holmes ask "what pods are failing?" --model openai/scripted --cluster demo;')
            first = srv.first_chat_after(index)
            if first is None:
                raise RuntimeError("the ask in the kernel sent no model request")
            out.append(first - t0)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    return out


def _execute(kc, code: str) -> tuple[float, str]:
    """(seconds from execute request to its execute_reply, stdout text); raises if the cell failed."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        reply = kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    seconds = time.perf_counter() - t0
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"{code!r} failed in the kernel: {reply['content'].get('evalue')}")
    out = []
    while True:  # collect stdout until the kernel goes idle for this request
        msg = kc.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    return seconds, "".join(out)


def heavy_after(code: str) -> list[str]:
    """Heavy modules loaded in a fresh interpreter after ``code``."""
    done = subprocess.run([sys.executable, "-c", code + "\n" + PROBE], capture_output=True, text=True, check=True)
    return done.stdout.split()


def first_request_seconds(srv: StampedServer, runs: int) -> list[float]:
    """Process start of ``holmes-nb ask ... --cluster demo`` to the arrival of its first chat request."""
    env = dict(os.environ, OPENAI_API_BASE=srv.url, OPENAI_API_KEY="not-needed")
    cmd = [exe("holmes-nb"), "ask", "what pods are failing?", "--cluster", "demo", "--model", "openai/scripted", "-q"]
    out = []
    for _ in range(runs):
        index = srv.play([say("Nothing is failing.")])
        t0 = time.monotonic()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        first = srv.first_chat_after(index)
        if done.returncode != 0 or first is None:
            raise RuntimeError(f"holmes-nb ask failed ({done.returncode}): {done.stderr[-500:]}")
        out.append(first - t0)
    return out


def litellm_import_seconds(runs: int) -> list[float]:
    code = "import time; t = time.perf_counter(); import litellm; print(time.perf_counter() - t)"
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
            ).stdout.split()[-1]
        )
        for _ in range(runs)
    ]


def startup_section(runs: int = 5, kernels: int = 5) -> dict:
    """Section 1 as ``{"title", "lines", "targets", "data"}``."""
    load, heavy_kernel, empty_cell = load_ext_in_fresh_kernels(kernels)
    helps = process_seconds([exe("holmes-nb"), "--help"], max(runs * 2, 5))
    with StampedServer() as srv:
        first = first_request_seconds(srv, runs)
        warm = first_ask_in_kernels(srv, kernels, warm=True)
        cold = first_ask_in_kernels(srv, max(kernels // 2, 1), warm=False)
    lit = litellm_import_seconds(max(runs // 2, 1))
    heavy_import = heavy_after("import holmes_nb")
    rows = [
        ("`%load_ext holmes_nb` in a fresh ipykernel (execute request to reply)", summary(load), 0.5),
        ("`holmes-nb --help` (process start to exit)", summary(helps), 1.0),
        # the third start-up target is "LiteLLM imported only when needed" (below), not a time:
        # the first ask pays for `import litellm`, which the next row measures on its own
        ("`holmes-nb ask ... --cluster demo`: process start to the first `/chat/completions`", summary(first), None),
        ("  for scale: `import litellm` alone in a fresh interpreter", summary(lit), None),
        (
            "first `%holmes ask` 4 s after `%load_ext` (LiteLLM warmed in the background): cell start "
            "to the first `/chat/completions`",
            summary(warm),
            0.5,
        ),
        ("  the same with HOLMES_NB_WARM=off (no warm-up)", summary(cold), None),
    ]
    lines = ["| measurement | median | min - max | runs | target | |", "|---|---:|---:|---:|---:|---|"]
    targets = []
    for label, s, target in rows:
        ok = None if target is None else s["median"] <= target
        lines.append(
            f"| {label} | {fmt_s(s['median'])} | {fmt_s(s['min'])} - {fmt_s(s['max'])} | {s['n']} | "
            f"{'<= ' + fmt_s(target) if target else '-'} | {verdict(ok)} |"
        )
        if target is not None:
            targets.append(
                {
                    "name": label.split(":")[0].replace("`", "").strip(),
                    "value": fmt_s(s["median"]),
                    "target": f"<= {fmt_s(target)}",
                    "met": ok,
                }
            )
    lazy_ok = not any(m in heavy_import for m in ("litellm", "openai"))
    lines += [
        "",
        f"Modules loaded by `import holmes_nb`: {', '.join(heavy_import) or 'none of ' + ', '.join(HEAVY)}; "
        f"in the kernel after `%load_ext holmes_nb`: {', '.join(heavy_kernel) or 'none of ' + ', '.join(HEAVY)}. "
        f"An empty cell afterwards takes {fmt_s(empty_cell)} (the kernel's own round trip). "
        "`import holmes_nb` and the CLI import LiteLLM with the first model call; in a Jupyter kernel "
        "`%load_ext holmes_nb` returns at once and imports it in a background thread (HOLMES_NB_WARM=off "
        "skips that), so the first ask does not wait for it.",
    ]
    targets.append(
        {
            "name": "LiteLLM imported only when needed",
            "value": "yes" if lazy_ok else "no",
            "target": "yes",
            "met": lazy_ok,
        }
    )
    data = {
        "load_ext": load,
        "help": helps,
        "first_request": first,
        "litellm_import": lit,
        "first_ask_warm": warm,
        "first_ask_cold": cold,
        "heavy_import": heavy_import,
        "heavy_kernel": heavy_kernel,
        "empty_cell": empty_cell,
    }
    return {"title": "1. Start-up", "lines": lines, "targets": targets, "data": data}


if __name__ == "__main__":
    isolate_environment()
    print("\n".join(startup_section(runs=3, kernels=3)["lines"]))
