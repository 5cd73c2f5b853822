"""The model client and the agent keep their shape: no path from the model client back to config,
ModelEntry importable from both sides, and the run's phases as state.py documents them."""

from __future__ import annotations

import grimp
import pytest

from holmes_nb.agent.messages import Conversation, ResultDelivery
from holmes_nb.agent.state import Phase, RunState
from holmes_nb.anonymize import NO_ANONYMIZER
from holmes_nb.investigation import Investigation
from holmes_nb.llm.compat import RESULTS_PREFIX, ToolCall, is_tool_result, result_delivery, result_messages
from holmes_nb.llm.context import ServerInfo


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("holmes_nb", cache_dir=None)


def test_the_model_client_never_reaches_config(graph):
    """config builds ModelEntry (llm/entry.py); nothing in llm/ imports config, even lazily."""
    for module in sorted(graph.find_descendants("holmes_nb.llm")):
        assert graph.find_shortest_chain(importer=module, imported="holmes_nb.config") is None, module
    assert graph.find_modules_directly_imported_by("holmes_nb.llm.entry") <= {"holmes_nb.redact"}
    llm = {m for m in graph.find_modules_directly_imported_by("holmes_nb.config") if m.startswith("holmes_nb.llm")}
    assert llm == {"holmes_nb.llm.entry"}


def test_tool_results_are_recognized_in_both_deliveries():
    call = ToolCall("call01000", "list_pods", {"namespace": "shop"})
    for mode in ("tool", "user"):
        (msg,) = result_messages([(call, "pod-1  CrashLoopBackOff")], mode)
        assert result_delivery(msg) == mode and is_tool_result(msg)
    assert result_messages([(call, "x")], "user")[0]["content"].startswith(RESULTS_PREFIX)
    assert not is_tool_result({"role": "user", "content": "what pods are failing?"})
    assert not is_tool_result({"role": "assistant", "content": RESULTS_PREFIX})


def test_auto_delivery_switches_once_to_user_messages_for_llama_cpp_python():
    auto = ResultDelivery("auto")
    assert auto.mode == "tool" and not auto.start(ServerInfo(reachable=True, owned_by=["vllm"]))
    assert auto.observe(["call__0_list_pods_cmpl-123"]) and auto.mode == "user"
    assert not auto.observe(["call__0_list_pods_cmpl-456"])  # decided: no second notice
    assert ResultDelivery("auto").start(ServerInfo(reachable=True, owned_by=["me"]))
    fixed = ResultDelivery("tool")
    assert not fixed.start(ServerInfo(owned_by=["me"])) and not fixed.observe(["call__0_x_cmpl-1"])
    assert fixed.mode == "tool"


def _state() -> RunState:
    convo = Conversation.start("q", system="s", delivery=ResultDelivery("tool"), anonymizer=NO_ANONYMIZER)
    return RunState(Investigation("q", "m"), None, convo, budget=None)


def test_phases_circling_then_an_unusable_reply():
    state = _state()
    state.after_calls(useless=True)
    assert state.phase is Phase.INVESTIGATING and not state.tools_withheld
    state.after_calls(useless=False)  # a useful step resets the count
    state.after_calls(useless=True)
    assert state.phase is Phase.INVESTIGATING
    state.after_calls(useless=True)
    assert state.phase is Phase.ANSWER_DUE and state.tools_withheld and state.circles and not state.asked_again
    state.ask_again(with_evidence=True)
    assert state.phase is Phase.LAST_CHANCE and state.tools_withheld and state.asked_again


def test_phases_an_unusable_reply_without_and_with_evidence():
    state = _state()
    state.ask_again(with_evidence=False)
    assert state.phase is Phase.ASKED_AGAIN and not state.tools_withheld and state.asked_again
    state.after_calls(useless=True)
    state.after_calls(useless=True)
    assert state.phase is Phase.LAST_CHANCE
    other = _state()
    other.ask_again(with_evidence=True)
    assert other.phase is Phase.LAST_CHANCE
