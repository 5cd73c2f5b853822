"""An LLM judge: a second verdict on an answer, beside the expected-words check (never instead of it).

The prompt (also in docs/evaluation.md) gives the judge the question, the facts a correct answer must
state (the scenario's ``expect`` patterns) and the answer, and asks for one JSON object. A judge that
replies with anything else gives no verdict (None) and says why.
"""

from __future__ import annotations

from typing import Any

from holmes_nb.evaluation.suite import Scenario

JUDGE_PROMPT = """You grade answers to Kubernetes troubleshooting questions.
Question: {question}
A correct answer names the root cause; it must state these facts (regular expressions): {facts}
Answer to grade:
<<<
{answer}
>>>
Reply with one JSON object and nothing else: {{"verdict": "pass" or "fail", "reason": "one sentence"}}.
"pass" only if the answer states the root cause the facts describe; restating symptoms is "fail"."""


def judge_prompt(scenario: Scenario, answer: str) -> str:
    facts = ", ".join(p.pattern for p in scenario.expect)
    return JUDGE_PROMPT.format(question=scenario.question, facts=facts, answer=answer[:6000])


def judge_answer(client: Any, scenario: Scenario, answer: str) -> tuple[str | None, str]:
    """(``"pass"`` | ``"fail"`` | None, the judge's reason or why there is no verdict)."""
    from holmes_nb.errors import HolmesError
    from holmes_nb.redact import scrub

    try:
        reply = client.complete([{"role": "user", "content": judge_prompt(scenario, scrub(answer))}], max_tokens=200)
    except HolmesError as e:
        return None, f"judge failed: {e}"
    return parse_verdict(reply.content)


def parse_verdict(text: str) -> tuple[str | None, str]:
    import json_repair

    data = json_repair.loads(_first_object(text or ""))
    verdict = str(data.get("verdict", "")).strip().lower() if isinstance(data, dict) else ""
    if verdict not in ("pass", "fail"):
        return None, "the judge gave no verdict: " + (text or "").strip()[:200]
    return verdict, str(data.get("reason") or "").strip()[:500]


def _first_object(text: str) -> str:
    start = text.find("{")
    end = text.rfind("}")
    return text[start : end + 1] if 0 <= start < end else text
