"""Secret-named keys and flags: which names hold a secret, and where their values are in a text.

``is_secret_name("DB_PASSWORD")`` is True, ``is_secret_name("secretName")`` False.
:func:`keyed_spans` finds the values of such keys and flags in free text (``password: x``,
``"db_pass": "x"``, ``--token x``, ``pw=x``) in one left-to-right pass: every identifier is looked
at once, so the cost is linear in the text whatever it holds (``tokentoken...`` included).
"""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"
Span = tuple[int, int, str]

#: words whose value is a secret (``DB_PASSWORD``, ``db_pass``, ``client_secret``, ``X-Api-Key``)
KEYWORDS = (
    r"pass(?:word|wd|phrase)?|pwd|pw|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|signing[_-]?key|encryption[_-]?key|credentials?|creds|cookie|session[_-]?(?:id|key)|auth(?:orization)?"
)
_KEYWORD = re.compile(KEYWORDS, re.IGNORECASE)
#: a key ending like this names something about a secret, not the secret (``secretName``, ``tokenPath``)
_NOT_A_VALUE = re.compile(
    r"(?:name|names|ref|keyref|file|path|dir|type|id|ids|ttl|len|length|count|size|limit|expiry|expires|expiration"
    r"|at|seconds|mode|enabled|format|version|url|uri|endpoint|host|port|user|username|policy|provider|source"
    r"|kind|hint|rotation|header|field|store|mount|volume|method|methods|mechanism|plugin|backend|required"
    r"|strategy|scheme|timeout|retries|interval|level|realm|server|service|stdin)$",
    re.IGNORECASE,
)
HARMLESS = {
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
    "xxx",
    "changeme",
    "undefined",
    "empty",
    "unset",
    "set",
    "[redacted]",
}
#: names longer than this are not keys people write; only their end is looked at
_MAX_NAME = 128


def _short_word(keyword: str) -> bool:
    """``pw``, ``pass`` and ``auth`` are keywords only as whole words of a name (``db_pass``, ``pw``),
    not inside one (``bypass``, ``compass``, ``oauth_url``, ``author``)."""
    return keyword.lower() in ("pw", "pass", "auth", "pwd")


def _secret_suffix(keyword: str, suffix: str) -> bool:
    """True when ``keyword+suffix`` still names a secret: ``token`` / ``token_value`` / ``secretKey``,
    not ``tokens``, ``tokenizer``, ``secretName`` or ``password_file``."""
    if suffix and not (suffix[0] in "_.-" or (suffix[0].isupper() and keyword[-1].islower())):
        return False
    return not _NOT_A_VALUE.search(keyword + suffix)


def is_secret_name(name: str) -> bool:
    """True for names of variables/keys that hold secrets: ``DB_PASSWORD``, ``GITHUB_TOKEN``,
    ``AWS_SECRET_ACCESS_KEY``, ``apiKey``, ``db_pass``; False for ``TOKEN_FILE``, ``secretName``,
    ``max_tokens``, ``bypass``."""
    text = str(name)[-_MAX_NAME:]
    for m in _KEYWORD.finditer(text):
        word = m.group(0)
        before = text[m.start() - 1 : m.start()]
        if _short_word(word) and before and before not in "_.-" and not (before.islower() and word[0].isupper()):
            continue
        rest = text[m.end() :]
        if _secret_suffix(word, rest):
            return True
    return False


#: a value that is code naming the secret, not the secret: ``password=cfg.db_password``
_REFERENCE = re.compile(r"[A-Za-z_]\w{0,40}(?:\.[A-Za-z_]\w{0,40}){1,5}")


def harmless(value: str) -> bool:
    """A value that is no secret: a placeholder, a template, a reference or masked already."""
    v = value.strip().strip("\"'").lower()
    if v in HARMLESS or v.startswith(("[redacted", "$", "<", "{{", "sk-...", "%")) or set(v) <= {"*", "x"}:
        return True
    ref = value.strip().strip("\"'")
    last = ref.rsplit(".", 1)[-1]
    return bool(_REFERENCE.fullmatch(ref)) and len(last) >= 5 and is_secret_name(last)


# -- values of secret-named keys in text ---------------------------------------------------------
_ID = "A-Za-z0-9_.-"
_Q = r"\\?[\"']?"  # an optional quote, maybe JSON-escaped
SEP = _Q + r"[ \t]*+(?::=|=>|[:=])[ \t]*+" + _Q
VALUE = r"(?P<val>[^\s\"'\\,;&<>(){}\[\]|]++)"
_STEMS = [re.compile(s) for s in ("pw", "pass", "secret", "token", "key", "cred", "cookie", "session", "auth")]
_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_ID_RUN = re.compile(rf"[{_ID}]*+")
_SCHEME = r"(?:(?:[Bb]earer|[Bb]asic|[Dd]igest|[Nn]egotiate|BEARER|BASIC)[ \t]++)?+"  # kept: Authorization: Bearer x
_KEY_SEP = re.compile(rf"(?P<key>[{_ID}]++){SEP}{_SCHEME}{VALUE}")
_FLAG_SPACE = re.compile(rf"(?P<key>--?[{_ID}]++)[ \t]++(?P<val>[^\s\"'\\-][^\s\"'\\]*+)")


def _stem_offsets(text: str) -> list[int]:
    """Where a keyword may be, in order (literal searches on the lowercased text are ten times
    faster than one case-insensitive alternation)."""
    low = text.lower()
    if len(low) != len(text):  # lower() changed the length (rare letters): search case-insensitively
        return sorted(m.start() for s in _STEMS for m in re.finditer(s.pattern, text, re.IGNORECASE))
    return sorted(m.start() for s in _STEMS if s.pattern in low for m in s.finditer(low))


def keyed_spans(text: str) -> list[Span]:
    """Spans of values of secret-named keys and flags: ``password: x``, ``"api_key": "x"``,
    ``--token x``, ``db_pass=x``. Each identifier is matched once (linear time)."""
    spans: list[Span] = []
    done = 0  # identifiers before this offset were looked at already
    for at in _stem_offsets(text):
        if at < done:
            continue
        start, low = at, max(done, at - _MAX_NAME)
        while start > low and text[start - 1] in _ID_CHARS:  # back to where the name starts
            start -= 1
        done = _ID_RUN.match(text, at).end()
        for pattern in (_KEY_SEP, _FLAG_SPACE):
            k = pattern.match(text, start)
            if k and is_secret_name(k.group("key").lstrip("-")) and not harmless(k.group("val")):
                spans.append((*k.span("val"), REDACTED))
                done = max(done, k.end())
                break
    return spans
