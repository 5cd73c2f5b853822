"""The real browser test: JupyterLab on 127.0.0.1, Debian's Chromium driven by Playwright, runs the
quickstart notebook; the model picker and the answer must render. Screenshot: tests/artifacts/.

    pytest -m browser tests/test_browser.py        # needs /usr/bin/chromium and `pip install playwright`

Skips when Chromium or Playwright is missing, unless HOLMES_NB_BROWSER=1 (CI): then that is a failure
(scripts/ci-browser-deps.sh installs both). Never `playwright install`: the browser download fails here.
The JupyterLab and Chromium start code is shared with test_browser_stream.py: tests/browser_lab.py.

Notebook contract (what NOTEBOOK must contain; the built-in one below is the reference):
  1. ``%load_ext holmes_nb``
  2. ``%holmes pick``                        -> the ModelPicker (a <select> listing MODEL_KEY) and ClusterPicker
  3. ``inv = %holmes ask "..." [--model MODEL_KEY] [--cluster demo]`` then ``inv`` -> the answer renders
The test serves MODEL_KEY from its own config file (HOLMES_NB_CONFIG; also the default model) pointing at a
scripted OpenAI-compatible server, so the notebook needs no API key; the server always answers ANSWER.
Relative paths in the notebook resolve in a temporary copy of its folder. A notebook that picks its own
config (``%config HolmesMagic.config_path``, e.g. notebooks/holmes-config.yaml with replay models) must have
MODEL_KEY and ANSWER set to its key and a phrase of its recorded answer, and the last two asserts (which
check the scripted server's entry and requests) adapted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from devkit.openai_server import ScriptedModelServer, call, say
from tests import browser_lab
from tests.browser_lab import (
    WRAPPED_CELLS_JS,
    Budget,
    lab_env,
    outputs_text,
    run_all_cells,
    start_lab,
    wait_all_cells_ran,
    without_outputs,
)

pytestmark = pytest.mark.browser
browser_deps, page = browser_lab.browser_deps, browser_lab.page  # the shared fixtures

REPO = Path(__file__).resolve().parent.parent
QUICKSTART = REPO / "notebooks" / "01-quickstart.ipynb"
NOTEBOOK: Path | None = QUICKSTART  # None: the built-in notebook below (the contract's reference)
#: the quickstart picks notebooks/holmes-config.yaml, whose default backend replays a recorded real run
MODEL_KEY = "recorded-smollm2"
ANSWER = "PAYMENTS_API_URL"  # the recorded SmolLM2 run (evidence-first) names the root cause
ARTIFACT = REPO / "tests" / "artifacts" / "browser-quickstart.png"
RENDER_BUDGET = 180.0  # s: Lab loaded, kernel started, all cells run, outputs rendered


def builtin_notebook(path: Path) -> Path:
    """The reference notebook of the contract: ``builtin_notebook(tmp / "quickstart.ipynb")``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(src)
        for src in (
            "%load_ext holmes_nb",
            "%holmes pick",
            f'inv = %holmes ask "what pods are failing?" --model {MODEL_KEY} --cluster demo\ninv',
        )
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def scripted_llm():
    """One tool call on the demo cluster, then ANSWER (and ANSWER for any further request)."""
    srv = ScriptedModelServer([call("list_pods", namespace="shop"), say(ANSWER)], default=say(ANSWER)).start()
    yield srv
    srv.stop()


@pytest.fixture
def jupyter(request, browser_deps, scripted_llm, tmp_path):
    """A JupyterLab on 127.0.0.1 serving a copy of the notebook's folder: ``{"url", "base", "token"}``."""
    root = tmp_path / "root"
    if NOTEBOOK is None:
        root.mkdir()
        nb = builtin_notebook(root / "quickstart.ipynb")
    else:
        shutil.copytree(NOTEBOOK.parent, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "output"))
        nb = without_outputs(root / NOTEBOOK.name)  # everything the test sees is rendered by this run
    return start_lab(root, nb, lab_env(tmp_path, scripted_llm, MODEL_KEY), tmp_path, request)


def test_quickstart_renders_picker_and_answer(jupyter, page, scripted_llm):
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    budget = Budget(RENDER_BUDGET)
    try:
        page.goto(jupyter["url"], timeout=budget.ms())
        run_all_cells(page, jupyter, budget)
        picker_option = page.locator(".jp-OutputArea-output select option", has_text=MODEL_KEY)
        picker_option.first.wait_for(state="attached", timeout=budget.ms())
        answer = page.locator(".jp-OutputArea-output", has_text=ANSWER)
        answer.first.wait_for(timeout=budget.ms())
        answer.first.scroll_into_view_if_needed(timeout=budget.ms())
        wait_all_cells_ran(page, budget)  # the later cells' tables too
    except Exception as e:  # noqa: BLE001 - any failure: keep the screenshot, show the outputs
        page.screenshot(path=str(ARTIFACT))
        pytest.fail(f"{type(e).__name__}: {str(e)[:500]}\nscreenshot: {ARTIFACT}\noutputs:\n{outputs_text(page)}")
    page.screenshot(path=str(ARTIFACT))
    labels = [" ".join(t.split()) for t in picker_option.all_inner_texts()]  # ipywidgets shows spaces as nbsp
    if NOTEBOOK is None:
        assert f"{MODEL_KEY} — openai/scripted @ {scripted_llm.url}" in labels, labels  # model id and api_base
        assert [m["role"] for m in scripted_llm.chat_requests[-1]["messages"]].count("tool") == 1  # the tool ran
    else:
        assert f"{MODEL_KEY} — replay/recordings/demo-smollm2.json @ a recorded run, offline" in labels, labels
        assert not scripted_llm.chat_requests  # the notebook's own backend answered, not the test's
        tool_table = page.locator(".jp-OutputArea-output table", has_text="find_problems")
        assert tool_table.count() >= 1  # inv.tool_calls rendered as a DataFrame
    assert "test-key" not in page.content()  # never the API key
    assert page.locator(".jp-OutputArea-output", has_text="holmes-nb answered").count() >= 1  # the live view ran
    assert page.locator(".jp-OutputArea-output .holmes-stop-button").count() == 0  # removed when the run ended
    wrapped = [t.evaluate(WRAPPED_CELLS_JS) for t in page.locator(".jp-OutputArea-output table").all()]
    assert not any(wrapped), wrapped
