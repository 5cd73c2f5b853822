"""The live view's Stop button: it asks the Jupyter server to interrupt this kernel.

While a cell runs the kernel is busy, so a widget click would only reach it after the run. The
button therefore talks to the *server*: ``POST {baseUrl}api/kernels/<id>/interrupt`` with the
``_xsrf`` cookie as ``X-XSRFToken`` and the page config's token, if any (what JupyterLab's Kernel >
Interrupt sends). The server sends SIGINT, the run raises KeyboardInterrupt, and the magic returns
the partial Investigation with status "stopped" (holmes_nb.notebook.commands).

The kernel knows its id from its connection file (``kernel-<id>.json``, written by jupyter_server).
Output made in the live session is trusted, so JupyterLab and Notebook 7 run the block's script: it
reveals the button only when the page has a Jupyter server's page config (``jupyter-config-data``,
or classic Notebook's ``data-base-url``). Elsewhere (VS Code, a saved notebook opened later, nbval,
no kernel id) no button shows and the hint stays: Kernel > Interrupt or Ctrl-C.

    stop_html(kernel_id())   # the HTML block of the live view
"""

from __future__ import annotations

import html
import os
import re
import secrets

#: ids jupyter_server gives kernels (a UUID); VS Code's own kernel files (kernel-v2-…) do not match
_KERNEL_FILE = re.compile(r"kernel-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$")
#: a kernel started by VS Code has these set; it is not behind a Jupyter server the page can ask
_VSCODE_VARS = ("VSCODE_PID", "VSCODE_CWD")

HINT = "Kernel > Interrupt (or Ctrl-C in terminal IPython) stops the run"
LABEL = "■ Stop"

# Reveals the button when the page is served by a Jupyter server (its base URL is known).
_REVEAL = """(function () {
  var box = document.getElementById("%(id)s");
  if (!box) return;
  var base = null, cfg = document.getElementById("jupyter-config-data");
  if (cfg) { try { base = JSON.parse(cfg.textContent).baseUrl || "/"; } catch (e) { base = null; } }
  else if (document.body && document.body.dataset.baseUrl) { base = document.body.dataset.baseUrl; }
  if (base === null) return;
  var button = box.querySelector("button");
  button.dataset.base = base.replace(/\\/?$/, "/");
  button.style.display = "inline-block";
  box.querySelector(".holmes-stop-hint").style.display = "none";
})();"""

# Asks the server to interrupt the kernel; on failure the hint says what to do instead.
_CLICK = (
    "var b=this, box=b.parentNode, hint=box.querySelector('.holmes-stop-hint');"
    "var m=document.cookie.match(/(?:^|;\\s*)_xsrf=([^;]*)/), h={};"
    "if(m){h['X-XSRFToken']=m[1];}"
    "var c=document.getElementById('jupyter-config-data');"
    "try{var t=c&&JSON.parse(c.textContent).token; if(t){h['Authorization']='token '+t;}}catch(e){}"
    "b.disabled=true; b.textContent='stopping…';"
    "fetch(b.dataset.base+'api/kernels/'+b.dataset.kernel+'/interrupt',"
    "{method:'POST',credentials:'same-origin',headers:h})"
    ".then(function(r){if(!r.ok){throw new Error('HTTP '+r.status);}})"
    ".catch(function(e){b.disabled=false; b.textContent='" + LABEL + "'; hint.style.display='inline';"
    "hint.textContent='Stop failed ('+e.message+'): use Kernel > Interrupt';});"
)

_BUTTON_STYLE = (
    "display:none;font:inherit;padding:0.1em 0.8em;border:1px solid #cf222e;border-radius:4px;"
    "background:#fff;color:#cf222e;cursor:pointer"
)


def kernel_id() -> str | None:
    """This kernel's id at its Jupyter server, or None (not an ipykernel, VS Code, an unusual name)."""
    if any(os.environ.get(name) for name in _VSCODE_VARS):
        return None
    try:
        from ipykernel import get_connection_file

        path = get_connection_file()
    except Exception:  # noqa: BLE001 - not in a kernel (terminal IPython, tests): no button
        return None
    match = _KERNEL_FILE.search(os.path.basename(path or ""))
    return match.group(1) if match else None


def stop_html(kernel: str | None) -> str:
    """The Stop block: a hidden button its script reveals under a Jupyter server, and the hint."""
    hint = f'<span class="holmes-stop-hint" style="color:#57606a;font-size:0.9em">{html.escape(HINT)}</span>'
    if not kernel or not re.fullmatch(r"[0-9a-f-]+", kernel):
        return f'<div class="holmes-stop">{hint}</div>'
    box = f"holmes-stop-{secrets.token_hex(6)}"
    button = (
        f'<button type="button" class="holmes-stop-button" data-kernel="{kernel}" '
        f'title="Interrupt the kernel: the run ends and returns what it found so far" '
        f'style="{_BUTTON_STYLE}" onclick="{html.escape(_CLICK)}">{html.escape(LABEL)}</button>'
    )
    return f'<div class="holmes-stop" id="{box}">{button} {hint}<script>{_REVEAL % {"id": box}}</script></div>'
