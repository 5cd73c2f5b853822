"""No secret leaves: known secrets are planted in a snapshot (env values, a Secret, a ConfigMap,
command-line flags, an event, log lines, a termination message) and in the model config (the
modelList api_key), then every output path runs: the model's requests, the Investigation's JSON,
Markdown, postmortem file and mimebundle, its DataFrames, the recording, the CLI's stdout, stderr
and JSON output file, a saved snapshot, the notebook magic's output, an exception (a 401 whose body
echoes the key) and the log records. Each planted secret is grepped for everywhere: found must be 0.

With ``HOLMES_NB_FIGURES_DIR`` set, the counts go to ``secrets.json`` there for docs/reliability.md.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from planted_secrets import GCP_BODY, KEY, LOG, NS, PEM_BODY, POD, QUESTION, SECRETS, planted_doc

from devkit.openai_server import call, say
from holmes_nb import api
from holmes_nb.cluster_spec import open_cluster
from holmes_nb.errors import ModelError
from holmes_nb.formats.importers import save_snapshot
from holmes_nb.redact import REDACTED, redact_obj, scrub

_figures = {"secrets_planted": len(SECRETS), "outputs_checked": 0, "model_requests_checked": 0, "found": 0}


@pytest.fixture(scope="module", autouse=True)
def figures(write_figures):
    yield
    write_figures("secrets", _figures)


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """The planted snapshot as a file (written as is: save_snapshot would redact it)."""
    path = tmp_path_factory.mktemp("planted") / "planted.json"
    path.write_text(json.dumps(planted_doc()))
    raw = path.read_text()
    assert all(
        s in raw for s in SECRETS if s not in (KEY, "Pl4ntedQuestionPw", "Pl4ntedBasePw", "Pl4ntedPipedPw")
    )  # really planted
    return path


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"modelList:\n  planted:\n    model: openai/scripted\n    api_base: '{{{{ env.OPENAI_API_BASE }}}}'\n"
        f"    api_key: {KEY}\n"
        "  withpw:\n    model: openai/scripted\n    api_base: http://sync:Pl4ntedBasePw@127.0.0.1:9/v1\n"
        "    api_key: not-needed\n    timeout: 2\n    num_retries: 0\n"
    )
    monkeypatch.setenv("HOLMES_NB_CONFIG", str(cfg))
    return cfg


def _script() -> list:
    return [
        call("find_problems", namespace=NS),
        call("list_pods", namespace=NS),
        call("describe", {"kind": "pod", "name": POD, "namespace": NS}),
        call("pod_logs", {"name": POD, "namespace": NS}),
        call("pod_logs", {"name": POD, "namespace": NS, "previous": True, "grep": "password|key|auth"}),
        call("pod_logs", {"name": "payments-worker-jtcggbqmfl-pmvnh", "namespace": NS}),
        call("describe", {"kind": "pod", "name": "report-ui-4p6dlgd9jq-4cljb", "namespace": "data"}),
        call("events", namespace=NS, object=f"pod/{POD}"),
        call("list_resources", kind="secrets", namespace=NS),
        call("list_resources", kind="configmaps", namespace=NS),
        say(f"**vault-sync** cannot log in to Vault. (The model echoes the key {KEY}.)"),
    ]


def _leaks(outputs: dict[str, str]) -> list[str]:
    """Every (output, secret) pair where the secret shows up; counts the figures."""
    _figures["outputs_checked"] += len(outputs)
    found = [
        f"{name}: {secret!r} ({SECRETS[secret]})"
        for name, text in outputs.items()
        for secret in SECRETS
        if secret in text
    ]
    _figures["found"] += len(found)
    return found


def _requests(srv) -> dict[str, str]:
    """Every request the model server received: path and body (the Authorization header carries the
    key by design, to the server it belongs to)."""
    _figures["model_requests_checked"] += len(srv.requests)
    assert all(
        {k.lower(): v for k, v in r["headers"].items()}.get("authorization") == f"Bearer {KEY}" for r in srv.requests
    )
    return {f"model request {i} ({r['path']})": json.dumps([r["path"], r["body"]]) for i, r in enumerate(srv.requests)}


def _frames(inv) -> dict[str, str]:
    out = {f"frame {k}": f.to_csv() for k, f in inv.frames.items()}
    out["tool_calls frame"] = inv.tool_calls.to_csv()
    return out


def test_api_exports_recording_and_snapshot_leak_nothing(planted, config, model_server, openai_env, tmp_path, caplog):
    from holmes_nb.report import export_postmortem

    caplog.set_level(logging.DEBUG)
    srv = openai_env(model_server(_script(), api_key=KEY))  # the key from the config file is what authenticates
    seen = []
    inv = api.ask(
        QUESTION,
        model="planted",
        cluster=str(planted),
        max_steps=12,
        record=str(tmp_path / "rec.json"),
        on_event=seen.append,
    )
    assert inv.status == "answered" and [c.status for c in inv.calls] == ["ok"] * 10
    tool_text = "\n".join(c.text for c in inv.calls)
    assert tool_text.count(REDACTED) >= 10 and "--password=***" in tool_text  # the evidence was there, redacted
    assert "CrashLoopBackOff" in tool_text and "giving up" in tool_text
    md = export_postmortem(inv, tmp_path / "pm" / "vault.md")[0]
    snap = save_snapshot(open_cluster(str(planted)), tmp_path / "saved.json")
    outputs = {
        **_requests(srv),
        "inv.to_json file": (inv.to_json(str(tmp_path / "inv.json")), (tmp_path / "inv.json").read_text())[1],
        "inv.to_markdown": inv.to_markdown(),
        "postmortem file": md.read_text(),
        **{f"mimebundle {k}": v for k, v in inv._repr_mimebundle_().items()},
        "recording file": (tmp_path / "rec.json").read_text(),
        "answer": inv.answer,
        "str/repr": f"{inv}\n{inv!r}",
        "events": "\n".join(repr(e) for e in seen),
        **_frames(inv),
        "saved snapshot": snap.read_text(),
        "log records": "\n".join(r.getMessage() for r in caplog.records),
    }
    assert not _leaks(outputs)
    assert "sk-...9d1a" in inv.answer and KEY not in inv.answer  # the echoed key is masked in what people see


def test_cli_and_model_error_leak_nothing(planted, config, model_server, openai_env, tmp_path, capsys, caplog):
    from holmes_nb.cli import main

    caplog.set_level(logging.DEBUG)
    srv = openai_env(model_server(_script(), api_key=KEY))
    out = tmp_path / "cli.json"
    assert (
        main(
            [
                "ask",
                QUESTION,
                "--model",
                "planted",
                "--cluster",
                str(planted),
                "--max-steps",
                "12",
                "--json-output-file",
                str(out),
            ]
        )
        == 0
    )
    cli = capsys.readouterr()
    assert "vault-sync" in cli.out and "-> pod_logs(" in cli.err
    outputs = {**_requests(srv), "CLI stdout": cli.out, "CLI stderr": cli.err, "CLI JSON file": out.read_text()}
    # a 401 whose body echoes the key, after a tool call: the exception and the partial run
    turns = [call("pod_logs", {"name": POD, "namespace": NS}), {"status": 401, "message": f"Incorrect API key: {KEY}"}]
    failing = openai_env(model_server(turns * 2))  # once through the API, once through the CLI
    with pytest.raises(ModelError) as err:
        api.ask(QUESTION, model="planted", cluster=str(planted))
    partial = err.value.investigation
    assert partial.status == "failed" and partial.calls[0].status == "ok"
    assert (
        main(
            [
                "ask",
                QUESTION,
                "--model",
                "planted",
                "--cluster",
                str(planted),
                "--json-output-file",
                str(tmp_path / "fail.json"),
            ]
        )
        == 1
    )
    failed_cli = capsys.readouterr()
    outputs.update(
        {
            **_requests(failing),
            "exception": f"{err.value}\n{err.value.hint}\n{err.value!r}",
            "partial to_json": partial.to_json(),
            "failed CLI stderr": failed_cli.err,
            "failed CLI stdout": failed_cli.out,
            "failed CLI JSON file": (tmp_path / "fail.json").read_text(),
            "log records": "\n".join(r.getMessage() for r in caplog.records),
        }
    )
    assert "401" in str(err.value) or "key" in str(err.value).lower()
    assert not _leaks(outputs)


def test_notebook_magic_output_leaks_nothing(planted, config, model_server, openai_env, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    monkeypatch.setenv("HOLMES_NB_LIVE_DISPLAY", "text")  # the live view prints every call and result line
    srv = openai_env(model_server(_script(), api_key=KEY))
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("%load_ext holmes_nb")
        with capture_output() as cap:
            result = shell.run_cell(f"%holmes ask {QUESTION} --model planted --cluster {planted} --max-steps 12")
            shell.run_cell("from IPython.display import display; display(_holmes_last)")  # its rich display
        assert result.error_in_exec is None and shell.user_ns["_holmes_last"].status == "answered"
        shown = [json.dumps(o.data) for o in cap.outputs]
        outputs = {
            **_requests(srv),
            "magic stdout": cap.stdout,
            "magic stderr": cap.stderr,
            **{f"display {i}": s for i, s in enumerate(shown)},
        }
    finally:
        shell.run_cell("%unload_ext holmes_nb")
        InteractiveShell.clear_instance()
    assert shown and "pod_logs" in cap.stdout
    assert not _leaks(outputs)


def _served(url: str) -> dict[str, str]:
    """Raw responses of the snapshot API server (not through a client that asks for metadata only)."""
    import urllib.request

    paths = [
        f"/api/v1/namespaces/{NS}/pods",
        f"/api/v1/namespaces/{NS}/pods/{POD}",
        f"/api/v1/namespaces/{NS}/configmaps",
        f"/api/v1/namespaces/{NS}/secrets",
        f"/api/v1/namespaces/{NS}/events",
        f"/api/v1/namespaces/{NS}/pods/{POD}/log?container=vault-sync",
        f"/api/v1/namespaces/{NS}/pods/{POD}/log?container=vault-sync&previous=true",
    ]
    out = {}
    for path in paths:
        with urllib.request.urlopen(url + path, timeout=30) as resp:
            out[f"served {path}"] = resp.read().decode()
    return out


def test_scan_capture_serve_and_model_commands_leak_nothing(planted, config, tmp_path, capsys):
    """The outputs that do not involve a model: scan (CLI and frames), capture, serve, models and
    check-model (an api_base with a password)."""
    import holmes_nb
    from holmes_nb.apiserver.server import SnapshotAPIServer
    from holmes_nb.cli import main
    from holmes_nb.formats.capture import capture
    from holmes_nb.formats.importers import load_snapshot
    from holmes_nb.sources.live import LiveCluster

    outputs: dict[str, str] = {}
    for fmt in ("table", "json", "markdown"):
        main(["scan", "--cluster", str(planted), "--format", fmt])
        outputs[f"scan --format {fmt}"] = capsys.readouterr().out
    assert "vault-sync" in outputs["scan --format table"]
    outputs["cluster().problems()"] = holmes_nb.cluster(str(planted)).problems().to_csv()
    with SnapshotAPIServer(load_snapshot(planted)) as srv:
        outputs.update(_served(srv.url))
        with LiveCluster(server=srv.url, page_size=50) as live:
            path = capture(live, tmp_path / "captured.json", namespaces=[NS]).path
    outputs["snapshot capture file"] = Path(path).read_text()
    assert POD in outputs["snapshot capture file"] and "--password=***" in outputs["snapshot capture file"]
    for args in (["models"], ["models", "--json"], ["check-model", "withpw"], ["check-model", "withpw", "--json"]):
        main(args)
        got = capsys.readouterr()
        outputs[" ".join(args)] = got.out + got.err
    assert "127.0.0.1:9" in outputs["models"] and "127.0.0.1:9" in outputs["check-model withpw"]
    assert not _leaks(outputs)


def test_piped_input_leaks_nothing(planted, config, model_server, openai_env, tmp_path):
    """A log piped into `holmes-nb ask` (a real subprocess, stdin a pipe) is part of the question."""
    import os
    import subprocess
    import sys

    srv = openai_env(model_server([say("the worker cannot reach redis")], api_key=KEY))
    piped = "2025-03-14T10:29:04Z ERROR dial redis://:Pl4ntedPipedPw@redis.payments:6379: NOAUTH\n"
    out = tmp_path / "piped.json"
    cmd = [sys.executable, "-m", "holmes_nb", "ask", "why?", "--model", "planted", "--cluster", str(planted)]
    r = subprocess.run(
        [*cmd, "--json-output-file", str(out)], input=piped, capture_output=True, text=True, timeout=120,
        env={**os.environ},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "NOAUTH" in json.dumps(srv.requests[-1]["body"])  # the piped log reached the model, redacted
    outputs = {**_requests(srv), "stdout": r.stdout, "stderr": r.stderr, "JSON file": out.read_text()}
    assert not _leaks(outputs)


def test_redact_obj_and_scrub_cover_every_kind():
    doc = planted_doc()
    text = json.dumps(redact_obj(doc["objects"])) + "\n".join(scrub(rec["text"]) for rec in doc["logs"])
    text += scrub(QUESTION)
    assert not _leaks({"redact_obj(objects) + scrub(logs)": text})
    pod = redact_obj(next(p for p in doc["objects"]["pods"] if p["metadata"]["name"] == POD))
    c = pod["spec"]["containers"][0]
    assert c["command"][:4] == ["/bin/vault-sync", "--password=***", "--token", "***"]
    assert [e["value"] for e in c["env"][:3]] == [REDACTED, REDACTED, REDACTED]
    kept = "env DB_HOST=postgres.data.svc, reason CrashLoopBackOff, secretName: grafana-tls, max_tokens: 512"
    assert scrub(kept) == kept  # names of secrets and ordinary values stay readable


def test_scrub_cost_on_a_large_log():
    """A 1 MB log with secrets every few lines is scrubbed in well under a second (the figure is reported)."""
    demo = open_cluster("demo")
    base = "\n".join([*demo.log_store.values(), LOG])
    text = (base * (1_000_000 // len(base) + 1))[:1_000_000]
    best = min(_timed(scrub, text) for _ in range(3))
    _figures["scrub_ms_per_mb"] = round(best * 1000, 1)
    out = scrub(text)
    assert "Pl4ntedLogPw" not in out and out.count(REDACTED) > 100  # its cost is a figure, not a test


def test_a_cut_off_key_body_is_redacted_but_plain_long_lines_stay():
    tail = f"{PEM_BODY}\n{GCP_BODY}\n-----END PRIVATE KEY-----\nstarted"  # a log tail without the BEGIN line
    assert PEM_BODY not in scrub(tail) and GCP_BODY not in scrub("boot\n" + tail)
    plain = "\n".join(
        ["=" * 60, "-" * 60, "x" * 400, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
    )
    assert scrub("log\n" + plain) == "log\n" + plain  # rules, filler and hex digests are not keys


def _timed(fn, arg) -> float:
    start = time.perf_counter()
    fn(arg)
    return time.perf_counter() - start


def test_a_snapshot_is_redacted_once_and_a_live_cluster_every_time(planted):
    """The snapshot API server redacts a snapshot's object on its first serve and serves that copy
    afterwards (a 10,000-pod list was mostly redaction); objects from a live cluster are new on
    every read, so each is redacted as it is served. Nothing leaks either way."""
    from holmes_nb.apiserver.routes import ReplayAPI
    from holmes_nb.apiserver.server import SnapshotAPIServer
    from holmes_nb.formats.importers import load_snapshot
    from holmes_nb.sources.live import LiveCluster

    path = f"/api/v1/namespaces/{NS}/pods"
    snap = load_snapshot(planted)
    api = ReplayAPI(snap)
    first, second = (api.get(path, {}, "application/json").body.decode() for _ in range(2))
    assert first == second and POD in first and not _leaks({"first": first, "second": second})
    pod = snap.get("pods", POD, NS)
    assert api._served is not None and api._served[id(pod)][0] is pod  # kept: not redacted again
    with SnapshotAPIServer(snap) as srv, LiveCluster(server=srv.url) as live:
        relayed = ReplayAPI(live)
        again = [relayed.get(path, {}, "application/json").body.decode() for _ in range(2)]
        assert relayed._served is None and POD in again[1] and not _leaks({"relayed": again[0] + again[1]})


def test_a_snapshot_server_redacts_ahead_of_the_first_listing(planted):
    """At start the server redacts the snapshot's most listed kinds in a thread (the first listing
    of 10,000 pods cost 3.3 s, later ones 1.2 s); what it then serves is that copy, and leaks nothing."""
    import threading

    from holmes_nb.apiserver.routes import ReplayAPI
    from holmes_nb.apiserver.server import SnapshotAPIServer
    from holmes_nb.formats.importers import load_snapshot

    snap = load_snapshot(planted)
    pod = snap.get("pods", POD, NS)
    stopping = threading.Event()
    stopping.set()
    assert ReplayAPI(snap).warm(stopping) == 0  # a server stopping at once stops warming
    api = ReplayAPI(snap)
    assert api.warm(threading.Event()) >= len(snap.list("pods")) and id(pod) in (api._served or {})
    kept = api._served[id(pod)][1]  # type: ignore[index]
    body = api.get(f"/api/v1/namespaces/{NS}/pods/{POD}", {}, "application/json").body.decode()
    assert json.loads(body) == kept and not _leaks({"warmed": body})
    with SnapshotAPIServer(snap) as srv:  # start() warms in the background
        deadline = time.monotonic() + 30
        while id(pod) not in (srv.api._served or {}) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert id(pod) in (srv.api._served or {})
