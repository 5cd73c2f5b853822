"""Analyzer tests for workloads, quotas, Jobs, CronJobs and HPAs, on small realistic objects
(see analyzer_objects.py)."""

from __future__ import annotations

from analyzer_objects import (
    NS,
    cluster,
    cond,
    container,
    crashing,
    deployment,
    event,
    obj,
    only,
    pod,
    replicaset,
    running,
    terminated,
    ts,
)

from holmes_nb.analyzers import scan

QUOTA_MSG = (
    'Error creating: pods "api-5c8d7-x7k2p" is forbidden: exceeded quota: compute-quota, requested: '
    "limits.memory=1Gi, used: limits.memory=4Gi, limited: limits.memory=4Gi"
)


# -- workloads -------------------------------------------------------------------------------
def test_deployment_short_of_replicas_references_its_failing_pods_once():
    findings = scan(
        cluster(
            deployment("web", replicas=2, ready=1, available=1),
            replicaset("web-7d9f8c6b5", "web", replicas=2, ready=1),
            pod("web-7d9f8c6b5-good1"),
            crashing("web-7d9f8c6b5-bad01"),
        )
    )
    dep = only(findings, "Deployment")
    assert (dep.reason, dep.severity) == ("PodsFailing", "warning")
    assert "web-7d9f8c6b5-bad01 (CrashLoopBackOff)" in dep.message
    assert "pod web-7d9f8c6b5-bad01: CrashLoopBackOff" in dep.evidence
    assert only(findings, "Pod").name == "web-7d9f8c6b5-bad01"  # the pod finding, once
    assert not any(f.kind == "ReplicaSet" for f in findings)


def test_deployment_blocked_by_quota_and_the_quota_itself():
    dep = deployment(
        "api",
        replicas=3,
        ready=2,
        conditions=[
            cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
            cond("ReplicaFailure", "True", "FailedCreate", QUOTA_MSG),
            cond("Progressing", "True", "ReplicaSetUpdated", 'ReplicaSet "api-5c8d7" is progressing.'),
        ],
    )
    rs = replicaset("api-5c8d7", "api", replicas=3, ready=2)
    rejected = event("ReplicaSet", "api-5c8d7", "FailedCreate", QUOTA_MSG, count=17)
    quota = obj(
        "ResourceQuota",
        "compute-quota",
        spec={"hard": {"limits.memory": "4Gi", "pods": "20"}},
        status={"hard": {"limits.memory": "4Gi", "pods": "20"}, "used": {"limits.memory": "4Gi", "pods": "6"}},
    )
    findings = scan(cluster(dep, rs, rejected, quota))
    d = only(findings, "Deployment")
    assert (d.reason, d.severity) == ("QuotaExceeded", "warning")
    assert "ResourceQuota compute-quota" in d.message and "limits.memory=1Gi" in d.message
    assert any(e.startswith("event FailedCreate (x17): Error creating") for e in d.evidence)
    q = only(findings, "ResourceQuota")
    assert q.reason == "QuotaExceeded" and "ReplicaSet api-5c8d7" in q.message
    assert "used up: limits.memory 4Gi/4Gi" in q.evidence


def test_quota_at_hundred_percent_without_rejections():
    quota = obj(
        "ResourceQuota",
        "pods-quota",
        status={"hard": {"pods": "10", "requests.cpu": "4"}, "used": {"pods": "10", "requests.cpu": "3500m"}},
    )
    f = only(scan(cluster(quota)), "ResourceQuota")
    assert f.reason == "QuotaExhausted" and f.evidence == ["used up: pods 10/10"]


def test_rollout_stalled_and_rollout_in_progress():
    stalled = deployment(
        "cart",
        replicas=2,
        ready=2,
        available=2,
        conditions=[
            cond("Available", "True", "MinimumReplicasAvailable"),
            cond(
                "Progressing", "False", "ProgressDeadlineExceeded", 'ReplicaSet "cart-6b7c9" has timed out progressing.'
            ),
        ],
    )
    rolling = deployment(
        "search",
        replicas=3,
        ready=2,
        available=2,
        conditions=[
            cond("Available", "True", "MinimumReplicasAvailable"),
            cond("Progressing", "True", "ReplicaSetUpdated", 'ReplicaSet "search-5f6" is progressing.'),
        ],
    )
    f = only(scan(cluster(stalled, rolling)), "Deployment")
    assert (f.name, f.reason) == ("cart", "ProgressDeadlineExceeded") and "rollout undo" in f.message


def test_statefulset_and_daemonset_short_of_replicas():
    sts = obj(
        "StatefulSet",
        "db",
        api="apps/v1",
        spec={"replicas": 3, "serviceName": "db"},
        status={"replicas": 3, "readyReplicas": 1, "availableReplicas": 1, "currentReplicas": 3},
    )
    ds = obj(
        "DaemonSet",
        "node-exporter",
        api="apps/v1",
        spec={},
        status={"desiredNumberScheduled": 4, "currentNumberScheduled": 4, "numberReady": 0, "numberAvailable": 0},
    )
    bad = crashing("node-exporter-8x2kq", owner=("DaemonSet", "node-exporter"), labels={"app": "node-exporter"})
    findings = scan(cluster(sts, ds, bad))
    assert only(findings, "StatefulSet").reason == "ReplicasUnavailable"
    d = only(findings, "DaemonSet")
    assert (d.severity, d.reason) == ("critical", "PodsFailing") and "node-exporter-8x2kq" in d.message


# -- jobs ------------------------------------------------------------------------------------
def job(name, *, failed_reason=None, complete=False, owner=None, created=None, deadline=None):
    conditions = []
    if failed_reason:
        msg = {
            "BackoffLimitExceeded": "Job has reached the specified backoff limit",
            "DeadlineExceeded": "Job was active longer than specified deadline",
        }[failed_reason]
        conditions.append(cond("Failed", "True", failed_reason, msg))
    if complete:
        conditions.append(cond("Complete", "True"))
    spec = {"backoffLimit": 3, "completions": 1, "parallelism": 1}
    if deadline:
        spec["activeDeadlineSeconds"] = deadline
    status = {"conditions": conditions, "failed": 4 if failed_reason else 0, "succeeded": 1 if complete else 0}
    return obj("Job", name, api="batch/v1", spec=spec, status=status, owner=owner, created=created or ts(hours=3))


def test_failed_job_carries_the_last_pod_exit_and_logs():
    failed_pod = pod(
        "db-migrate-7xk2p",
        phase="Failed",
        owner=("Job", "db-migrate"),
        restart_policy="Never",
        labels={"job-name": "db-migrate"},
        statuses=[{**running(), "ready": False, "started": False, "state": {"terminated": terminated("Error", 2)}}],
    )
    logs = {
        (NS, "db-migrate-7xk2p", "app", False): "connecting to db:5432\npsql: error: could not translate host name "
        '"db" to address: Name or service not known'
    }
    findings = scan(cluster(job("db-migrate", failed_reason="BackoffLimitExceeded"), failed_pod, logs=logs))
    f = only(findings, "Job")  # and no separate finding for its failed pod
    assert (f.reason, f.severity) == ("BackoffLimitExceeded", "critical") and len(findings) == 1
    assert "failed 4 time(s), reaching backoffLimit 3" in f.message and "exited with code 2" in f.message
    assert any("could not translate host name" in e for e in f.evidence)


def test_deadline_exceeded_and_superseded_cronjob_runs():
    old = job("report-28611000", failed_reason="BackoffLimitExceeded", owner=("CronJob", "report"), created=ts(hours=5))
    newer = job("report-28611060", complete=True, owner=("CronJob", "report"), created=ts(hours=4))
    slow = job("reindex", failed_reason="DeadlineExceeded", deadline=600)
    findings = scan(cluster(old, newer, slow))
    f = only(findings, "Job")
    assert (f.name, f.reason) == ("reindex", "DeadlineExceeded") and "activeDeadlineSeconds (600s)" in f.message


def test_suspended_cronjob():
    cj = obj(
        "CronJob",
        "nightly-backup",
        api="batch/v1",
        spec={"schedule": "0 2 * * *", "suspend": True},
        status={"lastScheduleTime": ts(days=9)},
    )
    running_cj = obj("CronJob", "report", api="batch/v1", spec={"schedule": "*/5 * * * *", "suspend": False}, status={})
    f = only(scan(cluster(cj, running_cj)), "CronJob")
    assert f.reason == "Suspended" and "last ran 9d ago" in f.message


# -- autoscaling -----------------------------------------------------------------------------
def hpa(name, target, conditions, metrics=None):
    spec = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
        "minReplicas": 2,
        "maxReplicas": 10,
        "metrics": metrics
        or [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
            }
        ],
    }
    return obj(
        "HorizontalPodAutoscaler",
        name,
        api="autoscaling/v2",
        spec=spec,
        status={"currentReplicas": 2, "desiredReplicas": 2, "conditions": conditions},
    )


def test_hpa_without_cpu_requests_and_without_metrics_server():
    no_req = deployment("web", template_containers=[container(requests={"memory": "128Mi"})])
    with_req = deployment("api", template_containers=[container(requests={"cpu": "100m"})])
    broken = [
        cond("AbleToScale", "True", "SucceededGetScale"),
        cond(
            "ScalingActive",
            "False",
            "FailedGetResourceMetric",
            "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu",
        ),
    ]
    no_metrics = [
        cond("AbleToScale", "True", "SucceededGetScale"),
        cond(
            "ScalingActive",
            "False",
            "FailedGetResourceMetric",
            "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get "
            "metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could "
            "not find the requested resource (get pods.metrics.k8s.io)",
        ),
    ]
    healthy = [
        cond("AbleToScale", "True", "ReadyForNewScale"),
        cond("ScalingActive", "True", "ValidMetricFound"),
        cond("ScalingLimited", "False", "DesiredWithinRange"),
    ]
    findings = {
        f.name: f
        for f in scan(
            cluster(
                no_req, with_req, hpa("web", "web", broken), hpa("api", "api", no_metrics), hpa("ok", "api", healthy)
            )
        )
    }
    assert set(findings) == {"web", "api"}
    assert (
        findings["web"].reason == "MissingResourceRequests"
        and "container app has no cpu request" in findings["web"].evidence
    )
    assert findings["api"].reason == "FailedGetResourceMetric" and "metrics-server" in findings["api"].message


def test_hpa_with_missing_target():
    f = only(scan(cluster(deployment("api"), hpa("web", "web-v2", []))), "HorizontalPodAutoscaler")
    assert f.reason == "ScaleTargetNotFound"
