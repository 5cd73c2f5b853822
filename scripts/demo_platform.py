"""Demo cluster platform: nodes (worker-3 under DiskPressure), kube-system, default, storage and
ingress classes. See docs/demo-cluster.md."""

from __future__ import annotations

from datetime import datetime, timedelta

from demo_common import (
    CLUSTER_BORN,
    DISK_PRESSURE_SINCE,
    NODES,
    NOW,
    configmap,
    namespace_basics,
    service_account,
    stamp,
    started_at,
)

from devkit.builder import ClusterBuilder
from devkit.objects import container, hexid, http_probe, meta, ts, uid

ELB = "a3f9c1e27b5d84e0b9c2d1f6e8a7b4c3-1861534271.eu-west-1.elb.amazonaws.com"


def build_nodes(b: ClusterBuilder) -> None:
    for i, name in enumerate(NODES, start=1):
        pressure, taints = None, None
        if name == "worker-3":
            pressure = {"DiskPressure": ("KubeletHasDiskPressure", "kubelet has disk pressure", DISK_PRESSURE_SINCE)}
            taints = [
                {
                    "effect": "NoSchedule",
                    "key": "node.kubernetes.io/disk-pressure",
                    "timeAdded": ts(DISK_PRESSURE_SINCE),
                }
            ]
        b.node(
            name,
            ip=f"10.0.{i}.{10 + i}",
            pod_cidr=f"10.244.{i}.0/24",
            zone=f"eu-west-1{'abc'[i - 1]}",
            created=CLUSTER_BORN + timedelta(days=3 * i),
            taints=taints,
            pressure=pressure,
        )
    w3 = b.nodes["worker-3"]
    kw = {"component": "kubelet", "host": "worker-3"}
    b.event(
        w3, "NodeHasDiskPressure", "Node worker-3 status is now: NodeHasDiskPressure", first=DISK_PRESSURE_SINCE, **kw
    )
    b.event(
        w3,
        "EvictionThresholdMet",
        "Attempting to reclaim ephemeral-storage",
        type_="Warning",
        count=7,
        first=DISK_PRESSURE_SINCE,
        last=NOW - timedelta(minutes=2, seconds=40),
        **kw,
    )
    b.event(
        w3,
        "FreeDiskSpaceFailed",
        "Failed to garbage collect required amount of images. Attempted to free "
        "9318842368 bytes, but only found 1024000 bytes eligible to free.",
        type_="Warning",
        count=4,
        first=DISK_PRESSURE_SINCE + timedelta(minutes=1),
        last=NOW - timedelta(minutes=7),
        **kw,
    )


def build_classes(b: ClusterBuilder) -> None:
    b.simple(
        "StorageClass",
        "storage.k8s.io/v1",
        None,
        "gp3",
        created=CLUSTER_BORN,
        annotations={"storageclass.kubernetes.io/is-default-class": "true"},
        body={
            "allowVolumeExpansion": True,
            "parameters": {"encrypted": "true", "type": "gp3"},
            "provisioner": "ebs.csi.aws.com",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer",
        },
    )
    b.simple(
        "StorageClass",
        "storage.k8s.io/v1",
        None,
        "gp2",
        created=CLUSTER_BORN,
        body={
            "parameters": {"fsType": "ext4", "type": "gp2"},
            "provisioner": "kubernetes.io/aws-ebs",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer",
        },
    )
    b.simple(
        "IngressClass",
        "networking.k8s.io/v1",
        None,
        "nginx",
        created=CLUSTER_BORN + timedelta(days=1),
        labels={"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
        annotations={"ingressclass.kubernetes.io/is-default-class": "true"},
        body={"spec": {"controller": "k8s.io/ingress-nginx"}},
    )


def bound_claim(
    b: ClusterBuilder, ns: str, name: str, size: str, *, created: datetime, node: str, labels: dict | None = None
) -> None:
    """A PVC bound to a dynamically provisioned EBS volume, and that PV."""
    zone = b.nodes[node]["metadata"]["labels"]["topology.kubernetes.io/zone"]
    pvc_uid = uid("PersistentVolumeClaim", ns, name)
    pv_name = f"pvc-{pvc_uid}"
    md = meta(
        name,
        ns,
        created,
        labels=labels,
        kind="PersistentVolumeClaim",
        annotations={
            "pv.kubernetes.io/bind-completed": "yes",
            "pv.kubernetes.io/bound-by-controller": "yes",
            "volume.beta.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
            "volume.kubernetes.io/selected-node": node,
            "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
        },
    )
    md["finalizers"] = ["kubernetes.io/pvc-protection"]
    pvc = b.add(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": md,
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": size}},
                "storageClassName": "gp3",
                "volumeMode": "Filesystem",
                "volumeName": pv_name,
            },
            "status": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": size}, "phase": "Bound"},
        }
    )
    pv_md = meta(
        pv_name,
        None,
        created + timedelta(seconds=3),
        kind="PersistentVolume",
        annotations={
            "pv.kubernetes.io/provisioned-by": "ebs.csi.aws.com",
            "volume.kubernetes.io/provisioner-deletion-secret-name": "",
            "volume.kubernetes.io/provisioner-deletion-secret-namespace": "",
        },
    )
    pv_md["finalizers"] = ["external-provisioner.volume.kubernetes.io/finalizer", "kubernetes.io/pv-protection"]
    b.add(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": pv_md,
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "capacity": {"storage": size},
                "claimRef": {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "name": name,
                    "namespace": ns,
                    "resourceVersion": pvc["metadata"]["resourceVersion"],
                    "uid": pvc_uid,
                },
                "csi": {
                    "driver": "ebs.csi.aws.com",
                    "fsType": "ext4",
                    "volumeHandle": f"vol-0{hexid(16, 'vol', ns, name)}",
                    "volumeAttributes": {
                        "storage.kubernetes.io/csiProvisionerIdentity": "1730523600000-8081-ebs.csi.aws.com"
                    },
                },
                "nodeAffinity": {
                    "required": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}
                                ]
                            }
                        ]
                    }
                },
                "persistentVolumeReclaimPolicy": "Delete",
                "storageClassName": "gp3",
                "volumeMode": "Filesystem",
            },
            "status": {"lastPhaseTransitionTime": ts(created + timedelta(seconds=4)), "phase": "Bound"},
        }
    )


def build_kube_system(b: ClusterBuilder) -> dict:
    """kube-system; returns the ingress controller pod (its log is written once apps exist)."""
    ns, born = "kube-system", CLUSTER_BORN
    namespace_basics(b, ns, created=born)
    for sa in ("coredns", "kube-proxy", "metrics-server", "ingress-nginx"):
        service_account(b, ns, sa, created=born)
    configmap(b, ns, "coredns", {"Corefile": COREFILE}, created=born, labels={"k8s-app": "kube-dns"})
    configmap(
        b,
        ns,
        "kube-proxy",
        {
            "config": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: "
            "KubeProxyConfiguration\nmode: iptables\nclusterCIDR: 10.244.0.0/16\n"
        },
        created=born,
    )
    dns = container(
        "coredns",
        "registry.k8s.io/coredns/coredns:v1.11.1",
        args=["-conf", "/etc/coredns/Corefile"],
        ports=[(53, "dns", "UDP"), (53, "dns-tcp"), (9153, "metrics")],
        requests={"cpu": "100m", "memory": "70Mi"},
        limits={"memory": "170Mi"},
        liveness=http_probe("/health", 8080, failure=5, delay=60, timeout=5),
        readiness=http_probe("/ready", 8181),
        mounts=[("config-volume", "/etc/coredns")],
    )
    coredns = b.deployment(
        ns,
        "coredns",
        [dns],
        replicas=2,
        created=born,
        nodes=["worker-1", "worker-2"],
        labels={"k8s-app": "kube-dns"},
        pods_created=NOW - timedelta(days=41),
        sa="coredns",
        volumes=[
            {
                "name": "config-volume",
                "configMap": {
                    "defaultMode": 420,
                    "name": "coredns",
                    "items": [{"key": "Corefile", "path": "Corefile"}],
                },
            }
        ],
    )
    for p in coredns.pods:
        p["spec"]["priorityClassName"], p["spec"]["priority"] = "system-cluster-critical", 2000000000
        b.log(
            p,
            "coredns",
            [
                ".:53",
                "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908",
                "CoreDNS-1.11.1",
                "linux/amd64, go1.20.7, ae2bbc2",
            ],
        )
    b.service(
        ns,
        "kube-dns",
        {"k8s-app": "kube-dns"},
        [("dns", 53, 53, "UDP"), ("dns-tcp", 53, 53), ("metrics", 9153, 9153)],
        created=born,
        cluster_ip="10.96.0.10",
        labels={"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"},
    )
    proxy = container(
        "kube-proxy",
        "registry.k8s.io/kube-proxy:v1.29.4",
        command=[
            "/usr/local/bin/kube-proxy",
            "--config=/var/lib/kube-proxy/config.conf",
            "--hostname-override=$(NODE_NAME)",
        ],
        requests={"cpu": "100m"},
    )
    for p in b.daemonset(
        ns, "kube-proxy", [proxy], created=born, labels={"k8s-app": "kube-proxy"}, host_network=True, sa="kube-proxy"
    ).pods:
        start = started_at(p, "kube-proxy")
        b.log(
            p,
            "kube-proxy",
            [
                f'I{stamp(start, "klog")}       1 server_linux.go:69] "Using iptables proxy"',
                f'I{stamp(start, "klog")}       1 server.go:1050] "Successfully retrieved node IP(s)" IPs=["{b.node_ip(p["spec"]["nodeName"])}"]',
                f'I{stamp(start, "klog")}       1 config.go:188] "Starting service config controller"',
                f"I{stamp(start, 'klog')}       1 shared_informer.go:318] Caches are synced for service config",
            ],
        )
    ms = container(
        "metrics-server",
        "registry.k8s.io/metrics-server/metrics-server:v0.7.1",
        args=[
            "--cert-dir=/tmp",
            "--secure-port=10250",
            "--kubelet-preferred-address-types=InternalIP",
            "--metric-resolution=15s",
        ],
        ports=[(10250, "https")],
        requests={"cpu": "100m", "memory": "200Mi"},
        readiness=http_probe("/readyz", "https", period=10),
    )
    msd = b.deployment(
        ns,
        "metrics-server",
        [ms],
        replicas=1,
        created=born + timedelta(days=1),
        nodes=["worker-2"],
        labels={"k8s-app": "metrics-server"},
        pods_created=NOW - timedelta(days=41),
        sa="metrics-server",
    )
    b.service(ns, "metrics-server", {"k8s-app": "metrics-server"}, [("https", 443, "https")], created=born)
    b.log(
        msd.pod,
        "metrics-server",
        [
            f"I{stamp(NOW - timedelta(days=41), 'klog')}       1 serving.go:374] Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)",
            f"I{stamp(NOW - timedelta(days=41), 'klog')}       1 secure_serving.go:213] Serving securely on [::]:10250",
        ],
    )
    return _ingress_nginx(b, born)


def _ingress_nginx(b: ClusterBuilder, born: datetime) -> dict:
    ns = "kube-system"
    c = container(
        "controller",
        "registry.k8s.io/ingress-nginx/controller:v1.10.1",
        args=[
            "/nginx-ingress-controller",
            "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller",
            "--election-id=ingress-nginx-leader",
            "--controller-class=k8s.io/ingress-nginx",
            "--ingress-class=nginx",
        ],
        ports=[(80, "http"), (443, "https")],
        requests={"cpu": "100m", "memory": "90Mi"},
        liveness=http_probe("/healthz", 10254, failure=5, delay=10),
        readiness=http_probe("/healthz", 10254, delay=10),
    )
    d = b.deployment(
        ns,
        "ingress-nginx-controller",
        [c],
        replicas=1,
        created=born + timedelta(days=1),
        nodes=["worker-1"],
        labels={"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
        pods_created=NOW - timedelta(days=9),
        sa="ingress-nginx",
    )
    svc = b.service(
        ns,
        "ingress-nginx-controller",
        {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
        [("http", 80, "http"), ("https", 443, "https")],
        created=born + timedelta(days=1),
        type_="LoadBalancer",
    )
    svc["spec"]["externalTrafficPolicy"] = "Cluster"
    svc["spec"]["ports"][0]["nodePort"], svc["spec"]["ports"][1]["nodePort"] = 31080, 31443
    svc["status"] = {"loadBalancer": {"ingress": [{"hostname": ELB}]}}
    return d.pod


def ingress_logs(b: ClusterBuilder, controller: dict, relay: dict) -> None:
    """The ingress controller's log: it names the three broken Ingresses (and proxies webhooks)."""
    t = NOW - timedelta(days=9)
    relay_ip = relay["status"]["podIP"]
    k = lambda dt: stamp(dt, "klog")  # noqa: E731
    b.log(
        controller,
        "controller",
        [
            "-------------------------------------------------------------------------------",
            "NGINX Ingress controller",
            "  Release:       v1.10.1",
            "  Build:         4fb5aac1dd3669daa3a14d9de3e3cdb371b4c518",
            "  Repository:    https://github.com/kubernetes/ingress-nginx",
            "  nginx version: nginx/1.25.3",
            "-------------------------------------------------------------------------------",
            f'I{k(t)}       7 main.go:249] "Running in Kubernetes cluster" major="1" minor="29" git="v1.29.4"',
            f'I{k(t)}       7 controller.go:190] "Configuration changes detected, backend reload required"',
            f'I{k(t)}       7 controller.go:210] "Backend successfully reloaded"',
            f'I{k(NOW - timedelta(minutes=58))}       7 store.go:436] "Ignoring ingress because of error while validating ingress class" '
            'ingress="shop/storefront" error="no object matching key \\"nginx-internal\\" in local store"',
            f"W{k(NOW - timedelta(minutes=21))}       7 controller.go:1110] Error obtaining Endpoints for Service "
            '"payments/payments-gateway": no object matching key "payments/payments-gateway" in local store',
            f"W{k(NOW - timedelta(minutes=21))}       7 backend_ssl.go:47] Error obtaining X.509 certificate: "
            'no object matching key "monitoring/grafana-tls" in local store',
            f"W{k(NOW - timedelta(minutes=21))}       7 controller.go:1345] Error getting SSL certificate "
            '"monitoring/grafana-tls": local SSL certificate monitoring/grafana-tls was not found. Using default certificate',
            f'I{k(NOW - timedelta(minutes=21))}       7 controller.go:210] "Backend successfully reloaded"',
        ]
        + [
            f'10.0.2.12 - - [14/Mar/2025:10:29:{i * 9 + 2:02d} +0000] "POST /webhooks/stripe HTTP/1.1" 200 2 "-" '
            f'"Stripe/1.0 (+https://stripe.com/docs/webhooks)" 1874 0.00{i + 2} [payments-webhook-relay-80] [] '
            f"{relay_ip}:8080 2 0.00{i + 2} 200 {hexid(32, 'req', i)}"
            for i in range(5)
        ],
    )


def build_default(b: ClusterBuilder) -> None:
    ns = "default"
    namespace_basics(b, ns, created=CLUSTER_BORN)
    b.service(
        ns,
        "kubernetes",
        None,
        [("https", 443, 6443)],
        created=CLUSTER_BORN,
        cluster_ip="10.96.0.1",
        labels={"component": "apiserver", "provider": "kubernetes"},
    )
    b.add(
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": meta(
                "kubernetes",
                ns,
                CLUSTER_BORN,
                kind="Endpoints",
                labels={"endpointslice.kubernetes.io/skip-mirror": "true"},
            ),
            "subsets": [
                {
                    "addresses": [{"ip": "10.0.0.57"}, {"ip": "10.0.0.112"}],
                    "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
                }
            ],
        }
    )
    echo = container(
        "echo",
        "hashicorp/http-echo:1.0",
        args=["-text=hello from the legacy echo", "-listen=:5678"],
        ports=[5678],
        requests={"cpu": "10m", "memory": "16Mi"},
    )
    rc = b.replication_controller(
        ns, "legacy-echo", [echo], replicas=1, created=NOW - timedelta(days=97), nodes=["worker-2"]
    )
    b.log(rc.pod, "echo", [f"{(NOW - timedelta(days=97)).strftime('%Y/%m/%d %H:%M:%S')} Server is listening on :5678"])


COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"""
