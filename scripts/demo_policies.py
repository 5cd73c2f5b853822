"""Demo objects of the policy, admission and Gateway API kinds, all healthy (the analyzers must stay
silent on them): a PodDisruptionBudget for CoreDNS, ingress-nginx's validating webhook, EKS's pod
identity mutating webhook (a URL webhook), and an Envoy Gateway class, Gateway and HTTPRoute."""

from __future__ import annotations

from datetime import timedelta

from demo_common import CLUSTER_BORN, NOW

from devkit.builder import ClusterBuilder
from devkit.objects import ts

GW_API = "gateway.networking.k8s.io/v1"


def _ok(ctype: str, reason: str, when, generation: int = 1) -> dict:
    return {
        "type": ctype,
        "status": "True",
        "reason": reason,
        "message": "",
        "observedGeneration": generation,
        "lastTransitionTime": ts(when),
    }


def build_policies(b: ClusterBuilder) -> None:
    born = CLUSTER_BORN + timedelta(days=1)
    b.simple(
        "PodDisruptionBudget",
        "policy/v1",
        "kube-system",
        "coredns",
        created=born,
        labels={"k8s-app": "kube-dns"},
        body={
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"k8s-app": "kube-dns"}}},
            "status": {
                "observedGeneration": 1,
                "disruptionsAllowed": 1,
                "currentHealthy": 2,
                "desiredHealthy": 1,
                "expectedPods": 2,
                "conditions": [_ok("DisruptionAllowed", "SufficientPods", NOW - timedelta(days=40))],
            },
        },
    )
    selector = {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}
    b.service(
        "kube-system",
        "ingress-nginx-controller-admission",
        selector,
        [("https-webhook", 443, "https")],
        created=born,
        labels={"app.kubernetes.io/name": "ingress-nginx"},
    )
    b.simple(
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/v1",
        None,
        "ingress-nginx-admission",
        created=born,
        labels={"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "admission-webhook"},
        body={
            "webhooks": [
                {
                    "name": "validate.nginx.ingress.kubernetes.io",
                    "admissionReviewVersions": ["v1"],
                    "clientConfig": {
                        "service": {
                            "namespace": "kube-system",
                            "name": "ingress-nginx-controller-admission",
                            "path": "/networking/v1/ingresses",
                            "port": 443,
                        }
                    },
                    "failurePolicy": "Fail",
                    "matchPolicy": "Equivalent",
                    "namespaceSelector": {},
                    "objectSelector": {},
                    "rules": [
                        {
                            "apiGroups": ["networking.k8s.io"],
                            "apiVersions": ["v1"],
                            "operations": ["CREATE", "UPDATE"],
                            "resources": ["ingresses"],
                            "scope": "*",
                        }
                    ],
                    "sideEffects": "None",
                    "timeoutSeconds": 10,
                }
            ]
        },
    )
    b.simple(
        "MutatingWebhookConfiguration",
        "admissionregistration.k8s.io/v1",
        None,
        "pod-identity-webhook",
        created=CLUSTER_BORN,
        body={
            "webhooks": [
                {
                    "name": "iam-for-pods.amazonaws.com",
                    "admissionReviewVersions": ["v1beta1"],
                    "clientConfig": {"url": "https://127.0.0.1:23443/mutate"},
                    "failurePolicy": "Ignore",
                    "matchPolicy": "Equivalent",
                    "reinvocationPolicy": "IfNeeded",
                    "rules": [
                        {
                            "apiGroups": [""],
                            "apiVersions": ["v1"],
                            "operations": ["CREATE"],
                            "resources": ["pods"],
                            "scope": "*",
                        }
                    ],
                    "sideEffects": "None",
                    "timeoutSeconds": 10,
                }
            ]
        },
    )
    _gateway_api(b)


def _gateway_api(b: ClusterBuilder) -> None:
    born = NOW - timedelta(days=20)
    b.simple(
        "GatewayClass",
        GW_API,
        None,
        "eg",
        created=born,
        body={
            "spec": {"controllerName": "gateway.envoyproxy.io/gatewayclass-controller"},
            "status": {"conditions": [_ok("Accepted", "Accepted", born)]},
        },
    )
    b.simple(
        "Gateway",
        GW_API,
        "shop",
        "storefront-gateway",
        created=born,
        body={
            "spec": {
                "gatewayClassName": "eg",
                "listeners": [
                    {"name": "http", "port": 80, "protocol": "HTTP", "allowedRoutes": {"namespaces": {"from": "Same"}}}
                ],
            },
            "status": {
                "conditions": [_ok("Accepted", "Accepted", born), _ok("Programmed", "Programmed", born)],
                "listeners": [
                    {
                        "name": "http",
                        "attachedRoutes": 1,
                        "supportedKinds": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}],
                        "conditions": [_ok("Accepted", "Accepted", born), _ok("Programmed", "Programmed", born)],
                    }
                ],
            },
        },
    )
    b.simple(
        "HTTPRoute",
        GW_API,
        "shop",
        "storefront-beta",
        created=born,
        body={
            "spec": {
                "parentRefs": [{"name": "storefront-gateway"}],
                "hostnames": ["beta.shop.example.com"],
                "rules": [{"backendRefs": [{"name": "frontend", "port": 80}]}],
            },
            "status": {
                "parents": [
                    {
                        "parentRef": {"name": "storefront-gateway"},
                        "controllerName": "gateway.envoyproxy.io/gatewayclass-controller",
                        "conditions": [_ok("Accepted", "Accepted", born), _ok("ResolvedRefs", "ResolvedRefs", born)],
                    }
                ]
            },
        },
    )
