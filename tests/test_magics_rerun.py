"""Magics that cannot mislead, and evidence you can re-run: a re-run follow-up cell continues what
it followed, the heading of a long %%holmes body, ``%holmes cells`` / ``inv.to_cells()``, the
Python and kubectl equivalents of tool calls (run for real against the demo cluster)."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from test_magics import TestingShell, ip, server, user_texts  # noqa: F401 (fixtures)

import holmes_nb
from devkit.openai_server import call, say
from holmes_nb.notebook.commands import HEADING_CHARS, heading
from holmes_nb.report.rerun import kubectl_command, python_call


def test_rerunning_a_followup_cell_continues_what_it_followed_last_time(ip, server, capsys):  # noqa: F811
    srv = server([say("checkout is crashing"), say("restart it"), say("different topic"), say("restart it again")])
    ip.run_cell('first = %holmes ask "what is failing?" --model openai/scripted --cluster demo')
    followup = 'second = %holmes followup "how do I fix it?"'
    ip.run_cell(followup)
    ip.run_cell('%holmes ask "is the node ok?" --model openai/scripted --cluster demo')
    capsys.readouterr()
    ip.run_cell(followup)  # re-run of the same follow-up cell after another ask
    assert "continuing from 'what is failing?'" in capsys.readouterr().out
    assert ip.user_ns["second"].parent is ip.user_ns["first"]
    assert user_texts(srv) == ["what is failing?", "how do I fix it?"]  # not "is the node ok?"


def test_a_new_followup_cell_continues_the_current_conversation(ip, server):  # noqa: F811
    server([say("a"), say("b"), say("c")])
    ip.run_cell('%holmes ask "what is failing?" --model openai/scripted --cluster demo')
    ip.run_cell('other = %holmes ask "is the node ok?" --model openai/scripted --cluster demo')
    ip.run_cell('f = %holmes followup "and the disk?"')
    assert ip.user_ns["f"].parent is ip.user_ns["other"]


def test_long_cell_body_heading_is_its_first_line_clipped():
    body = "Why is checkout crashing?\n" + "here is a long pasted log line\n" * 50
    assert heading(body) == "Why is checkout crashing? …"
    long = "x" * 500
    assert len(heading(long)) == HEADING_CHARS and heading(long).endswith("…")
    assert heading("short question") == "short question"


def test_html_live_view_heading_is_not_the_whole_body():
    from IPython.utils.capture import capture_output

    from holmes_nb.notebook.live_view import HtmlLiveView

    TestingShell.clear_instance()
    TestingShell.instance()
    try:
        body = "Is shop healthy?\n" + "\n".join(f"pasted log line {i}" for i in range(40))
        with capture_output() as cap:
            HtmlLiveView(heading(body))
        first = cap.outputs[0].data["text/html"]
        assert "Is shop healthy? …" in first and "pasted log line 3" not in first
    finally:
        TestingShell.clear_instance()


def test_equivalents_are_real_calls_that_return_what_the_tool_read():
    code = python_call("list_pods", {"namespace": "shop", "unhealthy_only": True}, "demo")
    assert code == "holmes_nb.cluster('demo').pods(namespace='shop', unhealthy=True)"
    frame = eval(code, {"holmes_nb": holmes_nb})  # the printed code runs as printed
    assert len(frame) and set(frame["namespace"]) == {"shop"}
    pod = frame["name"].iloc[0]
    logs = python_call("pod_logs", {"name": pod, "namespace": "shop", "previous": True, "tail": 5}, "demo")
    assert logs == f"holmes_nb.cluster('demo').logs({pod!r}, namespace='shop', previous=True, tail=5)"
    assert len(eval(logs, {"holmes_nb": holmes_nb})) <= 5
    assert kubectl_command(
        "pod_logs", {"name": "checkout-1", "namespace": "shop", "previous": True, "grep": "err"}
    ) == ("kubectl logs checkout-1 -n shop --previous --tail=50 | grep -E err")
    assert kubectl_command("list_pods", {}) == "kubectl get pods -A -o wide"
    assert kubectl_command("events", {"namespace": "shop", "object": "pod/checkout-1"}) == (
        "kubectl get events -n shop --sort-by=.lastTimestamp --field-selector=involvedObject.name=checkout-1"
    )
    assert python_call("firing_alerts", {}, "demo") is None and kubectl_command("firing_alerts", {}) is None


def test_cells_magic_inserts_the_agents_path_as_code(ip, server, capsys):  # noqa: F811
    server([call("list_pods", namespace="shop", unhealthy_only=True), call("events", namespace="shop"), say("done")])
    ip.run_cell('inv = %holmes ask "what is failing?" --model openai/scripted --cluster demo')
    inv = ip.user_ns["inv"]
    assert inv.calls[0].python(inv.cluster) == "holmes_nb.cluster('demo').pods(namespace='shop', unhealthy=True)"
    assert inv.calls[0].kubectl == "kubectl get pods -n shop -o wide"
    html = inv._repr_mimebundle_()["text/html"]
    assert "holmes_nb.cluster(&#x27;demo&#x27;).pods(namespace=&#x27;shop&#x27;, unhealthy=True)" in html
    assert "kubectl get events -n shop" in html
    ip.run_cell("cells = %holmes cells")
    cells = ip.user_ns["cells"]
    assert cells[0] == "import holmes_nb" and len(cells) == 3
    assert ip.rl_next_input and "pods(namespace='shop', unhealthy=True)" in ip.rl_next_input  # set_next_input
    namespace: dict = {}
    for cell in cells:  # the inserted code runs
        exec(cell, namespace)
    assert "inserted 2 re-runnable call(s)" in capsys.readouterr().out


def test_to_cells_outside_ipython_only_returns_them(server):  # noqa: F811
    server([call("list_pods", namespace="shop"), say("done")])
    InteractiveShell.clear_instance()
    inv = holmes_nb.ask("what is failing?", model="openai/scripted", cluster="demo")
    assert inv.to_cells() == [
        "import holmes_nb",
        "# step 1: list_pods\n# shell: kubectl get pods -n shop -o wide\nholmes_nb.cluster('demo').pods(namespace='shop')",
    ]


@pytest.mark.parametrize(
    "reply,shown",
    [
        ("checkout&#39;s pod can&#39;t pull &quot;v2&quot;", "checkout's pod can't pull \"v2\""),
        ("a &amp b", "a &amp b"),
    ],
)
def test_html_escaped_replies_are_unescaped(server, reply, shown):  # noqa: F811
    server([say(reply)])
    inv = holmes_nb.ask("why is checkout failing?", model="openai/scripted", cluster="demo")
    assert inv.answer == shown


OFF_TOPIC = (
    "The French Revolution began in 1789 when Parisians stormed the Bastille, ending absolute monarchy "
    "and spreading republican ideals across Europe."
)


def test_plainly_off_topic_answer_is_doubtful_not_answered(server):  # noqa: F811
    server([call("list_pods", namespace="shop"), say(OFF_TOPIC)])
    inv = holmes_nb.ask("why is checkout crashing?", model="openai/scripted", cluster="demo")
    assert inv.status == "doubtful" and not inv.ok and inv.answer == OFF_TOPIC
    assert any("doubtful" in w for w in inv.warnings)


@pytest.mark.parametrize(
    "reply",
    [
        "all fine",  # too short to judge
        "The recommendations container was killed for exceeding its memory limit; raise it to 512Mi and redeploy.",
    ],
)
def test_on_topic_or_short_answers_stay_answered(server, reply):  # noqa: F811
    server([call("list_pods", namespace="shop"), say(reply)])
    inv = holmes_nb.ask("why is checkout crashing?", model="openai/scripted", cluster="demo")
    assert inv.status == "answered" and not inv.warnings
