"""Masking of API keys and redaction of secret-looking values: the one path every output takes.

``mask_key("sk-abcdef123456")`` -> ``"sk-...3456"``. :func:`scrub` is the one pass that every tool
output, answer, export, recording, capture, served object and error message goes through:

    scrub("DB_PASSWORD=hunter2 Authorization: Bearer eyJhbGciOi...")
    # -> "DB_PASSWORD=[REDACTED] Authorization: Bearer [REDACTED]"

Three kinds of rules find the spans to replace, all on the same input and all in linear time:

- keys (:mod:`holmes_nb.redact.keys`): values of secret-named keys and flags in any syntax
  (``password: x``, ``"db_pass": "x"``, ``pw=x``, ``--token x``, ``-o username=u,password=x``);
- context (:mod:`holmes_nb.redact.rules`): private keys and PGP armor, cut-off key bodies, bearer
  and basic credentials, JWTs, URL passwords (``redis://:x@host``), Azure strings, env entries, and
  short or positional command-line passwords (``mysql -px``, ``redis-cli -a x``, ``curl -u u:x``);
- formats (:mod:`holmes_nb.redact.formats`): token formats from detect-secrets and a few more
  (Stripe, Slack webhooks, SendGrid, Hugging Face, Vault, Google OAuth, ...) and high-entropy
  base64 tokens (a bare AWS secret access key).

Known API keys (``known_secrets``, filled by config loading) are masked first. :func:`redact_argv`
masks a command line token by token with the same rules, :func:`redact_obj` a whole Kubernetes
object, :func:`redact_url` a URL, :func:`scrub_frame` a DataFrame's text cells.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from holmes_nb.redact.formats import format_spans
from holmes_nb.redact.keys import REDACTED, Span, harmless, is_secret_name, keyed_spans
from holmes_nb.redact.rules import PRIVATE_KEY, rule_spans

__all__ = [
    "REDACTED",
    "is_secret_name",
    "known_secrets",
    "mask_key",
    "redact_argv",
    "redact_obj",
    "redact_url",
    "scrub",
    "scrub_frame",
]
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
            _scrub_short.cache_clear()  # a cached result may hold the new key

    def scrub(self, text: str) -> str:
        """Replace every known secret in ``text`` with its mask."""
        for s in sorted(self._secrets, key=len, reverse=True):
            if s in text:
                text = text.replace(s, mask_key(s))
        return text

    def clear(self) -> None:
        self._secrets.clear()
        _scrub_short.cache_clear()


#: process-wide registry; config loading registers every api_key it resolves
known_secrets = SecretRegistry()


@functools.cache
def _quick_test() -> re.Pattern[str]:
    """A short text without any of these cannot hold a secret: every rule, format and keyword
    needs one (each module says which), so most strings of an object cost one regex search."""
    from holmes_nb.redact.formats import gate_patterns
    from holmes_nb.redact.rules import needle_patterns

    stems = "(?i:pass|pwd|pw|secret|token|key|cred|cookie|session|auth)"
    return re.compile("|".join([stems, *needle_patterns(), *gate_patterns()]))


def _spans(text: str) -> list[Span]:
    """Every span to replace, sorted and merged (a private key wins over what it covers)."""
    found = sorted(keyed_spans(text) + rule_spans(text) + format_spans(text))
    merged: list[Span] = []
    for a, b, label in found:
        if merged and a < merged[-1][1]:
            pa, pb, plabel = merged[-1]
            merged[-1] = (pa, max(pb, b), PRIVATE_KEY if PRIVATE_KEY in (plabel, label) else plabel)
        else:
            merged.append((a, b, label))
    return merged


def _apply(text: str, spans: list[Span]) -> str:
    parts, last = [], 0
    for a, b, label in spans:
        parts += [text[last:a], label]
        last = b
    parts.append(text[last:])
    return "".join(parts)


def scrub(text: str) -> str:
    """Remove known keys and every secret-looking value (see the module doc) from a string."""
    if not text:
        return text
    if len(text) <= 256:  # the strings of an object repeat (images, reasons, names): cached
        return _scrub_short(text)
    return _scrub(text)


def _scrub(text: str) -> str:
    text = known_secrets.scrub(text)
    if len(text) < 2048 and not _quick_test().search(text):
        return text
    spans = _spans(text)
    return _apply(text, spans) if spans else text


@functools.lru_cache(maxsize=8192)
def _scrub_short(text: str) -> str:
    return _scrub(text)


def redact_argv(args: list[Any] | None) -> list[str]:
    """A command line with every secret masked, token by token: the rules see the whole line, so
    ``-p X`` after ``docker login`` and ``--token X`` are found; a value after ``=`` or a whole
    token becomes ``***`` (``--db-password=***``), anything else ``[REDACTED]``."""
    tokens = [known_secrets.scrub(str(a)) for a in args or []]
    line = " ".join(tokens)
    spans = _spans(line) if line else []
    out, offset = [], 0
    for tok in tokens:
        end = offset + len(tok)
        mine = [
            (max(a, offset) - offset, min(b, end) - offset, label) for a, b, label in spans if a < end and b > offset
        ]
        out.append(_apply(tok, [(a, b, _argv_label(tok, a, b, label)) for a, b, label in mine]))
        offset = end + 1
    return out


def _argv_label(tok: str, a: int, b: int, label: str) -> str:
    whole = a == 0 and b == len(tok)
    after_flag = tok.startswith("-") and a > 0 and tok[a - 1] in "=:" and b == len(tok) and "://" not in tok
    return "***" if label == REDACTED and (whole or after_flag) else label


#: fields whose string values the API server sets or that are names and enums, never secrets: not
#: scrubbed, so a large object costs a few scrubs, not hundreds
_PLAIN_FIELDS = frozenset(
    [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "deletionTimestamp",
        "generation",
        "startedAt",
        "finishedAt",
        "startTime",
        "lastTransitionTime",
        "lastProbeTime",
        "lastHeartbeatTime",
        "lastUpdateTime",
        "lastTimestamp",
        "firstTimestamp",
        "eventTime",
        "imageID",
        "containerID",
        "podIP",
        "hostIP",
        "ip",
        "clusterIP",
        "nodeName",
        "phase",
        "qosClass",
        "type",
        "status",
        "kind",
        "apiVersion",
        "namespace",
        "restartPolicy",
        "dnsPolicy",
        "schedulerName",
        "serviceAccountName",
        "serviceAccount",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "imagePullPolicy",
        "mountPath",
        "protocol",
        "fieldPath",
        "operator",
        "effect",
    ]
)
#: probe header names whose values are no secret; every other header value is redacted
_PLAIN_HEADERS = {"host", "accept", "user-agent", "content-type", "accept-encoding", "connection", "x-forwarded-proto"}


@functools.lru_cache(maxsize=4096)
def _secret_key(name: str) -> bool:
    """:func:`is_secret_name` for an object's keys and env names, which repeat from object to object."""
    return is_secret_name(name)


def redact_obj(obj: Any) -> Any:
    """A deep copy of a Kubernetes object (or any JSON value) fit to be written or shown: values of
    secret-named env entries, keys and headers become ``[REDACTED]``, ``command``/``args`` lists are
    masked like :func:`redact_argv`, and every string is scrubbed."""
    if isinstance(obj, str):
        return scrub(obj)
    if isinstance(obj, list):
        return [redact_obj(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    secret_entry = isinstance(obj.get("name"), str) and "value" in obj and _secret_key(obj["name"])
    for k, v in obj.items():
        if isinstance(v, str):  # leaves inline: most of an object's values (a pod has ~100)
            if k in _PLAIN_FIELDS or not v:
                out[k] = v
            elif (k == "value" and secret_entry) or (_secret_key(k) and not harmless(v)):
                out[k] = REDACTED
            else:
                out[k] = scrub(v)
        elif v is None or isinstance(v, (bool, int, float)):
            out[k] = v
        elif k in ("command", "args") and isinstance(v, list):
            out[k] = redact_argv(v)
        elif k == "httpHeaders" and isinstance(v, list):
            out[k] = [_redact_header(h) for h in v]
        else:
            out[k] = redact_obj(v)
    return out


def _redact_header(header: Any) -> Any:
    if isinstance(header, dict) and str(header.get("name", "")).lower() not in _PLAIN_HEADERS and header.get("value"):
        return {**redact_obj(header), "value": REDACTED}
    return redact_obj(header)


def redact_url(url: Any) -> str:
    """A URL fit to print: its password (``https://user:pw@host``) and secret query values masked."""
    return scrub(str(url)) if url is not None else ""


def scrub_frame(frame: Any) -> Any:
    """A DataFrame whose text cells are scrubbed (the same frame when no cell changes)."""
    if frame is None or not hasattr(frame, "columns") or not len(frame):
        return frame
    changed = False

    def one(value: Any) -> Any:
        nonlocal changed
        if isinstance(value, str) and value:
            new = scrub(value)
            if new != value:
                changed = True
            return new
        return value

    cols = [c for c in frame.columns if frame[c].dtype == object or "str" in str(frame[c].dtype)]
    if not cols:
        return frame
    scrubbed = {c: frame[c].map(one) for c in cols}
    if not changed:
        return frame
    out = frame.copy()
    for c, series in scrubbed.items():
        out[c] = series
    return out
