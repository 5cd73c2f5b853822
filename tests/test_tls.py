"""CERTIFICATE: a private CA for the model server, tested with a real HTTPS server on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import certifi
import pytest

from devkit.openai_server import say
from holmes_nb.agent import Agent
from holmes_nb.config import load_config
from holmes_nb.errors import ConfigError, ModelError
from holmes_nb.llm.client import LLMClient
from holmes_nb.llm.tls import ca_bundle_path

trustme = pytest.importorskip("trustme")


@pytest.fixture
def private_ca():
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    import ssl

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ca, ctx


def _entry(monkeypatch, srv):
    monkeypatch.setenv("OPENAI_API_BASE", srv.url)
    entry = load_config().select("openai/scripted")
    entry.num_retries = 0
    return entry


def test_certificate_env_makes_model_calls_trust_the_ca(model_server, monkeypatch, private_ca):
    ca, ctx = private_ca
    before = hashlib.sha256(Path(certifi.where()).read_bytes()).hexdigest()
    srv = model_server([say("over https")], ssl_context=ctx)
    assert srv.url.startswith("https://localhost:")
    monkeypatch.setenv("CERTIFICATE", base64.b64encode(ca.cert_pem.bytes()).decode())
    inv = Agent(LLMClient(_entry(monkeypatch, srv)), []).run("q")
    assert inv.answer == "over https"
    assert inv.context_source == "assumed"  # /props and /models were reached over TLS too, they just 404/lack n_ctx
    assert any(r["path"].endswith("/models") for r in srv.requests)
    assert hashlib.sha256(Path(certifi.where()).read_bytes()).hexdigest() == before  # certifi untouched


def test_without_certificate_the_private_ca_is_rejected(model_server, monkeypatch, private_ca):
    _, ctx = private_ca
    srv = model_server([say("never")], ssl_context=ctx)
    with pytest.raises(ModelError) as err:
        Agent(LLMClient(_entry(monkeypatch, srv)), []).run("q")
    assert "cannot reach" in str(err.value)


def test_invalid_base64_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CERTIFICATE", "not base64 !!!")
    with pytest.raises(ConfigError, match="not valid base64"):
        ca_bundle_path()


def test_base64_of_something_else_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CERTIFICATE", base64.b64encode(b"hello world").decode())
    with pytest.raises(ConfigError, match="PEM"):
        ca_bundle_path()


def test_broken_pem_is_a_clear_error(monkeypatch):
    pem = "-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----\n"
    monkeypatch.setenv("CERTIFICATE", base64.b64encode(pem.encode()).decode())
    with pytest.raises(ConfigError, match="invalid PEM"):
        ca_bundle_path()


def test_bundle_is_private_and_contains_both(monkeypatch, private_ca, isolated_env):
    ca, _ = private_ca
    monkeypatch.setenv("CERTIFICATE", base64.b64encode(ca.cert_pem.bytes()).decode())
    path = Path(ca_bundle_path())
    assert str(path).startswith(str(isolated_env))
    text = path.read_text()
    assert ca.cert_pem.bytes().decode().strip() in text
    assert Path(certifi.where()).read_text().strip()[:200] in text
