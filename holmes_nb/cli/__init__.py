"""The ``holmes-nb`` command line: a thin front over the core, like the notebook magics.

Each subcommand lives in its own module with ``register(subparsers)``; the parser is built
without importing LiteLLM, pandas or the kubernetes client, so ``holmes-nb --help`` is instant.
Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from holmes_nb.errors import HolmesError

#: subcommand modules, in the order ``--help`` lists them
SUBCOMMANDS = ("ask", "models", "check_model", "scan", "eval", "investigate", "snapshot", "local_model", "mcp")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="holmes-nb",
        description="Investigate Kubernetes incidents with any OpenAI-compatible LLM.",
        epilog="Configuration follows HolmesGPT: OPENAI_API_BASE, OPENAI_API_KEY, --model openai/<name>, "
        "modelList files and Helm values. See README.md.",
    )
    from holmes_nb._version import __version__

    parser.add_argument("--version", action="version", version=f"holmes-nb {__version__}")
    parser.set_defaults(func=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"holmes_nb.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.func is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except HolmesError as e:
        from holmes_nb.redact import scrub

        print(f"holmes-nb: error: {scrub(str(e))}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("holmes-nb: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `holmes-nb ... | head`: the reader left; not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
