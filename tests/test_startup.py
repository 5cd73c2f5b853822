"""Start-up promises: importing holmes_nb and building the CLI parser load no heavy library."""

from __future__ import annotations

import os
import subprocess
import sys

HEAVY = ("litellm", "pandas", "kubernetes", "IPython", "ipywidgets", "openai")


def _modules_after(code: str, env: dict | None = None) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return set(out.stdout.split())


def test_import_loads_no_heavy_library():
    loaded = _modules_after("import holmes_nb")
    assert not [m for m in HEAVY if m in loaded]


def test_cli_parser_loads_no_heavy_library():
    loaded = _modules_after("from holmes_nb.cli import build_parser; build_parser().format_help()")
    assert not [m for m in HEAVY if m in loaded]


def test_offline_cost_map_is_set_before_litellm_loads_unless_user_chose():
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    code = (
        "from holmes_nb.llm.client import get_litellm; get_litellm(); import os; "
        "print('VALUE=' + os.environ['LITELLM_LOCAL_MODEL_COST_MAP'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "VALUE=True" in out.stdout
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "true"  # the user's own value is kept
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "VALUE=true" in out.stdout


def test_help_runs_as_a_console_script():
    out = subprocess.run([sys.executable, "-m", "holmes_nb", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "ask" in out.stdout and "check-model" in out.stdout
