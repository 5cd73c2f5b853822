"""One small handler per ``%holmes`` subcommand: ``cmd_NAME(magic, command) -> value``.

Each calls the core (api, config, analyzers, report) and returns an object for IPython to show
(an Investigation, a DataFrame, a widget) or prints a short text. Bad arguments raise
``UsageError``; model, Kubernetes and auth failures raise the core's real exceptions.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from IPython.core.error import UsageError

from holmes_nb.notebook.live_view import live_view, resolve_mode
from holmes_nb.notebook.parsing import Command

_ASK_ONLY = ("max_steps", "toolsets", "record", "anonymize", "live", "no_live", "json_output_file")


def _check_options(cmd: Command, allowed: tuple[str, ...]) -> None:
    extra = sorted(set(cmd.options) - set(allowed))
    if extra:
        raise UsageError(f"%holmes {cmd.name} does not take --{extra[0].replace('_', '-')}")


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

    opts = dict(magic.last_options) if previous is not None else {}
    opts.update({k: v for k, v in cmd.options.items() if k not in ("live", "no_live")})
    cfg = _load_config(magic, opts.get("config"))
    entry = _entry(magic, cfg, opts.get("model"))
    flag = True if cmd.options.get("live") else False if cmd.options.get("no_live") else None
    mode = resolve_mode(magic.setting("live_display", cfg), flag, shell=magic.shell)
    view = live_view(mode, cmd.text)
    inv = error = None
    try:
        inv = ask(
            cmd.text,
            entry,
            cluster=opts.get("cluster") or magic.setting("cluster", cfg),
            config=cfg,
            max_steps=opts.get("max_steps") or magic.setting("max_steps", cfg),
            namespace=opts.get("namespace") or magic.setting("namespace", cfg),
            on_event=view,
            previous=previous,
            notice=_notice(mode),
            **_extra_ask_options(magic, opts),
        )
    except (Exception, KeyboardInterrupt) as e:
        error, inv = e, getattr(e, "investigation", None)
        raise
    finally:
        view.close(inv, error)
        if inv is not None:
            magic.remember(inv, {k: v for k, v in opts.items() if k not in ("record", "json_output_file")})
            if opts.get("json_output_file"):
                inv.to_json(opts["json_output_file"])
    return inv


def _extra_ask_options(magic, opts: dict[str, Any]) -> dict[str, Any]:
    """Custom toolsets (the %config setting plus -t), recording and anonymizing, for ``api.ask``."""
    extra: dict[str, Any] = {"anonymize": bool(opts.get("anonymize"))}
    toolsets = list(magic.toolsets) + list(opts.get("toolsets") or [])
    if toolsets:
        extra["toolsets"] = toolsets
    if opts.get("record"):
        extra["record"] = opts["record"]
    return extra


def _notice(mode: str):
    def notice(message: str) -> None:
        print(f"holmes-nb: {message}", file=sys.stderr if mode == "off" else sys.stdout)

    return notice


# -- the subcommands -------------------------------------------------------------------------
def cmd_ask(magic, cmd: Command) -> Any:
    return _investigate(magic, cmd)


def cmd_followup(magic, cmd: Command) -> Any:
    if magic.current is None:
        raise UsageError('nothing to follow up: run %holmes ask "..." first (or %holmes reset was used)')
    return _investigate(magic, cmd, previous=magic.current)


def cmd_reset(magic, cmd: Command) -> None:
    _check_options(cmd, ())
    magic.reset()
    print("holmes-nb: conversation cleared; the next %holmes ask starts fresh (history is kept)")


def cmd_history(magic, cmd: Command) -> Any:
    import pandas as pd

    _check_options(cmd, ())
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

    from holmes_nb.cli.models import rows

    _check_options(cmd, ("config",))
    cfg = _load_config(magic, cmd.options.get("config"))
    data = rows(cfg)
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
    _check_options(cmd, ("config",))
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

    _check_options(cmd, ("config", "model"))
    cfg = _load_config(magic, cmd.options.get("config"))
    entry = _entry(magic, cfg, cmd.text or cmd.options.get("model"))
    report = check_model(entry, client_for(entry))
    frame = report.frame()
    if not report.ok:
        print(f"holmes-nb: {entry.label} failed a check; see the table", file=sys.stderr)
    return frame


def cmd_tools(magic, cmd: Command) -> Any:
    import pandas as pd

    from holmes_nb.api import default_tools
    from holmes_nb.cluster_spec import open_cluster

    _check_options(cmd, ("cluster",))
    target = open_cluster(cmd.options.get("cluster") or magic.setting("cluster") or "demo")
    tools = default_tools(target) + _custom_tools(magic)
    rows = [
        {
            "tool": t.name,
            "parameters": ", ".join(t.parameters.get("properties", {})),
            "required": ", ".join(t.parameters.get("required", [])),
            "description": t.description,
        }
        for t in tools
    ]
    return pd.DataFrame(rows, columns=["tool", "parameters", "required", "description"])


def _custom_tools(magic) -> list:
    out: list = []
    try:
        from holmes_nb.tools.custom import registered_tools
    except ImportError:
        return out
    out += list(registered_tools())
    if magic.toolsets:
        from holmes_nb.tools.toolsets_yaml import load_toolsets

        out += load_toolsets(list(magic.toolsets))
    return out


def cmd_scan(magic, cmd: Command) -> Any:
    from holmes_nb.analyzers import findings_frame, scan
    from holmes_nb.cluster_spec import open_cluster

    _check_options(cmd, ("cluster", "namespace"))
    target = open_cluster(cmd.options.get("cluster") or magic.setting("cluster"), notice=_notice("on"))
    return findings_frame(scan(target, namespace=cmd.options.get("namespace") or magic.setting("namespace")))


def cmd_investigate(magic, cmd: Command) -> Any:
    """``%holmes investigate alerts [--alertmanager-url URL] [--label k=v ...]``: one investigation
    per firing alert; the DataFrame is returned, the Investigations join ``%holmes history``."""
    from holmes_nb.alert_runs import investigate_alerts

    if cmd.text.strip().lower() not in ("alerts", "alertmanager"):
        raise UsageError("usage: %holmes investigate alerts [--alertmanager-url URL] [--label k=v] [--model M]")
    opts = cmd.options
    _check_options(
        cmd,
        ("model", "cluster", "config", "max_steps", "alertmanager_url", "labels", "concurrency", "json_output_file"),
    )
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
    _check_options(cmd, ())
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

    _check_options(cmd, ("config",))
    display(ModelPicker(magic, config=cmd.options.get("config")))
    display(ClusterPicker(magic))


def cmd_help(magic, cmd: Command) -> None:
    from holmes_nb.notebook.magics import HELP

    print(HELP)
