"""Model configuration as HolmesGPT users write it: env, modelList files, Holmes and Robusta Helm values."""

from __future__ import annotations

import warnings

import pytest

from holmes_nb.config import load_config
from holmes_nb.errors import ConfigError


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


SEED_VALUES = """
additionalEnvVars:
  - name: OPENAI_API_BASE
    value: "http://your-inference-server:8000/v1"
  - name: OPENAI_API_KEY
    valueFrom:
      secretKeyRef:
        name: holmes-secrets
        key: openai-api-key
modelList:
  local-llama:
    api_key: "not-needed"
    api_base: "{{ env.OPENAI_API_BASE }}"
    model: openai/llama3
    temperature: 1
  custom-model:
    api_key: "{{ env.OPENAI_API_KEY }}"
    api_base: "{{ env.OPENAI_API_BASE }}"
    model: openai/your-custom-model
    temperature: 1
config:
  model: "local-llama"
"""


def test_env_only_openai_model(monkeypatch):
    monkeypatch.setenv("OPENAI_API_BASE", "http://localhost:8000/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-1234567890abcd")
    entry = load_config().select("openai/llama3")
    assert entry.model == "openai/llama3"
    assert entry.api_base == "http://localhost:8000/v1"
    assert entry.litellm_kwargs()["api_key"] == "sk-test-1234567890abcd"
    assert "1234567890abcd" not in repr(entry)
    assert "abcd" in repr(entry)


def test_env_without_key_uses_placeholder(monkeypatch):
    monkeypatch.setenv("OPENAI_API_BASE", "http://localhost:8000/v1")
    assert load_config().select("openai/x").api_key == "not-needed"


def test_holmes_chart_values_seed_page(tmp_path, monkeypatch):
    path = write(tmp_path / "values.yaml", SEED_VALUES)
    cfg = load_config(path)
    entry = cfg.select()
    assert entry.key == "local-llama"
    assert entry.api_base == "http://your-inference-server:8000/v1"  # literal additionalEnvVars value
    assert entry.temperature == 1.0
    # the secretKeyRef variable falls back to the process environment
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-0000000000")
    assert cfg.select("custom-model").api_key == "sk-from-env-0000000000"


def test_secret_key_ref_missing_is_clear(tmp_path):
    cfg = load_config(write(tmp_path / "values.yaml", SEED_VALUES))
    with pytest.raises(ConfigError) as err:
        cfg.select("custom-model")
    msg = str(err.value)
    assert "OPENAI_API_KEY" in msg and "holmes-secrets/openai-api-key" in msg and "export" in msg


def test_robusta_chart_values(tmp_path):
    indented = "\n".join("  " + line for line in SEED_VALUES.strip().splitlines())
    cfg = load_config(write(tmp_path / "robusta.yaml", "globalConfig:\n  cluster_name: x\nholmes:\n" + indented))
    assert set(cfg.model_list) == {"local-llama", "custom-model"}
    assert cfg.select().key == "local-llama"
    assert cfg.select().api_base == "http://your-inference-server:8000/v1"


def test_model_list_file_location_bare_mapping(tmp_path, monkeypatch):
    write(
        tmp_path / "models.yaml",
        """
fast:
  model: openai/qwen2.5
  base_url: http://127.0.0.1:9000/v1
  custom_args:
    max_context_size: 4096
slow:
  model: openai/llama3
  api_base: http://127.0.0.1:9001/v1
""",
    )
    monkeypatch.setenv("MODEL_LIST_FILE_LOCATION", str(tmp_path / "models.yaml"))
    cfg = load_config()
    fast = cfg.select("fast")
    assert fast.api_base == "http://127.0.0.1:9000/v1"  # base_url alias
    assert fast.max_context_size == 4096
    with pytest.raises(ConfigError) as err:
        cfg.select()  # two entries, no default
    assert "fast" in str(err.value) and "slow" in str(err.value)


def test_select_by_litellm_id_does_not_pick_first_entry(tmp_path, monkeypatch):
    """HolmesGPT silently picks the first entry when --model is not a key; holmes-nb must not."""
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:7000/v1")
    cfg = load_config(write(tmp_path / "values.yaml", SEED_VALUES))
    entry = cfg.select("openai/other-model")
    assert entry.key is None and entry.model == "openai/other-model"
    assert entry.api_base == "http://127.0.0.1:7000/v1"


def test_unknown_key_lists_keys(tmp_path):
    cfg = load_config(write(tmp_path / "values.yaml", SEED_VALUES))
    with pytest.raises(ConfigError) as err:
        cfg.select("local-lama")
    assert "local-llama" in str(err.value) and "custom-model" in str(err.value)


def test_config_model_must_be_a_key(tmp_path):
    cfg = load_config(write(tmp_path / "v.yaml", SEED_VALUES.replace('model: "local-llama"', 'model: "nope"')))
    with pytest.raises(ConfigError, match="not a modelList key"):
        cfg.select()


def test_single_entry_is_default(tmp_path):
    cfg = load_config(
        write(tmp_path / "v.yaml", "modelList:\n  only:\n    model: openai/a\n    api_base: http://h/v1\n")
    )
    assert cfg.select().key == "only"


def test_no_model_configured():
    with pytest.raises(ConfigError, match="no model configured"):
        load_config().select()


def test_default_config_path_and_env_override(isolated_env, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0000")
    (isolated_env / ".holmes").mkdir()
    write(isolated_env / ".holmes" / "config.yaml", "model: openai/from-home\n")
    assert load_config().select().model == "openai/from-home"
    monkeypatch.setenv("HOLMES_NB_CONFIG", str(write(tmp_path / "c.yaml", "model: openai/from-env\n")))
    assert load_config().select().model == "openai/from-env"
    assert load_config(write(tmp_path / "d.yaml", "model: openai/from-flag\n")).select().model == "openai/from-flag"


def test_openai_model_without_base_or_key_is_a_config_error():
    """LiteLLM would report "Missing credentials" as a 500 and be retried: say what to set instead."""
    with pytest.raises(ConfigError, match="needs OPENAI_API_BASE .* or OPENAI_API_KEY") as err:
        load_config().select("openai/llama3")
    assert "export OPENAI_API_BASE=" in err.value.hint


def test_missing_explicit_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path / "bad.yaml", "modelList:\n  a:\n    model: openai/x\n   api_base: [unclosed\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "bad.yaml" in str(err.value) and "line" in str(err.value)


def test_missing_template_variable(tmp_path):
    cfg = load_config(
        write(tmp_path / "v.yaml", "modelList:\n  a:\n    model: openai/x\n    api_base: '{{ env.NOPE_BASE }}'\n")
    )
    with pytest.raises(ConfigError, match="NOPE_BASE is not set"):
        cfg.select()


def test_templating_in_nested_strings(tmp_path, monkeypatch):
    monkeypatch.setenv("TEAM_TOKEN", "tok-abcdef123456")
    cfg = load_config(
        write(
            tmp_path / "v.yaml",
            """
modelList:
  a:
    model: openai/x
    api_base: http://h/v1
    extra_headers:
      X-Team: "team {{env.TEAM_TOKEN}}"
""",
        )
    )
    assert cfg.select().litellm_kwargs()["extra_headers"] == {"X-Team": "team tok-abcdef123456"}


def test_unknown_entry_key_warns_once_and_passes_through(tmp_path):
    from holmes_nb.config import reset_warnings

    reset_warnings()
    cfg = load_config(
        write(
            tmp_path / "v.yaml", "modelList:\n  a:\n    model: openai/x\n    api_base: http://h/v1\n    frobnicate: 3\n"
        )
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cfg.select()
        cfg.select()
    assert sum("frobnicate" in str(w.message) for w in caught) == 1
    assert cfg.select().litellm_kwargs()["frobnicate"] == 3


def test_bad_numbers_and_modes(tmp_path):
    cfg = load_config(write(tmp_path / "v.yaml", "modelList:\n  a:\n    model: openai/x\n    temperature: hot\n"))
    with pytest.raises(ConfigError, match="temperature"):
        cfg.select()
    cfg = load_config(write(tmp_path / "w.yaml", "modelList:\n  a:\n    model: openai/x\n    tool_results: fax\n"))
    with pytest.raises(ConfigError, match="tool_results"):
        cfg.select()


def test_entry_without_model_is_rejected(tmp_path):
    with pytest.raises(ConfigError, match="needs a 'model'"):
        load_config(write(tmp_path / "v.yaml", "modelList:\n  a:\n    api_base: http://h/v1\n"))


def test_describe_masks_key(tmp_path):
    cfg = load_config(
        write(tmp_path / "v.yaml", "modelList:\n  a:\n    model: openai/x\n    api_key: sk-live-9f8e7d6c5b4a3210\n")
    )
    d = cfg.select().describe()
    assert d["api_key"] == "sk-...3210"
    assert "9f8e7d6c5b4a" not in str(d)
