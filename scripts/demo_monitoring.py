"""Demo namespace ``monitoring``: Prometheus and node-exporter (healthy), Alertmanager whose
liveness probe checks port 8080 while it listens on 9093 (restarts), Grafana whose Ingress names a
missing TLS Secret."""

from __future__ import annotations

from datetime import timedelta as td

from demo_common import (
    NOW,
    backoff_events,
    configmap,
    namespace_basics,
    secret,
    service_account,
    stamp,
    started_at,
)
from demo_platform import bound_claim

from devkit import podstates as ps
from devkit.builder import ClusterBuilder
from devkit.objects import container, env_var, http_probe

NS = "monitoring"
BORN = NOW - td(days=126)


def build_monitoring(b: ClusterBuilder) -> None:
    namespace_basics(b, NS, created=BORN, labels={"team": "sre"})
    service_account(b, NS, "prometheus", created=BORN)
    secret(b, NS, "grafana-admin", ["admin-password", "admin-user"], created=BORN)
    _helm_releases(b)
    configmap(b, NS, "prometheus-config", {"prometheus.yml": PROMETHEUS_YML}, created=BORN)
    configmap(
        b,
        NS,
        "alertmanager-config",
        {
            "alertmanager.yml": "route:\n  receiver: sre-pager\nreceivers:\n"
            "- name: sre-pager\n  webhook_configs:\n  - url: http://pager-bridge.monitoring:8080/alert\n"
        },
        created=BORN,
    )
    _prometheus(b)
    _alertmanager(b)
    _node_exporter(b)
    _grafana(b)


def _prometheus(b: ClusterBuilder) -> None:
    c = container(
        "prometheus",
        "quay.io/prometheus/prometheus:v2.51.1",
        ports=[(9090, "web")],
        args=[
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            "--storage.tsdb.retention.time=15d",
        ],
        requests={"cpu": "250m", "memory": "1Gi"},
        limits={"memory": "3Gi"},
        readiness=http_probe("/-/ready", 9090),
        liveness=http_probe("/-/healthy", 9090, delay=30),
        mounts=[("config", "/etc/prometheus"), ("data", "/prometheus")],
    )
    c["volumeMounts"][1]["readOnly"] = False
    started = NOW - td(days=22, hours=6)
    sts = b.statefulset(
        NS,
        "prometheus",
        [c],
        replicas=1,
        created=BORN,
        nodes=["worker-1"],
        service_name="prometheus",
        claims=[("data", "50Gi", "gp3")],
        pods_created=started,
        sa="prometheus",
        volumes=[{"name": "config", "configMap": {"defaultMode": 420, "name": "prometheus-config"}}],
    )
    bound_claim(b, NS, "data-prometheus-0", "50Gi", created=BORN, node="worker-1", labels={"app": "prometheus"})
    t = lambda s: stamp(started + td(seconds=s))  # noqa: E731
    b.log(
        sts.pod,
        "prometheus",
        [
            f'ts={t(0)} caller=main.go:573 level=info msg="Starting Prometheus Server" mode=server version="(version=2.51.1, branch=HEAD, revision=855b5ac4b80956874eb1790a04a92d2d6e8e5a7b)"',
            f'ts={t(1)} caller=web.go:568 level=info component=web msg="Start listening for connections" address=0.0.0.0:9090',
            f'ts={t(3)} caller=main.go:1129 level=info msg="Server is ready to receive web requests."',
            f'ts={stamp(NOW - td(minutes=30))} caller=compact.go:576 level=info component=tsdb msg="write block" mint=1741939200000 maxt=1741946400000 duration=1.212s',
            f'ts={stamp(NOW - td(minutes=2))} caller=scrape.go:1485 level=warn component="scrape manager" scrape_pool=kubernetes-pods target=http://10.244.1.9:8080/metrics msg="Append error" err="context deadline exceeded"',
        ],
    )
    b.service(NS, "prometheus", {"app": "prometheus"}, [("web", 9090, "web")], created=BORN)


def _alertmanager(b: ClusterBuilder) -> None:
    """Listens on 9093; its liveness probe GETs :8080/-/healthy: connection refused, killed, restarted."""
    created = NOW - td(minutes=46)
    c = container(
        "alertmanager",
        "quay.io/prometheus/alertmanager:v0.27.0",
        ports=[(9093, "web")],
        args=["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"],
        requests={"cpu": "50m", "memory": "64Mi"},
        limits={"memory": "128Mi"},
        liveness=http_probe("/-/healthy", 8080, period=10, failure=3, delay=10),
        mounts=[("config", "/etc/alertmanager")],
    )
    d = b.deployment(
        NS,
        "alertmanager",
        [c],
        replicas=1,
        created=BORN,
        nodes=["worker-2"],
        pods_created=created,
        volumes=[{"name": "config", "configMap": {"defaultMode": 420, "name": "alertmanager-config"}}],
    )
    p = d.pod
    ip = p["status"]["podIP"]
    last_start = NOW - td(minutes=5, seconds=34)
    ps.restarted(
        p,
        "alertmanager",
        restarts=11,
        last_started=last_start,
        last_finished=last_start + td(seconds=41),
        exit_code=0,
        reason="Completed",
    )
    kw = {
        "component": "kubelet",
        "host": "worker-2",
        "field_path": "spec.containers{alertmanager}",
        "first": created + td(seconds=14),
    }
    b.event(
        p,
        "Unhealthy",
        f'Liveness probe failed: Get "http://{ip}:8080/-/healthy": dial tcp {ip}:8080: connect: connection refused',
        type_="Warning",
        count=34,
        last=NOW - td(seconds=11),
        **kw,
    )
    b.event(
        p,
        "Killing",
        "Container alertmanager failed liveness probe, will be restarted",
        count=11,
        last=last_start + td(seconds=40),
        **kw,
    )
    backoff_events(b, p, "alertmanager", restarts=11, first=created + td(minutes=2), backoffs=52)
    for prev, t0 in ((True, last_start), (False, last_start + td(seconds=42))):
        s = lambda sec, t0=t0: stamp(t0 + td(seconds=sec))  # noqa: E731
        lines = [
            f'ts={s(0)} caller=main.go:181 level=info msg="Starting Alertmanager" version="(version=0.27.0, branch=HEAD, revision=0aa3c2aad14cff039931923ab16b26b7481783b5)"',
            f'ts={s(0)} caller=cluster.go:186 level=info component=cluster msg="setting advertise address explicitly" addr={ip} port=9094',
            f'ts={s(1)} caller=coordinator.go:126 level=info component=configuration msg="Completed loading of configuration file" file=/etc/alertmanager/alertmanager.yml',
            f'ts={s(1)} caller=tls_config.go:313 level=info msg="Listening on" address=[::]:9093',
            f'ts={s(1)} caller=tls_config.go:316 level=info msg="TLS is disabled." http2=false address=[::]:9093',
        ]
        if prev:
            lines += [f'ts={s(40)} caller=main.go:536 level=info msg="Received SIGTERM, exiting gracefully..."']
        b.log(p, "alertmanager", lines, previous=prev)
    b.service(NS, "alertmanager", {"app": "alertmanager"}, [("web", 9093, "web")], created=BORN)


def _node_exporter(b: ClusterBuilder) -> None:
    c = container(
        "node-exporter",
        "quay.io/prometheus/node-exporter:v1.7.0",
        ports=[(9100, "metrics")],
        args=["--path.rootfs=/host"],
        requests={"cpu": "10m", "memory": "32Mi"},
        limits={"memory": "64Mi"},
        mounts=[("root", "/host")],
    )
    ds = b.daemonset(
        NS,
        "node-exporter",
        [c],
        created=BORN,
        host_network=True,
        volumes=[{"hostPath": {"path": "/", "type": ""}, "name": "root"}],
    )
    for p in ds.pods:
        t = stamp(started_at(p, "node-exporter"))
        b.log(
            p,
            "node-exporter",
            [
                f'ts={t} caller=node_exporter.go:192 level=info msg="Starting node_exporter" version="(version=1.7.0, branch=HEAD, revision=7333465abf9efba81876303bb57e6fadb946041b)"',
                f'ts={t} caller=tls_config.go:274 level=info msg="Listening on" address=[::]:9100',
            ],
        )
    b.service(
        NS, "node-exporter", {"app": "node-exporter"}, [("metrics", 9100, "metrics")], created=BORN, cluster_ip="None"
    )


def _grafana(b: ClusterBuilder) -> None:
    c = container(
        "grafana",
        "grafana/grafana:10.4.1",
        ports=[(3000, "http")],
        env=[
            env_var("GF_SECURITY_ADMIN_USER", secret=("grafana-admin", "admin-user")),
            env_var("GF_SECURITY_ADMIN_PASSWORD", secret=("grafana-admin", "admin-password")),
        ],
        requests={"cpu": "100m", "memory": "128Mi"},
        limits={"memory": "256Mi"},
        readiness=http_probe("/api/health", 3000),
    )
    started = NOW - td(days=5, hours=1)
    d = b.deployment(NS, "grafana", [c], replicas=1, created=BORN, nodes=["worker-3"], pods_created=started)
    s = stamp(started)
    b.log(
        d.pod,
        "grafana",
        [
            f'logger=settings t={s} level=info msg="Starting Grafana" version=10.4.1 commit=e1e5d3cf34 branch=HEAD',
            f'logger=http.server t={s} level=info msg="HTTP Server Listen" address=[::]:3000 protocol=http subUrl= socket=',
            f'logger=cleanup t={stamp(NOW - td(minutes=4))} level=info msg="Completed cleanup jobs" duration=21.318ms',
        ],
    )
    b.service(NS, "grafana", {"app": "grafana"}, [("http", 80, "http")], created=BORN)
    b.simple(
        "Ingress",
        "networking.k8s.io/v1",
        NS,
        "grafana",
        created=NOW - td(minutes=22),
        body={
            "spec": {
                "ingressClassName": "nginx",
                "rules": [
                    {
                        "host": "grafana.example.com",
                        "http": {
                            "paths": [
                                {
                                    "backend": {"service": {"name": "grafana", "port": {"number": 80}}},
                                    "path": "/",
                                    "pathType": "Prefix",
                                }
                            ]
                        },
                    }
                ],
                "tls": [{"hosts": ["grafana.example.com"], "secretName": "grafana-tls"}],
            },
            "status": {
                "loadBalancer": {
                    "ingress": [{"hostname": "a3f9c1e27b5d84e0b9c2d1f6e8a7b4c3-1861534271.eu-west-1.elb.amazonaws.com"}]
                }
            },
        },
    )


PROMETHEUS_YML = """global:
  scrape_interval: 30s
scrape_configs:
- job_name: kubernetes-pods
  kubernetes_sd_configs:
  - role: pod
  relabel_configs:
  - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
    action: keep
    regex: "true"
- job_name: node-exporter
  kubernetes_sd_configs:
  - role: node
"""


def _helm_releases(b: ClusterBuilder) -> None:
    """Helm 3 release Secrets of grafana: revision 3 deployed 5 days ago, superseding revision 2."""
    for version, status, days in ((2, "superseded", 40), (3, "deployed", 5)):
        at = NOW - td(days=days)
        s = secret(b, NS, f"sh.helm.release.v1.grafana.v{version}", ["release"], created=at, type_="helm.sh/release.v1")
        s["metadata"]["labels"] = {
            "modifiedAt": str(int(at.timestamp())),
            "name": "grafana",
            "owner": "helm",
            "status": status,
            "version": str(version),
        }
