"""``@tool``: turn a notebook function into a tool the model can call in every later ask.

The JSON schema comes from the type hints (str, int, float, bool, list[X], dict, Optional[X] or
``X | None``, Literal[...]); the description from the docstring's first paragraph, and parameter
descriptions from a Google ("Args:"), NumPy ("Parameters" + dashes) or Sphinx (":param x:") section.
The function may return a DataFrame (it lands in ``inv.frames``), a str, a dict/list (sent as JSON)
or a ToolResult. Decorating returns the function itself, unchanged and callable, with the built
:class:`~holmes_nb.tools.base.Tool` in its ``.tool`` attribute.

    @holmes_nb.tool
    def slow_queries(database: str, limit: int = 10) -> "pd.DataFrame":
        '''Slowest queries of a database.

        Args:
            database: the database name, e.g. "orders".
        '''
        ...

Registered tools are offered to every ``ask``; re-running the cell replaces the old definition.
``registry`` (a :class:`ToolRegistry`) holds them; ``registered_tools()``, ``unregister(name)`` and
``clear_tools()`` are its shortcuts.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable
from typing import Any

from holmes_nb.errors import ConfigError
from holmes_nb.tools.base import Tool

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object"}
_MAX_DESCRIPTION = 300


class ToolRegistry:
    """The ``@tool`` functions of this process, by name, in registration order."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def add(self, built: Tool) -> None:
        self._tools[built.name] = built

    def tools(self) -> list[Tool]:
        return list(self._tools.values())

    def unregister(self, name: str) -> None:
        self._tools.pop(name, None)

    def reset(self) -> None:
        self._tools.clear()


#: the process's registry (what ``@tool`` adds to and every ``ask`` offers)
registry = ToolRegistry()


def tool(func: Callable | None = None, *, name: str | None = None, description: str | None = None):
    """Register ``func`` as a tool: ``@tool``, ``@tool(name="db_slow", description="...")``.

    Returns ``func`` itself with the Tool in ``func.tool``. Raises ConfigError for a name taken by
    a built-in Kubernetes tool or a parameter type that has no JSON schema.
    """

    def register(f: Callable) -> Callable:
        built = make_tool(f, name=name, description=description)
        registry.add(built)
        f.tool = built  # type: ignore[attr-defined]
        return f

    return register(func) if func is not None else register


def make_tool(func: Callable, *, name: str | None = None, description: str | None = None) -> Tool:
    """Build (but do not register) the Tool for ``func``: ``make_tool(fn).schema()``."""
    if not callable(func):
        raise ConfigError(f"@tool needs a function, got {type(func).__name__}")
    tool_name = name or getattr(func, "__name__", "")
    if not _NAME.match(tool_name):
        raise ConfigError(f"invalid tool name {tool_name!r}", hint="letters, digits, _ and -, at most 64 characters")
    check_builtin_clash(tool_name)
    summary, param_docs = parse_docstring(inspect.getdoc(func) or "")
    params, defaults = _parameters(func, tool_name, param_docs)
    text = description or summary or tool_name.replace("_", " ").capitalize() + "."
    return Tool(tool_name, text, params, _caller(func, defaults))


def registered_tools() -> list[Tool]:
    """The tools registered with ``@tool``, in registration order."""
    return registry.tools()


def unregister(name: str) -> None:
    """Remove one registered tool (a KeyError-free no-op when it is unknown)."""
    registry.unregister(name)


def clear_tools() -> None:
    """Remove every registered tool."""
    registry.reset()


def builtin_tool_names() -> set[str]:
    """Names of every built-in Kubernetes tool (default and extra ones)."""
    from holmes_nb.tools.kubernetes import kubernetes_tools

    return {t.name for t in kubernetes_tools(None, include_all=True)}  # type: ignore[arg-type]


def check_builtin_clash(name: str) -> None:
    if name in builtin_tool_names():
        raise ConfigError(
            f"tool name {name!r} is taken by a built-in Kubernetes tool", hint=f'rename it: @tool(name="my_{name}")'
        )


def merge_tools(base: list[Tool], extra: list[Tool]) -> list[Tool]:
    """``base + extra`` without repeats of one Tool object; two different tools with one name are a
    ConfigError (a model cannot tell them apart)."""
    out = list(base)
    seen = {t.name: t for t in out}
    for t in extra:
        if seen.get(t.name) is t:
            continue
        if t.name in seen:
            raise ConfigError(f"two tools are named {t.name!r}", hint="rename one of them")
        seen[t.name] = t
        out.append(t)
    return out


# -- schema from type hints -------------------------------------------------------------------
def _parameters(func: Callable, tool_name: str, docs: dict[str, str]) -> tuple[dict, dict[str, Any]]:
    """The JSON schema of ``func``'s arguments, and defaults to fill (None for Optional ones)."""
    try:
        hints = typing.get_type_hints(func)
    except (NameError, TypeError, AttributeError):  # an unresolvable forward reference: use raw annotations
        hints = dict(getattr(func, "__annotations__", {}))
    props: dict[str, Any] = {}
    required: list[str] = []
    fill: dict[str, Any] = {}
    for p in inspect.signature(func).parameters.values():
        if p.kind is p.VAR_KEYWORD:
            continue
        if p.kind in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY):
            raise ConfigError(f"tool {tool_name}: parameter {p.name!r} must be passable by keyword")
        try:
            unhinted = str if p.default is p.empty or p.default is None else type(p.default)  # the default decides
            schema, optional = type_schema(hints.get(p.name, unhinted))
        except TypeError as e:
            raise ConfigError(
                f"tool {tool_name}: parameter {p.name!r} has type {e}",
                hint="use str, int, float, bool, list[...], dict, Literal[...] or Optional[...]",
            ) from None
        if p.name in docs:
            schema["description"] = docs[p.name]
        if p.default is not p.empty:
            if isinstance(p.default, (str, int, float, bool)):
                schema["default"] = p.default
        elif optional:
            fill[p.name] = None
        else:
            required.append(p.name)
        props[p.name] = schema
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out, fill


def type_schema(hint: Any) -> tuple[dict[str, Any], bool]:
    """(JSON schema, accepts None) for a type hint; TypeError for one without a schema."""
    if isinstance(hint, str):  # unresolved annotation: only the plain names are understood
        hint = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict}.get(hint, hint)
    if hint is inspect.Parameter.empty or hint is Any:
        return {"type": "string"}, False
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            raise TypeError(f"{hint} (a union of several types)")
        return type_schema(rest[0])[0], True
    if origin is typing.Literal:
        kinds = {_SCALARS.get(type(a)) for a in args}
        schema = {"type": kinds.pop()} if len(kinds) == 1 and None not in kinds else {}
        return {**schema, "enum": list(args)}, False
    if hint in (list, tuple, set) or origin in (list, tuple, set):
        items = type_schema(args[0])[0] if args and args[0] is not Ellipsis else {"type": "string"}
        return {"type": "array", "items": items}, False
    if hint is dict or origin is dict:
        return {"type": "object"}, False
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}, False
    raise TypeError(getattr(hint, "__name__", str(hint)))


def _caller(func: Callable, fill: dict[str, Any]) -> Callable[..., Any]:
    """Call ``func`` with Optional arguments the model left out set to None, and numbers or
    booleans that arrived as strings converted (small models often quote everything)."""
    hints = inspect.signature(func).parameters

    def call(**kwargs: Any) -> Any:
        for key, value in kwargs.items():
            ann = hints[key].annotation
            if isinstance(value, str) and ann in (int, float, bool, "int", "float", "bool"):
                kwargs[key] = _convert(value, ann)
        return func(**{**fill, **kwargs})

    return call


def _convert(value: str, ann: Any) -> Any:
    kind = ann if isinstance(ann, str) else ann.__name__
    text = value.strip()
    if kind == "bool":
        return text.lower() in ("true", "1", "yes", "y", "on")
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        raise ConfigError(f"expected a number, got {value!r}") from None


# -- docstrings ----------------------------------------------------------------------------------
_GOOGLE = re.compile(r"^(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments):\s*$")
_SECTION = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")
_GOOGLE_ENTRY = re.compile(r"^\**(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_SPHINX = re.compile(r"^:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(short description, {parameter: description}) from a cleaned docstring."""
    lines = doc.strip().splitlines()
    para: list[str] = []
    for line in lines:
        if not line.strip() or _GOOGLE.match(line.strip()) or line.strip().startswith(":"):
            break
        para.append(line.strip())
    summary = " ".join(para)
    if len(summary) > _MAX_DESCRIPTION:
        cut = summary[:_MAX_DESCRIPTION]
        summary = cut[: cut.rfind(". ") + 1] if ". " in cut else cut.rstrip() + "..."
    return summary, _param_docs(lines)


def _param_docs(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    current: str | None = None
    mode, base, entry = None, 0, None  # section style, its header's indent, its entries' indent
    for i, raw in enumerate(lines):
        text, indent = raw.strip(), len(raw) - len(raw.lstrip())
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        numpy_header = bool(nxt) and set(nxt) == {"-"}
        if _GOOGLE.match(text) or (text in ("Parameters", "Other Parameters") and numpy_header):
            mode, current, base, entry = ("google" if text.endswith(":") else "numpy"), None, indent, None
        elif m := _SPHINX.match(text):
            mode, current = "sphinx", m.group(1)
            out[current] = m.group(2).strip()
        elif mode is None or not text or set(text) == {"-"}:
            current = None if mode == "sphinx" and not text else current
        elif (
            (mode == "sphinx" and text.startswith(":"))
            or (mode == "google" and indent <= base)
            or (mode == "numpy" and indent <= base and (numpy_header or _SECTION.match(text)))
        ):
            mode = current = None  # the section ended
        elif mode == "google" and (entry is None or indent <= entry) and (m := _GOOGLE_ENTRY.match(text)):
            entry, current, out[m.group(1)] = indent, m.group(1), m.group(2).strip()
        elif mode == "numpy" and indent <= base and (m := re.match(r"^(\w+)\s*(?::.*)?$", text)):
            current, out[m.group(1)] = m.group(1), ""
        elif current is not None:
            out[current] = (out[current] + " " + text).strip()
    return {k: v for k, v in out.items() if v}
