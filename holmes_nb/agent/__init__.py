"""The agent: ask the model, run the tools it calls, repeat until it answers (no IPython here).

- loop.py        Agent: the loop, one step at a time, yielding events
- messages.py    every message sent to the model (system prompt, nudges, calls, results) and how
                 tool results are delivered (role "tool" or user messages), decided once
- state.py       the run state: the conversation, the budget, one phase
- calls.py       running the model's tool calls (concurrently), records and events
- safeguards.py  small-model safeguards: refused repeats, unknown tools, echoed prompts, narrated calls
- evidence.py    the answer from the evidence when the model gives none
- evidence_first.py, evidence_run.py
                 the evidence-first profile: holmes-nb gathers the evidence, a small model explains it
- sampling.py    grounded answer samples in that profile: keep the answer naming the root cause's details

    agent = Agent(LLMClient(entry), tools, max_steps=20, cluster_name="demo")
    inv = agent.run("what pods are failing?", on_event=print)
"""

from __future__ import annotations

from holmes_nb.agent.evidence import evidence_answer
from holmes_nb.agent.loop import Agent
from holmes_nb.agent.messages import EMPTY_NUDGE, FINAL_NUDGE, SYSTEM_PROMPT

__all__ = ["EMPTY_NUDGE", "FINAL_NUDGE", "SYSTEM_PROMPT", "Agent", "evidence_answer"]
