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

import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from holmes_nb.errors import ConfigError
from holmes_nb.llm.entry import PROFILES, RECORD_HINT, REPLAY_PREFIX, TOOL_RESULT_MODES, ModelEntry
from holmes_nb.redact import known_secrets

DEFAULT_CONFIG = "~/.holmes/config.yaml"
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
        return _build_entry(self, key, self.model_list[key])

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
            return _recording_entry(model, Path(model[len(REPLAY_PREFIX) :]), model, None, self)
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


# -- loading ---------------------------------------------------------------------------------
def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read every config source. ``path`` (``--config``) overrides ``HOLMES_NB_CONFIG`` and the default."""
    cfg = Config()
    explicit = path or os.environ.get("HOLMES_NB_CONFIG")
    main = Path(os.path.expanduser(str(explicit or DEFAULT_CONFIG)))
    if explicit and not main.is_file():
        raise ConfigError(f"config file not found: {main}", hint="check --config / HOLMES_NB_CONFIG")
    if main.is_file():
        _apply_document(cfg, _read_yaml(main), str(main))
    list_file = os.environ.get("MODEL_LIST_FILE_LOCATION")
    if list_file:
        lf = Path(os.path.expanduser(list_file))
        if not lf.is_file():
            raise ConfigError(f"MODEL_LIST_FILE_LOCATION points to a missing file: {lf}")
        data = _read_yaml(lf)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{lf}: a modelList file must be a mapping of key -> entry")
        _add_model_list(cfg, data, str(lf))
    return cfg


def _read_yaml(path: Path) -> Any:
    import yaml

    from holmes_nb.safe_yaml import load_config_yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path} is not UTF-8 text (byte {e.start})", hint="save it as UTF-8 YAML") from None
    try:
        return load_config_yaml(text, str(path))  # aliases bounded, duplicate keys refused
    except RecursionError:
        raise ConfigError(f"malformed YAML in {path}: nested too deeply") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"malformed YAML in {where}: {problem}") from None


def _apply_document(cfg: Config, doc: Any, source: str) -> None:
    """A HolmesGPT CLI config, a Holmes chart values file, or a Robusta chart values file."""
    if doc is None:
        return
    if not isinstance(doc, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level, got {type(doc).__name__}")
    cfg.sources.append(source)
    if isinstance(doc.get("holmes"), dict) and not doc.get("modelList"):
        doc = doc["holmes"]  # Robusta chart: everything lives under holmes:
    _apply_env_vars(cfg, doc.get("additionalEnvVars"), source)
    model_list = doc.get("modelList")
    if model_list is not None:
        if not isinstance(model_list, dict):
            raise ConfigError(f"{source}: modelList must be a mapping of key -> entry")
        _add_model_list(cfg, model_list, source)
    _add_mcp_servers(cfg, doc.get("mcp_servers"), source)
    chart_config = doc.get("config")
    if isinstance(chart_config, dict) and chart_config.get("model"):
        cfg.default_model = str(chart_config["model"])
    elif isinstance(doc.get("model"), str):  # HolmesGPT CLI config.yaml
        cfg.default_model = doc["model"]
    for name in ("max_steps", "cluster", "namespace", "timeout", "live_display"):
        if name in doc:
            cfg.settings[name] = doc[name]
    for name in ("alertmanager_url", "alertmanager_username", "alertmanager_password"):  # HolmesGPT CLI keys
        if doc.get(name):
            cfg.settings[name] = doc[name]
    if isinstance(doc.get("toolsets"), dict):  # HolmesGPT built-in toolsets (prometheus/metrics, ...)
        cfg.settings.setdefault("toolsets", {}).update(doc["toolsets"])
    if isinstance(doc.get("holmes_nb"), dict):
        cfg.settings.update(doc["holmes_nb"])
    if "timeout" in cfg.settings:
        cfg.settings["timeout"] = _seconds(cfg.settings["timeout"], f"{source}: timeout")


def _apply_env_vars(cfg: Config, env_vars: Any, source: str) -> None:
    if env_vars is None:
        return
    if not isinstance(env_vars, list):
        raise ConfigError(f"{source}: additionalEnvVars must be a list of {{name, value}} items")
    for item in env_vars:
        if not isinstance(item, dict) or "name" not in item:
            raise ConfigError(f"{source}: every additionalEnvVars item needs a name")
        name = str(item["name"])
        if "value" in item and item["value"] is not None:
            cfg.env_overlay[name] = str(item["value"])
        else:
            source_ref = item.get("valueFrom")
            ref = source_ref.get("secretKeyRef") if isinstance(source_ref, dict) else None
            if not isinstance(ref, dict):
                ref = {}
            cfg.secret_env[name] = f"{ref.get('name', '?')}/{ref.get('key', '?')}"


def _add_model_list(cfg: Config, model_list: Mapping[str, Any], source: str) -> None:
    for key, raw in model_list.items():
        if not isinstance(raw, dict) or not raw.get("model"):
            raise ConfigError(f"{source}: modelList entry {key!r} needs a 'model' (e.g. openai/llama3)")
        cfg.model_list[str(key)] = {**raw, "__source__": source}


def _add_mcp_servers(cfg: Config, servers: Any, source: str) -> None:
    if servers is None:
        return
    if not isinstance(servers, dict):
        raise ConfigError(f"{source}: mcp_servers must be a mapping of name -> server")
    for name, raw in servers.items():
        cfg.mcp_servers[str(name)] = {**raw, "__source__": source} if isinstance(raw, dict) else raw


def _template(cfg: Config, value: Any, where: str) -> Any:
    if isinstance(value, str):
        return _TEMPLATE.sub(lambda m: cfg.require_env(m.group(1).strip(), where), value)
    if isinstance(value, dict):
        return {k: _template(cfg, v, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_template(cfg, v, where) for v in value]
    return value


def _build_entry(cfg: Config, key: str, raw: dict[str, Any]) -> ModelEntry:
    source = raw.get("__source__", "config")
    data = _template(cfg, {k: v for k, v in raw.items() if k != "__source__"}, f"modelList entry {key!r}")
    if str(data["model"]).startswith(REPLAY_PREFIX):
        return _replay_entry(cfg, key, str(data["model"]), source)
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
    _seconds(entry.timeout, f"modelList entry {key!r}: timeout")
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


def _replay_entry(cfg: Config, key: str, model: str, source: str) -> ModelEntry:
    """``model: replay/FILE`` in a modelList (training labs, binder): a relative FILE is looked up
    from the working directory, then beside the config file that names it."""
    path = Path(model[len(REPLAY_PREFIX) :])
    beside = Path(source).parent / path
    if not path.is_absolute() and not path.exists() and beside.exists():
        path = beside
    return _recording_entry(model, path, key, source, cfg)


def _recording_entry(model: str, path: Path, key: str, source: str | None, cfg: Config) -> ModelEntry:
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


def _seconds(value: Any, what: str) -> float:
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
