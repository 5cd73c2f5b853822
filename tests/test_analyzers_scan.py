"""Scan-level behaviour: unreadable kinds, malformed objects, ordering, the DataFrame, namespace scope,
and the bundled demo cluster (every planted failure found, nothing on its healthy workloads)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from analyzer_objects import NS, cluster, deployment, healthy_objects, node, only, pod, terminated, waiting

from holmes_nb.analyzers import findings_frame, scan
from holmes_nb.apiserver.server import Fault, SnapshotAPIServer
from holmes_nb.errors import ClusterError, ForbiddenError
from holmes_nb.formats.demo import demo_cluster
from holmes_nb.sources.kinds import resolve_kind
from holmes_nb.sources.live import LiveCluster
from holmes_nb.sources.snapshot import Snapshot


class PartlyForbidden(Snapshot):
    """A source whose RBAC denies some kinds, like a namespaced service account."""

    denied = {"events": ForbiddenError, "nodes": ForbiddenError, "ingresses": ClusterError}

    def list(self, kind, namespace=None, **kw):
        k = self._kind(kind)
        if k.name in self.denied:
            raise self.denied[k.name](
                f'{k.name} is forbidden: User "system:serviceaccount:shop:viewer" cannot list resource "{k.name}"',
                hint="grant list in a Role",
            )
        return super().list(kind, namespace, **kw)


def test_unreadable_kinds_become_info_findings_not_crashes():
    name = "api-5c8d7-abcde"
    p = pod(name, statuses=[waiting("app", "CrashLoopBackOff", restarts=3, last=terminated("Error", 1))])
    snap = PartlyForbidden(name="rbac", captured_at=cluster().captured_at)
    snap.add_all(
        [
            *healthy_objects(),
            p,
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {"name": "web", "namespace": NS},
                "spec": {},
            },
        ]
    )
    findings = scan(snap)
    info = {f.kind: f for f in findings if f.reason == "ReadError"}
    assert set(info) == {"Event", "Node", "Ingress"} and all(f.severity == "info" for f in info.values())
    assert "access denied" in info["Event"].message and "cannot list" in info["Event"].evidence[0]
    assert only(findings, name=name).reason == "CrashLoopBackOff"


def test_malformed_object_is_reported_not_raised():
    bad = deployment("weird")
    bad["status"]["readyReplicas"] = "lots"
    findings = scan(cluster(bad))
    assert [(f.severity, f.reason, f.name) for f in findings] == [("info", "AnalyzerError", "workloads")]


def test_findings_are_sorted_and_frame_has_the_columns():
    crash = pod("b-pod", statuses=[waiting("app", "CrashLoopBackOff", restarts=3, last=terminated("Error", 1))])
    evicted = pod("a-pod", phase="Failed", statuses=[], status_extra={"reason": "Evicted", "message": "x"})
    findings = scan(cluster(crash, evicted, node("worker-9", unschedulable=True)))
    assert [(f.severity, f.name) for f in findings] == [
        ("critical", "b-pod"),
        ("warning", "worker-9"),
        ("warning", "a-pod"),
    ]
    frame = findings_frame(findings)
    assert list(frame.columns) == [
        "severity",
        "kind",
        "namespace",
        "name",
        "reason",
        "message",
        "evidence",
        "caused_by",
    ]
    assert frame.iloc[0]["reason"] == "CrashLoopBackOff" and isinstance(frame.iloc[0]["evidence"], str)
    assert findings[0].to_dict()["evidence"] == findings[0].evidence


def test_namespace_scope_skips_other_namespaces_and_nodes():
    a = pod("crash-a", statuses=[waiting("app", "CrashLoopBackOff", restarts=3, last=terminated("Error", 1))])
    b = pod(
        "crash-b", ns="other", statuses=[waiting("app", "CrashLoopBackOff", restarts=3, last=terminated("Error", 1))]
    )
    findings = scan(cluster(a, b, node("worker-1", pressure=("DiskPressure",))), namespace=NS)
    assert [(f.namespace, f.name) for f in findings] == [(NS, "crash-a")]


# -- the bundled demo cluster ----------------------------------------------------------------
DEMO_DOC = Path(__file__).resolve().parents[1] / "docs" / "demo-cluster.md"
_ROW = re.compile(r"^\|\s*(\d+)\s*\|([^|]*)\|([^|]*)\|([^|]*)\|", re.M)
_REF = re.compile(r"`(\w+)/([\w.-]+)`")

#: the reason of the finding that reports each planted failure (row number in docs/demo-cluster.md)
DEMO_REASONS = {
    1: "CrashLoopBackOff",
    2: "CrashLoopBackOff",
    3: "ImagePullBackOff",
    4: "ProgressDeadlineExceeded",
    5: "CreateContainerConfigError",
    6: "Unschedulable",
    7: "Unschedulable",
    8: "FailedMount",
    9: "Init:CrashLoopBackOff",
    10: "ReadinessProbeFailed",
    11: "LivenessProbeFailed",
    12: {"PodsFailing", "QuotaExceeded"},  # fraud-detector's pods are never created
    13: "NoMatchingPods",
    14: "StorageClassNotFound",
    15: "IngressClassNotFound",
    16: "BackendServiceNotFound",
    17: "TLSSecretNotFound",
    18: "BackoffLimitExceeded",
    19: "Suspended",
    20: "MissingResourceRequests",
    21: "QuotaExceeded",
    22: "DiskPressure",
    23: "Evicted",
}
#: healthy workloads of the demo (docs/demo-cluster.md, "Healthy workloads and noise")
DEMO_HEALTHY = {
    ("kube-system", "coredns"),
    ("kube-system", "kube-proxy"),
    ("kube-system", "metrics-server"),
    ("kube-system", "ingress-nginx-controller"),
    ("default", "legacy-echo"),
    ("shop", "cart"),
    ("shop", "catalog"),
    ("shop", "inventory"),
    ("shop", "cart-redis"),
    ("payments", "payments-worker"),
    ("payments", "webhook-relay"),
    ("data", "postgres"),
    ("data", "report-ui"),
    ("monitoring", "prometheus"),
    ("monitoring", "grafana"),
    ("monitoring", "node-exporter"),
}


def planted_failures() -> dict[int, list[tuple[str, str, str]]]:
    """Row number -> [(Kind, namespace, name)] of the objects in the doc's "Planted failures" table."""
    text = DEMO_DOC.read_text(encoding="utf-8").split("## Planted failures", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for m in _ROW.finditer(text):
        namespaces = [n.strip() for n in m.group(3).split(",")]
        refs = []
        for r in _REF.finditer(m.group(4)):
            kind = resolve_kind(r.group(1))
            ns = "" if not kind.namespaced else _namespace_of(kind.name, r.group(2), namespaces)
            refs.append((kind.kind, ns, r.group(2)))
        rows[int(m.group(1))] = refs
    return rows


def _namespace_of(kind: str, name: str, candidates: list[str]) -> str:
    """The row's namespace holding the object (a row may list several namespaces)."""
    held = [ns for ns in candidates if any(o["metadata"]["name"] == name for o in demo_cluster().list(kind, ns))]
    assert len(held) == 1, (kind, name, candidates)
    return held[0]


def _names(f) -> str:
    return " ".join([f.message, *f.evidence])


def _mentions(f, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", _names(f)) is not None


def _covering(findings, kind: str, ns: str, name: str) -> list:
    """Findings on the object, else findings that name it (a Deployment finding naming its ReplicaSet)."""
    direct = [f for f in findings if (f.kind, f.namespace, f.name) == (kind, ns, name)]
    return direct or [f for f in findings if f.namespace == ns and _mentions(f, name)]


def test_demo_doc_lists_the_planted_failures():
    rows = planted_failures()
    assert sorted(rows) == sorted(DEMO_REASONS), "docs/demo-cluster.md and DEMO_REASONS disagree"
    assert all(rows.values())


def test_scan_finds_every_planted_failure_of_the_demo():
    findings = scan(demo_cluster())
    for row, refs in planted_failures().items():
        for kind, ns, name in refs:
            covering = _covering(findings, kind, ns, name)
            assert covering, f"row {row}: nothing reports {kind} {ns}/{name}"
            expected = DEMO_REASONS[row] if isinstance(DEMO_REASONS[row], set) else {DEMO_REASONS[row]}
            assert expected & {f.reason for f in covering}, (row, name, [f.reason for f in covering])


def test_demo_findings_are_all_about_planted_failures():
    """Every finding is on a planted object, or names an object whose finding is (Service -> pod -> ...)."""
    findings = scan(demo_cluster())
    planted = {ref for refs in planted_failures().values() for ref in refs}
    justified = {
        f.ref
        for f in findings
        if (f.kind, f.namespace, f.name) in planted
        or any(ns == f.namespace and _mentions(f, n) for _, ns, n in planted)
    }
    changed = True
    while changed:
        changed = False
        for f in findings:
            if f.ref not in justified and any(
                _mentions(f, g.name) for g in findings if g.ref in justified and g.namespace == f.namespace
            ):
                justified.add(f.ref)
                changed = True
    assert [f.ref for f in findings if f.ref not in justified] == []
    assert not [f for f in findings if f.reason in ("AnalyzerError", "ReadError")]


def test_demo_healthy_workloads_and_noise_give_nothing():
    cluster = demo_cluster()
    findings = scan(cluster)
    workload_kinds = {"Deployment", "StatefulSet", "DaemonSet", "ReplicationController"}
    assert not [f.ref for f in findings if f.kind in workload_kinds and (f.namespace, f.name) in DEMO_HEALTHY]
    noisy = [
        f.ref
        for f in findings
        if f.kind == "Pod"
        and f.reason != "Evicted"
        and any(
            f"controlled by {k} {n}" in f.evidence
            for (ns, n) in DEMO_HEALTHY
            if ns == f.namespace
            for k in workload_kinds
        )
    ]
    assert noisy == []
    cart = cluster.get("pods", "cart-drdlbsfpk2-9blkv", "shop")  # restarted once three days ago: noise
    assert cart["status"]["containerStatuses"][0]["restartCount"] == 1
    assert not [f for f in findings if f.name == "cart-drdlbsfpk2-9blkv"]


def test_demo_findings_carry_the_telling_evidence():
    by_ref = {f.ref: f for f in scan(demo_cluster())}
    crash = by_ref["Pod shop/checkout-zn9hbl8h66-skgzh"]
    assert "required environment variable PAYMENTS_API_URL is not set" in crash.message
    oom = by_ref["Pod shop/recommendations-cls4ggdjg8-mjwrk"]
    assert "512Mi" in oom.message and any("OOMKilled, code 137" in e for e in oom.evidence)
    assert "'api-key'" in by_ref["Pod payments/payments-api-4vbbt5ts8q-kzz9x"].message
    assert (
        "probe port 8080 is not among the container's ports (9093)"
        in by_ref["Pod monitoring/alertmanager-rp2q6lgz7c-xw5n7"].evidence
    )
    assert "app=inventory (2 pods)" in by_ref["Service shop/inventory"].message
    assert "more than any node can offer" in by_ref["Pod data/etl-worker-txnpdf9b8p-m9p6h"].message
    job = by_ref["Job data/orders-export-29032440"]
    assert any("could not translate host name" in e for e in job.evidence)
    assert not any("orders-export-29032380" in ref for ref in by_ref)  # the successful 09:00 run


def test_demo_planted_secrets_never_reach_findings():
    text = json.dumps([f.to_dict() for f in scan(demo_cluster())])
    assert "hunter2-demo" not in text and "eyJhbGciOiJIUzI1NiJ9" not in text


# -- the live source, through the real kubernetes client and the snapshot API server -------------
class FrozenLiveCluster(LiveCluster):
    """A live source whose clock is the demo's capture time, so ages match the snapshot's."""

    def now(self):
        return demo_cluster().now()


def test_scan_through_the_live_source_equals_the_snapshot_scan():
    demo = demo_cluster()
    with SnapshotAPIServer(demo) as server:
        live = FrozenLiveCluster(server=server.url)
        try:
            findings = scan(live)
        finally:
            live.close()
        assert {r.method for r in server.requests} == {"GET"}
        assert any(r.path.endswith("/log") for r in server.requests)  # previous logs of crashing containers
    assert [f.to_dict() for f in findings] == [f.to_dict() for f in scan(demo)]


def test_forbidden_kind_on_a_live_source_is_an_info_finding():
    with SnapshotAPIServer(demo_cluster()) as server:
        server.faults.append(Fault(r"/events", status=403, count=None))
        live = FrozenLiveCluster(server=server.url)
        try:
            findings = scan(live)
        finally:
            live.close()
    read = [f for f in findings if f.reason == "ReadError"]
    assert [(f.kind, f.severity) for f in read] == [("Event", "info")]
    assert "access denied" in read[0].message
    assert only(findings, name="checkout-zn9hbl8h66-skgzh").reason == "CrashLoopBackOff"  # the rest still works


def test_gateway_api_not_served_is_no_read_error_but_other_missing_apis_are():
    with SnapshotAPIServer(demo_cluster()) as server:
        server.faults.append(Fault(r"/apis/gateway\.networking\.k8s\.io/", status=404, count=None))
        server.faults.append(Fault(r"/poddisruptionbudgets", status=404, count=None))
        live = FrozenLiveCluster(server=server.url)
        try:
            findings = scan(live)
        finally:
            live.close()
    read = [f for f in findings if f.reason == "ReadError"]
    assert [f.kind for f in read] == ["PodDisruptionBudget"] and "does not serve" in read[0].evidence[0]
    assert not [f for f in findings if f.kind in ("GatewayClass", "Gateway", "HTTPRoute")]
    assert only(findings, name="checkout-zn9hbl8h66-skgzh").reason == "CrashLoopBackOff"
