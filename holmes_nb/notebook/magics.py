"""``%holmes`` / ``%%holmes``: a thin magic over the core (parsing, live view and handlers live
beside it; everything a CLI also needs lives in the core).

    %holmes ask "what pods are failing?" --model=openai/llama3
    inv = %holmes ask why is checkout crashing? --cluster demo
    %%holmes ask --namespace shop
    Why is checkout crashing,
    and what changed?

Settings: ``%config HolmesMagic.model = "local"`` (also ``cluster``, ``namespace``, ``max_steps``,
``temperature``, ``live_display``, ``toolsets``, ``config_path``); unset
ones come from the config file's settings, then the defaults.
"""

from __future__ import annotations

from typing import Any

from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import CaselessStrEnum, Float, Int, List, Unicode

from holmes_nb.notebook.commands import HANDLERS
from holmes_nb.notebook.parsing import parse

#: magic settings that are also options: option name -> trait name
_SETTING_OPTIONS = {
    "model": "model",
    "cluster": "cluster",
    "namespace": "namespace",
    "max_steps": "max_steps",
    "config": "config_path",
}


@magics_class
class HolmesMagic(Magics):
    """The ``%holmes`` magic; also a traitlets Configurable (``%config HolmesMagic``)."""

    model = Unicode(None, allow_none=True, help="modelList key or LiteLLM id (None: the configured default)").tag(
        config=True
    )
    # traitlets types Float(None, allow_none=True) as Float[int | None, ...]; the trait holds floats
    temperature: Float[float | None, float | None] = Float(  # type: ignore[assignment]
        None, allow_none=True, help="override the backend's temperature"
    ).tag(config=True)
    cluster = Unicode(None, allow_none=True, help="demo | snapshot path | context:NAME").tag(config=True)
    namespace = Unicode(None, allow_none=True, help="namespace to focus on").tag(config=True)
    max_steps = Int(None, allow_none=True, help="model calls per question at most (default 20)").tag(config=True)
    config_path = Unicode(None, allow_none=True, help="config or Helm values file").tag(config=True)
    live_display = CaselessStrEnum(
        ["auto", "on", "text", "off"],
        None,
        allow_none=True,
        help="live view of tool calls (env HOLMES_NB_LIVE_DISPLAY wins)",
    ).tag(config=True)
    toolsets = List(Unicode(), help="HolmesGPT custom toolset YAML files for every ask").tag(config=True)

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.investigations: list[Any] = []  # every run, also failed ones
        self.current: Any = None  # the conversation ``followup`` continues
        self.last_options: dict[str, Any] = {}
        #: follow-up cell -> the investigation it continued, so re-running it continues the same one
        self.followed: dict[str, Any] = {}

    @no_var_expand
    @line_cell_magic
    def holmes(self, line: str, cell: str | None = None) -> Any:
        """Investigate Kubernetes with an LLM: ``%holmes help`` lists the commands."""
        cmd = parse(line, cell)
        return HANDLERS[cmd.name](self, cmd)

    # -- settings --------------------------------------------------------------------------
    def setting(self, name: str, cfg: Any = None) -> Any:
        """A setting: the trait when set, else the config file's ``holmes_nb`` settings."""
        value = self.trait_values()[name]
        if value not in (None, "", []):
            return value
        return (cfg.settings.get(name) if cfg is not None else None) or None

    def defaults(self) -> dict[str, Any]:
        """The settings that are set, under their option names (an option given on the line wins)."""
        traits = self.trait_values()
        return {option: traits[trait] for option, trait in _SETTING_OPTIONS.items() if traits[trait] not in (None, "")}

    def remember(self, inv: Any, options: dict[str, Any]) -> None:
        self.investigations.append(inv)
        self.current = inv
        self.last_options = options
        if self.shell is not None:
            self.shell.user_ns["_holmes_last"] = inv

    def cell_key(self, cmd: Any) -> str:
        """Which follow-up cell this is: the front end's cell id when it sends one (JupyterLab,
        Notebook 7), else the cell's text."""
        try:
            parent = self.shell.kernel.get_parent()  # type: ignore[union-attr]  # AttributeError below
        except AttributeError:  # terminal IPython or a test shell: no kernel, no cell ids
            parent = {}
        cell_id = ((parent or {}).get("metadata") or {}).get("cellId")
        return f"id:{cell_id}" if cell_id else f"text:{cmd.text}"

    def followed_by_cell(self, cmd: Any) -> Any:
        """The investigation this follow-up cell continued when it last ran (None the first time)."""
        return self.followed.get(self.cell_key(cmd))

    def note_followup(self, cmd: Any, previous: Any) -> None:
        self.followed[self.cell_key(cmd)] = previous

    def reset(self) -> None:
        self.current = None
        self.last_options = {}
        self.followed = {}


def notebook_hint(hint: str) -> str:
    """A hint as a notebook user types it: ``export NAME=value`` becomes ``%env NAME=value``."""
    import re

    return re.sub(r"\bexport (?=[A-Z_][A-Z0-9_]*=)", "%env ", hint)


def show_holmes_error(shell, etype, value, tb, tb_offset=None):
    """Custom exception display for HolmesError: the message and hint, not a library traceback.
    The cell still fails (an ``error`` output), so nbval and papermill stop where they should."""
    lines = [f"{etype.__name__}: {value.message}"]
    if value.hint:
        lines.append(f"hint: {notebook_hint(value.hint)}")
    if value.investigation is not None:
        lines.append("the partial investigation is kept: _holmes_last, or %holmes history")
    shell._showtraceback(etype, value, lines)
    return lines


__all__ = ["HolmesMagic", "show_holmes_error"]
