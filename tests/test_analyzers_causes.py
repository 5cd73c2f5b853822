"""Root causes and consequences: ``caused_by`` links, the grouped scan output, the recent change."""

from __future__ import annotations

import copy
import json

import pytest
from analyzer_objects import (
    NS,
    cluster,
    container,
    crashing,
    deployment,
    endpoints,
    healthy_objects,
    node,
    obj,
    pod,
    replicaset,
    service,
    ts,
    waiting,
)
from dump_fixture import CLAIMED, CRASH, write_dump
from test_magics import ip  # noqa: F401 - the IPython shell fixture

from holmes_nb.analyzers import findings_frame, scan
from holmes_nb.analyzers.causes import by_root, ordered, primaries, roots_first, summary
from holmes_nb.cli import main
from holmes_nb.formats.demo import demo_cluster
from holmes_nb.formats.importers import load_snapshot


@pytest.fixture(scope="module")
def demo_findings():
    return primaries(scan(demo_cluster()))  # one finding per object: the one chains go through


def test_demo_chain_from_pod_to_deployment_to_service(demo_findings):
    svc = demo_findings["Service/shop/checkout"]
    assert svc.caused_by == "Deployment/shop/checkout"
    dep = demo_findings[svc.caused_by]
    assert dep.caused_by.startswith("Pod/shop/checkout-") and demo_findings[dep.caused_by].caused_by is None
    pvc_pod = demo_findings["Pod/data/clickhouse-0"]
    assert pvc_pod.caused_by == "PersistentVolumeClaim/data/data-clickhouse-0"
    assert demo_findings["StatefulSet/data/clickhouse"].caused_by == "Pod/data/clickhouse-0"
    evicted = next(f for f in demo_findings.values() if f.reason == "Evicted")
    assert evicted.caused_by == "Node//worker-3"


def test_independent_problems_stay_root_causes(demo_findings):
    for key in ("Ingress/shop/storefront", "Service/shop/inventory", "Node//worker-3", "CronJob/data/warehouse-vacuum"):
        assert demo_findings[key].caused_by is None, key
    assert all(f.caused_by is None or f.caused_by in demo_findings for f in demo_findings.values())


def test_links_never_form_a_cycle(demo_findings):
    for f in demo_findings.values():
        seen, key = set(), f.key
        while key:
            assert key not in seen
            seen.add(key)
            key = demo_findings[key].caused_by


def test_by_root_groups_and_summary_counts():
    findings = scan(demo_cluster())
    groups = by_root(findings)
    roots = [r for r, _ in groups]
    assert all(r.caused_by is None for r in roots)
    assert sum(1 + len(below) for _, below in groups) == len(findings)
    assert summary(findings) == f"{len(roots)} root causes, {len(findings)} findings"
    clickhouse = next(below for r, below in groups if r.key == "PersistentVolumeClaim/data/data-clickhouse-0")
    assert [(d, f.key) for d, f in clickhouse] == [
        (1, "Pod/data/clickhouse-0"),
        (2, "StatefulSet/data/clickhouse"),
        (3, "Service/data/clickhouse"),
    ]
    assert len(ordered(findings)) == len(findings)
    first = roots_first(findings)
    assert first[: len(roots)] == roots
    assert [f for f in first if f.caused_by is None] == roots


def test_ingress_returns_503_because_of_its_service():
    ing = obj(
        "Ingress",
        "shop",
        api="networking.k8s.io/v1",
        spec={
            "rules": [
                {
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    }
                }
            ]
        },
    )
    bad = [
        crashing("web-7d9f8c6b5-x2k4p"),
        deployment("web", replicas=1, ready=0),
        replicaset("web-7d9f8c6b5", "web", replicas=1, ready=0),
        service("web", {"app": "web"}),
        endpoints("web", not_ready=("10.244.1.7",)),
        node("worker-1"),
        ing,
    ]
    found = {f.key: f for f in scan(cluster(*bad))}
    f = found["Ingress/shop/shop"]
    assert f.reason == "BackendUnavailable" and f.caused_by == "Service/shop/web"
    assert found["Service/shop/web"].caused_by == "Deployment/shop/web"
    assert found["Deployment/shop/web"].caused_by == "Pod/shop/web-7d9f8c6b5-x2k4p"
    assert "2 root causes" not in summary(list(found.values()))
    assert summary(list(found.values())) == "1 root cause, 4 findings"
    healthy = {f.key for f in scan(cluster(*healthy_objects(), ing))}
    assert healthy == set()  # the same Ingress over a healthy Service says nothing


def test_dump_pod_follows_from_its_claim(tmp_path):
    found = {f.key: f for f in scan(load_snapshot(write_dump(tmp_path / "dump")))}
    assert found[f"Pod/{NS}/{CLAIMED}"].caused_by == f"PersistentVolumeClaim/{NS}/data-db-0"


def test_crash_that_cannot_reach_a_broken_service_follows_from_it(tmp_path):
    findings = scan(load_snapshot(write_dump(tmp_path / "dump")))
    found = {f.key: f for f in findings}
    assert found[f"Pod/{NS}/{CRASH}"].caused_by == f"Service/{NS}/db"  # its log: db.shop.svc:5432 refused
    assert found[f"Service/{NS}/db"].caused_by == f"Pod/{NS}/{CLAIMED}"
    assert summary(findings) == "2 root causes, 7 findings"  # the claim, and the orders init container


def test_no_link_without_a_connection_error_or_to_the_pods_own_service():
    log = "starting\nconnecting to db.shop.svc:5432\npanic: nil map in handler"
    db = [
        pod("db-0", owner=None, labels={"app": "db"}, statuses=[waiting("app", "ImagePullBackOff")]),
        service("db", {"app": "db"}, port=5432, target=5432),
        node("worker-1"),
    ]
    crash = crashing("web-7d9f8c6b5-x2k4p")
    found = {f.key: f for f in scan(cluster(*db, crash, logs={(NS, crash["metadata"]["name"], "app", True): log}))}
    assert found[f"Pod/{NS}/web-7d9f8c6b5-x2k4p"].caused_by is None  # a panic, not a refused connection
    own = "dial tcp: lookup web.shop on 10.96.0.10:53: no such host"
    svc = service("web", {"app": "web"})
    found = {
        f.key: f
        for f in scan(cluster(crash, svc, node("worker-1"), logs={(NS, crash["metadata"]["name"], "app", True): own}))
    }
    assert found[f"Pod/{NS}/web-7d9f8c6b5-x2k4p"].caused_by is None  # web selects the pod itself
    assert found[f"Service/{NS}/web"].caused_by == f"Pod/{NS}/web-7d9f8c6b5-x2k4p"


def test_frame_and_json_carry_caused_by(tmp_path, capsys):
    frame = findings_frame(scan(demo_cluster()))
    assert "caused_by" in frame.columns
    assert (frame[frame["kind"] == "Service"]["caused_by"].dropna() != "").any()
    path = tmp_path / "cluster.json"
    items = [
        crashing("web-7d9f8c6b5-x2k4p"),
        deployment("web", replicas=1, ready=0),
        replicaset("web-7d9f8c6b5", "web", replicas=1, ready=0),
        node("worker-1"),
    ]
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    assert main(["scan", "--cluster", str(path), "--format", "json"]) == 0
    data = {d["kind"]: d for d in json.loads(capsys.readouterr().out)}
    assert data["Pod"]["caused_by"] is None and data["Deployment"]["caused_by"] == f"Pod/{NS}/web-7d9f8c6b5-x2k4p"


def test_scan_table_prints_root_causes_with_consequences_under_them(capsys):
    assert main(["scan", "--cluster", "demo"]) == 0
    out = capsys.readouterr().out
    findings = scan(demo_cluster())
    assert f"{summary(findings)}: root causes first" in out
    lines = out.splitlines()
    root = lines.index("[critical] PersistentVolumeClaim data/data-clickhouse-0: StorageClassNotFound")
    pod_line = next(i for i, ln in enumerate(lines) if "<- [critical] Pod data/clickhouse-0: Unschedulable" in ln)
    sts = next(i for i, ln in enumerate(lines) if "<- [critical] StatefulSet data/clickhouse: PodsFailing" in ln)
    assert root < pod_line < sts
    assert "(follows from PersistentVolumeClaim/data/data-clickhouse-0)" in lines[pod_line]
    assert main(["scan", "--cluster", "demo", "--format", "markdown"]) == 0
    assert "Follows from `Pod/data/clickhouse-0`." in capsys.readouterr().out


def test_magic_scan_prints_the_tree_and_orders_the_frame(ip, capsys):  # noqa: F811
    ip.run_cell("f = %holmes scan --cluster demo -n data")
    out = capsys.readouterr().out
    frame = ip.user_ns["f"]
    assert out.splitlines()[0].endswith("findings") and "root cause" in out.splitlines()[0]
    assert "<- [critical] Pod data/clickhouse-0: Unschedulable" in out
    keys = list(frame["kind"] + "/" + frame["namespace"] + "/" + frame["name"])
    assert keys.index("PersistentVolumeClaim/data/data-clickhouse-0") < keys.index("Pod/data/clickhouse-0")
    assert frame["caused_by"].isna().sum() == int(out.splitlines()[0].split()[0])  # one None per root cause
    ip.run_cell("g = %holmes scan --cluster demo")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 41 and lines[-1].startswith("... 2 more lines: the returned DataFrame has every finding")
    assert len(ip.user_ns["g"]) == 41


# -- the recent change --------------------------------------------------------------------------
def _rollout(new_env=("FEATURE_X",), new_args=("--fast",), old_fails=False):
    old_tpl = [
        container("app", "ghcr.io/acme/app:1.4.2", env=[{"name": "LOG_LEVEL", "value": "info"}], args=["--port=8080"])
    ]
    new_tpl = copy.deepcopy(old_tpl)
    new_tpl[0]["image"] = "ghcr.io/acme/app:1.5.0"
    new_tpl[0]["env"] += [{"name": n, "value": "1"} for n in new_env]
    new_tpl[0]["args"] = ["--port=8080", *new_args]
    dep = deployment("web", replicas=2, ready=1, template_containers=new_tpl)
    rss = []
    for rev, (h, tpl, created) in enumerate(
        [("7d9f8c6b5", old_tpl, ts(days=3)), ("5c6d7e8f9", new_tpl, ts(minutes=20))], 1
    ):
        rs = replicaset(f"web-{h}", "web", replicas=1, ready=0 if rev == 2 else 1)
        rs["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": str(rev)}
        rs["metadata"]["creationTimestamp"] = created
        rs["spec"]["template"] = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": tpl}}
        rss.append(rs)
    new_pod = crashing("web-5c6d7e8f9-aaaaa", owner=("ReplicaSet", "web-5c6d7e8f9"))
    old_pod = (crashing if old_fails else pod)("web-7d9f8c6b5-bbbbb", owner=("ReplicaSet", "web-7d9f8c6b5"))
    return [dep, *rss, new_pod, old_pod, node("worker-1")]


def test_new_revision_whose_pods_fail_names_the_change():
    f = next(f for f in scan(cluster(*_rollout())) if f.kind == "Deployment")
    assert (
        "the failures began with revision 2 (ReplicaSet web-5c6d7e8f9, 20m ago) while revision 1's pods ran"
        in f.message
    )
    assert "image of app ghcr.io/acme/app:1.4.2 -> ghcr.io/acme/app:1.5.0" in f.message
    assert "recent change: revision 1 -> 2: added env FEATURE_X to app" in f.evidence
    assert "recent change: revision 1 -> 2: args of app --port=8080 -> --port=8080 --fast" in f.evidence


def test_no_change_is_blamed_when_the_old_revision_fails_too_or_there_is_one_revision():
    f = next(f for f in scan(cluster(*_rollout(old_fails=True))) if f.kind == "Deployment")
    assert "revision" not in f.message and not any(e.startswith("recent change") for e in f.evidence)
    objs = [o for o in _rollout() if o["metadata"]["name"] not in ("web-7d9f8c6b5", "web-7d9f8c6b5-bbbbb")]
    f = next(f for f in scan(cluster(*objs)) if f.kind == "Deployment")
    assert "revision" not in f.message


def test_find_problems_keeps_the_root_causes_when_rows_are_cut():
    from holmes_nb.tools.kubernetes import kubernetes_tools

    findings = scan(demo_cluster())
    roots = [r for r, _ in by_root(findings)]
    tool = {t.name: t for t in kubernetes_tools(demo_cluster(), max_rows=len(roots))}["find_problems"]
    text = tool.func().text
    assert f"the {len(roots)} root causes first" in text
    for root in roots:
        assert f"- {root.severity} {root.ref}: {root.reason}" in text
    assert f"[{len(findings) - len(roots)} more problems not shown" in text
