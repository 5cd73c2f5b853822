"""Volumes, StorageClasses, CronJobs and Jobs, missing references, lifecycle hooks, Service events,
orphan Endpoints, and odd but real objects: positive and negative case for each class."""

from __future__ import annotations

from datetime import timedelta

import pytest
from analyzer_objects import (
    NOW,
    NS,
    cluster,
    container,
    crashing,
    deployment,
    endpoints,
    event,
    healthy_objects,
    obj,
    only,
    pod,
    service,
    terminated,
    ts,
    waiting,
)
from dump_fixture import CRASH, write_dump

from holmes_nb.analyzers import scan
from holmes_nb.analyzers.cron import next_run, parse_schedule
from holmes_nb.formats.importers import load_snapshot


def findings(*objs, logs=None):
    return scan(cluster(*healthy_objects(), *objs, logs=logs))


def of_kind(found, kind):
    return [f for f in found if f.kind == kind]


# -- PersistentVolumes and StorageClasses ------------------------------------------------------
def pv(name, phase, claim=None, message=None):
    spec = {"capacity": {"storage": "10Gi"}, "persistentVolumeReclaimPolicy": "Retain"}
    if claim:
        spec["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": NS, "name": claim, "uid": "uid-old"}
    return obj(
        "PersistentVolume", name, None, spec=spec, status={"phase": phase, **({"message": message} if message else {})}
    )


def sc(name, provisioner="ebs.csi.aws.com", default=False):
    ann = {"storageclass.kubernetes.io/is-default-class": "true"} if default else None
    return obj("StorageClass", name, None, api="storage.k8s.io/v1", annotations=ann) | {"provisioner": provisioner}


def test_failed_and_released_but_needed_volumes():
    f = only(findings(pv("pv-1", "Failed", "data", "Error deleting EBS volume: VolumeInUse")), "PersistentVolume")
    assert f.reason == "VolumeFailed" and "VolumeInUse" in f.message
    user = pod("db-0", volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "data-db-0"}}], owner=None)
    f = only(findings(pv("pv-2", "Released", "data-db-0"), user), "PersistentVolume")
    assert f.reason == "ReleasedVolumeNeeded" and "db-0" in f.message and "claimRef" in f.message


def test_released_unused_and_bound_volumes_are_silent():
    assert not of_kind(findings(pv("pv-3", "Released", "old-claim"), pv("pv-4", "Bound", "x")), "PersistentVolume")


def test_storage_class_without_provisioner_and_two_defaults():
    found = findings(sc("broken", provisioner=""), sc("gp2", default=True), sc("gp3", default=True))
    reasons = {f.reason: f for f in of_kind(found, "StorageClass")}
    assert "names no provisioner" in reasons["NoProvisioner"].message
    assert "gp2, gp3" in reasons["MultipleDefaultStorageClasses"].message


def test_one_default_class_with_provisioner_is_silent():
    assert not of_kind(findings(sc("gp3", default=True), sc("gp2")), "StorageClass")


# -- CronJobs and Jobs --------------------------------------------------------------------------
def cronjob(name, schedule, *, last=None, **spec):
    status = {"lastScheduleTime": last} if last else {}
    return obj("CronJob", name, api="batch/v1", spec={"schedule": schedule, **spec}, status=status)


@pytest.mark.parametrize("schedule", ["61 * * * *", "* * * *", "0 0 * * MONDAY", "*/0 * * * *"])
def test_invalid_cron_schedule(schedule):
    f = only(findings(cronjob("bad", schedule)), "CronJob")
    assert f.reason == "InvalidSchedule" and repr(schedule) in f.message


def test_negative_starting_deadline_and_missed_schedule():
    f = only(findings(cronjob("neg", "0 * * * *", startingDeadlineSeconds=-5)), "CronJob")
    assert f.reason == "NegativeStartingDeadline" and "-5" in f.message
    f = only(findings(cronjob("hourly", "0 * * * *", last=ts(hours=5))), "CronJob")
    assert f.reason == "MissedSchedule" and "controller did not start it" in f.message
    stuck = cronjob("hourly", "0 * * * *", last=ts(hours=5), concurrencyPolicy="Forbid")
    stuck["status"]["active"] = [{"kind": "Job", "name": "hourly-2901", "namespace": NS}]
    f = only(findings(stuck), "CronJob")
    assert "Job hourly-2901 is still running" in f.message


def test_cronjobs_on_time_or_never_run_are_silent():
    on_time = cronjob("hourly", "0 * * * *", last=ts(minutes=30))
    daily = cronjob("daily", "@daily", last=(NOW.replace(hour=0, minute=0)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert not of_kind(findings(on_time, daily, cronjob("new", "*/5 * * * *")), "CronJob")


def test_cron_reader_next_run():
    assert next_run(parse_schedule("*/15 9-17 * * MON-FRI"), NOW) == NOW + timedelta(
        days=1, hours=21
    )  # Sat -> Mon 9:00
    assert next_run(parse_schedule("*/15 * * * *"), NOW) == NOW + timedelta(minutes=15)
    assert next_run(parse_schedule("0 0 30 2 *"), NOW) is None  # February 30th never comes


def job(name, *, failed=0, suspend=False, conditions=None):
    return obj(
        "Job",
        name,
        api="batch/v1",
        spec={"backoffLimit": 6, "suspend": suspend, "template": {}},
        status={"active": 0 if suspend else 1, "failed": failed, **({"conditions": conditions} if conditions else {})},
    )


def test_suspended_and_still_failing_jobs():
    f = only(findings(job("reindex", suspend=True)), "Job")
    assert f.reason == "Suspended" and "suspend to false" in f.message
    failed_pod = pod(
        "migrate-x1",
        owner=("Job", "migrate"),
        phase="Failed",
        restart_policy="Never",
        statuses=[{"name": "app", "ready": False, "restartCount": 0, "state": {"terminated": terminated("Error", 2)}}],
    )
    f = only(findings(job("migrate", failed=2), failed_pod), "Job")
    assert f.reason == "FailingRetries" and "2 of its pods failed so far (backoffLimit 6)" in f.message
    assert "exited with code 2" in f.message


def test_running_and_completed_jobs_are_silent():
    done = job("done", failed=1, conditions=[{"type": "Complete", "status": "True"}])
    assert not of_kind(findings(job("fresh"), done), "Job")


# -- references: ServiceAccounts, imagePullSecrets, StatefulSets ---------------------------------
def sa(name, ns=NS):
    return obj("ServiceAccount", name, ns, spec=None)


def test_missing_service_account_and_pull_secret():
    dep = deployment("api", replicas=1, ready=0)
    tpl = dep["spec"]["template"]["spec"]
    tpl |= {"serviceAccountName": "api-runner", "imagePullSecrets": [{"name": "regcred"}]}
    found = findings(dep, sa("default"), obj("Secret", "other", spec=None) | {"type": "Opaque"})
    reasons = {f.reason: f for f in found if f.kind == "Deployment"}
    assert "'api-runner', which does not exist" in reasons["ServiceAccountNotFound"].message
    assert "imagePullSecrets regcred" in reasons["ImagePullSecretNotFound"].message


def test_existing_service_account_and_pull_secret_are_silent():
    dep = deployment("api")
    dep["spec"]["template"]["spec"] |= {"serviceAccountName": "api-runner", "imagePullSecrets": [{"name": "regcred"}]}
    found = findings(dep, sa("default"), sa("api-runner"), obj("Secret", "regcred", spec=None))
    assert not [f for f in found if f.reason in ("ServiceAccountNotFound", "ImagePullSecretNotFound")]


def statefulset(name, service_name, sc_name):
    vct = {"metadata": {"name": "data"}, "spec": {"storageClassName": sc_name, "accessModes": ["ReadWriteOnce"]}}
    return obj(
        "StatefulSet",
        name,
        api="apps/v1",
        spec={"replicas": 1, "serviceName": service_name, "volumeClaimTemplates": [vct], "template": {"spec": {}}},
        status={"replicas": 1, "readyReplicas": 1, "availableReplicas": 1},
    )


def test_statefulset_missing_service_and_storage_class():
    found = findings(statefulset("db", "db-headless", "fast-ssd"), sc("gp3", default=True))
    reasons = {f.reason: f for f in of_kind(found, "StatefulSet")}
    assert "no such Service exists" in reasons["ServiceNotFound"].message
    assert "'fast-ssd', which does not exist" in reasons["StorageClassNotFound"].message


def test_statefulset_with_its_service_and_class_is_silent():
    found = findings(statefulset("db", "web", "gp3"), sc("gp3", default=True))
    assert not of_kind(found, "StatefulSet")
    claim = obj(
        "PersistentVolumeClaim", "data-db-0", spec={"storageClassName": "fast-ssd"}, status={"phase": "Pending"}
    )
    found = findings(statefulset("db", "web", "fast-ssd"), sc("gp3", default=True), claim)
    assert not of_kind(found, "StatefulSet")  # the claim's finding says it, once
    assert only(found, "PersistentVolumeClaim").reason == "StorageClassNotFound"


# -- lifecycle hooks, Service events, orphan Endpoints -------------------------------------------
def test_prestop_hook_failure_is_reported_with_its_container():
    name = "web-7d9f8c6b5-x2k4p"
    hook = {"preStop": {"exec": {"command": ["/bin/sh", "-c", "nginx -s quit"]}}}
    ev = event(
        "Pod", name, "FailedPreStopHook", "PreStopHook failed: exit status 127", field_path="spec.containers{app}"
    )
    objs = [o for o in healthy_objects() if o["metadata"]["name"] != name]
    p = pod(name, containers=[container(lifecycle=hook)])
    f = only(scan(cluster(*objs, p, ev)), "Pod")
    assert f.reason == "PreStopHookFailed" and "container app" in f.message
    assert "preStop hook of app: /bin/sh -c nginx -s quit" in f.evidence


def test_post_start_hook_error_names_the_container_and_the_hook():
    hook = {"postStart": {"exec": {"command": ["/bin/sh", "-c", "warm-cache --all"]}}}
    msg = "PostStartHookError: command '/bin/sh -c warm-cache --all' exited with 127: "
    p = pod(
        "web-7d9f8c6b5-hook1",
        containers=[container(lifecycle=hook)],
        statuses=[waiting("app", "PostStartHookError", msg, restarts=4)],
    )
    f = only(findings(p), "Pod", "web-7d9f8c6b5-hook1")
    assert f.reason == "PostStartHookError" and "container app" in f.message
    assert "its postStart lifecycle hook fails (/bin/sh -c warm-cache --all)" in f.message


def test_hook_failure_joins_an_existing_pod_finding():
    ev = event("Pod", "web-1", "FailedPostStartHook", "PostStartHook failed", field_path="spec.containers{app}")
    f = only(findings(crashing("web-1"), ev), "Pod")
    assert f.reason == "CrashLoopBackOff" and any("FailedPostStartHook" in e for e in f.evidence)


def test_service_warning_events_and_orphan_endpoints():
    lb = event("Service", "web", "SyncLoadBalancerFailed", "Error syncing load balancer: quota exceeded")
    found = findings(lb, endpoints("old-api", ready=("10.244.9.9",)))
    svc = only(found, "Service")
    assert svc.reason == "SyncLoadBalancerFailed" and "quota exceeded" in svc.evidence[0]
    assert only(found, "Endpoints").reason == "EndpointsWithoutService"


def test_normal_service_events_and_leader_endpoints_are_silent():
    leader = endpoints("kube-scheduler") | {}
    leader["metadata"]["annotations"] = {"control-plane.alpha.kubernetes.io/leader": "{}"}
    leader["subsets"] = [{"addresses": [{"ip": "10.0.0.1"}]}]
    found = findings(event("Service", "web", "EnsuredLoadBalancer", "Ensured load balancer", type="Normal"), leader)
    assert not found


# -- odd but real objects ---------------------------------------------------------------------
def test_non_string_label_values_and_string_restart_counts():
    p = pod(
        "web-7d9f8c6b5-odd01",
        labels={"app": "web", "tier": 1, "canary": True},
        statuses=[waiting("app", "CrashLoopBackOff", restarts="7", last=terminated("Error", "1"))],
    )
    found = findings(p, service("odd", {"tier": 1}))
    f = only(found, "Pod", "web-7d9f8c6b5-odd01")
    assert f.reason == "CrashLoopBackOff" and "exit code 1" in f.message
    assert not [g for g in found if g.kind == "Service" and g.name == "odd" and g.reason == "NoMatchingPods"]


def test_one_bad_object_never_hides_the_others():
    bad = pod("web-7d9f8c6b5-bad01")
    # a shape no API server sends and loading does not repair (holmes_nb.sources.sanitize fixes the common ones)
    bad["status"]["containerStatuses"] = [{"name": "web", "restartCount": 0, "state": {"waiting": "garbage"}}]
    found = findings(bad, crashing("web-7d9f8c6b5-crash"), cronjob("bad-cj", "nope"))
    assert only(found, "Pod", "web-7d9f8c6b5-crash").reason == "CrashLoopBackOff"
    err = only(found, "Analyzer")
    assert err.name == "pods" and f"object: Pod {NS}/web-7d9f8c6b5-bad01" in err.evidence
    assert only(found, "CronJob").reason == "InvalidSchedule"


def test_unreadable_log_file_in_a_dump_is_skipped(tmp_path):
    root = write_dump(tmp_path / "dump")
    log = root / NS / CRASH / "logs.txt"
    log.unlink()
    log.symlink_to(tmp_path / "gone.txt")  # unreadable even as root (a non-UTF-8 log is read, bytes replaced)
    snap = load_snapshot(root)
    assert any("log file skipped, unreadable" in n for n in snap.notes)
    f = next(f for f in scan(snap) if f.name == CRASH)
    assert f.reason == "CrashLoopBackOff" and any(e.startswith("logs: none captured") for e in f.evidence)
