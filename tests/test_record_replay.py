"""Record a real run (scripted server, real LiteLLM, demo cluster), replay it offline through LiteLLM,
and compare backends."""

from __future__ import annotations

import json

import pytest

import holmes_nb
from devkit.openai_server import ScriptedModelServer, call, say
from holmes_nb.cli import main
from holmes_nb.config import Config
from holmes_nb.errors import ConfigError, ModelError
from holmes_nb.tools.base import Tool

KEY = "sk-record-test-9f8e7d6c5b4a3210"
QUESTION = "what pods are failing?"
ANSWER = "**checkout** is crash looping: `DATABASE_URL` is not set."


def oncall_tool() -> Tool:
    return Tool(
        "team_oncall",
        "Who is on call for a team.",
        {"type": "object", "properties": {"team": {"type": "string"}}},
        lambda team="shop": f"{team}: alice",
    )


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """One real recorded run on the demo cluster with an API key; the server is stopped afterwards."""
    srv = ScriptedModelServer(
        [call("find_problems"), call("team_oncall", team="shop"), call("list_pods", unhealthy_only=True), say(ANSWER)],
        api_key=KEY,
    ).start()
    path = tmp_path_factory.mktemp("recording") / "run.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENAI_API_BASE", srv.url)
        mp.setenv("OPENAI_API_KEY", KEY)
        try:
            inv = holmes_nb.ask(
                QUESTION,
                model="openai/scripted",
                cluster="demo",
                config=Config(),
                tools=[oncall_tool()],
                record=str(path),
            )
        finally:
            srv.stop()
    return path, inv, srv


@pytest.fixture
def recorded(recording, tmp_path):
    """A copy of the recording (tests may damage it); no API key or server in the environment."""
    path, inv, srv = recording
    copy = tmp_path / "run.json"
    copy.write_bytes(path.read_bytes())
    return copy, inv, srv


def test_record_masks_keys_and_keeps_every_call(recorded):
    path, inv, srv = recorded
    text = path.read_text()
    assert KEY not in text and "api_key" not in text and srv.url not in text
    doc = json.loads(text)
    meta = doc["meta"]
    assert doc["format"] == "holmes-nb-recording" and meta["holmes_nb_version"] == holmes_nb.__version__
    assert (meta["question"], meta["cluster"], meta["model_id"], meta["status"]) == (
        QUESTION,
        "demo",
        "openai/scripted",
        "answered",
    )
    assert meta["server_kind"].startswith("scripted") and meta["endpoint"] == "local"
    assert meta["recorded_at"] and meta["context_window"] == inv.context_window
    assert len(doc["exchanges"]) == len(srv.chat_requests) == 4
    first = doc["exchanges"][0]
    assert first["request"]["messages"] == srv.chat_requests[0]["messages"]
    assert "team_oncall" in [t["function"]["name"] for t in first["request"]["tools"]]
    assert first["response"]["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "find_problems"


def test_replay_offline_gives_the_same_run(recorded):
    path, inv, srv = recorded
    served = len(srv.requests)
    again = holmes_nb.ask(QUESTION, model=f"replay/{path}", cluster="demo", tools=[oncall_tool()])
    assert len(srv.requests) == served  # nothing reached the (stopped) server
    assert again.status == "answered" and again.answer == inv.answer == ANSWER
    assert [(c.tool, c.arguments, c.status) for c in again.calls] == [
        (c.tool, c.arguments, c.status) for c in inv.calls
    ]
    assert [c.text for c in again.calls] == [c.text for c in inv.calls]  # the tools ran again, same demo data
    assert "CrashLoopBackOff" in again.calls[0].text
    # a second replay of the same entry starts from the top again
    assert holmes_nb.ask(QUESTION, model=f"replay/{path}", cluster="demo", tools=[oncall_tool()]).answer == ANSWER
    assert again.model_id == f"replay/{path.name}"  # never this machine's absolute path (tmp is outside the cwd)


def test_replay_model_id_is_relative_to_the_working_directory(recorded, monkeypatch):
    path, _, _ = recorded
    monkeypatch.chdir(path.parent.parent)
    inv = holmes_nb.ask(QUESTION, model=f"replay/{path}", cluster="demo", tools=[oncall_tool()])
    assert inv.model_id == f"replay/{path.parent.name}/{path.name}"


def test_replay_without_a_recorded_tool_is_a_clear_error(recorded):
    path, _, _ = recorded
    with pytest.raises(ConfigError, match="recorded run calls team_oncall, which the current toolset lacks") as e:
        holmes_nb.ask(QUESTION, model=f"replay/{path}", cluster="demo")
    assert "--custom-toolsets" in e.value.hint and e.value.investigation.calls == []


def test_replay_of_another_question_is_a_clear_error(recorded):
    path, _, _ = recorded
    with pytest.raises(ConfigError, match="answers a different question") as e:
        holmes_nb.ask(
            "is the payments namespace healthy?", model=f"replay/{path}", cluster="demo", tools=[oncall_tool()]
        )
    assert QUESTION in str(e.value)


def test_replay_asking_for_more_calls_than_recorded(recorded):
    path, _, _ = recorded
    doc = json.loads(path.read_text())
    doc["exchanges"] = doc["exchanges"][:2]  # a run interrupted after two model calls
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="holds only 2 model replies") as e:
        holmes_nb.ask(QUESTION, model=f"replay/{path}", cluster="demo", tools=[oncall_tool()])
    assert len(e.value.investigation.calls) == 2  # the replayed part ran


def test_replay_with_other_settings_diverges_clearly(recorded):
    path, _, _ = recorded
    with pytest.raises(ModelError, match="left the recording at model call 2") as e:
        holmes_nb.ask(QUESTION, model=f"replay/{path}", cluster="demo", tools=[oncall_tool()], max_steps=2)
    assert "max_steps 20" in e.value.hint


@pytest.mark.parametrize(
    "content,message",
    [
        (None, "recording not found"),
        ('{"format": "holmes-nb-recording", "exch', "not valid JSON"),
        ('{"status": "answered", "steps": []}', "not a holmes-nb recording"),
        ('{"format": "holmes-nb-recording", "version": 1, "exchanges": []}', "holds no model calls"),
    ],
)
def test_bad_recording_files(tmp_path, content, message):
    path = tmp_path / "rec.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message) as e:
        holmes_nb.ask(QUESTION, model=f"replay/{path}", cluster="demo")
    assert "--record" in e.value.hint


def test_failed_run_is_recorded_up_to_the_failure(model_server, openai_env, tmp_path):
    srv = openai_env(model_server([call("list_pods"), {"status": 400, "message": "bad things"}]))
    path = tmp_path / "failed.json"
    with pytest.raises(ModelError):
        holmes_nb.ask(QUESTION, model="openai/scripted", cluster="demo", record=str(path))
    doc = json.loads(path.read_text())
    assert doc["meta"]["status"] == "failed" and "bad things" in doc["meta"]["error"]
    assert "response" in doc["exchanges"][0] and "bad things" in doc["exchanges"][1]["error"]["message"]
    srv.stop()
    with pytest.raises(ModelError, match=r"\(recorded\).*bad things") as e:  # the replay fails the same way
        holmes_nb.ask(QUESTION, model=f"replay/{path}", cluster="demo")
    assert [c.tool for c in e.value.investigation.calls] == ["list_pods"]


def test_cli_record_and_replay(model_server, openai_env, tmp_path, capsys, monkeypatch):
    srv = openai_env(model_server([call("find_problems"), say(ANSWER)], api_key=KEY), key=KEY)
    path = tmp_path / "cli.json"
    assert main(["ask", QUESTION, "--model", "openai/scripted", "--cluster", "demo", "-q", "--record", str(path)]) == 0
    assert capsys.readouterr().out.strip() == ANSWER
    srv.stop()
    monkeypatch.delenv("OPENAI_API_BASE")
    monkeypatch.delenv("OPENAI_API_KEY")
    assert KEY not in path.read_text()
    assert main(["ask", QUESTION, "--model", f"replay/{path}", "--cluster", "demo"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == ANSWER and "-> find_problems()" in out.err
    assert main(["ask", "why?", "--model", f"replay/{path}", "--cluster", "demo", "-q"]) == 2
    assert "answers a different question" in capsys.readouterr().err


def test_compare_one_good_one_unreachable_backend(model_server, openai_env, tmp_path, unused_port):
    srv = openai_env(model_server([call("find_problems"), say(ANSWER)]))
    config = tmp_path / "config.yaml"
    config.write_text(
        f"modelList:\n"
        f"  good: {{model: openai/scripted, api_base: '{srv.url}'}}\n"
        f"  down: {{model: openai/scripted, api_base: 'http://127.0.0.1:{unused_port}/v1', "
        f"num_retries: 0}}\n"
    )
    df = holmes_nb.compare(QUESTION, models=["down", "good"], cluster="demo", config=str(config))
    assert list(df.columns) == ["model", "answer", "steps", "tool_calls", "tokens", "seconds", "error"]
    down, good = df.to_dict("records")
    assert down["model"] == "down" and "cannot reach the model server" in down["error"]
    assert down["steps"] == 0 and not isinstance(down["answer"], str)
    assert good["answer"] == ANSWER and good["steps"] == 2 and good["tool_calls"] == 1 and good["tokens"] > 0
    assert not isinstance(good["error"], str) and good["seconds"] >= 0


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_replay_is_not_recorded_over_its_own_file(recorded):
    path, _, _ = recorded
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="cannot be recorded again"):
        holmes_nb.ask(QUESTION, model=f"replay/{path}", cluster="demo", tools=[oncall_tool()], record=str(path))
    assert path.read_bytes() == before


def test_replay_takes_the_recorded_max_steps(model_server, openai_env, tmp_path):
    """The last step withholds tools, so a replay must stop where the recorded run stopped."""
    srv = openai_env(model_server([call("find_problems"), call("list_pods"), say("done")]))
    path = tmp_path / "short.json"
    holmes_nb.ask(QUESTION, model="openai/scripted", cluster="demo", config=Config(), max_steps=3, record=str(path))
    assert "tools" not in srv.chat_requests[2]
    srv.stop()
    inv = holmes_nb.ask(QUESTION, model=f"replay/{path}", cluster="demo", config=Config())
    assert inv.answer == "done" and [c.tool for c in inv.calls] == ["find_problems", "list_pods"]


def test_a_model_list_entry_can_replay_a_recording_beside_its_config(recorded, tmp_path, monkeypatch):
    """Training labs ship a config with ``model: replay/FILE``; check-model describes the recording."""
    from holmes_nb.config import load_config
    from holmes_nb.llm.probe import check_model

    path, inv, _ = recorded
    cfg_path = path.parent / "lab.yaml"
    cfg_path.write_text(f"modelList:\n  recorded:\n    model: replay/{path.name}\n")
    monkeypatch.chdir(tmp_path.parent)  # FILE is found beside the config, not in the cwd
    cfg = load_config(cfg_path)
    again = holmes_nb.ask(QUESTION, model="recorded", config=cfg, cluster="demo", tools=[oncall_tool()])
    assert again.answer == inv.answer and again.model == "recorded"
    report = check_model(cfg.select("recorded"))
    status = {c.name: c.status for c in report.checks}
    assert report.ok and status["reachable"] == "ok" and status["tool results"] == "skip"
    assert "team_oncall" in next(c.detail for c in report.checks if c.name == "tool calls")


def test_replay_of_a_followup_after_other_questions_names_the_right_fix(recorded):
    path, inv, _ = recorded
    with pytest.raises(
        ModelError, match="continues a conversation of [1-9][0-9]* messages, the recorded one continued 0"
    ) as e:
        holmes_nb.ask(QUESTION, model=f"replay/{path}", cluster="demo", tools=[oncall_tool()], previous=inv)
    assert "%holmes reset" in e.value.hint and "in order" in e.value.hint
