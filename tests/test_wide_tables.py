"""Wide tables reach JupyterLab as HTML tables that scroll sideways, never as fixed-width text:
what IPython's own display formatter makes of the values %holmes commands return, of an
Investigation and of the DataFrames it holds. (Rendered in Chromium: tests/test_browser*.py
assert that no cell of these tables wraps.)"""

from __future__ import annotations

import pandas as pd
from test_magics import TestingShell, ip, server  # noqa: F401 (fixtures)

from devkit.openai_server import call, say
from holmes_nb.notebook import tables

SCROLL = 'class="hnb-table-scroll"'


def _html(shell, value) -> str:
    data, _ = shell.display_formatter.format(value)
    return data.get("text/html", "")


def test_what_the_magics_return_is_an_html_table_in_a_scrolling_box(ip, server, tmp_path):  # noqa: F811
    server([call("list_pods", namespace="shop"), say("checkout is crash looping")])
    config = tmp_path / "c.yaml"
    config.write_text("modelList:\n  scripted:\n    model: openai/scripted\n    api_key: k\n")
    ip.run_cell(f"%config HolmesMagic.config_path = {str(config)!r}")
    ip.run_cell('inv = %holmes ask "what is failing?" --model openai/scripted --cluster demo')
    shown = {
        "history": "%holmes history",
        "models": "%holmes models",
        "tools": "%holmes tools --cluster demo",
        "scan": "%holmes scan --cluster demo -n shop",
        "tool_calls": "inv.tool_calls",
        "frame": "next(iter(inv.frames.values()))",
        "pods": "import holmes_nb; holmes_nb.cluster('demo').pods()",
    }
    for name, code in shown.items():
        value = ip.run_cell(code).result
        assert isinstance(value, pd.DataFrame) and len(value), name
        html = _html(ip, value)
        assert html.startswith(f"<div {SCROLL}") and "<table" in html and "white-space: nowrap" in html, name
        assert value._repr_html_() in html, name  # pandas' own table (its truncation, its styles), boxed
    inv_html = _html(ip, ip.user_ns["inv"])
    assert "<table" in inv_html and SCROLL in inv_html  # the tool call's result table
    assert "<table" not in ip.display_formatter.format(ip.user_ns["inv"])[0]["text/plain"]


def test_the_formatter_goes_with_the_extension_and_leaves_a_users_own(ip):  # noqa: F811
    frame = pd.DataFrame({"a": [1]})
    assert SCROLL in _html(ip, frame)
    ip.run_cell("%unload_ext holmes_nb")
    assert SCROLL not in _html(ip, frame) and "<table" in _html(ip, frame)  # pandas' own again
    formatter = ip.display_formatter.formatters["text/html"]
    formatter.for_type(pd.DataFrame, lambda f: "<p>mine</p>")
    try:
        ip.run_cell("%load_ext holmes_nb")
        assert _html(ip, frame) == "<p>mine</p>"  # a user's own formatter is kept
    finally:
        formatter.pop(pd.DataFrame)
    assert tables.frame_html(frame).startswith(f"<div {SCROLL}")
