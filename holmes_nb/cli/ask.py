"""``holmes-nb ask``: one investigation; progress on stderr, the answer on stdout."""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys

from holmes_nb.cli.common import stderr
from holmes_nb.frontdoor.cli_args import add_command


def register(sub) -> None:
    add_command(sub, "ask").set_defaults(func=run)


def _question(args) -> str:
    from holmes_nb.errors import ConfigError

    parts = [" ".join(args.question).strip()]
    if args.prompt_file:
        try:
            with open(args.prompt_file, encoding="utf-8") as f:
                parts.append(f.read().strip())
        except OSError as e:
            raise ConfigError(f"cannot read --prompt-file {args.prompt_file}: {e.strerror}") from None
    piped = _read_stdin()
    if piped:
        parts.append(piped)
    question = "\n\n".join(p for p in parts if p)
    if not question:
        raise ConfigError("no question given", hint='holmes-nb ask "what pods are failing?"')
    return question


def _read_stdin() -> str:
    """Piped input (``kubectl logs x | holmes-nb ask "why?"``); never blocks on a terminal or open pipe."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return ""
    if not (stat.S_ISFIFO(mode) or stat.S_ISREG(mode)):
        return ""
    if stat.S_ISFIFO(mode):
        import select

        ready, _, _ = select.select([sys.stdin], [], [], 2.0)
        if not ready:
            return ""
    return sys.stdin.read().strip()


def run(args: argparse.Namespace) -> int:
    from holmes_nb.api import ask
    from holmes_nb.errors import HolmesError
    from holmes_nb.frontdoor.table import api_kwargs

    question = _question(args)
    progress = None if args.quiet else ProgressPrinter()
    inv = None
    try:
        inv = ask(
            question,
            **api_kwargs(vars(args)),
            on_event=progress,
            notice=lambda m: stderr(f"holmes-nb: {m}"),
            stream=progress is not None,
        )
    except HolmesError as e:
        inv = e.investigation
        raise
    except KeyboardInterrupt as e:
        inv = getattr(e, "investigation", None)  # the agent attaches the partial run
        raise
    finally:
        if args.json_output_file and inv is not None:
            inv.to_json(args.json_output_file)
        elif args.json_output_file:
            _write_failure(args.json_output_file, question, sys.exc_info()[1])
    if progress is not None:
        progress.summary(inv)
    if inv.answer:
        from holmes_nb.redact import scrub

        streamed = progress.streamed if progress is not None else None
        if streamed:
            streamed.finish()
        _print_answer(scrub(inv.answer), streamed.shown if streamed else "", streamed.earlier if streamed else [])
    else:
        stderr(f"holmes-nb: no answer: {inv.error}")
        return 1
    return 0


def _print_answer(answer: str, shown: str, earlier: list[str] | None = None) -> None:
    """The final answer on stdout, after the ``shown`` lines streamed there: only what they lack.
    ``earlier``: replies streamed before the last one (answer samples, agent/sampling.py)."""
    rest, marks = unshown(answer, shown)
    if rest is None:
        kept = any(unshown(answer, text)[0] == "" for text in earlier or [])
        stderr("holmes-nb: the answer kept is an earlier reply:" if kept else "holmes-nb: final answer (revised):")
        print(answer)
        return
    if rest:
        print(rest)
    if marks:
        stderr("holmes-nb: streamed lines above that quote pod logs (cluster data, not advice):")
        print("\n".join(marks))


def unshown(answer: str, shown: str) -> tuple[str | None, list[str]]:
    """What the final ``answer`` adds to the ``shown`` streamed lines: ``(rest, marks)``.

    ``rest`` is the answer after the streamed lines (``None`` when the answer differs from them beyond
    the log-quote marks: revised), ``marks`` the streamed lines the answer marks as quoting pod logs,
    each with its mark (a marked code block by its last line).
    """
    from holmes_nb.tools.k8s_logs import split_log_mark

    if answer.startswith(shown):
        return answer[len(shown) :], []
    streamed, lines = shown.split("\n")[:-1], answer.split("\n")
    marks: list[str] = []
    n = i = 0
    while n < len(streamed) and i < len(lines):
        text, mark = split_log_mark(lines[i])
        i += 1
        if mark and not text.strip() and n >= 2:  # a code block's mark, on the line after the fence
            marks.append(f'the code block ending "{streamed[n - 2].strip()[:60]}": {mark}')
        elif n == 0 and not text.strip():
            continue  # the stream skips leading blank lines
        elif text != streamed[n]:
            return None, []
        else:
            marks += [lines[i - 1]] if mark else []
            n += 1
    return ("\n".join(lines[i:]), marks) if n == len(streamed) else (None, [])


def _write_failure(path: str, question: str, error) -> None:
    """Nothing ran yet (e.g. bad config): still write a JSON record of the failure."""
    from holmes_nb.redact import scrub

    record: dict = {"question": question, "status": "failed", "answer": None, "error": scrub(str(error)), "steps": []}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
        f.write("\n")


class StreamedText:
    """The model's streamed text, printed to stdout a whole line at a time (each line scrubbed),
    unless it looks like a tool call written as text; ``shown`` is what the last reply printed."""

    HELD = ("<", "{", "[", "```", "functions.")

    def __init__(self) -> None:
        self.buffer = ""
        self.shown = ""
        self.earlier: list[str] = []  # what earlier replies printed

    def add(self, text: str) -> None:
        from holmes_nb.redact import scrub

        self.buffer += text
        if self.buffer.lstrip().startswith(self.HELD):
            return
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            if not self.shown and not line.strip():
                continue
            print(scrub(line), flush=True)
            self.shown += scrub(line) + "\n"

    def finish(self) -> None:
        """The reply ended: print its unfinished last line."""
        self.add("\n" if self.buffer.strip() else "")

    def new_reply(self) -> None:
        """A new model reply starts: the last one is printed whole (an answer sample set aside too),
        and what it printed is kept in ``earlier``."""
        self.finish()
        if self.shown:
            self.earlier.append(self.shown)
        self.buffer, self.shown = "", ""


class ProgressPrinter:
    """Turns agent events into short progress lines on stderr; streamed text goes to stdout."""

    def __init__(self) -> None:
        self.streamed = StreamedText()

    def __call__(self, event) -> None:
        from holmes_nb import events as ev

        if isinstance(event, ev.TextDelta):
            self.streamed.add(event.text)
        elif isinstance(event, ev.StepStarted):
            self.streamed.new_reply()
            tools = "" if event.tools_offered else ", tools withheld: final answer"
            stderr(f"[step {event.step}/{event.max_steps}] asking the model (~{event.prompt_tokens} tokens{tools})")
        elif isinstance(event, ev.ModelReplied):
            what = f"{event.tool_calls} tool call(s)" if event.tool_calls else "an answer"
            stderr(
                f"  model replied in {event.duration_s:.1f}s with {what} "
                f"({event.prompt_tokens}+{event.completion_tokens} tokens)"
            )
        elif isinstance(event, ev.ToolCallStarted):
            args = ", ".join(f"{k}={v}" for k, v in event.arguments.items())
            stderr(f"  -> {event.tool}({args})")
        elif isinstance(event, ev.ToolCallFinished):
            mark = "ok" if event.status == "ok" else event.status.upper()
            stderr(
                f"     {mark} {event.tool}: {event.summary[:90]} [{event.duration_ms:.0f} ms, {event.tokens} tokens]"
            )
        elif isinstance(event, ev.Notice):
            stderr(f"  note: {event.message}")
        elif isinstance(event, ev.Answered):
            return
        elif isinstance(event, ev.Failed):
            stderr(f"  failed: {event.error}")

    def summary(self, inv) -> None:
        stderr(
            f"holmes-nb: {inv.status} by {inv.model_id} in {len(inv.steps)} steps, {len(inv.calls)} tool calls, "
            f"{inv.prompt_tokens + inv.completion_tokens} tokens" + (f", ${inv.cost:.4f}" if inv.cost else "") + "\n"
        )
