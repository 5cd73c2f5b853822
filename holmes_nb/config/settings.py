"""The configuration read from every source, and the choice of model: :class:`Config`.

cfg = load_config()
cfg.select("local-llama")  # a modelList key, a LiteLLM id, or None for the default
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from holmes_nb.config.entries import build_entry, recording_entry
from holmes_nb.errors import ConfigError
from holmes_nb.llm.entry import REPLAY_PREFIX, ModelEntry
from holmes_nb.redact import known_secrets


@dataclass
class Config:
    """Everything read from the config sources; ``select()`` turns it into a ModelEntry."""

    model_list: dict[str, dict[str, Any]] = field(default_factory=dict)  # raw, untemplated entries
    default_model: str | None = None  # config.model: a modelList KEY
    env_overlay: dict[str, str] = field(default_factory=dict)  # additionalEnvVars with literal values
    secret_env: dict[str, str] = field(default_factory=dict)  # name -> "secret/key" from secretKeyRef
    settings: dict[str, Any] = field(default_factory=dict)  # holmes-nb settings (max_steps, cluster, ...)
    mcp_servers: dict[str, dict[str, Any]] = field(default_factory=dict)  # raw entries (holmes_nb.mcp.config)
    sources: list[str] = field(default_factory=list)

    # -- environment ------------------------------------------------------------------------
    def env(self, name: str) -> str | None:
        """A variable as templating sees it: the process environment first (a local override, e.g. a
        port-forward), then the literal ``additionalEnvVars`` of the values file (the pod's env)."""
        if name in os.environ:
            return os.environ[name]
        return self.env_overlay.get(name)

    def require_env(self, name: str, where: str) -> str:
        value = self.env(name)
        if value is not None:
            return value
        if name in self.secret_env:
            raise ConfigError(
                f"{where} uses {{{{ env.{name} }}}}, which the Helm values take from secret "
                f"{self.secret_env[name]}; that secret is not readable here",
                hint=f"export {name}=... in this environment",
            )
        raise ConfigError(f"{where} uses {{{{ env.{name} }}}} but {name} is not set", hint=f"export {name}=...")

    # -- selection --------------------------------------------------------------------------
    def entry(self, key: str) -> ModelEntry:
        """The templated ModelEntry for a modelList key."""
        if key not in self.model_list:
            raise self._unknown_key(key)
        return build_entry(self, key, self.model_list[key])

    def select(self, requested: str | None = None) -> ModelEntry:
        """Pick the model: ``requested`` (key or LiteLLM id), then ``config.model``, then the only entry."""
        if requested:
            requested = requested.strip()
            if requested in self.model_list:
                return self.entry(requested)
            if self.model_list and "/" not in requested:
                raise self._unknown_key(requested)
            return self.adhoc(requested)
        if self.default_model:
            if self.default_model in self.model_list:
                return self.entry(self.default_model)
            if not self.model_list:
                return self.adhoc(self.default_model)
            raise ConfigError(
                f"config.model is {self.default_model!r}, which is not a modelList key",
                hint="config.model names a modelList key; keys: " + ", ".join(self.model_list),
            )
        if len(self.model_list) == 1:
            return self.entry(next(iter(self.model_list)))
        if self.model_list:
            raise ConfigError(
                "several models are configured and none is the default",
                hint="pass --model KEY or set config.model; keys: " + ", ".join(self.model_list),
            )
        env_model = os.environ.get("MODEL")
        if env_model:
            return self.adhoc(env_model)
        raise ConfigError(
            "no model configured",
            hint="export OPENAI_API_BASE=http://127.0.0.1:8000/v1 and pass --model openai/<name> (the server's "
            "model id), or define a modelList (see README)",
        )

    def adhoc(self, model: str) -> ModelEntry:
        """An entry for a LiteLLM id given directly, with OPENAI_API_BASE/OPENAI_API_KEY for openai/*.
        ``replay/FILE`` replays a recorded run offline (llm/replay.py): no key, no server."""
        if model.startswith(REPLAY_PREFIX):
            return recording_entry(model, Path(model[len(REPLAY_PREFIX) :]), model, None, self)
        base = key = None
        if model.startswith("openai/"):
            base = self.env("OPENAI_API_BASE") or self.env("OPENAI_BASE_URL")
            key = self.env("OPENAI_API_KEY")
            if base and not key:
                key = "not-needed"  # the OpenAI SDK refuses an empty key; local servers ignore it
            if not base and not key:
                raise ConfigError(
                    f"--model {model} needs OPENAI_API_BASE (a local or self-hosted server) or OPENAI_API_KEY "
                    "(api.openai.com); neither is set",
                    hint="export OPENAI_API_BASE=http://127.0.0.1:8000/v1, or define a modelList (see README)",
                )
        known_secrets.add(key)
        timeout = float(self.settings.get("timeout", 120.0))
        return ModelEntry(model=model, api_base=base, api_key=key, timeout=timeout, source="command line")

    def _unknown_key(self, key: str) -> ConfigError:
        return ConfigError(
            f"unknown model {key!r}",
            hint="modelList keys: "
            + ", ".join(self.model_list)
            + "; a LiteLLM id needs a provider prefix, e.g. openai/"
            + key,
        )
