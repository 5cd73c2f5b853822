"""A live cluster through the official ``kubernetes`` client: GET requests only, raw JSON, paged lists.

    cluster = LiveCluster(context="prod")              # a kubeconfig context
    cluster = LiveCluster(server="http://127.0.0.1:8001")  # a bare URL (the snapshot API server)
    pods = cluster.list("pods", "shop", label_selector="app=checkout")

The only code paths are get, list and pod logs: there is no write call anywhere in this module.
Responses are read as raw JSON (typed models are slow and lossy), lists are paged with
``limit``/``continue``, and Secrets are listed as metadata only (``PartialObjectMetadataList``),
so their values are never fetched. API failures become :class:`~holmes_nb.errors.ClusterError`
subclasses with a hint, never a raw ``ApiException`` or urllib3 traceback.
"""

from __future__ import annotations

import builtins
import json
import os
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from holmes_nb.errors import ClusterError, ConfigError, ForbiddenError, GoneError, NotFoundError
from holmes_nb.sources.base import Cluster, Obj
from holmes_nb.sources.kinds import Kind, resolve_kind
from holmes_nb.sources.kube_http import SA_TOKEN, contexts, kubeconfig_files
from holmes_nb.sources.selectors import field_matcher, label_matcher
from holmes_nb.sources.snapshot import not_found, strip_secret

JSON = "application/json"
META_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
META_ONE = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
#: what may appear in a name or namespace inside a URL path (a superset of Kubernetes' rules, which
#: also allow ":" for RBAC names); anything else (/, %, ?, spaces, "..") is simply not found
_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.:-]{0,251}[A-Za-z0-9])?$")


def kubeconfig_available() -> bool:
    """True if a kubeconfig with a current context exists (KUBECONFIG or ~/.kube/config), or in-cluster.

    Cheap: reads the YAML only, without importing the kubernetes client.
    """
    if os.environ.get("KUBERNETES_SERVICE_HOST") and os.path.exists(SA_TOKEN):
        return True
    try:
        files = kubeconfig_files(None)
        return bool(files) and contexts(files)[1] is not None
    except ConfigError:
        return False


@dataclass(frozen=True)
class _Call:
    """What a request was for, to phrase errors: ``list pods in namespace shop``."""

    verb: str
    kind: Kind
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None

    @property
    def resource(self) -> str:
        return f"{self.kind.name}/{self.subresource}" if self.subresource else self.kind.name

    @property
    def qualified(self) -> str:
        """``deployments.apps``, ``pods/log``: the resource as ``kubectl auth can-i`` spells it."""
        group = f".{self.kind.group}" if self.kind.group else ""
        return f"{self.kind.name}{group}" + (f"/{self.subresource}" if self.subresource else "")

    def describe(self) -> str:
        where = f" in namespace {self.namespace!r}" if self.namespace else ""
        what = f" {self.name!r}" if self.name else ""
        return f"{self.verb} {self.resource}{what}{where}"

    def can_i(self) -> str:
        scope = f"-n {self.namespace}" if self.namespace else ("-A" if self.kind.namespaced else "")
        return f"kubectl auth can-i {self.verb} {self.qualified} {scope}".strip()


class LiveCluster(Cluster):
    """A read-only view of a running cluster (see the module docstring for the guarantees)."""

    #: items per list request; lists larger than this are fetched page by page
    page_size: int = 500

    def __init__(
        self,
        context: str | None = None,
        kubeconfig: str | None = None,
        server: str | None = None,
        timeout: float = 10.0,
        *,
        page_size: int | None = None,
    ):
        from holmes_nb.sources.kube_http import RestTransport, load_configuration

        self.timeout = float(timeout)
        if page_size:
            self.page_size = int(page_size)
        configuration, self.name = load_configuration(context=context, kubeconfig=kubeconfig, server=server)
        self.host = configuration.host
        self._http = RestTransport(configuration, timeout=self.timeout)

    # -- Cluster interface ----------------------------------------------------------------
    def list(self, kind, namespace=None, *, label_selector=None, field_selector=None) -> builtins.list[Obj]:
        k = self._kind(kind)
        label_matcher(label_selector)  # invalid selectors fail here, like every other source
        field_matcher(field_selector)
        ns = (namespace or None) if k.namespaced else None
        if ns is not None:
            self._check_namespace(ns)
        query = {"labelSelector": label_selector, "fieldSelector": field_selector}
        call = _Call("list", k, ns)
        if k.name == "secrets":
            return [self._secret(o) for o in self._paged(k.api_path(ns), query, call, META_LIST)]
        items = self._paged(k.api_path(ns), query, call, JSON)
        for item in items:
            item.setdefault("apiVersion", k.api_version)
            item.setdefault("kind", k.kind)
        return items

    def get(self, kind, name, namespace=None) -> Obj:
        k = self._kind(kind)
        ns = (namespace or None) if k.namespaced else None
        if not self._valid(name) or (k.namespaced and not (ns and self._valid(ns))):
            raise self._not_found(k, str(name), ns)
        call = _Call("get", k, ns, name)
        accept = META_ONE if k.name == "secrets" else JSON
        try:
            obj = self._json(k.api_path(ns, name), {}, call, accept)
        except NotFoundError:
            raise self._not_found(k, name, ns) from None
        if k.name == "secrets":
            return self._secret(obj)
        obj.setdefault("apiVersion", k.api_version)
        obj.setdefault("kind", k.kind)
        return obj

    def logs(self, namespace, pod, container=None, *, previous=False, tail_lines=None) -> str:
        pods = resolve_kind("pods")
        if container is None:
            container = _default_container(self.get(pods, pod, namespace))
        if not (self._valid(pod) and self._valid(namespace)):
            raise self._not_found(pods, str(pod), namespace)
        query = {"container": container, "previous": "true" if previous else None}
        if tail_lines is not None and tail_lines >= 0:
            query["tailLines"] = str(int(tail_lines))
        call = _Call("get", pods, namespace, pod, subresource="log")
        try:
            data = self._request(pods.api_path(namespace, pod) + "/log", query, call, "text/plain, */*")
        except NotFoundError:
            raise self._not_found(pods, pod, namespace) from None
        except _BadRequest as e:
            return self._log_bad_request(e, namespace, pod, container)
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LiveCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- requests -------------------------------------------------------------------------
    def _paged(self, path: str, query: dict, call: _Call, accept: str) -> builtins.list[Obj]:
        """Every item of a collection, page by page; a 410 (expired continue) restarts it once."""
        try:
            return self._pages(path, query, call, accept)
        except GoneError:
            return self._pages(path, query, call, accept)

    def _pages(self, path: str, query: dict, call: _Call, accept: str) -> builtins.list[Obj]:
        items: builtins.list[Obj] = []
        token, seen = None, set()
        while True:
            doc = self._json(path, {**query, "limit": str(self.page_size), "continue": token}, call, accept)
            if accept == META_LIST and doc.get("kind") != "PartialObjectMetadataList":
                raise ClusterError(
                    f"the API server at {self.host} ignored a metadata-only request for {call.resource}",
                    hint="holmes-nb never reads Secret values; this server does not support "
                    "PartialObjectMetadataList (Kubernetes >= 1.15 does)",
                )
            items.extend(doc.get("items") or [])
            token = (doc.get("metadata") or {}).get("continue")
            if not token:
                return items
            if token in seen:
                raise ClusterError(f"the API server repeated a continue token while paging {call.describe()}")
            seen.add(token)

    def _json(self, path: str, query: dict, call: _Call, accept: str) -> Obj:
        data = self._request(path, query, call, accept)
        try:
            doc = json.loads(data)
        except ValueError:
            raise ClusterError(
                f"the API server at {self.host} sent invalid JSON for {call.describe()}",
                hint="is the server URL a Kubernetes API server (not a proxy or web page)?",
            ) from None
        if not isinstance(doc, dict):
            raise ClusterError(f"unexpected answer from {self.host} for {call.describe()}: not a JSON object")
        return doc

    def _request(self, path: str, query: dict, call: _Call, accept: str) -> bytes:
        params = urlencode([(k, v) for k, v in query.items() if v not in (None, "")])
        url = path + ("?" + params if params else "")
        status, body = self._http.get(url, accept=accept, what=call.describe())
        if 200 <= status < 300:
            return body
        raise _api_error(status, body, call, self.host)

    # -- helpers --------------------------------------------------------------------------
    def _secret(self, obj: Obj) -> Obj:
        """A Secret as read through the metadata-only API: metadata and nothing else."""
        if obj.get("kind") not in (None, "PartialObjectMetadata") or "data" in obj or "stringData" in obj:
            raise ClusterError(
                f"the API server at {self.host} returned a full Secret to a metadata-only request",
                hint="holmes-nb refuses to handle Secret values; the response was discarded",
            )
        return strip_secret({"apiVersion": "v1", "kind": "Secret", "metadata": obj.get("metadata") or {}})

    def _not_found(self, k: Kind, name: str, namespace: str | None) -> NotFoundError:
        """A not-found error with close names in the namespace and other namespaces holding ``name``."""
        if namespace and not self._valid(namespace):
            return self._namespace_not_found(namespace)
        # a name still listed was deleted between the list and the get: never suggest it to itself
        candidates = [c for c in self._names(k, namespace) if c != name]
        if namespace and not candidates and not self._namespace_exists(namespace):
            return self._namespace_not_found(namespace)
        elsewhere: builtins.list[str] = []
        if k.namespaced and self._valid(name):
            found = self._names(k, None, field_selector=f"metadata.name={name}", with_namespace=True)
            elsewhere = sorted({ns for ns in found if ns != (namespace or "")})
        return not_found(k, name, namespace or "", candidates, elsewhere)

    def _namespace_not_found(self, namespace: str) -> NotFoundError:
        ns_kind = resolve_kind("namespaces")
        return not_found(ns_kind, str(namespace), "", self._names(ns_kind, None), [])

    def _names(
        self, k: Kind, namespace: str | None, *, field_selector=None, with_namespace=False
    ) -> builtins.list[str]:
        """Names (or namespaces) of the objects of a kind, via metadata-only lists; [] if forbidden."""
        call = _Call("list", k, namespace)
        query = {"fieldSelector": field_selector}
        try:
            items = self._paged(k.api_path(namespace if k.namespaced else None), query, call, META_LIST)
        except ClusterError:
            return []
        key = "namespace" if with_namespace else "name"
        return [(o.get("metadata") or {}).get(key, "") for o in items]

    def _namespace_exists(self, namespace: str) -> bool:
        ns_kind = resolve_kind("namespaces")
        try:
            self._json(ns_kind.api_path(None, namespace), {}, _Call("get", ns_kind, None, namespace), META_ONE)
        except NotFoundError:
            return False
        except ClusterError:
            return True  # cannot tell (e.g. forbidden): do not claim it is missing
        return True

    def _log_bad_request(self, err: _BadRequest, namespace: str, pod: str, container: str) -> str:
        """Map the API's 400 answers for logs: no previous instance or not started yet -> ''."""
        msg = err.message
        if "previous terminated container" in msg or "waiting to start" in msg or "ContainerCreating" in msg:
            return ""
        if "is not valid for pod" in msg or "container name must be specified" in msg:
            names = _container_names(self.get("pods", pod, namespace))
            raise NotFoundError(
                f"container {container!r} not found in pod {pod!r} (namespace {namespace!r})",
                hint="containers: " + ", ".join(names),
                suggestions=names,
            ) from None
        raise ClusterError(f"cannot read logs of {namespace}/{pod}: {msg}") from None

    @staticmethod
    def _valid(name) -> bool:
        return isinstance(name, str) and bool(_NAME_RE.match(name)) and ".." not in name

    def _check_namespace(self, namespace: str) -> None:
        if not self._valid(namespace):
            raise self._namespace_not_found(namespace)


class _BadRequest(ClusterError):
    """HTTP 400; handled by the caller (logs) before it reaches users."""


def _api_error(status: int, body: bytes, call: _Call, host: str) -> ClusterError:
    """The HolmesError for an HTTP error answer, with a hint saying what to do."""
    message = _status_message(body) or f"HTTP {status}"
    if status == 400:
        return _BadRequest(
            f"bad request ({call.describe()}): {message}",
            hint="the API server rejected the request; check the names and selectors",
        )
    if status == 401:
        return ClusterError(
            f"unauthorized by the Kubernetes API at {host} ({call.describe()}): {message}",
            hint="the kubeconfig credentials were rejected or expired; refresh them and retry",
        )
    if status == 403:
        return ForbiddenError(
            f"forbidden: {message}",
            hint=f"RBAC does not allow '{call.verb}' on '{call.qualified}'"
            + (f" in namespace {call.namespace!r}" if call.namespace else "")
            + f"; check with `{call.can_i()}` (holmes-nb needs only get/list/watch)",
        )
    if status == 404:
        if call.verb == "list":
            return ClusterError(
                f"the API server does not serve {call.kind.api_version} {call.kind.name}",
                hint="the cluster may be too old or the API disabled; `kubectl api-resources` lists what it serves",
            )
        return NotFoundError(f"{call.kind.singular} {call.name!r} not found")
    if status == 410:
        return GoneError(
            f"the list expired while paging ({call.describe()}): {message}",
            hint="the objects changed faster than they could be read; retry",
        )
    if status == 429:
        return ClusterError(
            f"the Kubernetes API at {host} is rate limiting requests ({call.describe()})",
            hint="wait a moment and retry; API priority and fairness may be throttling this identity",
        )
    if status >= 500:
        return ClusterError(
            f"the Kubernetes API at {host} failed with HTTP {status} ({call.describe()}): {message}",
            hint="the API server is unhealthy or overloaded; retry in a moment",
        )
    return ClusterError(f"HTTP {status} from the Kubernetes API ({call.describe()}): {message}")


def _status_message(body: bytes) -> str:
    """The ``message`` of a Kubernetes Status body, or the start of a non-JSON body."""
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return (body or b"")[:200].decode("utf-8", errors="replace").strip()
    return str(doc.get("message") or doc.get("reason") or "") if isinstance(doc, dict) else ""


def _container_names(pod: Obj) -> list[str]:
    spec = pod.get("spec") or {}
    return [c.get("name", "") for key in ("containers", "initContainers") for c in spec.get(key) or []]


def _default_container(pod: Obj) -> str | None:
    """The container ``kubectl logs`` would pick: the default-container annotation, else the first."""
    ann = (pod.get("metadata") or {}).get("annotations") or {}
    chosen = ann.get("kubectl.kubernetes.io/default-container")
    containers = (pod.get("spec") or {}).get("containers") or [{}]
    return chosen or containers[0].get("name")


__all__ = ["LiveCluster", "kubeconfig_available"]
