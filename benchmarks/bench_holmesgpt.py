"""holmes-nb and HolmesGPT side by side, measured in one run against the same scripted model server
(which records every request) and the same snapshot API server serving the demo cluster.

HolmesGPT lives only in its own venv (``benchmarks/.venv-holmesgpt``, created with ``--install``);
nothing of it is imported here: both products run as command-line processes.

    python benchmarks/bench_holmesgpt.py [--install] [--runs 3]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_tool_tokens import count_tokens
from benchlib import (
    HERE,
    StampedServer,
    exe,
    fmt_s,
    isolate_environment,
    process_seconds,
    request_tokens,
    summary,
    tool_results,
    verdict,
    write_kubeconfig,
)

from devkit.openai_server import call, say

VENV = HERE / ".venv-holmesgpt"
QUESTION = "why is the checkout pod crashing?"


def holmes_exe(install: bool = False, log=print) -> Path | None:
    """The ``holmes`` command of the benchmark venv; with ``install``, create the venv first if missing."""
    holmes = VENV / "bin" / "holmes"
    if holmes.exists() or not install:
        return holmes if holmes.exists() else None
    log(f"creating {VENV} and installing holmesgpt from PyPI (one time) ...")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "holmesgpt"], check=True)
    return holmes if holmes.exists() else None


def holmes_version() -> str:
    code = "import importlib.metadata as m; print(m.version('holmesgpt'))"
    done = subprocess.run([str(VENV / "bin" / "python"), "-c", code], capture_output=True, text=True)
    return done.stdout.strip() or "?"


def scripts(pod: str, ns: str) -> dict[str, list]:
    """The same evidence, in the same order, through each product's own tools."""
    nb = [
        call("describe", {"kind": "pod", "name": pod, "namespace": ns}),
        call("events", namespace=ns),
        call("pod_logs", {"name": pod, "namespace": ns}),
        say(f"{pod} crashes: see its logs."),
    ]
    bash = lambda cmd, prefix: call("bash", command=cmd, suggested_prefixes=[prefix], timeout=None)  # noqa: E731
    hg = [
        bash(f"kubectl describe pod {pod} -n {ns}", "kubectl describe"),
        bash(f"kubectl get events -n {ns}", "kubectl get"),
        call(
            "fetch_pod_logs",
            pod_name=pod,
            namespace=ns,
            start_time=None,
            end_time=None,
            limit=None,
            filter=None,
            exclude_filter=None,
        ),
        say(f"{pod} crashes: see its logs."),
    ]
    return {"holmes-nb": nb, "HolmesGPT": hg}


def commands(holmes: Path) -> dict[str, list[str]]:
    return {
        "holmes-nb": [
            exe("holmes-nb"),
            "ask",
            QUESTION,
            "--cluster",
            "context:demo",
            "--model",
            "openai/scripted",
            "-q",
        ],
        "HolmesGPT": [str(holmes), "ask", QUESTION, "--model", "openai/scripted", "--no-interactive", "--no-echo"],
    }


def run_once(srv: StampedServer, cmd: list[str], turns: list, env: dict) -> dict:
    """One investigation: seconds to the first chat request, wall seconds, the request bodies."""
    index = srv.play(turns)
    t0 = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    wall = time.monotonic() - t0
    bodies, first = srv.since(index), srv.first_chat_after(index)
    if done.returncode != 0 or len(bodies) != len(turns):
        raise RuntimeError(
            f"{cmd[0]} failed ({done.returncode}, {len(bodies)} requests): {done.stdout[-400:]} {done.stderr[-800:]}"
        )
    return {"first": first - t0, "wall": wall, "bodies": bodies}


def measure(holmes: Path, runs: int) -> dict:
    """Everything, both products, one run of this function."""
    from bench_agent import evidence

    from holmes_nb.apiserver.server import SnapshotAPIServer
    from holmes_nb.formats.demo import demo_cluster

    cluster = demo_cluster()
    ev = evidence(cluster)
    home = Path(tempfile.mkdtemp(prefix="holmes-bench-side-"))
    out: dict = {"help": {}, "first": {}, "wall": {}, "cold_first": None, "bodies": {}}
    for name, cmd in {
        "holmes-nb": [exe("holmes-nb"), "ask", "--help"],
        "HolmesGPT": [str(holmes), "ask", "--help"],
    }.items():
        out["help"][name] = process_seconds(cmd, max(runs, 3), env=dict(os.environ, HOME=str(home)))
    with SnapshotAPIServer(cluster) as api, StampedServer() as srv:
        kubeconfig = write_kubeconfig(home / "kubeconfig", api.url)
        env = dict(
            os.environ,
            HOME=str(home),
            KUBECONFIG=str(kubeconfig),
            OPENAI_API_BASE=srv.url,
            OPENAI_API_KEY="not-needed",
            LITELLM_LOCAL_MODEL_COST_MAP="True",
        )
        cmds, turns = commands(holmes), scripts(ev["pod"], ev["namespace"])
        out["cold_first"] = run_once(srv, cmds["HolmesGPT"], turns["HolmesGPT"], env)["first"]  # toolset checks
        for name in ("holmes-nb", "HolmesGPT"):
            results = [run_once(srv, cmds[name], turns[name], env) for _ in range(runs)]
            out["first"][name] = [r["first"] for r in results]
            out["wall"][name] = [r["wall"] for r in results]
            out["bodies"][name] = results[-1]["bodies"]
    out["evidence"] = ev
    return out


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def side_by_side_section(install: bool = False, runs: int = 3, log=print) -> dict:
    """Section 5 as ``{"title", "lines", "targets", "data"}`` (a note when HolmesGPT or kubectl is missing)."""
    title = "5. Side by side with HolmesGPT"
    if shutil.which("kubectl") is None:
        policy = subprocess.run(["apt-cache", "policy", "kubectl"], capture_output=True, text=True).stdout.strip()
        return {
            "title": title,
            "targets": [],
            "data": {},
            "lines": [
                "Skipped: HolmesGPT reads the cluster with `kubectl`, which is not installed here. "
                f"`apt-cache policy kubectl`: {policy.splitlines()[1].strip() if policy else 'no package known'}."
            ],
        }
    holmes = holmes_exe(install, log)
    if holmes is None:
        return {
            "title": title,
            "targets": [],
            "data": {},
            "lines": [
                f"Skipped: HolmesGPT is not installed in `{VENV.relative_to(HERE.parent)}`; "
                "run `python benchmarks/run.py --with-holmesgpt` once (it installs it from PyPI)."
            ],
        }
    m = measure(holmes, runs)
    version = holmes_version()
    nb_bodies, hg_bodies = m["bodies"]["holmes-nb"], m["bodies"]["HolmesGPT"]
    rows = [
        (
            "`ask --help` (process start to exit)",
            summary(m["help"]["holmes-nb"])["median"],
            summary(m["help"]["HolmesGPT"])["median"],
            "s",
        ),
        (
            "process start to the first model request",
            summary(m["first"]["holmes-nb"])["median"],
            summary(m["first"]["HolmesGPT"])["median"],
            "s",
        ),
        (
            "whole 4-request investigation (zero-latency model)",
            summary(m["wall"]["holmes-nb"])["median"],
            summary(m["wall"]["HolmesGPT"])["median"],
            "s",
        ),
        (
            "first request tokens (system + tools + question)",
            request_tokens(nb_bodies[0]),
            request_tokens(hg_bodies[0]),
            "t",
        ),
        (
            "  tool schemas sent (count)",
            len(nb_bodies[0].get("tools") or []),
            len(hg_bodies[0].get("tools") or []),
            "n",
        ),
    ]
    labels = [
        "tool result: describe the crashing pod",
        "tool result: events of its namespace",
        "tool result: logs of the crashing pod (each product's default)",
    ]
    evidence_rows = list(zip(labels, tool_results(nb_bodies[-1]), tool_results(hg_bodies[-1]), strict=False))
    for label, nb, hg in evidence_rows:
        rows.append((label, count_tokens(nb["text"]), count_tokens(hg["text"]), "t"))
    rows.append(
        (
            "total prompt tokens of the investigation",
            sum(map(request_tokens, nb_bodies)),
            sum(map(request_tokens, hg_bodies)),
            "t",
        )
    )
    lines = [
        f"| measurement | holmes-nb | HolmesGPT {version} | ratio (holmes-nb / HolmesGPT) |",
        "|---|---:|---:|---:|",
    ]
    for label, a, b, unit in rows:
        show = fmt_s if unit == "s" else (lambda v: f"{v:,}")
        lines.append(f"| {label} | {show(a)} | {show(b)} | {_ratio(a, b)} |")
    ratio = rows[3][1] / rows[3][2]
    ev = m["evidence"]
    lines += [
        "",
        f'Question: "{QUESTION}"; the scripted model calls, in both products, describe of `{ev["pod"]}`, '
        f"the events of namespace `{ev['namespace']}` and the pod's logs, then answers. HolmesGPT's calls: "
        + "; ".join(f"`{r['tool']}({_args(r['arguments'])})`" for r in tool_results(hg_bodies[-1]))
        + ". Both read the same snapshot API server (holmes-nb with `--cluster context:demo`, HolmesGPT through "
        f"kubectl and a kubeconfig); medians of {len(m['first']['holmes-nb'])} runs each, time to first request "
        f"with HolmesGPT's toolset status cached (its very first run, which checks every toolset: "
        f"{fmt_s(m['cold_first'])}). `LITELLM_LOCAL_MODEL_COST_MAP=True` for both (offline). HolmesGPT asks "
        f"for `max_tokens` {hg_bodies[0].get('max_tokens', '-')} per request, holmes-nb "
        f"{nb_bodies[0].get('max_tokens', '-')}.",
    ]
    data = {k: m[k] for k in ("help", "first", "wall", "cold_first", "evidence")}
    data.update(version=version, rows=[r[:3] for r in rows])
    return {
        "title": title,
        "lines": lines,
        "data": data,
        "targets": [
            {
                "name": "first-request tokens, holmes-nb / HolmesGPT",
                "value": f"{ratio:.3f}",
                "target": "<= 0.2",
                "met": ratio <= 0.2,
            }
        ],
    }


def _args(arguments: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in arguments.items() if v is not None)[:90]


if __name__ == "__main__":
    isolate_environment()
    sec = side_by_side_section(install="--install" in sys.argv, runs=3)
    print("\n".join(sec["lines"]))
    print(verdict(sec["targets"][0]["met"]) if sec["targets"] else "")
