"""HolmesGPT custom toolset files: command-line tools the model may call, with ``{{ param }}`` slots.

    toolsets:
      db-tools:
        description: "Database checks"
        tools:
          - name: pg_locks
            description: "Locks held in a Postgres database"
            command: psql -h ${PGHOST} -d {{ database }} -c "select * from pg_locks"

Commands run WITHOUT a shell: the template is split into arguments first (shell quoting rules) and
each ``{{ param }}`` is then replaced inside its own argument, so a value like ``x; rm -rf /`` stays
one literal argument. Pipes, redirections, ``&&``, ``$(...)`` and backquotes are refused (put such
logic in a script and call the script); ``script:`` tools are refused for the same reason.
``${NAME}`` reads an environment variable (the model never sees it); ``{{ p | default(10) }}``
makes ``p`` optional. ``additionalInstructions`` is added to the tool description for the model.

    tools = load_toolsets(["toolsets.yaml"])    # -> [Tool, ...], ConfigError on a bad file
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from holmes_nb.errors import ConfigError, HolmesError
from holmes_nb.redact import mask_key, scrub
from holmes_nb.tools.base import Tool, ToolResult
from holmes_nb.tools.custom import check_builtin_clash
from holmes_nb.tools.k8s_text import cap_text

DEFAULT_TIMEOUT = 30.0
MAX_CHARS = 4000  # text for the model
MAX_BYTES = 1_000_000  # stdout kept in memory; the rest is drained and counted
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SLOT = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*(?:\|\s*default\((.*?)\)\s*)?\}\}")
_ENV = re.compile(r"\$\{([A-Za-z_]\w*)\}")
_OPERATORS = set("|;&<>()")
_SECRET_NAME = re.compile(r"(?i)token|key|secret|passw|auth|credential")


def load_toolsets(
    paths: str | os.PathLike | Iterable[str | os.PathLike] | None, *, timeout: float = DEFAULT_TIMEOUT
) -> list[Tool]:
    """The enabled tools of every toolset in ``paths`` (one file or several).

    ``load_toolsets("toolsets.yaml")``; a bad file is a ConfigError naming the file and the problem.
    """
    if paths is None:
        return []
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    tools: list[Tool] = []
    seen: dict[str, str] = {}
    for path in paths:
        for t in _load_file(Path(path), timeout):
            if t.name in seen:
                raise ConfigError(
                    f"{path}: tool {t.name!r} is already defined in {seen[t.name]}",
                    hint="tool names must be unique across toolsets",
                )
            seen[t.name] = str(path)
            tools.append(t)
    return tools


def _load_file(path: Path, timeout: float) -> list[Tool]:
    from holmes_nb.config.files import read_yaml

    doc = read_yaml(path)
    if isinstance(doc, dict) and isinstance(doc.get("holmes"), dict):
        doc = doc["holmes"]  # a Robusta chart values file
    sets = doc.get("toolsets", doc.get("custom_toolsets")) if isinstance(doc, dict) else None
    if not isinstance(sets, dict) or not sets:
        raise ConfigError(
            f"{path}: expected a 'toolsets:' mapping of NAME -> {{description, tools}}", hint="see docs/custom-tools.md"
        )
    tools = []
    for set_name, spec in sets.items():
        where = f"{path}: toolset {set_name!r}"
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: expected a mapping with 'description' and 'tools'")
        enabled = spec.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(f"{where}: 'enabled' must be true or false, got {enabled!r}")
        if not enabled:
            continue
        items = spec.get("tools")
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{where}: 'tools' must be a non-empty list")
        for i, item in enumerate(items):
            tools.append(_tool(item, f"{where}, tool #{i + 1}", timeout))
    return tools


def _tool(item: Any, where: str, timeout: float) -> Tool:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping with name, description and command")
    name, description, command = item.get("name"), item.get("description"), item.get("command")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{where}: invalid or missing name {name!r}", hint="letters, digits, _ and -")
    where = where.rsplit(", tool #", 1)[0] + f", tool {name!r}"
    if "script" in item:
        raise ConfigError(
            f"{where}: 'script' tools are not supported (they need a shell)",
            hint="save the script to a file and use command: /path/to/script.sh {{ arg }}",
        )
    if not isinstance(command, str) or not command.strip():
        raise ConfigError(f"{where}: 'command' must be a non-empty string")
    if not isinstance(description, str) or not description.strip():
        raise ConfigError(f"{where}: 'description' must be a non-empty string")
    try:
        check_builtin_clash(name)
    except ConfigError as e:
        raise ConfigError(f"{where}: {e.message}", hint="rename the tool") from None
    argv, slots = parse_command(command, where)
    extra = item.get("additionalInstructions") or item.get("additional_instructions")
    text = description.strip() + (f" {str(extra).strip()}" if extra else "")
    limit = item.get("timeout", timeout)
    if not isinstance(limit, (int, float)) or isinstance(limit, bool) or limit <= 0:
        raise ConfigError(f"{where}: 'timeout' must be a positive number of seconds")
    schema = _schema(slots, item.get("parameters"), where)
    return Tool(name, text, schema, CommandRunner(name, argv, slots, float(limit)))


def parse_command(command: str, where: str = "command") -> tuple[list[str], dict[str, str | None]]:
    """Split a command template into argv (slots as markers) and {param: default or None}."""
    slots: dict[str, str | None] = {}

    def mark(m: re.Match) -> str:
        param, default = m.group(1), m.group(2)
        if default is not None:
            default = default.strip()
            if len(default) >= 2 and default[0] == default[-1] and default[0] in "'\"":
                default = default[1:-1]
        if slots.get(param) is None:
            slots[param] = default
        return f"\x00{param}\x00"

    template = _SLOT.sub(mark, command.replace("\\\n", " ").strip())
    if "{{" in template or "{%" in template:
        raise ConfigError(
            f"{where}: only {{{{ name }}}} and {{{{ name | default(value) }}}} placeholders are supported"
        )
    shell = _shell_syntax(template)
    if shell in ("$(", "`"):
        raise ConfigError(
            f"{where}: command substitution ($(...) or backquotes) needs a shell",
            hint="commands run without a shell; call a script instead",
        )
    if shell:
        raise ConfigError(
            f"{where}: shell syntax {shell!r} is not supported (commands run without a shell)",
            hint="put pipes and redirections in a script and call the script",
        )
    try:
        argv = shlex.split(template)
    except ValueError as e:
        raise ConfigError(f"{where}: cannot split the command: {e}") from None
    if not argv or "\x00" in argv[0]:
        raise ConfigError(f"{where}: the command must start with a fixed executable, not a placeholder")
    return argv, slots


def _shell_syntax(text: str) -> str | None:
    """The first operator a shell would interpret (``|``, ``>``, ``&&``, ``$(``, a backquote, ...)
    outside quotes, or None. Quoting follows POSIX: nothing is special inside '...'."""
    quote, i = None, 0
    while i < len(text):
        c = text[i]
        if quote == "'":
            quote = None if c == "'" else quote
        elif c == "\\":
            i += 1
        elif c == "`" or text.startswith("$(", i):
            return "`" if c == "`" else "$("
        elif quote == '"':
            quote = None if c == '"' else quote
        elif c in "'\"":
            quote = c
        elif c in _OPERATORS:
            end = i
            while end < len(text) and text[end] in _OPERATORS:
                end += 1
            return text[i:end]
        i += 1
    return None


def _schema(slots: dict[str, str | None], declared: Any, where: str) -> dict[str, Any]:
    docs: dict[str, str] = {}
    if isinstance(declared, dict):  # {name: {description: ...}}
        declared = [{"name": k, **(v if isinstance(v, dict) else {})} for k, v in declared.items()]
    if declared is not None and not isinstance(declared, list):
        raise ConfigError(f"{where}: 'parameters' must be a list of {{name, description}}")
    for p in declared or []:
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            raise ConfigError(f"{where}: each parameter needs a 'name'")
        if p.get("description"):
            docs[p["name"]] = str(p["description"])
    props: dict[str, Any] = {}
    for param, default in slots.items():
        props[param] = {"type": "string"}
        if param in docs:
            props[param]["description"] = docs[param]
        if default is not None:
            props[param]["default"] = default
    schema: dict[str, Any] = {"type": "object", "properties": props}
    required = [p for p, d in slots.items() if d is None]
    if required:
        schema["required"] = required
    return schema


class CommandRunner:
    """The function behind one YAML tool: fill the argv, run it without a shell, return its output."""

    def __init__(self, name: str, argv: list[str], slots: dict[str, str | None], timeout: float):
        self.name, self.argv, self.slots, self.timeout = name, argv, slots, timeout

    def __call__(self, **kwargs: Any) -> ToolResult:
        values = {p: _text(kwargs.get(p, d)) for p, d in self.slots.items()}
        secrets: list[str] = []
        argv = [self._fill(token, values, secrets) for token in self.argv]
        exe = _executable(argv[0])
        code, out, err, dropped = run_bounded([exe, *argv[1:]], self.timeout)

        def clean(raw: bytes) -> str:
            return _mask(scrub(raw.decode("utf-8", "replace").strip()), secrets)

        if code != 0:
            tail = clean(err)[-600:] or "(no stderr)"
            raise HolmesError(f"{argv[0]} exited with code {code}: {tail}")
        text = clean(out)
        if not text and err.strip():
            text = "(no output; stderr:) " + clean(err)[-600:]
        text, cut = cap_text(text or "(no output)", MAX_CHARS)
        return ToolResult(text=text, meta={"exit_code": 0, "truncated_chars": cut + dropped})

    def _fill(self, token: str, values: dict[str, str], secrets: list[str]) -> str:
        def env(m: re.Match) -> str:
            value = os.environ.get(m.group(1))
            if value is None:
                raise HolmesError(
                    f"environment variable {m.group(1)} is not set",
                    hint=f"export {m.group(1)}=... before starting holmes-nb",
                )
            if _SECRET_NAME.search(m.group(1)):
                secrets.append(value)
            return value

        token = _ENV.sub(env, token)  # before the model's values, which are never expanded
        return re.sub("\x00(\\w+)\x00", lambda m: values[m.group(1)], token)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value)
    return "" if value is None else str(value)


def _mask(text: str, secrets: list[str]) -> str:
    for s in secrets:
        if len(s) >= 4:
            text = text.replace(s, mask_key(s))
    return text


def _executable(exe: str) -> str:
    found = shutil.which(exe)
    if found is None:
        where = "does not exist or is not executable" if os.sep in exe else "is not on PATH"
        raise HolmesError(f"executable {exe!r} {where}", hint="install it or fix the command in the toolset file")
    return found


def run_bounded(argv: list[str], timeout: float, max_bytes: int = MAX_BYTES) -> tuple[int, bytes, bytes, int]:
    """Run ``argv`` (no shell, no stdin) and return (exit code, stdout head, stderr tail, bytes dropped).

    ``run_bounded(["echo", "hi"], 5)``; a timeout kills the process group and raises HolmesError."""
    try:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
    except OSError as e:
        raise HolmesError(f"cannot run {argv[0]}: {e.strerror or e}") from None
    out, err = _Reader(proc.stdout, max_bytes, keep="head"), _Reader(proc.stderr, 8192, keep="tail")
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise HolmesError(
            f"{os.path.basename(argv[0])} timed out after {timeout:g}s",
            hint="raise 'timeout:' for this tool in the toolset file",
        ) from None
    finally:
        out.join()
        err.join()
    return code, out.data, err.data, out.dropped


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    proc.wait()


class _Reader(threading.Thread):
    """Drains a pipe, keeping its first (or last) ``limit`` bytes."""

    def __init__(self, pipe, limit: int, keep: str):
        super().__init__(daemon=True)
        self.pipe, self.limit, self.keep = pipe, limit, keep
        self.data, self.dropped = b"", 0
        self.start()

    def run(self) -> None:
        for chunk in iter(lambda: self.pipe.read1(65536), b""):
            if self.keep == "tail":
                self.data = (self.data + chunk)[-self.limit :]
            elif len(self.data) < self.limit:
                room = self.limit - len(self.data)
                self.data, self.dropped = self.data + chunk[:room], self.dropped + max(0, len(chunk) - room)
            else:
                self.dropped += len(chunk)
        self.pipe.close()

    def join(self, timeout: float | None = 2.0) -> None:  # a lingering grandchild may hold the pipe
        super().join(timeout)
