"""Contextual rules: secrets recognised by what stands around them.

Private keys and PGP armor (with or without their END line), a key's body lines whose BEGIN line
was cut off, bearer/basic credentials, JWTs, URL passwords (``redis://:pw@host`` too), Azure
connection strings, secret env entries (``name: DB_PASSWORD, value: x``), and command lines whose
password is a short or positional option: ``mysql -pX``, ``redis-cli -a X``, ``docker login -p X``,
``curl -u user:X``, ``sshpass -p X``.

Every pattern is linear: runs are possessive (``++``) or bounded, and a run that may be followed by a
failing part only starts where the run starts (a lookbehind), so no position is scanned twice per
pattern. :func:`rule_spans` returns the spans to replace; nothing is replaced here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from holmes_nb.redact.keys import REDACTED, SEP, Span, harmless, is_secret_name

PRIVATE_KEY = "[REDACTED PRIVATE KEY]"
_ARG = r"(?P<val>[^\s\"'\\;&|()`]++)"  # one shell word, up to a quote or an operator


def _val(m: re.Match) -> Span | None:
    return None if harmless(m.group("val")) else (*m.span("val"), REDACTED)


def _whole(m: re.Match) -> Span | None:
    return (*m.span(), REDACTED)


def _env(m: re.Match) -> Span | None:
    return _val(m) if is_secret_name(m.group("name")) else None


def _key_line(m: re.Match) -> Span | None:
    body = m.group("val")
    mixed = any(c.isupper() for c in body) and any(c.islower() for c in body) and any(c.isdigit() for c in body)
    return (*m.span("val"), REDACTED) if mixed else None


def _in_context(words: str) -> Callable[[re.Match], Span | None]:
    """A rule that holds only when one of ``words`` stands in the 300 characters before the match
    (``-p`` is a password for mysql and ``docker login``, a port elsewhere)."""
    context = re.compile(words)

    def check(m: re.Match) -> Span | None:
        return _val(m) if context.search(m.string, max(0, m.start() - 300), m.start()) else None

    return check


_MYSQL = _in_context(r"(?i:mysql|mariadb)")
_LOGIN = _in_context(r"\blogin\b|sshpass|smbclient")
_WORD_CHAR = r"[^\s\"'=;&|(]"  # a character that makes "-p" part of a word, not an option


def _dash_p(m: re.Match) -> Span | None:
    """``mysql -pX`` (attached) and ``docker login -p X`` (separate)."""
    return _LOGIN(m) if m.group("sp") else _MYSQL(m)


def _user_password(m: re.Match) -> Span | None:
    value = m.group("val")
    return None if value.isdigit() or harmless(value) else (*m.span("val"), REDACTED)


_AUTH_VALUE = r"(?:(?i:bearer|basic|token|digest|negotiate)[ \t]++)?(?P<val>[^\s\"'\\,;]++)"
_RULES: list[tuple[re.Pattern[str], Callable[[re.Match], Span | None]]] = [
    # Each pattern starts with a literal, which the engine finds with a fast scan (a lookbehind or a
    # case-insensitive group in front costs ten times more on a large log); the check of what
    # precedes the literal is a lookbehind after it.
    # a key's body lines whose BEGIN line was cut off (a log tail): lines of nothing but base64 that
    # look random (upper and lower case and digits), so a rule of dashes or a hex digest stays
    (re.compile(r"\n(?P<val>[A-Za-z0-9+/]{40,}+={0,2}+)(?=\r?\n|\Z)"), _key_line),
    (re.compile(r"\\n(?P<val>[A-Za-z0-9+/]{40,}+={0,2}+)(?=\\n|\Z)"), _key_line),
    (re.compile(r"\A(?P<val>[A-Za-z0-9+/]{40,}+={0,2}+)(?=\r?\n|\Z)"), _key_line),
    (re.compile(r"eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]{8,}+\.[A-Za-z0-9_-]{8,}+(?:\.[A-Za-z0-9_-]*+)?"), _whole),
    (re.compile(r"(?:earer|EARER)(?<=[Bb]earer|BEARER)[ \t]++(?P<val>[A-Za-z0-9._~+/=-]{8,}+)"), _val),
    (re.compile(r"(?:uthorization|UTHORIZATION)(?<=[Aa]uthorization|AUTHORIZATION)" + SEP + _AUTH_VALUE), _val),
    (re.compile(r"(?:asic|ASIC)(?<=[Bb]asic|BASIC)[ \t]++(?P<val>[A-Za-z0-9+/]{8,}+={0,2}+)(?![A-Za-z0-9+/=])"), _val),
    (re.compile(r"://[^:/\s@\"'\\]*+:(?P<val>[^@\s/\"'\\]++)@"), _val),  # URL password, empty user too
    (re.compile(r"AccountKey=(?P<val>[^;\s\"'&\\]++)"), _val),  # Azure connection strings
    (re.compile(r"SharedAccess(?:Key|Signature)=(?P<val>[^;\s\"'&\\]++)"), _val),
    (re.compile(r"sig=(?<![A-Za-z0-9_]sig=)(?P<val>[^;\s\"'&\\]++)"), _val),  # Azure SAS URLs
    # command lines: short and positional password options
    (re.compile(r"-p(?<!" + _WORD_CHAR + r"-p)(?P<sp>[ \t=]*+)" + _ARG), _dash_p),
    (re.compile(r"-a(?<!" + _WORD_CHAR + r"-a)[ \t=]++" + _ARG), _in_context(r"redis|keydb|valkey")),
    (
        re.compile(r"-(?<!" + _WORD_CHAR + r"-)(?:u|U|-user|-proxy-user)[ \t=]?+[^\s:\"'\\;&|]*+:" + _ARG),
        _user_password,
    ),  # curl -u user:pw
    (
        re.compile(
            r"name(?<![A-Za-z0-9_]name)"
            + SEP
            + r"(?P<name>[A-Za-z0-9_.-]++)"
            + r"\\?[\"']?+[ \t]*+,?+(?:\s|\\[nr])*+\\?[\"']?+"
            + r"value"
            + SEP
            + r"(?P<val>(?:(?i:bearer|basic|token)[ \t]++)?[^\"'\\\r\n,}]++)"
        ),
        _env,
    ),  # env entries and header lists: name first, then value
]
#: for each rule, substrings one of which a match must hold (None: always run); a rule whose
#: substrings are all absent is skipped, so a short string costs a few ``in`` tests, not 15 scans
_NEEDLES: list[tuple[str, ...] | None] = [
    ("\n",),
    ("\\n",),
    None,
    ("eyJ",),
    ("earer", "EARER"),
    ("uthorization", "UTHORIZATION"),
    ("asic", "ASIC"),
    ("://",),
    ("AccountKey=",),
    ("SharedAccess",),
    ("sig=",),
    ("-p",),
    ("-a",),
    ("-u", "-U", "--user", "--proxy-user"),
    ("name",),
]
assert len(_NEEDLES) == len(_RULES)


def needle_patterns() -> list[str]:
    """Regex texts one of which any rule's match must contain (for the quick test in ``scrub``)."""
    out = {re.escape(n) for needles in _NEEDLES if needles for n in needles} | {"-----BEGIN"}
    out.add(r"\A[A-Za-z0-9+/]{40}")  # the rule without needles: a key line at the very start
    return sorted(out)


_BEGIN = re.compile(r"-----BEGIN (?P<label>[A-Z0-9 ]{0,40}?(?:PRIVATE KEY|PGP [A-Z ]{1,20}?)[A-Z ]{0,10}?)-----")
#: what follows a BEGIN line whose END is missing: whole lines of base64 (or armor headers), a line at a time
_BODY = re.compile(r"(?:(?:\r?\n|\\n)(?:[A-Za-z-]{1,40}: [^\r\n\\]{0,200}|[A-Za-z0-9+/=]{0,100}+)(?=\r?\n|\\n|\Z))*+")


def _armor_spans(text: str) -> list[Span]:
    """Private keys and PGP blocks, up to their END line or, when it is missing, to the end of the
    base64 that follows. An END that is not there is looked for once per label."""
    spans: list[Span] = []
    missing: set[str] = set()
    pos = 0
    while (m := _BEGIN.search(text, pos)) is not None:
        label = m.group("label")
        if "PUBLIC" in label or "SIGN" in label:
            pos = m.end()
            continue
        end_line = f"-----END {label}-----"
        end = -1 if label in missing else text.find(end_line, m.end())
        if end < 0:
            missing.add(label)
            end = _BODY.match(text, m.end()).end()
        else:
            end += len(end_line)
        spans.append((m.start(), end, PRIVATE_KEY))
        pos = max(end, m.end())
    return spans


def rule_spans(text: str) -> list[Span]:
    """Spans of every contextual rule, private keys first."""
    spans = _armor_spans(text) if "-----BEGIN" in text else []
    for (pattern, handler), needles in zip(_RULES, _NEEDLES, strict=True):
        if needles is not None and not any(n in text for n in needles):
            continue
        for m in pattern.finditer(text):
            span = handler(m)
            if span is not None:
                spans.append(span)
    return spans
