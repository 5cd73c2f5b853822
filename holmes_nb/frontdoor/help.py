"""``%holmes help``, generated from the command table (so it lists what the parser accepts)."""

from __future__ import annotations

import textwrap

from holmes_nb.frontdoor.table import OPTIONS, CommandSpec, Option, commands_for

_INTRO = "%holmes: investigate Kubernetes with an LLM (read-only tools)"
_NOTES = """\
Questions are taken as typed: quotes optional, no {var} expansion, a trailing "?" fine on %holmes
lines (elsewhere quote the question or use %%holmes). Options go before the question, or after it in
--long form: short flags after an unquoted question stay part of it (kubectl logs -c x), and an
unknown --flag is an error; quote the question to keep any text.
Clusters: demo | PATH to a snapshot | context:NAME (default: the config file's, else kubeconfig, else demo).
Settings: %config HolmesMagic.model = "KEY" (model, cluster, namespace, max_steps, temperature,
live_display auto|on|text|off, toolsets, config_path). Env: HOLMES_NB_LIVE_DISPLAY=off."""


WIDTH = 100


def _value(option: Option) -> str:
    if not option.takes_value:
        return ""
    return " " + ("|".join(option.choices) if option.choices else option.metavar or option.name.upper())


def _flag_usage(option: Option) -> str:
    return f"[{option.flags[0]}{_value(option)}]"


def usage(spec: CommandSpec, prefix: str = "%holmes") -> str:
    parts = [prefix, spec.name]
    if spec.argument is not None:
        parts.append(spec.argument.metavar if spec.argument.many else f"[{spec.argument.metavar}]")
    parts += [_flag_usage(o) for o in spec.options_for("notebook")]
    return " ".join(parts)


def _option_line(option: Option) -> str:
    flags = ", ".join(option.flags) + _value(option)
    pad = " " * 29
    if len(flags) > 26:
        return f"  {flags}\n" + textwrap.fill(option.help, WIDTH, initial_indent=pad, subsequent_indent=pad)
    return textwrap.fill(f"  {flags:<26} {option.help}", WIDTH, subsequent_indent=pad)


def help_text() -> str:
    lines = [_INTRO, ""]
    for spec in commands_for("notebook"):
        lines.append(textwrap.fill(usage(spec), WIDTH, initial_indent="  ", subsequent_indent=" " * 6))
        aliases = f" (also: {', '.join(spec.aliases)})" if spec.aliases else ""
        lines.append(f"      {spec.summary}{aliases}")
        if spec.cell and spec.argument is not None:
            lines.append(f"  %%holmes {spec.name} [options]   the cell body is the {spec.argument.metavar.lower()}")
    lines += ["", "Options:"]
    used = {n for spec in commands_for("notebook") for n in spec.options}
    lines += [_option_line(o) for o in OPTIONS.values() if o.name in used and "notebook" in o.fronts]
    return "\n".join([*lines, "", _NOTES])
