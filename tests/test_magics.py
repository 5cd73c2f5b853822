"""The %holmes magic through an IPython testing shell whose run_cell raises the cell's error,
against a real scripted model server and the demo cluster."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from devkit.openai_server import call, say
from holmes_nb.errors import ConfigError, ModelError
from holmes_nb.investigation import Investigation
from holmes_nb.notebook.parsing import parse


class TestingShell(InteractiveShell):
    __test__ = False
    """``run_cell`` raises the cell's exception, so a magic is tested like a function."""

    def run_cell(self, raw_cell, *args, **kwargs):
        result = super().run_cell(raw_cell, *args, **kwargs)
        result.raise_error()
        return result


@pytest.fixture
def ip(monkeypatch):
    monkeypatch.setenv("HOLMES_NB_LIVE_DISPLAY", "off")
    TestingShell.clear_instance()
    shell = TestingShell.instance()  # the instance, so IPython.display.display reaches its publisher
    shell.run_cell("%load_ext holmes_nb")
    yield shell
    shell.run_cell("%unload_ext holmes_nb")
    TestingShell.clear_instance()


@pytest.fixture
def server(model_server, openai_env):
    def make(script):
        return openai_env(model_server(script))

    return make


def user_texts(srv) -> list[str]:
    return [m["content"] for m in srv.chat_requests[-1]["messages"] if m["role"] == "user"]


# -- parsing ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line,text,options",
    [
        ('ask "what pods are failing?" --model=openai/llama3', "what pods are failing?", {"model": "openai/llama3"}),
        (
            "ask --model openai/x -n shop why isn't web ready?",
            "why isn't web ready?",
            {"model": "openai/x", "namespace": "shop"},
        ),
        ("ask 'isn't it broken?'", "isn't it broken?", {}),
        ('ask "web" is down, "api" too', '"web" is down, "api" too', {}),
        (
            "ask what is {ns} and $pod --cluster demo --max-steps 3",
            "what is {ns} and $pod",
            {"cluster": "demo", "max_steps": 3},
        ),
        ("ask -t a.yaml -t b.yaml what now", "what now", {"toolsets": ["a.yaml", "b.yaml"]}),
        ("ask --live is it up", "is it up", {"live": True}),
    ],
)
def test_parse_line(line, text, options):
    cmd = parse(line)
    assert (cmd.name, cmd.text, cmd.options) == ("ask", text, options)


@pytest.mark.parametrize(
    "line,message",
    [
        ("ask", "needs a question"),
        ("ask --max-steps x why", "whole number"),
        ("ask --max-steps 0 why", "at least 1"),
        ("asking why", "unknown %holmes command 'asking'; did you mean 'ask'"),
        ("ask --modle x why", "unknown option --modle"),
        ("ask why --model", "--model needs a value"),
    ],
)
def test_bad_arguments_are_usage_errors(line, message):
    with pytest.raises(UsageError, match=message.replace("?", r"\?")):
        parse(line)


def test_cell_body_is_the_question():
    cmd = parse("ask --namespace shop", "Why is checkout crashing,\nand what changed in {ns}?\n")
    assert cmd.text == "Why is checkout crashing,\nand what changed in {ns}?" and cmd.options == {"namespace": "shop"}
    assert parse("", "why?").text == "why?" and parse("--model m", "why?").options == {"model": "m"}


# -- asking ----------------------------------------------------------------------------------
def test_ask_returns_the_investigation_and_takes_the_question_raw(ip, server):
    srv = server([call("list_pods", namespace="shop"), say("checkout crashes")])
    ip.run_cell("x = 1\ninv = %holmes ask why isn't {x} $HOME ready? --model openai/scripted --cluster demo")
    inv = ip.user_ns["inv"]
    assert isinstance(inv, Investigation) and inv.answer == "checkout crashes" and inv.calls[0].status == "ok"
    assert user_texts(srv)[0] == "why isn't {x} $HOME ready?"  # no expansion, "?" kept, apostrophe fine
    assert ip.user_ns["_holmes_last"] is inv


def test_cell_magic_multi_line_question(ip, server):
    srv = server([say("fine")])
    ip.run_cell(
        "%%holmes ask --model openai/scripted --cluster demo\nIs the shop namespace healthy?\nCheck {everything}.\n"
    )
    assert user_texts(srv)[0] == "Is the shop namespace healthy?\nCheck {everything}."


def test_followup_reset_and_history(ip, server):
    srv = server([say("checkout is crashing"), say("restart it"), say("new topic")])
    ip.run_cell('%holmes ask "what is failing?" --model openai/scripted --cluster demo')
    ip.run_cell('second = %holmes followup "how do I fix it?"')
    assert ip.user_ns["second"].parent is not None
    assert "checkout is crashing" in [m["content"] for m in srv.chat_requests[-1]["messages"]]
    ip.run_cell("%holmes reset")
    with pytest.raises(UsageError, match="nothing to follow up"):
        ip.run_cell('%holmes followup "and then?"')
    ip.run_cell('%holmes ask "other?" --model openai/scripted --cluster demo')
    assert len(srv.chat_requests[-1]["messages"]) == 2  # a fresh conversation: system + question
    ip.run_cell("h = %holmes history")
    h = ip.user_ns["h"]
    assert list(h["question"]) == ["what is failing?", "how do I fix it?", "other?"]
    assert list(h["follow_up"]) == [False, True, False]


def test_config_settings_apply(ip, server, tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "modelList:\n  a:\n    model: openai/scripted\n    api_base: '{{ env.OPENAI_API_BASE }}'\n"
        "  b:\n    model: openai/other\n    api_base: http://127.0.0.1:9\n"
        "holmes_nb:\n  cluster: demo\n  max_steps: 2\n"
    )
    srv = server([call("list_pods"), call("events"), say("done")])
    ip.run_cell(f"%config HolmesMagic.config_path = {str(cfg)!r}")
    ip.run_cell("%config HolmesMagic.temperature = 0.25")
    ip.run_cell("%holmes model a")
    assert ip.user_ns["get_ipython"]().find_magic("holmes").__self__.model == "a"
    ip.run_cell('inv = %holmes ask "what?"')
    inv = ip.user_ns["inv"]
    assert inv.cluster == "demo" and len(inv.steps) == 2  # max_steps from the config file
    assert srv.chat_requests[0]["temperature"] == 0.25
    with pytest.raises(ConfigError, match="'nope'"):
        ip.run_cell("%holmes model nope")
    ip.run_cell("m = %holmes models")
    models = ip.user_ns["m"]
    assert list(models["key"]) == ["a", "b"] and list(models["current"]) == ["*", ""]


def test_model_failure_is_a_real_exception_and_keeps_the_partial_run(ip, server):
    server([call("list_pods"), {"fault": "status", "status": 401, "body": {"error": {"message": "bad key"}}}])
    with pytest.raises(ModelError) as err:
        ip.run_cell('%holmes ask "what?" --model openai/scripted --cluster demo')
    assert "401" in str(err.value) or "auth" in str(err.value).lower()
    partial = ip.user_ns["_holmes_last"]
    assert partial.status == "failed" and partial.calls[0].tool == "list_pods"


def test_unreachable_server_error_reaches_the_notebook_as_an_error_output(server, capsys):
    """The custom exception display prints message and hint, not a library traceback."""
    from holmes_nb.errors import HolmesError
    from holmes_nb.notebook.magics import show_holmes_error

    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("%load_ext holmes_nb")
        assert shell.custom_exceptions == (HolmesError,) and shell.CustomTB.__func__ is not None
        result = shell.run_cell('%holmes ask "what?" --model openai/x --cluster demo')
        assert isinstance(result.error_in_exec, ConfigError)  # neither OPENAI_API_BASE nor a key
        out = capsys.readouterr().out
        assert "ConfigError: " in out and "hint: " in out and "Traceback" not in out
        assert show_holmes_error  # the handler in use
    finally:
        InteractiveShell.clear_instance()


# -- other subcommands -----------------------------------------------------------------------
def test_scan_tools_and_help(ip, capsys):
    ip.run_cell("f = %holmes scan --cluster demo -n shop")
    f = ip.user_ns["f"]
    assert len(f) and set(f["namespace"]) == {"shop"}
    ip.run_cell("t = %holmes tools")
    assert list(ip.user_ns["t"]["tool"])[:2] == ["find_problems", "list_pods"]
    ip.run_cell("%holmes help")
    assert "%holmes followup" in capsys.readouterr().out
    with pytest.raises(UsageError, match="does not take --max-steps"):
        ip.run_cell("%holmes scan --max-steps 3")


def test_live_text_view_prints_each_step(ip, server, monkeypatch, capsys):
    monkeypatch.setenv("HOLMES_NB_LIVE_DISPLAY", "auto")  # a terminal shell: text lines
    server([call("list_pods", namespace="shop"), say("ok")])
    ip.run_cell('%holmes ask "what?" --model openai/scripted --cluster demo')
    out = capsys.readouterr().out
    assert "step 1/20: asking the model" in out and "→ list_pods(namespace='shop')" in out
    assert "← list_pods ok" in out and "holmes-nb answered: 2 steps · 1 tool call" in out


def test_live_display_off_prints_nothing(ip, server, capsys):
    server([say("ok")])
    ip.run_cell('inv = %holmes ask "what?" --model openai/scripted --cluster demo')
    assert capsys.readouterr().out == "" and ip.user_ns["inv"].answer == "ok"


def test_pick_shows_both_pickers_linked_to_the_magic(ip, capsys, tmp_path):
    from IPython.utils.capture import capture_output

    cfg = tmp_path / "c.yaml"
    cfg.write_text("modelList:\n  a:\n    model: openai/a\n    api_base: http://127.0.0.1:9/v1\n")
    ip.run_cell(f"%config HolmesMagic.config_path = {str(cfg)!r}")
    with capture_output() as cap:
        ip.run_cell("%holmes pick")
    texts = [o.data["text/plain"] for o in cap.outputs]
    assert len(texts) == 2 and "a — openai/a @ http://127.0.0.1:9/v1" in texts[0] and "demo" in texts[1]
    ip.run_cell("%holmes model a")
    with capture_output() as cap:
        ip.run_cell("%holmes pick")
    assert "* a — openai/a" in cap.outputs[0].data["text/plain"]


def test_cluster_dataframes_for_people():
    import holmes_nb

    demo = holmes_nb.cluster("demo")
    assert len(demo.pods()) and len(demo.events()) and len(demo.nodes()) and len(demo.problems())
    pod = demo.pods(unhealthy=True)["name"].iloc[0]
    assert "line" in demo.logs(pod).columns or len(demo.logs(pod)) == 0
    assert "pods()" in repr(demo)


def test_load_ext_imports_nothing_heavy():
    code = (
        "import sys, time; from IPython.core.interactiveshell import InteractiveShell; s = InteractiveShell();"
        "t = time.perf_counter(); s.run_line_magic('load_ext', 'holmes_nb'); dt = time.perf_counter() - t;"
        "import json; print(json.dumps({'s': dt, 'heavy': [m for m in ('litellm', 'pandas', 'kubernetes', "
        "'matplotlib', 'ipywidgets') if m in sys.modules]}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    assert data["heavy"] == []


def test_html_live_view_updates_in_place_and_ends_with_a_summary(server, monkeypatch):
    """The view owns one display_id: each tool call is rendered into it, then it shrinks to a summary."""
    from IPython.utils.capture import capture_output

    from holmes_nb.notebook.live_view import HtmlLiveView

    TestingShell.clear_instance()
    shell = TestingShell.instance()
    try:
        server([call("list_pods", namespace="shop"), say("checkout crashes")])
        with capture_output() as cap:
            view = HtmlLiveView("what is failing?")
            inv = __import__("holmes_nb").ask(
                "what is failing?", model="openai/scripted", cluster="demo", on_event=view
            )
            view.close(inv)
        htmls = [o.data.get("text/html", "") for o in cap.outputs]
        assert len(htmls) > 3  # the first display, then updates of the same area
        assert any("<details" in h and "list_pods" in h for h in htmls)  # the tool call block, live
        assert "holmes-nb answered: 2 steps · 1 tool call" in htmls[-1]
    finally:
        TestingShell.clear_instance()
        assert shell is not None


def test_export_writes_a_postmortem(ip, server, tmp_path, capsys):
    server([call("list_pods", namespace="shop"), say("checkout crashes")])
    ip.run_cell('%holmes ask "what is failing?" --model openai/scripted --cluster demo;')
    target = tmp_path / "pm.md"
    ip.run_cell(f"%holmes export {target}")
    text = target.read_text()
    assert "checkout crashes" in text and "list_pods" in text and f"wrote {target}" in capsys.readouterr().out


def test_anonymize_flag_hides_names_from_the_model_only(ip, server):
    srv = server([call("list_pods", unhealthy_only=True), say("all fine")])
    ip.run_cell('inv = %holmes ask "is checkout in shop healthy?" --anonymize --model openai/scripted --cluster demo')
    inv = ip.user_ns["inv"]
    sent = json.dumps([r["messages"] for r in srv.chat_requests])
    assert "checkout" not in sent and "shop" not in sent and "ns-" in sent  # the model saw placeholders
    assert inv.question == "is checkout in shop healthy?" and "shop" in inv.calls[0].text  # people see names
