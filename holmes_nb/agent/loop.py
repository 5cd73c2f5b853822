"""The agent loop: ask the model, run the tools it calls, repeat until it answers.

Never imports IPython. Yields events so any front end can show progress; on any failure or
Ctrl-C the Investigation so far is kept (``error.investigation``) and nothing fetched is lost.

    agent = Agent(LLMClient(entry), tools, max_steps=20, cluster_name="demo")
    inv = agent.run("what pods are failing?", on_event=print)
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime, timezone

from holmes_nb.agent.calls import CallRunner
from holmes_nb.agent.evidence import evidence_answer
from holmes_nb.agent.evidence_first import ANSWER_TOKENS, EVIDENCE_PROMPT, choose_profile, whole_sentences
from holmes_nb.agent.evidence_run import FOLLOW_UP_NOTE, NOTE, follow_up, gather
from holmes_nb.agent.messages import (
    EMPTY_NUDGE,
    FINAL_NUDGE,
    SYSTEM_PROMPT,
    Conversation,
    ResultDelivery,
    system_prompt,
)
from holmes_nb.agent.pump import pump
from holmes_nb.agent.safeguards import all_refused, copies_prompt, echoes_prompt, narrates_call, off_topic_answer
from holmes_nb.agent.state import RunState
from holmes_nb.anonymize import NO_ANONYMIZER, Masker, StreamRestore
from holmes_nb.errors import HolmesError, ModelError
from holmes_nb.events import Answered, Event, Failed, ModelReplied, Notice, StepStarted, TextDelta
from holmes_nb.investigation import Investigation, Step
from holmes_nb.llm.budget import Budget
from holmes_nb.llm.client import Completion, ContextOverflow, LLMClient
from holmes_nb.llm.compat import assign_ids, strip_thinking
from holmes_nb.redact import scrub
from holmes_nb.tools.base import Tool
from holmes_nb.tools.k8s_logs import mark_log_quotes


class Agent:
    def __init__(
        self,
        client: LLMClient,
        tools: list[Tool],
        *,
        max_steps: int = 20,
        system_prompt: str | None = None,
        cluster_name: str = "",
        namespace: str | None = None,
        max_parallel: int = 4,
        anonymizer: Masker | None = None,
        profile: str | None = None,
        stream: bool = False,
    ):
        if max_steps < 1:
            raise HolmesError("max_steps must be at least 1")
        self.client = client
        self.tools = {t.name: t for t in tools}
        self.max_steps = max_steps
        self.system_prompt = system_prompt or SYSTEM_PROMPT
        self.cluster_name = cluster_name
        self.namespace = namespace
        self.max_parallel = max_parallel
        #: hides names and IPs from the model and restores them in what people see (--anonymize)
        self.anonymizer = anonymizer or NO_ANONYMIZER
        #: "evidence-first", "standard", or None/"auto": the entry's, chosen from the server (agent/evidence_first.py)
        self.profile = profile
        #: stream each reply's text as TextDelta events (the Investigation is the same either way)
        self.stream = stream

    def run(
        self, question: str, *, previous: Investigation | None = None, on_event: Callable[[Event], None] | None = None
    ) -> Investigation:
        """Run to the end, calling ``on_event`` for each event; returns the Investigation.

        A failure raises a HolmesError whose ``.investigation`` holds everything done so far.
        """
        gen = self.iter_run(question, previous=previous)
        while True:
            try:
                event = next(gen)
            except StopIteration as stop:
                return stop.value
            if on_event is not None:
                try:
                    on_event(event)
                except KeyboardInterrupt as e:  # Stop while the live view draws: the run stops the same way
                    gen.throw(e)  # the loop marks it "stopped" and re-raises it with the partial run attached
                    raise

    # -- the loop -------------------------------------------------------------------------
    def iter_run(
        self, question: str, *, previous: Investigation | None = None
    ) -> Generator[Event, None, Investigation]:
        entry = self.client.entry
        inv = Investigation(
            question=question, model=entry.label, model_id=entry.public_id(), cluster=self.cluster_name, parent=previous
        )
        inv.anonymizer = self.anonymizer if self.anonymizer.active else None  # a follow-up keeps the placeholders
        state = self._start(inv, previous)
        try:
            ctx = self.client.context_info()
            inv.context_window, inv.context_source = ctx.tokens, ctx.source
            delivery = state.conversation.delivery
            if delivery.auto and delivery.start(self.client.server_info()):
                yield Notice(0, ResultDelivery.NOTICE)
            yield from self._evidence_first(state, 0 if ctx.assumed else ctx.tokens)
            for step in range(1, self.max_steps + 1):
                done = yield from self._step(state, step)
                if done:
                    break
            else:
                inv.status = "incomplete"
                inv.error = f"no answer after {self.max_steps} steps"
        except KeyboardInterrupt as e:
            inv.status, inv.error = "stopped", "stopped by the user"
            e.investigation = inv  # type: ignore[attr-defined]  # KeyboardInterrupt carries the run too
            _finish(inv, state)
            raise
        except HolmesError as e:
            inv.status, inv.error = "failed", str(e)
            e.investigation = inv
            _finish(inv, state)
            yield Failed(len(inv.steps), str(e))
            raise
        _finish(inv, state)
        return inv

    def _start(self, inv: Investigation, previous: Investigation | None) -> RunState:
        conversation = Conversation.start(
            inv.question,
            system=system_prompt(self.system_prompt, self.cluster_name, self.namespace),
            delivery=ResultDelivery(self.client.entry.tool_results),
            anonymizer=self.anonymizer,
            previous=previous.messages if previous is not None else None,
        )
        budget = Budget(self.client)
        if previous is not None:
            budget.adopt_previous(conversation.messages)
        return RunState(inv, previous, conversation, budget)

    def _evidence_first(self, state: RunState, window: int) -> Generator[Event, None, None]:
        configured = self.profile or self.client.entry.profile or "auto"
        profile = choose_profile(configured, self.client.server_info(), window)
        # the profile needs the analyzers: "auto" keeps the standard loop for a toolset without them
        # ... and a replay reproduces its recording, which auto cannot tell apart (see docs/local-model.md)
        needs = configured == "evidence-first" or ("find_problems" in self.tools and not self.client.entry.replays)
        if profile != "evidence-first" or not needs:
            return
        state.inv.profile = "evidence-first"
        runner = CallRunner(self.tools, self.anonymizer, self.client.count_text, self.max_parallel)
        if state.previous is not None:  # the conversation so far is the evidence
            yield Notice(0, FOLLOW_UP_NOTE)
            state.evidence_fallback = yield from follow_up(state, runner, set(self.tools), self.namespace)
        else:
            yield Notice(0, NOTE)
            system = system_prompt(EVIDENCE_PROMPT, self.cluster_name, self.namespace)
            state.evidence_fallback = yield from gather(state, runner, set(self.tools), self.namespace, system)
        state.evidence_first = True

    def _step(self, state: RunState, step: int) -> Generator[Event, None, bool]:
        inv, convo = state.inv, state.conversation
        # The answer is due at the last step, or when the phase says so (see state.py).
        last = step == self.max_steps or state.tools_withheld or state.evidence_first
        offer = bool(self.tools) and not last
        if last and inv.calls and convo.last_content != FINAL_NUDGE and not state.evidence_first:
            convo.nudge(FINAL_NUDGE)
            if state.circles:
                yield Notice(step, "the model is going in circles; asking for the answer without tools")
        schemas = [t.schema() for t in self.tools.values()] if offer else None
        estimate, max_tokens = state.budget.fit(state.messages, schemas, state.forget)
        if state.evidence_first:
            max_tokens = min(max_tokens, ANSWER_TOKENS)
        yield StepStarted(step, self.max_steps, estimate, offer)
        completion, max_tokens = yield from self._complete(state, step, schemas, max_tokens, estimate)
        record = Step(
            step,
            completion.prompt_tokens,
            completion.completion_tokens,
            completion.duration_s,
            completion.cost,
            tools_offered=offer,
            notes=list(completion.notes),
            max_tokens=max_tokens,
        )
        inv.steps.append(record)
        yield ModelReplied(
            step,
            completion.prompt_tokens,
            completion.completion_tokens,
            completion.duration_s,
            len(completion.tool_calls),
            completion.cost,
        )
        if convo.delivery.observe(completion.call_ids_seen):
            yield Notice(step, ResultDelivery.NOTICE)
        calls = completion.tool_calls if offer else []
        if not calls:
            content = completion.content
            if state.evidence_first and completion.finish_reason == "length":
                content = whole_sentences(content)
            return (yield from self._answer(state, step, content, record))
        record.content = strip_thinking(completion.content)
        assign_ids(calls, step)
        convo.add_calls(record.content, calls)
        sent, calls = calls, self.anonymizer.real_calls(calls)  # placeholders -> real names before tools run
        record.content = self.anonymizer.restore(record.content)
        runner = CallRunner(self.tools, self.anonymizer, self.client.count_text, self.max_parallel)
        results = yield from runner.run(state, step, calls, record)
        results = [(s, text) for s, (_, text) in zip(sent, results, strict=False)]  # the model sees its own arguments
        state.budget.mark_results(state.messages, convo.results(results), calls)
        state.after_calls(useless=all_refused(record.tool_calls))
        return False

    def _complete(
        self, state: RunState, step: int, schemas, max_tokens: int, estimate: int
    ) -> Generator[Event, None, tuple[Completion, int]]:
        """(completion, the max_tokens finally sent)."""
        try:
            return (yield from self._call(state, step, schemas, max_tokens, estimate)), max_tokens
        except ContextOverflow as e:
            # The server knows its window better than we do: learn it, shrink, retry once.
            if e.limit:
                self.client.learn_context_limit(e.limit)
                state.inv.context_window, state.inv.context_source = e.limit, "server error message"
            else:
                state.budget.shrink_window()
            estimate, max_tokens = state.budget.fit(state.messages, schemas, state.forget)
            try:
                return (yield from self._call(state, step, schemas, max_tokens, estimate)), max_tokens
            except ContextOverflow as again:
                raise ModelError(
                    f"the request still does not fit the context window: {again.message}",
                    hint="raise the server's context size (e.g. n_ctx) or set custom_args.max_context_size",
                ) from None

    def _call(self, state: RunState, step: int, schemas, max_tokens: int, estimate: int):
        """The model call, run aside so its streamed text and retry notices are yielded as they come."""

        def request(on_text, on_notice) -> Completion:
            return self.client.complete(
                state.messages,
                schemas,
                max_tokens=max_tokens,
                valid_names=list(self.tools),
                estimated_prompt=estimate,
                on_text=on_text,
                on_notice=on_notice,
                sampling=state.samples.sampling() if state.samples is not None else None,
            )

        # the model writes placeholders (--anonymize); the streamed text shows the names, like the answer
        restoring = StreamRestore(self.anonymizer) if self.anonymizer.active else None
        completion = yield from pump(
            request,
            lambda text: TextDelta(step, restoring.feed(text) if restoring else text) if self.stream else None,
            lambda message: Notice(step, message),
        )
        rest = restoring.flush() if restoring else ""
        if rest and self.stream:
            yield TextDelta(step, rest)
        return completion

    def _answer(self, state: RunState, step: int, content: str, record: Step) -> Generator[Event, None, bool]:
        inv = state.inv
        answer, rejected = strip_thinking(content), False
        if answer and echoes_prompt(answer, state.messages, inv.calls):
            yield Notice(step, "the model repeated the prompt instead of answering")
            answer, rejected = "", True
        elif answer and narrates_call(answer, self.tools):
            yield Notice(step, "the model described a tool call instead of answering")
            answer, rejected = "", True
        elif answer and state.evidence_first and copies_prompt(answer, state.messages):
            yield Notice(step, "the model copied the evidence instead of explaining it")
            answer, rejected = "", True
        if state.samples is not None:  # evidence-first: keep the answer that names the root cause
            chosen = yield from self._sampled(state, step, answer, record)
            if chosen is None:
                return False
            answer = chosen
        elif not answer and not state.asked_again and step < self.max_steps:
            state.ask_again(with_evidence=bool(inv.calls))  # with evidence: the answer, without tools
            if not inv.calls:
                state.conversation.nudge(EMPTY_NUDGE)
            yield Notice(step, "asking again" if rejected else "the model sent an empty reply; asking again")
            return False
        if not answer:
            answer = state.evidence_fallback or evidence_answer(inv)
            if not answer:
                raise ModelError("the model returned an empty reply", hint="check the server log; try another model")
            inv.fallback = True
            msg = "the model gave no usable answer; the answer shown is the evidence its tool calls gathered"
            inv.warnings.append(msg)
            yield Notice(step, msg)
        answer = mark_log_quotes(scrub(self.anonymizer.restore(answer)), inv.calls)  # an echoed key is masked
        kept = state.samples.best()[1] if state.samples is not None and not inv.fallback else step
        next((s for s in inv.steps if s.index == kept), record).content = answer  # the step that said it
        state.conversation.add_answer(answer)
        inv.answer, inv.status = answer, "answered"
        if not inv.fallback and off_topic_answer(inv, [self.cluster_name, self.namespace or ""]):
            inv.status = "doubtful"
            msg = "the answer mentions nothing of the question, the cluster or the evidence: treat it as doubtful"
            inv.warnings.append(msg)
            yield Notice(step, msg)
        if self.tools and not inv.calls and state.previous is None:
            msg = (
                "the model answered without calling any tool, so the answer is not based on cluster data; "
                "check its tool-calling support with `holmes-nb check-model`"
            )
            inv.warnings.append(msg)
            yield Notice(step, msg)
        yield Answered(step, answer)
        return True

    def _sampled(self, state: RunState, step: int, answer: str, record: Step) -> Generator[Event, None, str | None]:
        """Record this reply as a sample; None while another is due, else the answer kept ("" if none)."""
        samples = state.samples
        assert samples is not None
        samples.add(answer, step)
        record.content = scrub(self.anonymizer.restore(answer))
        if not samples.settled() and step < self.max_steps:
            yield Notice(step, samples.why_again())
            return None
        chosen, at = samples.best()
        if len(samples.candidates) > 1 and chosen:
            yield Notice(step, f"kept the answer of step {at}: it names the most of the root cause's details")
        if chosen and samples.keys and samples.best_score() < 1:
            msg = scrub(f"the answer names none of the root cause's details; the analyzers found: {samples.root}")
            state.inv.warnings.append(msg)
            yield Notice(step, msg)
        return chosen


def _finish(inv: Investigation, state: RunState) -> None:
    inv.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    inv.messages = state.messages
