"""``CERTIFICATE``: a base64-encoded PEM CA bundle for a model server behind a private CA.

HolmesGPT appends it to certifi's bundle in place. holmes-nb never writes into the installed
certifi bundle: it writes certifi's bundle plus the custom CA to a private file in the user's
cache directory and points LiteLLM (``litellm.ssl_verify``) and its own probes at that file.

    path = ca_bundle_path()      # None when CERTIFICATE is unset
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import ssl
from pathlib import Path

from holmes_nb.errors import ConfigError


def decode_certificate(value: str) -> str:
    """base64 -> PEM text, validated by loading it into an SSL context."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
        pem = raw.decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ConfigError(
            "CERTIFICATE is not valid base64", hint="set it to the output of: base64 -w0 ca.pem"
        ) from None
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise ConfigError(
            "CERTIFICATE does not decode to a PEM certificate (no BEGIN CERTIFICATE line)",
            hint="base64-encode the PEM file itself: base64 -w0 ca.pem",
        )
    try:
        ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, ValueError) as e:
        raise ConfigError(f"CERTIFICATE holds an invalid PEM certificate: {e}") from None
    return pem


def ca_bundle_path(env: dict[str, str] | None = None) -> str | None:
    """Path of a CA bundle trusting certifi's roots plus ``CERTIFICATE``, or None if it is unset."""
    value = (env if env is not None else os.environ).get("CERTIFICATE", "").strip()
    if not value:
        return None
    pem = decode_certificate(value)
    import certifi

    bundle = Path(certifi.where()).read_text(encoding="ascii", errors="replace") + "\n" + pem + "\n"
    digest = hashlib.sha256(bundle.encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "holmes-nb"
    path = cache / f"ca-bundle-{digest}.pem"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(bundle, encoding="ascii")
        os.replace(tmp, path)
    return str(path)


def ssl_context(bundle: str | None) -> ssl.SSLContext | bool:
    """What httpx should verify with: the bundle's context, or True (default roots)."""
    return ssl.create_default_context(cafile=bundle) if bundle else True
