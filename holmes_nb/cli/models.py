"""``holmes-nb models``: the configured model entries (keys masked) and the default."""

from __future__ import annotations

import json
import os

from holmes_nb.cli.common import table


def register(sub) -> None:
    p = sub.add_parser("models", help="list configured models (API keys masked)")
    p.add_argument("--config", metavar="FILE", help="config or Helm values file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def rows(cfg) -> list[dict]:
    from holmes_nb.errors import HolmesError
    from holmes_nb.redact import redact_url

    out = []
    for key in cfg.model_list:
        try:
            row = cfg.entry(key).describe()
        except HolmesError as e:
            row = {"key": key, "model": cfg.model_list[key].get("model"), "api_base": f"<error: {e}>"}
        row["api_base"] = redact_url(row.get("api_base"))  # https://user:pw@host -> https://user:[REDACTED]@host
        row["default"] = "*" if key == cfg.default_model or len(cfg.model_list) == 1 else ""
        out.append(row)
    return out


def run(args) -> int:
    from holmes_nb.config import load_config
    from holmes_nb.redact import mask_key, redact_url

    cfg = load_config(args.config)
    data = rows(cfg)
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
