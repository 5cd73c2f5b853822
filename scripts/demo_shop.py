"""Demo namespace ``shop``: a storefront with a bad image tag, a crash loop from a missing env var,
an OOMKilled JVM, a failing readiness probe, an init-container typo, a Service selecting no pod,
an HPA without CPU requests and an Ingress naming a missing IngressClass."""

from __future__ import annotations

from datetime import timedelta as td

from demo_common import (
    NOW,
    access_log,
    backoff_events,
    configmap,
    namespace_basics,
    secret,
    stamp,
    startup_log,
)
from demo_platform import bound_claim

from devkit import podstates as ps
from devkit.builder import ClusterBuilder
from devkit.objects import (
    condition,
    container,
    env_var,
    http_probe,
    tcp_probe,
    ts,
)

NS = "shop"
BORN = NOW - td(days=118)
REG = "ghcr.io/acme-shop"


def app(
    name: str,
    version: str,
    *,
    port: int = 8080,
    cpu: str | None = "100m",
    memory: str = "128Mi",
    limit: str = "256Mi",
    probes: bool = True,
    **kw,
) -> dict:
    requests = {"memory": memory} | ({"cpu": cpu} if cpu else {})
    probe = (
        {"readiness": http_probe("/ready", port), "liveness": http_probe("/healthz", port, delay=10)} if probes else {}
    )
    return container(
        name,
        f"{REG}/{name}:{version}",
        ports=[(port, "http")],
        requests=requests,
        limits={"memory": limit},
        **(probe | kw),
    )


def build_shop(b: ClusterBuilder) -> None:
    namespace_basics(b, NS, created=BORN, labels={"team": "storefront"})
    secret(b, NS, "storefront-tls", ["tls.crt", "tls.key"], created=BORN + td(days=2), type_="kubernetes.io/tls")
    cm = configmap(
        b,
        NS,
        "frontend-config",
        {
            "CATALOG_URL": "http://catalog.shop.svc.cluster.local",
            "CART_URL": "http://cart.shop.svc.cluster.local",
            "FEATURE_FLAGS": "new-header,reviews",
        },
        created=BORN,
    )
    edited = NOW - td(minutes=41)  # a flag edit shortly before the bad rollout (the changes tool shows it)
    cm["metadata"]["managedFields"] = [
        {"manager": "kubectl-client-side-apply", "operation": "Update", "time": ts(BORN), "fieldsType": "FieldsV1"},
        {"manager": "kubectl-edit", "operation": "Update", "time": ts(edited), "fieldsType": "FieldsV1"},
    ]
    _frontend(b)
    _cart(b)
    _catalog(b)
    _checkout(b)
    _recommendations(b)
    _search(b)
    _inventory(b)
    _orders(b)
    _storefront_ingress(b)


def _frontend(b: ClusterBuilder) -> None:
    """Rollout to a tag that does not exist (2.41 for 2.4.1): ImagePullBackOff, old pods still serve."""
    env = {"env_from": [{"configMapRef": {"name": "frontend-config"}}]}
    started = NOW - td(days=6, hours=2)
    fe = b.deployment(
        NS,
        "frontend",
        [app("frontend", "2.4.0", **env)],
        replicas=3,
        created=BORN,
        nodes=["worker-1", "worker-2", "worker-3"],
        pods_created=started,
    )
    for p in fe.pods:
        b.log(
            p,
            "frontend",
            startup_log("frontend", "2.4.0", started, 8080)
            + access_log("frontend", started, ["/", "/products/sku-1042", "/api/cart", "/static/app.js"]),
        )
    bad = f"{REG}/frontend:2.41"
    at = NOW - td(minutes=35)
    tpl = b.template({"app": "frontend"}, [app("frontend", "2.41", **env)])
    rs = b.revision(fe, tpl, created=at, replicas=1, nodes=["worker-1"], events=False)
    p = fe.pods[-1]
    ps.waiting(p, "frontend", "ImagePullBackOff", f'Back-off pulling image "{bad}"')
    m = p["metadata"]
    b.event(
        fe.obj,
        "ScalingReplicaSet",
        f"Scaled up replica set {rs['metadata']['name']} to 1",
        component="deployment-controller",
        first=at,
    )
    b.event(rs, "SuccessfulCreate", f"Created pod: {m['name']}", component="replicaset-controller", first=at)
    b.event(
        p, "Scheduled", f"Successfully assigned shop/{m['name']} to worker-1", component="default-scheduler", first=at
    )
    kw = {
        "component": "kubelet",
        "host": "worker-1",
        "first": at + td(seconds=1),
        "field_path": "spec.containers{frontend}",
    }
    pull_last, back_last = NOW - td(minutes=5, seconds=48), NOW - td(seconds=12)
    b.event(p, "Pulling", f'Pulling image "{bad}"', count=8, last=pull_last, **kw)
    b.event(
        p,
        "Failed",
        f'Failed to pull image "{bad}": rpc error: code = NotFound desc = failed to pull and unpack '
        f'image "{bad}": failed to resolve reference "{bad}": {bad}: not found',
        type_="Warning",
        count=8,
        last=pull_last,
        **kw,
    )
    b.event(p, "Failed", "Error: ErrImagePull", type_="Warning", count=8, last=pull_last, **kw)
    b.event(p, "BackOff", f'Back-off pulling image "{bad}"', count=141, last=back_last, **kw)
    b.event(p, "Failed", "Error: ImagePullBackOff", type_="Warning", count=141, last=back_last, **kw)
    fe.obj["status"]["conditions"] = [
        condition(
            "Progressing",
            False,
            at + td(minutes=10),
            "ProgressDeadlineExceeded",
            f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.',
            update=True,
        )
    ]
    b.service(NS, "frontend", {"app": "frontend"}, [("http", 80, "http")], created=BORN)


def _cart(b: ClusterBuilder) -> None:
    """Healthy, with the noise of one old restart (a panic three days ago)."""
    started = NOW - td(days=12, hours=5)
    cart = b.deployment(
        NS,
        "cart",
        [app("cart", "1.8.2", env=[env_var("REDIS_ADDR", "cart-redis-0.cart-redis.shop.svc.cluster.local:6379")])],
        replicas=2,
        created=BORN,
        nodes=["worker-2", "worker-1"],
        pods_created=started,
    )
    crashed = NOW - td(days=3, hours=4, minutes=12)
    p0 = cart.pods[0]
    ps.restarted(
        p0, "cart", restarts=1, last_started=started + td(seconds=9), last_finished=crashed, exit_code=2, reason="Error"
    )
    b.log(
        p0,
        "cart",
        startup_log("cart", "1.8.2", started, 8080)
        + [
            f'{{"level":"warn","ts":"{stamp(crashed - td(seconds=2))}","logger":"cart.store","msg":"redis: connection pool timeout"}}',
            "panic: runtime error: invalid memory address or nil pointer dereference",
            "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x8c4b2f]",
            "",
            "goroutine 41822 [running]:",
            "github.com/acme-shop/cart/internal/store.(*RedisStore).Get(0x0, {0xc0004a2f00, 0x1b})",
            "\t/src/internal/store/redis.go:88 +0x4f",
            "github.com/acme-shop/cart/internal/api.(*Handler).GetCart(0xc000118e10, {0xb2c4f0, 0xc0003fe1c0}, 0xc00051a000)",
            "\t/src/internal/api/cart.go:41 +0x9e",
        ],
        previous=True,
    )
    for p in cart.pods:
        t = crashed + td(seconds=1) if p is p0 else started
        b.log(
            p,
            "cart",
            startup_log("cart", "1.8.2", t, 8080, ["connected to redis"])
            + access_log("cart", t, ["/api/cart/8812", "/api/cart/1290", "/healthz"]),
        )
    b.service(NS, "cart", {"app": "cart"}, [("http", 80, "http")], created=BORN)
    redis = container(
        "redis",
        "redis:7.2.4",
        args=["--appendonly", "yes"],
        ports=[(6379, "redis")],
        requests={"cpu": "50m", "memory": "64Mi"},
        limits={"memory": "256Mi"},
        liveness=tcp_probe("redis", delay=15),
        mounts=[("data", "/data")],
    )
    redis["volumeMounts"][0]["readOnly"] = False
    sts = b.statefulset(
        NS,
        "cart-redis",
        [redis],
        replicas=1,
        created=BORN,
        nodes=["worker-2"],
        service_name="cart-redis",
        claims=[("data", "5Gi", "gp3")],
    )
    bound_claim(b, NS, "data-cart-redis-0", "5Gi", created=BORN, node="worker-2", labels={"app": "cart-redis"})
    b.log(
        sts.pod,
        "redis",
        [
            "1:C 14 Mar 2025 06:11:02.118 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
            "1:M 14 Mar 2025 06:11:02.121 * Running mode=standalone, port=6379.",
            "1:M 14 Mar 2025 06:11:02.174 * DB loaded from append only file: 0.052 seconds",
            "1:M 14 Mar 2025 06:11:02.174 * Ready to accept connections tcp",
        ],
    )
    svc = b.service(
        NS, "cart-redis", {"app": "cart-redis"}, [("redis", 6379, "redis")], created=BORN, cluster_ip="None"
    )
    svc["spec"]["clusterIPs"] = ["None"]


def _catalog(b: ClusterBuilder) -> None:
    """Healthy pods without CPU requests, so its CPU HPA cannot compute utilization."""
    started = NOW - td(days=6, hours=1)
    cat = b.deployment(
        NS,
        "catalog",
        [app("catalog", "3.2.0", cpu=None, memory="256Mi", limit="512Mi")],
        replicas=2,
        created=BORN,
        nodes=["worker-1", "worker-2"],
        pods_created=started,
    )
    inv_ip = "10.96.1.38"
    for i, p in enumerate(cat.pods):
        b.log(
            p,
            "catalog",
            startup_log("catalog", "3.2.0", started, 8080, ["loaded 12840 products"])
            + access_log("catalog", started, ["/api/products", "/api/products/sku-1042"], n=4)
            + [
                f'{{"level":"warn","ts":"{stamp(NOW - td(seconds=40 + 9 * j + i))}","logger":"catalog.stock",'
                f'"msg":"inventory lookup failed","error":"Get \\"http://inventory.shop.svc.cluster.local/v1/stock?'
                f'sku=sku-10{42 + j}\\": dial tcp {inv_ip}:80: connect: connection refused"}}'
                for j in range(3)
            ],
        )
    b.service(NS, "catalog", {"app": "catalog"}, [("http", 80, "http")], created=BORN)
    pod_name = cat.pods[0]["metadata"]["name"]
    why = f"failed to get cpu utilization: missing request for cpu in container catalog of Pod {pod_name}"
    hpa = b.simple(
        "HorizontalPodAutoscaler",
        "autoscaling/v2",
        NS,
        "catalog",
        created=started - td(minutes=5),
        body={
            "spec": {
                "maxReplicas": 10,
                "metrics": [
                    {
                        "resource": {"name": "cpu", "target": {"averageUtilization": 70, "type": "Utilization"}},
                        "type": "Resource",
                    }
                ],
                "minReplicas": 2,
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "catalog"},
            },
            "status": {
                "conditions": [
                    condition(
                        "AbleToScale",
                        True,
                        started,
                        "SucceededGetScale",
                        "the HPA controller was able to get the target's current scale",
                    ),
                    condition(
                        "ScalingActive",
                        False,
                        started,
                        "FailedGetResourceMetric",
                        f"the HPA was unable to compute the replica count: {why}",
                    ),
                ],
                "currentMetrics": [{"type": ""}],
                "currentReplicas": 2,
                "desiredReplicas": 2,
            },
        },
    )
    kw = {"component": "horizontal-pod-autoscaler", "type_": "Warning", "first": started, "last": NOW - td(seconds=9)}
    b.event(hpa, "FailedGetResourceMetric", why, count=34893, **kw)
    b.event(
        hpa,
        "FailedComputeMetricsReplicas",
        f"invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: {why}",
        count=34893,
        **kw,
    )


def _checkout(b: ClusterBuilder) -> None:
    """New service whose 1.0.0 image requires PAYMENTS_API_URL, which nobody set: CrashLoopBackOff."""
    created = NOW - td(hours=3, minutes=4)
    configmap(
        b,
        NS,
        "checkout-config",
        {
            "CART_URL": "http://cart.shop.svc.cluster.local",
            "CATALOG_URL": "http://catalog.shop.svc.cluster.local",
            "LOG_LEVEL": "info",
        },
        created=created,
    )
    co = b.deployment(
        NS,
        "checkout",
        [app("checkout", "1.0.0", env_from=[{"configMapRef": {"name": "checkout-config"}}])],
        replicas=2,
        created=created,
        nodes=["worker-1", "worker-2"],
    )
    for i, p in enumerate(co.pods):
        restarts = 34 - i
        last_start = NOW - td(minutes=3, seconds=2 + 41 * i)
        ps.crashloop(
            p,
            "checkout",
            restarts=restarts,
            exit_code=1,
            last_started=last_start,
            last_finished=last_start + td(seconds=1),
        )
        backoff_events(b, p, "checkout", restarts=restarts, first=created + td(seconds=30), backoffs=801 - 13 * i)
        for prev, t in ((True, last_start - td(minutes=5, seconds=11)), (False, last_start)):
            b.log(
                p,
                "checkout",
                [
                    f'{{"level":"info","ts":"{stamp(t)}","logger":"checkout","msg":"starting checkout","version":"1.0.0"}}',
                    f'{{"level":"info","ts":"{stamp(t + td(milliseconds=12))}","logger":"checkout.config","msg":"loading configuration from environment"}}',
                    f'{{"level":"fatal","ts":"{stamp(t + td(milliseconds=14))}","logger":"checkout.config","msg":"required environment variable PAYMENTS_API_URL is not set","error":"missing required configuration"}}',
                ],
                previous=prev,
            )
    b.service(NS, "checkout", {"app": "checkout"}, [("http", 80, "http")], created=created)


def _recommendations(b: ClusterBuilder) -> None:
    """A JVM in a 512Mi limit loading a 412 MB model: OOMKilled (137), CrashLoopBackOff."""
    created = NOW - td(days=20)
    started = NOW - td(minutes=58)
    c = app(
        "recommendations",
        "0.9.4",
        memory="384Mi",
        limit="512Mi",
        probes=False,
        env=[env_var("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75"), env_var("SPRING_PROFILES_ACTIVE", "prod")],
    )
    rec = b.deployment(
        NS, "recommendations", [c], replicas=1, created=created, nodes=["worker-2"], pods_created=started
    )
    p = rec.pod
    last_start = NOW - td(minutes=4, seconds=40)
    ps.crashloop(
        p,
        "recommendations",
        restarts=9,
        exit_code=137,
        reason="OOMKilled",
        last_started=last_start,
        last_finished=last_start + td(seconds=44),
    )
    backoff_events(b, p, "recommendations", restarts=9, first=started + td(minutes=1), backoffs=187)
    b.event(
        b.nodes["worker-2"],
        "SystemOOM",
        "System OOM encountered, victim process: java, pid: 2188112",
        component="kubelet",
        host="worker-2",
        type_="Warning",
        count=9,
        first=started + td(minutes=1),
        last=last_start + td(seconds=44),
    )
    for prev, t in ((True, last_start - td(minutes=5, seconds=50)), (False, last_start)):
        s = lambda sec, t=t: stamp(t + td(seconds=sec), "pg").replace(" UTC", "")  # noqa: E731
        b.log(
            p,
            "recommendations",
            [
                "Picked up JAVA_TOOL_OPTIONS: -XX:MaxRAMPercentage=75",
                f"{s(1)}  INFO 1 --- [           main] c.a.r.RecommendationsApplication         : Starting RecommendationsApplication v0.9.4 using Java 17.0.10 with PID 1",
                f'{s(1)}  INFO 1 --- [           main] c.a.r.RecommendationsApplication         : The following 1 profile is active: "prod"',
                f"{s(6)}  INFO 1 --- [           main] c.a.r.model.EmbeddingStore               : Loading product embeddings from s3://acme-ml-models/recs/embeddings-2025-03-13.bin (412 MB)",
                f"{s(19)}  INFO 1 --- [           main] c.a.r.model.EmbeddingStore               : Loaded 400000 / 1250000 vectors",
                f"{s(31)}  INFO 1 --- [           main] c.a.r.model.EmbeddingStore               : Loaded 800000 / 1250000 vectors",
                f"{s(40)}  WARN 1 --- [           main] c.a.r.model.EmbeddingStore               : GC overhead high: 38% of time in GC over the last 10s",
            ],
            previous=prev,
        )
    b.service(NS, "recommendations", {"app": "recommendations"}, [("http", 80, "http")], created=created)


def _search(b: ClusterBuilder) -> None:
    """Running but never Ready: /ready answers 503 because its index is missing."""
    started = NOW - td(minutes=40)
    se = b.deployment(
        NS,
        "search",
        [app("search", "2.0.3", memory="256Mi", limit="512Mi")],
        replicas=1,
        created=BORN,
        nodes=["worker-3"],
        pods_created=started,
    )
    p = se.pod
    ps.not_ready(p, "search")
    b.event(
        p,
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
        component="kubelet",
        host="worker-3",
        type_="Warning",
        count=236,
        first=started + td(seconds=8),
        last=NOW - td(seconds=8),
        field_path="spec.containers{search}",
    )
    b.log(
        p,
        "search",
        startup_log(
            "search",
            "2.0.3",
            started,
            8080,
            ["connected to opensearch at http://opensearch.data.svc.cluster.local:9200"],
        )
        + [
            f'{{"level":"warn","ts":"{stamp(NOW - td(seconds=10 * i + 8))}","logger":"search.health","msg":"readiness '
            'check failed","check":"index","error":"index_not_found_exception: no such index [products-v7]"}'
            for i in range(5, -1, -1)
        ],
    )
    b.service(NS, "search", {"app": "search"}, [("http", 80, "http")], created=BORN)


def _inventory(b: ClusterBuilder) -> None:
    """Healthy pods labelled app=inventory; the Service selects app=inventory-api: no endpoints."""
    started = NOW - td(days=2, hours=7)
    inv = b.deployment(
        NS,
        "inventory",
        [app("inventory", "1.3.1")],
        replicas=2,
        created=BORN,
        nodes=["worker-1", "worker-2"],
        pods_created=started,
    )
    for p in inv.pods:
        b.log(
            p,
            "inventory",
            startup_log("inventory", "1.3.1", started, 8080)
            + access_log("inventory", started, ["/healthz", "/ready"], n=4, step_s=90),
        )
    b.service(
        NS,
        "inventory",
        {"app": "inventory-api"},
        [("http", 80, "http")],
        created=BORN,
        labels={"app": "inventory"},
        cluster_ip="10.96.1.38",
    )


def _orders(b: ClusterBuilder) -> None:
    """Init container command typo (``pyhton``): StartError 128, Init:CrashLoopBackOff."""
    created = NOW - td(minutes=50)
    err = (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create "
        'failed: unable to start container process: exec: "pyhton": executable file not found in $PATH: unknown'
    )
    image = f"{REG}/orders:4.1.0"
    init = container(
        "migrate",
        image,
        command=["pyhton", "manage.py", "migrate", "--noinput"],
        env_from=[{"secretRef": {"name": "orders-db"}}],
    )
    secret(b, NS, "orders-db", ["DATABASE_URL"], created=BORN + td(days=30))
    od = b.deployment(
        NS,
        "orders",
        [app("orders", "4.1.0", env_from=[{"secretRef": {"name": "orders-db"}}])],
        replicas=1,
        created=created,
        nodes=["worker-2"],
        init_containers=[init],
        events=False,
    )
    p = od.pod
    last = NOW - td(minutes=2, seconds=30)
    ps.init_crashloop(
        p,
        "migrate",
        restarts=10,
        exit_code=128,
        reason="StartError",
        message=err,
        last_started=last,
        last_finished=last,
    )
    p["status"]["initContainerStatuses"][0]["lastState"]["terminated"]["startedAt"] = "1970-01-01T00:00:00Z"
    m = p["metadata"]
    b.event(
        p,
        "Scheduled",
        f"Successfully assigned shop/{m['name']} to worker-2",
        component="default-scheduler",
        first=created,
    )
    backoff_events(b, p, "migrate", restarts=10, first=created + td(seconds=2), backoffs=214, image=image, init=True)
    kw = {
        "component": "kubelet",
        "host": "worker-2",
        "first": created + td(seconds=2),
        "last": last,
        "field_path": "spec.initContainers{migrate}",
        "count": 11,
    }
    b.event(p, "Created", "Created container migrate", **kw)
    b.event(p, "Failed", f"Error: {err}", type_="Warning", **kw)
    b.service(NS, "orders", {"app": "orders"}, [("http", 80, "http")], created=created)


def _storefront_ingress(b: ClusterBuilder) -> None:
    paths = [("/", "frontend"), ("/checkout", "checkout")]
    b.simple(
        "Ingress",
        "networking.k8s.io/v1",
        NS,
        "storefront",
        created=BORN + td(days=2),
        annotations={"nginx.ingress.kubernetes.io/ssl-redirect": "true"},
        body={
            "spec": {
                "ingressClassName": "nginx-internal",
                "rules": [
                    {
                        "host": "shop.example.com",
                        "http": {
                            "paths": [
                                {
                                    "backend": {"service": {"name": svc, "port": {"number": 80}}},
                                    "path": path,
                                    "pathType": "Prefix",
                                }
                                for path, svc in paths
                            ]
                        },
                    }
                ],
                "tls": [{"hosts": ["shop.example.com"], "secretName": "storefront-tls"}],
            },
            "status": {"loadBalancer": {}},
        },
    )


__all__ = ["build_shop", "ts"]
