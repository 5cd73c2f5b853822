"""Parse ``%holmes`` lines: a subcommand, flags before or after the question, the question raw.

Questions are taken as typed: no ``$var``/``{x}`` expansion (the magic is ``no_var_expand``),
quotes optional, apostrophes fine (``shlex`` is never run on the question), one pair of
surrounding quotes removed. Flags may lead or trail the question::

    parse('ask "what pods are failing?" --model=openai/llama3')
    # Command(name='ask', options={'model': 'openai/llama3'}, text='what pods are failing?')
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from IPython.core.error import UsageError

#: flag -> (option name, value type); ``bool`` flags take no value
FLAGS: dict[str, tuple[str, type]] = {
    "--model": ("model", str),
    "-m": ("model", str),
    "--cluster": ("cluster", str),
    "-c": ("cluster", str),
    "--namespace": ("namespace", str),
    "-n": ("namespace", str),
    "--max-steps": ("max_steps", int),
    "--config": ("config", str),
    "--custom-toolsets": ("toolsets", list),
    "-t": ("toolsets", list),
    "--record": ("record", str),
    "--anonymize": ("anonymize", bool),
    "--live": ("live", bool),
    "--no-live": ("no_live", bool),
    "--json-output-file": ("json_output_file", str),
    "--alertmanager-url": ("alertmanager_url", str),
    "--label": ("labels", list),
    "--concurrency": ("concurrency", int),
}

#: subcommands and their aliases
COMMANDS = {
    "ask": "ask",
    "followup": "followup",
    "follow-up": "followup",
    "reset": "reset",
    "history": "history",
    "models": "models",
    "model": "model",
    "check-model": "check_model",
    "check": "check_model",
    "tools": "tools",
    "scan": "scan",
    "export": "export",
    "help": "help",
    "pick": "pick",
    "picker": "pick",
    "investigate": "investigate",
}

_FLAG_AT_START = re.compile(r"^(--?[A-Za-z][\w-]*)(?:=(\"[^\"]*\"|'[^']*'|\S+))?(?:\s+|$)")
_FLAG_AT_END = re.compile(r"(?:^|\s)(--?[A-Za-z][\w-]*)(?:[=\s]+(\"[^\"]*\"|'[^']*'|[^\s\"']+))?\s*$")


@dataclass
class Command:
    name: str
    options: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # the question (or the subcommand's argument), raw


def parse(line: str, cell: str | None = None) -> Command:
    """Parse a magic line (and, for ``%%holmes``, the cell body, which is the question)."""
    head = line.strip()
    if head.endswith(";"):  # ``%holmes ask ...;`` silences the output; the ";" is not the question's
        head = head[:-1].rstrip()
    if not head:
        if cell is not None and cell.strip():
            return _finish(Command("ask", text=cell.strip()), {})
        return Command("help")
    word, _, rest = head.partition(" ")
    name = COMMANDS.get(word.lower())
    if name is None:
        if word.startswith("-") or cell is not None:
            name, rest = "ask", head  # ``%%holmes --model x`` / ``%holmes --model x what ...``
        else:
            close = [c for c in COMMANDS if c.startswith(word.lower()[:3])]
            hint = f"; did you mean {close[0]!r}" if close else ""
            raise UsageError(
                f'unknown %holmes command {word!r}{hint}. Try: %holmes ask "what pods are failing?" '
                "(%holmes help lists the commands)"
            )
    options: dict[str, Any] = {}
    rest = _leading_flags(rest.strip(), options)
    rest = _trailing_flags(rest, options)
    text = _unquote(rest)
    if cell is not None and cell.strip():
        text = (text + "\n\n" + cell.strip()).strip() if text else cell.strip()
    return _finish(Command(name, text=text), options)


def _finish(cmd: Command, options: dict[str, Any]) -> Command:
    cmd.options = options
    if cmd.name in ("ask", "followup") and not cmd.text:
        raise UsageError(f'%holmes {cmd.name} needs a question, e.g. %holmes {cmd.name} "what pods are failing?"')
    return cmd


def _take(flag: str, raw: str | None, options: dict[str, Any]) -> bool:
    """Store one flag; False when ``flag`` is not one of ours (then it is part of the question)."""
    spec = FLAGS.get(flag)
    if spec is None:
        return False
    name, kind = spec
    if kind is bool:
        options[name] = True
        return True
    if raw is None or raw == "":
        raise UsageError(f"{flag} needs a value")
    value = _unquote(raw)
    if kind is int:
        try:
            number = int(value)
        except ValueError:
            raise UsageError(f"{flag} must be a whole number, not {value!r}") from None
        if number < 1:
            raise UsageError(f"{flag} must be at least 1")
        options[name] = number
    elif kind is list:
        options.setdefault(name, []).append(value)
    else:
        options[name] = value
    return True


def _leading_flags(rest: str, options: dict[str, Any]) -> str:
    while rest.startswith("-"):
        m = _FLAG_AT_START.match(rest)
        if not m or m.group(1) not in FLAGS:
            if m and m.group(1).startswith("--"):
                raise UsageError(
                    f"unknown option {m.group(1)}; options: "
                    + ", ".join(sorted(f for f in FLAGS if f.startswith("--")))
                )
            return rest
        flag, value = m.group(1), m.group(2)
        after = rest[m.end() :]
        if value is None and FLAGS[flag][1] is not bool:  # ``--model x``: the value is the next word
            try:
                value = shlex.split(after)[0] if after else None
            except ValueError:
                value = after.split()[0] if after.split() else None
            after = _drop_word(after)
        _take(flag, value, options)
        rest = after.lstrip()
    return rest


def _drop_word(text: str) -> str:
    text = text.lstrip()
    if text[:1] in ("'", '"'):
        end = text.find(text[0], 1)
        return text[end + 1 :] if end > 0 else ""
    parts = text.split(None, 1)
    return parts[1] if len(parts) > 1 else ""


def _trailing_flags(rest: str, options: dict[str, Any]) -> str:
    while True:
        m = _FLAG_AT_END.search(rest)
        if not m or m.group(1) not in FLAGS:
            return rest.strip()
        flag, value = m.group(1), m.group(2)
        if FLAGS[flag][1] is bool and value is not None:  # ``... --live`` then a word: not a flag pair
            return rest.strip()
        _take(flag, value, options)
        rest = rest[: m.start()]


def _unquote(text: str) -> str:
    """Remove one pair of surrounding quotes; apostrophes inside ``'isn't it?'`` are fine, but
    ``"web" is down, "api" too`` keeps its quotes (they are not one pair)."""
    text = text.strip()
    if len(text) < 2 or text[0] != text[-1] or text[0] not in ("'", '"'):
        return text
    inner = text[1:-1]
    if text[0] == "'":
        inner_quotes = re.sub(r"(?<=\w)'(?=\w)", "", inner)  # apostrophes between letters
        return inner if "'" not in inner_quotes else text
    return inner if '"' not in inner else text
