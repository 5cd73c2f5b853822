"""How a failed model call is told: every LiteLLM/OpenAI/httpx exception becomes a ModelError
with a hint, and whether (and after how long) it is worth retrying.

    error, retry_after = map_error(exc, entry, litellm)   # retry_after None: do not retry
"""

from __future__ import annotations

import re
from typing import Any

from holmes_nb.errors import HolmesError, ModelError
from holmes_nb.llm.deadline import DeadlineExceeded, total_deadline
from holmes_nb.llm.entry import ModelEntry
from holmes_nb.redact import scrub


class ContextOverflow(ModelError):
    """The server said the request does not fit; ``limit`` is its context size when it said so."""

    def __init__(self, message: str, limit: int | None):
        super().__init__(message, hint="holmes-nb will shrink the request and retry")
        self.limit = limit


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
#: transport failures: no HTTP answer came at all (refused, DNS, TLS, dropped)
_CONNECTION_ERRORS = {
    "APIConnectionError",
    "ConnectError",
    "ConnectionRefusedError",
    "RemoteProtocolError",
    "SSLError",
    "SSLCertVerificationError",
    "ReadError",
}
#: "litellm.InternalServerError: InternalServerError: OpenAIException - ": library names, not news
_LIBRARY_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*)?(?:\w+Error:\s*)?(?:\w+Exception\s*-\s*)?")


def context_limit_from_error(text: str) -> int | None:
    for pattern in _CONTEXT_PATTERNS:
        m = re.search(pattern, text, re.I)
        if m:
            return int(m.group(1))
    return None


def exception_chain(e: BaseException, limit: int = 8) -> list[BaseException]:
    """``e`` and the exceptions it was raised from or during, outermost first (at most ``limit``).
    LiteLLM wraps the transport's errors, so what happened is often only in this chain."""
    chain: list[BaseException] = []
    cur: BaseException | None = e
    while cur is not None and len(chain) < limit:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    return chain


def where(entry: ModelEntry) -> str:
    """The server for messages: its api_base, or the provider of a hosted model."""
    return entry.api_base or f"the {entry.model.split('/')[0]} provider"


def map_error(e: Exception, entry: ModelEntry, lit: Any) -> tuple[HolmesError, float | None]:
    """(error to raise, seconds to wait before retrying, or None when not retryable)."""
    chain = exception_chain(e)
    held = next((x for x in chain if isinstance(x, HolmesError)), None)
    if held is not None:  # raised on purpose inside LiteLLM (the replay provider): keep it as is
        return held, None
    name = type(e).__name__
    text = scrub(str(getattr(e, "message", None) or e)).strip().splitlines()[0][:300] if str(e) else name
    text = _LIBRARY_PREFIX.sub("", text) or name
    text = text.split("Traceback (most recent call last)")[0].strip(" :") or name  # a library's traceback
    at = where(entry)
    garbled = _undecodable_reply(chain)
    if garbled is not None:  # HTTP 200 with a body that is not JSON: a proxy, a web page, a crash
        return ModelError(
            f"the model server at {at} sent {garbled}",
            hint="is api_base the server's OpenAI-compatible /v1 URL? check the server's log",
        ), 0
    if "Invalid response object" in text:  # LiteLLM could not build a response from the reply
        return ModelError(
            f"the model server at {at} sent a reply that is not a valid chat completion "
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
            f"{at} rejected the API key (401 Unauthorized)",
            hint="set OPENAI_API_KEY, or api_key in the modelList entry",
        ), None
    if isinstance(e, lit.NotFoundError) or status == 404:
        return ModelError(
            f"{at} does not serve model {entry.model.split('/', 1)[-1]!r} (404): {text}",
            hint="list the served ids with: holmes-nb check-model",
        ), None
    if isinstance(e, lit.RateLimitError) or status == 429:
        return ModelError(
            f"{at} is rate limiting requests (429): {text}", hint="wait and retry, or lower the request rate"
        ), _retry_after(e)
    if isinstance(e, DeadlineExceeded):  # still sending when time was up: asking again would trickle again
        return ModelError(
            f"{at} did not finish its reply within {total_deadline(entry.timeout):g} s (it was still sending)",
            hint="the server is too slow or stuck; raise 'timeout' in the modelList entry or check the server",
        ), None
    if isinstance(e, lit.Timeout) or "timed out" in text.lower() or "timeout" in name.lower():
        return ModelError(
            f"no answer from {at} within {entry.timeout:g} s",
            hint="the server may be overloaded; raise 'timeout' in the modelList entry",
        ), 0
    if {type(x).__name__ for x in chain} & _CONNECTION_ERRORS or _says_connection(text):
        dropped, cause = _transport_cause(chain)
        if dropped:  # it answered, then hung up (a crash or a proxy timeout mid-reply)
            return ModelError(
                f"the model server at {at} dropped the connection: {cause or text}",
                hint="check the server's log; holmes-nb retried with backoff",
            ), 0
        return ModelError(
            f"cannot reach the model server at {at}: {cause or text}",
            hint="is the server running? check OPENAI_API_BASE / api_base",
        ), 0
    if isinstance(e, lit.BadRequestError) or status == 400:
        return ModelError(f"{at} rejected the request (400): {text}", hint=_bad_request_hint(text)), None
    if (status or 0) >= 500 or isinstance(
        e, (lit.InternalServerError, lit.ServiceUnavailableError, lit.APIConnectionError, lit.APIError)
    ):
        return ModelError(
            f"the model server at {at} failed: {text}", hint="check the server's log; holmes-nb retried with backoff"
        ), 0
    return ModelError(f"model call failed ({name}): {text}"), None


def _undecodable_reply(chain: list[BaseException]) -> str | None:
    """ "an empty reply" / "a reply that is not JSON (...)" when the response body could not be
    decoded (LiteLLM buries the JSONDecodeError in its exception chain), else None."""
    for cur in chain:
        doc = getattr(cur, "doc", None)
        if type(cur).__name__ == "JSONDecodeError" and isinstance(doc, str):
            body = " ".join(doc.split())
            if not body:
                return "an empty reply (HTTP 200 with no body)"
            return f"a reply that is not JSON (it starts with {scrub(body[:60])!r})"
    return None


def _says_connection(text: str) -> bool:
    """LiteLLM reports a refused connection as a 500 InternalServerError "Connection error."."""
    return "connection error" in text.lower() or "connection refused" in text.lower()


def _transport_cause(chain: list[BaseException]) -> tuple[bool, str]:
    """(the server dropped an open connection, the transport's own message such as 'Connection
    refused') from the innermost exception of the chain; LiteLLM only says 'Connection error.'"""
    last = chain[-1]
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
