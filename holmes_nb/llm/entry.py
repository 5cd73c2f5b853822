"""ModelEntry: one model backend (a LiteLLM model id plus how to reach it), as plain data.

Config (holmes_nb/config/) builds entries from modelList, Helm values and the environment; the
model client (holmes_nb/llm/) uses them. This module imports nothing else of the package but the
key masking of redact.py, so both sides can import it without a cycle.

    entry = ModelEntry("openai/llama3", api_base="http://127.0.0.1:8000/v1", api_key="not-needed")
    entry.litellm_kwargs()   # {"model": "openai/llama3", "api_base": ..., "api_key": ...}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from holmes_nb.redact import mask_key

#: how tool results reach the model: "tool" messages, "user" messages, or decided per server
TOOL_RESULT_MODES = ("auto", "tool", "user")
#: how a run gathers evidence: the model calls tools (standard), or holmes-nb first (agent/evidence_first.py)
PROFILES = ("auto", "standard", "evidence-first")
#: ``--model replay/FILE`` replays a recorded run offline (holmes_nb/llm/replay.py)
REPLAY_PREFIX = "replay/"
RECORD_HINT = "record one from a real run: holmes-nb ask --record FILE ... (or ask(..., record=FILE))"


@dataclass
class ModelEntry:
    """One model backend: a LiteLLM model id plus how to reach it. ``repr`` never shows the key."""

    model: str
    key: str | None = None  # the modelList key, None for an ad-hoc ``--model`` id
    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    api_version: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    max_context_size: int | None = None
    tool_results: str = "auto"  # how tool results reach the model: "tool" messages, "user" messages, or auto
    profile: str = "auto"  # "evidence-first" | "standard" | "auto" (from the server: agent/evidence_first.py)
    timeout: float = 120.0  # seconds per model request (LiteLLM's default is 6000)
    num_retries: int = 2  # retries on 429/5xx/connection errors, with backoff
    extra: dict[str, Any] = field(default_factory=dict)
    source: str = "command line"

    @classmethod
    def recording(cls, path: str | Path, *, key: str | None, source: str | None, timeout: float = 120.0) -> ModelEntry:
        """The entry for a recorded run at ``path`` (``replay/FILE``): no key, no server. Its context
        size and tool-result mode come from the recording when the model client opens it."""
        resolved = Path(path).expanduser().resolve()
        return cls(
            model=f"{REPLAY_PREFIX}{resolved}",
            key=key,
            timeout=timeout,
            num_retries=0,
            source=source or f"recording {resolved}",
        )

    @property
    def label(self) -> str:
        return self.key or self.model

    @property
    def replays(self) -> bool:
        """True for ``replay/FILE``: a recorded run, served offline."""
        return self.model.startswith(REPLAY_PREFIX)

    @property
    def recording_path(self) -> str:
        """The recording's path of a ``replay/FILE`` entry."""
        return self.model[len(REPLAY_PREFIX) :]

    def public_id(self) -> str:
        """The model id for people and written files: a replayed recording by its path relative to
        the working directory (else its file name), never an absolute path of this machine."""
        if not self.replays:
            return self.model
        path = Path(self.recording_path)
        try:
            return f"{REPLAY_PREFIX}{path.relative_to(Path.cwd())}"
        except ValueError:
            return f"{REPLAY_PREFIX}{path.name}"

    def litellm_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``litellm.completion`` (without messages/tools)."""
        kw: dict[str, Any] = {"model": self.model, **self.extra}
        for name in ("api_base", "api_key", "api_version", "temperature"):
            value = getattr(self, name)
            if value is not None:
                kw[name] = value
        return kw

    def describe(self) -> dict[str, Any]:
        """A display-safe summary (key masked)."""
        return {
            "key": self.key or "-",
            "model": self.public_id(),
            "api_base": self.api_base or "-",
            "api_key": mask_key(self.api_key) if self.api_key is not None else "-",
            "temperature": self.temperature,
            "max_context_size": self.max_context_size,
            "tool_results": self.tool_results,
            "profile": self.profile,
            "source": self.source,
        }

    def __repr__(self) -> str:
        return (
            f"ModelEntry(key={self.key!r}, model={self.model!r}, api_base={self.api_base!r}, "
            f"api_key={mask_key(self.api_key)!r})"
        )
