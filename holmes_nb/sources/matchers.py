"""Prometheus/Alertmanager label matchers: ``severity=critical``, ``alertname=~"Kube.*"``, ``!=``, ``!~``;
used by the Alertmanager client and by a snapshot's frozen alerts and series.

    alert_matches(alert, parse_matchers(["severity=critical"]))
"""

from __future__ import annotations

import re

from holmes_nb.errors import ConfigError

_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')


def parse_matchers(matchers: list[str] | str | None) -> list[tuple[str, str, str]]:
    """``["severity=critical", 'alertname=~"Kube.*"']`` -> ``[(label, op, value), ...]``."""
    if isinstance(matchers, str):
        matchers = [m for m in re.split(r",(?=\s*[A-Za-z_][A-Za-z0-9_]*\s*(?:=|!))", matchers) if m.strip()]
    out = []
    for m in matchers or []:
        mm = _MATCHER.match(str(m))
        if not mm:
            raise ConfigError(f"bad label matcher {m!r}", hint='use label=value, label!=value, label=~"regex"')
        out.append((mm.group(1), mm.group(2), mm.group(3)))
    return out


def alert_matches(alert: dict, matchers: list[tuple[str, str, str]]) -> bool:
    return matches(alert.get("labels") or {}, matchers)


def is_firing(alert: dict) -> bool:
    state = (alert.get("status") or {}).get("state")
    return state in (None, "active", "firing")


def matches(labels: dict[str, str], matchers: list[tuple[str, str, str]]) -> bool:
    for key, op, want in matchers:
        have = labels.get(key, "")
        ok = {
            "=": have == want,
            "!=": have != want,
            "=~": re.fullmatch(want, have) is not None,
            "!~": re.fullmatch(want, have) is None,
        }[op]
        if not ok:
            return False
    return True
