"""Model configuration, read exactly as HolmesGPT users already write it.

Sources, all optional:

- environment: ``OPENAI_API_BASE``, ``OPENAI_API_KEY`` and ``--model openai/<name>``;
- ``~/.holmes/config.yaml`` (override with ``--config`` or ``HOLMES_NB_CONFIG``), which may be a
  HolmesGPT CLI config, a Helm values file of the Holmes chart (top-level ``modelList``,
  ``config.model``, ``additionalEnvVars``) or of the Robusta chart (the same under ``holmes:``);
- a bare modelList mapping named by ``MODEL_LIST_FILE_LOCATION``.

``{{ env.VAR }}`` works in any string of an entry; ``additionalEnvVars`` with a literal ``value``
are visible to it (a variable set in the process environment wins); a ``valueFrom.secretKeyRef``
falls back to the process variable of that name.

    cfg = load_config()
    entry = cfg.select("local-llama")      # a modelList key, a LiteLLM id, or None for the default
    entry.litellm_kwargs()
"""

from __future__ import annotations

from holmes_nb.config.entries import reset_warnings
from holmes_nb.config.files import DEFAULT_CONFIG, load_config
from holmes_nb.config.settings import Config
from holmes_nb.llm.entry import ModelEntry

__all__ = ["DEFAULT_CONFIG", "Config", "ModelEntry", "load_config", "reset_warnings"]
