"""Assemble a consistent cluster from :mod:`.objects`: the demo build script and the synthetic
generator both describe workloads here, and :meth:`ClusterBuilder.snapshot` derives what a
real control plane would (workload status from pods, Endpoints from Services, pod conditions).

    b = ClusterBuilder(now=datetime(2025, 3, 14, 10, 30, tzinfo=UTC))
    b.namespace("shop", created=b.ago(days=90))
    b.node("worker-1", ip="10.0.1.11", pod_cidr="10.244.1.0/24", zone="eu-west-1a", created=b.ago(days=60))
    web = b.deployment("shop", "web", [container("web", "nginx:1.27")], replicas=2, created=b.ago(days=3),
                       nodes=["worker-1"])
    snap = b.snapshot()
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from devkit.controllers import derive_workload_status
from devkit.objects import condition, hexid, meta, owner_ref, resource_version, suffix, ts, uid
from devkit.podstates import derive_conditions
from devkit.workloads import WorkloadsMixin
from holmes_nb.k8s import Obj, parse_time
from holmes_nb.sources.kinds import kind_for
from holmes_nb.sources.snapshot import Snapshot

EVENT_TTL = timedelta(hours=1)  # the API server's default --event-ttl


class ClusterBuilder(WorkloadsMixin):
    def __init__(self, now: datetime, *, name: str = "synthetic", source: str | None = None):
        self.now = now
        self.name = name
        self.source = source or name
        self.objects: dict[str, list[Obj]] = defaultdict(list)
        self.logs: dict[tuple[str, str, str, bool], str] = {}
        self.nodes: dict[str, Obj] = {}
        self._next_ip: dict[str, int] = {}
        self._svc_ip = 10

    # -- storage ----------------------------------------------------------------------------
    def add(self, obj: Obj) -> Obj:
        k = kind_for(obj["kind"])
        self.objects[k.name if k else obj["kind"].lower() + "s"].append(obj)
        return obj

    def ago(self, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)

    def log(self, pod: Obj, container: str, lines: list[str] | str, *, previous: bool = False) -> None:
        text = lines if isinstance(lines, str) else "\n".join(lines) + "\n"
        m = pod["metadata"]
        self.logs[(m["namespace"], m["name"], container, previous)] = text

    # -- infrastructure ---------------------------------------------------------------------
    def namespace(self, name: str, *, created: datetime, labels: dict | None = None) -> Obj:
        md = meta(name, None, created, labels={"kubernetes.io/metadata.name": name, **(labels or {})}, kind="Namespace")
        return self.add(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": md,
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
        )

    def node(
        self,
        name: str,
        *,
        ip: str,
        pod_cidr: str,
        zone: str,
        created: datetime,
        cpu: int = 4,
        memory_ki: int = 16_203_328,
        instance_type: str = "m5.xlarge",
        taints: list[Obj] | None = None,
        pressure: dict[str, tuple[str, str, datetime]] | None = None,
    ) -> Obj:
        """A worker node; ``pressure`` maps a condition type to (reason, message, since) to set it True."""
        region = zone[:-1]
        labels = {
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/instance-type": instance_type,
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": instance_type,
            "topology.kubernetes.io/region": region,
            "topology.kubernetes.io/zone": zone,
        }
        md = meta(
            name,
            None,
            created,
            labels=labels,
            kind="Node",
            annotations={
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        )
        spec: Obj = {
            "podCIDR": pod_cidr,
            "podCIDRs": [pod_cidr],
            "providerID": f"aws:///{zone}/i-0{hexid(16, 'instance', name)}",
        }
        if taints:
            spec["taints"] = taints
        capacity = {
            "cpu": str(cpu),
            "ephemeral-storage": "104845292Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": f"{memory_ki}Ki",
            "pods": "110",
        }
        allocatable = {
            **capacity,
            "cpu": f"{cpu * 1000 - 80}m",
            "ephemeral-storage": "95551679080",
            "memory": f"{memory_ki - 1_016_832}Ki",
        }
        node = self.add(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": md,
                "spec": spec,
                "status": {
                    "addresses": [{"address": ip, "type": "InternalIP"}, {"address": name, "type": "Hostname"}],
                    "allocatable": allocatable,
                    "capacity": capacity,
                    "conditions": self._node_conditions(created, pressure or {}),
                    "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                    "nodeInfo": {
                        "architecture": "amd64",
                        "bootID": uid("boot", name),
                        "containerRuntimeVersion": "containerd://1.7.13",
                        "kernelVersion": "6.5.0-1017-aws",
                        "kubeProxyVersion": "v1.29.4",
                        "kubeletVersion": "v1.29.4",
                        "machineID": hexid(32, "machine", name),
                        "operatingSystem": "linux",
                        "osImage": "Ubuntu 22.04.4 LTS",
                        "systemUUID": uid("system", name),
                    },
                },
            }
        )
        self.nodes[name] = node
        self._next_ip[name] = 2
        return node

    def _node_conditions(self, created: datetime, pressure: dict) -> list[Obj]:
        healthy = [
            ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "KubeletReady", "kubelet is posting ready status"),
        ]
        out = []
        for ctype, reason, message in healthy:
            since = created + timedelta(seconds=40 if ctype == "Ready" else 20)
            status = ctype == "Ready"
            if ctype in pressure:
                reason, message, since = pressure[ctype]
                status = not status
            c = condition(ctype, status, since, reason, message)
            out.append({"lastHeartbeatTime": ts(self.now - timedelta(seconds=37)), **c})
        return out

    def pod_ip(self, node: str) -> str:
        n = self._next_ip[node]
        self._next_ip[node] = n + 1
        base = self.nodes[node]["spec"]["podCIDR"].rsplit(".", 1)[0]
        return f"{base}.{n}"

    def node_ip(self, node: str) -> str:
        return self.nodes[node]["status"]["addresses"][0]["address"]

    # -- services and config ----------------------------------------------------------------
    def service(
        self,
        ns: str,
        name: str,
        selector: dict | None,
        ports: list[tuple],
        *,
        created: datetime,
        labels: dict | None = None,
        type_: str = "ClusterIP",
        cluster_ip: str | None = None,
    ) -> Obj:
        """``ports``: (name, port, targetPort[, protocol]). Endpoints are derived at the end."""
        ip = cluster_ip or self._next_service_ip()
        spec: Obj = {
            "clusterIP": ip,
            "clusterIPs": [ip],
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": [
                {"name": p[0], "port": p[1], "protocol": p[3] if len(p) > 3 else "TCP", "targetPort": p[2]}
                for p in ports
            ],
        }
        if selector is not None:
            spec["selector"] = selector
        spec |= {"sessionAffinity": "None", "type": type_}
        md = meta(name, ns, created, labels=labels or ({"app": name} if selector else None), kind="Service")
        return self.add(
            {"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": spec, "status": {"loadBalancer": {}}}
        )

    def _next_service_ip(self) -> str:
        self._svc_ip += 7
        return f"10.96.{self._svc_ip // 250}.{self._svc_ip % 250 + 2}"

    def simple(
        self,
        kind: str,
        api_version: str,
        ns: str | None,
        name: str,
        *,
        created: datetime,
        body: Obj | None = None,
        labels: dict | None = None,
        annotations: dict | None = None,
    ) -> Obj:
        """Any other object: metadata plus the given top-level fields (spec, data, status, ...)."""
        md = meta(name, ns, created, labels=labels, annotations=annotations, kind=kind)
        return self.add({"apiVersion": api_version, "kind": kind, "metadata": md, **(body or {})})

    # -- events -----------------------------------------------------------------------------
    def event(
        self,
        obj: Obj,
        reason: str,
        message: str,
        *,
        component: str,
        type_: str = "Normal",
        host: str | None = None,
        count: int = 1,
        first: datetime | None = None,
        last: datetime | None = None,
        field_path: str | None = None,
    ) -> Obj | None:
        """A core/v1 Event about ``obj``; dropped (returns None) when it would have expired."""
        last = last or first or self.now
        first = first or last
        if self.now - last > EVENT_TTL:
            return None
        m = obj["metadata"]
        involved: Obj = {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": m["name"]}
        if m.get("namespace"):
            involved["namespace"] = m["namespace"]
        involved |= {"resourceVersion": m.get("resourceVersion", ""), "uid": m["uid"]}
        if field_path:
            involved["fieldPath"] = field_path
        ns = m.get("namespace") or "default"
        name = f"{m['name']}.{hexid(16, m['uid'], reason, message, ts(first))}"
        return self.add(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {
                    "name": name,
                    "namespace": ns,
                    "uid": uid("Event", ns, name),
                    "resourceVersion": resource_version("Event", name),
                    "creationTimestamp": ts(first),
                },
                "involvedObject": involved,
                "reason": reason,
                "message": message,
                "source": {"component": component, **({"host": host} if host else {})},
                "firstTimestamp": ts(first),
                "lastTimestamp": ts(last),
                "count": count,
                "type": type_,
                "eventTime": None,
                "reportingComponent": component,
                "reportingInstance": host or "",
            }
        )

    def start_events(self, pod: Obj, *, pulled: bool = True) -> None:
        """Scheduled, then Pulling/Pulled/Created/Started per container, as a pod comes up."""
        m, node = pod["metadata"], pod["spec"].get("nodeName")
        t = parse_time(m["creationTimestamp"])
        self.event(
            pod,
            "Scheduled",
            f"Successfully assigned {m['namespace']}/{m['name']} to {node}",
            component="default-scheduler",
            first=t,
        )
        specs = [("initContainers", c) for c in pod["spec"].get("initContainers") or []]
        specs += [("containers", c) for c in pod["spec"]["containers"]]
        for i, (field, c) in enumerate(specs):
            at, fp = t + timedelta(seconds=1 + 3 * i), f"spec.{field}{{{c['name']}}}"
            img = c["image"]
            if pulled:
                secs = 1.2 + int(hexid(2, m["uid"], c["name"]), 16) / 64
                self.event(
                    pod, "Pulling", f'Pulling image "{img}"', component="kubelet", host=node, first=at, field_path=fp
                )
                self.event(
                    pod,
                    "Pulled",
                    f'Successfully pulled image "{img}" in {secs:.3f}s ({secs:.3f}s including waiting)',
                    component="kubelet",
                    host=node,
                    first=at,
                    field_path=fp,
                )
            else:
                self.event(
                    pod,
                    "Pulled",
                    f'Container image "{img}" already present on machine',
                    component="kubelet",
                    host=node,
                    first=at,
                    field_path=fp,
                )
            self.event(
                pod,
                "Created",
                f"Created container {c['name']}",
                component="kubelet",
                host=node,
                first=at,
                field_path=fp,
            )
            self.event(
                pod,
                "Started",
                f"Started container {c['name']}",
                component="kubelet",
                host=node,
                first=at,
                field_path=fp,
            )

    # -- the end ----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Derive statuses and Endpoints, and return everything as a :class:`Snapshot`."""
        for p in self.objects["pods"]:
            derive_conditions(p)
        derive_workload_status(self.objects, self.now)
        self._endpoints()
        objects = {k: v for k, v in self.objects.items() if v}
        return Snapshot(objects, dict(self.logs), name=self.name, captured_at=self.now, source=self.source)

    def _endpoints(self) -> None:
        """Endpoints for every Service with a selector (pods indexed by namespace and label)."""
        index: dict[tuple[str, str, str], list[Obj]] = defaultdict(list)
        for p in self.objects["pods"]:
            if p["status"].get("podIP") and p["status"]["phase"] not in ("Failed", "Succeeded"):
                for k, v in (p["metadata"].get("labels") or {}).items():
                    index[(p["metadata"]["namespace"], k, v)].append(p)
        have = {(e["metadata"]["namespace"], e["metadata"]["name"]) for e in self.objects["endpoints"]}
        for svc in self.objects["services"]:
            sel, m = svc["spec"].get("selector"), svc["metadata"]
            if not sel or (m["namespace"], m["name"]) in have:
                continue
            k0, v0 = next(iter(sel.items()))
            matched = [
                p
                for p in index[(m["namespace"], k0, v0)]
                if all(p["metadata"]["labels"].get(k) == v for k, v in sel.items())
            ]
            self.add(endpoints_for(svc, matched, self.now))


def endpoints_for(svc: Obj, pods: list[Obj], now: datetime) -> Obj:
    """The Endpoints object the endpoints controller writes for a Service and its matching pods."""
    m = svc["metadata"]
    ready, not_ready = [], []
    for p in sorted(pods, key=lambda p: p["status"]["podIP"]):
        addr = {
            "ip": p["status"]["podIP"],
            "nodeName": p["spec"]["nodeName"],
            "targetRef": {
                "kind": "Pod",
                "name": p["metadata"]["name"],
                "namespace": m["namespace"],
                "uid": p["metadata"]["uid"],
            },
        }
        ok = any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))
        (ready if ok else not_ready).append(addr)
    body: Obj = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": meta(
            m["name"],
            m["namespace"],
            parse_time(m["creationTimestamp"]),
            labels=m.get("labels"),
            kind="Endpoints",
            annotations={"endpoints.kubernetes.io/last-change-trigger-time": ts(now - timedelta(minutes=7))},
        ),
    }
    if ready or not_ready:
        subset: Obj = {}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        subset["ports"] = [_endpoint_port(sp, pods[0]) for sp in svc["spec"]["ports"]]
        body["subsets"] = [subset]
    return body


def _endpoint_port(sp: Obj, pod: Obj) -> Obj:
    target = sp["targetPort"]
    if isinstance(target, str):
        for c in pod["spec"]["containers"]:
            for cp in c.get("ports") or []:
                if cp.get("name") == target:
                    target = cp["containerPort"]
    out = {"port": target, "protocol": sp["protocol"]}
    return {"name": sp["name"], **out} if sp.get("name") else out


__all__ = ["ClusterBuilder", "endpoints_for", "owner_ref", "suffix"]
