"""``holmes-nb check-model [MODEL]``: reachable? tool calls? tool results visible? context size?"""

from __future__ import annotations

import json

from holmes_nb.frontdoor.cli_args import add_command


def register(sub) -> None:
    add_command(sub, "check-model").set_defaults(func=run)


def run(args) -> int:
    from holmes_nb.api import resolve_model
    from holmes_nb.llm.probe import check_model

    entry = resolve_model(args.key, args.config)
    report = check_model(entry)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    return 0 if report.ok else 1
