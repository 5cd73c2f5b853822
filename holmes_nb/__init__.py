"""holmes-nb: investigate Kubernetes incidents from a notebook with any OpenAI-compatible LLM.

    %load_ext holmes_nb
    %holmes ask "what pods are failing?" --model=openai/llama3

Importing this package is cheap: LiteLLM, pandas and the kubernetes client load on first use.
"""

from __future__ import annotations

from holmes_nb._version import __version__

__all__ = [
    "__version__",
    "ask",
    "changes",
    "cluster",
    "compare",
    "evaluate",
    "investigate_alerts",
    "load_ipython_extension",
    "metrics",
    "tool",
]


def ask(question: str, **kwargs):
    """Run one investigation and return the :class:`~holmes_nb.investigation.Investigation`.

    ``holmes_nb.ask("what pods are failing?", model="openai/llama3", cluster="demo")``
    """
    from holmes_nb.api import ask as _ask

    return _ask(question, **kwargs)


def compare(question: str, models, **kwargs):
    """Run one question on several backends; a DataFrame with one row per model (a failing one gives an
    error row). ``holmes_nb.compare("what pods are failing?", models=["local-llama", "openai/gpt-4o"])``
    """
    from holmes_nb.evaluation.compare import compare as _compare

    return _compare(question, models, **kwargs)


def evaluate(suite, models, **kwargs):
    """Run every scenario of a suite (a YAML file, or ``"demo"``) on every model and return an
    :class:`~holmes_nb.evaluation.runner.Evaluation`: ``.frame`` (one row per run), ``.summary()``,
    ``.plot()``. ``holmes_nb.evaluate("demo", models=["local-llama"])``; see docs/evaluation.md."""
    from holmes_nb.evaluation.runner import evaluate as _evaluate

    return _evaluate(suite, models, **kwargs)


def cluster(spec: str | None = "demo"):
    """A cluster as DataFrames: ``holmes_nb.cluster("demo").pods()``, ``.events()``, ``.logs(pod)``,
    ``.nodes()``, ``.problems()``. ``spec``: ``"demo"``, a snapshot path, ``"context:NAME"``, None
    (kubeconfig, else demo). The result can be passed as ``cluster=`` to :func:`ask`."""
    from holmes_nb.cluster_spec import open_cluster
    from holmes_nb.frames.cluster_frames import ClusterFrames

    return ClusterFrames(open_cluster(spec))


def tool(func=None, *, name: str | None = None, description: str | None = None):
    """Offer a function to the model in every later ask: ``@holmes_nb.tool`` or ``@holmes_nb.tool(name=...)``.

    Returns the function unchanged (its Tool is ``func.tool``); see :mod:`holmes_nb.tools.custom`.
    """
    from holmes_nb.tools.custom import tool as _tool

    return _tool(func, name=name, description=description)


def load_ipython_extension(ipython):
    from holmes_nb.notebook import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):
    from holmes_nb.notebook import unload_ipython_extension as _unload

    _unload(ipython)


def metrics(query: str, start="-1h", end=None, step=None, *, cluster=None, prometheus_url: str | None = None):
    """A PromQL range query as a tidy DataFrame (timestamp, value, metric, label columns), no LLM.

    ``holmes_nb.metrics('container_memory_working_set_bytes{namespace="shop"}', start="-6h")``.
    Uses ``prometheus_url``, else the configured Prometheus (PROMETHEUS_URL or the
    ``toolsets: prometheus/metrics`` config), else the series frozen in ``cluster`` (a snapshot
    or "demo"). ``.attrs["summary"]`` holds the text the model would read; ``plot_metrics(df)``
    (holmes_nb.report.metrics_plot) draws it.
    """
    from holmes_nb.evidence import metrics as _metrics

    return _metrics(query, start, end, step, cluster=cluster, prometheus_url=prometheus_url)


def changes(cluster="demo", namespace: str | None = None, name: str | None = None):
    """What changed (rollouts with pod template diffs, Helm releases, edits) as a DataFrame, newest first."""
    from holmes_nb.evidence import changes as _changes

    return _changes(cluster, namespace, name)


def investigate_alerts(alertmanager_url: str | None = None, **kwargs):
    """One investigation per firing alert: ``(DataFrame, [Investigation, ...])``; see
    :func:`holmes_nb.alert_runs.investigate_alerts` (model=, cluster=, matchers=, concurrency=)."""
    from holmes_nb.alert_runs import investigate_alerts as _run

    return _run(alertmanager_url, **kwargs)
