"""What the browser tests share: a JupyterLab on 127.0.0.1 and Debian's Chromium driven by Playwright.

    root = ...  # a folder with the notebook
    lab = start_lab(root, "quickstart.ipynb", lab_env(tmp_path, srv, "scripted"), tmp_path, request)
    page.goto(lab["url"]); run_all_cells(page, lab, Budget(180))

``browser_deps`` skips when Chromium or Playwright is missing, unless HOLMES_NB_BROWSER=1 (CI): then
that is a failure (scripts/ci-browser-deps.sh installs both). Never `playwright install`: the browser
download fails here. Import the fixtures into a test module: ``from tests.browser_lab import browser_deps, page``.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
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
#: the table cells whose text the browser breaks over more than one line
WRAPPED_CELLS_JS = """t => Array.from(t.querySelectorAll("td, th")).filter(cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size > 1;
}).map(cell => cell.textContent)"""


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


def without_outputs(path: Path) -> Path:
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


def lab_env(tmp: Path, srv, model_key: str) -> dict[str, str]:
    """The server's env (the kernel inherits it): ``model_key`` served by the scripted server ``srv``
    (also the default model), private Jupyter dirs, live view on."""
    config = tmp / "holmes-config.yaml"
    config.write_text(
        f"modelList:\n  {model_key}:\n    model: openai/scripted\n"
        "    api_base: '{{ env.OPENAI_API_BASE }}'\n    api_key: test-key\n"
        f"holmes_nb:\n  model: {model_key}\n"
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


def api(base: str, token: str, path: str, method: str = "GET"):
    req = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def _stop_jupyter(proc: subprocess.Popen, base: str, token: str) -> None:
    """Shut the kernels down through the API (they run in their own sessions), then the server."""
    if proc.poll() is None:
        try:
            for kernel in api(base, token, "/api/kernels"):
                api(base, token, f"/api/kernels/{kernel['id']}", "DELETE")
        except OSError:
            pass
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def start_lab(root: Path, notebook: Path, env: dict[str, str], tmp: Path, request) -> dict[str, str]:
    """A JupyterLab serving ``root``, stopped after the test: ``{"url" (the notebook), "base", "token"}``."""
    port, token = _free_port(), secrets.token_hex(16)
    log_path = tmp / "jupyter.log"
    log = log_path.open("wb")
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
        env=env,
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
            api(base, token, "/api/status")
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-2000:].replace(token, "<token>")
                pytest.fail(f"jupyter lab did not start (exit {proc.poll()}):\n{tail}")
            time.sleep(0.25)
    return {"url": f"{base}/lab/tree/{notebook.relative_to(root)}?token={token}&reset", "base": base, "token": token}


class Budget:
    """One deadline for all the waits of a test: ``locator.wait_for(timeout=budget.ms())``."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def ms(self) -> float:
        return max(1.0, (self.deadline - time.monotonic()) * 1000)


def _wait_kernel_connected(lab: dict[str, str], budget: Budget) -> None:
    """Until the page's kernel is up and its websocket connected (Run All before that runs nothing)."""
    while True:
        try:  # while a kernel starts, jupyter_server may answer 500 (its kernel model is not complete yet)
            kernels = api(lab["base"], lab["token"], "/api/kernels")
        except urllib.error.HTTPError:
            kernels = []
        if any(k["connections"] > 0 and k["execution_state"] == "idle" for k in kernels):
            return
        if budget.ms() <= 250:
            raise TimeoutError("no kernel connected in time")
        time.sleep(0.25)


def run_all_cells(page, lab: dict[str, str], budget: Budget) -> None:
    """Wait for the notebook and its kernel, then Run > Run All Cells (the menu, as a person does)."""
    page.locator(".jp-Notebook").first.wait_for(timeout=budget.ms())
    _wait_kernel_connected(lab, budget)
    page.get_by_role("menuitem", name="Run", exact=True).click(timeout=budget.ms())
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click(timeout=budget.ms())


#: JS: true when the page has code cells and each prompt shows a count ("[7]:", not "[ ]:" or "[*]:")
_ALL_CELLS_RAN_JS = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""


def wait_all_cells_ran(page, budget: Budget) -> None:
    """Until every code cell shows an execution count: Run All has finished, every output is in the page.

    Waiting for one cell's text is not enough: a later cell's output may not have arrived yet (CI on a
    slower machine saw the answer of cell 5 while the tool-call table of cell 7 was still pending)."""
    page.wait_for_function(_ALL_CELLS_RAN_JS, timeout=budget.ms())


def outputs_text(page) -> str:
    try:
        return "\n---\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())[-3000:]
    except Exception as e:  # noqa: BLE001 - diagnostics only
        return f"<outputs unreadable: {e}>"
