"""Shared fixtures: an isolated environment and real scripted model servers on 127.0.0.1."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from devkit.openai_server import ScriptedModelServer

_ENV_VARS = (
    "OPENAI_API_BASE",
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "MODEL",
    "MODEL_LIST_FILE_LOCATION",
    "HOLMES_NB_CONFIG",
    "CERTIFICATE",
    "SSL_CERT_FILE",
    "KUBERNETES_SERVICE_HOST",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory, monkeypatch):
    """No user config, kubeconfig or model settings leak into a test."""
    home = tmp_path_factory.mktemp("home")
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("KUBECONFIG", str(home / "no-kubeconfig"))
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    yield home
    from holmes_nb import api
    from holmes_nb.redact import known_secrets

    api.reset()
    known_secrets.clear()


@pytest.fixture
def model_server():
    """Factory: ``srv = model_server([turns...], **options)`` starts a scripted server, stopped after the test."""
    servers = []

    def make(script=(), **kwargs) -> ScriptedModelServer:
        srv = ScriptedModelServer(script, **kwargs).start()
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.stop()


@pytest.fixture
def openai_env(monkeypatch):
    """Point OPENAI_API_BASE at a server: ``openai_env(srv)``."""

    def point(srv, key: str | None = None):
        monkeypatch.setenv("OPENAI_API_BASE", srv.url)
        if key is not None:
            monkeypatch.setenv("OPENAI_API_KEY", key)
        return srv

    return point


os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture(scope="session")
def write_figures():
    """``write_figures("faults", data)``: a reliability test file's counts as ``NAME.json`` in
    ``$HOLMES_NB_FIGURES_DIR`` (scripts/reliability_table.py reads them); nothing when it is unset."""

    def write(name: str, data: dict) -> None:
        out = os.environ.get("HOLMES_NB_FIGURES_DIR")
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            (Path(out) / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")

    return write
