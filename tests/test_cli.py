"""The holmes-nb CLI as a user runs it: a subprocess, a scripted model server, the demo cluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from devkit.openai_server import call, say

SECRET = "sk-cli-test-5f4e3d2c1b0a9988"


def holmes(*args, env=None, stdin=None, timeout=120):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "holmes_nb", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        timeout=timeout,
    )


def test_ask_demo_cluster_end_to_end(model_server, tmp_path):
    srv = model_server(
        [
            call("find_problems"),
            call("list_pods", unhealthy_only=True),
            say("**checkout** is crash looping: `DATABASE_URL` is not set."),
        ]
    )
    out = tmp_path / "inv.json"
    r = holmes(
        "ask",
        "what pods are failing?",
        "--model",
        "openai/scripted",
        "--cluster",
        "demo",
        "--json-output-file",
        str(out),
        env={"OPENAI_API_BASE": srv.url, "OPENAI_API_KEY": SECRET},
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "**checkout** is crash looping: `DATABASE_URL` is not set."
    assert "-> find_problems()" in r.stderr and "[step 1/20]" in r.stderr
    data = json.loads(out.read_text())
    assert data["status"] == "answered" and data["cluster"] == "demo"
    assert [c["tool"] for s in data["steps"] for c in s["tool_calls"]] == ["find_problems", "list_pods"]
    assert all(c["status"] == "ok" for s in data["steps"] for c in s["tool_calls"])
    assert SECRET not in out.read_text() and SECRET not in r.stderr
    # the model read real demo-cluster evidence
    tool_text = srv.chat_requests[1]["messages"][-1]["content"]
    assert "CrashLoopBackOff" in tool_text


def test_piped_stdin_is_appended(model_server):
    srv = model_server([say("read it")])
    r = holmes(
        "ask",
        "why does this crash?",
        "--model",
        "openai/scripted",
        "--cluster",
        "demo",
        "-q",
        env={"OPENAI_API_BASE": srv.url},
        stdin="panic: DATABASE_URL missing\n",
    )
    assert r.returncode == 0, r.stderr
    question = srv.chat_requests[0]["messages"][1]["content"]
    assert question.startswith("why does this crash?") and "panic: DATABASE_URL missing" in question
    assert r.stderr == ""  # --quiet


def test_prompt_file(model_server, tmp_path):
    srv = model_server([say("ok")])
    (tmp_path / "q.txt").write_text("Is the payments namespace healthy?")
    r = holmes(
        "ask",
        "--prompt-file",
        str(tmp_path / "q.txt"),
        "--model",
        "openai/scripted",
        "--cluster",
        "demo",
        env={"OPENAI_API_BASE": srv.url},
    )
    assert r.returncode == 0 and srv.chat_requests[0]["messages"][1]["content"] == "Is the payments namespace healthy?"


def test_runtime_failure_exit_1_still_writes_json(model_server, tmp_path):
    srv = model_server([call("list_pods"), {"status": 500}, {"status": 500}, {"status": 500}])
    out = tmp_path / "inv.json"
    r = holmes(
        "ask",
        "q",
        "--model",
        "openai/scripted",
        "--cluster",
        "demo",
        "--json-output-file",
        str(out),
        env={"OPENAI_API_BASE": srv.url},
    )
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1].startswith("holmes-nb: error: the model server at")
    assert "Traceback" not in r.stderr
    data = json.loads(out.read_text())
    assert data["status"] == "failed" and data["steps"][0]["tool_calls"][0]["tool"] == "list_pods"


def test_config_error_exit_2_and_json(tmp_path):
    out = tmp_path / "inv.json"
    r = holmes("ask", "q", "--cluster", "demo", "--json-output-file", str(out))
    assert r.returncode == 2 and "no model configured" in r.stderr and "Traceback" not in r.stderr
    assert json.loads(out.read_text())["status"] == "failed"


@pytest.mark.parametrize(
    "args,message",
    [
        (["ask", "--model", "openai/x", "--cluster", "demo"], "no question given"),
        (["ask", "q", "--model", "openai/x", "--max-steps", "0"], "--max-steps"),
        (["ask", "q", "--model", "openai/x", "--cluster", "/nonexistent/snapshot.json"], "nonexistent"),
    ],
)
def test_usage_errors_exit_2(args, message):
    r = holmes(*args, env={"OPENAI_API_BASE": "http://127.0.0.1:9/v1"})
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr


def test_unreachable_server_fails_fast_with_hint():
    r = holmes("ask", "q", "--model", "openai/x", "--cluster", "demo", env={"OPENAI_API_BASE": "http://127.0.0.1:9/v1"})
    assert r.returncode == 1 and "cannot reach" in r.stderr and "OPENAI_API_BASE" in r.stderr


def test_models_lists_entries_with_masked_keys(tmp_path):
    (tmp_path / "values.yaml").write_text(f"""
modelList:
  local-llama:
    model: openai/llama3
    api_base: http://127.0.0.1:8000/v1
    api_key: not-needed
  hosted:
    model: openai/gpt-4o
    api_key: {SECRET}
config:
  model: hosted
""")
    r = holmes("models", "--config", str(tmp_path / "values.yaml"))
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["DEFAULT", "KEY", "MODEL", "API_BASE", "API_KEY", "SOURCE"]
    hosted = next(line for line in lines if " hosted " in line)
    assert hosted.startswith("*") and "sk-...9988" in hosted
    assert SECRET not in r.stdout
    r = holmes("models", "--config", str(tmp_path / "values.yaml"), "--json")
    assert json.loads(r.stdout)["default"] == "hosted" and SECRET not in r.stdout


def test_check_model_reports_llama_cpp_python_style_server(model_server):
    def tool_call(body, server):
        return call("list_pods", namespace="probe", id="call__0_list_pods_cmpl-1")

    def code_if_visible(body, server):
        return say("4917" if "4917" in server.visible_text(body) else "I cannot see it")

    srv = model_server(
        [tool_call, code_if_visible, code_if_visible], owned_by="me", drop_tool_role=True, model_ids=["smollm2"]
    )
    r = holmes("check-model", "openai/smollm2", "--json", env={"OPENAI_API_BASE": srv.url})
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    status = {c["name"]: c["status"] for c in report["checks"]}
    assert status == {"reachable": "ok", "tool calls": "ok", "tool results": "warn", "context window": "warn"}
    assert report["recommended_tool_results"] == "user"


def test_check_model_fails_for_a_model_without_tool_calls(model_server):
    srv = model_server([say("I am a chat model.")], props_n_ctx=4096)
    r = holmes("check-model", "openai/scripted", env={"OPENAI_API_BASE": srv.url})
    assert r.returncode == 1
    assert "without calling the tool" in r.stdout and "4096 tokens (server /props)" in r.stdout
