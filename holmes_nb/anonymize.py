"""``--anonymize``: the model sees stable placeholders instead of the cluster's names and IPs.

Names of namespaces, nodes, workloads (Deployments, StatefulSets, DaemonSets, CronJobs, Jobs,
ReplicaSets), Services and pods, the cluster's name and every IPv4 address become ``ns-1``,
``node-2``, ``deploy-3``, ``sts-1``, ``ds-1``, ``cronjob-1``, ``job-1``, ``rs-1``, ``svc-1``,
``pod-1``, ``cluster-1`` and ``ip-4`` in everything sent to the model: the system prompt, the
question, and every tool result (events and logs included). A name is replaced wherever it stands
as a whole ``-``/``.``-separated part, so a pod ``checkout-7d9f-x2x4q`` of Deployment ``checkout``
becomes ``deploy-3-7d9f-x2x4q`` and ``postgres.data.svc`` becomes ``sts-1.ns-2.svc``. The model's
tool-call arguments are mapped back to real names before a tool runs, and its answer is restored
before anyone sees it: only model traffic is anonymized. Placeholders are numbered in sorted name
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
from typing import Any

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
    ("job", ("jobs",)),
    ("rs", ("replicasets",)),
    ("pod", ("pods",)),
)
#: kinds whose objects are usually named after an owner (covered by the owner's placeholder)
_DERIVED = {"job", "rs", "pod"}
_WORKLOADS = {"deploy", "sts", "ds", "cronjob", "job", "rs"}
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
        for prefix, kinds in _KINDS:
            found = sorted({o["metadata"]["name"] for k in kinds for o in objects[k]})
            if prefix == "ns":
                found = sorted(set(found) | set(_namespaces_of(objects)))
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
        parts = _PROTECTED.split(text)  # holmes-nb's own labels stay readable (a namespace "data")
        marks = _PROTECTED.findall(text)
        hidden = [_RUN.sub(lambda m: self._swap(m.group(0), hiding=True), p) for p in parts]
        return "".join(h + (marks[i] if i < len(marks) else "") for i, h in enumerate(hidden))

    def restore(self, text: str) -> str:
        """``text`` (from the model) with every placeholder replaced by the real name."""
        if not text:
            return text
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


NO_ANONYMIZER = _NoAnonymizer()


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
