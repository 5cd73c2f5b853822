"""The ``changes`` tool: what changed recently (rollouts with pod template diffs, Helm releases,
object updates), newest first, one line each for the model and a DataFrame for people.

    tool = changes_tool(open_cluster("demo"))
    print(tool.run({"namespace": "shop"}).text)
"""

from __future__ import annotations

from typing import Any

from holmes_nb.frames.changes import change_records, changes_frame
from holmes_nb.k8s import age
from holmes_nb.sources.base import Cluster
from holmes_nb.tools.base import Tool, ToolResult
from holmes_nb.tools.k8s_text import cap_text

MAX_ROWS = 25


def _line(row: dict, now: Any) -> str:
    when = f"{age(row['time'], now)} ago" if row["time"] else "time unknown"
    rev = f" revision {row['revision']}" if row.get("revision") else ""
    where = f"{row['namespace']}/" if row["namespace"] else ""
    src = f" ({row['by']})" if row["change"] == "rollout" else ""
    return f"- {when} {row['kind']} {where}{row['name']} {row['change']}{rev}{src}: {row['detail']}"


def changes_text(rows: list[dict], now: Any, where: str, *, max_rows: int = MAX_ROWS, max_chars: int = 4000) -> str:
    """The model's view: rollouts first when cut (they carry the diffs), newest first."""
    if not rows:
        return f"no changes found in {where} (no ReplicaSet/ControllerRevision history, Helm releases or managedFields)"
    keep = rows
    if len(rows) > max_rows:  # keep every rollout with a diff, then the newest of the rest
        rollouts = [r for r in rows if r["change"] == "rollout"]
        rest = [r for r in rows if r["change"] != "rollout"][: max(0, max_rows - len(rollouts))]
        keep = sorted(rollouts + rest, key=lambda r: rows.index(r))
    header = f"changes in {where}, newest first ({len(rows)}; ages relative to {now:%Y-%m-%d %H:%M} UTC):"
    lines = [header] + [_line(r, now) for r in keep]
    if len(keep) < len(rows):
        lines.append(f"[{len(rows) - len(keep)} older changes not shown; pass namespace or name]")
    return cap_text("\n".join(lines), max_chars)[0]


def run_changes(cluster: Cluster, namespace: str | None = None, name: str | None = None, **kw: Any) -> ToolResult:
    rows = change_records(cluster, namespace or None, (str(name).strip() or None) if name else None)
    now = cluster.now()
    where = (f"namespace {namespace!r}" if namespace else "all namespaces") + (f" for {name!r}" if name else "")
    frame = changes_frame(rows, now)
    return ToolResult(text=changes_text(rows, now, where, **kw), frame=frame, meta={"rows": len(rows)})


def changes_tool(cluster: Cluster, *, normalize_namespace: Any = None) -> Tool:
    """``changes(namespace?, name?)``. ``normalize_namespace``: the Kubernetes toolset's namespace
    handling (near misses corrected, "all" spellings), so every tool reads namespaces alike."""

    def changes(namespace: str | None = None, name: str | None = None) -> ToolResult:
        note = ""
        if normalize_namespace is not None:
            namespace, note = normalize_namespace(namespace)
        result = run_changes(cluster, namespace, name)
        if note:
            result.text = note + result.text
        return result

    return Tool(
        "changes",
        "Recent changes: rollouts with image/config diffs, Helm releases, edited ConfigMaps.",
        {
            "type": "object",
            "properties": {
                "namespace": {"type": "string"},
                "name": {"type": "string", "description": "a workload, release or object name"},
            },
        },
        changes,
    )
