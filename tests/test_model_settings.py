"""Model settings take effect at the next ask in the same process, while what was learned about the
server is kept (holmes_nb.api's client cache, llm/client.py ClientCache), against the scripted server."""

from __future__ import annotations

import dataclasses

import pytest

import holmes_nb
from devkit.openai_server import say
from holmes_nb import api
from holmes_nb.agent import Agent
from holmes_nb.config import load_config
from holmes_nb.errors import ModelError

QUESTION = "what pods are failing?"


def entry_for(srv, monkeypatch, **settings):
    monkeypatch.setenv("OPENAI_API_BASE", srv.url)
    return dataclasses.replace(load_config().select("openai/scripted"), **settings)


def ask(entry):
    return holmes_nb.ask(QUESTION, model=entry, cluster="demo", max_steps=2)


def test_a_changed_temperature_is_sent_at_the_next_ask(model_server, monkeypatch):
    """%config HolmesMagic.temperature = 0.9 after a first ask at 0.1: the second request says 0.9."""
    srv = model_server([say("first"), say("second")])
    entry = entry_for(srv, monkeypatch, temperature=0.1)
    assert ask(entry).answer == "first"
    assert ask(dataclasses.replace(entry, temperature=0.9)).answer == "second"
    assert [body["temperature"] for body in srv.chat_requests] == [0.1, 0.9]


def test_a_changed_max_tokens_is_sent_at_the_next_ask(model_server, monkeypatch):
    srv = model_server([say("first"), say("second")])
    entry = entry_for(srv, monkeypatch, max_tokens=100)
    ask(entry)
    ask(dataclasses.replace(entry, max_tokens=200))
    assert [body["max_tokens"] for body in srv.chat_requests] == [100, 200]


def test_a_changed_timeout_is_used_at_the_next_ask(model_server, monkeypatch):
    srv = model_server([say("first"), {"hang": 3}])
    entry = entry_for(srv, monkeypatch, timeout=30.0, num_retries=0)
    ask(entry)
    with pytest.raises(ModelError, match=r"within 0\.5 s"):
        ask(dataclasses.replace(entry, timeout=0.5))


def test_what_was_learned_about_the_server_is_kept_across_settings(model_server, monkeypatch):
    """The probe runs once, and a context size the server reported is not learned again the hard way."""
    srv = model_server([say("first"), say("second")], context_window=1800)
    entry = entry_for(srv, monkeypatch, temperature=0.1)
    assert Agent(api.client_for(entry), []).run(QUESTION).context_window == 1800
    assert len(srv.chat_requests) == 2  # the first request overflowed, the retry fitted
    second = Agent(api.client_for(dataclasses.replace(entry, temperature=0.9)), []).run(QUESTION)
    assert second.answer == "second" and second.context_window == 1800
    assert len(srv.chat_requests) == 3  # no overflow this time
    assert srv.chat_requests[2]["temperature"] == 0.9
    assert [r["path"] for r in srv.requests if r["method"] == "GET"].count("/v1/models") == 1


def test_reset_forgets_what_was_learned(model_server, monkeypatch):
    srv = model_server([say("first"), say("second")])
    entry = entry_for(srv, monkeypatch)
    ask(entry)
    api.reset()
    ask(entry)
    assert [r["path"] for r in srv.requests if r["method"] == "GET"].count("/v1/models") == 2
