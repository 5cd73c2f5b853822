"""Errors with a one-line message and a hint, so users see what to do, not a traceback.

Every error raised on purpose by holmes-nb derives from :class:`HolmesError`. The CLI
prints ``str(err)`` (message plus hint) and exits 2 for :class:`ConfigError` and 1 for the rest.
"""

from __future__ import annotations

from typing import Any


class HolmesError(Exception):
    """Base class: ``HolmesError("cannot reach server", hint="check OPENAI_API_BASE")``."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        #: the partial Investigation, attached by the agent when a run fails midway
        self.investigation: Any = None  # an Investigation (errors.py imports nothing of the package)

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


class ConfigError(HolmesError):
    """Bad configuration or arguments: the user must change something before retrying."""

    exit_code = 2


class ModelError(HolmesError):
    """The model server failed, refused, or answered in a way we cannot use."""


class ClusterError(HolmesError):
    """A Kubernetes read failed (connection, timeout, server error)."""


class NotFoundError(ClusterError):
    """The named object does not exist (``suggestions`` lists close names)."""

    def __init__(self, message: str, *, hint: str | None = None, suggestions: list[str] | None = None):
        super().__init__(message, hint=hint)
        self.suggestions = list(suggestions or [])


class ForbiddenError(ClusterError):
    """RBAC denied a read (HTTP 403)."""


class GoneError(ClusterError):
    """A list continuation expired (HTTP 410)."""
