"""``holmes-nb check-model [MODEL]``: reachable? tool calls? tool results visible? context size?"""

from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("check-model", help="check that a model backend can run investigations")
    p.add_argument("model", nargs="?", help="a modelList key or LiteLLM id (default: the configured default)")
    p.add_argument("--config", metavar="FILE", help="config or Helm values file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from holmes_nb.api import resolve_model
    from holmes_nb.llm.probe import check_model

    entry = resolve_model(args.model, args.config)
    report = check_model(entry)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    return 0 if report.ok else 1
