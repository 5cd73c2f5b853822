"""One investigation per firing alert, as HolmesGPT's ``investigate alertmanager`` does.

Each investigation starts from the alert's labels and annotations; they run concurrently (at most
``concurrency`` at a time) over one shared cluster. The result is a DataFrame (alert, labels,
status, steps, answer) plus the Investigations; ``json_output_file`` receives a JSON list.

    frame, investigations = investigate_alerts("http://127.0.0.1:9093", model="local", cluster="demo",
                                               matchers=["severity=critical"])
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from holmes_nb.errors import ConfigError, HolmesError

COLUMNS = ["alert", "labels", "started", "status", "steps", "answer", "error"]
_QUESTION_LABELS_SKIP = {"alertname", "prometheus", "receiver"}


def alert_question(alert: dict) -> str:
    """The question an investigation of ``alert`` starts from (labels, annotations, start time)."""
    labels, ann = alert.get("labels") or {}, alert.get("annotations") or {}
    lines = [f"Why is the alert {labels.get('alertname', '?')} firing, and what is the root cause?"]
    shown = " ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in _QUESTION_LABELS_SKIP)
    if shown:
        lines.append(f"Alert labels: {shown}")
    for key in ("summary", "description", "message"):
        if ann.get(key):
            lines.append(f"{key.capitalize()}: {str(ann[key])[:500]}")
    if alert.get("startsAt"):
        lines.append(f"Firing since {alert['startsAt']}.")
    return "\n".join(lines)


def fetch_alerts(alertmanager_url: str | None, config: Any, matchers: list[str] | str | None, cluster: Any) -> list:
    from holmes_nb.sources.evidence import alerts_backend

    backend = alerts_backend(cluster, config, alertmanager_url)
    if backend is None:
        raise ConfigError(
            "no Alertmanager configured",
            hint="pass --alertmanager-url / alertmanager_url=, or set ALERTMANAGER_URL",
        )
    try:
        return backend.alerts(matchers)
    finally:
        backend.close()


def investigate_alerts(
    alertmanager_url: str | None = None,
    *,
    model: Any = None,
    cluster: Any = None,
    config: Any = None,
    matchers: list[str] | str | None = None,
    concurrency: int = 3,
    max_steps: int | None = None,
    json_output_file: str | None = None,
    on_done: Any = None,
) -> tuple[Any, list]:
    """Investigate every firing alert matching ``matchers`` (``["severity=critical"]``); returns
    ``(frame, investigations)`` in the alerts' order. ``on_done(alert, investigation)`` is called
    as each one finishes. A failed investigation is a row with status ``failed`` and its error."""
    import pandas as pd

    from holmes_nb.api import ask
    from holmes_nb.cluster_spec import open_cluster
    from holmes_nb.config import Config, load_config

    cfg = config if isinstance(config, Config) else load_config(config)
    target = open_cluster(cluster if cluster is not None else cfg.settings.get("cluster"))
    alerts = fetch_alerts(alertmanager_url, cfg, matchers, target)
    entry = cfg.select(model) if not hasattr(model, "litellm_kwargs") else model

    def run(alert: dict):
        labels = alert.get("labels") or {}
        try:
            inv = ask(
                alert_question(alert),
                entry,
                cluster=target,
                config=cfg,
                max_steps=max_steps,
                namespace=labels.get("namespace"),
            )
        except HolmesError as e:
            inv = getattr(e, "investigation", None)
            if inv is None:
                from holmes_nb.investigation import Investigation

                inv = Investigation(question=alert_question(alert), model=entry.label, status="failed", error=str(e))
            inv.status, inv.error = "failed", inv.error or str(e)
        if on_done is not None:
            on_done(alert, inv)
        return inv

    workers = max(1, min(int(concurrency or 1), 16, len(alerts) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="holmes-alert") as pool:
        investigations = list(pool.map(run, alerts))
    rows = [_row(a, inv) for a, inv in zip(alerts, investigations, strict=True)]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if json_output_file:
        write_json(json_output_file, alerts, investigations)
    return frame, investigations


def _row(alert: dict, inv: Any) -> dict:
    labels = alert.get("labels") or {}
    return {
        "alert": labels.get("alertname"),
        "labels": " ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "alertname"),
        "started": alert.get("startsAt"),
        "status": inv.status,
        "steps": len(inv.steps),
        "answer": inv.answer,
        "error": inv.error,
    }


def write_json(path: str, alerts: list[dict], investigations: list) -> None:
    """A JSON list: per alert its labels/annotations/startsAt and the investigation (keys scrubbed)."""
    from holmes_nb.redact import scrub

    doc = [
        {
            "alert": {k: a.get(k) for k in ("labels", "annotations", "startsAt")},
            **inv.to_dict(),
        }
        for a, inv in zip(alerts, investigations, strict=True)
    ]
    Path(path).write_text(scrub(json.dumps(doc, indent=2, default=str, ensure_ascii=False)) + "\n", encoding="utf-8")
