"""HorizontalPodAutoscalers that cannot compute metrics or cannot find their target.

The most common cause (a utilization target on pods whose containers set no request for that
resource) is checked directly against the target's pod template.
"""

from __future__ import annotations

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj, event_text
from holmes_nb.analyzers.safe import run_each
from holmes_nb.analyzers.util import clip
from holmes_nb.k8s import condition, ns_name

_TARGET_KINDS = {"Deployment": "deployments", "StatefulSet": "statefulsets", "ReplicaSet": "replicasets"}
_METRIC_EVENTS = (
    "FailedGetResourceMetric",
    "FailedComputeMetricsReplicas",
    "FailedGetScale",
    "FailedGetPodsMetric",
    "FailedGetExternalMetric",
    "FailedGetObjectMetric",
)


def analyze_hpas(idx: ClusterIndex) -> list[Finding]:
    out: list[Finding] = []
    run_each(idx.items("horizontalpodautoscalers"), lambda hpa: _hpa_finding(hpa, idx), "horizontalpodautoscalers", out)
    return out


def utilization_resources(hpa: Obj) -> list[str]:
    """Resources the HPA scales on by utilization (``["cpu"]``), for v2 and v1 shapes."""
    spec = hpa.get("spec") or {}
    out = []
    for m in spec.get("metrics") or ():
        res = m.get("resource") or m.get("containerResource") or {}
        target = res.get("target") or {}
        if m.get("type") in ("Resource", "ContainerResource") and (
            target.get("type") == "Utilization" or "targetAverageUtilization" in res
        ):
            out.append(res.get("name"))
    if spec.get("targetCPUUtilizationPercentage") is not None:
        out.append("cpu")
    return [r for r in dict.fromkeys(out) if r]


def _hpa_finding(hpa: Obj, idx: ClusterIndex) -> Finding | None:
    ns, name = ns_name(hpa)
    ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
    target_kind, target_name = ref.get("kind", ""), ref.get("name", "")
    plural = _TARGET_KINDS.get(target_kind)
    target = idx.get(plural, ns, target_name) if plural else None
    if plural and idx.has(plural) and target is None:
        message = f"HPA {name} targets {target_kind} {target_name}, which does not exist, so it scales nothing."
        evidence = [f"scaleTargetRef: {target_kind}/{target_name}: not found"]
        return Finding("HorizontalPodAutoscaler", ns, name, "warning", "ScaleTargetNotFound", message, evidence)
    active, able = condition(hpa, "ScalingActive") or {}, condition(hpa, "AbleToScale") or {}
    events = idx.events_with_reason("HorizontalPodAutoscaler", ns, name, *_METRIC_EVENTS)
    events = [e for e in events if e.get("type") == "Warning"]
    failing = next((c for c in (active, able) if c.get("status") == "False"), None)
    if failing is not None and failing.get("reason") == "ScalingDisabled":
        return None  # the target was scaled to zero on purpose
    if failing is None and not (events and not active):
        return _limited(hpa)  # old metric events of an HPA whose conditions are healthy again are noise
    evidence = (
        [clip(f"{failing['type']}=False {failing.get('reason', '')}: {failing.get('message', '')}")] if failing else []
    )
    evidence += [event_text(e) for e in events[:2]]
    missing = _missing_requests(hpa, target)
    reason = (failing or {}).get("reason") or (events[0].get("reason") if events else "ScalingInactive")
    text = " ".join([(failing or {}).get("message") or ""] + [e.get("message") or "" for e in events[:2]])
    reason, message = _explain(name, f"{target_kind} {target_name}", reason, text.lower(), missing, hpa)
    return Finding("HorizontalPodAutoscaler", ns, name, "warning", reason, message, evidence + missing)


def _explain(name: str, target: str, reason: str, text: str, missing: list[str], hpa: Obj) -> tuple[str, str]:
    if missing:
        res = "/".join(utilization_resources(hpa))
        return (
            "MissingResourceRequests",
            f"HPA {name} cannot compute {res} utilization because containers of {target} set no {res} request "
            "(utilization is usage divided by request); add resources.requests to every container so it can "
            "scale again.",
        )
    if "metrics.k8s.io" in text or "metrics api" in text or "unable to fetch metrics" in text:
        return (
            reason,
            f"HPA {name} cannot read pod metrics: the resource metrics API (metrics-server) is missing or "
            "not serving; install or fix metrics-server (the HPA keeps the current replica count).",
        )
    return (
        reason,
        f"HPA {name} cannot scale {target} ({reason}); until the condition below clears it keeps the current "
        "replica count.",
    )


def _missing_requests(hpa: Obj, target: Obj | None) -> list[str]:
    if target is None:
        return []
    containers = (((target.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    out = []
    for res in utilization_resources(hpa):
        for c in containers:
            if res not in ((c.get("resources") or {}).get("requests") or {}):
                out.append(f"container {c.get('name')} has no {res} request")
    return out


def _limited(hpa: Obj) -> Finding | None:
    limited = condition(hpa, "ScalingLimited") or {}
    if limited.get("status") != "True" or limited.get("reason") != "TooManyReplicas":
        return None
    ns, name = ns_name(hpa)
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    return Finding(
        "HorizontalPodAutoscaler",
        ns,
        name,
        "info",
        "AtMaxReplicas",
        f"HPA {name} wants more replicas than maxReplicas ({spec.get('maxReplicas')}) allows, so load above "
        "this level is not absorbed; raise maxReplicas if the cluster has room.",
        [
            f"replicas: current {status.get('currentReplicas')}, desired {status.get('desiredReplicas')}, "
            f"max {spec.get('maxReplicas')}",
            clip(f"ScalingLimited=True TooManyReplicas: {limited.get('message', '')}"),
        ],
    )
