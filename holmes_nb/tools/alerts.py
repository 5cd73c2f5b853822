"""The ``firing_alerts`` tool: alerts from Alertmanager (or frozen in a snapshot), one line each.

tool = alerts_tool(cluster, AlertmanagerClient("http://127.0.0.1:9093"))
print(tool.run({"namespace": "shop"}).text)
"""

from __future__ import annotations

from typing import Any

from holmes_nb.k8s import age
from holmes_nb.sources.base import Cluster
from holmes_nb.tools.base import Tool, ToolResult
from holmes_nb.tools.k8s_text import cap_text

MAX_ALERTS = 30
#: labels every alert has or that say nothing about the object (shown elsewhere or noise)
_QUIET = {"alertname", "severity", "prometheus", "job", "endpoint", "service_monitor", "uid", "receiver"}


def alert_line(alert: dict, now: Any) -> str:
    labels = alert.get("labels") or {}
    ann = alert.get("annotations") or {}
    where = " ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in _QUIET)
    since = age(alert.get("startsAt"), now)
    text = ann.get("summary") or ann.get("description") or ann.get("message") or ""
    head = f"- {labels.get('severity', '?')} {labels.get('alertname', '?')} {where}".rstrip()
    return head + (f" since {since}" if since else "") + (f": {text[:240]}" if text else "")


def alerts_frame(alerts: list[dict]) -> Any:
    """One row per alert: alertname, severity, state, startsAt (UTC), summary, then one column per label."""
    import pandas as pd

    keys = sorted({k for a in alerts for k in (a.get("labels") or {}) if k not in ("alertname", "severity")})
    rows = []
    for a in alerts:
        labels, ann = a.get("labels") or {}, a.get("annotations") or {}
        rows.append(
            {
                "alertname": labels.get("alertname"),
                "severity": labels.get("severity"),
                "state": (a.get("status") or {}).get("state", "active"),
                "startsAt": a.get("startsAt"),
                "summary": ann.get("summary") or ann.get("description") or "",
                **{k: labels.get(k) for k in keys},
            }
        )
    df = pd.DataFrame(rows, columns=["alertname", "severity", "state", "startsAt", "summary", *keys])
    df["startsAt"] = pd.to_datetime(df["startsAt"], utc=True, errors="coerce", format="ISO8601")
    return df


def _about(alert: dict, name: str) -> bool:
    return any(str(v) == name or str(v).startswith(name + "-") for v in (alert.get("labels") or {}).values())


def alerts_tool(cluster: Cluster, backend: Any) -> Tool:
    def firing_alerts(namespace: str | None = None, name: str | None = None) -> ToolResult:
        ns = str(namespace or "").strip()
        found = backend.alerts([f"namespace={ns}"] if ns and ns.lower() not in ("all", "*") else None)
        if name:
            found = [a for a in found if _about(a, str(name).strip())]
        where = (f"namespace {ns!r}" if ns else "all namespaces") + (f" about {name!r}" if name else "")
        src = " (frozen in the snapshot)" if getattr(backend, "frozen", False) else ""
        frame = alerts_frame(found)
        if not found:
            return ToolResult(text=f"no firing alerts in {where}{src}", frame=frame, meta={"rows": 0})
        now = cluster.now()
        lines = [f"{len(found)} firing alerts in {where}{src}, oldest first:"]
        lines += [alert_line(a, now) for a in found[:MAX_ALERTS]]
        if len(found) > MAX_ALERTS:
            lines.append(f"[{len(found) - MAX_ALERTS} more not shown; pass namespace or name]")
        text, _ = cap_text("\n".join(lines), 4000)
        return ToolResult(text=text, frame=frame, meta={"rows": len(found)})

    return Tool(
        "firing_alerts",
        "Firing alerts (labels, summary, since when) for a namespace or object.",
        {
            "type": "object",
            "properties": {
                "namespace": {"type": "string"},
                "name": {"type": "string", "description": "pod, deployment, service or node name"},
            },
        },
        firing_alerts,
    )
