"""Tool-call text parsing, argument repair, names and ids: unit level, plus a fuzz."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from holmes_nb.llm.compat import (
    ToolCall,
    assign_ids,
    assistant_message,
    clean_name,
    parse_text_tool_calls,
    repair_arguments,
    result_messages,
    strip_thinking,
)

VALID = ["list_pods", "describe", "pod_logs"]


def test_bare_json_that_is_not_a_known_tool_is_an_answer():
    calls, text = parse_text_tool_calls('{"status": "healthy", "pods": 3}', VALID)
    assert calls == [] and "healthy" in text


def test_several_hermes_calls():
    content = (
        '<tool_call>{"name": "list_pods", "arguments": {}}</tool_call>\n'
        '<tool_call>{"name": "describe", "arguments": {"kind": "pod", "name": "a"}}</tool_call>'
    )
    calls, rest = parse_text_tool_calls(content, VALID)
    assert [c.name for c in calls] == ["list_pods", "describe"] and rest == ""


def test_unclosed_hermes_tag_at_end():
    calls, _ = parse_text_tool_calls('<tool_call>{"name": "list_pods", "arguments": {"namespace": "a"}}', VALID)
    assert calls[0].arguments == {"namespace": "a"}


def test_think_blocks_are_ignored():
    assert strip_thinking('<think>call {"name": "list_pods"}</think>The answer') == "The answer"
    assert strip_thinking("reasoning without opening tag</think>Answer") == "Answer"
    calls, text = parse_text_tool_calls('<think>{"name": "list_pods", "arguments": {}}</think>No calls.', VALID)
    assert calls == [] and text == "No calls."


def test_clean_name():
    assert clean_name(" functions.list_pods: ", VALID) == "list_pods"
    assert clean_name("Pod-Logs", VALID) == "pod_logs"
    assert clean_name("`describe`", VALID) == "describe"
    assert clean_name("unknown_tool()", VALID) == "unknown_tool"


def test_repair_arguments_shapes():
    assert repair_arguments(None) == ({}, [])
    assert repair_arguments("") == ({}, [])
    assert repair_arguments('{"a": 1}') == ({"a": 1}, [])
    args, notes = repair_arguments("{'a': 'single quotes'}")
    assert args == {"a": "single quotes"} and notes
    args, notes = repair_arguments("[1, 2]")
    assert args == {} and "not an object" in notes[-1]


def test_ids_replaced_when_missing_duplicate_or_uuid():
    calls = [
        ToolCall("", "a", {}),
        ToolCall("x1", "b", {}),
        ToolCall("x1", "c", {}),
        ToolCall("0b8f3c2e-1d4a-4c5b-9e7f-a1b2c3d4e5f6", "d", {}),
    ]
    assign_ids(calls, step=3)
    ids = [c.id for c in calls]
    assert ids[1] == "x1" and len(set(ids)) == 4
    assert all(len(i) == 9 and i.isalnum() for i in (ids[0], ids[2], ids[3]))


def test_messages_never_null_or_empty_tool_calls():
    msg = assistant_message("", [], "tool")
    assert msg == {"role": "assistant", "content": ""}
    call = ToolCall("call01000", "list_pods", {"namespace": "a"})
    as_user = assistant_message("", [call], "user")
    assert "tool_calls" not in as_user and "list_pods" in as_user["content"]
    results = result_messages([(call, "row1")], "user")
    assert results[0]["role"] == "user" and "row1" in results[0]["content"]
    assert result_messages([(call, "")], "tool")[0]["content"] == "(empty)"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_parser_never_raises_on_any_text(text):
    calls, rest = parse_text_tool_calls(text, VALID)
    assert isinstance(rest, str)
    for c in calls:
        assert isinstance(c.arguments, dict) and isinstance(c.name, str)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.integers(min_value=0, max_value=40))
def test_repair_always_gives_a_dict(value, cut):
    text = json.dumps(value)
    for candidate in (text, text[:cut], text + "}", value):
        args, notes = repair_arguments(candidate)
        assert isinstance(args, dict) and isinstance(notes, list)


def test_functions_style_without_arguments():
    calls, rest = parse_text_tool_calls("functions.list_pods:", VALID)
    assert [(c.name, c.arguments) for c in calls] == [("list_pods", {})] and rest == ""
