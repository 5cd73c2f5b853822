"""The notebook layer: ``%load_ext holmes_nb`` registers the ``%holmes`` magic.

Loading is cheap (no LiteLLM, pandas or kubernetes import: they wait for the first ask). The
layer is thin: parsing (``parsing.py``), one handler per subcommand (``commands.py``), the live
view (``live_view.py``, its Stop button ``stop_button.py``), DataFrames that scroll sideways
(``tables.py``) and the pickers (``widgets.py``) call the core; the core never imports IPython.
Commands and options come from the core's table (holmes_nb.frontdoor.table).
"""

from __future__ import annotations

from typing import Any


class ExtensionState:
    """The shell the extension is loaded into and its HolmesMagic (one per process)."""

    def __init__(self) -> None:
        self.shell: Any = None
        self.magic: Any = None

    def reset(self) -> None:
        self.shell = self.magic = None


#: the loaded extension (``magic()`` reads it)
state = ExtensionState()


def load_ipython_extension(ipython) -> None:
    from holmes_nb.errors import HolmesError
    from holmes_nb.notebook import tables
    from holmes_nb.notebook.magics import HolmesMagic, show_holmes_error
    from holmes_nb.notebook.transform import protect_holmes_lines

    if state.shell is ipython:  # %reload_ext / a second %load_ext: nothing twice
        return
    magic = HolmesMagic(shell=ipython)
    ipython.register_magics(magic)
    cleanup = ipython.input_transformers_cleanup
    if protect_holmes_lines not in cleanup:
        cleanup.append(protect_holmes_lines)
    if not ipython.custom_exceptions:  # never replace a user's handler
        ipython.set_custom_exc((HolmesError,), show_holmes_error)
    tables.register(ipython)  # wide DataFrames scroll sideways instead of wrapping their cells
    state.shell, state.magic = ipython, magic
    warm_up(ipython)


def warm_up(ipython) -> None:
    """In a Jupyter kernel, import LiteLLM (~3 s) in a background thread, so the first ask's first
    request leaves at once; ``%load_ext`` itself does not wait. ``HOLMES_NB_WARM=off`` skips it."""
    import os
    import threading

    if type(ipython).__name__ != "ZMQInteractiveShell" or os.environ.get("HOLMES_NB_WARM", "on").lower() == "off":
        return

    def warm() -> None:
        try:
            from holmes_nb.llm.client import get_litellm

            get_litellm()
        except Exception:  # the first ask imports it again and reports any problem itself
            pass

    threading.Thread(target=warm, name="holmes-nb-warm-up", daemon=True).start()


def unload_ipython_extension(ipython) -> None:
    from holmes_nb.errors import HolmesError
    from holmes_nb.notebook import tables
    from holmes_nb.notebook.transform import protect_holmes_lines

    tables.unregister(ipython)
    if protect_holmes_lines in ipython.input_transformers_cleanup:
        ipython.input_transformers_cleanup.remove(protect_holmes_lines)
    if ipython.custom_exceptions == (HolmesError,):
        ipython.set_custom_exc((), None)
    state.reset()


def magic():
    """The loaded HolmesMagic (its settings, ``investigations`` and ``current`` conversation)."""
    if state.magic is None:
        raise RuntimeError("run %load_ext holmes_nb first")
    return state.magic
