"""The example notebooks as files: they match their sources in scripts/notebooks/, hold no secret or
machine path, and the postmortem template runs headless under papermill with its parameters.
(nbval runs every notebook top to bottom: `bash scripts/test.sh` passes `notebooks` to pytest.)"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "scripts"))

from build_notebooks import load_sources  # noqa: E402

# Read at import, before the autouse fixture points HOME at a temporary directory for each test.
REAL_HOME = os.path.expanduser("~")
# Absolute paths that name a machine or a person: a home directory, a checkout, a temporary folder.
MACHINE_PATH = re.compile(
    r"(?<![\w.])(/home/[^/\s\"']+/|/root/|/Users/[^/\s\"']+/|/work/|/tmp/pytest-of-|/private/var/folders/)"
)


def _cells(path: Path) -> list[tuple[str, str, tuple]]:
    nb = json.loads(path.read_text())
    out = []
    for cell in nb["cells"]:
        kind = "md" if cell["cell_type"] == "markdown" else "code"
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        out.append((kind, source, tuple(cell.get("metadata", {}).get("tags", ()))))
    return out


SOURCES = load_sources()


@pytest.mark.parametrize("mod", SOURCES, ids=[m.NAME for m in SOURCES])
def test_notebook_matches_its_source_and_was_run(mod):
    path = NOTEBOOKS / f"{mod.NAME}.ipynb"
    assert path.exists(), f"run: python scripts/build_notebooks.py {mod.NAME[:2]}"
    assert _cells(path) == [(k, s, tuple(t)) for k, s, t in mod.CELLS], (
        f"{path.name} is stale: python scripts/build_notebooks.py {mod.NAME[:2]}"
    )
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and c["source"]]
    assert all(c.get("execution_count") for c in code)  # saved with the outputs of a real run
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_saved_outputs_hold_no_secret_or_machine_path(path):
    text = path.read_text()
    assert not re.search(r'"(api_key|OPENAI_API_KEY)"\s*:\s*"(?!not-needed|\[REDACTED)', text)
    assert not re.search(r"sk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY", text)
    assert str(ROOT) not in text and REAL_HOME + "/" not in text
    assert not MACHINE_PATH.search(text), MACHINE_PATH.search(text)


def test_machine_path_check_catches_a_home_path():
    """The check above can fail: it finds this machine's home, a checkout and another user's home."""
    assert os.path.expanduser("~") != REAL_HOME  # the autouse fixture moved HOME; the check keeps the real one
    for leaked in (f'"{REAL_HOME}/snap.json"', '"/home/alice/incident.json"', "'/work/main/notebooks/x'"):
        assert MACHINE_PATH.search(leaked) or REAL_HOME + "/" in leaked


def test_postmortem_template_runs_under_papermill(tmp_path):
    import papermill

    out_md = tmp_path / "checkout-outage.md"
    executed = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / "02-postmortem.ipynb"),
        str(executed),
        cwd=str(NOTEBOOKS),
        kernel_name="python3",
        progress_bar=False,
        parameters={
            "incident_title": "Checkout outage, 14 March",
            "namespace": None,
            "output": str(out_md),
            "questions": ["what pods are failing?"],
        },
    )
    text = out_md.read_text()
    assert text.startswith("# Checkout outage, 14 March\n")
    assert "what pods are failing?" in text and "list_pods" in text  # the question and its tool calls
    assert (tmp_path / "checkout-outage-timeline.png").stat().st_size > 10_000  # the timeline plot beside it
    nb = json.loads(executed.read_text())
    injected = [c for c in nb["cells"] if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(injected) == 1 and "Checkout outage, 14 March" in "".join(injected[0]["source"])
