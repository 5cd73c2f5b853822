"""The ``holmes-nb`` argparse subparser of a command, generated from the command table."""

from __future__ import annotations

import argparse

from holmes_nb.frontdoor.table import COMMANDS, Option


def _checked(option: Option):
    def convert(raw: str):
        try:
            return option.convert(raw)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e).removeprefix(option.long + " ")) from None

    convert.__name__ = option.metavar or option.name  # argparse names the type in its messages
    return convert


def _escaped(text: str) -> str:
    return text.replace("%", "%%")  # argparse %-formats help strings


def add_option(parser: argparse.ArgumentParser, option: Option, *, repeat: bool = False) -> None:
    kwargs: dict = {"dest": option.name, "help": _escaped(option.help + (" (repeat)" if repeat else ""))}
    if option.kind is bool:
        kwargs["action"] = "store_true"
    else:
        kwargs.update(metavar=option.metavar, default=option.default)
        if option.kind is list or repeat:
            kwargs["action"] = "append"
        elif option.choices and not option.metavar:
            kwargs["choices"] = option.choices
        else:
            kwargs["type"] = _checked(option)
    parser.add_argument(*option.flags, **kwargs)


def add_command(sub, name: str) -> argparse.ArgumentParser:
    """Add the subparser of ``name`` (its argument and its CLI options) to ``sub``."""
    spec = COMMANDS[name]
    p = sub.add_parser(spec.name, help=spec.summary, description=spec.description or spec.summary)
    if spec.argument is not None:
        arg = spec.argument
        p.add_argument(arg.name, nargs="*" if arg.many else "?", metavar=arg.metavar, help=_escaped(arg.help))
    for option in spec.options_for("cli"):
        add_option(p, option, repeat=option.name in spec.repeat)
    return p
