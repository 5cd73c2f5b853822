"""Masking of API keys and redaction of secret-looking values.

``mask_key("sk-abcdef123456")`` -> ``"sk-...3456"``. Used by every repr, log line, error
message and written file that could otherwise carry a key.
"""
from __future__ import annotations

import re

_PLACEHOLDER_KEYS = {"", "not-needed", "none", "null", "no-key", "dummy", "sk-no-key-required", "empty"}


def mask_key(key: str | None) -> str:
    """Mask an API key for display: keep a short prefix and the last 4 characters."""
    if key is None:
        return "<unset>"
    key = str(key)
    if key.lower() in _PLACEHOLDER_KEYS:
        return key or "<empty>"
    if len(key) <= 8:
        return "****"
    prefix = key[:3] if key[:3].isalpha() or key.startswith("sk-") else ""
    return f"{prefix}...{key[-4:]}"


class SecretRegistry:
    """Known secret strings (API keys from config) that must never be written anywhere."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, value: str | None) -> None:
        if value and len(value) >= 6 and value.lower() not in _PLACEHOLDER_KEYS:
            self._secrets.add(value)

    def scrub(self, text: str) -> str:
        """Replace every known secret in ``text`` with its mask."""
        for s in sorted(self._secrets, key=len, reverse=True):
            if s in text:
                text = text.replace(s, mask_key(s))
        return text

    def clear(self) -> None:
        self._secrets.clear()


#: process-wide registry; config loading registers every api_key it resolves
known_secrets = SecretRegistry()

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/\s@]+:)([^@\s/]+)(@)")


def scrub(text: str) -> str:
    """Remove known keys, bearer tokens and URL passwords from an arbitrary string."""
    text = known_secrets.scrub(text)
    text = _BEARER.sub(r"\1[REDACTED]", text)
    text = _URL_PASSWORD.sub(r"\1[REDACTED]\3", text)
    return text
