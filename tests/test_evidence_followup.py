"""Follow-ups in the evidence-first profile (agent/evidence_run.follow_up): the conversation so far is
the evidence, the model answers without tools, a newly named subject's evidence is gathered, and the
answer is grounded in the root cause like the first one. Scripted model server, demo cluster."""

from __future__ import annotations

from devkit.openai_server import say
from holmes_nb.agent.evidence_first import FOLLOW_UP_REQUEST
from holmes_nb.agent.sampling import SAMPLE_TEMPERATURE
from holmes_nb.api import ask
from holmes_nb.config import load_config

QUESTION = "Why does checkout keep restarting?"
FIRST = "checkout exits because PAYMENTS_API_URL is not set."


def _config(tmp_path, url: str):
    (tmp_path / "c.yaml").write_text(
        "modelList:\n"
        + "".join(
            f"  {key}:\n    model: openai/scripted\n    api_base: {url}\n    api_key: x\n    profile: {profile}\n"
            "    custom_args:\n      max_context_size: 4096\n"
            for key, profile in (("small", "evidence-first"), ("big", "standard"))
        )
    )
    return load_config(tmp_path / "c.yaml")


def _first(srv, tmp_path, **kw):
    return ask(QUESTION, model="small", cluster="demo", config=_config(tmp_path, srv.url), namespace="shop", **kw)


def _follow(question, srv, tmp_path, previous, **kw):
    return ask(question, model=kw.pop("model", "small"), cluster="demo", config=_config(tmp_path, srv.url),
               namespace="shop", previous=previous, **kw)  # fmt: skip


def test_a_follow_up_continues_the_evidence_without_tools(model_server, tmp_path):
    fix = "Set PAYMENTS_API_URL in the env of Deployment checkout."
    srv = model_server([say(FIRST), say(fix)])
    first = _first(srv, tmp_path)
    events = []
    second = _follow("How do I fix it?", srv, tmp_path, first, on_event=events.append)
    assert second.profile == "evidence-first" and second.answer == fix and second.status == "answered"
    assert second.calls == [] and not second.warnings  # the evidence is in the conversation already
    before, after = srv.chat_requests
    assert "tools" not in after and after["max_tokens"] <= before["max_tokens"]
    # the prefix is the first request and its answer, unchanged: llama.cpp's prompt cache reuses it whole
    assert after["messages"][: len(before["messages"])] == before["messages"]
    assert after["messages"][len(before["messages"])] == {"role": "assistant", "content": FIRST}
    prompt = after["messages"][-1]["content"]
    assert prompt.startswith("The root cause holmes-nb found: Pod shop/checkout-") and "PAYMENTS_API_URL" in prompt
    assert prompt.endswith("Question: How do I fix it?\n" + FOLLOW_UP_REQUEST.split("\n")[1])
    notices = [e.message for e in events if type(e).__name__ == "Notice"]
    assert notices[0].startswith("evidence-first follow-up: the conversation so far is the evidence")


def test_a_follow_up_naming_another_subject_gathers_its_evidence(model_server, tmp_path):
    answer = "The init container of orders runs pyhton, a typo of python."
    srv = model_server([say(FIRST), say(answer)])
    first = _first(srv, tmp_path)
    second = _follow("And why is the orders pod stuck initializing?", srv, tmp_path, first)
    assert second.answer == answer and not second.fallback
    assert [c.tool for c in second.calls] == ["describe", "pod_logs", "events"]  # shop's findings: read before
    assert all("orders-" in str(c.arguments) for c in second.calls)
    prompt = srv.chat_requests[-1]["messages"][-1]["content"]
    assert prompt.startswith("More evidence:\nDescribe pod/orders-") and "pyhton" in prompt
    assert "checkout-" not in prompt.split("found:")[1]  # the root cause restated is the new subject's


def test_a_follow_up_in_another_scope_reads_that_scopes_findings(model_server, tmp_path):
    answer = "payments-api needs key api-key in Secret stripe-credentials."
    srv = model_server([say(FIRST), say(answer)])
    second = ask("And why won't payments-api start?", model="small", cluster="demo", config=_config(tmp_path, srv.url),
                 previous=_first(srv, tmp_path))  # fmt: skip  # no --namespace: the whole cluster
    assert [c.tool for c in second.calls][:2] == ["find_problems", "describe"] and second.answer == answer
    assert second.calls[0].arguments == {} and "payments-api" in str(second.calls[1].arguments)
    assert "stripe-credentials" in srv.chat_requests[-1]["messages"][-1]["content"]


def test_a_follow_up_answer_is_grounded_and_sampled_like_the_first(model_server, tmp_path):
    srv = model_server([say(FIRST), say("Restart the pod."), say("Add PAYMENTS_API_URL to the Deployment.")])
    first = _first(srv, tmp_path)
    second = _follow("How do I fix it?", srv, tmp_path, first)
    assert second.answer == "Add PAYMENTS_API_URL to the Deployment."
    ask_one, ask_two = srv.chat_requests[1:]
    assert ask_two["messages"] == ask_one["messages"] and ask_two["temperature"] == SAMPLE_TEMPERATURE


def test_a_follow_up_with_no_usable_answer_shows_the_findings(model_server, tmp_path):
    srv = model_server([say(FIRST)], default=say(""))
    second = _follow("How do I fix it?", srv, tmp_path, _first(srv, tmp_path))
    assert second.fallback and "Root cause: Pod shop/checkout-" in second.answer


def test_a_standard_run_followed_up_by_a_small_model_reads_the_findings_first(model_server, tmp_path):
    srv = model_server([say("checkout crashes."), say("Set PAYMENTS_API_URL.")])
    first = ask(QUESTION, model="big", cluster="demo", config=_config(tmp_path, srv.url), namespace="shop")
    assert first.profile == "standard"
    second = _follow("How do I fix it?", srv, tmp_path, first)
    assert second.profile == "evidence-first" and [c.tool for c in second.calls][:1] == ["find_problems"]
    assert "describe" in [c.tool for c in second.calls]  # the standard run never described the pod
    assert second.answer == "Set PAYMENTS_API_URL."


def test_a_recorded_follow_up_replays(model_server, tmp_path):
    srv = model_server([say(FIRST), say("Set PAYMENTS_API_URL in checkout's env.")])
    first = _first(srv, tmp_path, record=str(tmp_path / "first.json"))
    second = _follow("How do I fix it?", srv, tmp_path, first, record=str(tmp_path / "second.json"))
    again = ask(QUESTION, model=f"replay/{tmp_path / 'first.json'}", cluster="demo", namespace="shop")
    followed = ask("How do I fix it?", model=f"replay/{tmp_path / 'second.json'}", cluster="demo", namespace="shop",
                   previous=again)  # fmt: skip
    assert followed.profile == "evidence-first" and followed.answer == second.answer
