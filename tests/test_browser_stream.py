"""A streaming run in real JupyterLab + Chromium, stopped with the live view's Stop button.

The scripted server streams its answer slowly (``stream_delay`` between chunks), so the test can watch
it: the answer's first words appear while the cell still runs; a tool-call block opened mid-run stays
open while the text keeps streaming in; the Stop button (a POST to the Jupyter server's interrupt API)
ends the run with the partial Investigation, status "stopped", the ``_holmes_last`` line and no
traceback, and the next cell reads ``_holmes_last.status``.

    HOLMES_NB_BROWSER=1 pytest tests/test_browser_stream.py
    HOLMES_NB_DOCS_IMAGES=1 pytest tests/test_browser_stream.py   # also refresh docs/images/ (scripts/docs_screenshots.sh)

Screenshots (the live view mid-run, the stopped run's timeline) go to tests/artifacts/, and to
docs/images/ with HOLMES_NB_DOCS_IMAGES=1.
"""

from __future__ import annotations

import os
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
)

pytestmark = pytest.mark.browser
browser_deps, page = browser_lab.browser_deps, browser_lab.page  # the shared fixtures

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
DOCS_IMAGES = REPO / "docs" / "images"
MODEL_KEY = "scripted-stream"
QUESTION = "why is checkout failing?"
FIRST = "Checkout is crash looping."
LATER = "The second paragraph starts here."
#: ~1,500 characters in 4-character chunks: at CHUNK_DELAY s a chunk, about a minute of streaming,
#: far longer than the test needs before it clicks Stop (it never sees the end)
ANSWER = " ".join(
    [FIRST]
    + ["Its container exits with code 1 right after start, and the liveness probe never passes."] * 3
    + [LATER]
    + ["The last rollout changed the DATABASE_URL variable, which now points to a missing host."] * 10
    + ["END OF THE ANSWER."]
)
CHUNK_DELAY = 0.15  # s between streamed chunks
BUDGET = 240.0  # s for the whole test: Lab loaded, kernel started, run watched and stopped, next cells run

CELLS = (
    "%load_ext holmes_nb",
    f'inv = %holmes ask "{QUESTION}" --cluster demo\ninv',
    'print(f"last status: {_holmes_last.status}")',
    "inv.timeline()",
    "inv.tool_calls",
)


@pytest.fixture
def slow_llm():
    """Two tool calls on the demo cluster (pods, events), then a long answer streamed chunk by chunk."""
    script = [call("list_pods", namespace="shop"), call("events", namespace="shop"), say(ANSWER)]
    srv = ScriptedModelServer(script, default=say(ANSWER), stream_delay=CHUNK_DELAY).start()
    yield srv
    srv.stop()


@pytest.fixture
def lab(request, browser_deps, slow_llm, tmp_path):
    import nbformat

    root = tmp_path / "root"
    root.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    nbformat.write(nb, root / "stream.ipynb")
    return start_lab(root, root / "stream.ipynb", lab_env(tmp_path, slow_llm, MODEL_KEY), tmp_path, request)


def _screenshot(locator, name: str) -> None:
    """An element's PNG in tests/artifacts/ (and docs/images/ with HOLMES_NB_DOCS_IMAGES=1)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    locator.screenshot(path=str(path), animations="disabled")
    if os.environ.get("HOLMES_NB_DOCS_IMAGES") == "1":
        shutil.copyfile(path, DOCS_IMAGES / name)


def test_streaming_run_in_jupyterlab_is_stopped_by_the_stop_button(lab, page, slow_llm):
    budget = Budget(BUDGET)
    run_cell = page.locator(".jp-CodeCell").nth(1)
    live = run_cell.locator(".jp-OutputArea")
    try:
        page.goto(lab["url"], timeout=budget.ms())
        run_all_cells(page, lab, budget)
        # (a) the answer's first words show while the cell still runs
        stream = live.locator(".holmes-stream")
        stream.filter(has_text=FIRST).first.wait_for(timeout=budget.ms())
        head_mid_run = live.locator(".holmes-live").first.inner_text()
        # (b) open the first tool-call block mid-run, let the stream go on, it stays open
        details = live.locator("details.hnb-call", has_text="list_pods").first
        details.locator("summary").click(timeout=budget.ms())
        assert details.evaluate("d => d.open")
        wrapped = details.locator("table").first.evaluate(WRAPPED_CELLS_JS)
        stream.filter(has_text=LATER).first.wait_for(timeout=budget.ms())
        assert details.evaluate("d => d.open"), "the opened tool-call block collapsed during later updates"
        stop = live.locator("button.holmes-stop-button")
        assert stop.is_visible()  # revealed: the page is served by a Jupyter server
        _screenshot(run_cell, "live-view-streaming.png")
        # (c) Stop: the server interrupts the kernel, the cell returns the partial run
        stop.click(timeout=budget.ms())
        live.get_by_text("the partial investigation is in _holmes_last").wait_for(timeout=budget.ms())
        status_cell = page.locator(".jp-CodeCell").nth(2).locator(".jp-OutputArea-output")
        status_cell.filter(has_text="last status:").first.wait_for(timeout=budget.ms())
        timeline = page.locator(".jp-CodeCell").nth(3).locator(".jp-OutputArea-output img").first
        timeline.wait_for(timeout=budget.ms())
        timeline.scroll_into_view_if_needed(timeout=budget.ms())
        _screenshot(timeline, "timeline.png")
        frame = page.locator(".jp-CodeCell").nth(4).locator(".jp-OutputArea-output table").first
        frame.wait_for(timeout=budget.ms())
        frame_wrapped = frame.evaluate(WRAPPED_CELLS_JS)
    except Exception as e:  # noqa: BLE001 - any failure: keep the screenshot, show the outputs
        page.screenshot(path=str(ARTIFACTS / "browser-stream-failure.png"))
        pytest.fail(f"{type(e).__name__}: {str(e)[:500]}\noutputs:\n{outputs_text(page)}")
    assert wrapped == [], wrapped  # a wide tool result table scrolls sideways, its rows stay one line
    assert frame_wrapped == [], frame_wrapped  # inv.tool_calls: pandas' HTML table, no wrapped cell
    assert "running" in head_mid_run and "answered" not in head_mid_run, head_mid_run
    shown = live.inner_text()
    assert "Traceback" not in shown and "KeyboardInterrupt" not in shown, shown[-2000:]
    assert live.locator('.hnb-investigation[data-status="stopped"]').count() == 1  # the partial Investigation
    assert "holmes-nb stopped:" in shown  # the live view's summary line
    assert "END OF THE ANSWER" not in shown  # stopped before the stream ended
    assert live.locator("button.holmes-stop-button").count() == 0  # removed when the run ended
    assert status_cell.first.inner_text().strip() == "last status: stopped"
    assert slow_llm.chat_requests[-1].get("stream") is True  # the answer was streamed
    assert "test-key" not in page.content()  # never the API key
