"""The DataFrame builders and ClusterFrames over a realistic in-memory snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from snapshot_objects import CAPTURED_AT, CONFIG_VALUE, CRASH_POD, PENDING_POD, SECRET_VALUE, build_snapshot, ts

from holmes_nb.cluster_spec import open_cluster
from holmes_nb.errors import ConfigError, NotFoundError
from holmes_nb.frames.cluster_frames import (
    ClusterFrames,
    age,
    events_frame,
    human_duration,
    ingresses_frame,
    is_unhealthy,
    memory_text,
    parse_quantity,
    parse_time,
    pod_reason,
    pods_frame,
    services_frame,
    split_object,
)
from holmes_nb.sources.snapshot import Snapshot


@pytest.fixture(scope="module")
def frames():
    return ClusterFrames(build_snapshot())


def _row(df, **match):
    hits = df
    for col, value in match.items():
        hits = hits[hits[col] == value]
    assert len(hits) == 1, f"expected one row for {match}, got {len(hits)}"
    return hits.iloc[0]


# -- time and quantities ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "seconds, text",
    [
        (0, "0s"),
        (59, "59s"),
        (119, "119s"),
        (120, "2m"),
        (7199, "119m"),
        (7200, "120m"),  # kubectl: minutes up to 3h
        (47 * 3600, "47h"),
        (48 * 3600, "2d"),
        (400 * 86400, "400d"),
        (800 * 86400, "2y70d"),
        (-1, "0s"),
        (-30, "<invalid>"),  # in the future: kubectl says <invalid>
    ],
)
def test_human_duration_units(seconds, text):
    assert human_duration(seconds) == text


@pytest.mark.parametrize(
    "value, micro",
    [
        ("2024-06-01T11:55:00Z", 0),
        ("2024-06-01T11:55:00.123456789Z", 123456),
        ("2024-06-01T11:55:00.5Z", 500000),
        ("2024-06-01T13:55:00+02:00", 0),
    ],
)
def test_parse_time_accepts_kubernetes_timestamps(value, micro):
    assert parse_time(value) == datetime(2024, 6, 1, 11, 55, 0, micro, tzinfo=timezone.utc)
    assert age(value, CAPTURED_AT) == ("5m" if micro == 0 else "4m59s")  # kubectl truncates 4m59.5s


@pytest.mark.parametrize("value", [None, "", "yesterday", 42])
def test_parse_time_rejects_garbage(value):
    assert parse_time(value) is None
    assert age(value, CAPTURED_AT) is None


@pytest.mark.parametrize(
    "text, value", [("500m", 0.5), ("2", 2.0), ("128Mi", 128 * 2**20), ("1G", 1e9), ("1.5Gi", 1.5 * 2**30), (3, 3.0)]
)
def test_parse_quantity(text, value):
    assert parse_quantity(text) == pytest.approx(value)


def test_parse_quantity_rejects_garbage_and_memory_text_rounds():
    assert parse_quantity("lots") is None and parse_quantity("5Xi") is None
    assert memory_text("16393216Ki") == "15.6Gi"
    assert memory_text("128Mi") == "128Mi"
    assert memory_text(None) is None


def test_ages_are_relative_to_the_snapshot_capture_time(frames):
    pods = frames.pods("shop")
    assert set(pods["age"]) == {"5h"}
    assert _row(frames.nodes(), name="node-1")["age"] == "30d"
    assert _row(frames.workloads(), name="migrate")["age"] == "120m"  # kubectl: minutes up to 3h
    # the same objects captured a day later show older ages: ages follow captured_at, not the wall clock
    later = build_snapshot()
    later.captured_at = CAPTURED_AT + timedelta(days=1)
    assert set(ClusterFrames(later).pods("shop")["age"]) == {"29h"}


# -- pods ---------------------------------------------------------------------------------------
def test_pods_frame_columns_and_reasons(frames):
    df = frames.pods()
    assert list(df.columns) == ["namespace", "name", "phase", "ready", "restarts", "reason", "age", "node"]
    crash = _row(df, name=CRASH_POD)
    assert (crash["phase"], crash["ready"], crash["restarts"]) == ("Running", "0/1", 7)
    assert crash["reason"] == "CrashLoopBackOff (OOMKilled, exit 137)"
    assert _row(df, name=PENDING_POD)["reason"] == "Unschedulable"
    assert _row(df, name=PENDING_POD)["node"] == ""
    assert _row(df, name="image-typo-6b7c-pq2lm")["reason"] == "ImagePullBackOff"
    assert _row(df, name="migrate-x7k2p")["reason"] == "Error (exit 2)"
    assert _row(df, namespace="shop", name="cache-0")["reason"] == ""  # healthy, despite old restarts


def test_unhealthy_filter_keeps_only_pods_that_need_a_look(frames):
    names = set(frames.pods(unhealthy=True)["name"])
    assert names == {CRASH_POD, PENDING_POD, "image-typo-6b7c-pq2lm", "migrate-x7k2p"}


def _pod(status, spec=None, **meta):
    return {
        "metadata": {"name": "p", "namespace": "ns", **meta},
        "spec": spec or {"containers": [{"name": "c"}]},
        "status": status,
    }


@pytest.mark.parametrize(
    "pod, reason, unhealthy",
    [
        (
            _pod({"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory."}),
            "Evicted",
            True,
        ),
        (
            _pod({"phase": "Running", "containerStatuses": [{"name": "c", "ready": True}]}, deletionTimestamp="x"),
            "Terminating",
            False,
        ),
        (
            _pod({"phase": "Running", "containerStatuses": [{"name": "c", "ready": False, "state": {"running": {}}}]}),
            "NotReady",
            True,
        ),
        (
            _pod(
                {
                    "phase": "Succeeded",
                    "containerStatuses": [
                        {"name": "c", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
                    ],
                }
            ),
            "",
            False,
        ),
        (
            _pod(
                {
                    "phase": "Pending",
                    "containerStatuses": [{"name": "c", "state": {"waiting": {"reason": "ContainerCreating"}}}],
                }
            ),
            "ContainerCreating",
            True,
        ),
        (
            _pod(
                {
                    "phase": "Pending",
                    "containerStatuses": [
                        {"name": "c", "state": {"waiting": {"reason": "CreateContainerConfigError"}}}
                    ],
                }
            ),
            "CreateContainerConfigError",
            True,
        ),
        (
            _pod(
                {
                    "phase": "Pending",
                    "initContainerStatuses": [
                        {
                            "name": "i",
                            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                            "lastState": {"terminated": {"reason": "Error", "exitCode": 127}},
                        }
                    ],
                },
                {"initContainers": [{"name": "i"}], "containers": [{"name": "c"}]},
            ),
            "Init:CrashLoopBackOff (Error, exit 127)",
            True,
        ),
        (
            _pod(
                {"phase": "Pending", "initContainerStatuses": [{"name": "i", "state": {"running": {}}}]},
                {"initContainers": [{"name": "i"}, {"name": "j"}], "containers": [{"name": "c"}]},
            ),
            "Init:0/2",
            True,
        ),
    ],
)
def test_pod_reason_picks_the_most_telling_status(pod, reason, unhealthy):
    assert pod_reason(pod) == reason
    assert is_unhealthy(pod) is unhealthy


# -- events -------------------------------------------------------------------------------------
def test_events_are_folded_and_newest_first(frames):
    df = frames.events("shop")
    assert list(df.columns) == ["namespace", "last_seen", "type", "reason", "object", "message", "count"]
    backoff = _row(df, reason="BackOff")
    assert backoff["count"] == 43  # two Event objects (40 + 3) with the same object, reason and message
    assert backoff["last_seen"] == "30s"
    assert backoff["object"] == f"pod/{CRASH_POD}"
    assert list(df["last_seen"])[:3] == ["30s", "3m", "6m"]
    assert len(df) == 5  # 6 events in shop, one folded


def test_event_messages_lose_the_pod_uid_but_keep_volume_names():
    from holmes_nb.frames.common import strip_uids

    msg = "Back-off restarting failed container web in pod web-1_shop(8f14e45f-ceea-467f-a0e6-3e1f2b7d8c90)"
    assert strip_uids(msg) == "Back-off restarting failed container web in pod web-1_shop"
    mount = 'MountVolume.SetUp failed for volume "pvc-8f14e45f-ceea-467f-a0e6-3e1f2b7d8c90"'
    assert strip_uids(mount) == mount


def test_events_for_one_object_by_kind_and_name(frames):
    df = frames.events(object=f"pod/{CRASH_POD}")
    assert set(df["reason"]) == {"BackOff", "Pulled"}
    assert frames.events(object="deployment/checkout")["reason"].tolist() == ["ScalingReplicaSet"]
    assert frames.events(object="pod/checkout").empty  # kind and exact name must both match


def test_events_frame_reads_the_events_k8s_io_shape():
    ev = {
        "metadata": {"name": "e", "namespace": "ns"},
        "regarding": {"kind": "Pod", "name": "web-1", "namespace": "ns"},
        "note": "Readiness probe failed: HTTP probe failed with statuscode: 503",
        "reason": "Unhealthy",
        "type": "Warning",
        "series": {"count": 17, "lastObservedTime": ts(minutes=4)},
        "eventTime": ts(hours=2),
    }
    row = events_frame([ev], CAPTURED_AT).iloc[0]
    assert (row["object"], row["count"], row["last_seen"]) == ("pod/web-1", 17, "4m")
    assert row["message"].startswith("Readiness probe failed")


def test_split_object():
    assert split_object("pod/web-1") == ("Pod", "web-1")
    assert split_object("deploy/web") == ("Deployment", "web")
    assert split_object("web-1") == (None, "web-1")
    assert split_object("weird/web") == (None, "weird/web")


# -- logs ---------------------------------------------------------------------------------------
def test_logs_frame_previous_and_tail(frames):
    df = frames.logs(CRASH_POD, previous=True, tail=3)
    assert list(df.columns) == ["line", "text"]
    assert df["line"].tolist() == [1, 2, 3]
    assert df["text"].iloc[-1].endswith("FATAL out of memory")
    assert frames.logs(CRASH_POD).empty  # the current container is waiting: no lines
    with pytest.raises(ConfigError, match="several namespaces"):
        frames.logs("cache-0")
    assert "Ready to accept" in frames.logs("cache-0", "shop")["text"].iloc[0]


# -- workloads, nodes -----------------------------------------------------------------------------
def test_workloads_frame(frames):
    df = frames.workloads()
    assert set(df["kind"]) == {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}  # owned RS left out
    deploy = _row(df, kind="Deployment", name="checkout")
    assert (deploy["desired"], deploy["ready"], deploy["available"], deploy["up_to_date"]) == (2, 1, 1, 2)
    assert deploy["status"] == "Available=False:MinimumReplicasUnavailable"
    job = _row(df, kind="Job", name="migrate")
    assert (job["completions"], job["failed"], job["status"]) == ("0/1", 1, "Failed:BackoffLimitExceeded")
    cron = _row(df, kind="CronJob")
    assert (cron["schedule"], cron["suspend"], cron["last_schedule"]) == ("0 2 * * *", True, "2d")
    assert _row(df, kind="DaemonSet")["ready"] == 1
    rs = frames.frame("rs")
    assert rs["name"].tolist() == ["checkout-7d9f8c6b5"]  # asked for explicitly: owned ones shown


def test_nodes_frame(frames):
    bad = _row(frames.nodes(), name="node-2")
    assert (bad["ready"], bad["pressure"], bad["cordoned"]) == ("False", "MemoryPressure", True)
    assert bad["taints"] == "node.kubernetes.io/not-ready:NoExecute"
    assert (bad["roles"], bad["cpu_allocatable"], bad["memory_capacity"]) == ("worker", "3920m", "15.6Gi")


# -- services, ingresses, storage, config -------------------------------------------------------
def test_services_frame_endpoints_and_selector_matches(frames):
    df = frames.services("shop")
    checkout, payments = _row(df, name="checkout"), _row(df, name="payments")
    assert (checkout["ports"], checkout["selector"]) == ("80/TCP->8080", "app=checkout")
    assert (checkout["endpoints"], checkout["not_ready"], checkout["selector_matches_pods"]) == (1, 1, True)
    assert (payments["endpoints"], payments["selector_matches_pods"]) == (0, False)


def test_services_frame_without_supporting_lists_says_unknown():
    svc = {
        "metadata": {"name": "s", "namespace": "n"},
        "spec": {"selector": {"app": "x"}, "ports": [{"port": 53, "protocol": "UDP"}]},
    }
    row = services_frame([svc], CAPTURED_AT).iloc[0]
    assert row["ports"] == "53/UDP"
    assert row["selector_matches_pods"] is None
    assert pd.isna(row["endpoints"]) and pd.isna(row["not_ready"])  # unknown, not 0


def test_ingress_class_and_missing_backends():
    ing = {
        "metadata": {"name": "i", "namespace": "n"},
        "spec": {
            "rules": [
                {
                    "host": "a.example",
                    "http": {"paths": [{"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]},
                }
            ]
        },
    }
    default_class = {
        "metadata": {"name": "nginx", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}}
    }
    row = ingresses_frame([ing], CAPTURED_AT, ingressclasses=[], services=[]).iloc[0]
    assert (row["class_exists"], row["backends"]) == (False, "a.example/->web:80 (missing)")
    row = ingresses_frame(
        [ing],
        CAPTURED_AT,
        ingressclasses=[default_class],
        services=[ing | {"kind": "Service", "metadata": {"name": "web", "namespace": "n"}}],
    ).iloc[0]
    assert (row["class_exists"], row["backends"]) == (True, "a.example/->web:80")


def test_ingress_frame_in_cluster(frames):
    row = _row(frames.ingresses("shop"), name="shop")
    assert row["class"] == "nginx"
    assert row["class_exists"] is None  # this snapshot holds no IngressClass kind at all: unknown, not "missing"
    assert "->frontend:80 (missing)" in row["backends"] and "->checkout:80," in row["backends"]
    assert row["tls"] == "shop-tls (missing)"


def test_captured_but_empty_kind_means_none_exist():
    snap = Snapshot(objects={"persistentvolumeclaims": [], "storageclasses": []}, captured_at=CAPTURED_AT)
    snap.add(
        {
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "d", "namespace": "n"},
            "spec": {"storageClassName": "gp3"},
        }
    )
    assert ClusterFrames(snap).pvcs()["storageclass_exists"].tolist() == [False]
    snap2 = Snapshot(captured_at=CAPTURED_AT)
    snap2.add(
        {
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "d", "namespace": "n"},
            "spec": {"storageClassName": "gp3"},
        }
    )
    assert ClusterFrames(snap2).pvcs()["storageclass_exists"].tolist() == [None]


def test_storage_frames(frames):
    pvc = _row(frames.pvcs(), name="data")
    assert (pvc["status"], pvc["storageclass"], pvc["storageclass_exists"], pvc["capacity"], pvc["access_modes"]) == (
        "Pending",
        "fast-ssd",
        False,
        "10Gi",
        "RWO",
    )
    sc = _row(frames.storageclasses(), name="standard")
    assert (sc["default"], sc["binding_mode"]) == (True, "WaitForFirstConsumer")
    assert frames.pvs().empty


def test_configmaps_and_secrets_show_key_names_only(frames):
    cms, secrets = frames.configmaps(), frames.secrets()
    assert _row(cms, name="checkout-config")["keys"] == "DB_URL,LOG_LEVEL"
    assert _row(secrets, name="db-creds")["keys"] == "password,username"
    for df in (cms, secrets):
        flat = df.to_csv()
        assert CONFIG_VALUE not in flat and SECRET_VALUE not in flat and "YXBw" not in flat


def test_hpa_quota_limitrange_networkpolicy_frames(frames):
    hpa = _row(frames.hpas(), name="checkout")
    assert (hpa["target"], hpa["min"], hpa["max"], hpa["metrics"]) == ("Deployment/checkout", 2, 6, "cpu <unknown>/50%")
    assert hpa["conditions"] == "ScalingActive=False:FailedGetResourceMetric"
    quota = frames.quotas("shop")
    cpu = _row(quota, resource="requests.cpu")
    assert (cpu["used"], cpu["hard"], cpu["pct"]) == ("3500m", "4", 88)
    lr = _row(frames.limitranges(), resource="memory")
    assert (lr["type"], lr["max"], lr["default"], lr["default_request"]) == ("Container", "1Gi", "256Mi", "128Mi")
    pol = _row(frames.networkpolicies(), name="deny-all")
    assert (pol["pod_selector"], pol["policy_types"], pol["ingress_rules"]) == ("<all pods>", "Ingress", 0)


def test_hpa_v1_metrics():
    from holmes_nb.frames.cluster_frames import hpas_frame

    v1 = {
        "metadata": {"name": "h", "namespace": "n"},
        "spec": {
            "maxReplicas": 3,
            "targetCPUUtilizationPercentage": 70,
            "scaleTargetRef": {"kind": "Deployment", "name": "d"},
        },
        "status": {"currentCPUUtilizationPercentage": 91},
    }
    assert hpas_frame([v1], CAPTURED_AT)["metrics"].tolist() == ["cpu 91%/70%"]


# -- dispatch -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind",
    [
        "workloads",
        "deploy",
        "sts",
        "ds",
        "jobs",
        "cj",
        "nodes",
        "ns",
        "svc",
        "ep",
        "pvc",
        "pv",
        "sc",
        "ing",
        "ingressclasses",
        "cm",
        "secrets",
        "hpa",
        "quota",
        "limits",
        "netpol",
        "pods",
        "events",
    ],
)
def test_frame_dispatch_accepts_kinds_and_aliases(frames, kind):
    df = frames.frame(kind)
    assert len(df.columns) > 2


def test_frame_dispatch_rejects_unknown_kinds(frames):
    with pytest.raises(ConfigError, match="unknown kind 'gizmos'"):
        frames.frame("gizmos")


def test_problems_come_from_the_analyzers(frames):
    df = frames.problems("shop")
    assert {"severity", "kind", "name", "reason", "message"} <= set(df.columns)
    assert "CrashLoopBackOff" in set(df[df["name"] == CRASH_POD]["reason"])
    assert set(df["namespace"]) == {"shop"}


def test_logs_of_unknown_pod_suggest_names(frames):
    with pytest.raises(NotFoundError, match="did you mean 'checkout-7d9f8c6b5-"):
        frames.logs("chekout", "shop")


def test_pods_frame_on_empty_input_has_columns():
    df = pods_frame([], CAPTURED_AT)
    assert df.empty and "reason" in df.columns


def test_a_prefix_of_several_pods_names_them():
    demo = ClusterFrames(open_cluster("demo"))
    with pytest.raises(ConfigError, match=r"2 pods start with 'checkout': shop/checkout-\S+, shop/checkout-\S+; pass"):
        demo.logs("checkout")
    assert len(demo.logs("recommendations", previous=True)) > 0  # a unique prefix still works
