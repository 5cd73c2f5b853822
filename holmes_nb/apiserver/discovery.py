"""Discovery for the snapshot API server: the version, the API groups, each group version's resource
list and a minimal OpenAPI v3, all derived from the kinds table (:mod:`holmes_nb.sources.kinds`).

    resource_list(("apps", "v1"), [k for k in KINDS if k.group == "apps"])
"""

from __future__ import annotations

from holmes_nb.apiserver.responses import Response, json_response, not_served
from holmes_nb.sources.kinds import KINDS

VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0",
    "gitCommit": "holmes-nb-replay",
    "gitTreeState": "clean",
    "buildDate": "2025-01-01T00:00:00Z",
    "goVersion": "go1.23",
    "compiler": "gc",
    "platform": "linux/amd64",
}
_CATEGORY_ALL = {
    "pods",
    "services",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
    "replicationcontrollers",
    "horizontalpodautoscalers",
}


def api_groups() -> list[dict]:
    groups: dict[str, list[str]] = {}
    for k in KINDS:
        if k.group and k.version not in groups.setdefault(k.group, []):
            groups[k.group].append(k.version)
    return [
        {
            "name": g,
            "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
            "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]},
        }
        for g, vs in groups.items()
    ]


def resource_list(gv: tuple[str, str], kinds) -> dict:
    resources = []
    for k in kinds:
        res = {
            "name": k.name,
            "singularName": k.singular,
            "namespaced": k.namespaced,
            "kind": k.kind,
            "verbs": ["get", "list"],
            "shortNames": list(k.short),
        }
        if k.name in _CATEGORY_ALL:
            res["categories"] = ["all"]
        resources.append(res)
        resources.append(
            {
                "name": f"{k.name}/status",
                "singularName": "",
                "namespaced": k.namespaced,
                "kind": k.kind,
                "verbs": ["get"],
            }
        )
        if k.name == "pods":
            resources.append(
                {"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get"]}
            )
    group_version = f"{gv[0]}/{gv[1]}" if gv[0] else gv[1]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}


def openapi_v3(rest: list[str]) -> Response:
    """A minimal OpenAPI v3: no schemas, only PATCH operations declaring ``fieldValidation``.

    That is what kubectl checks before a write (apply, create, patch) to choose server-side
    validation; with it, those commands reach the write and get the read-only 405 instead of
    failing early with "failed to download openapi"."""
    gvs = sorted({(k.group, k.version) for k in KINDS})
    if not rest:
        return json_response(
            {"paths": {_gv_path(g, v): {"serverRelativeURL": f"/openapi/v3/{_gv_path(g, v)}?hash=0"} for g, v in gvs}}
        )
    target = "/".join(rest)
    for g, v in gvs:
        if _gv_path(g, v) != target:
            continue
        paths = {}
        for k in KINDS:
            if (k.group, k.version) == (g, v):
                param = {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}
                gvk = [{"group": g, "version": v, "kind": k.kind}]
                paths[k.api_path("{namespace}", "{name}")] = {
                    "patch": {
                        "operationId": f"patch{k.kind}",
                        "parameters": [param],
                        "x-kubernetes-group-version-kind": gvk[0],
                        "responses": {},
                    }
                }
        return json_response(
            {
                "openapi": "3.0.0",
                "info": {"title": "holmes-nb replay", "version": "v1.32.0"},
                "paths": paths,
                "components": {"schemas": {}},
            }
        )
    return not_served()


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"
