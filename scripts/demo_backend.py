"""Demo namespaces ``payments`` and ``data``: a missing Secret key, a missing Secret volume, a quota
that rejects pods, an Ingress to a missing Service; a PVC with a missing StorageClass, two
unschedulable pods, an evicted pod, a Job that cannot reach its database and a suspended CronJob."""

from __future__ import annotations

from datetime import timedelta as td

from demo_common import (
    NO_PREEMPT,
    NOW,
    TAINT,
    access_log,
    configmap,
    namespace_basics,
    scheduling_failed,
    secret,
    service_account,
    stamp,
    startup_log,
)
from demo_platform import bound_claim

from devkit import podstates as ps
from devkit.builder import ClusterBuilder
from devkit.controllers import job_status
from devkit.objects import (
    condition,
    container,
    env_var,
    http_probe,
    meta,
    owner_ref,
    suffix,
)

PAY, DATA = "payments", "data"
PAY_BORN, DATA_BORN = NOW - td(days=104), NOW - td(days=97)


def _app(reg: str, name: str, version: str, *, limit: str = "512Mi", port: int = 8080, **kw) -> dict:
    return container(
        name,
        f"ghcr.io/{reg}/{name}:{version}",
        ports=[(port, "http")],
        requests={"cpu": "100m", "memory": "256Mi"},
        limits={"cpu": "500m", "memory": limit},
        readiness=http_probe("/ready", port),
        **kw,
    )


def build_payments(b: ClusterBuilder) -> dict:
    """Returns the webhook-relay pod (the ingress controller's log names its IP)."""
    namespace_basics(b, PAY, created=PAY_BORN, labels={"team": "payments", "pci": "true"})
    secret(b, PAY, "stripe-credentials", ["publishable-key", "secret-key"], created=PAY_BORN)
    secret(b, PAY, "payments-db", ["password", "username"], created=PAY_BORN)
    configmap(
        b,
        PAY,
        "payments-config",
        {
            "LEDGER_URL": "https://ledger.payments.svc.cluster.local:8443",
            "SETTLEMENT_PARTNER": "https://api.partner.example/v1",
        },
        created=PAY_BORN,
    )
    _quota_and_limits(b)
    _network_policies(b)
    _payments_api(b)
    _ledger(b)
    relay = _workers(b)
    _fraud_detector(b)
    b.simple(
        "Ingress",
        "networking.k8s.io/v1",
        PAY,
        "payments-public",
        created=PAY_BORN + td(days=3),
        body={
            "spec": {
                "ingressClassName": "nginx",
                "rules": [
                    {
                        "host": "pay.example.com",
                        "http": {
                            "paths": [
                                {
                                    "backend": {"service": {"name": "webhook-relay", "port": {"number": 80}}},
                                    "path": "/webhooks",
                                    "pathType": "Prefix",
                                },
                                {
                                    "backend": {"service": {"name": "payments-gateway", "port": {"number": 443}}},
                                    "path": "/api",
                                    "pathType": "Prefix",
                                },
                            ]
                        },
                    }
                ],
            },
            "status": {
                "loadBalancer": {
                    "ingress": [{"hostname": "a3f9c1e27b5d84e0b9c2d1f6e8a7b4c3-1861534271.eu-west-1.elb.amazonaws.com"}]
                }
            },
        },
    )
    return relay


def _quota_and_limits(b: ClusterBuilder) -> None:
    hard = {"limits.memory": "4Gi", "pods": "20", "requests.cpu": "4"}
    b.simple(
        "ResourceQuota",
        "v1",
        PAY,
        "payments-quota",
        created=PAY_BORN,
        body={
            "spec": {"hard": hard},
            "status": {"hard": hard, "used": {"limits.memory": "3584Mi", "pods": "5", "requests.cpu": "500m"}},
        },
    )
    b.simple(
        "LimitRange",
        "v1",
        PAY,
        "payments-limits",
        created=PAY_BORN,
        body={
            "spec": {
                "limits": [
                    {
                        "default": {"cpu": "500m", "memory": "512Mi"},
                        "defaultRequest": {"cpu": "100m", "memory": "256Mi"},
                        "max": {"memory": "2Gi"},
                        "type": "Container",
                    }
                ]
            }
        },
    )


def _network_policies(b: ClusterBuilder) -> None:
    def netpol(name: str, spec: dict) -> None:
        b.simple("NetworkPolicy", "networking.k8s.io/v1", PAY, name, created=PAY_BORN + td(days=1), body={"spec": spec})

    netpol("default-deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]})
    netpol(
        "allow-shop-to-api",
        {
            "podSelector": {"matchLabels": {"app": "payments-api"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}}}],
                    "ports": [{"port": 8080, "protocol": "TCP"}],
                }
            ],
        },
    )
    netpol(
        "allow-ingress-controller",
        {
            "podSelector": {"matchLabels": {"app": "webhook-relay"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
                        }
                    ]
                }
            ],
        },
    )


def _payments_api(b: ClusterBuilder) -> None:
    """References key api-key of Secret stripe-credentials, which has secret-key and publishable-key."""
    created = NOW - td(minutes=25)
    c = _app(
        "acme-pay",
        "payments-api",
        "5.2.0",
        env=[
            env_var("STRIPE_API_KEY", secret=("stripe-credentials", "api-key")),
            env_var("DB_USER", secret=("payments-db", "username")),
            env_var("DB_PASS", secret=("payments-db", "password")),
        ],
    )
    d = b.deployment(
        PAY, "payments-api", [c], replicas=1, created=PAY_BORN, nodes=["worker-1"], pods_created=created, events=False
    )
    p = d.pod
    msg = "couldn't find key api-key in Secret payments/stripe-credentials"
    ps.waiting(p, "payments-api", "CreateContainerConfigError", msg)
    b.event(
        p,
        "Scheduled",
        f"Successfully assigned payments/{p['metadata']['name']} to worker-1",
        component="default-scheduler",
        first=created,
    )
    kw = {
        "component": "kubelet",
        "host": "worker-1",
        "first": created + td(seconds=2),
        "last": NOW - td(seconds=14),
        "field_path": "spec.containers{payments-api}",
        "count": 117,
    }
    b.event(p, "Pulled", f'Container image "{c["image"]}" already present on machine', **kw)
    b.event(p, "Failed", f"Error: {msg}", type_="Warning", **kw)
    b.service(PAY, "payments-api", {"app": "payments-api"}, [("http", 80, "http")], created=PAY_BORN)


def _ledger(b: ClusterBuilder) -> None:
    """Mounts Secret ledger-tls, which does not exist: stuck in ContainerCreating with FailedMount."""
    created = NOW - td(minutes=46)
    c = _app("acme-pay", "ledger", "2.7.1", port=8443, mounts=[("tls-certs", "/etc/ledger/tls")])
    d = b.deployment(
        PAY,
        "ledger",
        [c],
        replicas=1,
        created=PAY_BORN,
        nodes=["worker-2"],
        pods_created=created,
        events=False,
        volumes=[{"name": "tls-certs", "secret": {"defaultMode": 420, "secretName": "ledger-tls"}}],
    )
    p = d.pod
    ps.waiting(p, "ledger", "ContainerCreating", sandbox=False)
    b.event(
        p,
        "Scheduled",
        f"Successfully assigned payments/{p['metadata']['name']} to worker-2",
        component="default-scheduler",
        first=created,
    )
    b.event(
        p,
        "FailedMount",
        'MountVolume.SetUp failed for volume "tls-certs" : secret "ledger-tls" not found',
        component="kubelet",
        host="worker-2",
        type_="Warning",
        count=29,
        first=created,
        last=NOW - td(minutes=1, seconds=5),
    )
    b.service(PAY, "ledger", {"app": "ledger"}, [("https", 8443, "http")], created=PAY_BORN)


def _workers(b: ClusterBuilder) -> dict:
    started = NOW - td(days=4, hours=3)
    w = b.deployment(
        PAY,
        "payments-worker",
        [
            _app(
                "acme-pay",
                "payments-worker",
                "5.2.0",
                limit="1Gi",
                env_from=[{"configMapRef": {"name": "payments-config"}}],
            )
        ],
        replicas=2,
        created=PAY_BORN,
        nodes=["worker-1", "worker-3"],
        pods_created=started,
    )
    for i, p in enumerate(w.pods):
        lines = startup_log("payments-worker", "5.2.0", started, 8080, ["consuming queue settlements"])
        if i == 0:  # a planted credential for redaction tests (not a real token)
            lines.append(
                f'{{"level":"debug","ts":"{stamp(NOW - td(minutes=6))}","logger":"worker.partner","msg":'
                '"POST https://api.partner.example/v1/settle","headers":{"Authorization":"Bearer '
                'eyJhbGciOiJIUzI1NiJ9.ZGVtby10b2tlbi1ub3QtcmVhbA.c2lnbmF0dXJlLWRlbW8"}}'
            )
        lines += [
            f'{{"level":"info","ts":"{stamp(NOW - td(seconds=50 * j + 20 + i))}","logger":"worker",'
            f'"msg":"settled batch","batch":"b-{9120 + j * 2 + i}","payments":{14 + j}}}'
            for j in range(3)
        ]
        b.log(p, "payments-worker", lines)
    b.simple(
        "HorizontalPodAutoscaler",
        "autoscaling/v2",
        PAY,
        "payments-worker",
        created=PAY_BORN + td(days=5),
        body={
            "spec": {
                "maxReplicas": 6,
                "metrics": [
                    {
                        "resource": {"name": "cpu", "target": {"averageUtilization": 75, "type": "Utilization"}},
                        "type": "Resource",
                    }
                ],
                "minReplicas": 2,
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "payments-worker"},
            },
            "status": {
                "conditions": [
                    condition(
                        "AbleToScale", True, started, "ReadyForNewScale", "recommended size matches current size"
                    ),
                    condition(
                        "ScalingActive",
                        True,
                        started,
                        "ValidMetricFound",
                        "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
                    ),
                    condition(
                        "ScalingLimited",
                        False,
                        started,
                        "DesiredWithinRange",
                        "the desired count is within the acceptable range",
                    ),
                ],
                "currentMetrics": [
                    {
                        "resource": {"current": {"averageUtilization": 41, "averageValue": "41m"}, "name": "cpu"},
                        "type": "Resource",
                    }
                ],
                "currentReplicas": 2,
                "desiredReplicas": 2,
            },
        },
    )
    relay = b.deployment(
        PAY,
        "webhook-relay",
        [_app("acme-pay", "webhook-relay", "1.2.0")],
        replicas=1,
        created=PAY_BORN,
        nodes=["worker-2"],
        pods_created=NOW - td(days=8),
    )
    b.log(
        relay.pod,
        "webhook-relay",
        startup_log("webhook-relay", "1.2.0", NOW - td(days=8), 8080)
        + access_log("webhook-relay", NOW - td(days=8), ["/webhooks/stripe"], n=5),
    )
    b.service(PAY, "webhook-relay", {"app": "webhook-relay"}, [("http", 80, "http")], created=PAY_BORN)
    return relay.pod


def _fraud_detector(b: ClusterBuilder) -> None:
    """Each pod needs limits.memory=1Gi; the quota has 512Mi left: the ReplicaSet cannot create pods."""
    created = NOW - td(minutes=31)
    c = _app("acme-pay", "fraud-detector", "0.3.0", limit="1Gi")
    d = b.deployment(PAY, "fraud-detector", [c], replicas=2, created=created, nodes=[], events=False)
    rs = d.replicasets[0]
    msg = (
        f'pods "{rs["metadata"]["name"]}-{suffix(5, "fd", 17)}" is forbidden: exceeded quota: payments-quota, '
        "requested: limits.memory=1Gi, used: limits.memory=3584Mi, limited: limits.memory=4Gi"
    )
    b.event(
        d.obj,
        "ScalingReplicaSet",
        f"Scaled up replica set {rs['metadata']['name']} to 2",
        component="deployment-controller",
        first=created,
    )
    b.event(
        rs,
        "FailedCreate",
        f"Error creating: {msg}",
        component="replicaset-controller",
        type_="Warning",
        count=17,
        first=created,
        last=NOW - td(minutes=2, seconds=51),
    )
    rs["status"]["conditions"] = [condition("ReplicaFailure", True, created, "FailedCreate", msg)]
    d.obj["status"]["conditions"] = [
        condition(
            "Progressing",
            False,
            created + td(minutes=10),
            "ProgressDeadlineExceeded",
            f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.',
            update=True,
        ),
        condition("ReplicaFailure", True, created, "FailedCreate", msg, update=True),
    ]


# -- data -----------------------------------------------------------------------------------------
def build_data(b: ClusterBuilder) -> None:
    namespace_basics(b, DATA, created=DATA_BORN, labels={"team": "data"})
    secret(b, DATA, "postgres-credentials", ["password", "username"], created=DATA_BORN)
    b.simple(
        "LimitRange",
        "v1",
        DATA,
        "storage-limits",
        created=DATA_BORN,
        body={
            "spec": {
                "limits": [{"max": {"storage": "200Gi"}, "min": {"storage": "1Gi"}, "type": "PersistentVolumeClaim"}]
            }
        },
    )
    b.simple(
        "NetworkPolicy",
        "networking.k8s.io/v1",
        DATA,
        "postgres-allow-apps",
        created=DATA_BORN,
        body={
            "spec": {
                "podSelector": {"matchLabels": {"app": "postgres"}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchExpressions": [
                                        {
                                            "key": "kubernetes.io/metadata.name",
                                            "operator": "In",
                                            "values": ["data", "payments", "shop"],
                                        }
                                    ]
                                }
                            }
                        ],
                        "ports": [{"port": 5432, "protocol": "TCP"}],
                    }
                ],
            }
        },
    )
    _postgres(b)
    _clickhouse(b)
    _unschedulable(b)
    _report_ui(b)
    _orders_export(b)


def _postgres(b: ClusterBuilder) -> None:
    pg = container(
        "postgres",
        "postgres:16.2",
        ports=[(5432, "postgres")],
        requests={"cpu": "250m", "memory": "1Gi"},
        limits={"memory": "2Gi"},
        env=[
            env_var("POSTGRES_USER", secret=("postgres-credentials", "username")),
            env_var("POSTGRES_PASSWORD", secret=("postgres-credentials", "password")),
            env_var("PGDATA", "/var/lib/postgresql/data/pgdata"),
        ],
        readiness={
            "exec": {"command": ["pg_isready", "-U", "postgres"]},
            "failureThreshold": 3,
            "periodSeconds": 10,
            "successThreshold": 1,
            "timeoutSeconds": 1,
        },
        mounts=[("data", "/var/lib/postgresql/data")],
    )
    pg["volumeMounts"][0]["readOnly"] = False
    started = NOW - td(days=15, hours=2)
    sts = b.statefulset(
        DATA,
        "postgres",
        [pg],
        replicas=1,
        created=DATA_BORN,
        nodes=["worker-1"],
        service_name="postgres",
        claims=[("data", "20Gi", "gp3")],
        pods_created=started,
    )
    bound_claim(b, DATA, "data-postgres-0", "20Gi", created=DATA_BORN, node="worker-1", labels={"app": "postgres"})
    t = lambda s: stamp(started + td(seconds=s), "pg")  # noqa: E731
    b.log(
        sts.pod,
        "postgres",
        [
            f"{t(1)} [1] LOG:  starting PostgreSQL 16.2 (Debian 16.2-1.pgdg120+2) on x86_64-pc-linux-gnu",
            f'{t(1)} [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432',
            f"{t(2)} [1] LOG:  database system is ready to accept connections",
            f"{stamp(NOW - td(minutes=9), 'pg')} [48211] LOG:  checkpoint complete: wrote 812 buffers (5.0%)",
        ],
    )
    b.service(DATA, "postgres", {"app": "postgres"}, [("postgres", 5432, "postgres")], created=DATA_BORN)


def _clickhouse(b: ClusterBuilder) -> None:
    """Its volumeClaimTemplate names StorageClass fast-ssd, which does not exist."""
    created = NOW - td(minutes=55)
    ch = container(
        "clickhouse",
        "clickhouse/clickhouse-server:24.2",
        ports=[(8123, "http"), (9000, "native")],
        requests={"cpu": "500m", "memory": "2Gi"},
        limits={"memory": "4Gi"},
        readiness=http_probe("/ping", 8123),
        mounts=[("data", "/var/lib/clickhouse")],
    )
    sts = b.statefulset(
        DATA,
        "clickhouse",
        [ch],
        replicas=1,
        created=created,
        nodes=[None],
        service_name="clickhouse",
        claims=[("data", "50Gi", "fast-ssd")],
    )
    pvc = b.add(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                **meta("data-clickhouse-0", DATA, created, labels={"app": "clickhouse"}, kind="PersistentVolumeClaim"),
                "finalizers": ["kubernetes.io/pvc-protection"],
            },
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "50Gi"}},
                "storageClassName": "fast-ssd",
                "volumeMode": "Filesystem",
            },
            "status": {"phase": "Pending"},
        }
    )
    b.event(
        pvc,
        "ProvisioningFailed",
        'storageclass.storage.k8s.io "fast-ssd" not found',
        component="persistentvolume-controller",
        type_="Warning",
        count=222,
        first=created,
        last=NOW - td(seconds=21),
    )
    b.event(
        sts.obj,
        "SuccessfulCreate",
        "create Claim data-clickhouse-0 Pod clickhouse-0 in StatefulSet clickhouse success",
        component="statefulset-controller",
        first=created,
    )
    b.event(
        sts.obj,
        "SuccessfulCreate",
        "create Pod clickhouse-0 in StatefulSet clickhouse successful",
        component="statefulset-controller",
        first=created,
    )
    msg = f"0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. {NO_PREEMPT}"
    ps.unschedulable(sts.pod, msg, created)
    scheduling_failed(b, sts.pod, msg, first=created, count=14)
    svc = b.service(
        DATA,
        "clickhouse",
        {"app": "clickhouse"},
        [("http", 8123, "http"), ("native", 9000, "native")],
        created=created,
        cluster_ip="None",
    )
    svc["spec"]["clusterIPs"] = ["None"]


def _unschedulable(b: ClusterBuilder) -> None:
    """feature-builder wants an r5.2xlarge node (there is none); etl-worker requests 24Gi memory."""
    created = NOW - td(minutes=44)
    fb = container(
        "feature-builder",
        "ghcr.io/acme-data/feature-builder:2.3.0",
        requests={"cpu": "1", "memory": "4Gi"},
        limits={"memory": "6Gi"},
    )
    d = b.deployment(
        DATA,
        "feature-builder",
        [fb],
        replicas=1,
        created=created,
        nodes=[None],
        events=False,
        node_selector={"node.kubernetes.io/instance-type": "r5.2xlarge"},
    )
    msg = f"0/3 nodes are available: {TAINT}, 2 node(s) didn't match Pod's node affinity/selector. {NO_PREEMPT}"
    ps.unschedulable(d.pod, msg, created)
    scheduling_failed(b, d.pod, msg, first=created, count=9)
    created = NOW - td(hours=2, minutes=12)
    etl = container(
        "etl-worker",
        "ghcr.io/acme-data/etl-worker:7.0.1",
        requests={"cpu": "2", "memory": "24Gi"},
        limits={"memory": "24Gi"},
        args=["--workers=16", "--batch-size=500000"],
    )
    d = b.deployment(DATA, "etl-worker", [etl], replicas=1, created=created, nodes=[None], events=False)
    msg = (
        f"0/3 nodes are available: {TAINT}, 2 Insufficient memory. preemption: 0/3 nodes are available: "
        "1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
    )
    ps.unschedulable(d.pod, msg, created)
    scheduling_failed(b, d.pod, msg, first=created, count=27)


def _report_ui(b: ClusterBuilder) -> None:
    """Its pod on worker-3 filled the node's disk and was Evicted; the replacement runs on worker-1."""
    evicted_at = NOW - td(minutes=48)
    c = container(
        "report-ui",
        "ghcr.io/acme-data/report-ui:1.4.2",
        ports=[(3000, "http")],
        requests={"cpu": "100m", "memory": "256Mi"},
        limits={"memory": "512Mi"},
        readiness=http_probe("/api/health", 3000),
        env=[
            env_var("DB_HOST", "postgres.data.svc.cluster.local"),
            env_var("DB_USER", "report"),
            env_var("DB_PASSWORD", "hunter2-demo"),
        ],
    )  # planted: a literal secret-looking value
    d = b.deployment(
        DATA, "report-ui", [c], replicas=1, created=DATA_BORN, nodes=["worker-3"], pods_created=NOW - td(days=9)
    )
    old = d.pod
    msg = (
        "The node was low on resource: ephemeral-storage. Threshold quantity: 2146223340, available: 1890436Ki. "
        "Container report-ui was using 6291456Ki, request is 0, has larger consumption of ephemeral-storage. "
    )
    ps.evicted(old, msg, evicted_at)
    kw = {"component": "kubelet", "host": "worker-3", "first": evicted_at}
    b.event(old, "Evicted", msg, type_="Warning", **kw)
    b.event(old, "Killing", "Stopping container report-ui", field_path="spec.containers{report-ui}", **kw)
    rs = d.replicasets[0]
    new = b.make_pod(
        DATA,
        f"{rs['metadata']['name']}-{suffix(5, 'report-ui', 'new')}",
        rs["spec"]["template"],
        created=evicted_at,
        node="worker-1",
        owner=old["metadata"]["ownerReferences"][0],
    )
    d.pods.append(new)
    b.event(
        rs,
        "SuccessfulCreate",
        f"Created pod: {new['metadata']['name']}",
        component="replicaset-controller",
        first=evicted_at,
    )
    b.log(
        new,
        "report-ui",
        [
            "> report-ui@1.4.2 start",
            "> next start -p 3000",
            "",
            "  ▲ Next.js 14.1.4",
            "  - Local:        http://localhost:3000",
            "",
            " ✓ Ready in 1182ms",
        ],
    )
    b.service(DATA, "report-ui", {"app": "report-ui"}, [("http", 80, "http")], created=DATA_BORN)


def _orders_export(b: ClusterBuilder) -> None:
    """Hourly export; since DB_HOST changed to postgres-primary (no such Service) the 10:00 run failed."""
    configmap(
        b,
        DATA,
        "orders-export-config",
        {
            "DB_HOST": "postgres-primary.data.svc.cluster.local",
            "DB_NAME": "orders",
            "EXPORT_BUCKET": "s3://acme-data-exports/orders",
        },
        created=DATA_BORN,
    )
    c = container(
        "export",
        "ghcr.io/acme-data/orders-export:1.6.0",
        command=["python", "-m", "orders_export"],
        env_from=[{"configMapRef": {"name": "orders-export-config"}}],
        env=[env_var("DB_PASSWORD", secret=("postgres-credentials", "password"))],
        requests={"cpu": "200m", "memory": "256Mi"},
        limits={"memory": "512Mi"},
    )
    run_10, run_9 = NOW.replace(minute=0), NOW.replace(hour=9, minute=0)
    cj = b.cronjob(
        DATA,
        "orders-export",
        [c],
        schedule="0 * * * *",
        created=DATA_BORN,
        backoff_limit=2,
        last_schedule=run_10,
        last_success=run_9 + td(seconds=47),
    )
    for run, ok in ((run_9, True), (run_10, False)):
        name = f"orders-export-{int(run.timestamp() // 60)}"
        job = b.job(DATA, name, [c], created=run, backoff_limit=2, owner=owner_ref(cj))
        attempts = [0] if ok else [0, 15, 40]
        for i, delay in enumerate(attempts):
            start = run + td(seconds=1 + delay)
            p = b.job_pod(job, created=start, node="worker-2" if i % 2 == 0 else "worker-1", attempt=i)
            ps.finished(
                p,
                exit_code=0 if ok else 1,
                started=start + td(seconds=3),
                ended=start + td(seconds=4 if not ok else 44),
            )
            b.log(p, "export", _export_log(start + td(seconds=3), ok))
            b.event(
                job.obj,
                "SuccessfulCreate",
                f"Created pod: {p['metadata']['name']}",
                component="job-controller",
                first=start,
            )
        end = run + td(seconds=45 if ok else 46)
        job.obj["status"] = job_status(
            start=run,
            end=end,
            succeeded=1 if ok else 0,
            failed=0 if ok else 3,
            failure=None if ok else ("BackoffLimitExceeded", "Job has reached the specified backoff limit"),
        )
        if ok:
            b.event(job.obj, "Completed", "Job completed", component="job-controller", first=end)
        else:
            b.event(
                job.obj,
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                component="job-controller",
                type_="Warning",
                first=end,
            )
        b.event(cj, "SuccessfulCreate", f"Created job {name}", component="cronjob-controller", first=run)
        b.event(
            cj,
            "SawCompletedJob",
            f"Saw completed job: {name}, status: {'Complete' if ok else 'Failed'}",
            component="cronjob-controller",
            first=end,
        )
    vac = container(
        "vacuum",
        "postgres:16.2",
        command=["vacuumdb", "--all", "--analyze", "-h", "postgres"],
        env=[env_var("PGPASSWORD", secret=("postgres-credentials", "password"))],
    )
    last = NOW.replace(hour=3, minute=30) - td(days=12)
    b.cronjob(
        DATA,
        "warehouse-vacuum",
        [vac],
        schedule="30 3 * * *",
        created=DATA_BORN,
        suspend=True,
        last_schedule=last,
        last_success=last + td(minutes=6),
    )
    service_account(b, DATA, "orders-export", created=DATA_BORN)


def _export_log(t, ok: bool) -> list[str]:
    host = "postgres.data.svc.cluster.local" if ok else "postgres-primary.data.svc.cluster.local"
    s = lambda sec: stamp(t + td(seconds=sec)).replace("T", " ").replace("Z", "")  # noqa: E731
    head = [
        f"{s(0)} INFO orders_export: starting export run",
        f"{s(0)} INFO orders_export: connecting to {host}:5432/orders",
    ]
    if ok:
        return head + [
            f"{s(38)} INFO orders_export: exported 18234 orders to s3://acme-data-exports/orders/2025-03-14T09.csv.gz",
            f"{s(40)} INFO orders_export: done in 40.2s",
        ]
    return head + [
        "Traceback (most recent call last):",
        '  File "/app/orders_export/db.py", line 31, in connect',
        "    return psycopg2.connect(host=cfg.db_host, dbname=cfg.db_name, user=cfg.db_user, password=cfg.db_password)",
        '  File "/usr/local/lib/python3.12/site-packages/psycopg2/__init__.py", line 122, in connect',
        "    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)",
        f'psycopg2.OperationalError: could not translate host name "{host}" to address: Name or service not known',
        "",
        f"{s(1)} ERROR orders_export: cannot reach the database at {host}:5432, giving up",
    ]


__all__ = ["build_payments", "build_data"]
