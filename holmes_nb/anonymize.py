"""``--anonymize``: the model sees stable placeholders instead of the cluster's names and IPs.

Names of namespaces, nodes, workloads (Deployments, StatefulSets, DaemonSets, CronJobs, Jobs,
ReplicaSets), Services and pods, the cluster's name and every IPv4 address become ``ns-1``,
``node-2``, ``deploy-3``, ``sts-1``, ``ds-1``, ``cronjob-1``, ``job-1``, ``rs-1``, ``svc-1``,
``pod-1``, ``cluster-1`` and ``ip-4`` in everything sent to the model: the system prompt, the
question, and every tool result (events and logs included). A name is replaced wherever it stands
as a whole ``-``/``.``-separated part, so a pod ``checkout-7d9f-x2x4q`` of Deployment ``checkout``
becomes ``deploy-3-7d9f-x2x4q`` and ``postgres.data.svc`` becomes ``sts-1.ns-2.svc``. The model's
tool-call arguments are mapped back to real names before a tool runs, and its answer (streamed
text too, as it arrives) is restored before anyone sees it: only model traffic is anonymized. Placeholders are numbered in sorted name
order, so the same cluster always gets the same ones.

    anon = Anonymizer.from_cluster(open_cluster("demo"))
    anon.hide("checkout-zn9hbl8h66-skgzh in shop on worker-1 (10.244.1.12)")
    # -> 'deploy-4-zn9hbl8h66-skgzh in ns-5 on node-1 (ip-17)'
    anon.restore("deploy-4 in ns-5")  # -> 'checkout in shop'
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Protocol

#: (placeholder prefix, kinds), in the order names are claimed: a Service named like its Deployment
#: shares the Deployment's placeholder
_KINDS = (
    ("ns", ("namespaces",)),
    ("node", ("nodes",)),
    ("deploy", ("deployments",)),
    ("sts", ("statefulsets",)),
    ("ds", ("daemonsets",)),
    ("cronjob", ("cronjobs",)),
    ("svc", ("services",)),
    ("app", ()),  # names known only from app labels and owner references (their objects are absent)
    ("job", ("jobs",)),
    ("rs", ("replicasets",)),
    ("pod", ("pods",)),
)
#: kinds whose objects are usually named after an owner (covered by the owner's placeholder)
_DERIVED = {"job", "rs", "pod"}
_WORKLOADS = {"deploy", "sts", "ds", "cronjob", "job", "rs", "app"}
#: owner kinds -> placeholder prefix; label keys whose value names a workload
_OWNER_PREFIX = {"Deployment": "deploy", "StatefulSet": "sts", "DaemonSet": "ds", "CronJob": "cronjob", "Job": "job"}
_APP_LABELS = ("app", "app.kubernetes.io/name", "app.kubernetes.io/instance", "k8s-app")
#: IPv6 candidates (validated with ipaddress); in-cluster DNS names; service env names
_IP6 = re.compile(r"(?<![0-9A-Za-z:.])[0-9A-Fa-f:]{2,39}(?![0-9A-Za-z:])")
_DNS = re.compile(
    r"(?<![A-Za-z0-9-])([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.svc\b"
)
_SVC_ENV = re.compile(r"(?<![A-Za-z0-9_])([A-Z][A-Z0-9_]*?)_(?=SERVICE_HOST|SERVICE_PORT|PORT_\d|PORT\b)")
_ENV_PLACEHOLDER = re.compile(r"(?<![A-Za-z0-9_])((?:[A-Z]+)_\d+)_(?=SERVICE_HOST|SERVICE_PORT|PORT_\d|PORT\b)")
#: well-known names that say nothing about the user and help the model read the data
KEEP = {"default", "kubernetes", "localhost"}
_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")
_IP = re.compile(r"(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\d])")
_KEEP_IPS = {"0.0.0.0", "127.0.0.1", "255.255.255.255"}
#: phrases holmes-nb itself writes around cluster data, never anonymized
_PROTECTED = re.compile(r"cluster data")
_IP_SOURCES = ("nodes", "pods", "services", "endpoints")


class Anonymizer:
    """Maps real names and IPs to placeholders (:meth:`hide`) and back (:meth:`restore`).

    ``Anonymizer({"shop": "ns-1", "web": "deploy-1"})``; usually :meth:`from_cluster`."""

    active = True

    def __init__(
        self,
        names: dict[str, str] | None = None,
        ips: dict[str, str] | None = None,
        cluster_name: str = "",
        cluster_placeholder: str = "cluster-1",
    ):
        self.to_placeholder: dict[str, str] = dict(names or {})
        self.to_placeholder.update(ips or {})
        self.to_real: dict[str, str] = {v: k for k, v in self.to_placeholder.items()}
        self._ip_count = sum(1 for v in self.to_real if v.startswith("ip-"))
        self.cluster_name, self.cluster_placeholder = cluster_name, cluster_placeholder
        if cluster_name and cluster_name not in KEEP:
            self.to_real[cluster_placeholder] = cluster_name
            if _RUN.fullmatch(cluster_name):
                self.to_placeholder[cluster_name] = cluster_placeholder
        self._longest = max((len(k) for k in (*self.to_placeholder, *self.to_real)), default=0)

    @classmethod
    def from_cluster(cls, cluster: Any) -> Anonymizer:
        """Placeholders for every namespace, node, workload, Service and pod of ``cluster`` and the
        IPs its nodes, pods, Services and Endpoints carry (kinds the cluster refuses are skipped)."""
        objects = {k: _safe_list(cluster, k) for _, kinds in _KINDS for k in kinds}
        names: dict[str, str] = {}
        taken = {o["metadata"]["name"] for items in objects.values() for o in items}
        absent = _absent_workloads(objects)
        for prefix, kinds in _KINDS:
            found = sorted({o["metadata"]["name"] for k in kinds for o in objects[k]})
            if prefix == "ns":
                found = sorted(set(found) | set(_namespaces_of(objects)))
            found = sorted(set(found) | absent.get(prefix, set()))
            count = 0
            for name in found:
                if name in names or name in KEEP or name.startswith("kube-") or not _RUN.fullmatch(name):
                    continue
                if prefix in _DERIVED and _owners(name, names):
                    continue  # checkout-7d9f-x2x4q: covered by the placeholder of Deployment checkout
                count = _next_free(prefix, count, taken)
                names[name] = f"{prefix}-{count}"
        ip_text = json.dumps([objects.get(k) or _safe_list(cluster, k) for k in _IP_SOURCES])
        ips = sorted({ip for ip in _IP.findall(ip_text) if ip not in _KEEP_IPS}, key=_ip_key)
        return cls(names, {ip: f"ip-{i}" for i, ip in enumerate(ips, 1)}, getattr(cluster, "name", ""))

    # -- text -----------------------------------------------------------------------------------
    def hide(self, text: str) -> str:
        """``text`` with every known name and every IPv4 address replaced by its placeholder."""
        if not text:
            return text
        if self.cluster_name and not _RUN.fullmatch(self.cluster_name) and self.cluster_name in text:
            text = text.replace(self.cluster_name, self.cluster_placeholder)
        text = self._hide_forms(text)
        parts = _PROTECTED.split(text)  # holmes-nb's own labels stay readable (a namespace "data")
        marks = _PROTECTED.findall(text)
        hidden = [_RUN.sub(lambda m: self._swap(m.group(0), hiding=True), p) for p in parts]
        return "".join(h + (marks[i] if i < len(marks) else "") for i, h in enumerate(hidden))

    def restore(self, text: str) -> str:
        """``text`` (from the model) with every placeholder replaced by the real name."""
        if not text:
            return text
        text = _ENV_PLACEHOLDER.sub(lambda m: self._env_form(m.group(1), hiding=False) + "_", text)
        return _RUN.sub(lambda m: self._swap(m.group(0), hiding=False), text)

    def hide_value(self, value: Any) -> Any:
        """:meth:`hide` on every string inside a JSON-like value."""
        return _walk(value, self.hide)

    def restore_value(self, value: Any) -> Any:
        """:meth:`restore` on every string inside a JSON-like value (tool-call arguments)."""
        return _walk(value, self.restore)

    def real_calls(self, calls: list) -> list:
        """Tool calls with placeholder arguments mapped back to real names (same ids)."""
        return [replace(c, arguments=self.restore_value(c.arguments)) for c in calls]

    def hide_message(self, message: dict[str, Any]) -> dict[str, Any]:
        """A chat message (content and tool-call arguments) with names hidden."""
        msg = dict(message)
        if isinstance(msg.get("content"), str):
            msg["content"] = self.hide(msg["content"])
        if msg.get("tool_calls"):
            msg["tool_calls"] = self.hide_value(msg["tool_calls"])
        return msg

    # -- one run of name characters ---------------------------------------------------------------
    def _swap(self, run: str, hiding: bool) -> str:
        """Replace known names standing as whole ``-``/``.``-separated parts of ``run``, longest first."""
        out, i, n = [], 0, len(run)
        while i < n:
            hit = self._longest_at(run, i, hiding)
            if hit is None:
                j = min((k for k in (run.find("-", i), run.find(".", i)) if k >= 0), default=n)
                out.append(run[i : j + 1])
                i = j + 1
                continue
            end, replacement = hit
            out.append(replacement)
            i = end
        return "".join(out)

    def _longest_at(self, run: str, i: int, hiding: bool) -> tuple[int, str] | None:
        ends = [k for k in range(min(len(run), i + self._longest), i, -1) if k == len(run) or run[k] in "-."]
        for end in ends:
            part = run[i:end]
            if hiding:
                if part in self.to_real:  # already a placeholder: keep (hide is idempotent)
                    return end, part
                if part in self.to_placeholder:
                    return end, self.to_placeholder[part]
            elif part in self.to_real:
                return end, self.to_real[part]
        if hiding:
            m = _IP.match(run, i)
            if m and (m.end() == len(run) or run[m.end()] in "-.") and m.group(0) not in _KEEP_IPS:
                return m.end(), self._ip(m.group(0))
        return None

    def _hide_forms(self, text: str) -> str:
        """Forms the name runs miss: IPv6 addresses, ``svc.ns.svc`` names of Services not in the
        snapshot (learned on sight), and Service env names (``CART_REDIS_SERVICE_HOST``)."""
        if "::" in text or text.count(":") >= 7:
            text = _IP6.sub(lambda m: self._ip6(m.group(0)), text)
        if ".svc" in text:
            for m in _DNS.finditer(text):
                self._learn(m.group(1), "svc")
                self._learn(m.group(2), "ns")
        if "_SERVICE_" in text or "_PORT" in text:
            text = _SVC_ENV.sub(lambda m: self._env_form(m.group(1), hiding=True) + "_", text)
        return text

    def _learn(self, name: str, prefix: str) -> None:
        """Give a name seen in the text (not among the cluster's objects) a placeholder."""
        if name in self.to_placeholder or name in self.to_real or name in KEEP or name.startswith("kube-"):
            return
        parts = name.split("-")
        for k in range(1, len(parts)):
            if (prefix_ := "-".join(parts[:k])) in self.to_placeholder or prefix_ in self.to_real:
                return  # postgres-primary: covered by the placeholder of postgres (or already one)
        count = 1 + sum(1 for v in self.to_real if v.rsplit("-", 1)[0] == prefix)
        while f"{prefix}-{count}" in self.to_real:
            count += 1
        self.to_placeholder[name] = f"{prefix}-{count}"
        self.to_real[f"{prefix}-{count}"] = name
        self._longest = max(self._longest, len(name))

    def _env_form(self, env: str, hiding: bool) -> str:
        """``CART_REDIS`` <-> ``STS_1``: a Service's name as Kubernetes writes it in env names."""
        name = env.lower().replace("_", "-")
        if hiding:
            if name in self.to_real:  # a placeholder already
                return env
            self._learn(name, "svc") if name not in self.to_placeholder else None
            return self.to_placeholder[name].upper().replace("-", "_")
        real = self.to_real.get(name)
        return real.upper().replace("-", "_") if real else env

    def _ip6(self, text: str) -> str:
        import ipaddress

        try:
            addr = ipaddress.IPv6Address(text.strip(":") if text.count("::") == 0 else text)
        except ValueError:
            return text
        if addr.is_loopback or addr.is_unspecified or ("::" not in text and text.count(":") != 7):
            return text
        if text not in self.to_placeholder:
            n = 1 + sum(1 for v in self.to_real if v.startswith("ip6-"))
            self.to_placeholder[text] = f"ip6-{n}"
            self.to_real[f"ip6-{n}"] = text
        return self.to_placeholder[text]

    def _ip(self, ip: str) -> str:
        """The placeholder of an IP, assigned on first sight when the cluster objects lacked it."""
        if ip not in self.to_placeholder:
            self._ip_count += 1
            self.to_placeholder[ip] = f"ip-{self._ip_count}"
            self.to_real[f"ip-{self._ip_count}"] = ip
            self._longest = max(self._longest, len(ip))
        return self.to_placeholder[ip]

    def __repr__(self) -> str:
        return f"<Anonymizer {len(self.to_placeholder)} names and IPs>"


class Masker(Protocol):
    """What the agent needs of an anonymizer: :class:`Anonymizer`, or :data:`NO_ANONYMIZER` when off."""

    active: bool

    def hide(self, text: str) -> str: ...
    def restore(self, text: str) -> str: ...
    def hide_value(self, value: Any) -> Any: ...
    def restore_value(self, value: Any) -> Any: ...
    def real_calls(self, calls: list) -> list: ...
    def hide_message(self, message: dict[str, Any]) -> dict[str, Any]: ...


class _NoAnonymizer:
    """The identity: what the agent uses when ``anonymize`` is off."""

    active = False

    def hide(self, text: str) -> str:
        return text

    restore = hide

    def hide_value(self, value: Any) -> Any:
        return value

    restore_value = hide_value

    def real_calls(self, calls: list) -> list:
        return calls

    def hide_message(self, message: dict[str, Any]) -> dict[str, Any]:
        return message


NO_ANONYMIZER: Masker = _NoAnonymizer()


class StreamRestore:
    """:meth:`Masker.restore` for text that arrives in pieces (a streamed reply): each piece is given
    back up to the last character no placeholder holds, so a placeholder split between two pieces
    is restored whole; :meth:`flush` gives back the rest when the reply ends.

        stream = StreamRestore(anon)
        stream.feed("deploy-4 in ns") + stream.feed("-5 is down") + stream.flush()  # 'checkout in shop is down'
    """

    _TAIL = re.compile(r"[A-Za-z0-9._-]*\Z")  # what a placeholder (or SVC_1_SERVICE_HOST) may still grow into

    def __init__(self, masker: Masker):
        self.masker, self.held = masker, ""

    def feed(self, text: str) -> str:
        text = self.held + text
        cut = self._TAIL.search(text).start()  # type: ignore[union-attr]  # matches at least ""
        self.held = text[cut:]
        return self.masker.restore(text[:cut])

    def flush(self) -> str:
        text, self.held = self.held, ""
        return self.masker.restore(text)


def _walk(value: Any, fn) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_walk(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, fn) for k, v in value.items()}
    return value


def _safe_list(cluster: Any, kind: str) -> list[dict[str, Any]]:
    from holmes_nb.errors import HolmesError

    try:
        items = cluster.list(kind)
    except (HolmesError, LookupError, ValueError):
        return []
    return [o for o in items if isinstance((o.get("metadata") or {}).get("name"), str)]


def _absent_workloads(objects: dict[str, list]) -> dict[str, set[str]]:
    """Workload names the objects point at although their own objects are absent: owner references
    (a ReplicaSet ``web-7d9f`` means a Deployment ``web``) and app labels."""
    out: dict[str, set[str]] = {}
    for items in objects.values():
        for o in items:
            meta = o.get("metadata") or {}
            for ref in meta.get("ownerReferences") or []:
                kind, name = ref.get("kind"), ref.get("name")
                if not isinstance(name, str):
                    continue
                if kind == "ReplicaSet" and "-" in name:
                    out.setdefault("deploy", set()).add(name.rsplit("-", 1)[0])
                elif kind in _OWNER_PREFIX:
                    out.setdefault(_OWNER_PREFIX[kind], set()).add(name)
            labels = meta.get("labels") or {}
            out.setdefault("app", set()).update(
                v for k in _APP_LABELS if isinstance(v := labels.get(k), str) and _RUN.fullmatch(v)
            )
    return out


def _namespaces_of(objects: dict[str, list]) -> set[str]:
    return {o["metadata"]["namespace"] for items in objects.values() for o in items if o["metadata"].get("namespace")}


def _owners(name: str, names: dict[str, str]) -> list[str]:
    """Workloads ``name`` could be derived from: registered workload names among its ``-`` prefixes."""
    parts = name.split("-")
    prefixes = ("-".join(parts[:k]) for k in range(1, len(parts)))
    return [p for p in prefixes if names.get(p, "").rsplit("-", 1)[0] in _WORKLOADS]


def _next_free(prefix: str, count: int, taken: set[str]) -> int:
    count += 1
    while f"{prefix}-{count}" in taken:  # a real object named like a placeholder: skip that number
        count += 1
    return count


def _ip_key(ip: str) -> tuple[int, ...]:
    return tuple(int(p) for p in ip.split("."))
