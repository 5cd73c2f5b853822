"""Constructors for Kubernetes objects in the exact shape an API server (v1.29) returns them.

Deterministic (names, uids, container ids derive from hashes of their inputs) so the demo
cluster rebuilds byte for byte. Used by scripts/build_demo.py and :mod:`.synthetic`;
:mod:`.builder` assembles them into workloads and derives statuses.

    c = container("web", "nginx:1.27", ports=[8080], requests={"cpu": "100m"})
    p = pod("shop", "web-7d9f8-x2k4p", [c], node="worker-1", created=t0, pod_ip="10.244.1.7")
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from holmes_nb.k8s import Obj

UTC = timezone.utc
_UID_NS = uuid.UUID("6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f")
_ALNUM = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet of Kubernetes' generated name suffixes
SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def ts(t: datetime) -> str:
    """RFC 3339 in UTC, seconds precision, as the API server writes object times."""
    return t.astimezone(UTC).isoformat()[:19] + "Z"


def _digest(parts: tuple) -> bytes:
    return hashlib.sha256("/".join(map(str, parts)).encode()).digest()


def uid(*parts: Any) -> str:
    """A stable UUID for an object, from its identifying parts."""
    return str(uuid.uuid5(_UID_NS, "/".join(map(str, parts))))


def suffix(n: int, *parts: Any) -> str:
    """A Kubernetes-style random suffix (``x2k4p``), stable for the same parts."""
    return "".join(_ALNUM[b % len(_ALNUM)] for b in _digest(parts)[:n])


def hexid(n: int, *parts: Any) -> str:
    return _digest(parts).hex()[:n]


def resource_version(*parts: Any) -> str:
    return str(100000 + int.from_bytes(_digest(parts)[:4], "big") % 9_000_000)


def meta(
    name: str,
    namespace: str | None,
    created: datetime,
    *,
    labels: dict | None = None,
    annotations: dict | None = None,
    owner: Obj | None = None,
    kind: str = "",
    generate_name: str | None = None,
    generation: int | None = None,
    uid_text: str | None = None,
    resource_version_text: str | None = None,
) -> Obj:
    """``metadata`` as the API server fills it (uid, resourceVersion, creationTimestamp).

    The uid and resourceVersion derive from kind, namespace and name unless given as text."""
    m: Obj = {"name": name}
    if generate_name:
        m["generateName"] = generate_name
    if namespace:
        m["namespace"] = namespace
    m["uid"] = uid_text or uid(kind, namespace, name)
    m["resourceVersion"] = resource_version_text or resource_version(kind, namespace, name)
    if generation is not None:
        m["generation"] = generation
    m["creationTimestamp"] = ts(created)
    if labels:
        m["labels"] = dict(labels)
    if annotations:
        m["annotations"] = dict(annotations)
    if owner:
        m["ownerReferences"] = [owner]
    return m


def owner_ref(obj: Obj, *, controller: bool = True) -> Obj:
    """An ownerReferences entry pointing at ``obj``."""
    m = obj["metadata"]
    return owner_ref_to(obj["apiVersion"], obj["kind"], m["name"], m["uid"], controller=controller)


def owner_ref_to(api_version: str, kind: str, name: str, owner_uid: str, *, controller: bool = True) -> Obj:
    """An ownerReferences entry from its parts (the owner object need not exist)."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": owner_uid,
        "controller": controller,
        "blockOwnerDeletion": True,
    }


def condition(
    ctype: str,
    status: bool | str,
    at: datetime,
    reason: str | None = None,
    message: str | None = None,
    *,
    probe: bool = False,
    update: bool = False,
) -> Obj:
    c: Obj = {"type": ctype, "status": status if isinstance(status, str) else str(bool(status))}
    if probe:
        c["lastProbeTime"] = None
    if update:
        c["lastUpdateTime"] = ts(at)
    c["lastTransitionTime"] = ts(at)
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


# -- containers -----------------------------------------------------------------------------
def http_probe(
    path: str, port: int | str, *, period: int = 10, failure: int = 3, delay: int = 0, timeout: int = 1
) -> Obj:
    return {
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "initialDelaySeconds": delay,
        "timeoutSeconds": timeout,
        "periodSeconds": period,
        "successThreshold": 1,
        "failureThreshold": failure,
    }


def tcp_probe(port: int | str, *, period: int = 10, failure: int = 3, delay: int = 0) -> Obj:
    return {
        "tcpSocket": {"port": port},
        "initialDelaySeconds": delay,
        "timeoutSeconds": 1,
        "periodSeconds": period,
        "successThreshold": 1,
        "failureThreshold": failure,
    }


def env_var(
    name: str,
    value: str | None = None,
    *,
    secret: tuple[str, str] | None = None,
    configmap: tuple[str, str] | None = None,
    field: str | None = None,
) -> Obj:
    """One env entry: a literal value, or a secretKeyRef/configMapKeyRef/fieldRef."""
    if secret:
        return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret[0], "key": secret[1]}}}
    if configmap:
        return {"name": name, "valueFrom": {"configMapKeyRef": {"name": configmap[0], "key": configmap[1]}}}
    if field:
        return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": field}}}
    return {"name": name, "value": value}


def container(
    name: str,
    image: str,
    *,
    ports: list | None = None,
    env: list[Obj] | None = None,
    env_from: list[Obj] | None = None,
    command: list[str] | None = None,
    args: list[str] | None = None,
    requests: dict | None = None,
    limits: dict | None = None,
    readiness: Obj | None = None,
    liveness: Obj | None = None,
    mounts: list[tuple[str, str]] | None = None,
) -> Obj:
    """A container spec with the defaults the API server adds (pull policy, termination log)."""
    c: Obj = {"name": name, "image": image}
    if command:
        c["command"] = list(command)
    if args:
        c["args"] = list(args)
    if ports:
        c["ports"] = [_port(p) for p in ports]
    if env_from:
        c["envFrom"] = env_from
    if env:
        c["env"] = env
    c["resources"] = {k: v for k, v in (("limits", limits), ("requests", requests)) if v}
    if liveness:
        c["livenessProbe"] = liveness
    if readiness:
        c["readinessProbe"] = readiness
    c["terminationMessagePath"] = "/dev/termination-log"
    c["terminationMessagePolicy"] = "File"
    c["imagePullPolicy"] = (
        "Always" if image.endswith(":latest") or ":" not in image.rsplit("/", 1)[-1] else "IfNotPresent"
    )
    c["volumeMounts"] = [{"name": v, "mountPath": p, "readOnly": True} for v, p in (mounts or [])]
    return c


def _port(p: int | tuple) -> Obj:
    if isinstance(p, tuple):
        port, pname = p[0], p[1]
        proto = p[2] if len(p) > 2 else "TCP"
        return {"name": pname, "containerPort": port, "protocol": proto}
    return {"containerPort": p, "protocol": "TCP"}


def container_id(*parts: Any) -> str:
    return "containerd://" + _digest(parts).hex()


def full_image(image: str) -> str:
    """The image as the runtime reports it: ``redis:7.2`` -> ``docker.io/library/redis:7.2``."""
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return image
    return "docker.io/" + (image if "/" in image else "library/" + image)


def image_id(image: str) -> str:
    full = full_image(image)
    repo = full.rsplit(":", 1)[0] if ":" in full.rsplit("/", 1)[-1] else full
    return f"{repo}@sha256:{_digest((image,)).hex()}"


def running_status(c: Obj, pod_name: str, started: datetime, *, ready: bool = True, restarts: int = 0) -> Obj:
    """A containerStatuses entry for a running container."""
    return {
        "containerID": container_id(pod_name, c["name"], restarts),
        "image": full_image(c["image"]),
        "imageID": image_id(c["image"]),
        "lastState": {},
        "name": c["name"],
        "ready": ready,
        "restartCount": restarts,
        "started": True,
        "state": {"running": {"startedAt": ts(started)}},
    }


def waiting_status(c: Obj, reason: str, message: str | None = None, *, restarts: int = 0) -> Obj:
    """A containerStatuses entry for a container that is not running (ContainerCreating, ImagePullBackOff...)."""
    return {
        "image": full_image(c["image"]),
        "imageID": "",
        "lastState": {},
        "name": c["name"],
        "ready": False,
        "restartCount": restarts,
        "started": False,
        "state": {"waiting": {"reason": reason, **({"message": message} if message else {})}},
    }


def terminated(
    reason: str,
    exit_code: int,
    started: datetime,
    finished: datetime,
    cid: str | None = None,
    message: str | None = None,
) -> Obj:
    t: Obj = {"exitCode": exit_code, "reason": reason, "startedAt": ts(started), "finishedAt": ts(finished)}
    if message:
        t["message"] = message
    if cid:
        t["containerID"] = cid
    return t


# -- pods -----------------------------------------------------------------------------------
def pod(
    namespace: str,
    name: str,
    containers: list[Obj],
    *,
    created: datetime,
    node: str | None,
    pod_ip: str | None = None,
    host_ip: str | None = None,
    labels: dict | None = None,
    owner: Obj | None = None,
    init_containers: list[Obj] | None = None,
    volumes: list[Obj] | None = None,
    service_account: str = "default",
    node_selector: dict | None = None,
    restart_policy: str = "Always",
    tolerations: list[Obj] | None = None,
    priority_class: str | None = None,
) -> Obj:
    """A pod bound to ``node`` with every container running and ready (mutate for failures)."""
    api_vol = f"kube-api-access-{suffix(5, namespace, name, 'sa')}"
    sa_mount = {"name": api_vol, "mountPath": SA_MOUNT, "readOnly": True}
    cs = [{**c, "volumeMounts": c["volumeMounts"] + [sa_mount]} for c in containers]
    inits = [{**c, "volumeMounts": c["volumeMounts"] + [sa_mount]} for c in init_containers or []]
    gen = owner["name"] + "-" if owner and owner["kind"] in ("ReplicaSet", "DaemonSet", "Job") else None
    spec: Obj = {"containers": cs, "dnsPolicy": "ClusterFirst", "enableServiceLinks": True}
    if inits:
        spec["initContainers"] = inits
    if node:
        spec["nodeName"] = node
    if node_selector:
        spec["nodeSelector"] = node_selector
    priority = 2000001000 if priority_class == "system-node-critical" else 2000000000 if priority_class else 0
    spec |= {"preemptionPolicy": "PreemptLowerPriority", "priority": priority}
    if priority_class:
        spec["priorityClassName"] = priority_class
    spec |= {
        "restartPolicy": restart_policy,
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccount": service_account,
        "serviceAccountName": service_account,
        "terminationGracePeriodSeconds": 30,
        "tolerations": tolerations if tolerations is not None else default_tolerations(),
        "volumes": list(volumes or []) + [_api_access_volume(api_vol)],
    }
    started = created + timedelta(seconds=4)
    status: Obj = {"phase": "Running", "conditions": []}
    if node:
        status |= {"hostIP": host_ip, "hostIPs": [{"ip": host_ip}], "podIP": pod_ip, "podIPs": [{"ip": pod_ip}]}
        status["startTime"] = ts(created)
        if inits:
            status["initContainerStatuses"] = [_completed_init(c, name, created) for c in inits]
            started += timedelta(seconds=6 * len(inits))
        status["containerStatuses"] = [running_status(c, name, started) for c in cs]
    status["qosClass"] = qos_class(cs)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name, namespace, created, labels=labels, owner=owner, kind="Pod", generate_name=gen),
        "spec": spec,
        "status": status,
    }


def default_tolerations() -> list[Obj]:
    return [
        {"effect": "NoExecute", "key": f"node.kubernetes.io/{t}", "operator": "Exists", "tolerationSeconds": 300}
        for t in ("not-ready", "unreachable")
    ]


def _api_access_volume(name: str) -> Obj:
    return {
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {
                    "downwardAPI": {
                        "items": [
                            {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}
                        ]
                    }
                },
            ],
        },
    }


def _completed_init(c: Obj, pod_name: str, created: datetime) -> Obj:
    s = running_status(c, pod_name, created)
    cid = s["containerID"]
    s |= {"ready": True, "started": False}
    s["state"] = {
        "terminated": terminated("Completed", 0, created + timedelta(seconds=2), created + timedelta(seconds=5), cid)
    }
    return s


def qos_class(containers: list[Obj]) -> str:
    res = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in res):
        return "BestEffort"
    guaranteed = all(
        r.get("limits", {}).get(k) and r.get("requests", r.get("limits", {})).get(k) == r["limits"][k]
        for r in res
        for k in ("cpu", "memory")
    )
    return "Guaranteed" if guaranteed else "Burstable"


def status_of(p: Obj, container_name: str) -> Obj:
    """The containerStatuses (or initContainerStatuses) entry of a container."""
    for s in (p["status"].get("initContainerStatuses") or []) + (p["status"].get("containerStatuses") or []):
        if s["name"] == container_name:
            return s
    raise KeyError(f"no status for container {container_name!r} in pod {p['metadata']['name']!r}")


def pod_owner_name(p: Obj) -> str | None:
    refs = p["metadata"].get("ownerReferences") or []
    return refs[0]["name"] if refs else None
