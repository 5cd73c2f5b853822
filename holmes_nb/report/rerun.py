"""The Python call and the kubectl command equivalent to one tool call, so a person can re-run
the agent's path: ``holmes_nb.cluster("demo").pods(namespace="shop", unhealthy=True)`` and
``kubectl get pods -n shop``.

    python_call("list_pods", {"namespace": "shop", "unhealthy_only": True}, "demo")
    kubectl_command("pod_logs", {"name": "checkout-1", "namespace": "shop", "previous": True})

Tools without a ClusterFrames method (metrics, alerts, custom tools) get ``None`` for Python;
tools that read nothing kubectl can show get ``None`` for kubectl.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

#: one-kind list tools -> (ClusterFrames method, kubectl resource list, namespaced)
_LISTS: dict[str, tuple[str, str, bool]] = {
    "list_namespaces": ("namespaces", "namespaces", False),
    "list_nodes": ("nodes", "nodes", False),
    "list_workloads": ("workloads", "deployments,statefulsets,daemonsets,jobs,cronjobs", True),
    "list_services": ("services", "services,endpoints", True),
    "list_storage": ("pvcs", "pvc,pv,storageclasses", True),
    "list_ingresses": ("ingresses", "ingresses,ingressclasses", True),
}


def _kwargs(**values: Any) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items() if v not in (None, False, ""))


def _ns_flag(namespace: Any) -> list[str]:
    return ["-n", str(namespace)] if namespace else ["-A"]


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def _python_method(tool: str, a: dict[str, Any]) -> str | None:
    ns = a.get("namespace") or None
    if tool == "list_pods":
        return f"pods({_kwargs(namespace=ns, unhealthy=_truthy(a.get('unhealthy_only')))})"
    if tool == "events":
        return f"events({_kwargs(namespace=ns, object=a.get('object'))})"
    if tool == "pod_logs" and a.get("name"):
        previous = _truthy(a.get("previous"))
        extra = _kwargs(namespace=ns, container=a.get("container"), previous=previous, tail=a.get("tail"))
        return f"logs({a['name']!r}" + (f", {extra})" if extra else ")")
    if tool == "find_problems":
        return f"problems({_kwargs(namespace=ns)})"
    if tool == "list_resources" and a.get("kind"):
        return f"frame({a['kind']!r}" + (f", {ns!r})" if ns else ")")
    if tool in _LISTS:
        method, _, namespaced = _LISTS[tool]
        return f"{method}({_kwargs(namespace=ns) if namespaced else ''})"
    return None


def python_call(tool: str, arguments: dict[str, Any] | None, cluster: str | None = None) -> str | None:
    """The ``holmes_nb`` expression that returns the same data as a DataFrame, or None."""
    method = _python_method(tool, dict(arguments or {}))
    if method is None:
        return None
    return f"holmes_nb.cluster({(cluster or None)!r}).{method}"


def _kubectl_logs(a: dict[str, Any]) -> list[str] | None:
    if not a.get("name"):
        return None
    cmd = ["logs", str(a["name"]), *(["-n", str(a["namespace"])] if a.get("namespace") else [])]
    if a.get("container"):
        cmd += ["-c", str(a["container"])]
    if _truthy(a.get("previous")):
        cmd.append("--previous")
    return [*cmd, f"--tail={a.get('tail') or 50}"]


def _kubectl_events(a: dict[str, Any]) -> list[str]:
    cmd = ["get", "events", *_ns_flag(a.get("namespace")), "--sort-by=.lastTimestamp"]
    target = str(a.get("object") or "")
    if target:
        cmd.append(f"--field-selector=involvedObject.name={target.rsplit('/', 1)[-1]}")
    return cmd


_KUBECTL: dict[str, Callable[[dict[str, Any]], list[str] | None]] = {
    "list_pods": lambda a: ["get", "pods", *_ns_flag(a.get("namespace")), "-o", "wide"],
    "events": _kubectl_events,
    "pod_logs": _kubectl_logs,
    "describe": lambda a: (
        ["describe", str(a["kind"]), str(a["name"]), *(["-n", str(a["namespace"])] if a.get("namespace") else [])]
        if a.get("kind") and a.get("name")
        else None
    ),
    "find_problems": lambda a: ["get", "pods", *_ns_flag(a.get("namespace")), "--field-selector=status.phase!=Running"],
    "list_resources": lambda a: ["get", str(a["kind"]), *_ns_flag(a.get("namespace"))] if a.get("kind") else None,
}


def kubectl_command(tool: str, arguments: dict[str, Any] | None) -> str | None:
    """The read-only ``kubectl`` command showing the same objects, or None."""
    a = dict(arguments or {})
    if tool in _LISTS:
        _, resources, namespaced = _LISTS[tool]
        args: list[str] | None = ["get", resources, *(_ns_flag(a.get("namespace")) if namespaced else [])]
    else:
        build = _KUBECTL.get(tool)
        args = build(a) if build else None
    if args is None:
        return None
    line = "kubectl " + " ".join(shlex.quote(x) for x in args)
    if tool == "pod_logs" and a.get("grep"):
        line += " | grep -E " + shlex.quote(str(a["grep"]))
    return line


def call_cell(record: Any, cluster: str | None) -> str | None:
    """One tool call as a code cell: a comment naming the step and tool, the kubectl command as a
    comment, and the Python call; None when the call has neither."""
    python, kubectl = (
        python_call(record.tool, record.arguments, cluster),
        kubectl_command(record.tool, record.arguments),
    )
    if python is None and kubectl is None:
        return None
    lines = [f"# step {record.step}: {record.tool}"]
    if kubectl:
        lines.append(f"# shell: {kubectl}")
    lines.append(python or f"# (no Python equivalent for {record.tool}; run the kubectl command above)")
    return "\n".join(lines)


def rerun_cells(inv: Any) -> list[str]:
    """The code of every tool call of ``inv`` (and of the investigations it followed, oldest first)
    that has an equivalent, identical calls once, preceded by ``import holmes_nb``."""
    chain: list[Any] = []
    node = inv
    while node is not None:
        chain.insert(0, node)
        node = getattr(node, "parent", None)
    cells: list[str] = []
    for link in chain:
        for record in link.calls:
            cell = call_cell(record, link.cluster)
            if cell is not None and cell not in cells:
                cells.append(cell)
    return ["import holmes_nb", *cells] if cells else []


def insert_cells(cells: list[str]) -> bool:
    """Put the cells below the running cell in a Jupyter front end (IPython's ``set_next_input``
    payload; JupyterLab inserts one cell per execution, so they go in one cell, separated by
    ``# %%`` markers). Returns False outside IPython. Never imports IPython itself."""
    import builtins

    get_ipython = getattr(builtins, "get_ipython", None)
    shell = get_ipython() if get_ipython is not None else None
    if shell is None or not cells:
        return False
    shell.set_next_input("\n\n# %%\n".join(cells), replace=False)
    return True
