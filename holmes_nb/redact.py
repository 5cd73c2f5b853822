"""Masking of API keys and redaction of secret-looking values.

``mask_key("sk-abcdef123456")`` -> ``"sk-...3456"``. Used by every repr, log line, error
message and written file that could otherwise carry a key. :func:`scrub` is the one pass that
every tool output, export and written file goes through:

    scrub("DB_PASSWORD=hunter2 Authorization: Bearer eyJhbGciOi...")
    # -> "DB_PASSWORD=[REDACTED] Authorization: Bearer [REDACTED]"

It removes known API keys (``known_secrets``), bearer/basic credentials, JWTs, cloud keys (AWS
``AKIA``/``ASIA`` ids, GCP API keys, Azure ``AccountKey=``/``SharedAccessSignature=``), well-known
token formats (GitHub, Slack, OpenAI), PEM private keys, URL passwords, values of secret-named keys
(``password: x``, ``"api_key": "x"``, ``--token=x``, ``--password x``) and secret-named env entries
(``{"name": "DB_PASSWORD", "value": "x"}``). Each rule runs only when a cheap substring test says
it could match, so a 1 MB log costs a few milliseconds. :func:`redact_obj` redacts a whole
Kubernetes object (env values by name, command lines, every string); :func:`scrub_frame` a
DataFrame's text cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_PLACEHOLDER_KEYS = {"", "not-needed", "none", "null", "no-key", "dummy", "sk-no-key-required", "empty"}
REDACTED = "[REDACTED]"


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

# -- what a secret-named key looks like -----------------------------------------------------------
#: words whose value is a secret (``DB_PASSWORD``, ``client_secret``, ``X-Api-Key``, ``secretKey``)
_KEYWORDS = (
    r"pass(?:word|wd|phrase)|[_-]pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|signing[_-]?key|encryption[_-]?key|credentials?|cookie|session[_-]?(?:id|key)"
)
_KEYWORD = re.compile(_KEYWORDS, re.IGNORECASE)
#: a key ending like this names something about a secret, not the secret (``secretName``, ``tokenPath``)
_NOT_A_VALUE = re.compile(
    r"(?:name|names|ref|keyref|file|path|dir|type|id|ids|ttl|len|length|count|size|limit|expiry|expires|expiration"
    r"|at|seconds|mode|enabled|format|version|url|uri|endpoint|host|port|user|username|policy|provider|source"
    r"|kind|hint|rotation|header|field|store|mount|volume)$",
    re.IGNORECASE,
)
_HARMLESS_VALUES = {
    "",
    "true",
    "false",
    "null",
    "none",
    "nil",
    "yes",
    "no",
    "required",
    "optional",
    "redacted",
    "***",
    "****",
    "*****",
    "xxx",
    "changeme",
    "undefined",
    "empty",
    "unset",
    "set",
    "[redacted]",
}
_FLAG_SECRET = re.compile(r"(?i)(pass(word|wd)?|secret|token|api[_-]?key|credential|pwd|auth)")


def _secret_suffix(keyword: str, suffix: str) -> bool:
    """True when ``keyword+suffix`` still names a secret: ``token`` / ``token_value`` / ``secretKey``,
    not ``tokens``, ``tokenizer``, ``secretName`` or ``password_file``."""
    if suffix and not (suffix[0] in "_.-" or (suffix[0].isupper() and keyword[-1].islower())):
        return False
    return not _NOT_A_VALUE.search(keyword + suffix)


def is_secret_name(name: str) -> bool:
    """True for names of variables/keys that hold secrets: ``DB_PASSWORD``, ``GITHUB_TOKEN``,
    ``AWS_SECRET_ACCESS_KEY``, ``apiKey``; False for ``TOKEN_FILE``, ``secretName``, ``max_tokens``."""
    text = str(name)
    for m in _KEYWORD.finditer(text):
        end = m.end()
        rest = re.match(r"[A-Za-z0-9_.-]*", text[end:]).group(0)
        if _secret_suffix(m.group(0), rest):
            return True
    return False


def _harmless(value: str) -> bool:
    v = value.strip().strip("\"'").lower()
    return v in _HARMLESS_VALUES or v.startswith(("[redacted", "$", "<", "{{", "sk-...")) or set(v) <= {"*", "x"}


# -- the rules ---------------------------------------------------------------------------------
# Every pattern starts with a literal, which the regex engine finds with a fast scan: an unanchored
# case-insensitive alternation costs ten times more on a large log.
_Q = r"\\?[\"']?"  # an optional quote, maybe JSON-escaped
_SEP = _Q + r"[ \t]*[:=][ \t]*" + _Q
_VALUE = r"(?P<val>[^\s\"'\\,;&<>(){}\[\]|]+)"


def _keep_until(m: re.Match, group: str = "val") -> str:
    """The match with group ``val`` replaced (left as is when the value is harmless)."""
    if _harmless(m.group(group)):
        return m.group(0)
    whole, a, b = m.group(0), m.start(group) - m.start(0), m.end(group) - m.start(0)
    return whole[:a] + REDACTED + whole[b:]


def _sub_bearer(m: re.Match) -> str:
    before = m.string[m.start() - 1 : m.start()]
    return _keep_until(m) if before in ("B", "b") else m.group(0)


def _sub_env(m: re.Match) -> str:
    return _keep_until(m) if is_secret_name(m.group("name")) else m.group(0)


def _sub_key_line(m: re.Match) -> str:
    body = m.group("val")
    looks_random = any(c.isupper() for c in body) and any(c.islower() for c in body) and any(c.isdigit() for c in body)
    return m.group("pre") + REDACTED if looks_random else m.group(0)


_TOKEN_CHARS = r"(?P<val>[A-Za-z0-9._~+/=-]{8,})"
_AUTH = _SEP + r"(?:(?:[Bb]earer|[Bb]asic|[Tt]oken|[Dd]igest|[Nn]egotiate|BEARER|BASIC)[ \t]+)?(?P<val>[^\s\"'\\,;]+)"
_RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match], str]]] = [
    (
        re.compile(
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s\\]*)",
            re.DOTALL,
        ),
        "[REDACTED PRIVATE KEY]",
    ),
    # a key's body lines whose BEGIN line was cut off (a log tail): lines of nothing but base64 that
    # look random (upper and lower case and digits), so a rule of dashes or a hex digest stays
    (re.compile(r"(?P<pre>\n)(?P<val>[A-Za-z0-9+/]{40,}={0,2})(?=\r?\n|\Z)"), _sub_key_line),
    (re.compile(r"(?P<pre>\\n)(?P<val>[A-Za-z0-9+/]{40,}={0,2})(?=\\n|\Z)"), _sub_key_line),
    (re.compile(r"\A(?P<pre>)(?P<val>[A-Za-z0-9+/]{40,}={0,2})(?=\r?\n|\Z)"), _sub_key_line),
    (re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?"), REDACTED),  # JWT
    (re.compile(r"earer\s+" + _TOKEN_CHARS), _sub_bearer),
    (re.compile(r"BEARER\s+" + _TOKEN_CHARS), _keep_until),
    (re.compile(r"uthorization" + _AUTH), _keep_until),
    (re.compile(r"UTHORIZATION" + _AUTH), _keep_until),
    (re.compile(r"://[^:/\s@\"'\\]+:(?P<val>[^@\s/\"'\\]+)@"), _keep_until),  # URL password
    (re.compile(r"A[KS]IA[A-Z0-9]{16}\b"), REDACTED),  # AWS access key ids
    (re.compile(r"A[BC]CA[A-Z0-9]{16}\b"), REDACTED),
    (re.compile(r"AIza[0-9A-Za-z_-]{35}"), REDACTED),  # GCP API key
    (re.compile(r"AccountKey=(?P<val>[^;\s\"'&\\]+)"), _keep_until),  # Azure connection strings
    (re.compile(r"SharedAccess(?:Key|Signature)=(?P<val>[^;\s\"'&\\]+)"), _keep_until),
    (re.compile(r"sig=(?P<val>[^;\s\"'&\\]+)"), _keep_until),  # Azure SAS URLs
    (re.compile(r"gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"), REDACTED),
    (re.compile(r"xox[abposr]-[A-Za-z0-9-]{10,}"), REDACTED),  # Slack
    (re.compile(r"sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"), REDACTED),  # OpenAI, Anthropic
    (re.compile(r"glpat-[A-Za-z0-9_-]{20,}"), REDACTED),  # GitLab
    (
        re.compile(
            r"name"
            + _SEP
            + r"(?P<name>[A-Za-z0-9_.-]+)"
            + _Q
            + r"[ \t]*,?(?:\s|\\[nr])*"
            + _Q
            + r"value"
            + _SEP
            + r"(?P<val>[^\"'\\\r\n,}]+)"
        ),
        _sub_env,
    ),  # env entries: name first, then value
]
#: lowercase stems of _KEYWORDS: where a secret-named key may start
_STEMS = [re.compile(s) for s in ("pass", "pwd", "secret", "token", "key", "credential", "cookie", "session")]
_STEMS_ANY_CASE = [re.compile(p.pattern, re.IGNORECASE) for p in _STEMS]
_ID_TAIL = re.compile(r"[A-Za-z0-9_.-]{0,80}\Z")
_KEYED = re.compile(r"[A-Za-z0-9_.-]*?(?P<kw>(?i:" + _KEYWORDS + r"))(?P<suf>[A-Za-z0-9_.-]*?)" + _SEP + _VALUE)
_FLAG = re.compile(
    r"--?[A-Za-z0-9_-]*?(?P<kw>(?i:" + _KEYWORDS + r"))(?P<suf>[A-Za-z0-9_-]*)[ \t]+"
    r"(?P<val>[^\s\"'\\-][^\s\"'\\]*)"
)  # --token VALUE
#: any of these in a short text (lowercased) means a rule could match
_ANY = re.compile(
    r"private key|eyj|bearer|authorization|://|a[ksbc][ic]a|aiza|accountkey|sharedaccess|sig="
    r"|gh[pousr]_|github_pat|xox|sk-|glpat-|name|pass|pwd|secret|token|key|credential|cookie|session"
    r"|[a-z0-9+/]{40}"
)


def _scrub_keyed(text: str) -> str:
    """Values of secret-named keys and flags: ``password: x``, ``"api_key": "x"``, ``--token x``."""
    low = text.lower()
    stems = _STEMS if len(low) == len(text) else _STEMS_ANY_CASE  # lower() may change the length
    starts: set[int] = set()
    for stem in stems:
        for m in stem.finditer(low if stems is _STEMS else text):
            starts.add(_ID_TAIL.search(text, max(0, m.start() - 80), m.start()).start())
    spans: list[tuple[int, int]] = []
    for start in sorted(starts):
        if spans and start < spans[-1][1]:
            continue
        for pattern in (_KEYED, _FLAG):
            m = pattern.match(text, start)
            if m and _secret_suffix(m.group("kw"), m.group("suf")) and not _harmless(m.group("val")):
                spans.append(m.span("val"))
                break
    if not spans:
        return text
    parts, last = [], 0
    for a, b in spans:
        parts += [text[last:a], REDACTED]
        last = b
    parts.append(text[last:])
    return "".join(parts)


def scrub(text: str) -> str:
    """Remove known keys and every secret-looking value (see the module doc) from a string."""
    if not text:
        return text
    text = known_secrets.scrub(text)
    if len(text) < 2048 and not _ANY.search(text.lower()):
        return text
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return _scrub_keyed(text)


def redact_argv(args: list[Any] | None) -> list[str]:
    """A command line with values of secret-looking flags masked (``--db-password=x`` ->
    ``--db-password=***``, ``--token x`` -> ``--token ***``) and every token scrubbed."""
    out, mask_next = [], False
    for raw in args or []:
        tok = str(raw)
        if mask_next:
            out.append("***")
            mask_next = False
            continue
        key, eq, _value = tok.partition("=")
        if eq and _FLAG_SECRET.search(key):
            out.append(f"{key}=***")
            continue
        if tok.startswith("-") and _FLAG_SECRET.search(tok):
            mask_next = True
        out.append(scrub(tok))
    return out


def redact_obj(obj: Any) -> Any:
    """A deep copy of a Kubernetes object (or any JSON value) fit to be written or shown: values of
    secret-named env entries and annotations become ``[REDACTED]``, ``command``/``args`` lists are
    masked like :func:`redact_argv`, and every string is scrubbed."""
    if isinstance(obj, str):
        return scrub(obj)
    if isinstance(obj, list):
        return [redact_obj(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    secret_entry = isinstance(obj.get("name"), str) and "value" in obj and is_secret_name(obj["name"])
    for k, v in obj.items():
        if k == "value" and secret_entry and isinstance(v, str) and v:
            out[k] = REDACTED
        elif k in ("command", "args") and isinstance(v, list):
            out[k] = redact_argv(v)
        elif isinstance(v, str) and is_secret_name(k) and not _harmless(v):
            out[k] = REDACTED
        else:
            out[k] = redact_obj(v)
    return out


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
