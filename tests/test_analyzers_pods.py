"""Analyzer tests for pod phases: unschedulable and stuck-creating pods, evictions, probes and
deletions, on small realistic objects (see analyzer_objects.py)."""

from __future__ import annotations

from analyzer_objects import NS, cluster, cond, container, event, node, only, pod, running, terminated, ts, waiting

from holmes_nb.analyzers import scan


# -- pod phases ------------------------------------------------------------------------------
def test_pending_insufficient_memory_and_taint():
    name = "web-7d9f8c6b5-pend1"
    p = pod(
        name,
        phase="Pending",
        node=None,
        statuses=[],
        containers=[container(requests={"cpu": "500m", "memory": "12Gi"})],
        conditions=[cond("PodScheduled", "False", "Unschedulable", "0/3 nodes are available")],
    )
    msg = (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod."
    )
    ev = event("Pod", name, "FailedScheduling", msg, count=12)
    f = only(scan(cluster(p, ev, node("worker-1"), node("worker-2", allocatable={"memory": "15Gi", "cpu": "4"}))))
    assert (f.reason, f.severity) == ("Unschedulable", "critical")
    assert "not enough free memory" in f.message and "toleration" in f.message
    assert "pod requests memory=12Gi" in f.evidence
    assert "largest allocatable memory: 15Gi on worker-2" in f.evidence


def test_pending_node_selector_no_node_has_label():
    name = "web-7d9f8c6b5-pend2"
    p = pod(
        name,
        phase="Pending",
        node=None,
        statuses=[],
        nodeSelector={"disktype": "ssd"},
        conditions=[cond("PodScheduled", "False", "Unschedulable")],
    )
    ev = event(
        "Pod",
        name,
        "FailedScheduling",
        "0/2 nodes are available: 2 node(s) didn't match Pod's node "
        "affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    )
    f = only(scan(cluster(p, ev, node("worker-1"), node("worker-2"))))
    assert "no node has the label disktype=ssd" in f.message
    assert "nodeSelector: disktype=ssd" in f.evidence


def test_pending_unbound_claim_names_the_claim():
    name = "db-0"
    p = pod(
        name,
        phase="Pending",
        node=None,
        statuses=[],
        owner=("StatefulSet", "db"),
        labels={"app": "db"},
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}],
        conditions=[cond("PodScheduled", "False", "Unschedulable")],
    )
    ev = event(
        "Pod",
        name,
        "FailedScheduling",
        "0/3 nodes are available: pod has unbound immediate "
        "PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    )
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data-db-0", "namespace": NS, "creationTimestamp": ts(hours=1)},
        "spec": {
            "storageClassName": "fast-ssd",
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "10Gi"}},
        },
        "status": {"phase": "Pending"},
    }
    findings = scan(cluster(p, ev, pvc))
    f = only(findings, name="db-0")
    assert "data-db-0" in f.message and "PVC data-db-0: Pending" in f.evidence
    assert only(findings, "PersistentVolumeClaim").severity == "critical"  # a pod waits for it


def test_container_creating_with_failed_mount():
    name = "web-7d9f8c6b5-mnt01"
    p = pod(
        name,
        phase="Pending",
        statuses=[waiting("app", "ContainerCreating")],
        volumes=[{"name": "config", "configMap": {"name": "web-config"}}],
        conditions=[cond("PodScheduled", "True"), cond("Ready", "False", "ContainersNotReady")],
    )
    ev = event(
        "Pod",
        name,
        "FailedMount",
        'MountVolume.SetUp failed for volume "config" : configmap "web-config" not found',
        count=9,
    )
    f = only(scan(cluster(p, ev)))
    assert f.reason == "FailedMount" and "ConfigMap 'web-config'" in f.message
    assert any('configmap "web-config" not found' in e for e in f.evidence)


def test_evicted_pod_explains_memory_pressure():
    msg = (
        "The node was low on resource: memory. Threshold quantity: 100Mi, available: 52Mi. Container app was using "
        "1500Mi, request is 256Mi, has larger consumption of memory. "
    )
    p = pod("web-7d9f8c6b5-evct1", phase="Failed", statuses=[], status_extra={"reason": "Evicted", "message": msg})
    f = only(scan(cluster(p)))
    assert (f.reason, f.severity) == ("Evicted", "warning")
    assert "low on memory" in f.message and "used 1500Mi against a request of 256Mi" in f.message


def test_readiness_probe_failing_on_unexposed_port():
    name = "web-7d9f8c6b5-rdy01"
    c = container(readinessProbe={"httpGet": {"path": "/ready", "port": 8081, "scheme": "HTTP"}, "periodSeconds": 5})
    p = pod(name, containers=[c], statuses=[running(ready=False)])
    ev = event(
        "Pod",
        name,
        "Unhealthy",
        'Readiness probe failed: Get "http://10.244.1.7:8081/ready": dial tcp '
        "10.244.1.7:8081: connect: connection refused",
        count=40,
        field_path="spec.containers{app}",
    )
    f = only(scan(cluster(p, ev)))
    assert (f.reason, f.severity) == ("ReadinessProbeFailed", "critical")  # the pod serves no traffic
    assert "nothing listens on the probed port" in f.message
    assert "probe port 8081 is not among the container's ports (8080)" in f.evidence
    assert any(e.startswith("readinessProbe: httpGet http://:8081/ready") for e in f.evidence)


def test_liveness_probe_restarting_a_ready_pod_recently():
    name = "web-7d9f8c6b5-liv01"
    c = container(livenessProbe={"httpGet": {"path": "/healthz", "port": 8080}})
    p = pod(name, containers=[c], statuses=[running(restarts=3, last=terminated("Error", 137, minutes_ago=4))])
    ev = event(
        "Pod",
        name,
        "Unhealthy",
        "Liveness probe failed: HTTP probe failed with statuscode: 500",
        count=9,
        field_path="spec.containers{app}",
    )
    f = only(scan(cluster(p, ev)))
    assert f.reason == "LivenessProbeFailed" and "HTTP 500" in f.message


def test_readiness_probe_failing_quotes_the_apps_error_line_not_a_healthy_log():
    name = "search-5c8d7f9b6-rdy02"
    c = container(readinessProbe={"httpGet": {"path": "/ready", "port": 8080}})
    p = pod(name, containers=[c], statuses=[running(ready=False)])
    ev = event("Pod", name, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", count=12,
               field_path="spec.containers{app}")  # fmt: skip
    bad = (
        '{"level":"info","ts":"2025-03-14T09:50:02Z","msg":"listening","addr":":8080"}\n'
        '{"level":"warn","ts":"2025-03-14T10:29:02Z","msg":"readiness check failed","check":"index",'
        '"error":"index_not_found_exception: no such index [products-v7]"}\n'
    )
    f = only(scan(cluster(p, ev, logs={(NS, name, "app", False): bad})))
    assert "HTTP 503" in f.message
    assert 'its log says "warn: readiness check failed (index_not_found_exception: no such index [products-v7])"' in (
        f.message
    )
    assert any(e.startswith("log: warn: readiness check failed") for e in f.evidence)
    healthy = '{"level":"info","msg":"GET /ready 200"}\n'
    f = only(scan(cluster(p, ev, logs={(NS, name, "app", False): healthy})))
    assert "its log says" not in f.message and not any(e.startswith("log:") for e in f.evidence)


def test_stuck_terminating_on_a_lost_node():
    p = pod(
        "web-7d9f8c6b5-term1",
        meta_extra={"deletionTimestamp": ts(minutes=40), "deletionGracePeriodSeconds": 30},
        node="worker-3",
    )
    findings = scan(
        cluster(
            p,
            node(
                "worker-3", ready="Unknown", reason="NodeStatusUnknown", message="Kubelet stopped posting node status."
            ),
        )
    )
    f = only(findings, name="web-7d9f8c6b5-term1")
    assert f.reason == "StuckTerminating" and "worker-3 is NotReady" in f.message
    assert only(findings, "Node").reason == "NodeNotReady"


def test_request_larger_than_any_node_and_a_node_condition_taint():
    name = "etl-worker-6c9d8-m9p6h"
    p = pod(
        name,
        phase="Pending",
        node=None,
        statuses=[],
        containers=[container(requests={"memory": "24Gi"})],
        conditions=[cond("PodScheduled", "False", "Unschedulable")],
    )
    msg = (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }, "
        "2 Insufficient memory. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )
    nodes = [
        node("worker-1", allocatable={"memory": "15186496Ki"}),
        node("worker-2", allocatable={"memory": "7Gi"}),
        node("worker-3", pressure=("DiskPressure",)),
    ]
    f = only(scan(cluster(p, event("Pod", name, "FailedScheduling", msg), *nodes)), name=name)
    assert f.message.startswith(
        "The pod cannot be scheduled: it requests 24Gi memory, more than any node can offer "
        "(the largest, worker-1, has 14.5Gi allocatable)"
    )
    assert "1 node is under disk pressure" in f.message and "toleration" not in f.message
    assert f.evidence[0].endswith("2 Insufficient memory.")  # the preemption half is dropped
