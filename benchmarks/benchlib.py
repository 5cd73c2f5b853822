"""Shared helpers of the benchmark runner (``benchmarks/run.py``): timing, the request-stamping
scripted model server, token counting of recorded requests, an isolated environment, the machine.

    with StampedServer([call("find_problems"), say("done")]) as srv:
        ...; srv.chat_requests[0]; srv.first_chat_after(t0)
    first_request_tokens(srv.chat_requests[0])
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # devkit/
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


from devkit.openai_server import ScriptedModelServer  # noqa: E402

#: variables that would point either product at a real model, config or cluster
USER_VARS = (
    "OPENAI_API_BASE",
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "MODEL",
    "MODEL_LIST_FILE_LOCATION",
    "HOLMES_NB_CONFIG",
    "CERTIFICATE",
    "SSL_CERT_FILE",
    "KUBERNETES_SERVICE_HOST",
    "KUBECONFIG",
)


def isolate_environment() -> Path:
    """Point HOME at a fresh temporary directory and drop user model/cluster settings (in place)."""
    home = Path(tempfile.mkdtemp(prefix="holmes-bench-home-"))
    for name in USER_VARS:
        os.environ.pop(name, None)
    os.environ.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        KUBECONFIG=str(home / "no-kubeconfig"),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
    )
    return home


def summary(values: list[float]) -> dict[str, float]:
    """Median, min, max and count of a list of measurements."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def timed_runs(fn: Callable[[], Any], runs: int) -> list[float]:
    """Wall seconds of ``runs`` calls of ``fn``."""
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def process_seconds(cmd: list[str], runs: int, env: dict | None = None) -> list[float]:
    """Wall seconds from process start to exit, ``runs`` times (the command must succeed)."""
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        out.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-500:]}")
    return out


class _StampedList(list):
    def append(self, item: dict) -> None:
        item["t"] = time.monotonic()  # arrival time, comparable with time.monotonic() in this process
        super().append(item)


class StampedServer(ScriptedModelServer):
    """The scripted model server, with the arrival time (``time.monotonic()``) of every request."""

    def __init__(self, script=(), **kwargs: Any):
        super().__init__(script, **kwargs)
        self.requests = _StampedList()

    def play(self, turns: list) -> int:
        """Replace the script with ``turns``; returns the index of the next request (for :meth:`since`)."""
        with self._lock:
            self.script = list(turns)
        return len(self.requests)

    def since(self, index: int) -> list[dict]:
        """Bodies of the chat requests received since ``play`` returned ``index``."""
        return [r["body"] for r in self.requests[index:] if r["path"].endswith("/chat/completions")]

    def first_chat_after(self, index: int) -> float | None:
        """Arrival time of the first chat request since ``index``."""
        return next((r["t"] for r in self.requests[index:] if r["path"].endswith("/chat/completions")), None)


def request_tokens(body: dict) -> int:
    """Prompt tokens of one recorded request: messages + tool schemas, LiteLLM ``token_counter`` (cl100k)."""
    import litellm

    return int(
        litellm.token_counter(model="gpt-3.5-turbo", messages=body.get("messages", []), tools=body.get("tools") or None)
    )


def tool_results(body: dict) -> list[dict]:
    """The tool results a request carries: ``[{"tool", "arguments", "text"}]`` in order.

    Results sent as ``role: "tool"`` are matched to the assistant message's calls by id."""
    calls: dict[str, tuple[str, Any]] = {}
    out = []
    for m in body.get("messages", []):
        for tc in m.get("tool_calls") or []:
            fn = tc.get("function", {})
            args = fn.get("arguments")
            calls[tc.get("id", "")] = (fn.get("name", "?"), json.loads(args) if isinstance(args, str) else args)
        if m.get("role") == "tool":
            name, args = calls.get(m.get("tool_call_id", ""), (m.get("name", "?"), {}))
            content = m.get("content")
            text = content if isinstance(content, str) else json.dumps(content)
            out.append({"tool": name, "arguments": args, "text": text})
    return out


def machine() -> dict[str, str]:
    """Cores, memory, CPU model, OS, Python and the date, for the record beside the tables."""
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        cpu = (
            next(
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            )
            or cpu
        )
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{mem_kb / 2**20:.1f} GiB" if mem_kb else "?",
        "cpu": cpu or "?",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load": f"{load:.2f}",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def write_kubeconfig(path: Path, server_url: str) -> Path:
    """A kubeconfig whose current context is the snapshot API server at ``server_url``."""
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: demo\n  cluster:\n    server: {server_url}\n"
        "users:\n- name: demo\n  user: {}\n"
        "contexts:\n- name: demo\n  context:\n    cluster: demo\n    user: demo\n    namespace: default\n"
        "current-context: demo\n"
    )
    return path


def exe(name: str) -> str:
    """A console script next to this interpreter (``holmes-nb``), else ``python -m`` fallback handled by callers."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("**met**" if ok else "**not met**")
