"""One small handler per ``%holmes`` subcommand: ``HANDLERS[name](magic, command) -> value``.

Each calls the core (api, frontdoor.actions, report) and returns an object for IPython to show
(an Investigation, a DataFrame, a widget) or prints a short text. The parser has already checked
the options against the command table; model, Kubernetes and auth failures raise the core's real
exceptions.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError

from holmes_nb.frontdoor.help import help_text
from holmes_nb.frontdoor.table import api_kwargs
from holmes_nb.notebook.parsing import Command

#: options of one run only: a follow-up does not repeat them
_ONE_RUN = ("record", "json_output_file", "live", "no_live")


def _load_config(magic, path: str | None = None):
    from holmes_nb.config import load_config

    return load_config(path or magic.config_path)


def _entry(magic, cfg, model: str | None):
    entry = cfg.select(model or magic.setting("model", cfg))
    if magic.temperature is not None:
        entry = dataclasses.replace(entry, temperature=magic.temperature)
    return entry


def _investigate(magic, cmd: Command, previous=None) -> Any:
    from holmes_nb.api import ask
    from holmes_nb.errors import HolmesError
    from holmes_nb.notebook.live_view import live_view, resolve_mode  # loaded by the first ask

    chosen = {**(magic.last_options if previous is not None else {}), **cmd.options}
    opts = {**magic.defaults(), **chosen, "toolsets": [*magic.toolsets, *chosen.get("toolsets", [])] or None}
    cfg = _load_config(magic, opts.get("config"))
    flag = True if opts.get("live") else False if opts.get("no_live") else None
    mode = resolve_mode(magic.setting("live_display", cfg), flag, shell=magic.shell)
    view = live_view(mode, heading(cmd.text))
    view.cluster = opts.get("cluster")
    kwargs = {**api_kwargs(opts), "model": _entry(magic, cfg, opts.get("model")), "config": cfg}
    inv = None
    error: BaseException | None = None
    try:
        inv = ask(cmd.text, **kwargs, on_event=view, previous=previous, notice=_notice(mode), stream=mode != "off")
    except HolmesError as e:
        error, inv = e, e.investigation
        raise
    except KeyboardInterrupt as e:
        error, inv = e, getattr(e, "investigation", None)  # the agent attaches the partial run
        if inv is None:
            raise
        # Stop / Ctrl-C / Kernel > Interrupt: the partial run is the cell's result, no traceback
        print("holmes-nb: stopped; the partial investigation is in _holmes_last (and %holmes history)")
    except Exception as e:  # a bug: the view still closes as failed
        error = e
        raise
    finally:
        view.close(inv, error)
        if inv is not None:
            magic.remember(inv, {k: v for k, v in chosen.items() if k not in _ONE_RUN})
            if opts.get("json_output_file"):
                inv.to_json(opts["json_output_file"])
    return inv


#: characters of the question shown as a live view's heading
HEADING_CHARS = 100


def heading(question: str) -> str:
    """The first non-empty line of a question, clipped: a long ``%%holmes`` body is not a heading."""
    lines = [ln.strip() for ln in question.strip().splitlines() if ln.strip()]
    first = lines[0] if lines else ""
    clipped = first if len(first) <= HEADING_CHARS else first[: HEADING_CHARS - 1].rstrip() + "…"
    return clipped + (" …" if len(lines) > 1 and clipped == first else "")


def _notice(mode: str):
    def notice(message: str) -> None:
        print(f"holmes-nb: {message}", file=sys.stderr if mode == "off" else sys.stdout)

    return notice


# -- the subcommands -------------------------------------------------------------------------
def cmd_ask(magic, cmd: Command) -> Any:
    return _investigate(magic, cmd)


def cmd_followup(magic, cmd: Command) -> Any:
    previous = magic.followed_by_cell(cmd)
    if previous is not None:  # a re-run of this cell: continue from what it followed last time
        print(f"holmes-nb: re-run of this follow-up: continuing from {heading(previous.question)!r} (as last time)")
    elif magic.current is None:
        raise UsageError('nothing to follow up: run %holmes ask "..." first (or %holmes reset was used)')
    else:
        previous = magic.current
    magic.note_followup(cmd, previous)
    return _investigate(magic, cmd, previous=previous)


def cmd_cells(magic, cmd: Command) -> list[str]:
    """Insert the last investigation's tool calls as code below this cell and return their code."""
    if magic.current is None:
        raise UsageError('no investigation yet: run %holmes ask "..." first')
    cells = magic.current.to_cells()
    if not cells:
        print("holmes-nb: the last investigation made no tool call with a Python or kubectl equivalent")
    else:
        print(f"holmes-nb: inserted {len(cells) - 1} re-runnable call(s) below (one cell, '# %%' between calls)")
    return cells


def cmd_reset(magic, cmd: Command) -> None:
    magic.reset()
    print("holmes-nb: conversation cleared; the next %holmes ask starts fresh (history is kept)")


def cmd_history(magic, cmd: Command) -> Any:
    import pandas as pd

    rows = [
        {
            "question": inv.question,
            "model": inv.model,
            "cluster": inv.cluster,
            "status": inv.status,
            "steps": len(inv.steps),
            "tool_calls": len(inv.calls),
            "tokens": inv.prompt_tokens + inv.completion_tokens,
            "follow_up": inv.parent is not None,
            "started_at": inv.started_at,
        }
        for inv in magic.investigations
    ]
    return pd.DataFrame(
        rows,
        columns=["question", "model", "cluster", "status", "steps", "tool_calls", "tokens", "follow_up", "started_at"],
    )


def cmd_models(magic, cmd: Command) -> Any:
    import pandas as pd

    from holmes_nb.frontdoor.actions import model_rows

    cfg = _load_config(magic, cmd.options.get("config"))
    data = model_rows(cfg)
    current = magic.model
    for row in data:
        row["current"] = "*" if current and row["key"] == current else ""
    if not data:
        print(
            "holmes-nb: no modelList configured; --model openai/<name> uses OPENAI_API_BASE "
            f"({cfg.env('OPENAI_API_BASE') or 'unset'})"
        )
    cols = ["default", "current", "key", "model", "api_base", "api_key", "source"]
    return pd.DataFrame(data, columns=cols)


def cmd_model(magic, cmd: Command) -> None:
    if not cmd.text:
        print(f"holmes-nb: model = {magic.model or '(the configured default)'}")
        return
    cfg = _load_config(magic, cmd.options.get("config"))
    entry = cfg.select(cmd.text)  # a ConfigError names the keys when it is unknown
    magic.model = cmd.text
    print(f"holmes-nb: model = {cmd.text} ({entry.model} at {entry.api_base or 'the provider default'})")


def cmd_check_model(magic, cmd: Command) -> Any:
    from holmes_nb.api import client_for
    from holmes_nb.llm.probe import check_model

    cfg = _load_config(magic, cmd.options.get("config"))
    entry = _entry(magic, cfg, cmd.text)
    report = check_model(entry, client_for(entry))
    frame = report.frame()
    if not report.ok:
        print(f"holmes-nb: {entry.label} failed a check; see the table", file=sys.stderr)
    return frame


def cmd_tools(magic, cmd: Command) -> Any:
    import pandas as pd

    from holmes_nb.frontdoor.actions import tool_rows

    cluster = cmd.options.get("cluster") or magic.cluster
    cfg = _load_config(magic, cmd.options.get("config"))
    rows, name = tool_rows(cluster, cfg, list(magic.toolsets), notice=_notice("on"))
    frame = pd.DataFrame(rows, columns=["tool", "parameters", "required", "description"])
    frame.attrs["cluster"] = name
    return frame


#: lines of the root-cause tree ``%holmes scan`` prints above its DataFrame
SCAN_TREE_LINES = 40


def cmd_scan(magic, cmd: Command) -> Any:
    from holmes_nb.analyzers import findings_frame
    from holmes_nb.analyzers.causes import ordered, tree_lines
    from holmes_nb.frontdoor.actions import at_least, scan_findings

    opts = {**magic.defaults(), **cmd.options}
    cfg = _load_config(magic, opts.get("config"))
    findings, name = scan_findings(opts.get("cluster"), opts.get("namespace"), cfg, notice=_notice("on"))
    findings = at_least(findings, opts.get("severity", "info"))
    if findings:  # root causes first, their consequences under them (the frame holds every finding)
        lines = tree_lines(findings)
        shown = lines[:SCAN_TREE_LINES]
        if len(lines) > len(shown):
            shown.append(f"... {len(lines) - len(shown)} more lines: the returned DataFrame has every finding")
        print("\n".join(shown))
    frame = findings_frame(ordered(findings))
    frame.attrs["cluster"] = name
    return frame


def cmd_investigate(magic, cmd: Command) -> Any:
    """``%holmes investigate alerts [--alertmanager-url URL] [--label k=v ...]``: one investigation
    per firing alert; the DataFrame is returned, the Investigations join ``%holmes history``."""
    from holmes_nb.alert_runs import investigate_alerts

    if cmd.text.strip().lower() not in ("alerts", "alertmanager"):
        raise UsageError("usage: %holmes investigate alerts [--alertmanager-url URL] [--label k=v] [--model M]")
    opts = cmd.options
    cfg = _load_config(magic, opts.get("config"))
    frame, invs = investigate_alerts(
        opts.get("alertmanager_url"),
        model=_entry(magic, cfg, opts.get("model")),
        cluster=opts.get("cluster") or magic.setting("cluster", cfg),
        config=cfg,
        matchers=opts.get("labels"),
        concurrency=opts.get("concurrency") or 3,
        max_steps=opts.get("max_steps") or magic.setting("max_steps", cfg),
        json_output_file=opts.get("json_output_file"),
    )
    magic.investigations.extend(invs)
    return frame


def cmd_export(magic, cmd: Command) -> None:
    if magic.current is None:
        raise UsageError("nothing to export yet: run %holmes ask first")
    from holmes_nb.report.postmortem import export_postmortem

    path = cmd.text or "postmortem.md"
    written = export_postmortem(magic.current, path)
    names = written if isinstance(written, (list, tuple)) else [written]
    print("holmes-nb: wrote " + ", ".join(str(n) for n in names))


def cmd_pick(magic, cmd: Command) -> None:
    """Show the model and cluster pickers, linked both ways to the magic's settings."""
    from IPython.display import display

    from holmes_nb.notebook.cluster_picker import ClusterPicker
    from holmes_nb.notebook.widgets import ModelPicker

    display(ModelPicker(magic, config=cmd.options.get("config")))
    display(ClusterPicker(magic))


def cmd_help(magic, cmd: Command) -> None:
    print(help_text())


#: the handler of each notebook command of the table (holmes_nb.frontdoor.table.COMMANDS)
HANDLERS: dict[str, Callable[[Any, Command], Any]] = {
    "ask": cmd_ask,
    "followup": cmd_followup,
    "reset": cmd_reset,
    "history": cmd_history,
    "models": cmd_models,
    "model": cmd_model,
    "check-model": cmd_check_model,
    "tools": cmd_tools,
    "scan": cmd_scan,
    "investigate": cmd_investigate,
    "export": cmd_export,
    "cells": cmd_cells,
    "pick": cmd_pick,
    "help": cmd_help,
}
