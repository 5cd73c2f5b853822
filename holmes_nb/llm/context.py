"""Learning a model's context window, so no request ever exceeds it.

Order: the entry's ``custom_args.max_context_size``; LiteLLM's model info (hosted models); the
server itself (llama.cpp ``GET /props`` -> ``default_generation_settings.n_ctx``, vLLM
``GET /v1/models`` -> ``max_model_len``); else an assumed 8192, corrected by the first
"maximum context length is N" error.

    info = discover_context(entry, get_litellm)   # ContextInfo(tokens=2048, source="server /props")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ASSUMED_CONTEXT = 8192


@dataclass
class ContextInfo:
    tokens: int
    source: str

    @property
    def assumed(self) -> bool:
        return self.source == "assumed"


def server_root(api_base: str) -> str:
    base = api_base.rstrip("/")
    return base[:-3] if base.endswith("/v1") else base


def http_get_json(url: str, api_key: str | None, timeout: float = 3.0) -> Any:
    """GET a JSON document from the model server (None on any failure). Trusts CERTIFICATE."""
    import httpx

    from holmes_nb.llm.tls import ca_bundle_path, ssl_context

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        with httpx.Client(timeout=timeout, verify=ssl_context(ca_bundle_path())) as client:
            r = client.get(url, headers=headers)
        if r.status_code != 200:
            return None
        return r.json()
    except Exception:
        return None


@dataclass
class ServerInfo:
    """What an OpenAI-compatible server says about itself (all fields optional)."""

    reachable: bool = False
    model_ids: list[str] = field(default_factory=list)
    owned_by: list[str] = field(default_factory=list)
    n_ctx: int | None = None  # llama.cpp /props
    max_model_len: dict[str, int] = field(default_factory=dict)  # vLLM-style /v1/models


def probe_server(api_base: str, api_key: str | None) -> ServerInfo:
    """GET /v1/models and /props once; never raises."""
    info = ServerInfo()
    models = http_get_json(api_base.rstrip("/") + "/models", api_key)
    if isinstance(models, dict) and isinstance(models.get("data"), list):
        info.reachable = True
        for m in models["data"]:
            if isinstance(m, dict) and m.get("id"):
                info.model_ids.append(str(m["id"]))
                info.owned_by.append(str(m.get("owned_by", "")))
                n = m.get("max_model_len") or m.get("context_length") or m.get("max_context_length")
                if isinstance(n, int) and n > 0:
                    info.max_model_len[str(m["id"])] = n
    props = http_get_json(server_root(api_base) + "/props", api_key)
    if isinstance(props, dict):
        info.reachable = True
        n = (props.get("default_generation_settings") or {}).get("n_ctx") or props.get("n_ctx")
        if isinstance(n, int) and n > 0:
            info.n_ctx = n
    return info


def context_from_server(info: ServerInfo, model_name: str) -> ContextInfo | None:
    if info.n_ctx:
        return ContextInfo(info.n_ctx, "server /props")
    if model_name in info.max_model_len:
        return ContextInfo(info.max_model_len[model_name], "server /v1/models")
    if len(info.max_model_len) == 1:
        return ContextInfo(next(iter(info.max_model_len.values())), "server /v1/models")
    return None


def discover_context(entry, get_litellm: Callable[[], Any], server: ServerInfo | None) -> ContextInfo:
    if entry.max_context_size:
        return ContextInfo(int(entry.max_context_size), "config (custom_args.max_context_size)")
    if server is not None:
        found = context_from_server(server, entry.model.split("/", 1)[-1])
        if found:
            return found
    hosted = not entry.api_base or "api.openai.com" in entry.api_base
    if hosted:
        try:
            info = get_litellm().get_model_info(entry.model)
            n = info.get("max_input_tokens") or info.get("max_tokens")
            if n:
                return ContextInfo(int(n), "LiteLLM model info")
        except Exception:
            pass
    return ContextInfo(ASSUMED_CONTEXT, "assumed")
