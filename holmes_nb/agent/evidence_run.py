"""Running the evidence-first profile's gathering before the model's first step (see
agent/evidence_first.py for the why): the calls are real tool calls, recorded in step 0 of the
Investigation, and their gist becomes the one user message the model answers.

    fallback = yield from gather(state, runner, tools, namespace, system)
    fallback = yield from follow_up(state, runner, tools, namespace)   # a follow-up question

A follow-up keeps the conversation so far (the evidence is in it, and llama.cpp's prompt cache
reuses it whole) and asks without tools too: the question's own subject when it names one (its
describe, logs and events are gathered if no earlier run had them), else the subject asked about
before, restated as the root cause; the answer is sampled and grounded like the first one.
"""

from __future__ import annotations

import json
from collections.abc import Generator

from holmes_nb.agent.calls import CallRunner
from holmes_nb.agent.evidence_first import (
    evidence_message,
    fallback_answer,
    finding_line,
    findings_text,
    first_calls,
    follow_up_message,
    object_calls,
    pick_subject,
)
from holmes_nb.agent.sampling import AnswerSamples, key_terms
from holmes_nb.agent.state import RunState
from holmes_nb.events import Event
from holmes_nb.investigation import Investigation, Step
from holmes_nb.redact import scrub

#: share of the window the gathered evidence may use (the rest: prompt, question, answer)
EVIDENCE_SHARE = 0.45
#: the root cause restated before the question is cut to this many tokens
ROOT_TOKENS = 160
#: tokens a follow-up keeps free for the question and the answer when it adds evidence
ANSWER_ROOM = 600
NOTE = "evidence-first profile: holmes-nb gathered the evidence; the model explains it"
FOLLOW_UP_NOTE = "evidence-first follow-up: the conversation so far is the evidence; the model answers without tools"


def gather(
    state: RunState, runner: CallRunner, tools: set[str], namespace: str | None, system: str
) -> Generator[Event, None, str]:
    """Run the evidence calls into step 0, rewrite the conversation as (``system``, evidence + question);
    returns the findings-based fallback answer ("" when the analyzers matched nothing)."""
    inv = state.inv
    record = Step(0, tools_offered=False, notes=[NOTE])
    inv.steps.append(record)
    chain, findings = [], ""
    if "find_problems" in tools:
        yield from _run(state, runner, first_calls(namespace), record)
        problems = record.tool_calls[0]
        chain = pick_subject(inv.question, problems.frame) if problems.status == "ok" else []
        # the root cause only: measured on SmolLM2, with its consequences ("Deployment checkout has
        # 0/2 replicas available") listed too it restated those instead (docs/local-model.md)
        findings = findings_text(chain[:1]) if chain else problems.text
    extras: list[tuple[str, str]] = []
    if chain:
        results = yield from _run(state, runner, object_calls(chain[0], tools, state.budget.window), record)
        extras = [(_title(c.name, c.arguments), text) for c, text in results if text.strip()]
    budget = state.budget
    room = int(budget.window * EVIDENCE_SHARE)
    findings, _ = budget.cut(findings, max(120, room // 2))
    share = max(80, (room - budget.client.count_text(findings)) // max(1, len(extras)))
    extras = [(title, budget.cut(text, share)[0]) for title, text in extras]
    root = budget.cut(finding_line(chain[0]), ROOT_TOKENS)[0] if chain else ""
    state.samples = AnswerSamples(key_terms(chain[0]), root) if chain else AnswerSamples([])
    hide = state.conversation.hide.hide
    messages = state.conversation.messages
    messages[0] = {"role": "system", "content": hide(system)}
    message = evidence_message(scrub(inv.question), findings, extras, root)
    messages[-1] = {"role": "user", "content": hide(message)}
    return fallback_answer(findings_text(chain)) if chain else ""


def follow_up(
    state: RunState, runner: CallRunner, tools: set[str], namespace: str | None
) -> Generator[Event, None, str]:
    """A follow-up question (``state.previous`` is set) in the evidence-first profile; returns the
    findings-based fallback answer ("" when no subject is known)."""
    inv, previous = state.inv, state.previous
    assert previous is not None
    record = Step(0, tools_offered=False, notes=[FOLLOW_UP_NOTE])
    inv.steps.append(record)
    frame = _earlier_problems(previous, namespace)
    if frame is None and "find_problems" in tools:  # not read yet in this scope (a standard run, another namespace)
        yield from _run(state, runner, first_calls(namespace), record)
        problems = record.tool_calls[0]
        frame = problems.frame if problems.status == "ok" else None
    chain = pick_subject(inv.question, frame) or _earlier_subject(previous, frame)
    extras: list[tuple[str, str]] = []
    if chain:
        had = {_signature(c.tool, c.arguments) for run in _lineage(previous) for c in run.calls}
        calls = [
            c for c in object_calls(chain[0], tools, state.budget.window) if _signature(c.name, c.arguments) not in had
        ]
        results = yield from _run(state, runner, calls, record)
        extras = [(_title(c.name, c.arguments), text) for c, text in results if text.strip()]
    budget, messages = state.budget, state.conversation.messages
    if extras:  # what is left of the window after the conversation, the question and the answer
        room = budget.window - sum(budget.client.count_text(str(m.get("content") or "")) for m in messages)
        share = max(80, int((room - ANSWER_ROOM) * EVIDENCE_SHARE) // len(extras))
        extras = [(title, budget.cut(text, share)[0]) for title, text in extras]
    root = budget.cut(finding_line(chain[0]), ROOT_TOKENS)[0] if chain else ""
    state.samples = AnswerSamples(key_terms(chain[0]), root) if chain else AnswerSamples([])
    message = follow_up_message(scrub(inv.question), extras, root)
    messages[-1] = {"role": "user", "content": state.conversation.hide.hide(message)}
    return fallback_answer(findings_text(chain)) if chain else ""


def _lineage(run: Investigation | None):
    """The run and the runs it followed, newest first."""
    while run is not None:
        yield run
        run = run.parent


def _earlier_problems(previous: Investigation, namespace: str | None):
    """The analyzers' findings an earlier run of the conversation read for ``namespace`` (the newest), or None."""
    for run in _lineage(previous):
        for c in run.calls:
            same_scope = c.arguments.get("namespace") == namespace
            if c.tool == "find_problems" and c.status == "ok" and c.frame is not None and same_scope:
                return c.frame
    return None


def _earlier_subject(previous: Investigation, frame) -> list[dict]:
    """The subject of the newest earlier question that named one."""
    for run in _lineage(previous):
        chain = pick_subject(run.question, frame)
        if chain:
            return chain
    return []


def _signature(tool: str, args: dict) -> str:
    return tool + json.dumps(args, sort_keys=True)


def _run(state: RunState, runner: CallRunner, calls: list, record: Step) -> Generator[Event, None, list]:
    batch = Step(0)  # the runner orders a record's calls by this batch
    results = yield from runner.run(state, 0, calls, batch)
    record.tool_calls.extend(batch.tool_calls)
    return results


def _title(tool: str, args: dict) -> str:
    return {"describe": "Describe", "pod_logs": "Logs of the previous run", "events": "Events"}.get(tool, tool) + (
        f" {args.get('kind', 'pod')}/{args.get('name') or args.get('object', '')}" if tool != "events" else ""
    )
