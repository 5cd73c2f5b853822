"""The live view's Stop button, in a real ipykernel started by jupyter_client: the kernel finds its
id in its connection file, the live view shows the button with that id while the run goes on and
removes it when the run ends; where no Jupyter server can be asked, only the hint shows.
(The click itself, through JupyterLab's server, is tests/test_browser_stream.py.)"""

from __future__ import annotations

import html
import os
import queue
import re

import pytest

from devkit.openai_server import call, say
from holmes_nb.notebook.stop_button import HINT, kernel_id, stop_html

SHOWN_HINT = html.escape(HINT)

KERNEL_ID = "0d3c8e4e-1f2a-4b5c-8d6e-7f8091a2b3c4"


@pytest.fixture
def kernel(tmp_path):
    """A real python3 kernel started as jupyter_server starts one (its MultiKernelManager names the
    connection file ``kernel-<id>.json``), this tree on its path, no VS Code variables:
    ``(manager, client)``."""
    from jupyter_client.multikernelmanager import MultiKernelManager

    env = {k: v for k, v in os.environ.items() if not k.startswith("VSCODE_")}
    env.update(PYTHONPATH=os.getcwd(), JUPYTER_RUNTIME_DIR=str(tmp_path / "run"), IPYTHONDIR=str(tmp_path / "ipy"))
    env.pop("HOLMES_NB_LIVE_DISPLAY", None)  # auto: the HTML view in a kernel
    (tmp_path / "run").mkdir()
    mkm = MultiKernelManager(connection_dir=str(tmp_path / "run"))
    km = mkm.get_kernel(mkm.start_kernel(kernel_name="python3", env=env))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _execute(kc, code: str, timeout: float = 90) -> list[dict]:
    """Run ``code``; the iopub messages of that execution, until the kernel is idle again."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=timeout)
    assert reply["parent_header"]["msg_id"] == msg_id
    messages = []
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            break
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        messages.append(msg)
    assert reply["content"]["status"] == "ok", reply["content"]
    return messages


def _printed(messages: list[dict]) -> str:
    return "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")


def test_the_kernel_knows_its_id_and_the_live_view_shows_then_removes_the_button(kernel, model_server, tmp_path):
    km, kc = kernel
    srv = model_server([call("list_pods", namespace="shop"), say("checkout is crash looping")])
    config = tmp_path / "c.yaml"
    config.write_text(f"modelList:\n  scripted:\n    model: openai/scripted\n    api_base: {srv.url}\n")
    out = _printed(_execute(kc, "from holmes_nb.notebook.stop_button import kernel_id\nprint(kernel_id())"))
    assert out.strip() == km.kernel_id  # from kernel-<id>.json, the id jupyter_server uses too
    messages = _execute(
        kc,
        f"%load_ext holmes_nb\n%config HolmesMagic.config_path = {str(config)!r}\n"
        'inv = %holmes ask "what is failing?" --model scripted --cluster demo',
    )
    stop_blocks = [
        (m["content"]["transient"]["display_id"], m["content"]["data"]["text/html"])
        for m in messages
        if m["msg_type"] in ("display_data", "update_display_data")
        and "holmes-stop" in m["content"]["data"].get("text/html", "")
    ]
    assert len(stop_blocks) == 1  # shown once, never re-sent while the run goes on
    display_id, block = stop_blocks[0]
    assert f'data-kernel="{km.kernel_id}"' in block and "holmes-stop-button" in block and SHOWN_HINT in block
    updates = [m for m in messages if m["msg_type"] == "update_display_data"]
    last = [m for m in updates if m["content"]["transient"]["display_id"] == display_id]
    assert last and last[-1]["content"]["data"]["text/html"] == ""  # removed when the run ended
    assert "holmes-nb answered" in updates[-1]["content"]["data"]["text/html"]
    # a kernel VS Code started: no Jupyter server the page could ask
    assert _printed(_execute(kc, "import os\nos.environ['VSCODE_PID'] = '1'\nprint(kernel_id())")).strip() == "None"


def test_without_a_kernel_id_only_the_hint_shows():
    assert kernel_id() is None  # pytest is no kernel
    for kernel in (None, "", "../../api/kernels"):
        block = stop_html(kernel)
        assert "button" not in block and "<script" not in block and SHOWN_HINT in block


def test_the_button_is_hidden_until_the_page_is_a_jupyter_servers():
    block = stop_html(KERNEL_ID)
    button = re.search(r"<button[^>]*>", block).group(0)
    assert "display:none" in button and f'data-kernel="{KERNEL_ID}"' in button
    assert "jupyter-config-data" in block and "api/kernels/" in block and "X-XSRFToken" in block
    box_ids = re.findall(r'id="(holmes-stop-[0-9a-f]+)"', block)
    assert len(box_ids) == 1 and f'getElementById("{box_ids[0]}")' in block  # the script finds its own box
    assert box_ids != re.findall(r'id="(holmes-stop-[0-9a-f]+)"', stop_html(KERNEL_ID))  # one per run
