"""The bundled demo cluster: up to date with its build script, internally consistent, and holding
every failure docs/demo-cluster.md lists (checked structurally); the synthetic generator."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devkit.synthetic import synthetic_snapshot
from holmes_nb.cluster_spec import open_cluster
from holmes_nb.formats.demo import demo_cluster
from holmes_nb.k8s import condition
from holmes_nb.sources.kinds import KINDS, resolve_kind
from holmes_nb.sources.selectors import match_labels, selector_from_match_labels

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo():
    return demo_cluster()


def pod(demo, ns: str, app: str, *, phase: str | None = None) -> dict:
    pods = [
        p for p in demo.list("pods", ns, label_selector=f"app={app}") if phase is None or p["status"]["phase"] == phase
    ]
    assert pods, f"no {app} pod in {ns}"
    return pods[-1]


def cstatus(p: dict, name: str | None = None, *, init: bool = False) -> dict:
    statuses = p["status"]["initContainerStatuses" if init else "containerStatuses"]
    return next(s for s in statuses if name is None or s["name"] == name)


def events_for(demo, obj: dict, reason: str | None = None) -> list[dict]:
    m = obj["metadata"]
    return [
        e
        for e in demo.list("events")
        if e["involvedObject"]["uid"] == m["uid"] and (reason is None or e["reason"] == reason)
    ]


# -- the bundle -----------------------------------------------------------------------------------
def test_bundled_file_is_what_the_script_builds(tmp_path):
    out = tmp_path / "demo.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_demo.py"), "--output", str(out), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert out.stat().st_size < 1_000_000


def test_demo_is_cached_and_frozen_in_time(demo):
    assert demo_cluster() is demo and open_cluster("demo") is demo
    assert demo.now().isoformat() == "2025-03-14T10:30:00+00:00" and demo.name == "demo"


def test_every_kind_is_present(demo):
    assert {k.name for k in KINDS} <= set(demo.kinds_available())
    assert set(demo.namespaces()) == {"default", "kube-system", "shop", "payments", "data", "monitoring"}
    assert len(demo.list("nodes")) == 3


def test_secrets_hold_key_names_only(demo):
    for s in demo.list("secrets"):
        assert "data" not in s and "stringData" not in s and s["dataKeys"]


# -- internal consistency -------------------------------------------------------------------------
def test_owner_references_resolve(demo):
    for plural in ("pods", "replicasets", "jobs"):
        for o in demo.list(plural):
            for ref in o["metadata"].get("ownerReferences", []):
                owner = demo.get(resolve_kind(ref["kind"]), ref["name"], o["metadata"]["namespace"])
                assert owner["metadata"]["uid"] == ref["uid"]
    deploy_pods = [
        p for p in demo.list("pods") if (p["metadata"].get("ownerReferences") or [{}])[0].get("kind") == "ReplicaSet"
    ]
    assert len(deploy_pods) > 20


def test_events_pods_and_endpoints_agree(demo):
    kinds = {k.kind for k in KINDS}
    for e in demo.list("events"):
        io = e["involvedObject"]
        assert io["kind"] in kinds
        assert demo.get(resolve_kind(io["kind"]), io["name"], io.get("namespace"))["metadata"]["uid"] == io["uid"]
        assert e["firstTimestamp"] <= e["lastTimestamp"] <= "2025-03-14T10:30:00Z" and e["count"] >= 1
    nodes = {n["metadata"]["name"] for n in demo.list("nodes")}
    assert {p["spec"]["nodeName"] for p in demo.list("pods") if "nodeName" in p["spec"]} == nodes
    for ep in demo.list("endpoints"):
        for subset in ep.get("subsets", []):
            for addr in subset.get("addresses", []) + subset.get("notReadyAddresses", []):
                if "targetRef" in addr:
                    target = demo.get("pods", addr["targetRef"]["name"], ep["metadata"]["namespace"])
                    assert target["status"]["podIP"] == addr["ip"]


def test_logs_exist_for_started_containers_only(demo):
    for (ns, name, container, previous), text in demo.log_store.items():
        p = demo.get("pods", name, ns)
        st = cstatus(p, container, init=container in [c["name"] for c in p["spec"].get("initContainers", [])])
        assert text.endswith("\n")
        assert ("terminated" in st["lastState"]) if previous else ("waiting" not in st["state"] or st["lastState"])


# -- planted failures (docs/demo-cluster.md) ------------------------------------------------------
def test_crashloop_from_missing_env_var(demo):
    p = pod(demo, "shop", "checkout")
    st = cstatus(p)
    assert st["state"]["waiting"]["reason"] == "CrashLoopBackOff" and st["restartCount"] > 10
    assert st["lastState"]["terminated"]["exitCode"] == 1
    name = p["metadata"]["name"]
    assert "PAYMENTS_API_URL is not set" in demo.logs("shop", name, previous=True)
    assert "PAYMENTS_API_URL" not in demo.get("configmaps", "checkout-config", "shop")["data"]
    assert events_for(demo, p, "BackOff")[0]["type"] == "Warning"


def test_oomkilled(demo):
    last = cstatus(pod(demo, "shop", "recommendations"))["lastState"]["terminated"]
    assert (last["reason"], last["exitCode"]) == ("OOMKilled", 137)


def test_image_pull_backoff_on_rollout(demo):
    bad = [p for p in demo.list("pods", "shop", label_selector="app=frontend") if not cstatus(p)["ready"]]
    assert len(bad) == 1 and cstatus(bad[0])["state"]["waiting"]["reason"] == "ImagePullBackOff"
    assert any(
        "frontend:2.41" in e["message"] and "not found" in e["message"] for e in events_for(demo, bad[0], "Failed")
    )
    dep = demo.get("deployments", "frontend", "shop")
    assert condition(dep, "Progressing")["reason"] == "ProgressDeadlineExceeded"
    assert condition(dep, "Available")["status"] == "True"


def test_create_container_config_error(demo):
    st = cstatus(pod(demo, "payments", "payments-api"))
    assert st["state"]["waiting"]["reason"] == "CreateContainerConfigError"
    assert "api-key" in st["state"]["waiting"]["message"]
    assert "api-key" not in demo.get("secrets", "stripe-credentials", "payments")["dataKeys"]


def test_pending_pods(demo):
    nodes = demo.list("nodes")
    fb = pod(demo, "data", "feature-builder")
    assert condition(fb, "PodScheduled")["reason"] == "Unschedulable" and "nodeName" not in fb["spec"]
    assert not any(
        match_labels(n["metadata"]["labels"], selector_from_match_labels(fb["spec"]["nodeSelector"])) for n in nodes
    )
    etl = pod(demo, "data", "etl-worker")
    need = int(etl["spec"]["containers"][0]["resources"]["requests"]["memory"].removesuffix("Gi")) * 1024**2
    assert all(int(n["status"]["allocatable"]["memory"].removesuffix("Ki")) < need for n in nodes)
    assert "Insufficient memory" in events_for(demo, etl, "FailedScheduling")[0]["message"]


def test_failed_mount_and_init_container(demo):
    ledger = pod(demo, "payments", "ledger")
    assert cstatus(ledger)["state"]["waiting"]["reason"] == "ContainerCreating" and "podIP" not in ledger["status"]
    assert 'secret "ledger-tls" not found' in events_for(demo, ledger, "FailedMount")[0]["message"]
    assert "ledger-tls" not in {s["metadata"]["name"] for s in demo.list("secrets", "payments")}
    orders = pod(demo, "shop", "orders")
    init = cstatus(orders, init=True)
    assert (
        init["lastState"]["terminated"]["reason"] == "StartError"
        and "pyhton" in init["lastState"]["terminated"]["message"]
    )
    assert orders["spec"]["initContainers"][0]["command"][0] == "pyhton"
    assert condition(orders, "Initialized")["status"] == "False" and orders["status"]["phase"] == "Pending"


def test_probes(demo):
    search = pod(demo, "shop", "search")
    assert search["status"]["phase"] == "Running" and condition(search, "Ready")["status"] == "False"
    assert "Readiness probe failed" in events_for(demo, search, "Unhealthy")[0]["message"]
    am = pod(demo, "monitoring", "alertmanager")
    spec = am["spec"]["containers"][0]
    assert spec["livenessProbe"]["httpGet"]["port"] not in [p["containerPort"] for p in spec["ports"]]
    assert cstatus(am)["restartCount"] > 0 and events_for(demo, am, "Killing")


def test_workloads_short_of_replicas(demo):
    short = {
        d["metadata"]["name"]
        for d in demo.list("deployments")
        if d["status"].get("readyReplicas", 0) < d["spec"]["replicas"]
    }
    assert {"checkout", "orders", "payments-api", "ledger", "fraud-detector", "etl-worker"} <= short
    assert "cart" not in short and "coredns" not in short
    assert demo.get("statefulsets", "clickhouse", "data")["status"].get("readyReplicas", 0) == 0


def test_service_without_endpoints(demo):
    svc = demo.get("services", "inventory", "shop")
    sel = selector_from_match_labels(svc["spec"]["selector"])
    assert demo.list("pods", "shop", label_selector=sel) == []
    assert "subsets" not in demo.get("endpoints", "inventory", "shop")


def test_storage_and_ingress_failures(demo):
    classes = {s["metadata"]["name"] for s in demo.list("storageclasses")}
    pvc = demo.get("persistentvolumeclaims", "data-clickhouse-0", "data")
    assert pvc["status"]["phase"] == "Pending" and pvc["spec"]["storageClassName"] not in classes
    assert events_for(demo, pvc, "ProvisioningFailed")
    ing_classes = {c["metadata"]["name"] for c in demo.list("ingressclasses")}
    assert demo.get("ingresses", "storefront", "shop")["spec"]["ingressClassName"] not in ing_classes
    services = {s["metadata"]["name"] for s in demo.list("services", "payments")}
    backends = [
        p["backend"]["service"]["name"]
        for r in demo.get("ingresses", "payments-public", "payments")["spec"]["rules"]
        for p in r["http"]["paths"]
    ]
    assert "payments-gateway" in backends and "payments-gateway" not in services
    tls = demo.get("ingresses", "grafana", "monitoring")["spec"]["tls"][0]["secretName"]
    assert tls not in {s["metadata"]["name"] for s in demo.list("secrets", "monitoring")}


def test_jobs_cronjobs_hpa_quota(demo):
    failed = [
        j for j in demo.list("jobs", "data") if any(c["type"] == "Failed" for c in j["status"].get("conditions", []))
    ]
    assert len(failed) == 1 and condition(failed[0], "Failed")["reason"] == "BackoffLimitExceeded"
    job_pods = demo.list("pods", "data", label_selector=f"job-name={failed[0]['metadata']['name']}")
    assert len(job_pods) == failed[0]["status"]["failed"] == 3
    assert all("could not translate host name" in demo.logs("data", p["metadata"]["name"]) for p in job_pods)
    assert demo.get("cronjobs", "warehouse-vacuum", "data")["spec"]["suspend"] is True
    hpa = demo.get("horizontalpodautoscalers", "catalog", "shop")
    assert condition(hpa, "ScalingActive")["status"] == "False"
    assert all(
        "cpu" not in c["resources"].get("requests", {})
        for c in demo.get("deployments", "catalog", "shop")["spec"]["template"]["spec"]["containers"]
    )
    rs = demo.list("replicasets", "payments", label_selector="app=fraud-detector")[0]
    assert "exceeded quota: payments-quota" in events_for(demo, rs, "FailedCreate")[0]["message"]


def test_node_pressure_and_eviction(demo):
    w3 = demo.get("nodes", "worker-3")
    assert condition(w3, "DiskPressure")["status"] == "True"
    assert w3["spec"]["taints"][0]["key"] == "node.kubernetes.io/disk-pressure"
    evicted = [p for p in demo.list("pods") if p["status"].get("reason") == "Evicted"]
    assert (
        len(evicted) == 1 and evicted[0]["spec"]["nodeName"] == "worker-3" and evicted[0]["status"]["phase"] == "Failed"
    )


def test_noise_and_planted_sensitive_values(demo):
    cart = [p for p in demo.list("pods", "shop", label_selector="app=cart") if cstatus(p)["restartCount"] == 1]
    assert (
        len(cart) == 1
        and cstatus(cart[0])["ready"]
        and "panic:" in demo.logs("shop", cart[0]["metadata"]["name"], previous=True)
    )
    assert all(condition(p, "Ready")["status"] == "True" for p in demo.list("pods", "kube-system"))
    assert any(e["reason"] == "Scheduled" for e in demo.list("events"))
    assert "hunter2-demo" in json.dumps(demo.list("pods", "data"))
    assert any(re.search(r"Bearer [A-Za-z0-9._-]{20,}", t) for t in demo.log_store.values())


def test_docs_list_objects_that_exist(demo):
    """Every `kind/name` in the failure table of docs/demo-cluster.md names an object of the demo."""
    rows = [
        line for line in (ROOT / "docs" / "demo-cluster.md").read_text().splitlines() if re.match(r"\| \d+ \|", line)
    ]
    assert len(rows) >= 12
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        namespaces = [n.strip() for n in cells[2].split(",")]
        refs = re.findall(r"`(\w+)/([\w.-]+)`", cells[3])
        assert refs, row
        for kind, name in refs:
            k = resolve_kind(kind)
            assert any(_exists(demo, k, name, ns) for ns in namespaces), f"{kind}/{name}"


def _exists(demo, kind, name, ns) -> bool:
    try:
        demo.get(kind, name, ns)
        return True
    except Exception:
        return False


# -- synthetic ------------------------------------------------------------------------------------
def test_synthetic_snapshot_shape_and_determinism():
    snap = synthetic_snapshot(n_pods=600, n_deployments=120, n_events=3000, seed=3)
    assert (len(snap.list("pods")), len(snap.list("deployments")), len(snap.list("events"))) == (600, 120, 3000)
    assert len(snap.list("replicasets")) == len(snap.list("services")) == len(snap.list("endpoints")) == 120
    reasons = {
        s["state"].get("waiting", {}).get("reason")
        for p in snap.list("pods")
        for s in p["status"].get("containerStatuses", [])
    }
    assert {"CrashLoopBackOff", "ImagePullBackOff", "CreateContainerConfigError"} <= reasons
    assert any(p["status"]["phase"] == "Pending" and "nodeName" not in p["spec"] for p in snap.list("pods"))
    again = synthetic_snapshot(n_pods=600, n_deployments=120, n_events=3000, seed=3)
    assert json.dumps(again.objects["pods"]) == json.dumps(snap.objects["pods"])
    other = synthetic_snapshot(n_pods=600, n_deployments=120, n_events=3000, seed=4)
    assert json.dumps(other.objects["pods"]) != json.dumps(snap.objects["pods"])
