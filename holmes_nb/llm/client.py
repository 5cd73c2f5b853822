"""One completion call through LiteLLM: timeouts, bounded retries, clear errors, token accounting.

LiteLLM is imported on first use (its import costs ~3 s of CPU), with
``LITELLM_LOCAL_MODEL_COST_MAP=True`` unless the user set it, so an offline machine does not
spend ~8 s retrying a download of the model cost map.

    client = LLMClient(entry)
    completion = client.complete(messages, tools=schemas, max_tokens=512)
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

from holmes_nb.config import ModelEntry
from holmes_nb.errors import HolmesError, ModelError
from holmes_nb.llm.compat import ToolCall, parse_native_calls, parse_text_tool_calls, unescape_reply
from holmes_nb.llm.context import ContextInfo, ServerInfo, discover_context, probe_server
from holmes_nb.llm.deadline import DeadlineExceeded, call_with_deadline, total_deadline
from holmes_nb.redact import scrub

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
        from holmes_nb.llm.replay import register_provider

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


class ContextOverflow(ModelError):
    """The server said the request does not fit; ``limit`` is its context size when it said so."""

    def __init__(self, message: str, limit: int | None):
        super().__init__(message, hint="holmes-nb will shrink the request and retry")
        self.limit = limit


@dataclass
class Completion:
    content: str
    tool_calls: list[ToolCall]
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    duration_s: float
    cost: float = 0.0
    usage_reported: bool = True
    notes: list[str] = field(default_factory=list)
    call_ids_seen: list[str] = field(default_factory=list)  # raw ids, for server fingerprinting


_CONTEXT_PATTERNS = [
    r"maximum context length is (\d+)",
    r"exceeds? (?:the )?context window of (\d+)",
    r"context (?:window|length|size) (?:of|is) (\d+)",
    r"n_ctx[^\d]{0,20}(\d+)",
    r"max_model_len[^\d]{0,20}(\d+)",
]
_CONTEXT_WORDS = (
    "context length",
    "context window",
    "context_length_exceeded",
    "n_ctx",
    "too many tokens",
    "max_model_len",
    "exceed context",
)


def context_limit_from_error(text: str) -> int | None:
    for pattern in _CONTEXT_PATTERNS:
        m = re.search(pattern, text, re.I)
        if m:
            return int(m.group(1))
    return None


class LLMClient:
    """Talks to one ModelEntry. Holds what it learned: context window, tokenizer calibration."""

    def __init__(self, entry: ModelEntry):
        self.entry = entry
        self.context: ContextInfo | None = None
        self._server: ServerInfo | None = None
        self._calibration = 1.0  # server tokens / our estimate, learned from reported usage
        self._priced: bool | None = None
        self.recorder = None  # a record.Recorder while a run is recorded (--record FILE)
        apply_tls()

    # -- tokens and context ----------------------------------------------------------------
    def server_info(self) -> ServerInfo | None:
        """The server's self-description (probed once; None for hosted providers without api_base)."""
        if self._server is None and self.entry.api_base and "api.openai.com" not in self.entry.api_base:
            self._server = probe_server(self.entry.api_base, self.entry.api_key)
        return self._server

    def context_info(self) -> ContextInfo:
        if self.context is None:
            self.context = discover_context(self.entry, get_litellm, self.server_info())
        return self.context

    def learn_context_limit(self, limit: int) -> None:
        self.context = ContextInfo(limit, "server error message")

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
        return int(math.ceil(self.count_tokens(messages, tools) * max(self._calibration, 1.0) * 1.05)) + 16

    # -- the call --------------------------------------------------------------------------
    def complete(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        max_tokens: int | None = None,
        valid_names: list[str] | tuple[str, ...] = (),
        estimated_prompt: int | None = None,
    ) -> Completion:
        lit = get_litellm()
        kwargs = self.entry.litellm_kwargs()
        kwargs.update(messages=messages, timeout=self.entry.timeout, num_retries=0, max_retries=0)
        if tools:
            kwargs.update(tools=tools, tool_choice="auto")
        if max_tokens:
            kwargs["max_tokens"] = int(max_tokens)
        attempt = 0
        while True:
            start = time.perf_counter()
            try:
                # a total deadline: the socket timeout alone never cuts off a server that trickles
                response = call_with_deadline(lambda: lit.completion(**kwargs), total_deadline(self.entry.timeout))
                break
            except Exception as e:  # every LiteLLM/OpenAI/httpx error is mapped below
                error, retry_after = self._map_error(e)
                if retry_after is None or attempt >= self.entry.num_retries:
                    if self.recorder is not None:
                        self.recorder.add(kwargs, error=error, duration_s=time.perf_counter() - start)
                    raise error from None
                attempt += 1
                time.sleep(retry_after if retry_after > 0 else min(2 ** (attempt - 1), 8))
        duration = time.perf_counter() - start
        if self.recorder is not None:
            self.recorder.add(kwargs, response=response, duration_s=duration)
        return self._normalize(response, duration, list(valid_names), estimated_prompt, messages, tools)

    def _normalize(self, response, duration, valid, estimated, messages, tools) -> Completion:
        choices = getattr(response, "choices", None) or []
        if not choices:
            raise ModelError(
                f"the model server at {self._where()} returned no choices (an empty reply)",
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
            self._calibration = max(self._calibration, prompt / max(estimated / 1.05, 1))
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
            usage_reported=reported,
            notes=notes,
            call_ids_seen=ids,
        )

    def _cost(self, response) -> float:
        """Cost from LiteLLM's price map; unknown (local) models cost 0, without warnings."""
        lit = get_litellm()
        if self._priced is None:
            try:
                lit.get_model_info(self.entry.model)
                self._priced = not self.entry.api_base or "openai.com" in (self.entry.api_base or "")
            except Exception:
                self._priced = False
        if not self._priced:
            return 0.0
        try:
            return float(lit.completion_cost(completion_response=response) or 0.0)
        except Exception:
            return 0.0

    # -- errors ----------------------------------------------------------------------------
    def _where(self) -> str:
        return self.entry.api_base or f"the {self.entry.model.split('/')[0]} provider"

    def _map_error(self, e: Exception) -> tuple[ModelError, float | None]:
        """(error to raise, seconds to wait before retrying or None when not retryable)."""
        lit = get_litellm()
        held = _holmes_error_in(e)
        if held is not None:  # raised on purpose inside LiteLLM (the replay provider): keep it as is
            return held, None
        name = type(e).__name__
        text = scrub(str(getattr(e, "message", None) or e)).strip().splitlines()[0][:300] if str(e) else name
        text = _LIBRARY_PREFIX.sub("", text) or name
        text = text.split("Traceback (most recent call last)")[0].strip(" :") or name  # a library's traceback
        where = self._where()
        garbled = _undecodable_reply(e)
        if garbled is not None:  # HTTP 200 with a body that is not JSON: a proxy, a web page, a crash
            return ModelError(
                f"the model server at {where} sent {garbled}",
                hint="is api_base the server's OpenAI-compatible /v1 URL? check the server's log",
            ), 0
        if "Invalid response object" in text:  # LiteLLM could not build a response from the reply
            return ModelError(
                f"the model server at {where} sent a reply that is not a valid chat completion "
                "(a null choice, or a part nested too deeply)",
                hint="check the server's log; the model or its server may have crashed",
            ), None
        status = getattr(e, "status_code", None)
        if isinstance(e, lit.ContextWindowExceededError) or any(w in text.lower() for w in _CONTEXT_WORDS):
            return ContextOverflow(
                f"the request did not fit the model's context window: {text}", context_limit_from_error(text)
            ), None
        if isinstance(e, lit.AuthenticationError) or status == 401 or "missing credentials" in text.lower():
            return ModelError(
                f"{where} rejected the API key (401 Unauthorized)",
                hint="set OPENAI_API_KEY, or api_key in the modelList entry",
            ), None
        if isinstance(e, lit.NotFoundError) or status == 404:
            return ModelError(
                f"{where} does not serve model {self.entry.model.split('/', 1)[-1]!r} (404): {text}",
                hint="list the served ids with: holmes-nb check-model",
            ), None
        if isinstance(e, lit.RateLimitError) or status == 429:
            return ModelError(
                f"{where} is rate limiting requests (429): {text}", hint="wait and retry, or lower the request rate"
            ), _retry_after(e)
        if isinstance(e, DeadlineExceeded):  # still sending when time was up: asking again would trickle again
            return ModelError(
                f"{where} did not finish its reply within {total_deadline(self.entry.timeout):g} s (it was still sending)",
                hint="the server is too slow or stuck; raise 'timeout' in the modelList entry or check the server",
            ), None
        if isinstance(e, lit.Timeout) or "timed out" in text.lower() or "timeout" in name.lower():
            return ModelError(
                f"no answer from {where} within {self.entry.timeout:g} s",
                hint="the server may be overloaded; raise 'timeout' in the modelList entry",
            ), 0
        if _is_connection_problem(e, text):
            dropped, cause = _transport_cause(e)
            if dropped:  # it answered, then hung up (a crash or a proxy timeout mid-reply)
                return ModelError(
                    f"the model server at {where} dropped the connection: {cause or text}",
                    hint="check the server's log; holmes-nb retried with backoff",
                ), 0
            return ModelError(
                f"cannot reach the model server at {where}: {cause or text}",
                hint="is the server running? check OPENAI_API_BASE / api_base",
            ), 0
        if isinstance(e, lit.BadRequestError) or status == 400:
            return ModelError(f"{where} rejected the request (400): {text}", hint=_bad_request_hint(text)), None
        if (status or 0) >= 500 or isinstance(
            e, (lit.InternalServerError, lit.ServiceUnavailableError, lit.APIConnectionError, lit.APIError)
        ):
            return ModelError(
                f"the model server at {where} failed: {text}",
                hint="check the server's log; holmes-nb retried with backoff",
            ), 0
        return ModelError(f"model call failed ({name}): {text}"), None


#: "litellm.InternalServerError: InternalServerError: OpenAIException - ": library names, not news
_LIBRARY_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*)?(?:\w+Error:\s*)?(?:\w+Exception\s*-\s*)?")


def _undecodable_reply(e: BaseException) -> str | None:
    """ "an empty reply" / "a reply that is not JSON (...)" when the response body could not be
    decoded (LiteLLM buries the JSONDecodeError in its exception chain), else None."""
    cur, depth = e, 0
    while cur is not None and depth < 8:
        if type(cur).__name__ == "JSONDecodeError" and isinstance(getattr(cur, "doc", None), str):
            body = " ".join(cur.doc.split())
            if not body:
                return "an empty reply (HTTP 200 with no body)"
            return f"a reply that is not JSON (it starts with {scrub(body[:60])!r})"
        cur, depth = cur.__cause__ or cur.__context__, depth + 1
    return None


def _holmes_error_in(e: BaseException) -> HolmesError | None:
    cur, depth = e, 0
    while cur is not None and depth < 8:
        if isinstance(cur, HolmesError):
            return cur
        cur, depth = cur.__cause__ or cur.__context__, depth + 1
    return None


def _is_connection_problem(e: BaseException, text: str) -> bool:
    """True when no HTTP answer came at all (refused, DNS, TLS, dropped). LiteLLM reports these as
    a 500 InternalServerError "Connection error.", so look at the exception chain and the text."""
    names, cur, depth = set(), e, 0
    while cur is not None and depth < 8:
        names.add(type(cur).__name__)
        cur, depth = cur.__cause__ or cur.__context__, depth + 1
    if names & {
        "APIConnectionError",
        "ConnectError",
        "ConnectionRefusedError",
        "RemoteProtocolError",
        "SSLError",
        "SSLCertVerificationError",
        "ReadError",
    }:
        return True
    return "connection error" in text.lower() or "connection refused" in text.lower()


def _transport_cause(e: BaseException) -> tuple[bool, str]:
    """(the server dropped an open connection, the transport's own message such as 'Connection
    refused') from the innermost exception of the chain; LiteLLM only says 'Connection error.'"""
    cur, depth, last = e, 0, e
    while cur is not None and depth < 8:
        last, cur, depth = cur, cur.__cause__ or cur.__context__, depth + 1
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", scrub(str(last)).strip().splitlines()[0] if str(last) else "")
    return type(last).__name__ in ("RemoteProtocolError", "ReadError"), text[:200]


def _retry_after(e: Exception) -> float:
    response = getattr(e, "response", None)
    headers = getattr(response, "headers", None) or getattr(e, "litellm_response_headers", None) or {}
    value = None
    try:
        value = headers.get("retry-after") or headers.get("Retry-After")
    except AttributeError:
        pass
    try:
        return min(max(float(value), 0.1), 30.0) if value is not None else 2.0
    except ValueError:
        return 2.0


def _bad_request_hint(text: str) -> str:
    low = text.lower()
    if "does not support tools" in low or "tool" in low and "not support" in low:
        return "this model or server has no tool calling; Ollama: pick a model with tool support"
    if "--jinja" in low:
        return "start llama-server with --jinja so it can handle tools"
    if "enable-auto-tool-choice" in low or "tool-call-parser" in low:
        return "start vLLM with --enable-auto-tool-choice --tool-call-parser <parser>"
    return "see the server's message; `holmes-nb check-model` shows what the server supports"
