"""Services without endpoints and Ingresses pointing at missing classes, Services or TLS Secrets.

A Service whose selector matches no pod is explained with the labels nearby pods actually have
("pods have app=frontend"); one whose pods exist but are not Ready names those pods and their
findings instead of repeating them.
"""

from __future__ import annotations

import difflib
from collections import Counter

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj
from holmes_nb.analyzers.safe import run_each
from holmes_nb.analyzers.util import names_list
from holmes_nb.k8s import condition, labels_of, name_of, ns_name


def analyze_services(idx: ClusterIndex, pod_findings: dict[tuple[str, str], Finding]) -> list[Finding]:
    out: list[Finding] = []
    run_each(idx.items("services"), lambda svc: _check_service(svc, idx, pod_findings), "services", out)
    return out


def _check_service(svc: Obj, idx: ClusterIndex, pod_findings) -> Finding | None:
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName" or not spec.get("selector"):
        return None
    ns, name = ns_name(svc)
    ep = idx.get("endpoints", ns, name)
    if ep is not None and _ready_addresses(ep) > 0:
        return None
    return _service_finding(svc, idx, pod_findings, ep)


def _ready_addresses(ep: Obj) -> int:
    return sum(len(s.get("addresses") or ()) for s in ep.get("subsets") or ())


def _selector_text(selector: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def _service_finding(svc: Obj, idx: ClusterIndex, pod_findings, ep: Obj | None) -> Finding | None:
    ns, name = ns_name(svc)
    selector = {k: str(v) for k, v in (svc["spec"].get("selector") or {}).items()}
    pods = [
        p for p in idx.pods_matching(ns, selector) if (p.get("status") or {}).get("phase") in ("Pending", "Running")
    ]
    evidence = [f"selector: {_selector_text(selector)}"]
    if not pods:
        return _no_match(svc, idx, selector, evidence) if idx.has("pods") else None
    ready = [p for p in pods if (condition(p, "Ready") or {}).get("status") == "True"]
    if ep is None and ready:
        return None  # no Endpoints object to check (not captured): ready pods mean it works
    evidence.append(f"matching pods: {len(pods)}, ready: {len(ready)}")
    if ep is not None:
        not_ready = sum(len(s.get("notReadyAddresses") or ()) for s in ep.get("subsets") or ())
        evidence.append(f"endpoints: 0 ready, {not_ready} not ready")
    if ready:
        notes = _target_port_notes(svc, ready)
        why = (
            f"its targetPort does not match the pods' ports ({notes[0]})"
            if notes
            else "the endpoints controller has not added the ready pods yet (or the capture is stale)"
        )
        message = f"Service {name} has no ready endpoints although {len(ready)} selected pod(s) are Ready: {why}."
        return Finding("Service", ns, name, "critical", "NoEndpoints", message, evidence + notes)
    failing = [f"{name_of(p)} ({pod_findings[ns_name(p)].reason})" for p in pods if ns_name(p) in pod_findings]
    detail = f": {names_list(failing, 3)}" if failing else ""
    message = (
        f"Service {name} has no ready endpoints because none of its {len(pods)} selected pod(s) is Ready"
        f"{detail}; connections to it fail until those pods recover (see their findings)."
    )
    return Finding("Service", ns, name, "critical", "NoReadyEndpoints", message, evidence)


def _no_match(svc: Obj, idx: ClusterIndex, selector: dict[str, str], evidence: list[str]) -> Finding:
    ns, name = ns_name(svc)
    hints = near_matches(idx, ns, selector)
    closest = f"; the closest pods have {hints[0].split(' have ', 1)[1]}" if hints else ""
    message = (
        f"Service {name} selects no pod, so it has no endpoints and connections to it fail{closest}; "
        "fix the selector or the pod labels so they match."
    )
    evidence = [*evidence, f"no pod in namespace {ns} matches", *hints]
    return Finding("Service", ns, name, "critical", "NoMatchingPods", message, evidence)


def near_matches(idx: ClusterIndex, ns: str, selector: dict[str, str], limit: int = 3) -> list[str]:
    """Hints like ``pods matching the rest of the selector have app=frontend (3 pods)``."""
    hints = []
    for key, want in selector.items():
        rest = {k: v for k, v in selector.items() if k != key}
        candidates = idx.pods_matching(ns, rest) if rest else idx.pods_in(ns)
        values = Counter(str(labels_of(p)[key]) for p in candidates if key in labels_of(p))
        if not values:
            continue
        close = difflib.get_close_matches(want, list(values), n=limit, cutoff=0.4) or [
            v for v, _ in values.most_common(limit)
        ]
        scope = "pods matching the rest of the selector" if rest else "pods in the namespace"
        hints.append(f"{scope} have " + ", ".join(f"{key}={v} ({values[v]} pods)" for v in close))
    if not hints and len(selector) > 1:
        hints.append("no pod in the namespace has any of these labels")
    return hints[:limit]


def _target_port_notes(svc: Obj, pods: list[Obj]) -> list[str]:
    notes = []
    names = {p.get("name") for pod in pods for c in pod["spec"].get("containers") or () for p in c.get("ports") or ()}
    for port in svc["spec"].get("ports") or ():
        target = port.get("targetPort", port.get("port"))
        if isinstance(target, str) and not target.isdigit() and target not in names:
            known = ", ".join(sorted(n for n in names if n)) or "none"
            notes.append(f"targetPort {target!r} is not a named port of the pods ({known})")
    return notes


# -- ingresses -------------------------------------------------------------------------------
def analyze_ingresses(idx: ClusterIndex) -> list[Finding]:
    out = []
    classes = {name_of(c) for c in idx.items("ingressclasses")}
    defaults = [
        name_of(c)
        for c in idx.items("ingressclasses")
        if ((c.get("metadata") or {}).get("annotations") or {}).get("ingressclass.kubernetes.io/is-default-class")
        == "true"
    ]
    run_each(
        idx.items("ingresses"),
        lambda ing: [_class_finding(ing, idx, classes, defaults), _backend_finding(ing, idx), _tls_finding(ing, idx)],
        "ingresses",
        out,
    )
    return out


def _class_finding(ing: Obj, idx: ClusterIndex, classes: set[str], defaults: list[str]) -> Finding | None:
    if not idx.has("ingressclasses"):
        return None
    ns, name = ns_name(ing)
    cls = (ing.get("spec") or {}).get("ingressClassName")
    annotated = ((ing.get("metadata") or {}).get("annotations") or {}).get("kubernetes.io/ingress.class")
    known = ", ".join(sorted(classes)) or "none"
    if cls and cls not in classes:
        return Finding(
            "Ingress",
            ns,
            name,
            "critical",
            "IngressClassNotFound",
            f"Ingress {name} asks for IngressClass {cls!r}, which does not exist, so no controller serves "
            f"it; use one of the installed classes ({known}) or install that controller.",
            [f"ingressClassName: {cls}", f"IngressClasses: {known}"],
        )
    if not cls and not annotated and not defaults:
        return Finding(
            "Ingress",
            ns,
            name,
            "warning",
            "NoIngressClass",
            f"Ingress {name} names no IngressClass and none is marked default, so no controller may pick "
            f"it up; set spec.ingressClassName (installed: {known}).",
            ["ingressClassName: (unset)", f"IngressClasses: {known}"],
        )
    return None


def backends(ing: Obj) -> list[tuple[str, object]]:
    spec = ing.get("spec") or {}
    out = []
    default = ((spec.get("defaultBackend") or {}).get("service")) or {}
    if default.get("name"):
        out.append((default["name"], _port(default)))
    for rule in spec.get("rules") or ():
        for path in ((rule.get("http") or {}).get("paths")) or ():
            svc = ((path.get("backend") or {}).get("service")) or {}
            if svc.get("name"):
                out.append((svc["name"], _port(svc)))
    return out


def _port(backend: Obj):
    port = backend.get("port") or {}
    return port.get("number") if port.get("number") is not None else port.get("name")


def _backend_finding(ing: Obj, idx: ClusterIndex) -> Finding | None:
    if not idx.has("services"):
        return None
    ns, name = ns_name(ing)
    missing, bad_port = [], []
    for svc_name, port in dict.fromkeys(backends(ing)):
        svc = idx.get("services", ns, svc_name)
        if svc is None:
            missing.append(svc_name)
        elif port is not None and not any(
            port in (p.get("port"), p.get("name")) for p in svc["spec"].get("ports") or ()
        ):
            bad_port.append(f"{svc_name}:{port}")
    if missing:
        return Finding(
            "Ingress",
            ns,
            name,
            "critical",
            "BackendServiceNotFound",
            f"Ingress {name} routes to Service {names_list(missing)}, which does not exist in namespace "
            f"{ns!r}, so those paths return 503; create the Service or fix the backend name.",
            [f"backend service {s}: not found" for s in missing],
        )
    if bad_port:
        return Finding(
            "Ingress",
            ns,
            name,
            "critical",
            "BackendPortNotFound",
            f"Ingress {name} routes to a port its Service does not expose ({names_list(bad_port)}); use "
            "one of the Service's ports.",
            [f"backend {b}: no such service port" for b in bad_port],
        )
    return None


def ingress_outages(idx: ClusterIndex, service_findings: dict[tuple[str, str], Finding]) -> list[Finding]:
    """Ingresses whose backend Service exists but has no ready endpoints: a consequence (503s) of the
    Service's finding, reported so the chain reaches what users see."""
    out = []
    for ing in idx.items("ingresses"):
        ns, name = ns_name(ing)
        down = [s for s, _ in dict.fromkeys(backends(ing)) if (ns, s) in service_findings]
        if not down:
            continue
        first = service_findings[(ns, down[0])]
        out.append(
            Finding(
                "Ingress",
                ns,
                name,
                "critical",
                "BackendUnavailable",
                f"Ingress {name} routes to Service {names_list(down)}, which has no ready endpoints "
                f"({first.reason}), so requests to those paths get 502/503 until the Service's pods are ready.",
                [f"backend service {s}: {service_findings[(ns, s)].reason}" for s in down[:3]]
                + [f"depends on: {first.key}"],
            )
        )
    return out


def _tls_finding(ing: Obj, idx: ClusterIndex) -> Finding | None:
    tls = [t for t in (ing.get("spec") or {}).get("tls") or () if t.get("secretName")]
    if not tls or not idx.has("secrets"):
        return None
    ns, name = ns_name(ing)
    missing = [t["secretName"] for t in tls if idx.get("secrets", ns, t["secretName"]) is None]
    if not missing:
        return None
    hosts = [h for t in tls if t["secretName"] in missing for h in t.get("hosts") or ()]
    return Finding(
        "Ingress",
        ns,
        name,
        "warning",
        "TLSSecretNotFound",
        f"Ingress {name} names TLS Secret {names_list(missing)}, which does not exist, so the controller "
        f"serves its default (self-signed) certificate{' for ' + names_list(hosts, 3) if hosts else ''}; "
        "create the Secret (or fix cert-manager's Certificate).",
        [f"tls secretName {s}: not found" for s in missing],
    )
