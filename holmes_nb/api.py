"""The Python API shared by the CLI and the notebook: configuration -> cluster -> tools -> agent.

inv = ask("what pods are failing?", model="openai/llama3", cluster="demo")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from holmes_nb.config import Config, load_config
from holmes_nb.investigation import Investigation
from holmes_nb.llm.client import ClientCache
from holmes_nb.llm.entry import ModelEntry
from holmes_nb.llm.replay import players, recorded_max_steps

#: model clients for the current settings, sharing what was learned about each server (reset())
clients = ClientCache()


def resolve_model(model: str | None = None, config: str | Config | None = None) -> ModelEntry:
    """The ModelEntry for ``model`` (a modelList key, a LiteLLM id, or None for the default)."""
    cfg = config if isinstance(config, Config) else load_config(config)
    return cfg.select(model)


def client_for(entry: ModelEntry):
    """An LLMClient for ``entry`` as given (its temperature, max_tokens, timeout), with what earlier
    clients learned about the same server and model (context size, tokenizer ratio) kept."""
    return clients.get(entry)


def default_tools(cluster, config: Config | None = None) -> list:
    """The Kubernetes tools plus the evidence tools (changes; metrics and alerts when available)."""
    from holmes_nb.tools.evidence import evidence_tools
    from holmes_nb.tools.kubernetes import kubernetes_tools

    return kubernetes_tools(cluster) + evidence_tools(cluster, config)


def ask(
    question: str,
    model: str | ModelEntry | None = None,
    *,
    cluster: Any = None,
    config: str | Config | None = None,
    max_steps: int | None = None,
    namespace: str | None = None,
    tools: list | None = None,
    toolsets: list[str] | None = None,
    on_event: Callable | None = None,
    previous: Investigation | None = None,
    notice: Callable[[str], None] | None = None,
    record: str | None = None,
    anonymize: bool = False,
    stream: bool = False,
) -> Investigation:
    """Investigate ``question`` and return the Investigation.

    ``cluster``: ``"demo"``, a snapshot path, ``"context:NAME"``, a Cluster, or None (kubeconfig,
    else demo). ``tools``, the ``@holmes_nb.tool`` functions and the tools of the HolmesGPT toolset
    files in ``toolsets`` are added to the Kubernetes toolset. On failure the raised HolmesError
    carries the partial Investigation as ``.investigation``. ``record``: a file that receives every
    model request and response of this run (keys masked), for ``model="replay/FILE"``.
    ``anonymize``: the model sees placeholders (``ns-1``, ``deploy-2``, ``ip-3``) instead of the
    cluster's names and IPs; the Investigation and the answer keep the real ones (holmes_nb.anonymize).
    A follow-up of an anonymized investigation stays anonymized. ``stream``: the model's replies
    reach ``on_event`` piece by piece as ``TextDelta`` events while they are generated.
    """
    from holmes_nb.agent import Agent
    from holmes_nb.cluster_spec import open_cluster
    from holmes_nb.tools.custom import merge_tools, registered_tools
    from holmes_nb.tools.toolsets_yaml import load_toolsets

    cfg = config if isinstance(config, Config) else load_config(config)
    entry = model if isinstance(model, ModelEntry) else cfg.select(model)
    target = open_cluster(cluster if cluster is not None else cfg.settings.get("cluster"), notice=notice)
    from holmes_nb.mcp import configured_tools

    extra = list(tools or []) + registered_tools() + load_toolsets(toolsets) + configured_tools(cfg, notice)
    toolset = merge_tools(default_tools(target, cfg), extra)
    client = client_for(entry)  # a replay/FILE entry reads its recording here
    if not max_steps and entry.replays:
        max_steps = recorded_max_steps(client.entry)
    steps = int(max_steps or cfg.settings.get("max_steps") or 20)
    anonymizer = previous.anonymizer if previous is not None else None
    if anonymize and anonymizer is None:
        from holmes_nb.anonymize import Anonymizer

        anonymizer = Anonymizer.from_cluster(target)
    agent = Agent(
        client,
        toolset,
        max_steps=steps,
        cluster_name=target.name,
        namespace=namespace or cfg.settings.get("namespace"),
        anonymizer=anonymizer,
        stream=stream,
    )
    if record:
        from holmes_nb.llm.record import record_run

        return record_run(record, agent, question, previous=previous, on_event=on_event)
    return agent.run(question, previous=previous, on_event=on_event)


def reset() -> None:
    """Forget what model clients learned about servers, and where replayed recordings stood."""
    clients.reset()
    players.reset()
