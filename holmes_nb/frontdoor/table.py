"""Every command and option of both fronts, declared once.

The ``%holmes`` parser (holmes_nb.notebook.parsing), its option checks, ``%holmes help``
(holmes_nb.frontdoor.help) and the ``holmes-nb`` argparse parsers (holmes_nb.frontdoor.cli_args)
are generated from ``OPTIONS`` and ``COMMANDS``. An option's ``name`` is its keyword everywhere:
the parsed options' key, the argparse ``dest``, and, when ``to_api``, the keyword of
:func:`holmes_nb.api.ask`. ``snapshot`` and ``local-model`` are CLI-only command groups with
their own nested parsers (holmes_nb.cli.snapshot, holmes_nb.cli.local_model).
"""

from __future__ import annotations

from collections.abc import Mapping

BOTH = frozenset({"notebook", "cli"})
NOTEBOOK = frozenset({"notebook"})
CLI = frozenset({"cli"})
SEVERITIES = ("critical", "warning", "info")


class Option:
    """One option: ``name`` (its keyword everywhere), ``flags``, ``help``; ``kind`` str, int, bool (a
    switch) or list (repeatable); ``to_api``: passed to holmes_nb.api.ask; ``fronts``: where it exists."""

    __slots__ = ("name", "flags", "help", "kind", "metavar", "minimum", "choices", "default", "to_api", "fronts")

    def __init__(
        self,
        name: str,
        flags: tuple[str, ...],
        help: str,
        kind: type = str,
        *,
        metavar: str | None = None,
        minimum: int | None = None,
        choices: tuple[str, ...] | None = None,
        default: object = None,
        to_api: bool = False,
        fronts: frozenset[str] = BOTH,
    ):
        self.name, self.flags, self.help, self.kind = name, flags, help, kind
        self.metavar, self.minimum, self.choices, self.default = metavar, minimum, choices, default
        self.to_api, self.fronts = to_api, fronts

    def __repr__(self) -> str:
        return f"Option({self.name!r}, {self.flags!r})"

    @property
    def long(self) -> str:
        return next(f for f in self.flags if f.startswith("--"))

    @property
    def takes_value(self) -> bool:
        return self.kind is not bool

    def convert(self, raw: str) -> object:
        """The value of ``raw`` for this option; ValueError with a message for people."""
        if self.choices and raw not in self.choices:
            raise ValueError(f"{self.long} must be one of {', '.join(self.choices)}, not {raw!r}")
        if self.kind is not int:
            return raw
        try:
            number = int(raw)
        except ValueError:
            raise ValueError(f"{self.long} must be a whole number, not {raw!r}") from None
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{self.long} must be at least {self.minimum}")
        return number


class Argument:
    """A command's argument: ``many`` takes the rest of the line (a question), else one optional word."""

    __slots__ = ("name", "metavar", "help", "many")

    def __init__(self, name: str, metavar: str, help: str, many: bool = False):
        self.name, self.metavar, self.help, self.many = name, metavar, help, many


class CommandSpec:
    """One command: its ``options`` (names in OPTIONS), ``argument``, ``aliases``, ``fronts``; ``cell``:
    ``%%holmes NAME`` takes the cell body as the argument; ``repeat``: options given more than once in
    this command (a list, e.g. ``eval --model a --model b``)."""

    __slots__ = ("name", "summary", "options", "argument", "aliases", "fronts", "description", "cell", "repeat")

    def __init__(
        self,
        name: str,
        summary: str,
        options: tuple[str, ...] = (),
        argument: Argument | None = None,
        *,
        aliases: tuple[str, ...] = (),
        fronts: frozenset[str] = BOTH,
        description: str | None = None,
        cell: bool = False,
        repeat: tuple[str, ...] = (),
    ):
        self.name, self.summary, self.options, self.argument = name, summary, options, argument
        self.aliases, self.fronts, self.description, self.cell = aliases, fronts, description, cell
        self.repeat = repeat

    def __repr__(self) -> str:
        return f"CommandSpec({self.name!r})"

    def options_for(self, front: str) -> list[Option]:
        return [o for o in (OPTIONS[n] for n in self.options) if front in o.fronts]


def _options(*options: Option) -> dict[str, Option]:
    return {o.name: o for o in options}


OPTIONS: dict[str, Option] = _options(
    Option(
        "model", ("-m", "--model"), "a modelList key or a LiteLLM id such as openai/llama3", metavar="M", to_api=True
    ),
    Option(
        "cluster",
        ("-c", "--cluster"),
        "demo | PATH to a snapshot | context:NAME (default: the config file's cluster, else kubeconfig, else demo)",
        metavar="SPEC",
        to_api=True,
    ),
    Option("namespace", ("-n", "--namespace"), "the namespace to focus on (scan: only it)", metavar="NS", to_api=True),
    Option("max_steps", ("--max-steps",), "model calls at most (default 20)", int, metavar="N", minimum=1, to_api=True),
    Option(
        "toolsets",
        ("-t", "--custom-toolsets"),
        "HolmesGPT custom toolset YAML whose command tools the model may call (repeatable)",
        list,
        metavar="FILE",
        to_api=True,
    ),
    Option(
        "record",
        ("--record",),
        "save every model request and response (keys masked) for --model replay/FILE",
        metavar="FILE",
        to_api=True,
    ),
    Option(
        "anonymize",
        ("--anonymize",),
        "the model sees placeholders (ns-1, deploy-2, ip-3) instead of names of namespaces, workloads, pods, "
        "nodes and IPs; the answer shows the real ones",
        bool,
        to_api=True,
    ),
    Option(
        "config",
        ("--config",),
        "config or Helm values file (default: $HOLMES_NB_CONFIG or ~/.holmes/config.yaml)",
        metavar="FILE",
        to_api=True,
    ),
    Option(
        "json_output_file", ("--json-output-file",), "write the Investigation as JSON (also on failure)", metavar="FILE"
    ),
    Option("live", ("--live",), "show the live view of tool calls", bool, fronts=NOTEBOOK),
    Option("no_live", ("--no-live",), "no live view", bool, fronts=NOTEBOOK),
    Option(
        "prompt_file", ("--prompt-file",), "read the question (or more of it) from a file", metavar="FILE", fronts=CLI
    ),
    Option("quiet", ("-q", "--quiet"), "no progress on stderr", bool, fronts=CLI),
    Option(
        "concurrency",
        ("--concurrency",),
        "runs at once (eval: backends, default 1, the runs of one server never overlap; investigate: alerts, default 3)",
        int,
        metavar="N",
        minimum=1,
    ),
    Option(
        "alertmanager_url",
        ("--alertmanager-url",),
        "the Alertmanager (default: alertmanager_url in the config, else $ALERTMANAGER_URL)",
        metavar="URL",
    ),
    Option(
        "labels",
        ("--label", "--alertmanager-label"),
        'only alerts matching label=value (also !=, =~"re", !~); repeatable, all must match',
        list,
        metavar="MATCHER",
    ),
    Option("alertname", ("--alertmanager-alertname",), "only alerts whose name matches", metavar="REGEX", fronts=CLI),
    Option("judge", ("--judge",), "a model that gives a second verdict on each answer", metavar="KEY", fronts=CLI),
    Option("json", ("--json",), "print JSON", bool, fronts=CLI),
    Option(
        "severity",
        ("--severity",),
        "show findings at this severity or worse (default: info, i.e. all)",
        choices=SEVERITIES,
        default="info",
    ),
    Option(
        "format",
        ("--format",),
        "output format (default: table)",
        choices=("table", "json", "markdown"),
        default="table",
        fronts=CLI,
    ),
    Option(
        "fail_on",
        ("--fail-on",),
        "exit 3 when a finding at this severity or worse exists (for CI)",
        metavar="SEVERITY",
        choices=SEVERITIES,
        fronts=CLI,
    ),
)

_INVESTIGATE = ("model", "cluster", "namespace", "max_steps", "toolsets", "record", "anonymize", "config")
_QUESTION = Argument(
    "question", "QUESTION", "the question (quotes optional in %holmes; quote it in a shell)", many=True
)

COMMANDS: dict[str, CommandSpec] = {
    c.name: c
    for c in (
        CommandSpec(
            "ask",
            "investigate a question about the cluster",
            (*_INVESTIGATE, "json_output_file", "live", "no_live", "prompt_file", "quiet"),
            _QUESTION,
            description="Ask a question; the model calls read-only Kubernetes tools and answers with evidence. "
            "Piped input is appended to the question.",
            cell=True,
        ),
        CommandSpec(
            "followup",
            "continue the last conversation",
            (*_INVESTIGATE, "json_output_file", "live", "no_live"),
            _QUESTION,
            aliases=("follow-up",),
            fronts=NOTEBOOK,
            cell=True,
        ),
        CommandSpec("reset", "forget the conversation (history is kept)", fronts=NOTEBOOK),
        CommandSpec("history", "past investigations (a DataFrame)", fronts=NOTEBOOK),
        CommandSpec("models", "configured models (API keys masked)", ("config", "json")),
        CommandSpec(
            "model", "show or switch the model", ("config",), Argument("key", "KEY", "a modelList key"), fronts=NOTEBOOK
        ),
        CommandSpec(
            "check-model",
            "can this backend call tools? see their results? how big is its context?",
            ("config", "json"),
            Argument("key", "KEY", "a modelList key or LiteLLM id (default: the configured default)"),
            aliases=("check",),
        ),
        CommandSpec("tools", "the tools the model can call", ("cluster", "config"), fronts=NOTEBOOK),
        CommandSpec(
            "scan",
            "find broken things with deterministic analyzers (no LLM)",
            ("cluster", "namespace", "config", "severity", "format", "fail_on"),
            description="Scan a cluster for known failure patterns (CrashLoopBackOff, unschedulable pods, "
            "Services without endpoints, ...) and explain each finding with its evidence.",
        ),
        CommandSpec(
            "eval",
            "measure diagnosis: run a suite of incidents on one or more models",
            ("model", "config", "max_steps", "concurrency", "judge", "json_output_file", "quiet"),
            Argument("suite", "SUITE", "a suite YAML file, or `demo` for the bundled suite"),
            fronts=CLI,
            repeat=("model",),
            description="Run every scenario of SUITE on every --model (repeat it) and print one row per run. A run "
            "passes when the model's own answer matches every `expect` regex; an evidence fallback never passes. "
            "Exit 0 when every run passed, 1 otherwise, 130 when interrupted (finished rows are kept). "
            "See docs/evaluation.md.",
        ),
        CommandSpec(
            "investigate",
            "investigate firing alerts: one investigation per alert",
            (
                "model",
                "cluster",
                "config",
                "max_steps",
                "alertmanager_url",
                "labels",
                "alertname",
                "concurrency",
                "json_output_file",
                "quiet",
            ),
            Argument("source", "SOURCE", "alertmanager (the notebook also takes `alerts`)"),
            description="One investigation per firing alert of an Alertmanager (v2 API), each started from the "
            "alert's labels and annotations, run concurrently: a table (a DataFrame in a notebook) and, with "
            "--json-output-file, a JSON list. As HolmesGPT's `holmes investigate alertmanager`.",
        ),
        CommandSpec(
            "export",
            "write the last investigation as a postmortem",
            argument=Argument("path", "PATH.md", "where to write (default postmortem.md)"),
            fronts=NOTEBOOK,
        ),
        CommandSpec(
            "cells",
            "insert the last investigation's tool calls as re-runnable code (Python and kubectl)",
            fronts=NOTEBOOK,
            aliases=("rerun",),
        ),
        CommandSpec("pick", "model and cluster picker widgets", ("config",), aliases=("picker",), fronts=NOTEBOOK),
        CommandSpec("help", "this list", fronts=NOTEBOOK),
    )
}


def commands_for(front: str) -> list[CommandSpec]:
    return [c for c in COMMANDS.values() if front in c.fronts]


def lookup(word: str, front: str) -> CommandSpec | None:
    """The command called ``word`` (or one of its aliases) on ``front``."""
    for spec in commands_for(front):
        if word == spec.name or word in spec.aliases:
            return spec
    return None


def flags_for(front: str) -> dict[str, Option]:
    """Every flag of ``front`` -> its Option."""
    return {f: o for o in OPTIONS.values() if front in o.fronts for f in o.flags}


def did_you_mean(word: str, choices) -> str:
    """``"; did you mean '--cluster'"`` for a close match (difflib), else ``""``."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}" if close else ""


def api_kwargs(values: Mapping[str, object]) -> dict:
    """The options of ``values`` that :func:`holmes_nb.api.ask` takes, under the same names."""
    return {o.name: values[o.name] for o in OPTIONS.values() if o.to_api and values.get(o.name) is not None}
