"""Objects that name something missing, and warnings other analyzers do not cover.

- a workload (or bare pod) whose ServiceAccount or imagePullSecrets do not exist;
- a StatefulSet whose serviceName Service or volumeClaimTemplates StorageClass is missing;
- lifecycle hooks (postStart, preStop) that fail, reported with the container;
- Services with warning events (load balancer, endpoint updates); Endpoints without a Service.
"""

from __future__ import annotations

import re

from holmes_nb.analyzers.containers import hook_text
from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj, event_text
from holmes_nb.analyzers.safe import run_each
from holmes_nb.analyzers.util import names_list
from holmes_nb.k8s import name_of, ns_name, ns_of

#: (plural, kind, path to the pod spec) of the objects whose pod templates are checked
_TEMPLATES = (
    ("deployments", "Deployment", ("spec", "template", "spec")),
    ("statefulsets", "StatefulSet", ("spec", "template", "spec")),
    ("daemonsets", "DaemonSet", ("spec", "template", "spec")),
    ("replicationcontrollers", "ReplicationController", ("spec", "template", "spec")),
    ("replicasets", "ReplicaSet", ("spec", "template", "spec")),
    ("jobs", "Job", ("spec", "template", "spec")),
    ("cronjobs", "CronJob", ("spec", "jobTemplate", "spec", "template", "spec")),
    ("pods", "Pod", ("spec",)),
)
_HOOK_EVENTS = {"FailedPostStartHook": "postStart", "FailedPreStopHook": "preStop"}
_FIELD_CONTAINER = re.compile(r"\{([^}]+)\}")


def analyze_references(idx: ClusterIndex, pod_findings: dict[tuple[str, str], Finding]) -> list[Finding]:
    out: list[Finding] = []
    sa_namespaces = {ns_of(sa) for sa in idx.items("serviceaccounts")}
    for plural, kind, path in _TEMPLATES:
        objs = [
            o for o in idx.items(plural) if not (o.get("metadata") or {}).get("ownerReferences")
        ]  # owned: owner speaks
        run_each(objs, lambda o, kind=kind, path=path: _template(o, kind, path, idx, sa_namespaces), plural, out)
    run_each(idx.items("statefulsets"), lambda sts: _statefulset(sts, idx), "statefulsets", out)
    hooked = [idx.get("pods", ns, name) for ns, name in idx.objects_with_events("Pod", *_HOOK_EVENTS)]
    run_each([p for p in hooked if p is not None], lambda p: _hooks(p, idx, pod_findings), "pods", out)
    run_each(idx.items("services"), lambda s: _service_events(s, idx), "services", out)
    run_each(idx.items("endpoints"), lambda ep: _orphan_endpoints(ep, idx), "endpoints", out)
    return out


def _pod_spec(obj: Obj, path: tuple[str, ...]) -> Obj:
    cur = obj
    for key in path:
        cur = (cur or {}).get(key) or {}
    return cur


def _template(obj: Obj, kind: str, path: tuple[str, ...], idx: ClusterIndex, sa_namespaces: set[str]) -> list[Finding]:
    ns, name = ns_name(obj)
    spec = _pod_spec(obj, path)
    out = []
    sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or ""
    if sa and ns in sa_namespaces and idx.get("serviceaccounts", ns, sa) is None:
        out.append(
            Finding(
                kind,
                ns,
                name,
                "critical",
                "ServiceAccountNotFound",
                f"{kind} {name} runs as ServiceAccount {sa!r}, which does not exist in namespace {ns!r}, so the API "
                "server rejects its pods (error looking up service account); create it or fix serviceAccountName.",
                [f"serviceAccountName: {sa}", f"ServiceAccounts in {ns}: {names_list(_sas(idx, ns), 5)}"],
            )
        )
    pulls = [str((s or {}).get("name")) for s in spec.get("imagePullSecrets") or () if (s or {}).get("name")]
    if pulls and idx.has("secrets"):
        missing = [s for s in pulls if idx.get("secrets", ns, s) is None]
        if missing:
            images = sorted({c.get("image") for c in spec.get("containers") or () if c.get("image")})
            out.append(
                Finding(
                    kind,
                    ns,
                    name,
                    "warning",
                    "ImagePullSecretNotFound",
                    f"{kind} {name} names imagePullSecrets {names_list(missing)}, which do not exist in namespace "
                    f"{ns!r}, so pulls from a private registry are unauthenticated and fail (ImagePullBackOff); "
                    "create the Secret (type kubernetes.io/dockerconfigjson) or fix the name.",
                    [f"imagePullSecret {s}: not found" for s in missing] + [f"images: {names_list(images, 3)}"],
                )
            )
    return out


def _sas(idx: ClusterIndex, ns: str) -> list[str]:
    return sorted(name_of(sa) for sa in idx.items("serviceaccounts") if ns_of(sa) == ns)


def _statefulset(sts: Obj, idx: ClusterIndex) -> list[Finding]:
    ns, name = ns_name(sts)
    spec = sts.get("spec") or {}
    out = []
    svc = spec.get("serviceName")
    if svc and idx.has("services") and idx.get("services", ns, svc) is None:
        out.append(
            Finding(
                "StatefulSet",
                ns,
                name,
                "warning",
                "ServiceNotFound",
                f"StatefulSet {name} names serviceName {svc!r}, but no such Service exists, so its pods get no "
                f"stable DNS names ({name}-0.{svc}); create the headless Service (clusterIP: None).",
                [f"serviceName: {svc}", f"Service {ns}/{svc}: not found"],
            )
        )
    if idx.has("storageclasses"):
        classes = {name_of(sc) for sc in idx.items("storageclasses")}
        for vct in spec.get("volumeClaimTemplates") or ():
            sc = (vct.get("spec") or {}).get("storageClassName")
            if idx.get("persistentvolumeclaims", ns, f"{name_of(vct)}-{name}-0") is not None:
                continue  # its first claim exists: the claim's own finding reports the class (one problem, one finding)
            if sc and sc not in classes:
                out.append(
                    Finding(
                        "StatefulSet",
                        ns,
                        name,
                        "critical",
                        "StorageClassNotFound",
                        f"StatefulSet {name}'s volumeClaimTemplate {name_of(vct) or '?'} asks for StorageClass "
                        f"{sc!r}, which does not exist, so each new pod's claim stays Pending and the pod never "
                        f"schedules; use an existing class ({', '.join(sorted(classes)) or 'none'}).",
                        [f"volumeClaimTemplates[{name_of(vct)}].storageClassName: {sc}"],
                    )
                )
                break
    return out


def _hooks(pod: Obj, idx: ClusterIndex, pod_findings) -> Finding | None:
    ns, name = ns_name(pod)
    events = idx.events_with_reason("Pod", ns, name, *_HOOK_EVENTS)
    if not events:
        return None
    ev = events[0]
    hook = _HOOK_EVENTS[ev.get("reason")]
    path = ((ev.get("involvedObject") or ev.get("regarding") or {}).get("fieldPath")) or ""
    m = _FIELD_CONTAINER.search(path)
    container = m.group(1) if m else "?"
    cmd = _hook_command(pod, container, hook)
    evidence = [event_text(ev)] + ([f"{hook} hook of {container}: {cmd}"] if cmd else [])
    existing = pod_findings.get((ns, name))
    if existing is not None:  # the pod's own finding gets the hook as evidence
        existing.evidence += [e for e in evidence if e not in existing.evidence]
        return None
    effect = (
        "the kubelet kills the container when postStart fails, so it restarts"
        if hook == "postStart"
        else "the container was stopped without its clean shutdown, which can drop in-flight work"
    )
    return Finding(
        "Pod",
        ns,
        name,
        "warning",
        "PostStartHookFailed" if hook == "postStart" else "PreStopHookFailed",
        f"The {hook} lifecycle hook of container {container} fails ({effect}); fix the hook command or handler.",
        evidence,
    )


def _hook_command(pod: Obj, container: str, hook: str) -> str:
    cspec = next((c for c in (pod.get("spec") or {}).get("containers") or () if c.get("name") == container), {})
    return hook_text(cspec, hook)


def _service_events(svc: Obj, idx: ClusterIndex) -> Finding | None:
    ns, name = ns_name(svc)
    warnings = idx.events_for("Service", ns, name, warning_only=True)
    if not warnings:
        return None
    reason = warnings[0].get("reason") or "Warning"
    lb = "LoadBalancer" in reason or (svc.get("spec") or {}).get("type") == "LoadBalancer"
    fix = (
        "the cloud load balancer is not (re)configured: check the cloud controller's message (quota, subnet, "
        "annotations)"
        if lb
        else "the event names what fails"
    )
    return Finding(
        "Service",
        ns,
        name,
        "warning",
        reason,
        f"Service {name} has warning events ({reason}); {fix}.",
        [event_text(e) for e in warnings[:3]],
    )


def _orphan_endpoints(ep: Obj, idx: ClusterIndex) -> Finding | None:
    if not idx.has("services"):
        return None
    ns, name = ns_name(ep)
    annotations = (ep.get("metadata") or {}).get("annotations") or {}
    if idx.get("services", ns, name) is not None or "control-plane.alpha.kubernetes.io/leader" in annotations:
        return None
    if not any(s.get("addresses") or s.get("notReadyAddresses") for s in ep.get("subsets") or ()):
        return None
    return Finding(
        "Endpoints",
        ns,
        name,
        "info",
        "EndpointsWithoutService",
        f"Endpoints {name} has no Service of the same name, so nothing routes to its addresses; delete the "
        "leftover Endpoints or create the Service it was meant for.",
        [f"Service {ns}/{name}: not found"],
    )
