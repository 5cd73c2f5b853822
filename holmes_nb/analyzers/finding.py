"""The :class:`Finding` record every analyzer returns, and its DataFrame form.

f = Finding("Pod", "shop", "web-1", "critical", "CrashLoopBackOff",
            "Container web exits with code 1 right after starting ...", ["restarts: 12"])
findings_frame([f])          # one row per finding
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from holmes_nb.redact import scrub

#: severities, most urgent first
SEVERITIES = ("critical", "warning", "info")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}

FRAME_COLUMNS = ["severity", "kind", "namespace", "name", "reason", "message", "evidence", "caused_by"]


@dataclass
class Finding:
    """One problem on one object, explained for a person and proven by evidence.

    ``kind`` is the object's kind ("Pod", "Deployment"), ``namespace`` is "" for cluster-scoped
    objects, ``reason`` a short CamelCase tag ("CrashLoopBackOff"), ``message`` one sentence that
    says what is wrong and what usually fixes it, ``evidence`` short strings (status fields,
    event messages, log lines) that show it.
    """

    kind: str
    namespace: str
    name: str
    severity: str
    reason: str
    message: str
    evidence: list[str] = field(default_factory=list)
    #: None for a root cause, else the :attr:`key` (``Kind/namespace/name``) of the finding this one follows from
    caused_by: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in _RANK:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        self.namespace = self.namespace or ""
        # the one place every finding passes through: whatever an analyzer quoted (a command line,
        # an event, a log line), the message and evidence are redacted here
        self.message = scrub(str(self.message))
        self.evidence = [scrub(str(e)) for e in self.evidence]

    @property
    def ref(self) -> str:
        """``Pod shop/web-1`` or ``Node worker-2``: how other findings and the UI name the object."""
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"

    @property
    def key(self) -> str:
        """``Pod/shop/web-1``, ``Node//worker-2``: what ``caused_by`` holds (namespace empty when cluster-scoped)."""
        return object_key(self.kind, self.namespace, self.name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sort_key(self) -> tuple:
        return (_RANK[self.severity], self.namespace, self.name, self.kind, self.reason)


def object_key(kind: str, namespace: str | None, name: str) -> str:
    return f"{kind}/{namespace or ''}/{name}"


def severity_at_least(severity: str, threshold: str) -> bool:
    """``severity_at_least("critical", "warning")`` is True: critical is as urgent as warning or more."""
    if threshold not in _RANK:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {threshold!r}")
    return _RANK[severity] <= _RANK[threshold]


def findings_frame(findings: Iterable[Finding]):
    """The findings as a pandas DataFrame (columns: severity, kind, namespace, name, reason, message,
    evidence, caused_by), evidence joined with "; " so the frame renders as a table; caused_by is
    None for a root cause, else the ``Kind/namespace/name`` of the finding it follows from."""
    import pandas as pd

    rows = [
        {**{c: getattr(f, c) for c in FRAME_COLUMNS if c != "evidence"}, "evidence": "; ".join(f.evidence)}
        for f in findings
    ]
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)
