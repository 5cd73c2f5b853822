"""``holmes-nb ask``: one investigation; progress on stderr, the answer on stdout."""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys

from holmes_nb.cli.common import add_model_options, stderr


def register(sub) -> None:
    p = sub.add_parser(
        "ask",
        help="investigate a question about the cluster",
        description="Ask a question; the model calls read-only Kubernetes tools and answers "
        "with evidence. Piped input is appended to the question.",
    )
    p.add_argument("question", nargs="*", help="the question (quote it)")
    add_model_options(p)
    p.add_argument("--cluster", help="demo | PATH to a snapshot | context:NAME (default: kubeconfig, else demo)")
    p.add_argument("-n", "--namespace", help="namespace to focus on")
    p.add_argument("--max-steps", type=int, metavar="N", help="model calls at most (default 20)")
    p.add_argument(
        "-t",
        "--custom-toolsets",
        action="append",
        metavar="FILE",
        help="HolmesGPT custom toolset YAML whose command tools the model may call (repeatable)",
    )
    p.add_argument("--prompt-file", metavar="FILE", help="read the question (or more of it) from a file")
    p.add_argument("--json-output-file", metavar="FILE", help="write the Investigation as JSON (also on failure)")
    p.add_argument(
        "--record", metavar="FILE", help="save every model request and response (keys masked) for --model replay/FILE"
    )
    p.add_argument(
        "--anonymize",
        action="store_true",
        help="the model sees placeholders (ns-1, deploy-2, ip-3) "
        "instead of names of namespaces, workloads, pods, nodes and IPs; the answer shows the real ones",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


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
    from holmes_nb.errors import ConfigError, HolmesError

    if args.max_steps is not None and args.max_steps < 1:
        raise ConfigError("--max-steps must be at least 1")
    question = _question(args)
    progress = None if args.quiet else ProgressPrinter()
    inv = None
    try:
        inv = ask(
            question,
            args.model,
            cluster=args.cluster,
            config=args.config,
            max_steps=args.max_steps,
            namespace=args.namespace,
            toolsets=args.custom_toolsets,
            on_event=progress,
            notice=lambda m: stderr(f"holmes-nb: {m}"),
            record=args.record,
            anonymize=args.anonymize,
        )
    except (HolmesError, KeyboardInterrupt) as e:
        inv = getattr(e, "investigation", None)
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

        print(scrub(inv.answer))
    else:
        stderr(f"holmes-nb: no answer: {inv.error}")
        return 1
    return 0


def _write_failure(path: str, question: str, error) -> None:
    """Nothing ran yet (e.g. bad config): still write a JSON record of the failure."""
    from holmes_nb.redact import scrub

    record = {"question": question, "status": "failed", "answer": None, "error": scrub(str(error)), "steps": []}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
        f.write("\n")


class ProgressPrinter:
    """Turns agent events into short progress lines on stderr."""

    def __call__(self, event) -> None:
        from holmes_nb import events as ev

        if isinstance(event, ev.StepStarted):
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
        elif isinstance(event, ev.Failed):
            stderr(f"  failed: {event.error}")

    def summary(self, inv) -> None:
        stderr(
            f"holmes-nb: {inv.status} by {inv.model_id} in {len(inv.steps)} steps, {len(inv.calls)} tool calls, "
            f"{inv.prompt_tokens + inv.completion_tokens} tokens" + (f", ${inv.cost:.4f}" if inv.cost else "") + "\n"
        )
