"""``holmes-nb models``: the configured model entries (keys masked) and the default."""

from __future__ import annotations

import json
import os

from holmes_nb.cli.common import table
from holmes_nb.frontdoor.cli_args import add_command


def register(sub) -> None:
    add_command(sub, "models").set_defaults(func=run)


def run(args) -> int:
    from holmes_nb.config import load_config
    from holmes_nb.frontdoor.actions import model_rows
    from holmes_nb.redact import mask_key, redact_url

    cfg = load_config(args.config)
    data = model_rows(cfg)
    if args.json:
        print(json.dumps({"models": data, "default": cfg.default_model, "sources": cfg.sources}, indent=2))
        return 0
    if not data:
        base = cfg.env("OPENAI_API_BASE")
        print("No modelList configured (sources read: " + (", ".join(cfg.sources) or "none") + ").")
        print(
            f"--model openai/<name> uses OPENAI_API_BASE={redact_url(base) if base else '<unset>'} "
            f"OPENAI_API_KEY={mask_key(os.environ.get('OPENAI_API_KEY')) if os.environ.get('OPENAI_API_KEY') else '<unset>'}"
        )
        return 0
    print(table(data, ["default", "key", "model", "api_base", "api_key", "source"]))
    return 0
