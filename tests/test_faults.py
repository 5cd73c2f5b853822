"""Faults don't lose work (issue 7, promise 3), each injected on a real loopback server.

- model server faults (the scripted OpenAI-compatible server) at step 2 or 3, after real tool calls,
  through ``api.ask`` and through the ``holmes-nb ask`` subprocess: bounded retries, then a clear
  error, every completed step kept, the JSON output file written;
- Kubernetes faults (the snapshot API server read through LiveCluster): each becomes a readable tool
  error the model sees, and the investigation goes on to its answer;
- Ctrl-C in the CLI (SIGINT during a slow model reply) and in the notebook magic.

With ``HOLMES_NB_FIGURES_DIR`` set, the faults injected and survived go to ``faults.json`` there
(scripts/reliability_table.py turns them into the table of docs/reliability.md).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

from devkit.openai_server import call, say
from holmes_nb import api
from holmes_nb import events as ev
from holmes_nb.apiserver.server import Fault, SnapshotAPIServer
from holmes_nb.errors import ModelError
from holmes_nb.formats.demo import demo_cluster
from holmes_nb.sources.live import LiveCluster

RETRIES = 1  # num_retries of the model entry: each fault is tried 1 + RETRIES times
NOISE = (
    "Traceback",
    "litellm.",
    "OpenAIException",
    "<class",
    "APIResponse",
    "urllib3",
    "HTTPConnectionPool",
    "MaxRetryError",
    "ApiException",
)
_injected: Counter = Counter()
_survived: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def figures(write_figures):
    """The counts, as faults.json, after the module's tests."""
    yield
    by_fault = {k: {"injected": _injected[k], "survived": _survived[k]} for k in sorted(_injected)}
    write_figures(
        "faults",
        {"faults_injected": sum(_injected.values()), "faults_survived": sum(_survived.values()), "by_fault": by_fault},
    )


@contextmanager
def injected(kind: str, n: int = 1):
    """Count ``n`` faults of ``kind`` as injected; as survived only if the block's checks pass."""
    _injected[kind] += n
    yield
    _survived[kind] += n


def _server_goes_away(body, server):
    """A turn that stops the server (listening socket and open connections) before answering."""
    server.stop()
    return {"disconnect": True}


# name: (turn, what the error says); every turn is served 1 + RETRIES times
MODEL_FAULTS = {
    "500": ({"status": 500}, "failed: scripted error 500"),
    "429 Retry-After": ({"status": 429, "headers": {"Retry-After": "0.3"}}, "rate limiting requests (429)"),
    "connection refused": (_server_goes_away, "cannot reach the model server"),
    "timeout": ({"hang": 3}, "no answer from"),
    "trickle": ({"trickle": 0.2}, "did not finish its reply within"),  # a byte every 0.2 s: no read times out
    "disconnect mid-response": ({"disconnect": "mid-body"}, "dropped the connection: peer closed connection"),
    "invalid JSON": ({"raw": '{"choices": [{"message": {"content": "cut'}, "a reply that is not JSON"),
    "empty reply": ({"raw": ""}, "an empty reply"),
}
TOOL_STEPS = [call("list_pods", namespace="shop"), call("events", namespace="shop")]


def _config(tmp_path: Path, srv, timeout: float = 0.5, retries: int = RETRIES) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"modelList:\n  scripted:\n    model: openai/scripted\n    api_base: {srv.url}\n"
        f"    timeout: {timeout}\n    num_retries: {retries}\n"
    )
    return path


def _clean(text: str) -> None:
    for noise in NOISE:
        assert noise not in text, f"{noise!r} in {text!r}"


def _check_kept(data: dict, steps: int) -> None:
    """The Investigation as JSON: failed, with every completed step and its tool calls."""
    assert data["status"] == "failed" and data["error"]
    assert len(data["steps"]) == steps
    calls = [c for s in data["steps"] for c in s["tool_calls"]]
    assert [c["tool"] for c in calls] == [t["tool_calls"][0]["name"] for t in TOOL_STEPS[:steps]]
    assert all(c["status"] == "ok" and c["text"] for c in calls)


# -- model server faults through api.ask ------------------------------------------------------
@pytest.mark.parametrize("fault", sorted(MODEL_FAULTS))
def test_model_fault_at_step_3_keeps_the_completed_steps(model_server, tmp_path, fault):
    turn, says = MODEL_FAULTS[fault]
    srv = model_server(TOOL_STEPS + [turn] * (1 + RETRIES))
    seen: list = []
    with injected(f"model: {fault}"):
        start = time.perf_counter()
        with pytest.raises(ModelError) as err:
            api.ask(
                "what is failing in shop?",
                "scripted",
                cluster="demo",
                config=str(_config(tmp_path, srv)),
                on_event=seen.append,
            )
        assert says in str(err.value) and err.value.hint
        _clean(str(err.value))
        if fault != "connection refused":  # a refused connection never reaches the server's log
            tries = 1 if fault == "trickle" else 1 + RETRIES  # a trickle would trickle again: not retried
            assert len(srv.chat_requests) == len(TOOL_STEPS) + tries  # bounded retries
        if fault.startswith("429"):
            assert time.perf_counter() - start >= 0.3  # Retry-After was honoured
        inv = err.value.investigation
        assert inv.status == "failed" and inv.finished_at
        _check_kept(json.loads(inv.to_json(str(tmp_path / "inv.json"))), 2)
        assert json.loads((tmp_path / "inv.json").read_text())["steps"][1]["tool_calls"][0]["tool"] == "events"
        assert isinstance(seen[-1], ev.Failed) and says in seen[-1].error


def test_empty_choices_is_an_empty_reply(model_server, tmp_path):
    srv = model_server(TOOL_STEPS + [{"raw": '{"id": "x", "object": "chat.completion", "choices": []}'}])
    with injected("model: empty choices"), pytest.raises(ModelError, match="no choices") as err:
        api.ask("q", "scripted", cluster="demo", config=str(_config(tmp_path, srv)))
    _check_kept(err.value.investigation.to_dict(), 2)


def test_transient_faults_are_retried_and_the_run_answers(model_server, tmp_path):
    srv = model_server(
        [
            TOOL_STEPS[0],
            {"disconnect": "mid-body"},
            TOOL_STEPS[1],
            {"raw": "<html>502</html>"},
            say("cart is crash looping"),
        ]
    )
    with injected("model: transient (retried, then answered)", 2):
        inv = api.ask("q", "scripted", cluster="demo", config=str(_config(tmp_path, srv)))
        assert inv.status == "answered" and inv.answer == "cart is crash looping"
        assert [c.status for c in inv.calls] == ["ok", "ok"] and len(srv.chat_requests) == 5


# -- model server faults through the CLI --------------------------------------------------------
def _cli_check(fault: str, code: int, stdout: str, stderr: str, out: Path) -> None:
    says = MODEL_FAULTS[fault][1]
    assert code == 1, (fault, stderr)
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("holmes-nb: error: ") and says in last, (fault, stderr)
    assert stdout == ""
    _clean(stderr)
    _check_kept(json.loads(out.read_text()), 1)


@pytest.mark.parametrize("fault", sorted(MODEL_FAULTS))
def test_cli_model_fault_at_step_2_exits_1_and_writes_the_json(model_server, tmp_path, capsys, fault):
    """`holmes-nb ask` in this process (the subprocess costs a LiteLLM import each; one runs below)."""
    from holmes_nb.cli import main

    srv = model_server(TOOL_STEPS[:1] + [MODEL_FAULTS[fault][0]])
    out = tmp_path / "inv.json"
    retries = 1 if fault == "connection refused" else 0  # the server leaves during the first try
    with injected(f"model: {fault}"):
        code = main(
            [
                "ask",
                "what is failing in shop?",
                "--cluster",
                "demo",
                "--config",
                str(_config(tmp_path, srv, retries=retries)),
                "--json-output-file",
                str(out),
            ]
        )
        captured = capsys.readouterr()
        _cli_check(fault, code, captured.out, captured.err, out)


def test_cli_subprocess_model_fault(model_server, tmp_path):
    fault = "invalid JSON"
    srv = model_server(TOOL_STEPS[:1] + [MODEL_FAULTS[fault][0]])
    out = tmp_path / "inv.json"
    cmd = [
        sys.executable,
        "-m",
        "holmes_nb",
        "ask",
        "what is failing in shop?",
        "--cluster",
        "demo",
        "--config",
        str(_config(tmp_path, srv, retries=0)),
        "--json-output-file",
        str(out),
    ]
    with injected(f"model: {fault}"):
        r = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
        _cli_check(fault, r.returncode, r.stdout, r.stderr, out)


# -- Kubernetes faults through the snapshot API server --------------------------------------------
K8S_STEPS = [
    call("list_pods", namespace="shop"),
    call("describe", {"kind": "pod", "name": "cart-redis-0", "namespace": "shop"}),
    call("pod_logs", {"name": "cart-redis-0", "namespace": "shop"}),
]
# name: (faults, index of the call they break, what the model reads)
K8S_FAULTS = {
    "403 forbidden": (
        [Fault(r"/namespaces/shop/pods\?", status=403, count=None)],
        [0],
        "kubectl auth can-i list pods -n shop",
    ),
    "404 deleted meanwhile": (
        [Fault(r"/namespaces/shop/pods/cart-redis-0$", status=404, count=None)],
        [1, 2],
        "pod 'cart-redis-0' not found",
    ),
    "410 expired list": (
        [Fault(r"/namespaces/shop/pods\?.*continue=", status=410, count=None)],
        [0],
        "the list expired while paging",
    ),
    "500 server error": ([Fault(r"/log", status=500, count=None)], [2], "failed with HTTP 500"),
    "slow beyond the timeout": (
        [Fault(r"/namespaces/shop/pods\?", delay=2.0, count=None)],
        [0],
        "did not answer within 0.5s",
    ),
}


def _k8s_run(model_server, tmp_path, replay, on_event=None):
    srv = model_server(K8S_STEPS + [say("cart-redis-0 is fine; the rest I could not read")])
    with LiveCluster(server=replay.url, timeout=0.5, page_size=10) as cluster:
        inv = api.ask(
            "is cart-redis healthy?", "scripted", cluster=cluster, config=str(_config(tmp_path, srv)), on_event=on_event
        )
    return inv, srv


def _check_k8s(inv, srv, broken: list[int], says: str) -> None:
    assert inv.status == "answered" and inv.answer.startswith("cart-redis-0 is fine")
    assert [c.tool for c in inv.calls] == [t["tool_calls"][0]["name"] for t in K8S_STEPS]
    for i, c in enumerate(inv.calls):
        assert c.status == ("error" if i in broken else "ok"), (i, c.text)
        read = [m["content"] for m in srv.chat_requests[i + 1]["messages"] if m["role"] == "tool"][-1]
        assert read == c.text  # what the model read is what was recorded
        if i in broken:
            assert read.startswith("ERROR: ") and says in read
            _clean(read)
    assert json.loads(inv.to_json())["usage"]["tool_calls"] == len(K8S_STEPS)


@pytest.mark.parametrize("fault", sorted(K8S_FAULTS))
def test_kubernetes_fault_becomes_a_tool_error_the_model_reads(model_server, tmp_path, fault):
    faults, broken, says = K8S_FAULTS[fault]
    with SnapshotAPIServer(demo_cluster()) as replay, injected(f"kubernetes: {fault}"):
        replay.faults.extend(faults)
        inv, srv = _k8s_run(model_server, tmp_path, replay)
        _check_k8s(inv, srv, broken, says)
        assert all(f.hits for f in faults) and {r.method for r in replay.requests} == {"GET"}


def test_api_server_going_away_mid_investigation(model_server, tmp_path):
    replay = SnapshotAPIServer(demo_cluster()).start()

    def stop_after_step_1(event):
        if isinstance(event, ev.ToolCallFinished) and event.step == 1:
            replay.stop()

    with injected("kubernetes: API server gone mid-investigation"):
        inv, srv = _k8s_run(model_server, tmp_path, replay, on_event=stop_after_step_1)
        _check_k8s(inv, srv, [1, 2], "cannot connect to the Kubernetes API")


# -- Ctrl-C -------------------------------------------------------------------------------------
def test_cli_ctrl_c_during_a_slow_reply_exits_130_with_the_partial_json(model_server, tmp_path):
    srv = model_server([TOOL_STEPS[0], say("too late", delay=30)])
    out = tmp_path / "inv.json"
    cmd = [
        sys.executable,
        "-m",
        "holmes_nb",
        "ask",
        "q",
        "--cluster",
        "demo",
        "--config",
        str(_config(tmp_path, srv, timeout=60)),
        "--json-output-file",
        str(out),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    with injected("Ctrl-C: CLI"):
        deadline = time.monotonic() + 60
        while len(srv.chat_requests) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert len(srv.chat_requests) == 2, "the second model request never came"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 130 and "holmes-nb: interrupted" in stderr
        _clean(stderr)
        data = json.loads(out.read_text())
        assert data["status"] == "stopped" and data["error"] == "stopped by the user"
        assert data["steps"][0]["tool_calls"][0]["status"] == "ok" and data["steps"][0]["tool_calls"][0]["text"]


def test_notebook_ctrl_c_in_a_tool_keeps_the_partial_investigation(model_server, openai_env, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    from holmes_nb.tools.custom import unregister

    class TestingShell(InteractiveShell):
        def run_cell(self, raw_cell, *args, **kwargs):
            result = super().run_cell(raw_cell, *args, **kwargs)
            result.raise_error()
            return result

    monkeypatch.setenv("HOLMES_NB_LIVE_DISPLAY", "off")
    openai_env(model_server([TOOL_STEPS[0], call("node_pressure"), say("never")]))
    TestingShell.clear_instance()
    ip = TestingShell.instance()
    try:
        ip.run_cell("%load_ext holmes_nb")
        ip.run_cell(
            "import holmes_nb\n@holmes_nb.tool\ndef node_pressure() -> str:\n"
            "    '''Memory pressure of the nodes (the user presses Ctrl-C while it runs).'''\n"
            "    raise KeyboardInterrupt\n"
        )
        with injected("Ctrl-C: notebook"):
            ip.run_cell('stopped = %holmes ask "why is cart slow?" --model openai/scripted --cluster demo')
            partial = ip.user_ns["_holmes_last"]
            assert ip.user_ns["stopped"] is partial  # the cell returns the partial run, no traceback
            assert partial.status == "stopped" and len(partial.steps) == 2
            assert partial.calls[0].tool == "list_pods" and partial.calls[0].status == "ok"
            ip.run_cell("h = %holmes history")
            assert list(ip.user_ns["h"]["question"]) == ["why is cart slow?"]
    finally:
        unregister("node_pressure")
        ip.run_cell("%unload_ext holmes_nb")
        TestingShell.clear_instance()
