"""Shared fixtures: an isolated environment and real scripted model servers on 127.0.0.1."""
from __future__ import annotations

import os

import pytest

from holmes_nb.testing.openai_server import ScriptedModelServer

_ENV_VARS = ("OPENAI_API_BASE", "OPENAI_BASE_URL", "OPENAI_API_KEY", "MODEL", "MODEL_LIST_FILE_LOCATION",
             "HOLMES_NB_CONFIG", "CERTIFICATE", "SSL_CERT_FILE", "KUBERNETES_SERVICE_HOST")


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
