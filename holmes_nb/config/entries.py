"""One modelList entry -> a :class:`~holmes_nb.llm.entry.ModelEntry`: ``{{ env.VAR }}`` templating,
the keys holmes-nb reads and those passed to LiteLLM (one warning for an unknown one), numbers and
seconds checked, ``replay/FILE`` entries for recorded runs.

    build_entry(load_config(), "local-llama", {"model": "openai/llama3", "api_base": "{{ env.BASE }}"})
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any, Protocol

from holmes_nb.errors import ConfigError
from holmes_nb.llm.entry import PROFILES, RECORD_HINT, REPLAY_PREFIX, TOOL_RESULT_MODES, ModelEntry
from holmes_nb.redact import known_secrets

_TEMPLATE = re.compile(r"{{\s*env\.([^}]*?)\s*}}")

#: entry keys holmes-nb understands itself
_OWN_KEYS = {
    "model",
    "api_base",
    "base_url",
    "api_key",
    "api_version",
    "temperature",
    "max_tokens",
    "custom_args",
    "tool_results",
    "profile",
    "timeout",
    "num_retries",
    "name",
    "description",
}
#: LiteLLM keywords passed through silently; anything else is passed through with one warning
_LITELLM_KEYS = {
    "top_p",
    "seed",
    "stop",
    "n",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "user",
    "response_format",
    "extra_headers",
    "headers",
    "extra_body",
    "organization",
    "custom_llm_provider",
    "reasoning_effort",
    "thinking",
    "drop_params",
    "deployment_id",
    "api_type",
    "input_cost_per_token",
    "output_cost_per_token",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_region_name",
    "aws_session_token",
    "aws_profile_name",
    "vertex_project",
    "vertex_location",
    "vertex_credentials",
    "azure_ad_token",
    "parallel_tool_calls",
    "max_completion_tokens",
    "top_k",
    "repetition_penalty",
    "num_ctx",
    "keep_alive",
    "ssl_verify",
    "mock_response",
}
_warned: set[tuple[str, str]] = set()  # (modelList key, unknown key) already warned about


class Environment(Protocol):
    """What an entry is built against (a :class:`~holmes_nb.config.Config`): variables and settings."""

    settings: dict[str, Any]

    def env(self, name: str) -> str | None: ...

    def require_env(self, name: str, where: str) -> str: ...


def template(cfg: Environment, value: Any, where: str) -> Any:
    """``value`` (a string, or any strings inside a mapping or list) with ``{{ env.VAR }}`` filled in."""
    if isinstance(value, str):
        return _TEMPLATE.sub(lambda m: cfg.require_env(m.group(1).strip(), where), value)
    if isinstance(value, dict):
        return {k: template(cfg, v, where) for k, v in value.items()}
    if isinstance(value, list):
        return [template(cfg, v, where) for v in value]
    return value


def build_entry(cfg: Environment, key: str, raw: dict[str, Any]) -> ModelEntry:
    source = raw.get("__source__", "config")
    data = template(cfg, {k: v for k, v in raw.items() if k != "__source__"}, f"modelList entry {key!r}")
    if str(data["model"]).startswith(REPLAY_PREFIX):
        entry = _replay_entry(cfg, key, str(data["model"]), source)
        entry.profile = str(data.get("profile", "auto"))  # "auto": the recording's own (llm/replay.py)
        if entry.profile not in PROFILES:
            raise ConfigError(f"modelList entry {key!r}: profile must be one of {', '.join(PROFILES)}")
        return entry
    custom = data.get("custom_args") or {}
    extra = {k: v for k, v in data.items() if k not in _OWN_KEYS}
    for k in extra:
        if k not in _LITELLM_KEYS and (key, k) not in _warned:
            _warned.add((key, k))
            warnings.warn(f"modelList entry {key!r}: unknown key {k!r} is passed to LiteLLM as is", stacklevel=3)
    if isinstance(custom, dict):
        extra.update({k: v for k, v in custom.items() if k != "max_context_size"})
    entry = ModelEntry(
        model=str(data["model"]),
        key=key,
        api_base=data.get("api_base") or data.get("base_url"),
        api_key=None if data.get("api_key") is None else str(data["api_key"]),
        api_version=data.get("api_version"),
        temperature=_number(data.get("temperature"), float, key, "temperature"),
        max_tokens=_number(data.get("max_tokens"), int, key, "max_tokens"),
        max_context_size=_number(
            custom.get("max_context_size") if isinstance(custom, dict) else None,
            int,
            key,
            "custom_args.max_context_size",
        ),
        tool_results=str(data.get("tool_results", "auto")),
        profile=str(data.get("profile", "auto")),
        timeout=_number(data.get("timeout"), float, key, "timeout") or float(cfg.settings.get("timeout", 120.0)),
        num_retries=_number(data.get("num_retries"), int, key, "num_retries") if "num_retries" in data else 2,
        extra=extra,
        source=source,
    )
    seconds(entry.timeout, f"modelList entry {key!r}: timeout")
    if entry.tool_results not in TOOL_RESULT_MODES:
        raise ConfigError(f"modelList entry {key!r}: tool_results must be one of {', '.join(TOOL_RESULT_MODES)}")
    if entry.profile not in PROFILES:
        raise ConfigError(f"modelList entry {key!r}: profile must be one of {', '.join(PROFILES)}")
    if entry.model.startswith("openai/"):
        entry.api_base = entry.api_base or cfg.env("OPENAI_API_BASE")
        if entry.api_key is None:
            entry.api_key = cfg.env("OPENAI_API_KEY") or ("not-needed" if entry.api_base else None)
    known_secrets.add(entry.api_key)
    return entry


def _replay_entry(cfg: Environment, key: str, model: str, source: str) -> ModelEntry:
    """``model: replay/FILE`` in a modelList (training labs, binder): a relative FILE is looked up
    from the working directory, then beside the config file that names it."""
    path = Path(model[len(REPLAY_PREFIX) :])
    beside = Path(source).parent / path
    if not path.is_absolute() and not path.exists() and beside.exists():
        path = beside
    return recording_entry(model, path, key, source, cfg)


def recording_entry(model: str, path: Path, key: str, source: str | None, cfg: Environment) -> ModelEntry:
    """The entry of a recorded run; the model client reads the recording (holmes_nb/llm/replay.py)."""
    if not model[len(REPLAY_PREFIX) :].strip():
        raise ConfigError("replay/ needs a file: --model replay/FILE", hint=RECORD_HINT)
    if not path.expanduser().is_file():  # fail at once; the client reads and checks the rest
        raise ConfigError(f"recording not found: {path.expanduser()}", hint=RECORD_HINT)
    return ModelEntry.recording(path, key=key, source=source, timeout=float(cfg.settings.get("timeout", 120.0)))


def _number(value: Any, kind: type, key: str, name: str) -> Any:
    if value is None or value == "":
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"modelList entry {key!r}: {name} must be a number, got {value!r}") from None


def seconds(value: Any, what: str) -> float:
    """A positive, finite number of seconds, or a ConfigError naming ``what``."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise ConfigError(f"{what} must be a positive number of seconds, got {value!r}")
    return seconds


def reset_warnings() -> None:
    """Forget which unknown-key warnings were already shown (for tests and long-lived kernels)."""
    _warned.clear()
