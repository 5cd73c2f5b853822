"""Evaluation suites: a YAML file of scenarios, each a cluster, a question and what a correct answer says.

    scenarios:
      - name: crash-env
        cluster: demo                  # any --cluster value; a relative path is relative to the suite file
        question: "Why does the checkout service keep restarting?"
        expect: ["PAYMENTS_API_URL"]   # regexes a correct answer must all match (case-insensitive)
        namespace: shop                # optional, as --namespace
        max_steps: 8                   # optional, as --max-steps

``load_suite("demo")`` is the suite shipped with holmes-nb, built on the demo cluster's planted failures.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from holmes_nb.errors import ConfigError

MAX_SUITE_BYTES = 1_000_000
_KEYS = {"name", "cluster", "question", "expect", "namespace", "max_steps"}


@dataclass(frozen=True)
class Scenario:
    name: str
    cluster: str
    question: str
    expect: tuple[re.Pattern[str], ...]
    namespace: str | None = None
    max_steps: int | None = None

    def missing(self, answer: str | None) -> list[str]:
        """The expected patterns the answer does not match (all of them for no answer)."""
        return [p.pattern for p in self.expect if not (answer and p.search(answer))]


@dataclass(frozen=True)
class Suite:
    scenarios: tuple[Scenario, ...]
    source: str  # the file it was read from, or "demo"

    def __len__(self) -> int:
        return len(self.scenarios)


def load_suite(spec: str | os.PathLike[str] | Suite) -> Suite:
    """Read a suite file (or ``"demo"``, the bundled one); a clear ConfigError for anything malformed."""
    if isinstance(spec, Suite):
        return spec
    if str(spec) == "demo":
        from importlib.resources import files

        text = (files("holmes_nb") / "data" / "demo-suite.yaml").read_text(encoding="utf-8")
        return parse_suite(text, source="demo", base=None)
    path = Path(os.path.expanduser(str(spec)))
    try:
        if path.stat().st_size > MAX_SUITE_BYTES:
            raise ConfigError(f"suite {path} is larger than {MAX_SUITE_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read suite {path}: {e}", hint="holmes-nb eval SUITE.yaml --model KEY") from None
    return parse_suite(text, source=str(path), base=path.parent)


def parse_suite(text: str, *, source: str = "<string>", base: Path | None = None) -> Suite:
    doc = _safe_yaml(text, f"suite {source}")
    items = doc.get("scenarios") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items:
        raise ConfigError(
            f"suite {source} has no scenarios", hint="a top-level `scenarios:` list; see docs/evaluation.md"
        )
    scenarios = [_scenario(item, i, source, base) for i, item in enumerate(items, 1)]
    names = [s.name for s in scenarios]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"suite {source}: scenario names must be unique; repeated: {', '.join(dupes)}")
    return Suite(tuple(scenarios), source)


def _scenario(item: Any, i: int, source: str, base: Path | None) -> Scenario:
    where = f"suite {source}, scenario {i}"
    if not isinstance(item, dict):
        raise ConfigError(f"{where} is not a mapping")
    unknown = sorted(set(map(str, item)) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(unknown)}", hint="keys: " + ", ".join(sorted(_KEYS)))
    name = _text(item, "name", where)
    where = f"suite {source}, scenario {name!r}"
    question = _text(item, "question", where)
    expect = item.get("expect")
    if isinstance(expect, str):
        expect = [expect]
    if not isinstance(expect, list) or not expect or not all(isinstance(e, str) and e for e in expect):
        raise ConfigError(f"{where}: `expect` must be a non-empty list of regexes")
    patterns = []
    for e in expect:
        try:
            patterns.append(re.compile(e, re.IGNORECASE))
        except re.error as err:
            raise ConfigError(f"{where}: bad regex {e!r}: {err}") from None
    cluster = str(item.get("cluster") or "demo")
    if base is not None and not _is_spec(cluster) and not os.path.isabs(os.path.expanduser(cluster)):
        cluster = str(base / cluster)
    steps = item.get("max_steps")
    if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= 100):
        raise ConfigError(f"{where}: `max_steps` must be a whole number from 1 to 100")
    namespace = item.get("namespace")
    return Scenario(name, cluster, question, tuple(patterns), str(namespace) if namespace else None, steps)


def _text(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: `{key}` must be a non-empty string")
    return value.strip()


def _is_spec(cluster: str) -> bool:
    return cluster in ("demo", "live") or cluster.startswith(("context:", "http://", "https://"))


def _safe_yaml(text: str, where: str) -> Any:
    """The document, aliases bounded and duplicate keys refused (holmes_nb.safe_yaml); errors as one line."""
    import yaml

    from holmes_nb.safe_yaml import load_config_yaml

    try:
        return load_config_yaml(text, where)
    except RecursionError:
        raise ConfigError(f"malformed YAML in {where}: nested too deeply") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"malformed YAML in {where}{line}: {getattr(e, 'problem', None) or e}") from None
