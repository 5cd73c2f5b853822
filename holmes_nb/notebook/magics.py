"""``%holmes`` / ``%%holmes``: a thin magic over the core (parsing, live view and handlers live
beside it; everything a CLI also needs lives in the core).

    %holmes ask "what pods are failing?" --model=openai/llama3
    inv = %holmes ask why is checkout crashing? --cluster demo
    %%holmes ask --namespace shop
    Why is checkout crashing,
    and what changed?

Settings: ``%config HolmesMagic.model = "local"`` (also ``cluster``, ``namespace``, ``max_steps``,
``temperature``, ``live_display``, ``display_max_rows``, ``toolsets``, ``config_path``); unset
ones come from the config file's settings, then the defaults.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import CaselessStrEnum, Float, Int, List, Unicode

from holmes_nb.notebook.parsing import Command, parse

HELP = """%holmes: investigate Kubernetes with an LLM (read-only tools)

  %holmes ask QUESTION [--model M] [--cluster C] [-n NS] [--max-steps N] [-t TOOLSET.yaml] [--record FILE] [--anonymize]
  %%holmes ask [flags]        (the cell body is the question)
  %holmes followup QUESTION   continue the last conversation        %holmes reset    forget it
  %holmes history             past investigations (a DataFrame)     %holmes export [PATH.md]
  %holmes models              configured backends (keys masked)     %holmes model KEY   switch
  %holmes check-model [KEY]   can this backend call tools?          %holmes pick     picker widgets
  %holmes tools               the tools the model can call          %holmes scan [-n NS] [--cluster C]
  %holmes investigate alerts [--alertmanager-url URL] [--label k=v]   one investigation per firing alert

Clusters: demo | PATH to a snapshot | context:NAME (default: kubeconfig, else demo).
Quote questions or use %%holmes; an unquoted trailing "?" is handled for %holmes lines.
Settings: %config HolmesMagic.model = "KEY" (model, cluster, namespace, max_steps, temperature,
live_display auto|on|text|off, display_max_rows, toolsets, config_path). Env: HOLMES_NB_LIVE_DISPLAY=off."""


@magics_class
class HolmesMagic(Magics):
    """The ``%holmes`` magic; also a traitlets Configurable (``%config HolmesMagic``)."""

    model = Unicode(None, allow_none=True, help="modelList key or LiteLLM id (None: the configured default)").tag(
        config=True
    )
    temperature = Float(None, allow_none=True, help="override the backend's temperature").tag(config=True)
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
    display_max_rows = Int(20, help="rows shown per table in rich output").tag(config=True)
    toolsets = List(Unicode(), help="HolmesGPT custom toolset YAML files for every ask").tag(config=True)

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.investigations: list[Any] = []  # every run, also failed ones
        self.current: Any = None  # the conversation ``followup`` continues
        self.last_options: dict[str, Any] = {}

    @no_var_expand
    @line_cell_magic
    def holmes(self, line: str, cell: str | None = None) -> Any:
        """Investigate Kubernetes with an LLM: ``%holmes help`` lists the commands."""
        cmd = parse(line, cell)
        from holmes_nb.notebook import commands

        handler = getattr(commands, f"cmd_{cmd.name}", None)
        if handler is None:  # pragma: no cover - parse() only yields known names
            raise UsageError(f"unknown command {cmd.name}")
        return handler(self, cmd)

    # -- settings --------------------------------------------------------------------------
    def setting(self, name: str, cfg: Any = None) -> Any:
        """A setting: the trait when set, else the config file's ``holmes_nb`` settings."""
        value = getattr(self, name)
        if value not in (None, "", []):
            return value
        return (cfg.settings.get(name) if cfg is not None else None) or None

    def remember(self, inv: Any, options: dict[str, Any]) -> None:
        self.investigations.append(inv)
        self.current = inv
        self.last_options = options
        if self.shell is not None:
            self.shell.user_ns["_holmes_last"] = inv

    def reset(self) -> None:
        self.current = None
        self.last_options = {}


def show_holmes_error(shell, etype, value, tb, tb_offset=None):
    """Custom exception display for HolmesError: the message and hint, not a library traceback.
    The cell still fails (an ``error`` output), so nbval and papermill stop where they should."""
    lines = [f"{etype.__name__}: {getattr(value, 'message', value)}"]
    if getattr(value, "hint", None):
        lines.append(f"hint: {value.hint}")
    if getattr(value, "investigation", None) is not None:
        lines.append("the partial investigation is kept: _holmes_last, or %holmes history")
    shell._showtraceback(etype, value, lines)
    return lines


__all__ = ["HolmesMagic", "HELP", "Command", "show_holmes_error"]
