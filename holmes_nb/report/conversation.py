"""The whole conversation of a postmortem: every question (the first and each follow-up) with its
answer, the one-screen summary at the top, the findings grouped root causes first, and each
evidence table once.

    chain = conversation(inv)        # the first question's Investigation ... inv
    lines = summary_lines(chain, timeline)
"""

from __future__ import annotations

import re
from typing import Any

#: characters of an answer quoted in the summary
SUMMARY_CHARS = 400
#: root causes named under "What broke"
SUMMARY_CAUSES = 3
_FIX = re.compile(r"\b(fix|rollback|roll back|revert|restart|increase|raise|set|scale|patch|update|delete)\b", re.I)


def conversation(inv: Any) -> list[Any]:
    """The Investigations of ``inv``'s conversation, the first question first."""
    chain: list[Any] = []
    node, seen = inv, set()
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        chain.insert(0, node)
        node = getattr(node, "parent", None)
    return chain


def calls_of(chain: list[Any]) -> list[tuple[int, Any]]:
    """(question number, tool call) over the whole conversation."""
    return [(n, c) for n, inv in enumerate(chain, 1) for c in inv.calls]


def _frame_key(call: Any) -> str:
    return call.frame.to_csv(index=False)


def unique_tables(chain: list[Any]) -> list[tuple[int, Any, int]]:
    """(question number, call, times seen) for each call with a table, identical tables once."""
    out: dict[str, list] = {}
    for n, c in calls_of(chain):
        f = c.frame
        if f is None or not hasattr(f, "columns") or not len(f.columns):
            continue
        key = _frame_key(c)
        if key in out:
            out[key][2] += 1
        else:
            out[key] = [n, c, 1]
    return [tuple(v) for v in out.values()]


def findings_of(chain: list[Any]) -> Any:
    """Every analyzer finding the conversation's tools returned (find_problems frames), once each,
    root causes (no ``caused_by``) first, then what follows from them; None when there are none."""
    import pandas as pd

    frames = [c.frame for _, c in calls_of(chain) if c.frame is not None and _is_findings(c.frame)]
    if not frames:
        return None
    found = pd.concat(frames, ignore_index=True).drop_duplicates(subset=["kind", "namespace", "name", "reason"])
    rank = {"critical": 0, "warning": 1, "info": 2}
    found = found.assign(
        _root=found["caused_by"].isna() | (found["caused_by"].astype(str) == ""),
        _sev=found["severity"].map(rank).fillna(3),
    )
    found = found.sort_values(["_root", "_sev"], ascending=[False, True], kind="stable")
    return found.drop(columns=["_root", "_sev"]).reset_index(drop=True)


def _is_findings(frame: Any) -> bool:
    return hasattr(frame, "columns") and {"severity", "reason", "caused_by"} <= set(frame.columns)


def _first_paragraph(text: str | None) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip() and not p.strip().startswith("#")]
    first = " ".join(paragraphs[0].split()) if paragraphs else ""
    return first if len(first) <= SUMMARY_CHARS else first[: SUMMARY_CHARS - 1] + "…"


def _first_sentence(text: str | None) -> str:
    return re.split(r"(?<=[.!?])\s+|\n", (text or "").strip(), maxsplit=1)[0]


def _asked_about(roots: Any, chain: list[Any]) -> Any:
    """The root causes the conversation is about first: the object named in a question or an
    answer (``checkout`` for pod checkout-7f-x1), then the others in their order."""
    text = " ".join(f"{inv.question} {inv.answer or ''}" for inv in chain).lower()
    words = set(re.findall(r"[a-z0-9][a-z0-9-]*", text))
    named = roots["name"].astype(str).map(lambda n: n.lower() in text or n.lower().split("-")[0] in words)
    return roots.assign(_named=named).sort_values("_named", ascending=False, kind="stable").drop(columns="_named")


def _fix_sentence(chain: list[Any]) -> str:
    for inv in reversed(chain):
        for sentence in re.split(r"(?<=[.!])\s+|\n", inv.answer or ""):
            if _FIX.search(sentence) and not inv.fallback:
                return " ".join(sentence.strip(" -*").split())[:SUMMARY_CHARS]
    return ""


def _open_questions(chain: list[Any]) -> list[str]:
    out = []
    for n, inv in enumerate(chain, 1):
        first = inv.question.strip().splitlines()[0][:100] if inv.question.strip() else "?"
        if inv.status != "answered":
            out.append(f"question {n} ({first!r}) ended {inv.status}" + (f": {inv.error}" if inv.error else ""))
        elif inv.fallback:
            out.append(f"question {n} ({first!r}) has no model answer, only the evidence")
        out += [f"question {n}: {w}" for w in inv.warnings]
    failed = [c for _, c in calls_of(chain) if c.status != "ok"]
    if failed:
        out.append(f"{len(failed)} tool call(s) failed or were refused: " + ", ".join(sorted({c.tool for c in failed})))
    return out


def summary_lines(chain: list[Any], timeline: Any) -> list[str]:
    """The one-screen summary: what broke, since when, the cause, the fix, open questions."""
    findings = findings_of(chain)
    broke = ""
    if findings is not None and len(findings):
        roots = findings[findings["caused_by"].isna() | (findings["caused_by"].astype(str) == "")]
        roots = roots if len(roots) else findings
        broke = "; ".join(
            f"{r.kind} {r.namespace + '/' if r.namespace else ''}{r.name}: {r.reason}"
            for r in _asked_about(roots, chain).head(SUMMARY_CAUSES).itertuples()
        )
    answered = [inv for inv in chain if inv.answer and not inv.fallback]
    # the cause: the newest answer that is a diagnosis, not only a fix ("How do I fix it?" answers)
    diagnoses = [inv for inv in answered if not _FIX.search(_first_sentence(inv.answer))] or answered
    cause = _first_paragraph(diagnoses[-1].answer) if diagnoses else ""
    broke = broke or (_first_paragraph(answered[0].answer) if answered else "")
    since = ""
    if timeline is not None and len(timeline):
        from holmes_nb.report.timeline_marks import incident_window

        window = incident_window(timeline)
        if window is not None:
            since = f"{window[0]:%Y-%m-%d %H:%M}Z (problems until {window[1]:%H:%M}Z)"
    opened = _open_questions(chain)
    lines = [
        "## Summary",
        "",
        f"- **What broke:** {broke or 'not established'}",
        f"- **Since when:** {since or 'unknown (no timed evidence)'}",
        f"- **Cause:** {cause or 'not established'}",
        f"- **Fix:** {_fix_sentence(chain) or 'none proposed'}",
        f"- **Open questions:** {'none' if not opened else ''}",
    ]
    lines += [f"  - {q}" for q in opened]
    return lines + [""]
