"""Workload objects for :class:`.builder.ClusterBuilder`: Deployments with their ReplicaSet
revisions and pods, StatefulSets with claims, DaemonSets, Jobs, CronJobs, ReplicationControllers.
Their status is derived from the pods by :mod:`.controllers` when the snapshot is built.

    web = b.deployment("shop", "web", [container("web", "nginx:1.27")], replicas=2, created=t, nodes=["n1"])
    b.revision(web, b.template({"app": "web"}, [container("web", "nginx:1.28")]), created=t2, replicas=1,
               nodes=["n1"])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devkit import objects as o
from devkit.objects import meta, owner_ref, suffix, ts
from holmes_nb.k8s import Obj

DS_TOLERATIONS = [
    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists"},
    {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/disk-pressure", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/memory-pressure", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/pid-pressure", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable", "operator": "Exists"},
]


@dataclass
class Workload:
    obj: Obj
    pods: list[Obj] = field(default_factory=list)
    replicasets: list[Obj] = field(default_factory=list)

    @property
    def pod(self) -> Obj:
        return self.pods[0]


class WorkloadsMixin:
    """Workload constructors; mixed into ClusterBuilder (needs add, pod_ip, node_ip, start_events)."""

    def template(
        self,
        labels: dict,
        containers: list[Obj],
        *,
        init_containers: list[Obj] | None = None,
        volumes: list[Obj] | None = None,
        node_selector: dict | None = None,
        sa: str = "default",
        restart_policy: str = "Always",
        tolerations: list[Obj] | None = None,
    ) -> Obj:
        spec: Obj = {"containers": containers}
        if init_containers:
            spec["initContainers"] = init_containers
        if node_selector:
            spec["nodeSelector"] = node_selector
        spec |= {
            "dnsPolicy": "ClusterFirst",
            "restartPolicy": restart_policy,
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "terminationGracePeriodSeconds": 30,
        }
        if sa != "default":
            spec |= {"serviceAccount": sa, "serviceAccountName": sa}
        if tolerations:
            spec["tolerations"] = tolerations
        if volumes:
            spec["volumes"] = volumes
        return {"metadata": {"creationTimestamp": None, "labels": dict(labels)}, "spec": spec}

    def make_pod(
        self,
        ns: str,
        name: str,
        tpl: Obj,
        *,
        created: datetime,
        node: str | None,
        owner: Obj | None,
        labels: dict | None = None,
        host_network: bool = False,
        events: bool = True,
        tolerations: list[Obj] | None = None,
    ) -> Obj:
        s = tpl["spec"]
        p = o.pod(
            ns,
            name,
            s["containers"],
            created=created,
            node=node,
            labels=labels or tpl["metadata"]["labels"],
            pod_ip=(self.node_ip(node) if host_network else self.pod_ip(node)) if node else None,
            host_ip=self.node_ip(node) if node else None,
            owner=owner,
            init_containers=s.get("initContainers"),
            volumes=s.get("volumes"),
            service_account=s.get("serviceAccountName", "default"),
            node_selector=s.get("nodeSelector"),
            restart_policy=s["restartPolicy"],
            tolerations=tolerations or s.get("tolerations"),
        )
        if host_network:
            p["spec"]["hostNetwork"] = True
        self.add(p)
        if events and node:
            self.start_events(p)
        return p

    # -- Deployments --------------------------------------------------------------------------
    def deployment(
        self,
        ns: str,
        name: str,
        containers: list[Obj],
        *,
        replicas: int,
        created: datetime,
        nodes: list[str | None],
        labels: dict | None = None,
        pods_created: datetime | None = None,
        events: bool = True,
        **tpl_kw: Any,
    ) -> Workload:
        labels = labels or {"app": name}
        tpl = self.template(labels, containers, **tpl_kw)
        dep = self.add(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": meta(name, ns, created, labels=labels, kind="Deployment", generation=1),
                "spec": {
                    "progressDeadlineSeconds": 600,
                    "replicas": replicas,
                    "revisionHistoryLimit": 10,
                    "selector": {"matchLabels": dict(labels)},
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                    },
                    "template": tpl,
                },
                "status": {},
            }
        )
        wl = Workload(dep)
        self.revision(wl, tpl, created=pods_created or created, replicas=replicas, nodes=nodes, events=events)
        return wl

    def revision(
        self, wl: Workload, tpl: Obj, *, created: datetime, replicas: int, nodes: list[str | None], events: bool = True
    ) -> Obj:
        """A new ReplicaSet revision of a Deployment, with ``replicas`` pods spread over ``nodes``."""
        dep, n = wl.obj, len(wl.replicasets) + 1
        ns, name = dep["metadata"]["namespace"], dep["metadata"]["name"]
        h = suffix(10, ns, name, "rev", n)
        labels = {**tpl["metadata"]["labels"], "pod-template-hash": h}
        rs_tpl = {"metadata": {"creationTimestamp": None, "labels": labels}, "spec": tpl["spec"]}
        want = dep["spec"]["replicas"]
        surge = math.ceil(want * 0.25)
        dep["metadata"] |= {"annotations": {"deployment.kubernetes.io/revision": str(n)}, "generation": n}
        dep["spec"]["template"] = tpl
        rs = self.add(
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": meta(
                    f"{name}-{h}",
                    ns,
                    created,
                    labels=labels,
                    owner=owner_ref(dep),
                    kind="ReplicaSet",
                    generation=1,
                    annotations={
                        "deployment.kubernetes.io/desired-replicas": str(want),
                        "deployment.kubernetes.io/max-replicas": str(want + surge),
                        "deployment.kubernetes.io/revision": str(n),
                    },
                ),
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": {**dep["spec"]["selector"]["matchLabels"], "pod-template-hash": h}},
                    "template": rs_tpl,
                },
                "status": {},
            }
        )
        wl.replicasets.append(rs)
        for i in range(replicas if nodes else 0):  # nodes=[None]: pods not yet scheduled; []: none created
            pname = f"{rs['metadata']['name']}-{suffix(5, ns, name, n, i)}"
            node = nodes[i % len(nodes)] if nodes else None
            wl.pods.append(
                self.make_pod(ns, pname, rs_tpl, created=created, node=node, owner=owner_ref(rs), events=events)
            )
        return rs

    # -- StatefulSets, DaemonSets, ReplicationControllers -------------------------------------
    def statefulset(
        self,
        ns: str,
        name: str,
        containers: list[Obj],
        *,
        replicas: int,
        created: datetime,
        nodes: list[str | None],
        service_name: str,
        claims: list[tuple[str, str, str]] = (),
        labels: dict | None = None,
        pods_created: datetime | None = None,
        **tpl_kw: Any,
    ) -> Workload:
        """``claims``: (claim template name, size, storageClassName) mounted by each pod."""
        labels = labels or {"app": name}
        tpl = self.template(labels, containers, **tpl_kw)
        rev = f"{name}-{suffix(10, ns, name, 'sts')}"
        sts = self.add(
            {
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": meta(name, ns, created, labels=labels, kind="StatefulSet", generation=1),
                "spec": {
                    "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
                    "podManagementPolicy": "OrderedReady",
                    "replicas": replicas,
                    "revisionHistoryLimit": 10,
                    "selector": {"matchLabels": dict(labels)},
                    "serviceName": service_name,
                    "template": tpl,
                    "updateStrategy": {"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"},
                    "volumeClaimTemplates": [self.claim_template(c, size, sc) for c, size, sc in claims],
                },
                "status": {"currentRevision": rev, "updateRevision": rev},
            }
        )
        wl = Workload(sts)
        self.controller_revision(sts, rev, tpl, created)
        for i in range(replicas):
            pname = f"{name}-{i}"
            plabels = {
                **labels,
                "apps.kubernetes.io/pod-index": str(i),
                "controller-revision-hash": rev,
                "statefulset.kubernetes.io/pod-name": pname,
            }
            vols = [{"name": c, "persistentVolumeClaim": {"claimName": f"{c}-{pname}"}} for c, _, _ in claims]
            ptpl = {
                "metadata": tpl["metadata"],
                "spec": {**tpl["spec"], "volumes": vols + tpl["spec"].get("volumes", [])},
            }
            p = self.make_pod(
                ns,
                pname,
                ptpl,
                created=pods_created or created,
                node=nodes[i % len(nodes)] if nodes else None,
                owner=owner_ref(sts),
                labels=plabels,
            )
            p["spec"] |= {"hostname": pname, "subdomain": service_name}
            wl.pods.append(p)
        return wl

    def controller_revision(self, owner: Obj, name: str, tpl: Obj, created: datetime, revision: int = 1) -> Obj:
        """The ControllerRevision a StatefulSet/DaemonSet controller keeps for a pod template."""
        labels = dict(owner["spec"]["selector"]["matchLabels"])
        labels["controller-revision-hash"] = name if owner["kind"] == "StatefulSet" else name.rsplit("-", 1)[-1]
        return self.add(
            {
                "apiVersion": "apps/v1",
                "kind": "ControllerRevision",
                "metadata": meta(
                    name,
                    owner["metadata"]["namespace"],
                    created,
                    labels=labels,
                    owner=owner_ref(owner),
                    kind="ControllerRevision",
                ),
                "data": {"spec": {"template": {**tpl, "$patch": "replace"}}},
                "revision": revision,
            }
        )

    @staticmethod
    def claim_template(name: str, size: str, storage_class: str) -> Obj:
        return {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"creationTimestamp": None, "name": name},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": size}},
                "storageClassName": storage_class,
                "volumeMode": "Filesystem",
            },
            "status": {"phase": "Pending"},
        }

    def daemonset(
        self,
        ns: str,
        name: str,
        containers: list[Obj],
        *,
        created: datetime,
        labels: dict | None = None,
        host_network: bool = False,
        **tpl_kw: Any,
    ) -> Workload:
        labels = labels or {"app": name}
        tpl = self.template(labels, containers, tolerations=DS_TOLERATIONS, **tpl_kw)
        rev = suffix(10, ns, name, "ds")
        ds = self.add(
            {
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "metadata": meta(
                    name,
                    ns,
                    created,
                    labels=labels,
                    kind="DaemonSet",
                    generation=1,
                    annotations={"deprecated.daemonset.template.generation": "1"},
                ),
                "spec": {
                    "revisionHistoryLimit": 10,
                    "selector": {"matchLabels": dict(labels)},
                    "template": tpl,
                    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
                },
                "status": {},
            }
        )
        wl = Workload(ds)
        self.controller_revision(ds, f"{name}-{rev}", tpl, created)
        for node in self.nodes:
            plabels = {**labels, "controller-revision-hash": rev, "pod-template-generation": "1"}
            p = self.make_pod(
                ns,
                f"{name}-{suffix(5, ns, name, node)}",
                tpl,
                created=created,
                node=node,
                owner=owner_ref(ds),
                labels=plabels,
                host_network=host_network,
            )
            p["spec"]["affinity"] = {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                        ]
                    }
                }
            }
            wl.pods.append(p)
        return wl

    def replication_controller(
        self, ns: str, name: str, containers: list[Obj], *, replicas: int, created: datetime, nodes: list[str]
    ) -> Workload:
        labels = {"app": name}
        tpl = self.template(labels, containers)
        rc = self.add(
            {
                "apiVersion": "v1",
                "kind": "ReplicationController",
                "metadata": meta(name, ns, created, labels=labels, kind="ReplicationController", generation=1),
                "spec": {"replicas": replicas, "selector": dict(labels), "template": tpl},
                "status": {},
            }
        )
        wl = Workload(rc)
        for i in range(replicas):
            wl.pods.append(
                self.make_pod(
                    ns,
                    f"{name}-{suffix(5, ns, name, i)}",
                    tpl,
                    created=created,
                    node=nodes[i % len(nodes)],
                    owner=owner_ref(rc),
                )
            )
        return wl

    # -- Jobs and CronJobs --------------------------------------------------------------------
    def job(
        self,
        ns: str,
        name: str,
        containers: list[Obj],
        *,
        created: datetime,
        backoff_limit: int = 6,
        owner: Obj | None = None,
        labels: dict | None = None,
        **tpl_kw: Any,
    ) -> Workload:
        """A Job (status set by the caller with :func:`.controllers.job_status`); add pods with :meth:`job_pod`."""
        job_uid = o.uid("Job", ns, name)
        sel = {"batch.kubernetes.io/controller-uid": job_uid}
        plabels = {
            **sel,
            "batch.kubernetes.io/job-name": name,
            "controller-uid": job_uid,
            "job-name": name,
            **(labels or {}),
        }
        tpl = self.template(plabels, containers, restart_policy="Never", **tpl_kw)
        job = self.add(
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": meta(name, ns, created, labels=plabels, kind="Job", generation=1, owner=owner),
                "spec": {
                    "backoffLimit": backoff_limit,
                    "completionMode": "NonIndexed",
                    "completions": 1,
                    "manualSelector": False,
                    "parallelism": 1,
                    "podReplacementPolicy": "TerminatingOrFailed",
                    "selector": {"matchLabels": sel},
                    "suspend": False,
                    "template": tpl,
                },
                "status": {},
            }
        )
        return Workload(job)

    def job_pod(self, wl: Workload, *, created: datetime, node: str, attempt: int = 0) -> Obj:
        m = wl.obj["metadata"]
        p = self.make_pod(
            m["namespace"],
            f"{m['name']}-{suffix(5, m['name'], attempt)}",
            wl.obj["spec"]["template"],
            created=created,
            node=node,
            owner=owner_ref(wl.obj),
        )
        wl.pods.append(p)
        return p

    def cronjob(
        self,
        ns: str,
        name: str,
        containers: list[Obj],
        *,
        schedule: str,
        created: datetime,
        suspend: bool = False,
        last_schedule: datetime | None = None,
        last_success: datetime | None = None,
        backoff_limit: int = 6,
        **tpl_kw: Any,
    ) -> Obj:
        tpl = self.template({}, containers, restart_policy="Never", **tpl_kw)
        tpl["metadata"].pop("labels")
        status: Obj = {}
        if last_schedule:
            status["lastScheduleTime"] = ts(last_schedule)
        if last_success:
            status["lastSuccessfulTime"] = ts(last_success)
        return self.add(
            {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "metadata": meta(name, ns, created, kind="CronJob", generation=1),
                "spec": {
                    "concurrencyPolicy": "Forbid",
                    "failedJobsHistoryLimit": 1,
                    "jobTemplate": {
                        "metadata": {"creationTimestamp": None},
                        "spec": {"backoffLimit": backoff_limit, "template": tpl},
                    },
                    "schedule": schedule,
                    "successfulJobsHistoryLimit": 3,
                    "suspend": suspend,
                },
                "status": status,
            }
        )
