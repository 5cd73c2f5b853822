"""Parse ``%holmes`` lines with the core's command table: a subcommand, its options, the question raw.

Questions are taken as typed: no ``$var``/``{x}`` expansion (the magic is ``no_var_expand``),
quotes optional, apostrophes fine (``shlex`` is never run on the question), one pair of
surrounding quotes removed. Options go before the question, or after it in ``--long`` form::

    parse('ask "what pods are failing?" --model=openai/llama3')
    # Command(name='ask', options={'model': 'openai/llama3'}, text='what pods are failing?')

After an unquoted question, short flags stay question text (``ask what does kubectl logs -c do``)
and an unknown ``--word`` is a UsageError with a did-you-mean; a quoted question keeps any text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from IPython.core.error import UsageError

from holmes_nb.frontdoor.table import COMMANDS, CommandSpec, Option, did_you_mean, flags_for, lookup

FRONT = "notebook"
FLAGS: dict[str, Option] = flags_for(FRONT)
_FLAG = re.compile(r"^(--?[A-Za-z][\w-]*)(?:=(.*))?$", re.S)
_QUOTES = ("'", '"')


@dataclass
class Command:
    name: str
    options: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # the question (or the subcommand's argument), raw


@dataclass
class _Token:
    text: str
    start: int
    end: int

    @property
    def quoted(self) -> bool:
        return len(self.text) >= 2 and self.text[0] in _QUOTES and self.text[-1] == self.text[0]

    @property
    def flag(self) -> re.Match | None:
        return None if self.quoted else _FLAG.match(self.text)


def parse(line: str, cell: str | None = None) -> Command:
    """Parse a magic line (and, for ``%%holmes``, the cell body, which is the question)."""
    head = line.strip()
    if head.endswith(";"):  # ``%holmes ask ...;`` silences the output; the ";" is not the question's
        head = head[:-1].rstrip()
    body = cell.strip() if cell is not None else ""
    if not head:
        return _finish(COMMANDS["ask"], body, {}) if body else Command("help")
    word, _, rest = head.partition(" ")
    spec = lookup(word.lower(), FRONT)
    if spec is None:
        if not (word.startswith("-") or cell is not None):
            raise _unknown_command(word)
        spec, rest = COMMANDS["ask"], head  # ``%%holmes --model x`` / ``%holmes --model x what ...``
    options: dict[str, Any] = {}
    tokens = _tokens(rest)
    first = _take_flags(spec, tokens, 0, options, leading=True)
    text = _question(spec, rest, tokens[first:], options)
    if body:
        text = (text + "\n\n" + body).strip() if text else body
    return _finish(spec, text, options)


def _unknown_command(word: str) -> UsageError:
    names = [c.name for c in COMMANDS.values() if FRONT in c.fronts]
    hint = did_you_mean(word.lower(), names) or next(
        (f"; did you mean {c!r}" for c in names if c.startswith(word.lower()[:3])), ""
    )
    return UsageError(
        f'unknown %holmes command {word!r}{hint}. Try: %holmes ask "what pods are failing?" '
        "(%holmes help lists the commands)"
    )


def _finish(spec: CommandSpec, text: str, options: dict[str, Any]) -> Command:
    arg = spec.argument
    if arg is None and text:
        raise UsageError(f"%holmes {spec.name} takes no argument, got {text!r}")
    if arg is not None and arg.many and not text:
        raise UsageError(f'%holmes {spec.name} needs a question, e.g. %holmes {spec.name} "what pods are failing?"')
    return Command(spec.name, options, text)


# -- words ------------------------------------------------------------------------------------
def _tokens(text: str) -> list[_Token]:
    """Whitespace-separated words; a word opening with a quote (or ``--flag="...``) runs to its
    closing quote, one followed by a space or the end (so apostrophes inside do not close it)."""
    out, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        start = i
        while i < len(text) and not text[i].isspace():
            if text[i] in _QUOTES and (i == start or text[i - 1] == "="):
                close = _closing_quote(text, i)
                if close is not None:
                    i = close
            i += 1
        out.append(_Token(text[start:i], start, i))
    return out


def _closing_quote(text: str, i: int) -> int | None:
    j = text.find(text[i], i + 1)
    while j != -1:
        if j + 1 == len(text) or text[j + 1].isspace():
            return j
        j = text.find(text[i], j + 1)
    return None


# -- options ----------------------------------------------------------------------------------
def _take_flags(spec: CommandSpec, tokens: list[_Token], i: int, options: dict[str, Any], *, leading: bool) -> int:
    """Store the options starting at ``tokens[i]``; the index of the first word that is not one.
    ``leading``: stop at a word that is not a flag (the question starts); else it is an error."""
    while i < len(tokens):
        m = tokens[i].flag
        if m is None or (m.group(1) not in FLAGS and not m.group(1).startswith("--")):
            if leading:
                return i
            raise UsageError(
                f"{tokens[i].text!r} after the options: put options before or after the question, or quote the question"
            )
        option = _option(spec, m.group(1))
        value = m.group(2)
        if option.takes_value and value is None:
            i += 1
            value = tokens[i].text if i < len(tokens) else None
        _store(option, m.group(1), value, options)
        i += 1
    return i


def _option(spec: CommandSpec, flag: str) -> Option:
    option = FLAGS.get(flag)
    if option is None:
        longs = sorted({o.long for o in spec.options_for(FRONT)} or {o.long for o in FLAGS.values()})
        hint = did_you_mean(flag, longs)
        raise UsageError(
            f"unknown option {flag}{hint} (quote the question to keep it as text); options: " + ", ".join(longs)
        )
    if option.name not in spec.options:
        raise UsageError(f"%holmes {spec.name} does not take {option.long}")
    return option


def _store(option: Option, flag: str, raw: str | None, options: dict[str, Any]) -> None:
    if not option.takes_value:
        if raw is not None:
            raise UsageError(f"{flag} takes no value")
        options[option.name] = True
        return
    if raw is None or raw == "":
        raise UsageError(f"{flag} needs a value")
    try:
        value = option.convert(_unquote(raw))
    except ValueError as e:
        raise UsageError(str(e)) from None
    if option.kind is list:
        options.setdefault(option.name, []).append(value)
    else:
        options[option.name] = value


# -- the question -----------------------------------------------------------------------------
def _question(spec: CommandSpec, rest: str, tokens: list[_Token], options: dict[str, Any]) -> str:
    """The question's raw text; options after it are stored in ``options``."""
    if not tokens:
        return ""
    if tokens[0].quoted and _all_flags(spec, tokens[1:]):  # "a quoted question" -n shop
        _take_flags(spec, tokens, 1, options, leading=False)
        return _unquote(tokens[0].text)
    end = next((k for k, t in enumerate(tokens) if t.flag and t.flag.group(1).startswith("--")), len(tokens))
    if end == 0:
        return ""
    _take_flags(spec, tokens, end, options, leading=False)
    return _unquote(rest[tokens[0].start : tokens[end - 1].end])


def _all_flags(spec: CommandSpec, tokens: list[_Token]) -> bool:
    try:
        _take_flags(spec, tokens, 0, {}, leading=False)
    except UsageError:
        return False
    return True


def _unquote(text: str) -> str:
    """Remove one pair of surrounding quotes; apostrophes inside ``'isn't it?'`` are fine, but
    ``"web" is down, "api" too`` keeps its quotes (they are not one pair)."""
    text = text.strip()
    if len(text) < 2 or text[0] != text[-1] or text[0] not in _QUOTES:
        return text
    inner = text[1:-1]
    if text[0] == "'":
        inner_quotes = re.sub(r"(?<=\w)'(?=\w)", "", inner)  # apostrophes between letters
        return inner if "'" not in inner_quotes else text
    return inner if '"' not in inner else text
