"""One completion call through LiteLLM: timeouts, bounded retries, clear errors, token accounting.

LiteLLM is imported on first use (its import costs ~3 s of CPU), with
``LITELLM_LOCAL_MODEL_COST_MAP=True`` unless the user set it, so an offline machine does not
spend ~8 s retrying a download of the model cost map.

    client = LLMClient(entry)
    completion = client.complete(messages, tools=schemas, max_tokens=512)

What a client learns about a server (its self-description, context window, tokenizer ratio) is kept
per server and model in a :class:`Learned`; :class:`ClientCache` hands out a client for the current
settings (temperature, max_tokens, timeout, ...) that shares what was learned before.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from holmes_nb.errors import ModelError
from holmes_nb.llm.compat import ToolCall, parse_native_calls, parse_text_tool_calls, unescape_reply
from holmes_nb.llm.context import ContextInfo, ServerInfo, discover_context, probe_server
from holmes_nb.llm.deadline import call_with_deadline, total_deadline
from holmes_nb.llm.entry import ModelEntry
from holmes_nb.llm.errors import ContextOverflow, map_error, where
from holmes_nb.llm.replay import open_recording, register_provider
from holmes_nb.llm.stream import collect, streams_tool_turns

__all__ = ["ClientCache", "Completion", "ContextOverflow", "LLMClient", "Learned", "apply_tls", "get_litellm"]

_litellm = None


def get_litellm():
    """Import LiteLLM once, quietly, offline-friendly, trusting ``CERTIFICATE`` if set."""
    global _litellm
    if _litellm is None:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        os.environ.setdefault("LITELLM_LOG", "ERROR")
        import litellm

        litellm.suppress_debug_info = True
        litellm.set_verbose = False
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx"):
            logging.getLogger(name).setLevel(logging.ERROR)
        register_provider(litellm)  # --model replay/FILE (llm/replay.py)
        _litellm = litellm
    return _litellm


def apply_tls() -> None:
    """Trust ``CERTIFICATE`` (or stop trusting a removed one) for every LiteLLM request.

    LiteLLM caches HTTP clients, so the cache is flushed whenever the CA bundle changes.
    """
    from holmes_nb.llm.tls import ca_bundle_path

    lit = get_litellm()
    wanted = ca_bundle_path() or True
    if lit.ssl_verify != wanted and (wanted is not True or isinstance(lit.ssl_verify, str)):
        lit.ssl_verify = wanted
        cache = getattr(lit, "in_memory_llm_clients_cache", None)
        if cache is not None and hasattr(cache, "flush_cache"):
            cache.flush_cache()


@dataclass
class Completion:
    content: str
    tool_calls: list[ToolCall]
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    duration_s: float
    cost: float = 0.0
    notes: list[str] = field(default_factory=list)
    call_ids_seen: list[str] = field(default_factory=list)  # raw ids, for server fingerprinting


@dataclass
class Learned:
    """What one server taught about one model, kept across settings changes: its self-description
    (probed once), a context limit it reported in an error, and how its token counts compare to ours."""

    server: ServerInfo | None = None
    context_limit: ContextInfo | None = None
    calibration: float = 1.0  # server tokens / our estimate, learned from reported usage
    priced: bool | None = None
    stream_tools: bool | None = None  # False: this server sends tool calls only in non-streamed replies


class LLMClient:
    """Talks to one ModelEntry, with what was learned about its server (shared through ``learned``)."""

    def __init__(self, entry: ModelEntry, learned: Learned | None = None):
        self.entry = open_recording(entry) if entry.replays else entry  # replay/FILE: read the recording
        self.learned = learned or Learned()
        self.context: ContextInfo | None = None
        self.recorder = None  # a record.Recorder while a run is recorded (--record FILE)
        apply_tls()

    # -- tokens and context ----------------------------------------------------------------
    def server_info(self) -> ServerInfo | None:
        """The server's self-description (probed once; None for hosted providers without api_base)."""
        if self.learned.server is None and self.entry.api_base and "api.openai.com" not in self.entry.api_base:
            self.learned.server = probe_server(self.entry.api_base, self.entry.api_key)
        return self.learned.server

    def context_info(self) -> ContextInfo:
        """The context window: configured or discovered, capped by a limit the server reported."""
        if self.context is None:
            found = discover_context(self.entry, get_litellm, self.server_info())
            limit = self.learned.context_limit
            self.context = limit if limit is not None and limit.tokens < found.tokens else found
        return self.context

    def learn_context_limit(self, limit: int) -> None:
        self.context = self.learned.context_limit = ContextInfo(limit, "server error message")

    def count_tokens(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> int:
        """Our estimate of the prompt tokens (LiteLLM's counter; cl100k for unknown models)."""
        lit = get_litellm()
        try:
            n = lit.token_counter(model=self.entry.model, messages=messages, tools=tools or None)
        except Exception:  # tokenizer trouble must never stop an investigation
            n = sum(len(str(m.get("content") or "")) for m in messages) // 3 + len(str(tools or "")) // 3
        return int(n)

    def count_text(self, text: str) -> int:
        """Tokens of a plain text (tool output), by the same counter."""
        if not text:
            return 0
        try:
            return int(get_litellm().token_counter(model=self.entry.model, text=text))
        except Exception:
            return len(text) // 3 + 1

    def estimate_prompt(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> int:
        """A safe upper estimate: our count, scaled by what the server reported before, plus a margin."""
        return int(math.ceil(self.count_tokens(messages, tools) * max(self.learned.calibration, 1.0) * 1.05)) + 16

    # -- the call --------------------------------------------------------------------------
    def complete(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        max_tokens: int | None = None,
        valid_names: list[str] | tuple[str, ...] = (),
        estimated_prompt: int | None = None,
        on_text: Callable[[str], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
        sampling: dict[str, Any] | None = None,
    ) -> Completion:
        """One model call. ``on_text``: stream the reply, handing on its text as it arrives (tool
        turns stay non-streamed for servers known to misbehave); ``on_notice``: told of each retry;
        ``sampling``: this request's own ``temperature``/``seed`` (a later answer sample)."""
        kwargs = self.entry.litellm_kwargs()
        kwargs.update(sampling or {})
        kwargs.update(messages=messages, timeout=self.entry.timeout, num_retries=0, max_retries=0)
        if tools:
            kwargs.update(tools=tools, tool_choice="auto")
        if max_tokens:
            kwargs["max_tokens"] = int(max_tokens)
        streamed = on_text is not None and self._may_stream(bool(tools))
        if not (streamed and tools):
            response, duration = self._request(kwargs, on_text if streamed else None, on_notice)
            return self._normalize(response, duration, list(valid_names), estimated_prompt, messages, tools)
        # A streamed tool turn: one try; an empty reply or an error is tried once more without
        # streaming, and a server that then answers properly keeps its tool turns non-streamed.
        try:
            response, duration = self._request(kwargs, on_text, on_notice, retries=0)
            completion = self._normalize(response, duration, list(valid_names), estimated_prompt, messages, tools)
            if completion.tool_calls or completion.content.strip():
                return completion
            why, retries = "sent no tool calls in a streamed reply", None
        except ContextOverflow:
            raise
        except ModelError as e:
            if self.entry.num_retries < 1 or not getattr(e, "retryable", False):  # the next try is a retry
                raise
            why, retries = f"failed a streamed request with tools ({e.message})", self.entry.num_retries - 1
        response, duration = self._request(kwargs, None, on_notice, retries=retries)
        completion = self._normalize(response, duration, list(valid_names), estimated_prompt, messages, tools)
        if completion.tool_calls:
            self.learned.stream_tools = False
            if on_notice is not None:
                on_notice(f"the server {why}; its tool turns are no longer streamed")
        return completion

    def _may_stream(self, tool_turn: bool) -> bool:
        if self.entry.replays:
            return False
        if not tool_turn:
            return True
        if self.learned.stream_tools is None:
            info = self.server_info()
            self.learned.stream_tools = streams_tool_turns(info.owned_by if info else ())
        return self.learned.stream_tools

    def _request(self, kwargs: dict[str, Any], on_text, on_notice, retries: int | None = None) -> tuple[Any, float]:
        """(response, seconds): bounded retries, each announced through ``on_notice``."""
        lit = get_litellm()
        sent = dict(kwargs, stream=True, stream_options={"include_usage": True}) if on_text is not None else kwargs
        attempt = 0
        while True:
            start = time.perf_counter()
            try:
                # a total deadline: the socket timeout alone never cuts off a server that trickles
                response = call_with_deadline(
                    lambda: self._send(lit, sent, on_text), total_deadline(self.entry.timeout)
                )
                break
            except Exception as e:  # every LiteLLM/OpenAI/httpx error is mapped below
                error, retry_after = map_error(e, self.entry, lit)
                error.retryable = retry_after is not None  # type: ignore[attr-defined]
                if retry_after is None or attempt >= (self.entry.num_retries if retries is None else retries):
                    if self.recorder is not None:
                        self.recorder.add(kwargs, error=error, duration_s=time.perf_counter() - start)
                    raise error from None
                attempt += 1
                wait = retry_after if retry_after > 0 else min(2 ** (attempt - 1), 8)
                if on_notice is not None:
                    on_notice(f"{error.message} - retry {attempt} of {self.entry.num_retries} in {wait:g} s")
                time.sleep(wait)
        duration = time.perf_counter() - start
        if self.recorder is not None:
            self.recorder.add(kwargs, response=response, duration_s=duration)
        return response, duration

    @staticmethod
    def _send(lit, kwargs: dict[str, Any], on_text):
        if on_text is None:
            return lit.completion(**kwargs)
        return lit.ModelResponse(**collect(lit.completion(**kwargs), on_text))

    def _normalize(self, response, duration, valid, estimated, messages, tools) -> Completion:
        choices = getattr(response, "choices", None) or []
        if not choices:
            raise ModelError(
                f"the model server at {where(self.entry)} returned no choices (an empty reply)",
                hint="check the server's log; the model may have crashed",
            )
        message = choices[0].message
        content = unescape_reply(getattr(message, "content", None))
        raw_calls = getattr(message, "tool_calls", None) or []
        ids = [str(getattr(tc, "id", "") or "") for tc in raw_calls]
        calls = parse_native_calls(raw_calls, valid)
        notes: list[str] = []
        if calls:
            text = content
        else:
            calls, text = parse_text_tool_calls(content, valid)
            if calls:
                notes.append(f"tool call parsed from text ({calls[0].source} format)")
        usage = getattr(response, "usage", None)
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        reported = prompt > 0
        if estimated is None:
            estimated = self.count_tokens(messages, tools)
        if reported and estimated:
            self.learned.calibration = max(self.learned.calibration, prompt / max(estimated / 1.05, 1))
        if not reported:
            prompt = estimated
        return Completion(
            content=text if calls else content,
            tool_calls=calls,
            finish_reason=getattr(choices[0], "finish_reason", None),
            prompt_tokens=prompt,
            completion_tokens=completion,
            duration_s=duration,
            cost=self._cost(response),
            notes=notes,
            call_ids_seen=ids,
        )

    def _cost(self, response) -> float:
        """Cost from LiteLLM's price map; unknown (local) models cost 0, without warnings."""
        lit = get_litellm()
        if self.learned.priced is None:
            try:
                lit.get_model_info(self.entry.model)
                self.learned.priced = not self.entry.api_base or "openai.com" in (self.entry.api_base or "")
            except Exception:
                self.learned.priced = False
        if not self.learned.priced:
            return 0.0
        try:
            return float(lit.completion_cost(completion_response=response) or 0.0)
        except Exception:
            return 0.0


class ClientCache:
    """Model clients for the current settings, sharing what was learned per server and model.

    A changed temperature, max_tokens or timeout takes effect at the next request (each ``get``
    returns a client for the entry as given); the probe, a context limit the server reported and
    the tokenizer calibration are kept for the same api_base, model and key. ``reset()`` forgets.

        clients = ClientCache(); client = clients.get(entry)
    """

    def __init__(self) -> None:
        self._learned: dict[tuple[str | None, str, str | None], Learned] = {}
        self._lock = threading.Lock()

    def get(self, entry: ModelEntry) -> LLMClient:
        key = (entry.api_base, entry.model, entry.api_key)
        with self._lock:
            learned = self._learned.setdefault(key, Learned())
        return LLMClient(entry, learned)

    def reset(self) -> None:
        with self._lock:
            self._learned.clear()
