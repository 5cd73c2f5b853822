"""The notebook layer: ``%load_ext holmes_nb`` registers the ``%holmes`` magic.

Loading is cheap (no LiteLLM, pandas or kubernetes import: they wait for the first ask). The
layer is thin: parsing (``parsing.py``), one handler per subcommand (``commands.py``), the live
view (``live.py``) and the pickers (``widgets.py``) call the core; the core never imports IPython.
"""

from __future__ import annotations

from typing import Any

_state: dict[str, Any] = {}


def load_ipython_extension(ipython) -> None:
    from holmes_nb.errors import HolmesError
    from holmes_nb.notebook.magics import HolmesMagic, show_holmes_error
    from holmes_nb.notebook.transform import protect_holmes_lines

    if _state.get("shell") is ipython:  # %reload_ext / a second %load_ext: nothing twice
        return
    magic = HolmesMagic(shell=ipython)
    ipython.register_magics(magic)
    cleanup = ipython.input_transformers_cleanup
    if protect_holmes_lines not in cleanup:
        cleanup.append(protect_holmes_lines)
    if not getattr(ipython, "custom_exceptions", ()):  # never replace a user's handler
        ipython.set_custom_exc((HolmesError,), show_holmes_error)
    _state.update(shell=ipython, magic=magic)


def unload_ipython_extension(ipython) -> None:
    from holmes_nb.errors import HolmesError
    from holmes_nb.notebook.transform import protect_holmes_lines

    if protect_holmes_lines in ipython.input_transformers_cleanup:
        ipython.input_transformers_cleanup.remove(protect_holmes_lines)
    if getattr(ipython, "custom_exceptions", ()) == (HolmesError,):
        ipython.set_custom_exc((), None)
    _state.clear()


def magic():
    """The loaded HolmesMagic (its settings, ``investigations`` and ``current`` conversation)."""
    if "magic" not in _state:
        raise RuntimeError("run %load_ext holmes_nb first")
    return _state["magic"]
