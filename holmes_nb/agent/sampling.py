"""Grounded answer sampling for the evidence-first profile: ask a small model again when its answer
names none of the root cause's details, and keep the answer that names the most.

Measured on SmolLM2-135M (docs/local-model.md): its temperature-0 answer names the root cause's key
detail (the missing env var, the Secret key, the image tag) in about half of the demo scenarios; a
few more answers sampled at temperature 0.7 (same prompt, so llama.cpp reuses the whole prompt
cache and only the new tokens cost time) name it in most of the rest. Which answer is kept is decided
by the evidence, never by the question's expected answer: the details are the distinctive values of
the analyzers' root-cause finding (quoted names, values with digits, dots, underscores or ``=``).

    samples = AnswerSamples(key_terms(root_finding))
    samples.add(answer, step)                 # "" for an unusable reply
    if not samples.settled(): ask again with samples.sampling()
    answer, step = samples.best()
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: answers asked for at most (the first at the entry's own temperature)
SAMPLES = 4
#: the temperature of the later samples (each with its own seed, so runs stay repeatable)
SAMPLE_TEMPERATURE = 0.7

_QUOTED = re.compile(r"""['"]([^'"\s]{2,80})['"]""")
_TOKEN = re.compile(r"[A-Za-z0-9][\w.:/=@-]*\w")
_TIME = re.compile(r"\d{4}-\d\d-\d\d.*|\d{1,2}:\d\d(:\d\d)?(\.\d+)?|\d\d\.\d{3}")
_MADE_UP = re.compile(r"```|Traceback \(most recent call last\)")


def key_terms(root: dict[str, Any]) -> list[str]:
    """The root-cause finding's distinctive details: quoted values and tokens with digits,
    underscores, dots or ``=``, whole and split at ``/ : @ =`` (``ghcr.io/acme/web:2.41`` gives
    ``2.41`` too; ``db.data.svc.cluster.local`` gives ``db``); never the object's own name, its
    namespace, a short word or a time."""
    text = str(root.get("message") or "")
    found = set(_QUOTED.findall(text))
    found.update(t for t in _TOKEN.findall(text) if re.search(r"[\d_=.]", t.strip(".")))
    name, namespace = str(root.get("name", "")), str(root.get("namespace") or "")
    terms: set[str] = set()
    for whole in found:
        whole = whole.strip(".,;:")
        parts = [whole, *re.split(r"[/:@=]", whole)]
        parts += [p.split(".svc")[0].split(".")[0] for p in parts if ".svc" in p]  # a Service's DNS name
        for part in parts:
            if _keep(part, name, namespace):
                terms.add(part)
    return sorted(terms)


def _keep(part: str, name: str, namespace: str) -> bool:
    """A detail is 3+ characters (a port such as 8080 counts; 1 or 33 is noise), 4+ for a plain word
    (`app` of app=web), and not the object's name, its namespace or a time."""
    if len(part) < (4 if part.isalpha() else 3) or _TIME.fullmatch(part):
        return False
    return part not in (namespace, name) and not name.startswith(part)


def grounding(answer: str, keys: list[str]) -> int:
    """How many of ``keys`` the answer names (case-insensitive), less 3 for made-up code or a
    traceback (a 135M model invents those when it drifts)."""
    low = answer.lower()
    return sum(1 for k in keys if k.lower() in low) - (3 if _MADE_UP.search(answer) else 0)


@dataclass
class AnswerSamples:
    keys: list[str]
    root: str = ""  # the root-cause finding as a sentence (shown when no answer names its details)
    limit: int = SAMPLES
    #: (score, step, answer) per reply; an unusable reply has answer "" and never wins
    candidates: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, answer: str, step: int) -> None:
        score = grounding(answer, self.keys) if answer else -99
        self.candidates.append((score, step, answer))

    def settled(self) -> bool:
        """Done asking: an answer names two of the details (the one, when there is one; measured:
        one of several was often a side detail, such as the healthy StorageClasses next to the
        missing one), or there are no details and one is usable, or the limit is reached."""
        if len(self.candidates) >= self.limit:
            return True
        best = self.best_score()
        return best >= min(2, len(self.keys)) if self.keys else best > -99

    def best_score(self) -> int:
        return max((c[0] for c in self.candidates), default=-99)

    def best(self) -> tuple[str, int]:
        """(answer, step) with the highest score, the earliest on a tie; ("", 0) when none was usable."""
        usable = [c for c in self.candidates if c[2]]
        if not usable:
            return "", 0
        score, step, answer = max(usable, key=lambda c: (c[0], -c[1]))
        return answer, step

    def sampling(self) -> dict[str, Any]:
        """Request settings of the next sample: the first reply keeps the entry's own."""
        n = len(self.candidates)
        return {} if n == 0 else {"temperature": SAMPLE_TEMPERATURE, "seed": n}

    def why_again(self) -> str:
        n, last = len(self.candidates), self.candidates[-1]
        what = "gave no usable answer" if not last[2] else "names none of the root cause's details"
        if last[2] and last[0] > 0:
            what = f"names only {last[0]} of the root cause's details"
        return f"the answer {what}; asking for another one ({n + 1} of {self.limit})"
