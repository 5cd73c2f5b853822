"""The two fronts over one command table (holmes_nb.frontdoor): what the table declares is what the
%holmes parser, %holmes help and the CLI accept; the parser's rules for text after a question; the
config file's cluster and namespace reach scan and tools; the fronts stay apart."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

import grimp
import pytest
from IPython.core.error import UsageError
from test_architecture import _cycles
from test_magics import TestingShell, ip  # noqa: F401 - the ip fixture

from holmes_nb.cli import main
from holmes_nb.cli.snapshot import write_kubeconfig
from holmes_nb.cluster_spec import open_cluster
from holmes_nb.formats.importers import save_snapshot
from holmes_nb.frontdoor.help import help_text
from holmes_nb.frontdoor.table import COMMANDS, OPTIONS, commands_for
from holmes_nb.notebook.parsing import parse

ROOT = Path(__file__).resolve().parent.parent


# -- one declaration ---------------------------------------------------------------------------
def test_api_ask_takes_the_options_under_their_names():
    from holmes_nb.api import ask

    params = inspect.signature(ask).parameters
    assert {o.name for o in OPTIONS.values() if o.to_api} <= set(params)


def test_help_and_handlers_cover_every_notebook_command():
    from holmes_nb.notebook.commands import HANDLERS
    from holmes_nb.notebook.magics import _SETTING_OPTIONS

    assert set(_SETTING_OPTIONS) <= set(OPTIONS)  # a magic setting is the default of the option of its name
    names = [c.name for c in commands_for("notebook")]
    assert sorted(HANDLERS) == sorted(names)
    text = help_text()
    assert all(f"%holmes {n}" in text for n in names)
    used = {o for c in commands_for("notebook") for o in c.options if "notebook" in OPTIONS[o].fronts}
    assert all(OPTIONS[o].long in text for o in used)


@pytest.mark.parametrize("spec", commands_for("cli"), ids=lambda c: c.name)
def test_cli_parser_takes_what_the_table_declares(spec, capsys):
    with pytest.raises(SystemExit):
        main([spec.name, "--help"])
    text = capsys.readouterr().out
    assert all(o.long in text for o in spec.options_for("cli"))
    assert not [o.long for o in OPTIONS.values() if o.name not in spec.options and f" {o.long} " in text]


def test_cli_and_magic_reject_the_same_bad_value(capsys):
    with pytest.raises(SystemExit) as out:
        main(["ask", "q", "--max-steps", "0"])
    assert out.value.code == 2 and "must be at least 1" in capsys.readouterr().err
    with pytest.raises(UsageError, match="must be at least 1"):
        parse("ask q --max-steps 0")


# -- text after a question ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "line,text,options",
    [
        ("ask what does kubectl logs -c do", "what does kubectl logs -c do", {}),
        (
            "ask what does kubectl get pods -n shop show --cluster demo",
            "what does kubectl get pods -n shop show",
            {"cluster": "demo"},
        ),
        ("ask why? --cluster demo -n shop", "why?", {"cluster": "demo", "namespace": "shop"}),
        (
            'ask "why does kubectl logs --previous -c app fail?" -n shop',
            "why does kubectl logs --previous -c app fail?",
            {"namespace": "shop"},
        ),
        ("ask -c demo -m openai/x why -n?", "why -n?", {"cluster": "demo", "model": "openai/x"}),
    ],
)
def test_short_flags_after_an_unquoted_question_stay_text(line, text, options):
    cmd = parse(line)
    assert (cmd.text, cmd.options) == (text, options)


@pytest.mark.parametrize(
    "line,message",
    [
        ("ask why is web down --clutser demo", "unknown option --clutser; did you mean '--cluster'"),
        ("ask why is --namespce shop broken", "unknown option --namespce; did you mean '--namespace'"),
        ("ask why do kubectl logs --previous show nothing", "unknown option --previous"),
        ("ask is it up --live now", "'now' after the options"),
        ("reset everything", "takes no argument"),
    ],
)
def test_unknown_long_flag_in_an_unquoted_question_is_an_error(line, message):
    with pytest.raises(UsageError, match=message):
        parse(line)


# -- the config file's cluster and namespace -------------------------------------------------------
@pytest.fixture
def config_with_cluster(tmp_path):
    snap = tmp_path / "incident.json.gz"
    save_snapshot(open_cluster("demo"), snap, namespaces=["shop", "payments"])
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"holmes_nb:\n  cluster: {snap}\n  namespace: shop\n")
    return cfg, open_cluster(str(snap)).name


def test_scan_honours_the_config_files_cluster_and_namespace(ip, config_with_cluster, capsys):  # noqa: F811
    cfg, name = config_with_cluster
    ip.run_cell(f"%config HolmesMagic.config_path = {str(cfg)!r}")
    ip.run_cell("f = %holmes scan")
    f = ip.user_ns["f"]
    assert len(f) and set(f["namespace"]) == {"shop"} and f.attrs["cluster"] == name
    ip.run_cell("g = %holmes scan -n payments --severity critical")
    g = ip.user_ns["g"]
    assert len(g) and set(g["namespace"]) == {"payments"} and set(g["severity"]) == {"critical"}
    capsys.readouterr()
    assert main(["scan", "--config", str(cfg), "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found and {x["namespace"] for x in found} == {"shop"}


def test_tools_default_to_the_kubeconfig_cluster_then_the_config_file(ip, tmp_path, monkeypatch, config_with_cluster):  # noqa: F811
    from holmes_nb.apiserver.server import SnapshotAPIServer
    from holmes_nb.sources.live import LiveCluster

    with SnapshotAPIServer(open_cluster("demo")) as srv:
        kubeconfig = tmp_path / "kubeconfig"
        write_kubeconfig(str(kubeconfig), srv.url)
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        live_name = LiveCluster().name
        ip.run_cell("t = %holmes tools")
        assert ip.user_ns["t"].attrs["cluster"] == live_name != "demo"
        cfg, name = config_with_cluster
        ip.run_cell(f"t = %holmes tools --config {cfg}")
        assert ip.user_ns["t"].attrs["cluster"] == name
        assert list(ip.user_ns["t"]["tool"])[:2] == ["find_problems", "list_pods"]


# -- state, attributes, imports --------------------------------------------------------------------
def test_process_state_lives_in_small_objects_with_reset():
    import holmes_nb
    from holmes_nb import notebook
    from holmes_nb.tools.custom import registered_tools, registry

    TestingShell.clear_instance()
    shell = TestingShell.instance()
    try:
        shell.run_cell("%load_ext holmes_nb")
        assert notebook.state.shell is shell and notebook.magic() is notebook.state.magic
        shell.run_cell("%unload_ext holmes_nb")
        assert notebook.state.magic is None
        with pytest.raises(RuntimeError, match="load_ext"):
            notebook.magic()
    finally:
        TestingShell.clear_instance()

    @holmes_nb.tool
    def on_call(team: str) -> str:
        """Who is on call for a team."""
        return "ana"

    assert [t.name for t in registered_tools()] == ["on_call"]
    registry.reset()
    assert registered_tools() == []


def _attribute_reads(path: Path) -> list[str]:
    """``getattr(x, "name")`` / ``hasattr(x, "name")`` calls with a literal name."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        call = isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("getattr", "hasattr")
        if call and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
            out.append(f"{path.name}:{node.lineno} {node.args[1].value}")
    return out


def test_fronts_read_declared_attributes():
    reads = [
        r
        for d in ("notebook", "cli")
        for p in sorted((ROOT / "holmes_nb" / d).glob("*.py"))
        for r in _attribute_reads(p)
    ]
    allowed = {"investigation", "SIGTERM"}  # set on KeyboardInterrupt by the agent; a POSIX-only signal
    assert [r for r in reads if r.split()[-1] not in allowed] == []


def test_snapshot_commands_refuse_a_live_cluster(capsys):
    assert main(["snapshot", "info", "context:prod"]) == 2
    assert "is a live cluster, not a snapshot" in capsys.readouterr().err


def test_fronts_do_not_import_each_other_and_sit_in_no_cycle():
    graph = grimp.build_graph("holmes_nb", include_external_packages=True, cache_dir=None)
    assert not graph.chain_exists("holmes_nb.notebook", "holmes_nb.cli", as_packages=True)
    assert not graph.chain_exists("holmes_nb.cli", "holmes_nb.notebook", as_packages=True)
    assert not graph.chain_exists("holmes_nb.frontdoor", "IPython", as_packages=True)
    mine = ("holmes_nb.notebook", "holmes_nb.cli", "holmes_nb.frontdoor", "holmes_nb.tools")
    assert [c for c in _cycles(graph) if any(m.startswith(mine) for m in c)] == []
    assert set(COMMANDS) >= {"ask", "scan", "models", "check-model"}
