"""The notebook pickers, driven through their traitlets (no browser), against real config files,
a real scripted model server and real snapshot files."""

from __future__ import annotations

import socket

import pytest
from traitlets import Float, HasTraits, Unicode

from devkit.openai_server import call, say
from holmes_nb.cluster_spec import open_cluster
from holmes_nb.formats.importers import save_snapshot
from holmes_nb.notebook.cluster_picker import ClusterPicker
from holmes_nb.notebook.widgets import DEFAULT, ModelPicker, pick_model_text

SECRET = "sk-widget-secret-0123456789"


class Magic(HasTraits):
    """The traits of HolmesMagic that the pickers link to."""

    model = Unicode(None, allow_none=True)
    temperature = Float(None, allow_none=True)
    cluster = Unicode(None, allow_none=True)
    config_path = Unicode(None, allow_none=True)


def write_config(tmp_path, base: str = "http://127.0.0.1:9/v1"):
    path = tmp_path / "values.yaml"
    path.write_text(
        f"""
modelList:
  local-llama:
    api_key: "{SECRET}"
    api_base: "{base}"
    model: openai/scripted
    temperature: 0.7
  hosted:
    api_key: "{{{{ env.HOSTED_KEY }}}}"
    model: openai/gpt-4o
config:
  model: local-llama
""",
        encoding="utf-8",
    )
    return str(path)


def outputs_text(picker) -> str:
    parts = []
    for out in picker.output.outputs:
        parts.append(out.get("text") or "\n".join(str(v) for v in out.get("data", {}).values()))
    return "\n".join(parts)


def test_dropdown_lists_keys_with_model_and_base_never_the_api_key(tmp_path, monkeypatch):
    monkeypatch.setenv("HOSTED_KEY", SECRET + "-hosted")
    picker = ModelPicker(Magic(), write_config(tmp_path))
    labels = [label for label, _ in picker.dropdown.options]
    assert [v for _, v in picker.dropdown.options] == [DEFAULT, "local-llama", "hosted"]
    assert labels[0] == "(default: local-llama)"
    assert "openai/scripted" in labels[1] and "http://127.0.0.1:9/v1" in labels[1]
    text = picker._repr_mimebundle_()["text/plain"]
    assert "* (default: local-llama)" in text and "hosted — openai/gpt-4o" in text
    assert "widget-secret" not in " ".join(labels) + text


def test_model_is_linked_both_ways_and_unknown_models_become_options(tmp_path):
    magic = Magic(config_path=write_config(tmp_path))
    picker = ModelPicker(magic)
    magic.model = "hosted"
    assert picker.dropdown.value == "hosted"
    picker.dropdown.value = "local-llama"
    assert magic.model == "local-llama"
    picker.dropdown.value = DEFAULT
    assert magic.model is None
    magic.model = "no-such-key"  # e.g. a typo in %holmes model: shown, not a crash
    assert picker.dropdown.value == "no-such-key"
    assert "* no-such-key (unknown: unknown model 'no-such-key')" in picker.text()
    magic.model = "openai/other"  # an ad-hoc id with neither OPENAI_API_BASE nor a key: says why
    assert picker.dropdown.value == "openai/other"
    assert "openai/other (unknown: --model openai/other needs OPENAI_API_BASE" in pick_model_text(magic)


def test_temperature_is_linked_both_ways(tmp_path):
    magic = Magic()
    picker = ModelPicker(magic, write_config(tmp_path))
    assert picker.use_default.value and picker.slider.disabled
    assert picker.use_default.description == "default (0.7)"  # the entry's own temperature
    magic.temperature = 0.25
    assert not picker.use_default.value and picker.slider.value == 0.25 and not picker.slider.disabled
    picker.slider.value = 1.5
    assert magic.temperature == 1.5
    picker.use_default.value = True
    assert magic.temperature is None and picker.slider.disabled
    assert "temperature: default (0.7)" in picker.text()


def test_env_only_backend_is_offered(monkeypatch):
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("MODEL", "llama3")
    picker = ModelPicker()
    assert [v for _, v in picker.dropdown.options] == [DEFAULT, "openai/llama3"]
    assert "openai/llama3 @ http://127.0.0.1:9/v1 (env)" in picker.text()


def test_check_button_shows_the_report_table(tmp_path, model_server):
    def code_if_visible(body, server):
        return say("4917" if "4917" in server.visible_text(body) else "no")

    srv = model_server([call("list_pods", namespace="probe"), code_if_visible, code_if_visible], props_n_ctx=8192)
    magic = Magic(model="local-llama")
    picker = ModelPicker(magic, write_config(tmp_path, srv.url))
    picker.check_button.click()
    assert picker.wait(30)
    (out,) = picker.output.outputs
    assert out["output_type"] == "display_data"
    assert "<td>tool calls</td><td>OK</td>" in out["data"]["text/html"]
    assert "usable for investigations" in out["data"]["text/plain"]
    assert "8192 tokens (server /props)" in out["data"]["text/plain"]
    assert SECRET not in outputs_text(picker) and picker.last_report.ok
    assert not picker.check_button.disabled


def test_check_against_a_dead_port_shows_an_error_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    picker = ModelPicker(Magic(), write_config(tmp_path, f"http://127.0.0.1:{port}/v1"))
    picker.check_button.click()
    assert picker.wait(30)
    errors = [o["text"] for o in picker.output.outputs if o.get("name") == "stderr"]
    assert len(errors) == 1 and errors[0].count("\n") == 1
    assert "NOT usable as configured: reachable: no OpenAI-compatible API answers" in errors[0]
    assert "is the server running?" in errors[0] and SECRET not in outputs_text(picker)


def test_check_of_a_bad_entry_is_one_line_with_the_hint(tmp_path):
    picker = ModelPicker(Magic(model="hosted"), write_config(tmp_path))
    report = picker.check(background=False)
    assert report is None
    (out,) = picker.output.outputs
    assert out["name"] == "stderr" and out["text"].count("\n") == 1
    assert out["text"].startswith("check failed: modelList entry 'hosted' uses {{ env.HOSTED_KEY }}")
    assert "hint: export HOSTED_KEY=" in out["text"] and "Traceback" not in out["text"]


def test_unreadable_config_is_shown_not_raised(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("modelList: [unclosed", encoding="utf-8")
    picker = ModelPicker(Magic(config_path=str(bad)))
    assert "config error: malformed YAML" in picker.text()
    assert picker.dropdown.options[0] == ("(default: config unreadable)", DEFAULT)


KUBECONFIG = """
apiVersion: v1
kind: Config
current-context: staging
contexts:
  - name: prod
    context: {cluster: prod, user: admin}
  - name: staging
    context: {cluster: staging, user: admin}
clusters: []
users: []
"""


def test_cluster_picker_lists_demo_contexts_and_snapshots(tmp_path, monkeypatch):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG, encoding="utf-8")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "snapshots").mkdir()
    save_snapshot(open_cluster("demo"), tmp_path / "snapshots" / "incident.json.gz", namespaces=["shop"])
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "nodes.json").write_text('{"kind": "NodeList", "items": []}', encoding="utf-8")
    (tmp_path / "package.json").write_text('{"name": "not-a-snapshot"}', encoding="utf-8")

    magic = Magic()
    picker = ClusterPicker(magic)
    values = [v for _, v in picker.dropdown.options]
    assert values == [DEFAULT, "demo", "context:prod", "context:staging", "snapshots/incident.json.gz", "dump"]
    assert picker.dropdown.options[0][0] == "(default: context staging)"
    picker.dropdown.value = "snapshots/incident.json.gz"
    assert magic.cluster == "snapshots/incident.json.gz"
    assert open_cluster(magic.cluster).list("pods", "shop")  # the spec is one open_cluster understands
    magic.cluster = "context:prod"
    assert picker.dropdown.value == "context:prod"
    magic.cluster = "http://127.0.0.1:8001"
    assert picker.dropdown.value == "http://127.0.0.1:8001"
    text = repr(picker)
    assert "* http://127.0.0.1:8001 (not in the list)" in text
    assert "context: staging (current)" in text and "snapshot: snapshots/incident.json.gz (" in text
    assert "demo — the bundled broken demo cluster" in text


def test_cluster_picker_survives_a_broken_kubeconfig(tmp_path, monkeypatch):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("- just\n- a list\n", encoding="utf-8")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.chdir(tmp_path)
    picker = ClusterPicker(Magic(cluster="demo"))
    assert [v for _, v in picker.dropdown.options] == [DEFAULT, "demo"]
    assert "note: kubeconfig" in picker.text() and "* demo" in picker.text()
    picker.refresh()  # rescanning keeps the selection
    assert picker.dropdown.value == "demo"


@pytest.mark.parametrize("picker_class", [ModelPicker, ClusterPicker])
def test_pickers_work_without_a_target(picker_class, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    picker = picker_class()
    assert picker.target.model is None and picker.text().startswith("holmes-nb ")


def test_env_only_picker_lists_the_servers_models_and_follows_env_changes(model_server, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    try:
        first = model_server([], model_ids=("qwen2.5-7b", "smollm2"))
        second = model_server([], model_ids=("llama3",))
        monkeypatch.delenv("MODEL", raising=False)
        monkeypatch.setenv("OPENAI_API_BASE", first.url)
        magic = Magic()
        magic.shell = shell
        picker = ModelPicker(magic)
        assert [v for _, v in picker.dropdown.options] == [DEFAULT, "openai/qwen2.5-7b", "openai/smollm2"]
        assert f"openai/smollm2 @ {first.url} (server /v1/models)" in picker.text()
        shell.run_cell(f"%env OPENAI_API_BASE={second.url}")  # the post_run_cell hook re-reads
        assert [v for _, v in picker.dropdown.options] == [DEFAULT, "openai/llama3"]
        assert not picker.refresh_if_env_changed()  # nothing changed since
    finally:
        InteractiveShell.clear_instance()


def test_no_model_hint_shows_env_in_a_notebook(monkeypatch):
    from holmes_nb.config import load_config
    from holmes_nb.errors import ConfigError
    from holmes_nb.notebook.magics import notebook_hint

    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    monkeypatch.delenv("MODEL", raising=False)
    with pytest.raises(ConfigError) as e:
        load_config().select(None)
    assert "export OPENAI_API_BASE=" in e.value.hint  # the CLI's words
    assert notebook_hint(e.value.hint).startswith("%env OPENAI_API_BASE=http://127.0.0.1:8000/v1 and pass --model")
