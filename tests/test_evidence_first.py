"""The evidence-first profile (agent/evidence_first.py): holmes-nb gathers the evidence on the demo
cluster, the scripted model only explains it; the prompt prefix stays the same across steps."""

from __future__ import annotations

import pytest

from devkit.openai_server import call, say
from holmes_nb.agent.evidence_first import ANSWER_TOKENS, choose_profile, pick_subject, whole_sentences
from holmes_nb.agent.safeguards import copies_prompt
from holmes_nb.agent.sampling import SAMPLE_TEMPERATURE, SAMPLES, AnswerSamples, grounding, key_terms
from holmes_nb.api import ask
from holmes_nb.config import load_config
from holmes_nb.errors import ConfigError
from holmes_nb.llm.context import ServerInfo


def _config(tmp_path, url: str, profile: str | None = "evidence-first"):
    line = f"    profile: {profile}\n" if profile else ""
    (tmp_path / "c.yaml").write_text(
        f"modelList:\n  small:\n    model: openai/scripted\n    api_base: {url}\n    api_key: x\n{line}"
        "    custom_args:\n      max_context_size: 4096\n"
    )
    return load_config(tmp_path / "c.yaml")


def test_choose_profile():
    llama = ServerInfo(reachable=True, owned_by=["me"])
    assert choose_profile("auto", llama, 128000) == "evidence-first"
    assert choose_profile("auto", ServerInfo(reachable=True), 4096) == "evidence-first"
    assert choose_profile("auto", ServerInfo(reachable=True), 128000) == "standard"
    assert choose_profile("standard", llama, 2048) == "standard"


def test_unknown_profile_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="profile must be one of"):
        _config(tmp_path, "http://127.0.0.1:1/v1", "tiny").select("small")


def test_subject_is_found_from_the_question_and_followed_to_its_root():
    import pandas as pd

    rows = [
        {"kind": "Deployment", "namespace": "shop", "name": "checkout", "reason": "PodsFailing", "message": "m",
         "evidence": [], "caused_by": "Pod/shop/checkout-7f-x1"},
        {"kind": "Pod", "namespace": "shop", "name": "checkout-7f-x1", "reason": "CrashLoopBackOff", "message": "m",
         "evidence": [], "caused_by": None},
        {"kind": "Pod", "namespace": "shop", "name": "search-1", "reason": "NotReady", "message": "m",
         "evidence": [], "caused_by": None},
    ]  # fmt: skip
    chain = pick_subject("Why does checkout keep restarting?", pd.DataFrame(rows))
    assert [r["name"] for r in chain] == ["checkout-7f-x1", "checkout"]
    assert pick_subject("Why is the ledger slow?", pd.DataFrame(rows)) == []


def test_evidence_gathered_first_and_the_answer_is_the_models(model_server, tmp_path):
    srv = model_server([say("checkout lacks PAYMENTS_API_URL; set it in the Deployment")])
    inv = ask("Why does checkout keep restarting?", model="small", cluster="demo", config=_config(tmp_path, srv.url),
              namespace="shop")  # fmt: skip
    assert inv.profile == "evidence-first" and not inv.fallback
    assert inv.answer.startswith("checkout lacks PAYMENTS_API_URL")
    assert [c.tool for c in inv.steps[0].tool_calls] == ["find_problems", "describe", "pod_logs", "events"]
    (request,) = srv.chat_requests
    assert "tools" not in request  # the model only explains
    prompt = request["messages"][-1]["content"]
    assert "Root cause: Pod shop/checkout-" in prompt and "PAYMENTS_API_URL" in prompt
    assert "Follows from it" not in prompt  # the consequences would be restated instead of the cause
    tail = prompt.rsplit("\n\n", 2)[-2:]
    assert tail[0].startswith("The root cause holmes-nb found: Pod shop/checkout-") and tail[1].startswith("Question:")
    assert prompt.rstrip().endswith("quoting the evidence.")


def test_unusable_reply_shows_the_findings_and_keeps_the_prefix(model_server, tmp_path):
    srv = model_server([say("")] * SAMPLES)
    inv = ask("Why does checkout keep restarting?", model="small", cluster="demo", config=_config(tmp_path, srv.url),
              namespace="shop")  # fmt: skip
    assert inv.fallback
    assert inv.answer.startswith("The model gave no usable answer. What holmes-nb's analyzers found:")
    assert "Root cause: Pod shop/checkout-" in inv.answer and "|" not in inv.answer.splitlines()[2]
    assert "Follows from it: Deployment shop/checkout" in inv.answer  # the person sees the consequences
    first, *later = srv.chat_requests
    assert len(later) == SAMPLES - 1
    for n, request in enumerate(later, 1):
        # the same messages: llama.cpp's prompt cache reuses the whole prompt; a new seed each time
        assert request["messages"] == first["messages"]
        assert (request["temperature"], request["seed"]) == (SAMPLE_TEMPERATURE, n)
    assert "seed" not in first


def test_the_answer_that_names_the_root_cause_is_asked_for_and_kept(model_server, tmp_path):
    srv = model_server([say("checkout keeps restarting because it crashes."), say("PAYMENTS_API_URL is not set.")])
    events = []
    inv = ask("Why does checkout keep restarting?", model="small", cluster="demo", config=_config(tmp_path, srv.url),
              namespace="shop", on_event=events.append)  # fmt: skip
    assert inv.answer == "PAYMENTS_API_URL is not set." and inv.status == "answered" and not inv.warnings
    assert len(srv.chat_requests) == 2 and [s.content for s in inv.steps[1:]] == [
        "checkout keeps restarting because it crashes.",
        "PAYMENTS_API_URL is not set.",
    ]
    notices = [e.message for e in events if type(e).__name__ == "Notice"]
    assert "the answer names none of the root cause's details; asking for another one (2 of 4)" in notices


def test_no_sample_names_the_root_cause_keeps_the_first_and_says_what_was_found(model_server, tmp_path):
    first = "checkout keeps restarting because it crashes."
    srv = model_server([say(first), say("```python\nTraceback (most recent call last)\n```"), say(""), say("no idea")])
    inv = ask("Why does checkout keep restarting?", model="small", cluster="demo", config=_config(tmp_path, srv.url),
              namespace="shop")  # fmt: skip
    assert inv.answer == first and not inv.fallback and len(srv.chat_requests) == SAMPLES
    assert inv.steps[1].content == first and inv.steps[-1].content == "no idea"  # each step keeps its own reply
    (warning,) = inv.warnings
    assert warning.startswith(
        "the answer names none of the root cause's details; the analyzers found: Pod shop/checkout-"
    )
    assert "PAYMENTS_API_URL" in warning


def test_key_terms_are_the_root_causes_details_on_the_demo():
    from holmes_nb import cluster

    frame = cluster("demo").problems()
    cases = {
        "Why does checkout keep restarting?": ["PAYMENTS_API_URL"],
        "Why does the recommendations pod keep restarting?": ["OOMKilled", "512Mi"],  # the reason, quoted
        "Why won't payments-api start?": ["api-key", "stripe-credentials"],
        "Why is the new frontend version not rolling out?": ["2.41"],
        "Why is clickhouse not starting?": ["fast-ssd"],
        "Why is the orders pod stuck initializing?": ["pyhton"],
    }
    for question, expected in cases.items():
        root = pick_subject(question, frame)[0]
        keys = key_terms(root)
        assert set(expected) <= set(keys), (question, keys)
        assert root["name"] not in keys and root["namespace"] not in keys
    assert grounding("set PAYMENTS_API_URL", ["PAYMENTS_API_URL"]) == 1
    assert grounding("```Traceback (most recent call last)``` PAYMENTS_API_URL", ["PAYMENTS_API_URL"]) == -2


def test_auto_uses_evidence_first_for_llama_cpp_python(model_server, tmp_path):
    srv = model_server([call("list_pods"), say("checkout crashes")], owned_by="me")
    inv = ask("Why does checkout keep restarting?", model="small", cluster="demo",
              config=_config(tmp_path, srv.url, None), namespace="shop")  # fmt: skip
    assert inv.profile == "evidence-first" and inv.answer == "checkout crashes"
    assert "tools" not in srv.chat_requests[0]


def test_standard_profile_lets_the_model_call_tools(model_server, tmp_path):
    srv = model_server([call("list_pods", namespace="shop"), say("fine")], owned_by="me")
    inv = ask("Why does checkout keep restarting?", model="small", cluster="demo",
              config=_config(tmp_path, srv.url, "standard"), namespace="shop")  # fmt: skip
    assert inv.profile == "standard" and [c.tool for c in inv.calls] == ["list_pods"]


def test_the_answer_is_capped_and_a_cut_off_answer_ends_at_its_last_sentence(model_server, tmp_path):
    cut = "PAYMENTS_API_URL is not set, so checkout exits at start. Set it in the Deployment. Then the pod wi"
    srv = model_server([say(cut, finish_reason="length")])
    inv = ask("Why does checkout keep restarting?", model="small", cluster="demo", config=_config(tmp_path, srv.url),
              namespace="shop")  # fmt: skip
    assert srv.chat_requests[0]["max_tokens"] == ANSWER_TOKENS
    assert inv.answer == "PAYMENTS_API_URL is not set, so checkout exits at start. Set it in the Deployment."
    assert whole_sentences("A start with no sentence end at all") == "A start with no sentence end at all …"


def test_a_recorded_evidence_first_run_replays_with_its_profile(model_server, tmp_path):
    srv = model_server([say("checkout restarts."), say("PAYMENTS_API_URL is not set.")])
    question = "Why does checkout keep restarting?"
    path = tmp_path / "run.json"
    first = ask(question, model="small", cluster="demo", config=_config(tmp_path, srv.url), namespace="shop",
                record=str(path))  # fmt: skip
    again = ask(question, model=f"replay/{path}", cluster="demo", namespace="shop")  # "auto": the recording's profile
    assert again.profile == first.profile == "evidence-first"
    assert again.answer == first.answer == "PAYMENTS_API_URL is not set." and len(again.steps) == len(first.steps)
    cfg = tmp_path / "r.yaml"
    cfg.write_text(f"modelList:\n  r:\n    model: replay/{path}\n    profile: standard\n")
    with pytest.raises(ConfigError, match="answers a different question"):  # standard sends the bare question
        ask(question, model="r", cluster="demo", namespace="shop", config=str(cfg))


def test_samples_settle_on_two_details_or_the_only_one():
    two = AnswerSamples(["api-key", "stripe-credentials"])
    two.add("the Secret stripe-credentials is wrong", 1)
    assert not two.settled() and two.why_again() == (
        "the answer names only 1 of the root cause's details; asking for another one (2 of 4)"
    )
    two.add("key api-key is missing from Secret stripe-credentials", 2)
    assert two.settled() and two.best() == ("key api-key is missing from Secret stripe-credentials", 2)
    one = AnswerSamples(["PAYMENTS_API_URL"])
    one.add("set PAYMENTS_API_URL", 1)
    assert one.settled() and one.sampling() == {"temperature": SAMPLE_TEMPERATURE, "seed": 1}
    none = AnswerSamples([])
    none.add("", 1)
    assert not none.settled() and none.best() == ("", 0)
    none.add("anything usable", 2)
    assert none.settled()


def test_cli_says_which_streamed_answer_was_kept(model_server, capsys, tmp_path):
    from holmes_nb.cli import main

    first = "checkout keeps restarting."
    srv = model_server([say(first), say("```\nTraceback (most recent call last)\n```"), say("no idea."), say("unsure.")],
                       owned_by="me")  # fmt: skip  # llama-cpp-python: evidence-first, streamed
    _config(tmp_path, srv.url, None)  # writes c.yaml
    assert main(["ask", "Why does checkout keep restarting?", "--cluster", "demo", "--namespace", "shop",
                 "--config", str(tmp_path / "c.yaml")]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert out.startswith(first + "\n") and out.endswith("unsure.\n" + first + "\n")  # the kept one, again, last
    assert "holmes-nb: the answer kept is an earlier reply:" in err and "(revised)" not in err
    assert "asking for another one (2 of 4)" in err and srv.chat_requests[0].get("stream") is True


def test_an_answer_copied_from_the_evidence_is_not_taken(model_server, tmp_path):
    """Gemma 3 270M under a wrong chat template replies with the evidence message itself."""
    probe = model_server([say("x")])
    ask("Why does checkout keep restarting?", model="small", cluster="demo", config=_config(tmp_path, probe.url),
        namespace="shop")  # fmt: skip
    evidence = probe.chat_requests[0]["messages"][-1]["content"]
    root = next(line for line in evidence.splitlines() if line.startswith("The root cause holmes-nb found:"))
    own = "checkout exits at start because PAYMENTS_API_URL is not set; set it in the Deployment's env."
    srv = model_server([say("<<SYS>>\n" + root), say(own)])
    events = []
    inv = ask("Why does checkout keep restarting?", model="small", cluster="demo", config=_config(tmp_path, srv.url),
              namespace="shop", on_event=events.append)  # fmt: skip
    assert inv.answer == own and len(srv.chat_requests) == 2
    assert "the model copied the evidence instead of explaining it" in [getattr(e, "message", "") for e in events]
    # a restating answer stays the model's own: half of it quoted is fine
    assert not copies_prompt(own + " " + root[:60], [{"role": "user", "content": evidence}])
