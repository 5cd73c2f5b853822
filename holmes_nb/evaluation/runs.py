"""One question on one backend, as a row: what compare() and evaluate() both tabulate.

A failing run (unreachable server, bad key, a library fault) is a row with its error, never an
exception: one backend's failure must not stop the others.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Run:
    model: str
    answer: str | None = None
    fallback: bool = False  # the model gave no usable answer; holmes-nb showed the evidence instead
    steps: int = 0
    tool_calls: int = 0
    tokens: int = 0
    seconds: float = 0.0
    error: str | None = None
    status: str = "not run"  # the Investigation's status: answered | failed | interrupted | incomplete
    investigation: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("investigation")
        return out


def run_question(question: str, model: Any, target: Any, cfg: Any, ask_kwargs: dict[str, Any]) -> Run:
    """Ask ``question`` of ``model`` (a key, a LiteLLM id or a ModelEntry) on an opened cluster."""
    from holmes_nb.api import ask
    from holmes_nb.errors import HolmesError
    from holmes_nb.redact import scrub

    label = getattr(model, "key", None) or str(model)
    start = time.perf_counter()
    inv, error = None, None
    try:
        inv = ask(question, model, cluster=target, config=cfg, **ask_kwargs)
        if not inv.ok:
            error = inv.error or inv.status
    except HolmesError as e:
        inv, error = e.investigation, str(e)
    except KeyboardInterrupt as e:  # the caller decides whether to stop; this row says what happened
        inv, error = getattr(e, "investigation", None), "interrupted by the user"
        run = _row(label, inv, error, start, scrub)
        run.status = "interrupted"
        raise Interrupted(run) from None
    except Exception as e:  # a library failure in one backend must not stop the others
        error = f"{type(e).__name__}: {e}"
    return _row(label, inv, error, start, scrub)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run: still a KeyboardInterrupt, carrying the run's row (status "interrupted")."""

    def __init__(self, run: Run):
        super().__init__("interrupted by the user")
        self.run = run


def _row(label: str, inv: Any, error: str | None, start: float, scrub: Any) -> Run:
    run = Run(model=label, seconds=round(time.perf_counter() - start, 2), error=scrub(error) if error else None)
    if inv is not None:
        run.investigation = inv
        run.status = inv.status
        run.answer = inv.answer
        run.fallback = bool(getattr(inv, "fallback", False))
        run.steps = len(inv.steps)
        run.tool_calls = len(inv.calls)
        run.tokens = inv.prompt_tokens + inv.completion_tokens
    elif error:
        run.status = "failed"
    return run
