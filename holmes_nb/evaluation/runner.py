"""Run every scenario of a suite on every model: ``holmes-nb eval`` and ``holmes_nb.evaluate()``.

    ev = holmes_nb.evaluate("demo", models=["local-llama", "openai/gpt-4o-mini"])
    ev.frame        # one row per run: scenario, model, passed, answer, fallback, steps, tool_calls, ...
    ev.summary()    # one row per model: pass rate, fallbacks, errors, median tokens and seconds
    ev.plot()       # pass rate and tokens per model

Runs are independent. Models run concurrently up to ``concurrency``, but the runs of one backend
(one ``api_base``, e.g. a local llama.cpp server) run one at a time. A run that fails is a row with
its error; Ctrl-C stops the evaluation and keeps every finished row (``ev.interrupted``).
A run passes when the model itself answered (not the evidence fallback), without error, and the answer
matches every ``expect`` regex; ``judge=KEY`` adds an LLM's verdict beside it (never replacing it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from holmes_nb.evaluation.runs import Interrupted, Run, run_question
from holmes_nb.evaluation.suite import Scenario, Suite, load_suite

COLUMNS = ["scenario", "model", "passed", "answer", "fallback", "steps", "tool_calls", "tokens", "seconds", "error"]
JUDGE_COLUMNS = ["judge", "judge_reason"]


@dataclass
class ScenarioRun:
    scenario: Scenario
    run: Run
    passed: bool = False
    missing: list[str] = field(default_factory=list)
    judge: str | None = None  # pass | fail | None (no judge, or it gave no verdict)
    judge_reason: str | None = None

    def to_dict(self, judged: bool = False) -> dict[str, Any]:
        row = {"scenario": self.scenario.name, **self.run.to_dict(), "passed": self.passed}
        out = {k: row[k] for k in COLUMNS}
        out["missing"] = self.missing
        out["status"] = self.run.status
        if judged:
            out.update(judge=self.judge, judge_reason=self.judge_reason)
        return out


def verdict(scenario: Scenario, run: Run) -> tuple[bool, list[str]]:
    """Passed, and the expected patterns the answer missed. A fallback or an error never passes."""
    missing = scenario.missing(run.answer)
    return (run.error is None and not run.fallback and run.status == "answered" and not missing), missing


def grade(answer: Any, scenario: str, suite: str | Suite = "demo") -> tuple[bool, list[str]]:
    """Grade one answer against a suite's scenario, as ``eval`` does: an Investigation passes only
    when the model itself answered (no fallback, no error, status answered) and its answer matches
    every ``expect`` pattern; a str is graded on its words alone. Returns (passed, missed patterns).

    ``grade(inv, "missing-secret-key")``; ``grade("the Secret lacks api-key", "missing-secret-key")``
    """
    from holmes_nb.errors import ConfigError

    chosen = next((s for s in load_suite(suite).scenarios if s.name == scenario), None)
    if chosen is None:
        raise ConfigError(f"no scenario {scenario!r} in the suite", hint="see holmes_nb/data/demo-suite.yaml")
    if isinstance(answer, str) or answer is None:
        missing = chosen.missing(answer)
        return not missing, missing
    run = Run(model=str(getattr(answer, "model", "")), error=answer.error, status=answer.status)
    run.answer, run.fallback = answer.answer, bool(answer.fallback)
    return verdict(chosen, run)


def evaluate(
    suite: str | Suite,
    models: Iterable[str],
    *,
    config: Any = None,
    concurrency: int = 1,
    judge: str | None = None,
    max_steps: int | None = None,
    on_run: Callable[[ScenarioRun], None] | None = None,
    notice: Callable[[str], None] | None = None,
) -> Evaluation:
    """Run every scenario of ``suite`` (a file, or ``"demo"``) on every model; see the module doc."""
    from holmes_nb.config import Config, load_config
    from holmes_nb.errors import ConfigError

    suite = load_suite(suite)
    models = [str(m) for m in (models or [])]
    if not models:
        raise ConfigError("evaluate() needs at least one model", hint='models=["local-llama"] or --model KEY')
    if concurrency < 1:
        raise ConfigError("concurrency must be at least 1")
    cfg = config if isinstance(config, Config) else load_config(config)
    judge_client = _judge_client(cfg, judge) if judge else None
    lanes = _lanes(cfg, models, suite)
    ev = Evaluation(suite=suite, models=models, judged=judge is not None)
    clusters = _Clusters(notice)
    lock = threading.Lock()
    stop = threading.Event()

    def run_lane(lane: list[tuple[str, Scenario]]) -> None:
        for model, scenario in lane:
            if stop.is_set():
                return
            result = _run(model, scenario, cfg, clusters, max_steps, judge_client)
            with lock:
                ev.runs.append(result)
            if on_run is not None:
                on_run(result)
            if result.run.status == "interrupted":
                stop.set()
                return

    try:
        if concurrency == 1 or len(lanes) == 1:
            for lane in lanes:
                run_lane(lane)
        else:
            pool = ThreadPoolExecutor(max_workers=min(concurrency, len(lanes)), thread_name_prefix="holmes-eval")
            futures = [pool.submit(run_lane, lane) for lane in lanes]
            try:
                while not all(f.done() for f in futures):  # short waits keep Ctrl-C reaching this thread
                    wait(futures, timeout=0.2)
            finally:
                pool.shutdown(wait=all(f.done() for f in futures), cancel_futures=True)
            for f in futures:
                f.result()  # a bug in the runner itself is not hidden
    except KeyboardInterrupt:
        stop.set()
    ev.interrupted = stop.is_set()
    order = {s.name: i for i, s in enumerate(suite.scenarios)}
    ev.runs.sort(key=lambda r: (models.index(r.run.model), order[r.scenario.name]))
    return ev


def _run(
    model: str, scenario: Scenario, cfg: Any, clusters: _Clusters, max_steps: int | None, judge: Any
) -> ScenarioRun:
    from holmes_nb.errors import HolmesError
    from holmes_nb.redact import scrub

    kwargs: dict[str, Any] = {"namespace": scenario.namespace, "max_steps": scenario.max_steps or max_steps}
    try:
        target = clusters.open(scenario.cluster)
    except HolmesError as e:
        run = Run(model=model, error=scrub(str(e)), status="failed")
    else:
        try:
            run = run_question(scenario.question, model, target, cfg, kwargs)
        except Interrupted as e:
            run = e.run
    passed, missing = verdict(scenario, run)
    result = ScenarioRun(scenario, run, passed, missing)
    if judge is not None and run.answer and run.status != "interrupted":
        from holmes_nb.evaluation.judge import judge_answer

        result.judge, result.judge_reason = judge_answer(judge, scenario, run.answer)
    return result


def _judge_client(cfg: Any, judge: str) -> Any:
    from holmes_nb.api import client_for

    return client_for(cfg.select(judge))


def _lanes(cfg: Any, models: list[str], suite: Suite) -> list[list[tuple[str, Scenario]]]:
    """Runs grouped by backend: one lane per api_base (or model id), run one after another."""
    from holmes_nb.errors import HolmesError

    lanes: dict[str, list[tuple[str, Scenario]]] = {}
    for model in models:
        try:
            entry = cfg.select(model)
            key = entry.api_base or entry.model
        except HolmesError:  # the run itself reports the configuration error as its row
            key = model
        lanes.setdefault(key, []).extend((model, s) for s in suite.scenarios)
    return list(lanes.values())


class _Clusters:
    """Each cluster spec opened once and shared by every run that names it."""

    def __init__(self, notice: Callable[[str], None] | None):
        self._open: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._notice = notice

    def open(self, spec: str) -> Any:
        from holmes_nb.cluster_spec import open_cluster

        with self._lock:
            if spec not in self._open:
                self._open[spec] = open_cluster(spec, notice=self._notice)
            return self._open[spec]


@dataclass
class Evaluation:
    """The runs of a suite on some models, with a summary and a plot."""

    suite: Suite
    models: list[str]
    judged: bool = False
    runs: list[ScenarioRun] = field(default_factory=list)
    interrupted: bool = False

    @property
    def frame(self):
        import pandas as pd

        cols = COLUMNS + (JUDGE_COLUMNS if self.judged else [])
        return pd.DataFrame([r.to_dict(self.judged) for r in self.runs], columns=cols)

    def summary(self):
        """One row per model: runs, passed, pass_rate, fallbacks, errors, median tokens and seconds."""
        import pandas as pd

        rows = []
        for model in self.models:
            mine = [r for r in self.runs if r.run.model == model]
            n = len(mine)
            row = {
                "model": model,
                "runs": n,
                "passed": sum(r.passed for r in mine),
                "pass_rate": round(sum(r.passed for r in mine) / n, 3) if n else 0.0,
                "fallbacks": sum(r.run.fallback for r in mine),
                "errors": sum(r.run.error is not None for r in mine),
                "median_tokens": _median([r.run.tokens for r in mine]),
                "median_seconds": _median([r.run.seconds for r in mine]),
            }
            if self.judged:
                row["judge_passed"] = sum(r.judge == "pass" for r in mine)
            rows.append(row)
        return pd.DataFrame(rows)

    def plot(self):
        """A matplotlib Figure: pass rate and median tokens per model, side by side."""
        import matplotlib.pyplot as plt

        summary = self.summary()
        fig, (rate, tokens) = plt.subplots(1, 2, figsize=(9, 1.2 + 0.5 * max(len(summary), 2)), layout="constrained")
        plt.close(fig)  # shown once, when returned in a notebook
        labels = list(summary["model"])
        rate.barh(labels, summary["pass_rate"] * 100, color="#2b8a3e")
        rate.set_xlim(0, 100)
        rate.set_xlabel("scenarios passed (%)")
        rate.set_title(f"Diagnosis on {self.suite.source} ({len(self.suite)} scenarios)")
        tokens.barh(labels, summary["median_tokens"], color="#1c7ed6")
        tokens.set_xlabel("median tokens per run")
        tokens.set_yticks([])
        return fig

    def to_json(self, path: str | None = None) -> str:
        """The runs as a JSON list (one object per run); written to ``path`` when given."""
        import json

        from holmes_nb.redact import scrub

        text = scrub(json.dumps([r.to_dict(self.judged) for r in self.runs], indent=2, default=str))
        if path:
            from pathlib import Path

            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def __repr__(self) -> str:
        passed = sum(r.passed for r in self.runs)
        state = ", interrupted" if self.interrupted else ""
        return f"<Evaluation {self.suite.source}: {passed}/{len(self.runs)} runs passed on {len(self.models)} model(s){state}>"

    def _repr_html_(self) -> str:
        return f"<p>{self.__repr__()[1:-1]}</p>" + self.summary().to_html(index=False)


def _median(values: list[float]) -> float:
    import statistics

    return float(statistics.median(values)) if values else 0.0
