"""holmes_nb.evaluate() and the suite format, against scripted model servers on 127.0.0.1: pass, fail,
fallback and error rows, one lane per backend, Ctrl-C keeping the finished rows, the LLM judge."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
from importlib.resources import files

import pytest

import holmes_nb
from devkit.openai_server import call, say
from holmes_nb.errors import ConfigError
from holmes_nb.evaluation.judge import parse_verdict
from holmes_nb.evaluation.runner import COLUMNS, evaluate
from holmes_nb.evaluation.suite import load_suite, parse_suite

SUITE = """
scenarios:
  - name: checkout
    namespace: shop
    question: Why does checkout keep restarting?
    expect: ["PAYMENTS_API_URL"]
  - name: search
    namespace: shop
    question: Why is search not ready?
    expect: ["products-v7"]
  - name: ledger
    namespace: payments
    question: Why is the ledger pod stuck in ContainerCreating?
    expect: ["ledger-tls"]
"""


def brain(body, srv):
    """A scripted 'model' that reads the question: one tool call, then an answer by topic."""
    msgs = body["messages"]
    question = next(m["content"] for m in msgs if m["role"] == "user")
    called = any(m.get("tool_calls") for m in msgs if m["role"] == "assistant")
    ns = "payments" if "ledger" in question else "shop"
    if not called and body.get("tools"):
        return call("find_problems", namespace=ns)
    if "checkout" in question:
        return say("checkout exits at start because PAYMENTS_API_URL is not set; set it in checkout-config.")
    if "search" in question:
        return say("Search looks healthy to me.")
    return say("")  # ledger: no usable answer, so holmes-nb falls back to the evidence


@pytest.fixture
def suite_file(tmp_path):
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE)
    return path


def _config(tmp_path, **entries):
    path = tmp_path / "config.yaml"
    lines = ["modelList:"] + [
        f"  {k}: {{model: '{m}', api_base: '{b}', num_retries: 0}}" for k, (m, b) in entries.items()
    ]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_the_demo_suite_ships_and_every_expectation_is_in_the_demo_evidence():
    suite = load_suite("demo")
    assert len(suite) >= 15 and {s.cluster for s in suite.scenarios} == {"demo"}
    evidence = (files("holmes_nb") / "data" / "demo-cluster.json").read_text()
    for s in suite.scenarios:
        assert s.missing(evidence) == [], s.name  # answerable: the words are in the cluster's data


BOMB = (
    "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))
    + "scenarios: *a8\n"
)


@pytest.mark.parametrize(
    "text, message",
    [
        ("scenarios: [", "malformed YAML"),
        (BOMB, "aliases expand to over"),
        ("scenarios:\n  - {name: a, question: q, expect: [x], name: b}", "duplicate key 'name'"),
        ("scenarios: []", "has no scenarios"),
        ("scenarios:\n  - {name: a, question: q, expect: ['(']}", "bad regex"),
        ("scenarios:\n  - {name: a, question: q, expect: [x], colour: red}", "unknown keys colour"),
        ("scenarios:\n  - {name: a, question: q}", "`expect` must be"),
        ("scenarios:\n  - {name: a, question: q, expect: [x]}\n  - {name: a, question: r, expect: [y]}", "repeated: a"),
        ("scenarios:\n  - {name: a, question: q, expect: [x], max_steps: 0}", "max_steps"),
    ],
)
def test_bad_suites_are_clear_config_errors(text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_suite(text, source="t.yaml")


def test_relative_cluster_paths_are_relative_to_the_suite(tmp_path):
    (tmp_path / "s.yaml").write_text("scenarios:\n  - {name: a, cluster: snaps/x.json, question: q, expect: [x]}\n")
    assert load_suite(tmp_path / "s.yaml").scenarios[0].cluster == str(tmp_path / "snaps" / "x.json")


def test_pass_fail_fallback_and_error_rows(model_server, suite_file, tmp_path, unused_port):
    srv = model_server(default=brain)
    cfg = _config(
        tmp_path, good=("openai/scripted", srv.url), down=("openai/scripted", f"http://127.0.0.1:{unused_port}/v1")
    )
    ev = holmes_nb.evaluate(str(suite_file), models=["good", "down"], config=cfg)
    rows = {(r["scenario"], r["model"]): r for r in (run.to_dict() for run in ev.runs)}
    assert list(ev.frame.columns) == COLUMNS and len(ev.frame) == len(rows) == 6 and not ev.interrupted
    good = rows["checkout", "good"]
    assert good["passed"] and "PAYMENTS_API_URL" in good["answer"] and not good["fallback"]
    assert good["steps"] == 2 and good["tool_calls"] == 1 and good["tokens"] > 0 and good["error"] is None
    wrong = rows["search", "good"]
    assert not wrong["passed"] and wrong["answer"] == "Search looks healthy to me." and wrong["error"] is None
    fallback = rows["ledger", "good"]
    assert fallback["fallback"] and "ledger-tls" in fallback["answer"]  # the evidence names it ...
    assert not fallback["passed"]  # ... but a fallback never passes
    for name in ("checkout", "search", "ledger"):
        down = rows[name, "down"]
        assert not down["passed"] and "cannot reach the model server" in down["error"] and down["steps"] == 0
    summary = ev.summary().set_index("model")
    assert summary.loc["good", "passed"] == 1 and summary.loc["good", "fallbacks"] == 1
    assert summary.loc["down", "errors"] == 3 and summary.loc["down", "pass_rate"] == 0
    fig = ev.plot()
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel() == "scenarios passed (%)"
    data = json.loads(ev.to_json(str(tmp_path / "runs.json")))
    assert data == json.loads((tmp_path / "runs.json").read_text()) and len(data) == 6
    assert set(COLUMNS) <= set(data[0]) and data[0]["missing"] == []
    assert "1/6 runs passed on 2 model(s)" in repr(ev)


def test_runs_of_one_backend_never_overlap(model_server, suite_file, tmp_path):
    """Two models on one server, concurrency 2: one lane, so their requests never interleave."""
    srv = model_server(default=brain, model_ids=("a", "b"))
    cfg = _config(tmp_path, a=("openai/a", srv.url), b=("openai/b", srv.url))
    ev = evaluate(str(suite_file), ["a", "b"], config=cfg, concurrency=2)
    order = [body["model"].split("/")[-1] for body in srv.chat_requests]
    assert sorted(order) == order or sorted(order, reverse=True) == order  # all of a, then all of b
    assert [r.passed for r in ev.runs] == [True, False, False] * 2


def test_two_backends_run_concurrently_and_both_complete(model_server, suite_file, tmp_path):
    one, two = model_server(default=brain), model_server(default=brain)
    cfg = _config(tmp_path, one=("openai/scripted", one.url), two=("openai/scripted", two.url))
    ev = evaluate(str(suite_file), ["one", "two"], config=cfg, concurrency=2)
    assert [(r.run.model, r.scenario.name, r.passed) for r in ev.runs] == [
        ("one", "checkout", True),
        ("one", "search", False),
        ("one", "ledger", False),
        ("two", "checkout", True),
        ("two", "search", False),
        ("two", "ledger", False),
    ]
    assert len(one.chat_requests) == len(two.chat_requests) > 0


def test_ctrl_c_keeps_the_finished_rows(model_server, suite_file, tmp_path):
    def slow_search(body, srv):
        question = next(m["content"] for m in body["messages"] if m["role"] == "user")
        if "search" in question:
            threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
            return {**say("too late"), "delay": 20}
        return brain(body, srv)

    srv = model_server(default=slow_search)
    cfg = _config(tmp_path, good=("openai/scripted", srv.url))
    ev = evaluate(str(suite_file), ["good"], config=cfg)
    assert ev.interrupted
    assert [(r.scenario.name, r.run.status, r.passed) for r in ev.runs] == [
        ("checkout", "answered", True),
        ("search", "interrupted", False),
    ]  # the ledger scenario never started
    assert ev.runs[1].run.error == "interrupted by the user"


def test_the_judge_gives_a_second_verdict(model_server, suite_file, tmp_path):
    srv = model_server(default=brain)
    judge = model_server(default=say('Sure. {"verdict": "pass", "reason": "it names the missing variable"}'))
    cfg = _config(tmp_path, good=("openai/scripted", srv.url), judge=("openai/scripted", judge.url))
    ev = evaluate(str(suite_file), ["good"], config=cfg, judge="judge")
    frame = ev.frame.set_index("scenario")
    assert list(frame.columns)[-2:] == ["judge", "judge_reason"]
    assert frame.loc["checkout", "judge"] == "pass" and "missing variable" in frame.loc["checkout", "judge_reason"]
    prompt = judge.chat_requests[0]["messages"][0]["content"]
    assert "Why does checkout keep restarting?" in prompt and "PAYMENTS_API_URL" in prompt
    assert frame.loc["checkout", "passed"]  # the judge adds a verdict, it does not replace the check


@pytest.mark.parametrize(
    "reply, verdict",
    [
        ('{"verdict": "FAIL", "reason": "only symptoms"}', "fail"),
        ("```json\n{'verdict': 'pass', 'reason': 'ok',}\n```", "pass"),
        ("I think it is good", None),
        ('{"verdict": "maybe"}', None),
    ],
)
def test_judge_replies_are_parsed_or_refused(reply, verdict):
    assert parse_verdict(reply)[0] == verdict


def test_evaluate_needs_a_model():
    with pytest.raises(ConfigError, match="at least one model"):
        evaluate("demo", [])


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_eval_prints_the_table_and_writes_json(model_server, suite_file, tmp_path, capsys):
    from holmes_nb.cli import main

    srv = model_server(default=brain)
    cfg = _config(tmp_path, good=("openai/scripted", srv.url))
    out = tmp_path / "runs.json"
    assert main(["eval", str(suite_file), "--model", "good", "--config", cfg, "--json-output-file", str(out)]) == 1
    printed = capsys.readouterr()
    assert re.search(r"checkout\s+good\s+True\s+False\s+2\s+1", printed.out)
    assert re.search(r"ledger\s+good\s+False\s+True", printed.out)  # the fallback row
    assert "good / checkout -> passed" in printed.err and "good / search -> failed" in printed.err
    runs = json.loads(out.read_text())
    assert [(r["scenario"], r["passed"], r["fallback"]) for r in runs] == [
        ("checkout", True, False),
        ("search", False, False),
        ("ledger", False, True),
    ]
    assert set(runs[0]) >= {
        "scenario",
        "model",
        "passed",
        "answer",
        "fallback",
        "steps",
        "tool_calls",
        "tokens",
        "seconds",
        "error",
    }


def test_cli_eval_bad_suite_is_a_usage_error(tmp_path, capsys):
    from holmes_nb.cli import main

    (tmp_path / "bad.yaml").write_text("scenarios: nope\n")
    assert main(["eval", str(tmp_path / "bad.yaml"), "--model", "openai/x"]) == 2
    assert "has no scenarios" in capsys.readouterr().err
