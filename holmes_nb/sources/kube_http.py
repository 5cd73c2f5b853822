"""Configuration loading and the GET-only HTTP transport behind :class:`~holmes_nb.sources.live.LiveCluster`.

    configuration, name = load_configuration(context="prod")
    status, body = RestTransport(configuration, timeout=10).get("/api/v1/pods?limit=500", accept="application/json")

The transport uses the official client's REST layer (TLS, client certificates, proxies and token
refresh from kubeconfig all keep working) but only ever issues GET, and turns every connection,
timeout and TLS failure into a :class:`~holmes_nb.errors.ClusterError` with a hint.
"""

from __future__ import annotations

import difflib
import inspect
import os
import time

from holmes_nb._version import __version__
from holmes_nb.errors import ClusterError, ConfigError

#: answers worth a bounded retry (a read is idempotent): throttled, unavailable, gateway timeout
RETRY_STATUSES = (429, 503, 504)
MAX_RETRIES = 2
MAX_RETRY_WAIT = 2.0
SA_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"


def load_configuration(context: str | None = None, kubeconfig: str | None = None, server: str | None = None):
    """A ``kubernetes.client.Configuration`` and a display name, from a URL, kubeconfig or in-cluster."""
    try:
        from kubernetes import client
    except ImportError as e:  # pragma: no cover - it is a hard dependency
        raise ConfigError("the kubernetes package is not installed", hint="pip install kubernetes") from e
    cfg = client.Configuration()
    if server:
        if not server.startswith(("http://", "https://")):
            raise ConfigError(f"invalid API server URL {server!r}", hint="use http://HOST:PORT or https://HOST:PORT")
        cfg.host = server.rstrip("/")
        return cfg, f"server:{cfg.host}"
    files = kubeconfig_files(kubeconfig)
    if files or context:
        return cfg, _load_kubeconfig(cfg, files, context)
    if os.environ.get("KUBERNETES_SERVICE_HOST") and os.path.exists(SA_TOKEN):
        from kubernetes import config

        try:
            config.load_incluster_config(client_configuration=cfg)
        except Exception as e:  # any failure here is a configuration problem
            raise ConfigError(f"cannot load the in-cluster configuration: {e}") from e
        return cfg, "in-cluster"
    raise ConfigError(
        "no kubeconfig found (KUBECONFIG or ~/.kube/config) and not running inside a cluster",
        hint="point KUBECONFIG at a kubeconfig, or use --cluster demo or a snapshot path",
    )


def kubeconfig_files(kubeconfig: str | None) -> str:
    """The kubeconfig path(s) to load, joined with os.pathsep; '' when none exists."""
    if kubeconfig:
        path = os.path.expanduser(kubeconfig)
        if not os.path.isfile(path):
            raise ConfigError(f"kubeconfig {kubeconfig!r} does not exist", hint="check the path or unset it")
        return path
    env = os.environ.get("KUBECONFIG")
    paths = [p for p in env.split(os.pathsep) if p] if env else ["~/.kube/config"]
    return os.pathsep.join(os.path.expanduser(p) for p in paths if os.path.isfile(os.path.expanduser(p)))


def _load_kubeconfig(cfg, files: str, context: str | None) -> str:
    from kubernetes import config

    if not files:
        raise ConfigError(
            f"no kubeconfig found for context {context!r}", hint="set KUBECONFIG or create ~/.kube/config"
        )
    names, current = contexts(files)
    if context and context not in names:
        close = difflib.get_close_matches(context, names, n=3, cutoff=0.4)
        hint = ("did you mean " + ", ".join(close) + "; ") if close else ""
        raise ConfigError(
            f"context {context!r} not found in kubeconfig",
            hint=hint + ("contexts: " + ", ".join(names) if names else "the kubeconfig has no contexts"),
        )
    if not context and not current:
        raise ConfigError(
            "the kubeconfig has no current context",
            hint="run `kubectl config use-context NAME` or pass a context" + (": " + ", ".join(names) if names else ""),
        )
    try:
        config.load_kube_config(config_file=files, context=context, client_configuration=cfg, persist_config=False)
    except Exception as e:  # kubeconfig and exec-plugin errors come in many types
        raise ConfigError(
            f"cannot load kubeconfig context {context or current!r}: {e}",
            hint="check the kubeconfig with `kubectl config view`",
        ) from e
    return f"context:{context or current}"


def contexts(files: str) -> tuple[list[str], str | None]:
    """Context names and the current context of the kubeconfig file(s), merged as kubectl does
    (the first file that sets current-context wins)."""
    import yaml

    names: list[str] = []
    current = None
    for path in files.split(os.pathsep):
        try:
            with open(path, encoding="utf-8") as fh:
                doc = yaml.safe_load(fh) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            raise ConfigError(
                f"cannot read kubeconfig {path}: {e}", hint="check it with `kubectl config view`"
            ) from None
        if not isinstance(doc, dict):
            raise ConfigError(f"kubeconfig {path} is not a YAML mapping", hint="check it with `kubectl config view`")
        names += [str(c["name"]) for c in doc.get("contexts") or [] if isinstance(c, dict) and c.get("name")]
        current = current or doc.get("current-context") or None
    return names, current


class RestTransport:
    """GET requests through the official client's REST layer, with timeouts and bounded retries."""

    def __init__(self, configuration, *, timeout: float = 10.0):
        import urllib3
        from kubernetes.client import rest

        # retries are ours (see get): urllib3's would log a warning per attempt and retry timeouts too
        configuration.retries = urllib3.Retry(total=0, redirect=0, raise_on_status=False)
        self._cfg = configuration
        self._rest = rest.RESTClientObject(configuration)
        # kubernetes < 32 decodes preloaded bodies to str; ask those for the raw urllib3 response
        params = inspect.signature(self._rest.request).parameters
        self._legacy_kwargs = {"_preload_content": False} if "_preload_content" in params else {}
        self.timeout = timeout
        self.host = configuration.host

    def get(self, path: str, *, accept: str, what: str) -> tuple[int, bytes]:
        """``(status, body)`` of ``GET host+path``.

        A refused or dropped connection and a 429/503/504 answer are retried twice (a GET is
        idempotent; Retry-After is honoured up to 2 s); a timeout is not: it would only wait again.
        """
        headers = {"Accept": accept, "User-Agent": f"holmes-nb/{__version__} (read-only)", **self._auth(what)}
        for attempt in range(MAX_RETRIES + 1):
            last = attempt == MAX_RETRIES
            try:
                status, body, retry_after = self._once(self.host + path, headers, what)
            except _Transient as e:
                if last:
                    raise self._failure(e.cause, what) from None
                time.sleep(0.1 * (attempt + 1))
                continue
            if status not in RETRY_STATUSES or last:
                return status, body
            time.sleep(min(retry_after if retry_after is not None else 0.2 * (attempt + 1), MAX_RETRY_WAIT))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        try:
            self._rest.close()
        except Exception:  # closing must never fail the caller
            pass

    def _auth(self, what: str) -> dict[str, str]:
        try:
            settings = self._cfg.auth_settings() or {}
        except Exception as e:  # token refresh hooks (exec plugins) can fail in any way
            raise ClusterError(
                f"cannot get credentials for {self.host} ({what}): {e}",
                hint="the kubeconfig auth plugin failed; run `kubectl get ns` to see its error",
            ) from None
        return {s["key"]: s["value"] for s in settings.values() if s.get("in") == "header" and s.get("value")}

    def _once(self, url: str, headers: dict, what: str) -> tuple[int, bytes, float | None]:
        import urllib3
        from kubernetes.client.exceptions import ApiException

        try:
            timeout = (self.timeout, self.timeout)  # connect, read (a bare float is ignored by old clients)
            resp = self._rest.request(
                "GET", url, headers=dict(headers), _request_timeout=timeout, **self._legacy_kwargs
            )
            data = resp.data if getattr(resp, "data", None) is not None else resp.read()
            return resp.status, data or b"", _retry_after(getattr(resp, "headers", None))
        except ApiException as e:  # older clients raise on non-2xx; status 0 wraps TLS errors
            if e.status:
                body = e.body.encode() if isinstance(e.body, str) else (e.body or b"")
                return e.status, body, _retry_after(e.headers)
            raise self._failure(e, what) from None
        except (urllib3.exceptions.HTTPError, OSError) as e:
            reason = getattr(e, "reason", None) or e
            transient = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ProtocolError, ConnectionError)
            permanent = getattr(urllib3.exceptions, "NameResolutionError", ())  # urllib3 >= 2
            if isinstance(reason, transient) and not isinstance(reason, permanent):
                raise _Transient(e) from None
            raise self._failure(e, what) from None

    def _failure(self, err: Exception, what: str) -> ClusterError:
        """A ClusterError for a connection-level failure (refused, timeout, TLS, disconnect)."""
        import urllib3.exceptions as ux

        reason = getattr(err, "reason", None) or err
        if isinstance(reason, (ux.NewConnectionError, ConnectionRefusedError)):
            return ClusterError(
                f"cannot connect to the Kubernetes API at {self.host} ({what})",
                hint="is the cluster running and reachable (VPN, port-forward)? check `kubectl cluster-info`",
            )
        if isinstance(reason, (ux.TimeoutError, TimeoutError)):
            return ClusterError(
                f"the Kubernetes API at {self.host} did not answer within {self.timeout:g}s ({what})",
                hint="the API server is slow or unreachable; retry, or raise the timeout",
            )
        if isinstance(reason, ux.SSLError) or "SSL" in type(reason).__name__ or "SSLError" in str(reason):
            return ClusterError(
                f"TLS error talking to {self.host} ({what})",
                hint="check certificate-authority(-data) in the kubeconfig and the server URL",
            )
        if isinstance(reason, (ux.ProtocolError, ConnectionError)):
            return ClusterError(
                f"the Kubernetes API at {self.host} closed the connection mid-response ({what})",
                hint="the API server may be restarting; retry in a moment",
            )
        return ClusterError(
            f"request to the Kubernetes API at {self.host} failed ({what}): {type(reason).__name__}",
            hint="check the server URL and that the cluster is reachable",
        )


class _Transient(Exception):
    """A connection refused or dropped: worth another try."""

    def __init__(self, cause: Exception):
        super().__init__(str(cause))
        self.cause = cause


def _retry_after(headers) -> float | None:
    try:
        value = headers.get("Retry-After") if headers is not None else None
        return float(value) if value is not None else None
    except (TypeError, ValueError, AttributeError):
        return None
