"""Replaying a recorded run offline, through LiteLLM: ``--model replay/FILE``.

A LiteLLM custom provider (``litellm.custom_provider_map``, provider ``replay``) serves the
recorded responses in order; LiteLLM turns them into normal ModelResponse objects, so the agent
loop runs unchanged and the tool calls run for real against the current cluster. Each request is
checked against the recording: same question, the recorded tools present, the same conversation
shape; a mismatch is a ConfigError or ModelError with a hint.

    entry = open_recording(cfg.select("replay/run.json"))   # LLMClient(entry) does this
    inv = holmes_nb.ask("what pods are failing?", model="replay/run.json", cluster="demo")
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from holmes_nb.errors import ConfigError, ModelError
from holmes_nb.llm.compat import parse_text_tool_calls, result_delivery
from holmes_nb.llm.entry import PROFILES, RECORD_HINT, REPLAY_PREFIX, ModelEntry
from holmes_nb.llm.errors import ContextOverflow
from holmes_nb.llm.record import FORMAT, VERSION
from holmes_nb.redact import scrub

PROVIDER = REPLAY_PREFIX.rstrip("/")


def _tool_names(tools: Any) -> list[str]:
    names = []
    for t in tools or []:
        fn = t.get("function") if isinstance(t, dict) else None
        if isinstance(fn, dict) and fn.get("name"):
            names.append(str(fn["name"]))
    return names


def _roles(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("role")) for m in messages]


def _last_user(messages: list[dict[str, Any]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            return str(m.get("content") or "").strip()
    return ""


@dataclass
class Recording:
    """A loaded recording file: ``meta`` and ``exchanges`` (request + response or error)."""

    path: Path
    meta: dict[str, Any]
    exchanges: list[dict[str, Any]]

    @property
    def question(self) -> str:
        return _last_user(self.exchanges[0]["request"]["messages"])

    def offered(self) -> set[str]:
        return {n for x in self.exchanges for n in _tool_names(x["request"].get("tools"))}

    def called(self) -> list[str]:
        """Tools the recorded model called (native calls, or text calls of offered tools)."""
        offered, names = sorted(self.offered()), []
        for x in self.exchanges:
            for choice in (x.get("response") or {}).get("choices") or []:
                message = choice.get("message") or {}
                native = [(tc.get("function") or {}).get("name") for tc in message.get("tool_calls") or []]
                names += [n for n in native if n]
                if not native and message.get("content"):
                    names += [c.name for c in parse_text_tool_calls(message["content"], offered)[0]]
        return names

    def tool_results_mode(self) -> str:
        """How the recorded run sent tool results back ("tool" messages, or one user message per step)."""
        for x in self.exchanges:
            for m in x["request"]["messages"]:
                mode = result_delivery(m)
                if mode is not None:
                    return mode
        return "tool"


def load_recording(path: str | os.PathLike) -> Recording:
    """Read and validate a recording; every problem is a ConfigError with a hint."""
    p = Path(os.path.expanduser(str(path)))
    if not p.is_file():
        raise ConfigError(f"recording not found: {p}", hint=RECORD_HINT)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the recording {p}: {e}", hint=RECORD_HINT) from None
    except ValueError as e:
        raise ConfigError(
            f"{p} is not valid JSON ({e}); the recording is corrupt or truncated", hint=RECORD_HINT
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ConfigError(f'{p} is not a holmes-nb recording (no "format": "{FORMAT}")', hint=RECORD_HINT)
    if not isinstance(doc.get("version"), int) or doc["version"] > VERSION:
        raise ConfigError(
            f"{p} is a recording of format version {doc.get('version')!r}; this holmes-nb reads version {VERSION}",
            hint="upgrade holmes-nb, or record the run again",
        )
    exchanges = doc.get("exchanges")
    if not isinstance(exchanges, list) or not exchanges:
        raise ConfigError(f"{p} holds no model calls (the recorded run made none)", hint=RECORD_HINT)
    for i, x in enumerate(exchanges, 1):
        ok = (
            isinstance(x, dict)
            and isinstance(x.get("request"), dict)
            and isinstance(x["request"].get("messages"), list)
            and (isinstance(x.get("response"), dict) or isinstance(x.get("error"), dict))
        )
        if not ok:
            raise ConfigError(
                f"{p}: model call {i} is incomplete (needs a request and a response or error)", hint=RECORD_HINT
            )
    meta = doc.get("meta")
    return Recording(p.resolve(), meta if isinstance(meta, dict) else {}, exchanges)


def open_recording(entry: ModelEntry) -> ModelEntry:
    """The ``replay/FILE`` entry completed from its recording: context size and tool-result mode as
    recorded. Loads the file now (so a bad file fails before the run) and rewinds its player."""
    recording = load_recording(entry.recording_path)
    players.rewind(recording)
    window = recording.meta.get("context_window")
    recorded_profile = recording.meta.get("profile")
    return dataclasses.replace(
        entry,
        # "auto" cannot tell a replay's server apart: it runs the profile the run was recorded with
        profile=recorded_profile if entry.profile == "auto" and recorded_profile in PROFILES else entry.profile,
        model=f"{REPLAY_PREFIX}{recording.path}",
        api_base=None,
        api_key=None,
        max_context_size=int(window) if isinstance(window, int) and window > 0 else 8192,
        tool_results=recording.tool_results_mode(),
        num_retries=0,
    )


def player_for(path: str) -> Player:
    """The player of the recording at ``path`` (the LiteLLM provider's ``model``)."""
    return players.get(path)


class Player:
    """Serves one recording's responses in order, checking each request against the recorded one."""

    def __init__(self, recording: Recording):
        self.rec = recording
        self.cursor = 0
        self._last_ok = True
        self._lock = threading.Lock()

    def serve(self, messages: list[dict[str, Any]], tools: Any) -> dict[str, Any]:
        """The recorded raw response for this request (a deep copy), or raises the recorded error."""
        with self._lock:
            xs = self.rec.exchanges
            if (
                self.cursor
                and (self.cursor >= len(xs) or (self._last_ok and not self._continues(messages)))
                and _roles(messages) == _roles(xs[0]["request"]["messages"])
            ):
                self.cursor = 0  # the first request of a new run
            i = self.cursor
            if i >= len(xs):
                raise ModelError(
                    f"the run asked the model {i + 1} times; the recording {self.rec.path.name} "
                    f"holds only {len(xs)} model replies",
                    hint="the cluster or tools answered differently than when recorded; record the run again",
                )
            if i == 0:
                self._check_start(messages, tools)
            self._check_step(i, messages, tools)
            exchange = xs[i]
            self.cursor, self._last_ok = i + 1, "response" in exchange
        if "error" in exchange:
            raise _recorded_error(exchange["error"])
        return copy.deepcopy(exchange["response"])

    def _continues(self, messages: list[dict[str, Any]]) -> bool:
        """True when the request is the recorded next one: an answer sample (agent/sampling.py)
        repeats the first request's messages, and is not a new run."""
        recorded = self.rec.exchanges[self.cursor]["request"]["messages"]
        return _roles(messages) == _roles(recorded) and scrub(_last_user(messages)) == scrub(_last_user(recorded))

    def _check_start(self, messages: list[dict[str, Any]], tools: Any) -> None:
        asked, recorded = scrub(_last_user(messages)), self.rec.question
        if asked != recorded:
            raise ConfigError(
                f"the recording {self.rec.path.name} answers a different question: "
                f"{_short(recorded)!r}, not {_short(asked)!r}",
                hint="ask the recorded question to replay it, or record a new run with --record",
            )
        current = set(_tool_names(tools))
        if not tools:
            return  # tools withheld at the first request: _check_step reports it
        missing_called = sorted({n for n in self.rec.called() if n in self.rec.offered() and n not in current})
        if missing_called:
            raise ConfigError(
                f"the recorded run calls {', '.join(missing_called)}, which the current toolset lacks",
                hint="load the same tools as when recording (custom tools, --custom-toolsets)",
            )
        missing = sorted(self.rec.offered() - current)
        if missing:
            raise ConfigError(
                f"the recording offered tools the current toolset lacks: {', '.join(missing)}",
                hint="load the same tools as when recording (custom tools, --custom-toolsets)",
            )

    def _check_step(self, i: int, messages: list[dict[str, Any]], tools: Any) -> None:
        request = self.rec.exchanges[i]["request"]
        where = f"the replay left the recording at model call {i + 1} of {len(self.rec.exchanges)}"
        steps = self.rec.meta.get("max_steps")
        hint = "replay with the settings of the recorded run" + (f" (max_steps {steps})" if steps else "")
        if bool(request.get("tools")) != bool(tools):
            said = "offered tools" if request.get("tools") else "withheld tools (final answer)"
            raise ModelError(f"{where}: the recorded run {said} there, this run did not", hint=hint)
        mine, theirs = _roles(messages), _roles(request["messages"])
        if i == 0 and len(mine) != len(theirs):  # the first request: the question and what it continues
            raise ModelError(
                f"{where}: this question continues a conversation of {len(mine) - 2} messages, "
                f"the recorded one continued {len(theirs) - 2}",
                hint="a follow-up replays only after the same earlier questions: reset (%holmes reset) and "
                "run the recorded ask, then its follow-ups, in order; or record this follow-up again",
            )
        if mine != theirs:
            raise ModelError(
                f"{where}: this conversation has {len(mine)} messages, the recorded one "
                f"{len(theirs)} (the tools answered differently, or other settings)",
                hint=hint + "; or record the run again",
            )


class Players:
    """The players of the recordings opened in this process, by resolved path; ``reset()`` forgets them."""

    def __init__(self) -> None:
        self._by_path: dict[str, Player] = {}
        self._lock = threading.Lock()

    def rewind(self, recording: Recording) -> None:
        """A new run of ``recording`` starts from its first reply."""
        with self._lock:
            self._by_path[str(recording.path)] = Player(recording)

    def get(self, path: str) -> Player:
        with self._lock:
            player = self._by_path.get(path)
            if player is None:
                player = self._by_path[path] = Player(load_recording(path))
            return player

    def reset(self) -> None:
        with self._lock:
            self._by_path.clear()


players = Players()


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _recorded_error(error: dict[str, Any]) -> Exception:
    message = str(error.get("message") or "the recorded model call failed")
    if error.get("type") == "ContextOverflow":
        limit = error.get("limit")
        return ContextOverflow(message, int(limit) if isinstance(limit, int) else None)
    return ModelError(f"(recorded) {message}", hint=error.get("hint") or "the recorded run failed here too")


def register_provider(litellm) -> None:
    """Add the ``replay`` provider to ``litellm.custom_provider_map`` (once)."""
    if any(isinstance(p, dict) and p.get("provider") == PROVIDER for p in litellm.custom_provider_map or []):
        return
    handler = _handler_class(litellm)()
    litellm.custom_provider_map = [
        *(litellm.custom_provider_map or []),
        {"provider": PROVIDER, "custom_handler": handler},
    ]


def _handler_class(litellm):
    class ReplayLLM(litellm.CustomLLM):
        """LiteLLM custom provider: ``model`` is the recording's path."""

        def completion(
            self,
            model,
            messages,
            api_base=None,
            custom_prompt_dict=None,
            model_response=None,
            print_verbose=None,
            encoding=None,
            api_key=None,
            logging_obj=None,
            optional_params=None,
            *args,
            **kwargs,
        ):
            raw = player_for(model).serve(messages, (optional_params or {}).get("tools"))
            return litellm.ModelResponse(**raw)

    return ReplayLLM


def recorded_max_steps(entry: ModelEntry) -> int | None:
    """The max_steps the recorded run used: a replay takes it unless told otherwise, because the
    agent's safeguards (the last step withholds tools) depend on it."""
    if not entry.replays:
        return None
    value = player_for(entry.recording_path).rec.meta.get("max_steps")
    return int(value) if isinstance(value, int) and value > 0 else None
