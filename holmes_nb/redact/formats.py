"""Token formats and entropy: secrets recognised by their shape, wherever they stand.

The formats come from detect-secrets (Yelp's maintained scanner: AWS, Azure storage keys, GitHub,
GitLab, Slack, Stripe, SendGrid, Twilio, Mailchimp, PyPI, Square) plus a few it lacks or matches
too narrowly (Stripe test keys and webhook secrets, Slack webhooks of any shape, Hugging Face,
Vault, Google OAuth, npm, DigitalOcean, Shopify, Databricks, OpenAI/Anthropic keys, Telegram bot
tokens), and its Shannon entropy measure finds random-looking base64 tokens (a bare AWS secret
access key, a private key's body lines logged one by one with a prefix).

Only detect-secrets plugins whose patterns run in linear time are used: each starts with a literal
or a bounded class and has no unbounded run followed by something that can fail. Left out: the
keyword plugins (KeywordDetector, Cloudant, IBM, SoftLayer; their ``(?: *)(?: +)(?: *)`` is cubic
on a run of spaces, and :mod:`holmes_nb.redact.keys` covers keys), OpenAI's (quadratic on
``sk-sk-sk-...``; a linear pattern in :data:`_EXTRA` replaces it), Discord's and Telegram's (no
literal in front: slow on every text; Telegram has a literal-first pattern in :data:`_EXTRA`).
Patterns without a literal in front run only when a substring in :data:`_GATES` is present.
``benchmarks/bench_redact.py`` measures the whole on adversarial input.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from holmes_nb.redact.keys import REDACTED, Span

#: detect-secrets plugins whose patterns are used (by class name)
_PLUGINS = (
    "AWSKeyDetector",
    "AzureStorageKeyDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "MailchimpDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TwilioKeyDetector",
)
_VAULT_OLD = (
    r"s\.(?<![A-Za-z0-9]s\.)(?=[A-Za-z0-9]{24}(?![A-Za-z0-9]))(?=[a-z0-9]*[A-Z])(?=[A-Z0-9]*[a-z])[A-Za-z0-9]{24}"
)
#: substrings one of which a plugin's match must hold: a pattern without a literal in front scans
#: slowly, so it runs only on a text that has one
_GATES: dict[str, tuple[str, ...] | re.Pattern[str]] = {
    "MailchimpDetector": re.compile(r"-us\d"),
    "AWSKeyDetector": ("A3T", "ABIA", "ACCA", "AKIA", "ASIA", "aws"),
    "GitLabTokenDetector": ("gl", "GR1348941"),
    "GitHubTokenDetector": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    "SlackDetector": ("xox", "hooks.slack.com"),
    "StripeDetector": ("k_live_",),
    "SendGridDetector": ("SG.",),
    "SquareOAuthDetector": ("sq0csp-",),
    "PypiTokenDetector": ("pypi-",),
    r"(?:sk|rk|pk)_(?:live|test)_[0-9a-zA-Z]{20,}+": ("k_live_", "k_test_"),
    r"A[KS]IA[A-Z0-9]{16}(?![A-Z0-9])": ("AKIA", "ASIA"),
    r"A[BC]CA[A-Z0-9]{16}(?![A-Z0-9])": ("ABCA", "ACCA"),
    r"do[opr]_v1_[a-f0-9]{64}": ("_v1_",),
    r"gh[pousr]_[A-Za-z0-9]{30,}+|github_pat_[A-Za-z0-9_]{30,}+": (
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
    ),
    _VAULT_OLD: re.compile(r"s\.[A-Za-z0-9]{24}"),
}
#: patterns detect-secrets lacks (each starts with a literal; bounded or final runs only)
_EXTRA = (
    r"(?:sk|rk|pk)_(?:live|test)_[0-9a-zA-Z]{20,}+",  # Stripe, test keys too
    r"whsec_[0-9a-zA-Z]{20,}+",  # Stripe webhook secrets
    r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/]{20,}+",  # Slack webhooks
    r"xox[abposre]-[A-Za-z0-9-]{10,}+",  # Slack tokens of any shape
    r"xapp-[A-Za-z0-9-]{10,}+",
    r"SG\.[A-Za-z0-9_-]{16,}+\.[A-Za-z0-9_-]{16,}+",  # SendGrid, any length
    r"hf_[A-Za-z0-9]{30,}+",  # Hugging Face
    r"hv[sbr]\.[A-Za-z0-9_-]{20,}+",  # Vault service, batch and recovery tokens
    _VAULT_OLD,
    r"ya29\.[0-9A-Za-z_-]{20,}+",  # Google OAuth access tokens
    r"1//0[0-9A-Za-z_-]{30,}+",  # Google OAuth refresh tokens
    r"AIza[0-9A-Za-z_-]{35}",  # Google API keys
    r"GOCSPX-[0-9A-Za-z_-]{20,}+",  # Google OAuth client secrets
    r"npm_[A-Za-z0-9]{36}",
    r":AA[0-9A-Za-z_-]{33}(?![0-9A-Za-z_-])",  # Telegram bot tokens (after the bot id)
    r"do[opr]_v1_[a-f0-9]{64}",  # DigitalOcean
    r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",  # Shopify
    r"dapi[a-f0-9]{32}",  # Databricks
    r"gh[pousr]_[A-Za-z0-9]{30,}+|github_pat_[A-Za-z0-9_]{30,}+",  # GitHub, any length
    r"glpat-[A-Za-z0-9_-]{20,}+",
    r"sk-(?:proj-|ant-(?:api\d\d-)?|svcacct-|admin-)?[A-Za-z0-9_-]{20,}+",  # OpenAI, Anthropic
    r"A[KS]IA[A-Z0-9]{16}(?![A-Z0-9])",  # AWS access key ids
    r"A[BC]CA[A-Z0-9]{16}(?![A-Z0-9])",
)
#: base64 runs of 32+ characters standing alone (or after a JSON ``\n``)
_B64 = re.compile(r"[A-Za-z0-9+/]{32,}+={0,2}+")  # always matches a whole run: no start is tried twice
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_.-\\")
_ENTROPY_LIMIT = 4.5  # detect-secrets' default for base64 strings


@functools.cache
def _patterns() -> list[tuple[re.Pattern[str], Any]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    found = [(re.compile(p), _GATES.get(p) or _literal_prefix(p)) for p in _EXTRA]
    for cls in get_mapping_from_secret_type_to_class().values():
        if cls.__name__ in _PLUGINS:
            found += [(p, _GATES.get(cls.__name__) or _literal_prefix(p.pattern)) for p in getattr(cls, "denylist", ())]
    return found


def gate_patterns() -> list[str]:
    """Regex texts one of which any format match must contain (for the quick test in ``scrub``)."""
    out = {r"[A-Za-z0-9+/]{32}"}  # a base64 token for the entropy rule
    for _, gate in _patterns():
        if isinstance(gate, re.Pattern):
            out.add(gate.pattern)
        elif gate:
            out.update(re.escape(g) for g in gate)
        else:
            return [r"[\s\S]"]  # a pattern without a gate: every text may match
    return sorted(out)


def _literal_prefix(pattern: str) -> tuple[str, ...]:
    """The literal a pattern starts with (``"hf_"`` of ``hf_[A-Za-z0-9]{30,}+``), as a gate; ()
    when it starts with a class or a group (then it always runs)."""
    m = re.match(r"(?:[A-Za-z0-9_:/=-]|\\\.)+", pattern)
    literal = m.group(0).replace("\\.", ".") if m else ""
    return (literal,) if len(literal) >= 2 else ()


@functools.cache
def _entropy():
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

    return Base64HighEntropyString().calculate_shannon_entropy


def looks_random(token: str) -> bool:
    """Upper and lower case letters and digits, and the entropy detect-secrets calls a secret."""
    return (
        any(c.isupper() for c in token)
        and any(c.islower() for c in token)
        and any(c.isdigit() for c in token)
        and _entropy()(token) >= _ENTROPY_LIMIT
    )


def format_spans(text: str) -> list[Span]:
    """Spans of known token formats and of high-entropy base64 tokens."""
    spans: list[Span] = []
    for pattern, gate in _patterns():
        if isinstance(gate, re.Pattern) and not gate.search(text):
            continue
        if isinstance(gate, tuple) and gate and not any(g in text for g in gate):
            continue
        for m in pattern.finditer(text):
            group = 1 if pattern.groups == 1 and m.group(1) and len(m.group(1)) >= 16 else 0
            spans.append((*m.span(group), REDACTED))
    for m in _B64.finditer(text):
        before = text[m.start() - 2 : m.start()]
        after = text[m.end() : m.end() + 1]
        glued = (before[-1:] and before[-1] in _TOKEN_CHARS and before not in ("\\n", "\\r", "\\t")) or (
            after and after in _TOKEN_CHARS
        )
        if not glued and looks_random(m.group(0)):  # alone, or after a JSON "\n"
            spans.append((*m.span(), REDACTED))
    return spans
