"""Redaction as properties (hypothesis): whatever command line, URL, token, key block or adversarial
string is generated around a secret, the secret is gone from scrub(), redact_argv() and
redact_obj(), the text around it stays, and scrubbing twice changes nothing more.

The time redaction takes on adversarial input is measured in benchmarks/bench_redact.py (linear:
doubling the input doubles the time); here only what comes out is checked.
"""

from __future__ import annotations

import base64
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holmes_nb.redact import REDACTED, redact_argv, redact_obj, scrub

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_ALNUM = string.ascii_letters + string.digits

# a secret: random enough to be unique (letters and digits both, so entropy rules see it too)
secrets = st.builds(
    lambda a, b: f"Zq{a}9{b}",
    st.text(_ALNUM, min_size=6, max_size=14),
    st.text(_ALNUM, min_size=2, max_size=8),
)
hosts = st.sampled_from(["db", "redis.payments", "10.0.0.7", "mq.example.com", "localhost"])
users = st.sampled_from(["root", "admin", "sync", "ci-bot", "app_user"])
words = st.text(string.ascii_lowercase + "-_/.", min_size=1, max_size=12)


def _gone(secret: str, *texts: str) -> bool:
    return all(secret not in t for t in texts)


@st.composite
def command_lines(draw) -> tuple[list[str], str]:
    """(argv, secret): the password forms the issue lists, in an argv and inside ``sh -c``."""
    pw, user, host = draw(secrets), draw(users), draw(hosts)
    forms = [
        ["mysql", "-u", user, f"-p{pw}", "-h", host],
        ["mysqladmin", f"-u{user}", f"-p{pw}", "status"],
        ["mysqldump", "--user", user, f"--password={pw}", "ledger"],
        ["redis-cli", "-h", host, "-a", pw, "ping"],
        ["docker", "login", "-u", user, "-p", pw, host],
        ["curl", "-u", f"{user}:{pw}", f"https://{host}/health"],
        ["curl", "--user", f"{user}:{pw}", f"https://{host}/"],
        ["skopeo", "copy", "--src-creds", f"{user}:{pw}", "docker://a", "docker://b"],
        ["sshpass", "-p", pw, "ssh", f"{user}@{host}"],
        ["app", "--db-password", pw],
        ["app", f"--api-token={pw}"],
        ["app", f"--db-url=postgres://{user}:{pw}@{host}:5432/x"],
    ]
    argv = draw(st.sampled_from(forms))
    if draw(st.booleans()):
        argv = ["sh", "-c", " ".join(argv) + draw(st.sampled_from(["", " && echo ok", "; exit 1"]))]
    return argv, pw


@SETTINGS
@given(command_lines())
def test_command_line_passwords_are_masked_everywhere(case):
    argv, pw = case
    masked = redact_argv(argv)
    line = " ".join(argv)
    pod = {"spec": {"containers": [{"name": "c", "command": argv}]}, "status": {"message": line}}
    assert _gone(pw, " ".join(masked), scrub(line), str(redact_obj(pod)))
    assert masked[0] == argv[0] and len(masked) == len(argv)  # the program and the shape stay


@SETTINGS
@given(
    st.sampled_from(["redis", "rediss", "amqp", "amqps", "postgres", "mysql", "mongodb+srv", "https"]),
    st.one_of(st.just(""), users),
    secrets,
    hosts,
    st.sampled_from(["", ":6379", ":5432/db", "/vhost?x=1"]),
    st.sampled_from(["{}", "connect to {} failed", '{{"url": "{}"}}', "--url={}", "url={}\n"]),
)
def test_url_passwords_are_masked_with_or_without_a_user(scheme, user, pw, host, rest, template):
    url = f"{scheme}://{user}:{pw}@{host}{rest}"
    text = template.format(url)
    out = scrub(text)
    assert _gone(pw, out) and host in out and f"{scheme}://" in out


_TOKENS = st.one_of(
    st.builds(lambda s: "sk_live_" + s, st.text(_ALNUM, min_size=24, max_size=40)),
    st.builds(lambda s: "rk_test_" + s, st.text(_ALNUM, min_size=24, max_size=40)),
    st.builds(lambda s: "hf_" + s, st.text(_ALNUM, min_size=34, max_size=40)),
    st.builds(lambda s: "hvs." + s, st.text(_ALNUM + "_-", min_size=24, max_size=90)),
    st.builds(lambda s: "ya29." + s, st.text(_ALNUM + "_-", min_size=30, max_size=120)),
    st.builds(lambda s: "ghp_" + s, st.text(_ALNUM, min_size=36, max_size=36)),
    st.builds(lambda s: "glpat-" + s, st.text(_ALNUM + "_-", min_size=20, max_size=20)),
    st.builds(lambda s: "xoxb-123456789012-" + s, st.text(_ALNUM, min_size=24, max_size=24)),
    st.builds(
        lambda a, b: f"SG.{a}.{b}", st.text(_ALNUM, min_size=22, max_size=22), st.text(_ALNUM, min_size=43, max_size=43)
    ),
    st.builds(lambda s: "npm_" + s, st.text(_ALNUM, min_size=36, max_size=36)),
    st.builds(lambda s: "AKIA" + s, st.text(string.ascii_uppercase + string.digits, min_size=16, max_size=16)),
    st.builds(
        lambda s: "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/" + s, st.text(_ALNUM, min_size=24, max_size=24)
    ),
)


@SETTINGS
@given(_TOKENS, st.sampled_from(["{}", "token {} used", '{{"k": "{}"}}', "key={}", "Authorization: {}", "x {}\n"]))
def test_token_formats_are_masked_in_any_context(token, template):
    out = scrub(template.format(token))
    assert token not in out and REDACTED in out


@SETTINGS
@given(st.binary(min_size=30, max_size=30), st.sampled_from(["aws secret {} done", '"{}"', "{}", "k: {}\n"]))
def test_random_base64_tokens_are_masked(raw, template):
    token = base64.b64encode(raw).decode().rstrip("=")  # 40 characters, as an AWS secret access key
    if not (any(c.isupper() for c in token) and any(c.islower() for c in token) and any(c.isdigit() for c in token)):
        return  # the rule needs all three (a hex digest or a word is not a key)
    from holmes_nb.redact.formats import looks_random

    if looks_random(token):
        assert token not in scrub(template.format(token))


@SETTINGS
@given(
    st.binary(min_size=90, max_size=400),
    st.sampled_from(
        ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "PGP PRIVATE KEY BLOCK"]
    ),
    st.sampled_from(["", "2025-03-14T10:29:04Z app: ", "[keyloader] "]),
    st.booleans(),
    st.booleans(),
)
def test_key_blocks_are_masked_with_prefixes_and_cut_ends(raw, label, prefix, has_begin, has_end):
    body = base64.b64encode(raw).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    block = (
        ([f"-----BEGIN {label}-----"] if has_begin else []) + lines + ([f"-----END {label}-----"] if has_end else [])
    )
    text = "boot\n" + "\n".join(prefix + line for line in block) + "\n2025-03-14T10:29:05Z started"
    out = scrub(text)
    from holmes_nb.redact.formats import looks_random

    leaked = [ln for ln in lines if len(ln.rstrip("=")) >= 32 and looks_random(ln) and ln in out]  # random lines
    assert not leaked and out.startswith("boot") and out.endswith("started")


@SETTINGS
@given(
    st.sampled_from(["password", "pass", "pw", "db_pass", "DB_PASSWORD", "apiKey", "client_secret", "auth_token"]),
    st.sampled_from(['"{k}": "{v}"', "{k}: {v}", "{k}={v}", "--{k} {v}", "{k} = '{v}'", '{{"{k}":"{v}"}}']),
    secrets,
)
def test_secret_named_keys_in_json_yaml_and_flags(key, template, pw):
    out = scrub(template.format(k=key, v=pw))
    assert pw not in out and key in out


_ADVERSARIAL = st.builds(
    lambda unit, n, tail: unit * n + tail,
    st.sampled_from(
        [
            "token",
            "password",
            "pw",
            "eyJ",
            "sk-",
            "-p",
            "://a:",
            "name: x ",
            "Bearer ",
            "aB3",
            "-----BEGIN PRIVATE KEY-----",
        ]
    ),
    st.integers(200, 2000),
    st.sampled_from(["", "=", ": x", "\n", "@", " Zq9secretZq9"]),
)


@settings(max_examples=40, deadline=None)
@given(_ADVERSARIAL)
def test_adversarial_strings_come_back_whole_and_stable(text):
    out = scrub(text)
    assert scrub(out) == out  # idempotent: a second pass finds nothing more
    assert len(out) <= len(text) + 20 * (out.count(REDACTED) + 1)


@SETTINGS
@given(
    st.sampled_from(
        ["max_tokens: 512", "secretName: grafana-tls", "tokenizer=bpe", "bypass=1", "author: bob", "-p 8080"]
    ),
    st.sampled_from(["sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "x" * 50, "=" * 60]),
)
def test_ordinary_text_stays_readable(plain, filler):
    text = f"{plain} {filler} CrashLoopBackOff"
    assert scrub(text) == text


def test_a_key_registered_after_a_cached_scrub_is_still_masked():
    from holmes_nb.redact import known_secrets

    text = "calling with late-key-Zq9x4bT2mW"
    assert scrub(text) == text  # nothing secret-looking: cached as is
    known_secrets.add("late-key-Zq9x4bT2mW")
    assert "late-key-Zq9x4bT2mW" not in scrub(text)
