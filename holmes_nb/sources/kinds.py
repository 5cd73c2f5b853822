"""The Kubernetes kinds holmes-nb reads, with their API coordinates.

One table serves every source: the live client (which API path to call), snapshot importers
(which ``*List`` kind maps to which plural), and the snapshot API server (discovery documents).

>>> resolve_kind("deploy").name
'deployments'
"""

from __future__ import annotations

from dataclasses import dataclass

from holmes_nb.errors import ConfigError


@dataclass(frozen=True)
class Kind:
    name: str  # plural resource name, the canonical key everywhere: "pods"
    kind: str  # "Pod"
    group: str  # "" for the core group, else "apps", "batch", ...
    version: str  # "v1"
    namespaced: bool
    short: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def singular(self) -> str:
        return self.kind.lower()

    def api_path(self, namespace: str | None = None, name: str | None = None) -> str:
        """REST path of a collection or object: ``/apis/apps/v1/namespaces/ns/deployments/x``."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.name}"
        if name:
            base += f"/{name}"
        return base


KINDS: tuple[Kind, ...] = (
    Kind("namespaces", "Namespace", "", "v1", False, ("ns",)),
    Kind("nodes", "Node", "", "v1", False, ("no",)),
    Kind("pods", "Pod", "", "v1", True, ("po",)),
    Kind("events", "Event", "", "v1", True, ("ev",)),
    Kind("services", "Service", "", "v1", True, ("svc",)),
    Kind("endpoints", "Endpoints", "", "v1", True, ("ep",)),
    Kind("configmaps", "ConfigMap", "", "v1", True, ("cm",)),
    # Secrets: only metadata (names, key names) is ever read; values never.
    Kind("secrets", "Secret", "", "v1", True, ()),
    Kind("serviceaccounts", "ServiceAccount", "", "v1", True, ("sa",)),
    Kind("persistentvolumeclaims", "PersistentVolumeClaim", "", "v1", True, ("pvc",)),
    Kind("persistentvolumes", "PersistentVolume", "", "v1", False, ("pv",)),
    Kind("resourcequotas", "ResourceQuota", "", "v1", True, ("quota",)),
    Kind("limitranges", "LimitRange", "", "v1", True, ("limits",)),
    Kind("replicationcontrollers", "ReplicationController", "", "v1", True, ("rc",)),
    Kind("deployments", "Deployment", "apps", "v1", True, ("deploy",)),
    Kind("statefulsets", "StatefulSet", "apps", "v1", True, ("sts",)),
    Kind("daemonsets", "DaemonSet", "apps", "v1", True, ("ds",)),
    Kind("replicasets", "ReplicaSet", "apps", "v1", True, ("rs",)),
    # StatefulSet/DaemonSet revisions (pod template history, read by the changes tool)
    Kind("controllerrevisions", "ControllerRevision", "apps", "v1", True, ()),
    Kind("jobs", "Job", "batch", "v1", True, ()),
    Kind("cronjobs", "CronJob", "batch", "v1", True, ("cj",)),
    Kind("horizontalpodautoscalers", "HorizontalPodAutoscaler", "autoscaling", "v2", True, ("hpa",)),
    Kind("ingresses", "Ingress", "networking.k8s.io", "v1", True, ("ing",)),
    Kind("ingressclasses", "IngressClass", "networking.k8s.io", "v1", False, ()),
    Kind("networkpolicies", "NetworkPolicy", "networking.k8s.io", "v1", True, ("netpol",)),
    Kind("storageclasses", "StorageClass", "storage.k8s.io", "v1", False, ("sc",)),
    Kind("poddisruptionbudgets", "PodDisruptionBudget", "policy", "v1", True, ("pdb",)),
    Kind(
        "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", "admissionregistration.k8s.io", "v1", False
    ),
    Kind("mutatingwebhookconfigurations", "MutatingWebhookConfiguration", "admissionregistration.k8s.io", "v1", False),
    # Gateway API: CRDs, absent from many clusters (a scan treats "not served" as "none")
    Kind("gatewayclasses", "GatewayClass", "gateway.networking.k8s.io", "v1", False, ("gc",)),
    Kind("gateways", "Gateway", "gateway.networking.k8s.io", "v1", True, ("gtw",)),
    Kind("httproutes", "HTTPRoute", "gateway.networking.k8s.io", "v1", True, ()),
)

_BY_NAME: dict[str, Kind] = {}
for _k in KINDS:
    for _alias in (_k.name, _k.kind.lower(), _k.singular, *_k.short):
        _BY_NAME.setdefault(_alias, _k)
    if _k.group:
        _BY_NAME.setdefault(f"{_k.name}.{_k.group}", _k)
        _BY_NAME.setdefault(f"{_k.singular}.{_k.group}", _k)
_BY_KIND = {k.kind: k for k in KINDS}


def resolve_kind(text: str) -> Kind:
    """Resolve ``pod``, ``Pods``, ``po``, ``deployment.apps``, ``Deployment`` to a :class:`Kind`."""
    key = (text or "").strip().lower()
    if key in _BY_NAME:
        return _BY_NAME[key]
    if key.endswith("s") and key[:-1] in _BY_NAME:
        return _BY_NAME[key[:-1]]
    raise ConfigError(
        f"unknown kind {text!r}",
        hint="one of: " + ", ".join(k.name for k in KINDS if k.name != "secrets"),
    )


def kind_for(kind_name: str) -> Kind | None:
    """The Kind for an object's ``kind`` field (``"Pod"``), or None if holmes-nb does not read it."""
    return _BY_KIND.get(kind_name)
