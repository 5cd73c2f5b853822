"""Frames for configuration and policy: ConfigMaps and Secrets (key names only), HPAs,
ResourceQuotas and LimitRanges.

    configmaps_frame(cluster.list("configmaps", "shop"), cluster.now())
    quotas_frame(cluster.list("resourcequotas", "shop"), cluster.now())

Values are never read: a ConfigMap shows its key names, a Secret its type and key names.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from holmes_nb.frames.common import bad_conditions, created_age, make_frame
from holmes_nb.k8s import Obj, dig, name_of, ns_of, parse_quantity

CONFIGMAP_COLUMNS = ["namespace", "name", "keys", "age"]
SECRET_COLUMNS = ["namespace", "name", "type", "keys", "age"]
HPA_COLUMNS = ["namespace", "name", "target", "min", "max", "current", "desired", "metrics", "conditions", "age"]
QUOTA_COLUMNS = ["namespace", "name", "resource", "used", "hard", "pct"]
LIMITRANGE_COLUMNS = ["namespace", "name", "type", "resource", "min", "max", "default", "default_request"]

_HPA_HEALTHY = {"AbleToScale": "True", "ScalingActive": "True", "ScalingLimited": "False"}


def configmap_keys(cm: Obj) -> list[str]:
    return sorted(set(cm.get("data") or {}) | set(cm.get("binaryData") or {}))


def secret_keys(secret: Obj) -> list[str]:
    """Key NAMES of a Secret, whether values were stripped (``dataKeys``) or not (never the values)."""
    return sorted(
        set(secret.get("dataKeys") or []) | set(secret.get("data") or {}) | set(secret.get("stringData") or {})
    )


def configmaps_frame(configmaps: Iterable[Obj], now: datetime) -> Any:
    rows = [
        {"namespace": ns_of(c), "name": name_of(c), "keys": ",".join(configmap_keys(c)), "age": created_age(c, now)}
        for c in configmaps
    ]
    rows.sort(key=lambda r: (r["namespace"], r["name"]))
    return make_frame(rows, CONFIGMAP_COLUMNS)


def secrets_frame(secrets: Iterable[Obj], now: datetime) -> Any:
    rows = [
        {
            "namespace": ns_of(s),
            "name": name_of(s),
            "type": s.get("type", "Opaque"),
            "keys": ",".join(secret_keys(s)),
            "age": created_age(s, now),
        }
        for s in secrets
    ]
    rows.sort(key=lambda r: (r["namespace"], r["name"]))
    return make_frame(rows, SECRET_COLUMNS)


def _metric_name(m: Obj) -> str:
    mtype = m.get("type", "")
    body = m.get(mtype[:1].lower() + mtype[1:], {}) if mtype else {}
    if mtype in ("Resource", "ContainerResource"):
        return body.get("name", "") + (f"[{body['container']}]" if body.get("container") else "")
    return dig(body, "metric", "name", default=mtype.lower())


def _metric_value(v: Obj | None) -> str:
    """A MetricTarget / MetricValueStatus as text: ``80%`` or ``500m``."""
    if not v:
        return "<unknown>"
    if v.get("averageUtilization") is not None:
        return f"{v['averageUtilization']}%"
    return str(v.get("averageValue") or v.get("value") or "<unknown>")


def hpa_metrics(hpa: Obj) -> str:
    """``cpu 80%/50%`` per metric (current/target); ``<unknown>`` when the HPA cannot read it."""
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    if "targetCPUUtilizationPercentage" in spec:  # autoscaling/v1
        cur = status.get("currentCPUUtilizationPercentage")
        cur_text = f"{cur}%" if cur is not None else "<unknown>"
        return f"cpu {cur_text}/{spec['targetCPUUtilizationPercentage']}%"
    current = {_metric_name(m): m for m in status.get("currentMetrics") or []}
    out = []
    for m in spec.get("metrics") or []:
        name = _metric_name(m)
        mtype = m.get("type", "")
        key = mtype[:1].lower() + mtype[1:]
        target = dig(m, key, "target")
        cur = dig(current.get(name) or {}, key, "current")
        out.append(f"{name} {_metric_value(cur)}/{_metric_value(target)}")
    return ",".join(out)


def hpas_frame(hpas: Iterable[Obj], now: datetime) -> Any:
    """HPAs: scale target, min/max/current/desired replicas, metrics (current/target) and the
    conditions that are not healthy (e.g. ``ScalingActive=False:FailedGetResourceMetric``)."""
    rows = []
    for h in hpas:
        ref = dig(h, "spec", "scaleTargetRef", default={})
        rows.append(
            {
                "namespace": ns_of(h),
                "name": name_of(h),
                "target": f"{ref.get('kind', '')}/{ref.get('name', '')}",
                "min": dig(h, "spec", "minReplicas", default=1),
                "max": dig(h, "spec", "maxReplicas"),
                "current": dig(h, "status", "currentReplicas"),
                "desired": dig(h, "status", "desiredReplicas"),
                "metrics": hpa_metrics(h),
                "conditions": bad_conditions(h, _HPA_HEALTHY),
                "age": created_age(h, now),
            }
        )
    rows.sort(key=lambda r: (r["namespace"], r["name"]))
    return make_frame(rows, HPA_COLUMNS, ints=("min", "max", "current", "desired"))


def quotas_frame(quotas: Iterable[Obj], now: datetime) -> Any:
    """One row per quota and resource: used, hard and the percentage used (None when not numeric)."""
    rows = []
    for q in quotas:
        hard = dig(q, "status", "hard") or dig(q, "spec", "hard", default={}) or {}
        used = dig(q, "status", "used", default={}) or {}
        for res in sorted(hard):
            h, u = parse_quantity(hard[res]), parse_quantity(used.get(res, 0))
            pct = round(100 * u / h) if h and u is not None else None
            rows.append(
                {
                    "namespace": ns_of(q),
                    "name": name_of(q),
                    "resource": res,
                    "used": used.get(res, "0"),
                    "hard": hard[res],
                    "pct": pct,
                }
            )
    rows.sort(key=lambda r: (r["namespace"], r["name"], r["resource"]))
    return make_frame(rows, QUOTA_COLUMNS, ints=("pct",))


def limitranges_frame(limitranges: Iterable[Obj], now: datetime) -> Any:
    """One row per LimitRange item and resource: min, max, default (limit) and default request."""
    rows = []
    for lr in limitranges:
        for item in dig(lr, "spec", "limits", default=[]) or []:
            fields = {
                f: item.get(src) or {}
                for f, src in (
                    ("min", "min"),
                    ("max", "max"),
                    ("default", "default"),
                    ("default_request", "defaultRequest"),
                )
            }
            for res in sorted({r for values in fields.values() for r in values}):
                row = {"namespace": ns_of(lr), "name": name_of(lr), "type": item.get("type", "")}
                row.update({f: values.get(res) for f, values in fields.items()}, resource=res)
                rows.append(row)
    rows.sort(key=lambda r: (r["namespace"], r["name"], r["type"], r["resource"]))
    return make_frame(rows, LIMITRANGE_COLUMNS)
