"""holmes-nb: investigate Kubernetes incidents from a notebook with any OpenAI-compatible LLM.

    %load_ext holmes_nb
    %holmes ask "what pods are failing?" --model=openai/llama3

Importing this package is cheap: LiteLLM, pandas and the kubernetes client load on first use.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "ask", "cluster", "load_ipython_extension"]


def ask(question: str, **kwargs):
    """Run one investigation and return the :class:`~holmes_nb.investigation.Investigation`.

    ``holmes_nb.ask("what pods are failing?", model="openai/llama3", cluster="demo")``
    """
    from .api import ask as _ask

    return _ask(question, **kwargs)


def cluster(spec: str | None = "demo"):
    """Open a cluster (``"demo"``, a snapshot path, ``"context:NAME"``) for DataFrame access."""
    from .cluster import open_cluster

    return open_cluster(spec)


def load_ipython_extension(ipython):  # pragma: no cover - exercised through IPython in tests
    from .notebook import load_ipython_extension as _load

    _load(ipython)
