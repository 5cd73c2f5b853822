"""Analyzer tests for Services, Ingresses, PersistentVolumeClaims and Nodes, on small realistic
objects (see analyzer_objects.py)."""

from __future__ import annotations

from analyzer_objects import (
    NS,
    cluster,
    crashing,
    endpoints,
    event,
    healthy_objects,
    node,
    obj,
    only,
    pod,
    service,
    ts,
)

from holmes_nb.analyzers import scan


# -- services and ingresses ------------------------------------------------------------------
def test_service_selector_matching_no_pod_shows_the_near_match():
    pods = [pod(f"frontend-6d8b9-{s}", labels={"app": "frontend", "tier": "web"}) for s in ("a1b2c", "d3e4f")]
    svc = service("web-frontend", {"app": "web-frontend", "tier": "web"})
    f = only(scan(cluster(*pods, svc, endpoints("web-frontend"))), "Service")
    assert (f.reason, f.severity) == ("NoMatchingPods", "critical")
    assert "app=frontend (2 pods)" in f.message
    assert "selector: app=web-frontend,tier=web" in f.evidence


def test_service_whose_pods_are_not_ready_points_at_them():
    bad = crashing("web-7d9f8c6b5-bad01")
    findings = scan(cluster(bad, service("web", {"app": "web"}), endpoints("web", not_ready=("10.244.1.7",))))
    f = only(findings, "Service")
    assert f.reason == "NoReadyEndpoints" and "web-7d9f8c6b5-bad01 (CrashLoopBackOff)" in f.message
    assert "endpoints: 0 ready, 1 not ready" in f.evidence


def test_service_with_named_target_port_the_pods_lack():
    svc = service("web", {"app": "web"}, target="metrics")
    f = only(scan(cluster(pod("web-7d9f8c6b5-x2k4p"), svc, endpoints("web"))), "Service")
    assert f.reason == "NoEndpoints" and "targetPort 'metrics' is not a named port" in f.message


def ingress(name, *, cls="nginx", backend="web", port=80, tls_secret=None):
    spec = {
        "rules": [
            {
                "host": "shop.example.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": backend, "port": {"number": port}}},
                        }
                    ]
                },
            }
        ]
    }
    if cls:
        spec["ingressClassName"] = cls
    if tls_secret:
        spec["tls"] = [{"hosts": ["shop.example.com"], "secretName": tls_secret}]
    return obj("Ingress", name, api="networking.k8s.io/v1", spec=spec, status={})


def test_ingress_missing_class_backend_and_tls_secret():
    classes = [
        obj("IngressClass", "nginx", ns=None, api="networking.k8s.io/v1", spec={"controller": "k8s.io/ingress-nginx"})
    ]
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": "shop-tls", "namespace": NS},
        "data": {"tls.crt": "eA==", "tls.key": "eA=="},
    }
    objs = [
        *healthy_objects(),
        *classes,
        secret,
        ingress("ok", tls_secret="shop-tls"),
        ingress("wrong-class", cls="traefik"),
        ingress("no-svc", backend="checkout"),
        ingress("bad-port", port=8443),
        ingress("no-tls", tls_secret="api-tls"),
    ]
    findings = {f.name: f for f in scan(cluster(*objs)) if f.kind == "Ingress"}
    assert {n: f.reason for n, f in findings.items()} == {
        "wrong-class": "IngressClassNotFound",
        "no-svc": "BackendServiceNotFound",
        "bad-port": "BackendPortNotFound",
        "no-tls": "TLSSecretNotFound",
    }
    assert "'traefik'" in findings["wrong-class"].message and "(nginx)" in findings["wrong-class"].message
    assert findings["no-svc"].evidence == ["backend service checkout: not found"]


# -- storage ---------------------------------------------------------------------------------
def pvc(name, sc="standard", created=None):
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}, "volumeMode": "Filesystem"}
    if sc is not None:
        spec["storageClassName"] = sc
    return obj("PersistentVolumeClaim", name, spec=spec, status={"phase": "Pending"}, created=created or ts(hours=2))


def storageclass(name, *, default=False, mode="Immediate"):
    ann = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "provisioner": "ebs.csi.aws.com",
        "volumeBindingMode": mode,
        "metadata": {"name": name, "annotations": ann},
    }


def test_pending_claims_missing_class_failed_provisioning_and_waiting_for_consumer():
    failed = event(
        "PersistentVolumeClaim",
        "uploads",
        "ProvisioningFailed",
        'failed to provision volume with StorageClass "standard": rpc error: code = ResourceExhausted '
        "desc = volume limit exceeded for account",
        count=6,
    )
    objs = [
        storageclass("standard", default=True),
        storageclass("wffc", mode="WaitForFirstConsumer"),
        pvc("data", sc="fast-ssd"),
        pvc("uploads"),
        failed,
        pvc("later", sc="wffc"),
        pvc("young", created=ts(minutes=1)),
    ]
    findings = {f.name: f for f in scan(cluster(*objs))}
    assert {n: f.reason for n, f in findings.items()} == {
        "data": "StorageClassNotFound",
        "uploads": "ProvisioningFailed",
    }
    assert "'fast-ssd'" in findings["data"].message and "StorageClasses: standard, wffc" in findings["data"].evidence
    assert any("volume limit exceeded" in e for e in findings["uploads"].evidence)
    assert findings["data"].severity == "warning"  # no pod uses it yet


# -- nodes -----------------------------------------------------------------------------------
def test_node_not_ready_pressure_and_cordoned():
    nodes = [
        node("worker-1"),
        node(
            "worker-2",
            ready="False",
            reason="KubeletNotReady",
            message="container runtime network not ready: NetworkReady=false "
            "reason:NetworkPluginNotReady message:cni plugin not initialized",
        ),
        node("worker-3", pressure=("MemoryPressure", "DiskPressure")),
        node("worker-4", unschedulable=True),
    ]
    findings = sorted((f.name, f.reason, f.severity) for f in scan(cluster(*nodes)))
    assert findings == [
        ("worker-2", "NodeNotReady", "critical"),
        ("worker-3", "DiskPressure", "warning"),
        ("worker-3", "MemoryPressure", "warning"),
        ("worker-4", "Cordoned", "warning"),
    ]
    f = only(scan(cluster(*nodes)), "Node", "worker-2")
    assert "CNI plugin" in f.message and "cni plugin not initialized" in f.evidence[0]
