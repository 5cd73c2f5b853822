"""Admission webhooks whose Service is missing or has no ready endpoints.

A ValidatingWebhookConfiguration or MutatingWebhookConfiguration with ``failurePolicy: Fail``
whose backend is down rejects every matching create and update in the cluster (pods, Deployments,
...): a classic cluster-wide outage. With ``failurePolicy: Ignore`` requests pass but the webhook's
policy or mutation is silently skipped.
"""

from __future__ import annotations

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj
from holmes_nb.analyzers.safe import run_each
from holmes_nb.analyzers.util import names_list
from holmes_nb.k8s import name_of

_CONFIGS = (
    ("validatingwebhookconfigurations", "ValidatingWebhookConfiguration"),
    ("mutatingwebhookconfigurations", "MutatingWebhookConfiguration"),
)


def analyze_webhooks(idx: ClusterIndex) -> list[Finding]:
    out: list[Finding] = []
    if not idx.has("services"):
        return out
    for plural, kind in _CONFIGS:
        run_each(idx.items(plural), lambda cfg, kind=kind: _config(cfg, kind, idx), plural, out)
    return out


def _config(cfg: Obj, kind: str, idx: ClusterIndex) -> Finding | None:
    name = name_of(cfg)
    broken = []  # (webhook, service ns/name, why, failurePolicy)
    for hook in cfg.get("webhooks") or ():
        svc_ref = ((hook.get("clientConfig") or {}).get("service")) or {}
        ns, svc_name = svc_ref.get("namespace") or "", svc_ref.get("name") or ""
        if not svc_name or (idx.namespace and ns != idx.namespace):
            continue  # a URL webhook, or a Service outside the scanned namespace
        why = _service_problem(idx, ns, svc_name)
        if why:
            broken.append((hook.get("name") or "?", ns, svc_name, why, hook.get("failurePolicy") or "Fail"))
    if not broken:
        return None
    failing = [b for b in broken if b[4] == "Fail"]
    hook, ns, svc, why, policy = (failing or broken)[0]
    verb = "mutate" if kind.startswith("Mutating") else "validate"
    if failing:
        effect = (
            "with failurePolicy Fail, so the API server rejects every create/update it matches "
            '("failed calling webhook"): fix or restore the Service, or set failurePolicy Ignore / delete the '
            "configuration while it is down"
        )
        severity = "critical"
    else:
        effect = (
            f"with failurePolicy Ignore, so requests pass without being {verb}d: the webhook's policy is "
            "silently not applied until its Service has ready endpoints"
        )
        severity = "warning"
    evidence = [f"webhook {h}: service {n}/{s}: {w}, failurePolicy {p}" for h, n, s, w, p in broken[:4]]
    evidence += [f"rules: {_rules(cfg, hook)}"]
    return Finding(
        kind,
        "",
        name,
        severity,
        "WebhookServiceUnavailable",
        f"{kind} {name}: webhook {hook} calls Service {ns}/{svc}, which {why}, {effect}"
        + (f" ({len(broken)} webhooks affected: {names_list([b[0] for b in broken], 3)})" if len(broken) > 1 else "")
        + ".",
        evidence,
    )


def _service_problem(idx: ClusterIndex, ns: str, name: str) -> str:
    svc = idx.get("services", ns, name)
    if svc is None:
        return "does not exist"
    ep = idx.get("endpoints", ns, name)
    if ep is not None and not any(s.get("addresses") for s in ep.get("subsets") or ()):
        return "has no ready endpoints"
    if ep is None and idx.has("endpoints") and (svc.get("spec") or {}).get("selector"):
        return "has no endpoints"
    return ""


def _rules(cfg: Obj, hook_name: str) -> str:
    hook = next((h for h in cfg.get("webhooks") or () if h.get("name") == hook_name), {})
    parts = []
    for r in (hook.get("rules") or ())[:2]:
        parts.append(f"{','.join(r.get('operations') or ['*'])} {','.join(r.get('resources') or ['*'])}")
    return "; ".join(parts) or "(none listed)"
