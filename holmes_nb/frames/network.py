"""Frames for networking: Services (with endpoints and selector matches), Ingresses, IngressClasses
and NetworkPolicies.

    services_frame(cluster.list("services", "shop"), now, endpoints=cluster.list("endpoints", "shop"),
                   pods=cluster.list("pods", "shop"))
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from holmes_nb.frames.common import created_age, label_selector_text, make_frame
from holmes_nb.k8s import Obj, dig, labels_of, meta, name_of, ns_of
from holmes_nb.sources.selectors import match_labels, selector_from_match_labels

SERVICE_COLUMNS = [
    "namespace",
    "name",
    "type",
    "cluster_ip",
    "external",
    "ports",
    "selector",
    "endpoints",
    "not_ready",
    "selector_matches_pods",
    "age",
]
INGRESS_COLUMNS = ["namespace", "name", "class", "class_exists", "hosts", "backends", "tls", "address", "age"]
INGRESSCLASS_COLUMNS = ["name", "controller", "default", "age"]
NETPOL_COLUMNS = ["namespace", "name", "pod_selector", "policy_types", "ingress_rules", "egress_rules", "age"]

_DEFAULT_IC = "ingressclass.kubernetes.io/is-default-class"


def service_ports(svc: Obj) -> str:
    """``80/TCP->8080,443:30443/TCP`` (nodePort after a colon, targetPort after an arrow if different)."""
    out = []
    for p in dig(svc, "spec", "ports", default=[]) or []:
        text = str(p.get("port", ""))
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        text += "/" + p.get("protocol", "TCP")
        target = p.get("targetPort")
        if target not in (None, "", p.get("port")):
            text += f"->{target}"
        out.append(text)
    return ",".join(out)


def endpoint_counts(ep: Obj | None) -> tuple[int, int]:
    """(ready, not ready) address counts of an Endpoints object."""
    ready = not_ready = 0
    for subset in (ep or {}).get("subsets") or []:
        ready += len(subset.get("addresses") or [])
        not_ready += len(subset.get("notReadyAddresses") or [])
    return ready, not_ready


def _external(svc: Obj) -> str:
    if dig(svc, "spec", "type") == "ExternalName":
        return dig(svc, "spec", "externalName", default="")
    lb = dig(svc, "status", "loadBalancer", "ingress", default=[]) or []
    addrs = [i.get("ip") or i.get("hostname") for i in lb] + list(dig(svc, "spec", "externalIPs", default=[]) or [])
    return ",".join(a for a in addrs if a)


def services_frame(
    services: Iterable[Obj],
    now: datetime,
    *,
    endpoints: Iterable[Obj] | None = None,
    pods: Iterable[Obj] | None = None,
) -> Any:
    """Services with ports, selector, ready/not-ready endpoint counts (when ``endpoints`` is given) and
    whether the selector matches any pod (when ``pods`` is given; None for selector-less services)."""
    eps = None if endpoints is None else {(ns_of(e), name_of(e)): e for e in endpoints}
    pods_by_ns: dict[str, list[dict]] | None = None
    if pods is not None:
        pods_by_ns = {}
        for p in pods:
            pods_by_ns.setdefault(ns_of(p), []).append(labels_of(p))
    rows = []
    for s in services:
        ns, name = ns_of(s), name_of(s)
        selector = dig(s, "spec", "selector", default={}) or {}
        sel_text = selector_from_match_labels(selector)
        ready = not_ready = None
        if eps is not None:
            ready, not_ready = endpoint_counts(eps.get((ns, name)))
        matches = None
        if pods_by_ns is not None and selector:
            matches = any(match_labels(lbl, sel_text) for lbl in pods_by_ns.get(ns, []))
        rows.append(
            {
                "namespace": ns,
                "name": name,
                "type": dig(s, "spec", "type", default="ClusterIP"),
                "cluster_ip": dig(s, "spec", "clusterIP", default=""),
                "external": _external(s),
                "ports": service_ports(s),
                "selector": sel_text,
                "endpoints": ready,
                "not_ready": not_ready,
                "selector_matches_pods": matches,
                "age": created_age(s, now),
            }
        )
    rows.sort(key=lambda r: (r["namespace"], r["name"]))
    return make_frame(rows, SERVICE_COLUMNS, ints=("endpoints", "not_ready"))


def ingress_class(ing: Obj) -> str:
    return dig(ing, "spec", "ingressClassName") or (meta(ing).get("annotations") or {}).get(
        "kubernetes.io/ingress.class", ""
    )


def ingress_backends(ing: Obj) -> list[tuple[str, str, str]]:
    """(host/path, service name, port) for the default backend and every rule path."""
    out = []

    def add(where: str, backend: Obj | None) -> None:
        svc = (backend or {}).get("service") or {}
        port = svc.get("port") or {}
        if svc:
            out.append((where, svc.get("name", ""), str(port.get("number") or port.get("name") or "")))

    add("*", dig(ing, "spec", "defaultBackend"))
    for rule in dig(ing, "spec", "rules", default=[]) or []:
        for path in dig(rule, "http", "paths", default=[]) or []:
            add(f"{rule.get('host') or '*'}{path.get('path') or '/'}", path.get("backend"))
    return out


def _class_exists(cls: str, classes: list[Obj] | None) -> bool | None:
    if classes is None:
        return None
    if not cls:  # no class: only works when a default IngressClass exists
        return any((meta(c).get("annotations") or {}).get(_DEFAULT_IC) == "true" for c in classes)
    return any(name_of(c) == cls for c in classes)


def ingresses_frame(
    ingresses: Iterable[Obj],
    now: datetime,
    *,
    ingressclasses: Iterable[Obj] | None = None,
    services: Iterable[Obj] | None = None,
    secrets: Iterable[Obj] | None = None,
) -> Any:
    """Ingresses with class (and whether it exists), hosts, backends and TLS secrets; backends and TLS
    secrets that do not exist are marked ``(missing)`` when ``services``/``secrets`` are given."""
    classes = None if ingressclasses is None else list(ingressclasses)
    svc_names = None if services is None else {(ns_of(s), name_of(s)) for s in services}
    secret_names = None if secrets is None else {(ns_of(s), name_of(s)) for s in secrets}
    rows = []
    for ing in ingresses:
        ns = ns_of(ing)
        backends = []
        for where, svc, port in ingress_backends(ing):
            missing = svc_names is not None and (ns, svc) not in svc_names
            backends.append(f"{where}->{svc}:{port}" + (" (missing)" if missing else ""))
        tls = []
        for t in dig(ing, "spec", "tls", default=[]) or []:
            sec = t.get("secretName", "")
            missing = bool(sec) and secret_names is not None and (ns, sec) not in secret_names
            tls.append(sec + (" (missing)" if missing else ""))
        cls = ingress_class(ing)
        lb = dig(ing, "status", "loadBalancer", "ingress", default=[]) or []
        rows.append(
            {
                "namespace": ns,
                "name": name_of(ing),
                "class": cls,
                "class_exists": _class_exists(cls, classes),
                "hosts": ",".join(
                    sorted({r.get("host") for r in dig(ing, "spec", "rules", default=[]) or [] if r.get("host")})
                ),
                "backends": ",".join(backends),
                "tls": ",".join(tls),
                "address": ",".join(i.get("ip") or i.get("hostname") or "" for i in lb),
                "age": created_age(ing, now),
            }
        )
    rows.sort(key=lambda r: (r["namespace"], r["name"]))
    return make_frame(rows, INGRESS_COLUMNS)


def ingressclasses_frame(classes: Iterable[Obj], now: datetime) -> Any:
    rows = [
        {
            "name": name_of(c),
            "controller": dig(c, "spec", "controller", default=""),
            "default": (meta(c).get("annotations") or {}).get(_DEFAULT_IC) == "true",
            "age": created_age(c, now),
        }
        for c in classes
    ]
    rows.sort(key=lambda r: r["name"])
    return make_frame(rows, INGRESSCLASS_COLUMNS)


def networkpolicies_frame(policies: Iterable[Obj], now: datetime) -> Any:
    """Pod selector (``<all pods>`` when empty), policy types and rule counts (0 rules of a listed type
    means that direction is denied for the selected pods)."""
    rows = []
    for p in policies:
        spec = p.get("spec") or {}
        types = spec.get("policyTypes") or (["Ingress"] + (["Egress"] if spec.get("egress") else []))
        rows.append(
            {
                "namespace": ns_of(p),
                "name": name_of(p),
                "pod_selector": label_selector_text(spec.get("podSelector")) or "<all pods>",
                "policy_types": ",".join(types),
                "ingress_rules": len(spec.get("ingress") or []),
                "egress_rules": len(spec.get("egress") or []),
                "age": created_age(p, now),
            }
        )
    rows.sort(key=lambda r: (r["namespace"], r["name"]))
    return make_frame(rows, NETPOL_COLUMNS, ints=("ingress_rules", "egress_rules"))
