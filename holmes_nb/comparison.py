"""One question, several backends, one DataFrame: which model investigates best here?

    df = holmes_nb.compare("what pods are failing?", models=["local-llama", "openai/gpt-4o-mini"], cluster="demo")
    df[["model", "steps", "tool_calls", "tokens", "seconds", "error"]]

The cluster is opened once and shared; a backend that fails (unreachable, bad key, no tool
support, ...) gives a row with its error and never stops the others.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

COLUMNS = ["model", "answer", "steps", "tool_calls", "tokens", "seconds", "error"]


def compare(question: str, models: Iterable[str], *, cluster: Any = None, config: Any = None, **ask_kwargs):
    """Run ``question`` on each of ``models`` (modelList keys, LiteLLM ids, ``replay/FILE``) and return a
    pandas DataFrame with one row per model: model, answer, steps, tool_calls, tokens, seconds, error.

    ``ask_kwargs`` go to :func:`holmes_nb.api.ask` (max_steps, namespace, tools, toolsets, on_event, ...).
    """
    import pandas as pd

    from holmes_nb.cluster_spec import open_cluster
    from holmes_nb.config import Config, load_config
    from holmes_nb.errors import ConfigError

    models = [m for m in (models or [])]
    if not models:
        raise ConfigError("compare() needs at least one model", hint='models=["local-llama", "openai/gpt-4o-mini"]')
    if ask_kwargs.get("record"):
        raise ConfigError("compare() does not record", hint="record one backend with ask(..., record=FILE)")
    cfg = config if isinstance(config, Config) else load_config(config)
    target = open_cluster(
        cluster if cluster is not None else cfg.settings.get("cluster"), notice=ask_kwargs.get("notice")
    )
    rows = [_run_one(question, str(model), target, cfg, ask_kwargs) for model in models]
    return pd.DataFrame(rows, columns=COLUMNS)


def _run_one(question: str, model: str, target, cfg, ask_kwargs: dict[str, Any]) -> dict[str, Any]:
    from holmes_nb.api import ask
    from holmes_nb.errors import HolmesError
    from holmes_nb.redact import scrub

    start = time.perf_counter()
    inv, error = None, None
    try:
        inv = ask(question, model, cluster=target, config=cfg, **ask_kwargs)
        if not inv.ok:
            error = inv.error or inv.status
    except HolmesError as e:
        inv, error = e.investigation, str(e)
    except Exception as e:  # a library failure in one backend must not stop the others
        error = f"{type(e).__name__}: {e}"
    row: dict[str, Any] = {
        "model": model,
        "answer": None,
        "steps": 0,
        "tool_calls": 0,
        "tokens": 0,
        "seconds": round(time.perf_counter() - start, 2),
        "error": scrub(error) if error else None,
    }
    if inv is not None:
        row.update(
            answer=inv.answer,
            steps=len(inv.steps),
            tool_calls=len(inv.calls),
            tokens=inv.prompt_tokens + inv.completion_tokens,
        )
    return row
