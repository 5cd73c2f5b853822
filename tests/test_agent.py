"""The agent loop against a real scripted OpenAI-compatible server, through real LiteLLM."""

from __future__ import annotations

import json
import threading

import pytest

from devkit.openai_server import call, say
from holmes_nb import events as ev
from holmes_nb.agent import FINAL_NUDGE, Agent
from holmes_nb.config import load_config
from holmes_nb.errors import ModelError
from holmes_nb.llm.budget import PLACEHOLDER
from holmes_nb.llm.client import LLMClient
from holmes_nb.tools.base import Tool


class Pods:
    """A tiny tool that records its calls."""

    def __init__(self, lines: int = 2, barrier: threading.Barrier | None = None):
        self.calls: list[dict] = []
        self.lines = lines
        self.barrier = barrier

    def __call__(self, namespace: str = "default"):
        self.calls.append({"namespace": namespace})
        if self.barrier is not None:
            self.barrier.wait()
        rows = [f"{namespace}-pod-{i:05d}  CrashLoopBackOff  restarts={i}" for i in range(self.lines)]
        return "NAME  STATUS  RESTARTS\n" + "\n".join(rows)

    def tool(self, name: str = "list_pods") -> Tool:
        return Tool(
            name, "List pods of a namespace.", {"type": "object", "properties": {"namespace": {"type": "string"}}}, self
        )


def agent_for(srv, monkeypatch, tools, *, timeout=10.0, retries=2, **kwargs) -> Agent:
    monkeypatch.setenv("OPENAI_API_BASE", srv.url)
    entry = load_config().select("openai/scripted")
    entry.timeout, entry.num_retries = timeout, retries
    return Agent(LLMClient(entry), tools, **kwargs)


def run(agent, question="what pods are failing?", **kwargs):
    seen = []
    inv = agent.run(question, on_event=seen.append, **kwargs)
    return inv, seen


def test_tool_call_then_answer(model_server, monkeypatch):
    pods = Pods()
    srv = model_server([call("list_pods", namespace="shop"), say("shop-pod-00001 is crash looping")])
    inv, events = run(agent_for(srv, monkeypatch, [pods.tool()]))
    assert inv.status == "answered" and inv.answer == "shop-pod-00001 is crash looping"
    assert pods.calls == [{"namespace": "shop"}]
    assert [type(e).__name__ for e in events] == [
        "StepStarted",
        "ModelReplied",
        "ToolCallStarted",
        "ToolCallFinished",
        "StepStarted",
        "ModelReplied",
        "Answered",
    ]
    frame = inv.tool_calls
    assert list(frame["tool"]) == ["list_pods"] and list(frame["status"]) == ["ok"]
    first, second = srv.chat_requests
    assert first["tool_choice"] == "auto" and "strict" not in json.dumps(first["tools"])
    assert first["max_tokens"] > 0
    assert second["messages"][-1]["role"] == "tool" and "shop-pod-00001" in second["messages"][-1]["content"]
    assert inv.prompt_tokens == sum(s.prompt_tokens for s in inv.steps) > 0
    assert inv.cost == 0.0


def test_parallel_calls_run_concurrently(model_server, monkeypatch):
    pods = Pods(barrier=threading.Barrier(3, timeout=5))  # breaks unless all three run at once
    turn = {"tool_calls": [{"name": "list_pods", "arguments": {"namespace": ns}} for ns in ("a", "b", "c")]}
    srv = model_server([turn, say("done")])
    inv, _ = run(agent_for(srv, monkeypatch, [pods.tool()]))
    assert [c.status for c in inv.calls] == ["ok", "ok", "ok"]
    assert [c.arguments["namespace"] for c in inv.calls] == ["a", "b", "c"]  # recorded in call order
    tool_msgs = [m for m in srv.chat_requests[1]["messages"] if m["role"] == "tool"]
    assert [m["content"].splitlines()[1].split("-")[0] for m in tool_msgs] == ["a", "b", "c"]


def test_identical_repeated_call_is_refused(model_server, monkeypatch):
    pods = Pods()
    srv = model_server([call("list_pods", namespace="a"), call("list_pods", namespace="a"), say("ok")])
    inv, _ = run(agent_for(srv, monkeypatch, [pods.tool()]))
    assert len(pods.calls) == 1
    assert [c.status for c in inv.calls] == ["ok", "refused"]
    assert "already called list_pods" in srv.chat_requests[2]["messages"][-1]["content"]


def test_unknown_tool_gets_the_list_of_tools(model_server, monkeypatch):
    srv = model_server([call("get_pods", namespace="a"), say("ok")])
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool(), Pods().tool("describe")]))
    assert inv.calls[0].status == "unknown_tool"
    reply = srv.chat_requests[1]["messages"][-1]["content"]
    assert "Unknown tool 'get_pods'" in reply and "list_pods, describe" in reply


def test_last_step_withholds_tools(model_server, monkeypatch):
    srv = model_server([call("list_pods", namespace="a"), call("list_pods", namespace="b"), say("final")])
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool()], max_steps=3))
    assert inv.answer == "final" and len(inv.steps) == 3
    last = srv.chat_requests[2]
    assert "tools" not in last and "tool_choice" not in last
    assert last["messages"][-1] == {"role": "user", "content": FINAL_NUDGE}


TEXT_FORMATS = {
    "hermes": '<tool_call>\n{"name": "list_pods", "arguments": {"namespace": "shop"}}\n</tool_call>',
    "hermes-think": '<think>I should call {"name": "x"}</think><tool_call>{"name": "list_pods", '
    '"arguments": {"namespace": "shop"}}</tool_call>',
    "fenced": 'Let me check.\n```json\n{"name": "list_pods", "parameters": {"namespace": "shop"}}\n```',
    "bare": '{"name": "list_pods", "arguments": {"namespace": "shop"}}',
    "llama-cpp-python": 'functions.list_pods:\n{"namespace": "shop"}',
    "mistral": '[TOOL_CALLS][{"name": "list_pods", "arguments": {"namespace": "shop"}}]',
    "lmstudio": '[TOOL_REQUEST]{"name": "list_pods", "arguments": {"namespace": "shop"}}[END_TOOL_REQUEST]',
    "llama3": '<|python_tag|>{"name": "list_pods", "parameters": {"namespace": "shop"}}<|eom_id|>',
}


@pytest.mark.parametrize("fmt", sorted(TEXT_FORMATS))
def test_tool_calls_written_as_text(model_server, monkeypatch, fmt):
    pods = Pods()
    srv = model_server([say(TEXT_FORMATS[fmt], finish_reason="stop"), say("found it")])
    inv, _ = run(agent_for(srv, monkeypatch, [pods.tool()]))
    assert pods.calls == [{"namespace": "shop"}], fmt
    assert inv.answer == "found it"
    assert any("parsed from text" in n for n in inv.steps[0].notes)
    sent = srv.chat_requests[1]["messages"]
    assistant = [m for m in sent if m["role"] == "assistant"][0]
    assert assistant["tool_calls"][0]["id"] == sent[-1]["tool_call_id"]


def test_finish_reason_is_not_trusted(model_server, monkeypatch):
    """LocalAI says finish_reason=tool_calls on plain answers; the parsed calls decide."""
    srv = model_server([say("all pods are healthy", finish_reason="tool_calls")])
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert inv.answer == "all pods are healthy" and inv.calls == []


@pytest.mark.parametrize(
    "arguments,expected_note",
    [
        ({"namespace": "shop"}, None),  # LiteLLM re-serializes object arguments itself
        ('{"namespace": "shop",', "malformed JSON arguments repaired"),
        (json.dumps(json.dumps({"namespace": "shop"})), "double-encoded arguments"),
    ],
)
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_argument_repair(model_server, monkeypatch, arguments, expected_note):
    pods = Pods()
    turn = {
        "tool_calls": [
            {"name": "list_pods", "arguments": arguments, "arguments_as_object": isinstance(arguments, dict)}
        ]
    }
    srv = model_server([turn, say("ok")])
    inv, _ = run(agent_for(srv, monkeypatch, [pods.tool()]))
    assert pods.calls == [{"namespace": "shop"}]
    assert expected_note is None or expected_note in inv.calls[0].notes


@pytest.mark.parametrize("bad_id", ["", None])
def test_missing_or_empty_ids_get_consistent_ids(model_server, monkeypatch, bad_id):
    turn = {"tool_calls": [{"name": "list_pods", "arguments": {"namespace": n}, "id": bad_id} for n in "ab"]}
    srv = model_server([turn, say("ok")])
    run(agent_for(srv, monkeypatch, [Pods().tool()]))
    msgs = srv.chat_requests[1]["messages"]
    ids = [tc["id"] for tc in msgs[2]["tool_calls"]]
    assert len(set(ids)) == 2 and all(i.isalnum() and len(i) == 9 for i in ids)
    assert [m["tool_call_id"] for m in msgs[3:5]] == ids


def test_stray_punctuation_in_tool_name(model_server, monkeypatch):
    pods = Pods()
    srv = model_server([call("list_pods:", namespace="x"), say("ok")])
    inv, _ = run(agent_for(srv, monkeypatch, [pods.tool()]))
    assert pods.calls == [{"namespace": "x"}] and inv.calls[0].tool == "list_pods"


def test_strict_servers_accept_every_message(model_server, monkeypatch):
    srv = model_server(
        [call("list_pods", namespace="a", content=""), say("ok")],
        reject_null_content=True,
        reject_empty_tool_calls=True,
    )
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert inv.status == "answered"
    for body in srv.chat_requests:
        for m in body["messages"]:
            assert m.get("content") is not None and m.get("tool_calls") != []


def _answer_from_visible(marker: str):
    """A scripted turn that answers with whether the model could see ``marker``."""

    def turn(body, server):
        return say("saw the tool output" if marker in server.visible_text(body) else "saw nothing")

    return turn


def test_llama_cpp_python_recognized_by_models_owner(model_server, monkeypatch):
    srv = model_server(
        [call("list_pods", namespace="shop"), _answer_from_visible("shop-pod-00001")],
        owned_by="me",
        drop_tool_role=True,
    )
    inv, events = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert inv.answer == "saw the tool output"
    assert all(m["role"] != "tool" for b in srv.chat_requests for m in b["messages"])
    assert any(isinstance(e, ev.Notice) and "llama-cpp-python" in e.message for e in events)


def test_llama_cpp_python_recognized_by_call_ids(model_server, monkeypatch):
    srv = model_server(
        [call("list_pods", namespace="shop", id="call__0_list_pods_cmpl-8f2a"), _answer_from_visible("shop-pod-00001")],
        drop_tool_role=True,
    )
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert inv.answer == "saw the tool output"


def test_without_the_workaround_results_are_invisible(model_server, monkeypatch):
    """The control case: a server that drops tool roles, forced to tool messages, shows nothing."""
    srv = model_server(
        [call("list_pods", namespace="shop"), _answer_from_visible("shop-pod-00001")], drop_tool_role=True
    )
    agent = agent_for(srv, monkeypatch, [Pods().tool()])
    agent.client.entry.tool_results = "tool"
    inv, _ = run(agent)
    assert inv.answer == "saw nothing"


def test_tool_results_user_from_model_list(model_server, monkeypatch, tmp_path):
    srv = model_server(
        [call("list_pods", namespace="shop"), _answer_from_visible("shop-pod-00001")], drop_tool_role=True
    )
    (tmp_path / "c.yaml").write_text(
        f"modelList:\n  local:\n    model: openai/scripted\n    api_base: {srv.url}\n    tool_results: user\n"
    )
    entry = load_config(tmp_path / "c.yaml").select()
    inv = Agent(LLMClient(entry), [Pods().tool()]).run("q")
    assert inv.answer == "saw the tool output"


def test_context_window_from_props(model_server, monkeypatch):
    srv = model_server([say("ok")], props_n_ctx=4096)
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert (inv.context_window, inv.context_source) == (4096, "server /props")
    body = srv.chat_requests[0]
    assert srv.tokens(body) + body["max_tokens"] <= 4096


def test_context_window_from_vllm_models(model_server, monkeypatch):
    srv = model_server([say("ok")], max_model_len=6000)
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert (inv.context_window, inv.context_source) == (6000, "server /v1/models")


@pytest.mark.parametrize("style", ["openai", "llama_cpp"])
def test_context_error_is_learned_and_retried(model_server, monkeypatch, style):
    srv = model_server([say("ok")], context_window=1800, context_error=style)
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert inv.answer == "ok" and inv.context_window == 1800
    first, retry = srv.chat_requests
    assert first["max_tokens"] > retry["max_tokens"]
    assert srv.tokens(retry) + retry["max_tokens"] <= 1800


def test_no_request_exceeds_a_small_window(model_server, monkeypatch):
    """Huge tool outputs over several steps: results are cut and old ones shrunk; every request fits."""
    pods = Pods(lines=3000)
    script = [call("list_pods", namespace=f"ns{i}") for i in range(5)] + [say("summary")]
    srv = model_server(script, props_n_ctx=2048, context_window=2048)
    inv, _ = run(agent_for(srv, monkeypatch, [pods.tool()]))
    assert inv.answer == "summary" and len(pods.calls) == 5
    for body in srv.chat_requests:
        assert srv.tokens(body) + body["max_tokens"] <= 2048
    assert any("cut" in n for c in inv.calls for n in c.notes)
    assert "more lines not shown" in inv.calls[0].text


@pytest.mark.parametrize("owned_by", ["vllm", "me"])  # tool messages, and llama-cpp-python's user messages
def test_a_follow_up_in_a_small_window_shrinks_the_earlier_results(model_server, monkeypatch, owned_by):
    """The first run fits; the follow-up's new evidence only fits if the earlier results give way."""
    pods = Pods(lines=3000)
    script = [
        call("list_pods", namespace="ns0"),
        call("list_pods", namespace="ns1"),
        say("first"),
        call("list_pods", namespace="ns2"),
        say("second"),
    ]
    srv = model_server(script, props_n_ctx=2048, context_window=2048, owned_by=owned_by)
    agent = agent_for(srv, monkeypatch, [pods.tool()])
    first, _ = run(agent)
    if owned_by == "vllm":  # (user-mode results are larger: the first run already shrinks one)
        assert not any(PLACEHOLDER in str(m.get("content")) for m in srv.chat_requests[2]["messages"])
    second, _ = run(agent, "and the third namespace?", previous=first)
    assert second.answer == "second"
    last = srv.chat_requests[-1]
    assert srv.tokens(last) + last["max_tokens"] <= 2048
    contents = [str(m.get("content")) for m in last["messages"]]
    assert any(PLACEHOLDER in c for c in contents)  # an earlier result gave way
    assert any("ns2-pod-00000" in c for c in contents)  # the follow-up's own evidence is intact


def test_retries_server_errors_then_succeeds(model_server, monkeypatch):
    srv = model_server([{"status": 500}, {"status": 429, "headers": {"Retry-After": "0.2"}}, say("ok")])
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert inv.answer == "ok" and len(srv.chat_requests) == 3


def test_gives_up_after_bounded_retries_and_keeps_work(model_server, monkeypatch):
    pods = Pods()
    srv = model_server([call("list_pods", namespace="shop"), {"status": 503}, {"status": 503}, {"status": 503}])
    with pytest.raises(ModelError) as err:
        run(agent_for(srv, monkeypatch, [pods.tool()], retries=2))
    assert "failed" in str(err.value)
    inv = err.value.investigation
    assert inv.status == "failed" and len(inv.steps) == 1 and inv.calls[0].status == "ok"
    assert "shop-pod-00001" in inv.calls[0].text
    assert len(srv.chat_requests) == 4  # 1 ok + 1 try + 2 retries
    assert json.loads(inv.to_json())["status"] == "failed"


def test_connection_refused_is_clear(monkeypatch):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    monkeypatch.setenv("OPENAI_API_BASE", f"http://127.0.0.1:{port}/v1")
    entry = load_config().select("openai/x")
    entry.num_retries = 1
    with pytest.raises(ModelError) as err:
        Agent(LLMClient(entry), [Pods().tool()]).run("q")
    assert "cannot reach" in str(err.value) and "OPENAI_API_BASE" in str(err.value)


def test_hanging_server_times_out(model_server, monkeypatch):
    srv = model_server([{"hang": 3}])
    with pytest.raises(ModelError, match="within 0.5 s"):
        run(agent_for(srv, monkeypatch, [Pods().tool()], timeout=0.5, retries=0))


def test_disconnect_and_invalid_json_are_model_errors(model_server, monkeypatch):
    srv = model_server([{"disconnect": True}, {"raw": "<html>oops"}])
    with pytest.raises(ModelError):
        run(agent_for(srv, monkeypatch, [Pods().tool()], retries=0))
    with pytest.raises(ModelError):
        run(agent_for(srv, monkeypatch, [Pods().tool()], retries=0))


def test_401_mentions_the_key_variable_but_not_the_key(model_server, monkeypatch):
    srv = model_server([say("never")], api_key="sk-right-000000000000")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-1111111111112222")
    with pytest.raises(ModelError) as err:
        run(agent_for(srv, monkeypatch, [Pods().tool()]))
    text = str(err.value)
    assert "401" in text and "OPENAI_API_KEY" in text and "1111111111112222" not in text


def test_model_that_never_calls_tools_is_flagged(model_server, monkeypatch):
    srv = model_server([say("Everything is fine, trust me.")])
    inv, events = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert inv.status == "answered" and "without calling any tool" in inv.warnings[0]
    assert any(isinstance(e, ev.Notice) for e in events)


def test_empty_reply_is_asked_again(model_server, monkeypatch):
    srv = model_server([say(""), say("second try")])
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert inv.answer == "second try" and len(srv.chat_requests) == 2


def test_ctrl_c_keeps_the_partial_investigation(model_server, monkeypatch):
    def interrupted(namespace="x"):
        raise KeyboardInterrupt

    tools = [Pods().tool(), Tool("slow", "Slow.", {"type": "object", "properties": {}}, interrupted)]
    srv = model_server([call("list_pods", namespace="a"), call("slow"), say("never")])
    with pytest.raises(KeyboardInterrupt) as err:
        run(agent_for(srv, monkeypatch, tools))
    inv = err.value.investigation
    assert inv.status == "stopped" and inv.calls[0].status == "ok" and len(inv.steps) == 2


def test_ctrl_c_while_an_event_is_shown_keeps_the_partial_investigation(model_server, monkeypatch):
    """The interrupt (Stop, Kernel > Interrupt) may land while the live view draws an event."""

    def show(event):
        if isinstance(event, ev.ToolCallFinished):
            raise KeyboardInterrupt

    srv = model_server([call("list_pods", namespace="a"), say("never")])
    with pytest.raises(KeyboardInterrupt) as err:
        agent_for(srv, monkeypatch, [Pods().tool()]).run("q", on_event=show)
    inv = err.value.investigation
    assert inv.status == "stopped" and inv.error == "stopped by the user" and inv.calls[0].status == "ok"


def test_follow_up_continues_the_conversation(model_server, monkeypatch):
    srv = model_server([call("list_pods", namespace="a"), say("a is broken"), say("restart it")])
    agent = agent_for(srv, monkeypatch, [Pods().tool()])
    first, _ = run(agent)
    second, _ = run(agent, "how do I fix it?", previous=first)
    assert second.answer == "restart it" and second.parent is first
    contents = [m.get("content") for m in srv.chat_requests[-1]["messages"]]
    assert "what pods are failing?" in contents and "a is broken" in contents and "how do I fix it?" in contents
    assert second.warnings == []  # a follow-up may answer from earlier evidence


def test_model_going_in_circles_is_asked_to_answer(model_server, monkeypatch):
    """Small models repeat a refused call forever; after two useless steps tools are withheld."""
    pods = Pods()
    script = [call("list_pods", namespace="a")] + [call("list_pods", namespace="a")] * 2 + [say("answer")]
    srv = model_server(script)
    inv, events = run(agent_for(srv, monkeypatch, [pods.tool()]))
    assert inv.answer == "answer" and len(inv.steps) == 4 and len(pods.calls) == 1
    assert "tools" not in srv.chat_requests[3] and srv.chat_requests[3]["messages"][-1]["content"] == FINAL_NUDGE
    assert any(isinstance(e, ev.Notice) and "circles" in e.message for e in events)


def test_empty_reply_after_evidence_asks_for_the_answer_without_tools(model_server, monkeypatch):
    srv = model_server([call("list_pods", namespace="a"), say(""), say("a-pod-00001 crashes")])
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert inv.answer == "a-pod-00001 crashes"
    assert "tools" not in srv.chat_requests[2] and srv.chat_requests[2]["messages"][-1]["content"] == FINAL_NUDGE


def test_two_empty_replies_after_evidence_answer_with_the_evidence(model_server, monkeypatch):
    srv = model_server([call("list_pods", namespace="a"), say(""), say("")])
    inv, events = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert inv.status == "answered" and inv.calls[0].status == "ok"
    assert inv.answer.startswith("The model gave no usable answer. What its tool calls found:")
    assert "**list_pods** `namespace='a'`" in inv.answer and inv.calls[0].text.splitlines()[0] in inv.answer
    assert "no usable answer" in inv.warnings[-1]


def test_two_empty_replies_without_evidence_fail(model_server, monkeypatch):
    srv = model_server([say(""), say("")])
    with pytest.raises(ModelError, match="empty reply") as err:
        run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert len(err.value.investigation.steps) == 2


def test_a_reply_that_echoes_the_nudge_is_not_an_answer(model_server, monkeypatch):
    """SmolLM2 answers the final nudge by repeating it: that is treated as no answer."""
    script = [call("list_pods", namespace="a"), say(""), say(FINAL_NUDGE)]
    srv = model_server(script)
    inv, events = run(agent_for(srv, monkeypatch, [Pods().tool()], max_steps=3))
    assert FINAL_NUDGE not in inv.answer and "What its tool calls found" in inv.answer
    assert any(isinstance(e, ev.Notice) and "repeated the prompt" in e.message for e in events)


def test_a_reply_that_only_announces_a_call_is_not_an_answer(model_server, monkeypatch):
    """With tools withheld, SmolLM2 writes "Calling list_pods({})": asked once more, then the evidence."""
    script = [call("list_pods", namespace="a"), say("Calling list_pods({})"), say("I will call list_pods.")]
    srv = model_server(script)
    inv, events = run(agent_for(srv, monkeypatch, [Pods().tool()], max_steps=4))
    assert inv.status == "answered" and "What its tool calls found" in inv.answer
    assert "Calling" not in inv.answer and len(srv.chat_requests) == 3
    assert any(isinstance(e, ev.Notice) and "described a tool call" in e.message for e in events)
    assert not any(isinstance(e, ev.Notice) and "empty reply" in e.message for e in events)  # it was not empty


def test_an_answer_that_mentions_a_tool_is_kept(model_server, monkeypatch):
    answer = "list_pods shows pod a crashing: OOMKilled, raise its memory limit."
    srv = model_server([call("list_pods", namespace="a"), say(answer)])
    inv, _ = run(agent_for(srv, monkeypatch, [Pods().tool()]))
    assert inv.answer == answer


def test_a_reply_stitched_from_our_nudge_and_a_refusal_is_not_an_answer(model_server, monkeypatch):
    """SmolLM2 (recorded): the final nudge's first sentence, then the refusal of its repeated call."""
    script = [
        call("list_pods", namespace="a"),
        call("list_pods", namespace="a"),
        say(""),
        say(
            "No more tool calls are possible.\nYou already called list_pods with these arguments at step 1; "
            "its result is above. Use other arguments or another tool, or answer."
        ),
    ]
    srv = model_server(script)
    inv, events = run(agent_for(srv, monkeypatch, [Pods().tool()], max_steps=4))
    assert "What its tool calls found" in inv.answer and "You already called" not in inv.answer
    assert any(isinstance(e, ev.Notice) and "repeated the prompt" in e.message for e in events)


def test_an_answer_quoting_tool_output_is_kept(model_server, monkeypatch):
    """Lines copied from cluster data are evidence, not an echo (tool results sent as user messages)."""
    quoted = "a-pod-00000  CrashLoopBackOff  restarts=0\na-pod-00001  CrashLoopBackOff  restarts=1"
    srv = model_server([call("list_pods", namespace="a"), say(quoted)])
    agent = agent_for(srv, monkeypatch, [Pods().tool()])
    agent.client.entry.tool_results = "user"
    inv, _ = run(agent)
    assert inv.answer == quoted
    assert srv.chat_requests[-1]["messages"][-1]["role"] == "user"  # the results went as a user message
