"""Gateway API: GatewayClasses not accepted, Gateways not accepted/programmed or with a missing class,
HTTPRoutes whose parent Gateway is missing or does not allow the route's namespace, or whose backend
Service or port is missing. Read only when the cluster serves the Gateway API (its CRDs).
"""

from __future__ import annotations

from holmes_nb.analyzers.causes import register
from holmes_nb.analyzers.finding import Finding, object_key
from holmes_nb.analyzers.index import ClusterIndex, Obj
from holmes_nb.analyzers.safe import run_each
from holmes_nb.analyzers.util import clip, names_list
from holmes_nb.k8s import condition, name_of, ns_name, ns_of

GROUP = "gateway.networking.k8s.io"


def analyze_gateways(idx: ClusterIndex) -> list[Finding]:
    out: list[Finding] = []
    run_each(idx.items("gatewayclasses"), lambda gc: _gateway_class(gc), "gatewayclasses", out)
    run_each(idx.items("gateways"), lambda gw: _gateway(gw, idx), "gateways", out)
    run_each(idx.items("httproutes"), lambda r: _route(r, idx), "httproutes", out)
    return out


def _cond_text(c: Obj) -> str:
    return f"{c.get('type')}={c.get('status')} {c.get('reason', '')}: {clip(c.get('message') or '', 160)}"


def _gateway_class(gc: Obj) -> Finding | None:
    name = name_of(gc)
    accepted = condition(gc, "Accepted")
    controller = (gc.get("spec") or {}).get("controllerName") or "?"
    if accepted is None or accepted.get("status") == "True":
        return None  # no status yet: a controller may still pick it up; nothing to prove
    return Finding(
        "GatewayClass",
        "",
        name,
        "critical",
        "GatewayClassNotAccepted",
        f"GatewayClass {name} is not accepted by its controller {controller} ({accepted.get('reason') or 'no reason'}), "
        "so no Gateway of this class is served; fix the class parameters or install that controller.",
        [_cond_text(accepted), f"controllerName: {controller}"],
    )


def _gateway(gw: Obj, idx: ClusterIndex) -> Finding | None:
    ns, name = ns_name(gw)
    cls = (gw.get("spec") or {}).get("gatewayClassName") or ""
    if idx.has("gatewayclasses") and idx.get("gatewayclasses", "", cls) is None:
        known = ", ".join(sorted(name_of(c) for c in idx.items("gatewayclasses"))) or "none"
        return Finding(
            "Gateway",
            ns,
            name,
            "critical",
            "GatewayClassNotFound",
            f"Gateway {name} asks for GatewayClass {cls!r}, which does not exist, so no controller serves it; use "
            f"an installed class ({known}).",
            [f"gatewayClassName: {cls}", f"GatewayClasses: {known}"],
        )
    for ctype in ("Accepted", "Programmed"):
        c = condition(gw, ctype)
        if c is not None and c.get("status") != "True":
            listeners = [
                f"listener {ls.get('name')}: {_cond_text(lc)}"
                for ls in (gw.get("status") or {}).get("listeners") or ()
                for lc in ls.get("conditions") or ()
                if lc.get("status") != "True" and lc.get("type") in ("Accepted", "Programmed", "ResolvedRefs")
            ]
            return Finding(
                "Gateway",
                ns,
                name,
                "critical",
                f"GatewayNot{ctype}",
                f"Gateway {name} is not {ctype.lower()} ({c.get('reason') or 'no reason'}: "
                f"{clip(c.get('message') or '', 140)}), so its routes get no traffic; fix what the condition names.",
                [_cond_text(c), f"gatewayClassName: {cls}", *listeners[:3]],
            )
    return None


def _parents(route: Obj) -> list[tuple[str, str, str]]:
    """(namespace, name, sectionName) of the route's Gateway parents."""
    ns = ns_of(route)
    out = []
    for ref in (route.get("spec") or {}).get("parentRefs") or ():
        if (ref.get("kind") or "Gateway") == "Gateway" and (ref.get("group") or GROUP) == GROUP:
            out.append((ref.get("namespace") or ns, ref.get("name") or "", ref.get("sectionName") or ""))
    return out


def _allows(gw: Obj, route_ns: str, section: str) -> bool:
    for ls in (gw.get("spec") or {}).get("listeners") or ():
        if section and ls.get("name") != section:
            continue
        where = (((ls.get("allowedRoutes") or {}).get("namespaces")) or {}).get("from") or "Same"
        if where == "All" or where == "Selector" or (where == "Same" and route_ns == ns_of(gw)):
            return True  # Selector: the namespace labels are not read, so it is not judged
    return False


def _route(route: Obj, idx: ClusterIndex) -> Finding | None:
    ns, name = ns_name(route)
    if idx.has("gateways"):
        for gns, gname, section in _parents(route):
            gw = idx.get("gateways", gns, gname)
            if gw is None:
                return Finding(
                    "HTTPRoute",
                    ns,
                    name,
                    "critical",
                    "ParentGatewayNotFound",
                    f"HTTPRoute {name} attaches to Gateway {gns}/{gname}, which does not exist, so it receives no "
                    "traffic; fix parentRefs or create the Gateway.",
                    [f"parentRef: Gateway {gns}/{gname}" + (f" section {section}" if section else "")],
                )
            if not _allows(gw, ns, section):
                return Finding(
                    "HTTPRoute",
                    ns,
                    name,
                    "critical",
                    "NotAllowedByGateway",
                    f"HTTPRoute {name} in namespace {ns!r} attaches to Gateway {gns}/{gname}, whose listeners "
                    "only accept routes from their own namespace (allowedRoutes.namespaces.from: Same), so the "
                    "route is ignored; set from: All or Selector on the listener, or move the route.",
                    [f"parentRef: Gateway {gns}/{gname}", f"listeners: {_listeners(gw)}"],
                )
    return _backend_finding(route, idx)


def _listeners(gw: Obj) -> str:
    return "; ".join(
        f"{ls.get('name')} from {(((ls.get('allowedRoutes') or {}).get('namespaces')) or {}).get('from') or 'Same'}"
        for ls in (gw.get("spec") or {}).get("listeners") or ()
    )


def _backend_finding(route: Obj, idx: ClusterIndex) -> Finding | None:
    if not idx.has("services"):
        return None
    ns, name = ns_name(route)
    missing, bad_port = [], []
    for rule in (route.get("spec") or {}).get("rules") or ():
        for ref in rule.get("backendRefs") or ():
            if (ref.get("kind") or "Service") != "Service" or (ref.get("group") or "") not in ("", "core"):
                continue
            sns, sname, port = ref.get("namespace") or ns, ref.get("name") or "", ref.get("port")
            svc = idx.get("services", sns, sname)
            if svc is None:
                missing.append(f"{sns}/{sname}")
            elif port is not None and not any(
                port == p.get("port") for p in (svc.get("spec") or {}).get("ports") or ()
            ):
                bad_port.append(f"{sns}/{sname}:{port}")
    if missing:
        return Finding(
            "HTTPRoute",
            ns,
            name,
            "critical",
            "BackendNotFound",
            f"HTTPRoute {name} sends traffic to Service {names_list(missing)}, which does not exist, so those "
            "requests fail (500); create the Service or fix backendRefs.",
            [f"backendRef {m}: not found" for m in missing],
        )
    if bad_port:
        return Finding(
            "HTTPRoute",
            ns,
            name,
            "critical",
            "BackendPortNotFound",
            f"HTTPRoute {name} sends traffic to a port its Service does not expose ({names_list(bad_port)}); use one "
            "of the Service's ports.",
            [f"backendRef {b}: no such service port" for b in bad_port],
        )
    return None


def _gateway_cause(f: Finding, idx: ClusterIndex, by_key):
    gw = idx.get("gateways", f.namespace, f.name) or {}
    yield object_key("GatewayClass", "", (gw.get("spec") or {}).get("gatewayClassName") or "")


def _route_cause(f: Finding, idx: ClusterIndex, by_key):
    route = idx.get("httproutes", f.namespace, f.name) or {}
    for gns, gname, _ in _parents(route):
        yield object_key("Gateway", gns, gname)


register("Gateway", _gateway_cause)
register("HTTPRoute", _route_cause)
