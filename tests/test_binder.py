"""binder/: a fresh virtualenv built only from binder/ files runs the quickstart notebook.

repo2docker installs binder/requirements.txt, then runs binder/postBuild from the repository root;
this does the same in a new venv (with pip's cache, offline apart from the package registry) and
runs notebooks/01-quickstart.ipynb under nbval in that environment's own kernel.
Runs when HOLMES_NB_BINDER=1 (set by .ci/run); a few minutes the first time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    os.environ.get("HOLMES_NB_BINDER") != "1", reason="set HOLMES_NB_BINDER=1 to build the binder environment (minutes)"
)


def run(cmd, env, cwd=ROOT, timeout=900):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_binder_environment_runs_the_quickstart(tmp_path):
    venv = tmp_path / "binder-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    env["HOME"] = str(tmp_path / "home")  # no user config, like a fresh binder user
    env["HOLMES_NB_LIVE_DISPLAY"] = "off"
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"], env)
    run(["bash", "binder/postBuild"], env)
    # from outside the checkout, so the import finds what postBuild installed, not the source tree
    out = run(
        [
            "bash",
            str(ROOT / "binder" / "start"),
            python,
            "-c",
            "import holmes_nb, os; print(holmes_nb.__file__, os.environ['LITELLM_LOCAL_MODEL_COST_MAP'])",
        ],
        env,
        cwd=tmp_path,
    )
    assert str(venv) in out.stdout and out.stdout.strip().endswith("True")  # installed into the binder env
    run(
        [
            python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            "notebooks/sanitize.cfg",
            "notebooks/01-quickstart.ipynb",
        ],
        env,
    )
