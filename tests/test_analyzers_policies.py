"""PodDisruptionBudgets, NetworkPolicies, admission webhooks and the Gateway API: each class with a
positive case (the finding names the cause) and a negative one (a healthy object gives nothing)."""

from __future__ import annotations

from analyzer_objects import (
    NS,
    cluster,
    cond,
    deployment,
    endpoints,
    event,
    healthy_objects,
    obj,
    only,
    pod,
    replicaset,
    service,
    waiting,
)

from holmes_nb.analyzers import scan

GW = "gateway.networking.k8s.io/v1"


def findings(*objs):
    return scan(cluster(*healthy_objects(), *objs))


def kinds(found, kind):
    return [f for f in found if f.kind == kind]


# -- PodDisruptionBudgets ---------------------------------------------------------------------
def pdb(name, selector, *, allowed, healthy=2, desired=1, expected=2, **spec):
    status = {
        "disruptionsAllowed": allowed,
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "expectedPods": expected,
    }
    return obj(
        "PodDisruptionBudget",
        name,
        api="policy/v1",
        spec={"selector": {"matchLabels": selector}, **spec},
        status=status,
    )


def test_pdb_selecting_nothing():
    f = only(findings(pdb("web-pdb", {"app": "wbe"}, allowed=0, healthy=0, expected=0)), "PodDisruptionBudget")
    assert f.reason == "SelectsNoPods" and "app=wbe" in f.message


def test_pdb_with_too_few_healthy_pods_names_them_and_follows_from_them():
    sick = pod("web-7d9f8c6b5-sick1", statuses=[waiting("app", "CrashLoopBackOff", restarts=3)])
    found = findings(sick, pdb("web-pdb", {"app": "web"}, allowed=0, healthy=2, desired=3, expected=3, minAvailable=3))
    f = only(found, "PodDisruptionBudget")
    assert f.reason == "TooFewHealthyPods" and "only 2 of its 3 pods are healthy" in f.message
    assert "web-7d9f8c6b5-sick1" in f.message
    assert f.caused_by in {g.key for g in found}


def test_pdb_that_never_allows_a_disruption():
    f = only(
        findings(pdb("web-pdb", {"app": "web"}, allowed=0, healthy=2, desired=2, maxUnavailable=0)),
        "PodDisruptionBudget",
    )
    assert f.reason == "NoDisruptionAllowed" and "maxUnavailable 0" in f.message and "drains" in f.message


def test_pdb_allowing_disruptions_is_silent():
    assert not kinds(findings(pdb("web-pdb", {"app": "web"}, allowed=1, maxUnavailable=1)), "PodDisruptionBudget")


# -- NetworkPolicies --------------------------------------------------------------------------
def netpol(name, selector, types, **rules):
    return obj(
        "NetworkPolicy",
        name,
        api="networking.k8s.io/v1",
        spec={"podSelector": {"matchLabels": selector} if selector else {}, "policyTypes": types, **rules},
    )


def test_netpol_selecting_no_pods():
    f = only(findings(netpol("allow-api", {"app": "apii"}, ["Ingress"], ingress=[{}])), "NetworkPolicy")
    assert f.reason == "SelectsNoPods" and "app=apii" in f.message


def test_default_deny_isolating_served_pods():
    f = only(findings(netpol("deny-all", None, ["Ingress"])), "NetworkPolicy")
    assert f.reason == "DefaultDenyIngressIsolates" and "Services web" in f.message
    assert any("web-7d9f8c6b5-" in e for e in f.evidence)


def test_default_deny_egress_cuts_dns():
    f = only(findings(netpol("deny-egress", None, ["Egress"])), "NetworkPolicy")
    assert f.reason == "DefaultDenyEgressIsolates" and "not even DNS" in f.message


def test_default_deny_with_an_allow_policy_is_silent():
    allow = netpol("allow-web", {"app": "web"}, ["Ingress"], ingress=[{"ports": [{"port": 8080}]}])
    assert not kinds(findings(netpol("deny-all", None, ["Ingress"]), allow), "NetworkPolicy")


# -- admission webhooks -----------------------------------------------------------------------
def webhook_config(kind, name, svc, policy="Fail", ns="kube-system"):
    hook = {
        "name": f"{name}.example.com",
        "failurePolicy": policy,
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        "clientConfig": {"service": {"namespace": ns, "name": svc, "port": 443}},
        "rules": [
            {"operations": ["CREATE", "UPDATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}
        ],
    }
    return obj(kind, name, None, api="admissionregistration.k8s.io/v1") | {"webhooks": [hook]}


def test_webhook_with_missing_service_and_fail_policy_is_critical():
    f = only(
        findings(webhook_config("ValidatingWebhookConfiguration", "policy", "policy-svc")),
        "ValidatingWebhookConfiguration",
    )
    assert f.severity == "critical" and f.reason == "WebhookServiceUnavailable"
    assert "Service kube-system/policy-svc, which does not exist" in f.message and "failurePolicy Fail" in f.message
    assert "rules: CREATE,UPDATE pods" in f.evidence


def test_webhook_without_ready_endpoints_and_ignore_policy_is_a_warning():
    svc = service("injector", {"app": "injector"}, ns="kube-system")
    found = findings(
        svc,
        endpoints("injector", ns="kube-system", not_ready=("10.244.3.3",)),
        webhook_config("MutatingWebhookConfiguration", "injector", "injector", policy="Ignore"),
    )
    f = only(found, "MutatingWebhookConfiguration")
    assert f.severity == "warning" and "has no ready endpoints" in f.message and "failurePolicy Ignore" in f.message


def test_webhook_with_a_ready_service_or_a_url_is_silent():
    svc = service("policy-svc", {"app": "web"})
    ready = webhook_config("ValidatingWebhookConfiguration", "policy", "policy-svc", ns=NS)
    url = obj("MutatingWebhookConfiguration", "url", None, api="admissionregistration.k8s.io/v1") | {
        "webhooks": [{"name": "u.example.com", "clientConfig": {"url": "https://10.0.0.1/m"}}]
    }
    assert not [
        f for f in findings(svc, endpoints("policy-svc", ready=("10.244.1.7",)), ready, url) if "Webhook" in f.kind
    ]


# -- Gateway API ------------------------------------------------------------------------------
def gclass(name, accepted="True", reason="Accepted"):
    return obj(
        "GatewayClass",
        name,
        None,
        api=GW,
        spec={"controllerName": "example.com/gw"},
        status={"conditions": [cond("Accepted", accepted, reason, "no such parametersRef")]},
    )


def gateway(name, cls="eg", *, allowed="Same", programmed="True"):
    return obj(
        "Gateway",
        name,
        api=GW,
        spec={
            "gatewayClassName": cls,
            "listeners": [
                {"name": "http", "port": 80, "protocol": "HTTP", "allowedRoutes": {"namespaces": {"from": allowed}}}
            ],
        },
        status={
            "conditions": [
                cond("Accepted", "True", "Accepted"),
                cond(
                    "Programmed",
                    programmed,
                    "AddressNotAssigned" if programmed != "True" else "Programmed",
                    "No addresses have been assigned to the Gateway",
                ),
            ]
        },
    )


def route(name, gw="gw", *, ns=NS, gw_ns=None, backend="web", port=80):
    parent = {"name": gw} | ({"namespace": gw_ns} if gw_ns else {})
    return obj(
        "HTTPRoute",
        name,
        ns,
        api=GW,
        spec={"parentRefs": [parent], "rules": [{"backendRefs": [{"name": backend, "port": port}]}]},
    )


def test_gateway_class_not_accepted():
    f = only(findings(gclass("eg", "False", "InvalidParameters")), "GatewayClass")
    assert f.reason == "GatewayClassNotAccepted" and "InvalidParameters" in f.message


def test_gateway_with_missing_class_or_not_programmed():
    found = findings(gclass("eg"), gateway("gw", "nginx"))
    f = only(found, "Gateway")
    assert f.reason == "GatewayClassNotFound" and "'nginx'" in f.message and "(eg)" in f.message
    f = only(findings(gclass("eg"), gateway("gw", programmed="False")), "Gateway")
    assert f.reason == "GatewayNotProgrammed" and "AddressNotAssigned" in f.message


def test_route_with_missing_parent_disallowed_namespace_or_missing_backend():
    base = [gclass("eg"), gateway("gw")]
    f = only(findings(*base, route("r", gw="nope")), "HTTPRoute")
    assert f.reason == "ParentGatewayNotFound" and f"{NS}/nope" in f.message
    f = only(findings(*base, route("r", ns="team-b", gw_ns=NS)), "HTTPRoute")
    assert f.reason == "NotAllowedByGateway" and "from: Same" in f.message
    f = only(findings(*base, route("r", backend="web-v2")), "HTTPRoute")
    assert f.reason == "BackendNotFound" and f"{NS}/web-v2" in f.message
    f = only(findings(*base, route("r", port=8443)), "HTTPRoute")
    assert f.reason == "BackendPortNotFound" and "web:8443" in f.message


def test_route_follows_from_its_broken_gateway():
    found = findings(gclass("eg"), gateway("gw", programmed="False"), route("r", gw="gw"))
    assert not kinds(found, "HTTPRoute")  # the route itself is fine: the Gateway is the problem
    found = {f.key: f for f in findings(gateway("gw", "nginx"), gclass("eg"), route("r", backend="x"))}
    assert found[f"Gateway/{NS}/gw"].caused_by is None


def test_healthy_gateway_api_objects_are_silent():
    other = service("web", {}, ns="team-b")  # the second route's backend, in its own namespace
    found = findings(gclass("eg"), gateway("gw", allowed="All"), route("r"), route("r2", ns="team-b", gw_ns=NS), other)
    assert not [f for f in found if f.kind in ("GatewayClass", "Gateway", "HTTPRoute")]


def test_workload_rejected_by_a_broken_webhook_follows_from_it():
    msg = (
        'Error creating: Internal error occurred: failed calling webhook "policy.example.com": failed to call '
        'webhook: Post "https://policy-svc.kube-system.svc:443/validate": service "policy-svc" not found'
    )
    found = findings(
        deployment("api", replicas=2, ready=0),
        replicaset("api-5f6d7c8b9", "api", replicas=2, ready=0),
        event("ReplicaSet", "api-5f6d7c8b9", "FailedCreate", msg, count=31),
        webhook_config("ValidatingWebhookConfiguration", "policy", "policy-svc"),
    )
    dep = only(found, "Deployment", "api")
    assert dep.reason == "FailedCreate" and dep.caused_by == "ValidatingWebhookConfiguration//policy"
