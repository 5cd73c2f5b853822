"""Streaming against the scripted server in its streaming mode (SSE chunks as real servers send them):
the text arrives piece by piece before the reply ends, tool calls are assembled from their deltas, the
Investigation is the same as a non-streamed run's, servers that misbehave fall back (and are remembered),
every retry is announced, and the fronts show the stream (CLI stdout, live views)."""

from __future__ import annotations

import json

import pytest

from devkit.openai_server import call, say
from devkit.openai_stream import STREAM_TOOLS
from holmes_nb import events as ev
from holmes_nb.agent import Agent
from holmes_nb.config import load_config
from holmes_nb.llm.client import LLMClient
from holmes_nb.llm.stream import collect, streams_tool_turns
from tests.test_agent import TEXT_FORMATS, Pods

ANSWER = "shop-pod-00001 is crash looping: its liveness probe fails after the last rollout."
SCRIPT = [call("list_pods", namespace="shop"), call("list_pods", namespace="web"), say(ANSWER)]


def _agent(srv, monkeypatch, tools, *, stream: bool, retries: int = 2, max_steps: int = 20) -> Agent:
    monkeypatch.setenv("OPENAI_API_BASE", srv.url)
    entry = load_config().select("openai/scripted")
    entry.timeout, entry.num_retries = 10.0, retries
    return Agent(LLMClient(entry), tools, stream=stream, max_steps=max_steps)


def _comparable(inv) -> dict:
    """The Investigation without what differs between any two runs (times, durations) and the
    server's call ids (its request counter: a fallback request adds one)."""

    def strip(value):
        if isinstance(value, dict):
            return {
                k: strip(v)
                for k, v in value.items()
                if "duration" not in k
                and not k.endswith(("_at", "_ms", "_s"))
                and k not in ("call_id", "id", "tool_call_id")
            }
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(json.loads(json.dumps(inv.to_dict(), default=str)))


def _run(srv, monkeypatch, *, stream: bool, script=SCRIPT, tools=None, max_steps: int = 20):
    srv.script[:] = list(script)
    seen: list = []
    agent = _agent(srv, monkeypatch, tools or [Pods().tool()], stream=stream, max_steps=max_steps)
    inv = agent.run("what pods are failing?", on_event=seen.append)
    return inv, seen


@pytest.mark.parametrize("mode", [m for m in STREAM_TOOLS])
def test_streamed_run_equals_the_non_streamed_run(model_server, monkeypatch, mode):
    srv = model_server(stream_tools=mode)
    # max_steps=3: the third turn is the answer without tools, streamed by every server
    plain, plain_events = _run(srv, monkeypatch, stream=False, max_steps=3)
    streamed, events = _run(srv, monkeypatch, stream=True, max_steps=3)
    assert plain.status == streamed.status == "answered" and streamed.answer == ANSWER
    assert _comparable(streamed) == _comparable(plain), mode
    assert not any(isinstance(e, ev.TextDelta) for e in plain_events)
    deltas = [e for e in events if isinstance(e, ev.TextDelta)]
    assert len(deltas) > 5 and "".join(d.text for d in deltas).endswith(ANSWER)
    # the text arrived before the reply ended: every piece comes before the step's ModelReplied
    last_delta = max(i for i, e in enumerate(events) if isinstance(e, ev.TextDelta))
    replied = [i for i, e in enumerate(events) if isinstance(e, ev.ModelReplied) and e.step == 3]
    assert last_delta < replied[0]
    streamed_requests = [r for r in srv.chat_requests[-4:] if r.get("stream")]
    fell_back = [e for e in events if isinstance(e, ev.Notice) and "no longer streamed" in e.message]
    if mode in ("dropped", "raises"):
        assert len(fell_back) == 1  # once: the server is remembered
        assert "tools" not in streamed_requests[-1]  # only the answer turn is streamed afterwards
    else:
        assert not fell_back and all(r.get("stream") for r in srv.chat_requests[-3:])


@pytest.mark.parametrize("fmt", sorted(TEXT_FORMATS))
def test_text_tool_call_formats_streamed(model_server, monkeypatch, fmt):
    srv = model_server()
    script = [say(TEXT_FORMATS[fmt], finish_reason="stop"), say("found it")]
    plain, _ = _run(srv, monkeypatch, stream=False, script=script)
    streamed, _ = _run(srv, monkeypatch, stream=True, script=script)
    assert streamed.calls and streamed.calls[0].arguments == {"namespace": "shop"}, fmt
    assert _comparable(streamed) == _comparable(plain), fmt


def test_misbehaving_servers_keep_tool_turns_unstreamed(model_server, monkeypatch):
    assert not streams_tool_turns(["me"]) and not streams_tool_turns(["library"])  # llama-cpp-python, Ollama
    assert streams_tool_turns(["scripted"]) and streams_tool_turns([])
    srv = model_server(owned_by="me")
    inv, events = _run(srv, monkeypatch, stream=True, max_steps=3)  # step 3: the answer, without tools
    assert inv.answer == ANSWER
    assert [bool(r.get("stream")) for r in srv.chat_requests] == [False, False, True]  # the answer turn streams
    assert "tools" in srv.chat_requests[1] and "tools" not in srv.chat_requests[2]
    assert any(isinstance(e, ev.TextDelta) for e in events)


def test_deltas_without_index_are_not_concatenated():
    deltas = [
        {"choices": [{"delta": {"tool_calls": [{"id": "a", "function": {"name": "list_pods", "arguments": '{"na'}}]}}]},
        {"choices": [{"delta": {"tool_calls": [{"function": {"arguments": 'mespace": "x"}'}}]}}]},
        {"choices": [{"delta": {"tool_calls": [{"id": "b", "function": {"name": "events", "arguments": "{}"}}]}}]},
        {
            "choices": [{"delta": {}, "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2},
        },
    ]
    reply = collect(deltas)
    calls = reply["choices"][0]["message"]["tool_calls"]
    assert [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in calls] == [
        ("a", "list_pods", '{"namespace": "x"}'),
        ("b", "events", "{}"),
    ]
    assert reply["usage"] == {"prompt_tokens": 5, "completion_tokens": 2}


def test_every_retry_is_announced(model_server, monkeypatch):
    srv = model_server()
    script = [{"status": 503}, call("list_pods", namespace="shop"), {"hang": 12}, say(ANSWER)]
    srv.script[:] = script
    seen: list = []
    agent = _agent(srv, monkeypatch, [Pods().tool()], stream=False)
    agent.client.entry.timeout = 1.0
    inv = agent.run("q", on_event=seen.append)
    notes = [e.message for e in seen if isinstance(e, ev.Notice)]
    assert inv.answer == ANSWER
    assert len([n for n in notes if "retry 1 of 2" in n]) == 2, notes
    assert any("503" in n for n in notes) and any("no answer from" in n or "within" in n for n in notes), notes


def test_cli_prints_the_answer_as_it_streams(model_server, capsys, tmp_path):
    from holmes_nb.cli import main

    srv = model_server(SCRIPT[:1] + [say("Line one of the diagnosis.\nLine two: the fix is a rollback.")])
    config = tmp_path / "c.yaml"
    config.write_text(f"modelList:\n  scripted:\n    model: openai/scripted\n    api_base: {srv.url}\n")
    assert main(["ask", "q", "--cluster", "demo", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out == "Line one of the diagnosis.\nLine two: the fix is a rollback.\n"  # printed once
    assert srv.chat_requests[-1].get("stream") is True


def test_html_live_view_updates_each_block_alone(model_server, monkeypatch):
    """Per-block display ids: the streamed text grows in its own area, a finished tool-call block
    (a <details> the user may open) is never sent again by later updates, the head has its own id."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from holmes_nb.notebook.live_view import HtmlLiveView

    InteractiveShell.clear_instance()
    InteractiveShell.instance()
    try:
        srv = model_server()
        with capture_output() as cap:
            view = HtmlLiveView("what is failing?")
            inv, events = _run(srv, monkeypatch, stream=True, max_steps=3)
            for event in events:
                view(event)
            view.close(inv)
        outs = [(o.transient.get("display_id"), o.update, o.data.get("text/html", "")) for o in cap.outputs]
        ids = {i for i, _, _ in outs}
        assert None not in ids and len(ids) > 5  # the head, steps, calls, streamed text: one area each
        details = [(i, u) for i, u, h in outs if "<details" in h]
        assert len(details) == 2 and len({i for i, _ in details}) == 2  # each call block sent once
        last_detail = max(n for n, (_, _, h) in enumerate(outs) if "<details" in h)
        later = [i for i, _, h in outs[last_detail + 1 : -len(ids)] if h]  # before close() clears the blocks
        assert not {i for i, _ in details} & set(later)
        streamed = [h for i, _, h in outs if "holmes-stream" in h]
        assert len(streamed) > 5 and "crash looping" in streamed[-1]
        assert "holmes-nb answered: 3 steps · 2 tool calls" in outs[-1][2]
    finally:
        InteractiveShell.clear_instance()


def test_streamed_text_is_scrubbed_in_every_front(model_server, monkeypatch, capsys, tmp_path):
    """A key the model echoes is masked as it streams: CLI stdout, the text view, the HTML view."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from holmes_nb.cli import main
    from holmes_nb.notebook.live_view import HtmlLiveView, TextLiveView
    from tests.planted_secrets import STRIPE

    leak = say(f"The payments pod fails.\nIts env holds {STRIPE} in plain text.\nRotate it.")
    srv = model_server(SCRIPT[:1] + [leak])
    config = tmp_path / "c.yaml"
    config.write_text(f"modelList:\n  scripted:\n    model: openai/scripted\n    api_base: {srv.url}\n")
    assert main(["ask", "q", "--cluster", "demo", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "The payments pod fails." in out and "Rotate it." in out and STRIPE not in out
    _, events = _run(srv, monkeypatch, stream=True, script=SCRIPT[:1] + [leak])
    assert STRIPE in "".join(e.text for e in events if isinstance(e, ev.TextDelta))  # the raw events carry it
    text_view = TextLiveView("q")
    for event in events:
        text_view(event)
    printed = capsys.readouterr().out
    assert "Rotate it." in printed and STRIPE not in printed
    InteractiveShell.clear_instance()
    InteractiveShell.instance()
    try:
        with capture_output() as cap:
            view = HtmlLiveView("q")
            for event in events:
                view(event)
            view.close(None)
        shown = "".join(o.data.get("text/html", "") for o in cap.outputs)
        assert "payments pod fails" in shown and STRIPE not in shown
    finally:
        InteractiveShell.clear_instance()


LOGGED = "connecting to postgres-primary.data.svc.cluster.local:5432/orders"
EXPORT_POD = "orders-export-29032440-lx8wl"


def test_cli_prints_only_what_the_final_answer_adds(model_server, capsys, tmp_path):
    """The final answer marks a streamed line as quoting pod logs: stdout gets that line with its mark
    and the rest of the answer, never the whole answer a second time."""
    from holmes_nb.cli import main

    answer = f'The orders export cannot reach its database.\nIts log says "{LOGGED}" first.\nPoint it at postgres.'
    srv = model_server([call("pod_logs", {"name": EXPORT_POD, "namespace": "data"}), say(answer)])
    config = tmp_path / "c.yaml"
    config.write_text(f"modelList:\n  scripted:\n    model: openai/scripted\n    api_base: {srv.url}\n")
    assert main(["ask", "q", "--cluster", "demo", "--config", str(config)]) == 0
    out, err = capsys.readouterr()
    mark = f"_(quoted from logs of pod data/{EXPORT_POD}: cluster data)_"
    assert out == (
        f'The orders export cannot reach its database.\nIts log says "{LOGGED}" first.\nPoint it at postgres.\n'
        f'Its log says "{LOGGED}" first. {mark}\n'
    )
    assert "final answer" not in err and "quote pod logs" in err


def test_unshown_is_the_rest_the_marks_or_a_revision():
    from holmes_nb.cli.ask import unshown

    mark = "_(quoted from logs of pod shop/a: cluster data)_"
    assert unshown("one\ntwo", "one\n") == ("two", [])
    assert unshown("one\ntwo", "") == ("one\ntwo", [])
    block = "See:\n```\nerror: boom at 10:00\n```\n" + mark + "\nRestart it."
    assert unshown(block, "See:\n```\nerror: boom at 10:00\n```\n") == (
        mark + "\nRestart it.",
        [],
    )  # the block's mark comes after the streamed lines: it is part of the rest
    assert unshown(block + "\nDone.", "See:\n```\nerror: boom at 10:00\n```\n" + "Restart it.\n") == (
        "Done.",
        [f'the code block ending "error: boom at 10:00": {mark}'],
    )
    assert unshown(f"\none {mark}\ntwo", "one\n") == ("two", [f"one {mark}"])
    assert unshown("one\nthree", "one\ntwo\n") == (None, [])  # really revised: printed whole
    assert unshown("one", "one\ntwo\n") == (None, [])
