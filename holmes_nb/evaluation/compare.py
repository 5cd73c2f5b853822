"""One question, several backends, one DataFrame: which model investigates best here?

    df = holmes_nb.compare("what pods are failing?", models=["local-llama", "openai/gpt-4o-mini"], cluster="demo")
    df[["model", "steps", "tool_calls", "tokens", "seconds", "error"]]

The cluster is opened once and shared; a backend that fails (unreachable, bad key, no tool
support, ...) gives a row with its error and never stops the others. For a suite of questions with
expected answers, see :func:`holmes_nb.evaluation.runner.evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from holmes_nb.evaluation.runs import run_question

COLUMNS = ["model", "answer", "steps", "tool_calls", "tokens", "seconds", "error"]


def compare(question: str, models: Iterable[str], *, cluster: Any = None, config: Any = None, **ask_kwargs: Any):
    """Run ``question`` on each of ``models`` (modelList keys, LiteLLM ids, ``replay/FILE``) and return a
    pandas DataFrame with one row per model: model, answer, steps, tool_calls, tokens, seconds, error.

    ``ask_kwargs`` go to :func:`holmes_nb.api.ask` (max_steps, namespace, tools, toolsets, on_event, ...).
    """
    import pandas as pd

    from holmes_nb.cluster_spec import open_cluster
    from holmes_nb.config import Config, load_config
    from holmes_nb.errors import ConfigError

    models = list(models or [])
    if not models:
        raise ConfigError("compare() needs at least one model", hint='models=["local-llama", "openai/gpt-4o-mini"]')
    if ask_kwargs.get("record"):
        raise ConfigError("compare() does not record", hint="record one backend with ask(..., record=FILE)")
    cfg = config if isinstance(config, Config) else load_config(config)
    target = open_cluster(
        cluster if cluster is not None else cfg.settings.get("cluster"), notice=ask_kwargs.get("notice")
    )
    rows = [run_question(question, str(model), target, cfg, ask_kwargs).to_dict() for model in models]
    return pd.DataFrame(rows, columns=COLUMNS)
