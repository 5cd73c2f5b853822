"""ResourceQuota findings: quotas that rejected pods ("exceeded quota") and quotas used up to 100%.

Rejections are read from the FailedCreate events of ReplicaSets, StatefulSets, DaemonSets and Jobs:

    parse_quota_rejection(event_message)
    # {"quota": "compute", "requested": "limits.memory=1Gi", "used": "limits.memory=4Gi",
    #  "limited": "limits.memory=4Gi"}
"""

from __future__ import annotations

import re
from collections import defaultdict

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj, event_text
from holmes_nb.analyzers.util import names_list
from holmes_nb.k8s import ns_name, ns_of, parse_quantity

_REJECTION = re.compile(
    r"exceeded quota: ([\w.-]+)(?:, requested: (.+?), used: (.+?), limited: ([^\"\n]+?))?(?:\"|$|\n)", re.I
)


def parse_quota_rejection(message: str) -> dict[str, str] | None:
    """The quota name and the requested/used/limited parts of an "exceeded quota" message, or None."""
    m = _REJECTION.search(message or "")
    if not m:
        return None
    return {
        "quota": m.group(1),
        "requested": m.group(2) or "",
        "used": m.group(3) or "",
        "limited": (m.group(4) or "").strip(),
    }


def quota_rejections(idx: ClusterIndex) -> dict[tuple[str, str], list[Obj]]:
    """FailedCreate events that name a quota, keyed by (namespace, quota name), newest first."""
    out: dict[tuple[str, str], list[Obj]] = defaultdict(list)
    for ev in idx.items("events"):
        msg = ev.get("message") or ev.get("note") or ""
        if ev.get("reason") != "FailedCreate" or "exceeded quota" not in msg:
            continue
        parsed = parse_quota_rejection(msg)
        if parsed:
            ns = (ev.get("involvedObject") or ev.get("regarding") or {}).get("namespace") or ns_of(ev)
            out[(ns, parsed["quota"])].append(ev)
    for evs in out.values():
        evs.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "", reverse=True)
    return out


def analyze_quotas(idx: ClusterIndex) -> list[Finding]:
    out = []
    rejections = quota_rejections(idx)
    seen = set()
    for quota in idx.items("resourcequotas"):
        key = ns_name(quota)
        seen.add(key)
        f = _quota_finding(key, quota, rejections.get(key, []))
        if f is not None:
            out.append(f)
    for key, evs in rejections.items():  # the quota may be outside the scan (or unreadable)
        if key not in seen and (idx.namespace in (None, key[0])):
            out.append(_quota_finding(key, None, evs))
    return out


def exhausted(quota: Obj) -> list[str]:
    """``["requests.cpu 2/2", ...]``: resources whose usage reached the hard limit."""
    status = quota.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    out = []
    for res, limit in sorted(hard.items()):
        h, u = parse_quantity(limit), parse_quantity(used.get(res, "0"))
        if h is not None and u is not None and u >= h:
            out.append(f"{res} {used.get(res, '0')}/{limit}")
    return out


def _quota_finding(key: tuple[str, str], quota: Obj | None, rejections: list[Obj]) -> Finding | None:
    ns, name = key
    full = exhausted(quota) if quota is not None else []
    evidence = [f"used up: {r}" for r in full]
    if rejections:
        who = []
        for ev in rejections:
            inv = ev.get("involvedObject") or ev.get("regarding") or {}
            ref = f"{inv.get('kind', '?')} {inv.get('name', '?')}"
            if ref not in who:
                who.append(ref)
        parsed = parse_quota_rejection(rejections[0].get("message") or rejections[0].get("note") or "") or {}
        evidence += [event_text(e) for e in rejections[:2]]
        detail = ""
        if parsed.get("requested"):
            detail = f" (requested {parsed['requested']}, used {parsed['used']}, limit {parsed['limited']})"
        msg = (
            f"ResourceQuota {name} rejects new pods of {names_list(who, 3)}: they would exceed the quota{detail}; "
            "raise the quota's hard limits or lower the workloads' requests/limits (or replica counts)."
        )
        return Finding("ResourceQuota", ns, name, "warning", "QuotaExceeded", msg, evidence)
    if full:
        msg = (
            f"ResourceQuota {name} is used up ({', '.join(full)}); the next pod that needs these resources will be "
            "rejected, so raise the quota or free resources before scaling."
        )
        return Finding("ResourceQuota", ns, name, "warning", "QuotaExhausted", msg, evidence)
    return None
