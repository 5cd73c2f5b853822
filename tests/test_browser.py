"""The real browser test: JupyterLab on 127.0.0.1, Debian's Chromium driven by Playwright, runs the
quickstart notebook; the model picker and the answer must render. Screenshot: tests/artifacts/.

    pytest -m browser tests/test_browser.py        # needs /usr/bin/chromium and `pip install playwright`

Skips when Chromium or Playwright is missing, unless HOLMES_NB_BROWSER=1 (CI): then that is a failure
(scripts/ci-browser-deps.sh installs both). Never `playwright install`: the browser download fails here.

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

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from devkit.openai_server import ScriptedModelServer, call, say

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
QUICKSTART = REPO / "notebooks" / "01-quickstart.ipynb"
NOTEBOOK: Path | None = QUICKSTART  # None: the built-in notebook below (the contract's reference)
#: the quickstart picks notebooks/holmes-config.yaml, whose default backend replays a recorded real run
MODEL_KEY = "recorded-smollm2"
ANSWER = "What its tool calls found"  # the recorded SmolLM2 run ends with the evidence answer
CHROMIUM = "/usr/bin/chromium"
ARTIFACT = REPO / "tests" / "artifacts" / "browser-quickstart.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True, "windowingMode": "none"},
}
START_TIMEOUT = 60.0  # s: Jupyter server up
RENDER_BUDGET = 180.0  # s: Lab loaded, kernel started, all cells run, outputs rendered


def _missing() -> list[str]:
    missing = [] if os.access(CHROMIUM, os.X_OK) else [f"{CHROMIUM} (apt-get install chromium)"]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install playwright)")
    return missing


@pytest.fixture(scope="module")
def browser_deps():
    """Skip (locally) or fail (HOLMES_NB_BROWSER=1, CI) when Chromium or Playwright is missing."""
    missing = _missing()
    if missing and os.environ.get("HOLMES_NB_BROWSER") == "1":
        pytest.fail("HOLMES_NB_BROWSER=1 but missing: " + "; ".join(missing) + " (run scripts/ci-browser-deps.sh)")
    if missing:
        pytest.skip("browser test needs " + " and ".join(missing) + "; set HOLMES_NB_BROWSER=1 to make this fail")


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


def _without_outputs(path: Path) -> Path:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, path)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter_env(tmp: Path, srv: ScriptedModelServer) -> dict[str, str]:
    """The server's env (the kernel inherits it): scripted model, private Jupyter dirs, live view on."""
    config = tmp / "holmes-config.yaml"
    config.write_text(
        f"modelList:\n  {MODEL_KEY}:\n    model: openai/scripted\n"
        "    api_base: '{{ env.OPENAI_API_BASE }}'\n    api_key: test-key\n"
        f"holmes_nb:\n  model: {MODEL_KEY}\n"
    )
    for plugin, value in LAB_SETTINGS.items():  # no news prompt, no "Select Kernel" dialog
        path = tmp / "lab-settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    env = {k: v for k, v in os.environ.items() if k not in ("HOLMES_NB_LIVE_DISPLAY", "JUPYTER_TOKEN")}
    env.update(
        OPENAI_API_BASE=srv.url,
        HOLMES_NB_CONFIG=str(config),
        JUPYTER_CONFIG_DIR=str(tmp / "jcfg"),
        JUPYTER_RUNTIME_DIR=str(tmp / "jrun"),
        IPYTHONDIR=str(tmp / "ipython"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "lab-ws"),
        PYTHONUNBUFFERED="1",
    )
    return env


def _api(base: str, token: str, path: str, method: str = "GET"):
    req = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def _stop_jupyter(proc: subprocess.Popen, base: str, token: str) -> None:
    """Shut the kernels down through the API (they run in their own sessions), then the server."""
    if proc.poll() is None:
        try:
            for kernel in _api(base, token, "/api/kernels"):
                _api(base, token, f"/api/kernels/{kernel['id']}", "DELETE")
        except OSError:
            pass
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


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
        nb = _without_outputs(root / NOTEBOOK.name)  # everything the test sees is rendered by this run
    port, token = _free_port(), secrets.token_hex(16)
    log = (tmp_path / "jupyter.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--port-retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--allow-root",
            "--LabApp.news_url=",
            "--LabApp.extension_manager=readonly",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=root,
        env=_jupyter_env(tmp_path, scripted_llm),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    request.addfinalizer(log.close)
    request.addfinalizer(lambda: _stop_jupyter(proc, base, token))
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            _api(base, token, "/api/status")
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = (tmp_path / "jupyter.log").read_text(errors="replace")[-2000:].replace(token, "<token>")
                pytest.fail(f"jupyter lab did not start (exit {proc.poll()}):\n{tail}")
            time.sleep(0.25)
    return {"url": f"{base}/lab/tree/{nb.relative_to(root)}?token={token}&reset", "base": base, "token": token}


@pytest.fixture
def page(browser_deps):
    """A Chromium page (Debian's browser; Playwright gives it a fresh temporary profile), closed after the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # headless=True adds --headless itself; the other flags keep Chromium off the (closed) network
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS[1:])
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1100})
        finally:
            browser.close()


class _Budget:
    """One deadline for all the waits of the test: ``locator.wait_for(timeout=budget.ms())``."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def ms(self) -> float:
        return max(1.0, (self.deadline - time.monotonic()) * 1000)


def _wait_kernel_connected(base: str, token: str, budget: _Budget) -> None:
    """Until the page's kernel is up and its websocket connected (Run All before that runs nothing)."""
    while True:
        try:  # while a kernel starts, jupyter_server may answer 500 (its kernel model is not complete yet)
            kernels = _api(base, token, "/api/kernels")
        except urllib.error.HTTPError:
            kernels = []
        if any(k["connections"] > 0 and k["execution_state"] == "idle" for k in kernels):
            return
        if budget.ms() <= 250:
            raise TimeoutError("no kernel connected in time")
        time.sleep(0.25)


def _run_all_cells(page, base: str, token: str, budget: _Budget) -> None:
    """Wait for the notebook and its kernel, then Run > Run All Cells (the menu, as a person does)."""
    page.locator(".jp-Notebook").first.wait_for(timeout=budget.ms())
    _wait_kernel_connected(base, token, budget)
    page.get_by_role("menuitem", name="Run", exact=True).click(timeout=budget.ms())
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click(timeout=budget.ms())


def _outputs_text(page) -> str:
    try:
        return "\n---\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())[-3000:]
    except Exception as e:  # noqa: BLE001 - diagnostics only
        return f"<outputs unreadable: {e}>"


def test_quickstart_renders_picker_and_answer(jupyter, page, scripted_llm):
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    budget = _Budget(RENDER_BUDGET)
    try:
        page.goto(jupyter["url"], timeout=budget.ms())
        _run_all_cells(page, jupyter["base"], jupyter["token"], budget)
        picker_option = page.locator(".jp-OutputArea-output select option", has_text=MODEL_KEY)
        picker_option.first.wait_for(state="attached", timeout=budget.ms())
        answer = page.locator(".jp-OutputArea-output", has_text=ANSWER)
        answer.first.wait_for(timeout=budget.ms())
        answer.first.scroll_into_view_if_needed(timeout=budget.ms())
    except Exception as e:  # noqa: BLE001 - any failure: keep the screenshot, show the outputs
        page.screenshot(path=str(ARTIFACT))
        pytest.fail(f"{type(e).__name__}: {str(e)[:500]}\nscreenshot: {ARTIFACT}\noutputs:\n{_outputs_text(page)}")
    page.screenshot(path=str(ARTIFACT))
    labels = [" ".join(t.split()) for t in picker_option.all_inner_texts()]  # ipywidgets shows spaces as nbsp
    if NOTEBOOK is None:
        assert f"{MODEL_KEY} — openai/scripted @ {scripted_llm.url}" in labels, labels  # model id and api_base
        assert [m["role"] for m in scripted_llm.chat_requests[-1]["messages"]].count("tool") == 1  # the tool ran
    else:
        assert f"{MODEL_KEY} — replay/recordings/demo-smollm2.json @ a recorded run, offline" in labels, labels
        assert not scripted_llm.chat_requests  # the notebook's own backend answered, not the test's
        tool_table = page.locator(".jp-OutputArea-output table", has_text="list_pods")
        assert tool_table.count() >= 1  # inv.tool_calls rendered as a DataFrame
    assert "test-key" not in page.content()  # never the API key
    assert page.locator(".jp-OutputArea-output", has_text="holmes-nb answered").count() >= 1  # the live view ran
