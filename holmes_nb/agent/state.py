"""The state of one run: the conversation, the context budget, the calls seen, and one phase.

The phase says whether tools are still offered and whether an unusable reply (empty, an echo of
the prompt, a narrated call) was already asked again:

    INVESTIGATING --unusable reply--> ASKED_AGAIN            (tools still offered; EMPTY_NUDGE)
          |  \\--unusable reply with evidence in hand--> LAST_CHANCE
          \\--two steps of only refused/unknown calls--> ANSWER_DUE --unusable reply--> LAST_CHANCE

In ANSWER_DUE and LAST_CHANCE tools are withheld; in ASKED_AGAIN and LAST_CHANCE the next unusable
reply ends the run (the evidence answer). The last step always withholds tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from holmes_nb.agent.messages import Conversation
from holmes_nb.agent.sampling import AnswerSamples
from holmes_nb.investigation import Investigation
from holmes_nb.llm.budget import Budget

#: steps in a row whose calls were all refused or unknown before the answer is asked for
CIRCLING_LIMIT = 2


class Phase(Enum):
    INVESTIGATING = "investigating"
    ASKED_AGAIN = "asked again"
    ANSWER_DUE = "answer due"
    LAST_CHANCE = "last chance"


@dataclass
class RunState:
    inv: Investigation
    previous: Investigation | None
    conversation: Conversation
    budget: Budget
    phase: Phase = Phase.INVESTIGATING
    circling: int = 0  # steps in a row whose calls were all refused or unknown
    seen: dict[str, int] = field(default_factory=dict)  # call signature -> the step that made it
    evidence_first: bool = False  # holmes-nb gathered the evidence (agent/evidence_run.py); no tools offered
    evidence_fallback: str = ""  # the findings shown when the model still gives no usable answer
    samples: AnswerSamples | None = None  # evidence-first: the answers so far, kept by their grounding

    @property
    def messages(self) -> list[dict]:
        return self.conversation.messages

    @property
    def tools_withheld(self) -> bool:
        return self.phase in (Phase.ANSWER_DUE, Phase.LAST_CHANCE)

    @property
    def asked_again(self) -> bool:
        return self.phase in (Phase.ASKED_AGAIN, Phase.LAST_CHANCE)

    @property
    def circles(self) -> bool:
        return self.circling >= CIRCLING_LIMIT

    def after_calls(self, useless: bool) -> None:
        """A step's calls ran: a second step in a row of only refused or unknown calls means the
        model goes in circles (small models loop like that), so the answer is due."""
        self.circling = self.circling + 1 if useless else 0
        if self.circles:
            self.phase = Phase.LAST_CHANCE if self.asked_again else Phase.ANSWER_DUE

    def ask_again(self, with_evidence: bool) -> None:
        """An unusable reply is asked again once; with evidence in hand, without tools."""
        withhold = with_evidence or self.tools_withheld
        self.phase = Phase.LAST_CHANCE if withhold else Phase.ASKED_AGAIN

    def forget(self, signature: str) -> None:
        """A result was cut from the conversation: let the model call that tool again."""
        self.seen.pop(signature, None)
