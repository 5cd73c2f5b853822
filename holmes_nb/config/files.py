"""Reading the config sources into a :class:`~holmes_nb.config.settings.Config`: the config file
(HolmesGPT CLI config, Holmes or Robusta chart values), ``MODEL_LIST_FILE_LOCATION``, the
``additionalEnvVars``, ``mcp_servers`` and holmes-nb settings they hold.

    cfg = load_config("~/.holmes/config.yaml")
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from holmes_nb.config.entries import seconds
from holmes_nb.config.settings import Config
from holmes_nb.errors import ConfigError

DEFAULT_CONFIG = "~/.holmes/config.yaml"


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read every config source. ``path`` (``--config``) overrides ``HOLMES_NB_CONFIG`` and the default."""
    cfg = Config()
    explicit = path or os.environ.get("HOLMES_NB_CONFIG")
    main = Path(os.path.expanduser(str(explicit or DEFAULT_CONFIG)))
    if explicit and not main.is_file():
        raise ConfigError(f"config file not found: {main}", hint="check --config / HOLMES_NB_CONFIG")
    if main.is_file():
        _apply_document(cfg, read_yaml(main), str(main))
    list_file = os.environ.get("MODEL_LIST_FILE_LOCATION")
    if list_file:
        lf = Path(os.path.expanduser(list_file))
        if not lf.is_file():
            raise ConfigError(f"MODEL_LIST_FILE_LOCATION points to a missing file: {lf}")
        data = read_yaml(lf)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{lf}: a modelList file must be a mapping of key -> entry")
        _add_model_list(cfg, data, str(lf))
    return cfg


def read_yaml(path: Path) -> Any:
    """A YAML config file's document (aliases bounded, duplicate keys refused), or a ConfigError."""
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
        cfg.settings["timeout"] = seconds(cfg.settings["timeout"], f"{source}: timeout")


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
