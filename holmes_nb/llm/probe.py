"""check-model: is this backend usable for an investigation, and how must we talk to it?

Answers, with real requests: is the server reachable and which model ids does it serve; does
the model call tools (natively, or as text we can parse); do tool results reach the model as
``role: "tool"`` messages or only as user messages; how large is the context window.

    report = check_model(entry)
    print(report)            # a table
    report.ok, report.recommended_tool_results
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from holmes_nb.errors import HolmesError
from holmes_nb.llm.client import LLMClient
from holmes_nb.llm.compat import ToolCall, assistant_message, result_messages
from holmes_nb.llm.entry import ModelEntry
from holmes_nb.llm.replay import open_recording, player_for
from holmes_nb.redact import mask_key, redact_url, scrub

_PROBE_TOOL = {
    "type": "function",
    "function": {
        "name": "list_pods",
        "description": "List the pods of a Kubernetes namespace.",
        "parameters": {"type": "object", "properties": {"namespace": {"type": "string"}}, "required": ["namespace"]},
    },
}
_CODE = "4917"


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str


@dataclass
class CheckReport:
    model: str
    api_base: str
    checks: list[Check] = field(default_factory=list)
    context_window: int | None = None
    recommended_tool_results: str | None = None

    @property
    def ok(self) -> bool:
        return all(c.status in ("ok", "warn", "skip") for c in self.checks)

    def __post_init__(self) -> None:
        self.api_base = redact_url(self.api_base)  # printed, framed and written as JSON: never a password

    def add(self, name: str, status: str, detail: str) -> None:
        self.checks.append(Check(name, status, scrub(detail)))

    def frame(self):
        import pandas as pd

        return pd.DataFrame([c.__dict__ for c in self.checks], columns=["name", "status", "detail"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "api_base": self.api_base,
            "ok": self.ok,
            "context_window": self.context_window,
            "recommended_tool_results": self.recommended_tool_results,
            "checks": [c.__dict__ for c in self.checks],
        }

    def __str__(self) -> str:
        width = max((len(c.name) for c in self.checks), default=5)
        lines = [f"model {self.model} at {self.api_base}"]
        lines += [f"  {c.name.ljust(width)}  {c.status.upper():4}  {c.detail}" for c in self.checks]
        lines.append("  => " + ("usable for investigations" if self.ok else "NOT usable as configured"))
        return "\n".join(lines)


def check_model(entry: ModelEntry, client: LLMClient | None = None) -> CheckReport:
    """Run every check against the backend; never raises for a failing backend (it reports)."""
    if entry.replays:
        return _check_recording(open_recording(entry))
    client = client or LLMClient(entry)
    report = CheckReport(entry.label if entry.key else entry.model, entry.api_base or "(provider default)")
    _check_reachable(client, report)
    if report.checks and report.checks[-1].status == "fail":
        return report
    calls = _check_tool_calls(client, report)
    if calls is not None:
        _check_tool_results(client, report, calls)
    info = client.context_info()
    report.context_window = info.tokens
    status = "warn" if info.assumed else "ok"
    hint = "; set custom_args.max_context_size to the server's real size" if info.assumed else ""
    report.add("context window", status, f"{info.tokens} tokens ({info.source}){hint}")
    return report


def _check_reachable(client: LLMClient, report: CheckReport) -> None:
    entry = client.entry
    server = client.server_info()
    if server is None:
        report.add("reachable", "skip", "hosted provider: checked by the requests below")
        return
    if not server.reachable:
        report.add(
            "reachable",
            "fail",
            f"no OpenAI-compatible API answers at {redact_url(entry.api_base)} "
            f"(GET /models failed); is the server running? api_key {mask_key(entry.api_key)}",
        )
        return
    name = entry.model.split("/", 1)[-1]
    ids = ", ".join(server.model_ids[:8]) or "none listed"
    served = not server.model_ids or name in server.model_ids
    report.add("reachable", "ok", f"serves: {ids}")
    if not served:
        report.add("model id", "warn", f"{name!r} is not among the served ids; some servers accept any name")


def _check_tool_calls(client: LLMClient, report: CheckReport) -> list[ToolCall] | None:
    messages = [
        {"role": "system", "content": "You can call tools. Use them to answer."},
        {"role": "user", "content": "List the pods in namespace 'probe'."},
    ]
    try:
        got = client.complete(messages, [_PROBE_TOOL], max_tokens=128, valid_names=["list_pods"])
    except HolmesError as e:
        report.add("tool calls", "fail", str(e))
        return None
    if not got.tool_calls:
        said = (got.content or "").strip().replace("\n", " ")[:80]
        report.add(
            "tool calls",
            "fail",
            f"the model answered without calling the tool ({said!r}); "
            "it may lack tool calling, or the server needs a tool-calling chat format",
        )
        return None
    how = "native tool_calls" if not got.notes else got.notes[0]
    args = got.tool_calls[0].arguments
    detail = f"{how}; arguments {args}"
    report.add("tool calls", "ok" if args.get("namespace") == "probe" else "warn", detail)
    return got.tool_calls[:1]


def _check_tool_results(client: LLMClient, report: CheckReport, calls: list[ToolCall]) -> None:
    calls[0].id = calls[0].id or "call01000"
    base = [
        {"role": "system", "content": "Answer from the tool results."},
        {"role": "user", "content": "What is the code in the tool result? Reply with the code only."},
    ]
    result = [(calls[0], f"The code is {_CODE}.")]
    seen = {}
    for mode in ("tool", "user"):
        messages = base + [assistant_message("", calls, mode)] + result_messages(result, mode)
        try:
            got = client.complete(messages, None, max_tokens=32)
            seen[mode] = _CODE in (got.content or "")
        except HolmesError as e:
            seen[mode] = False
            if mode == "tool":
                report.add("tool messages", "warn", f"the server rejected role 'tool' messages: {e}")
    if seen.get("tool"):
        report.recommended_tool_results = "tool"
        report.add("tool results", "ok", "the model reads role 'tool' messages")
    elif seen.get("user"):
        report.recommended_tool_results = "user"
        report.add(
            "tool results",
            "warn",
            "visible only as user messages (the server drops role 'tool' "
            "content); holmes-nb sends them that way for llama-cpp-python, else set tool_results: user",
        )
    else:
        report.add(
            "tool results",
            "fail",
            f"the model did not repeat the code {_CODE} from a tool result "
            "either way; a very small model may simply not follow instructions",
        )


def _check_recording(entry: ModelEntry) -> CheckReport:
    """A ``replay/FILE`` backend has no server to probe: report what the recording holds."""
    rec = player_for(entry.recording_path).rec
    meta = rec.meta
    report = CheckReport(entry.label if entry.key else entry.model, f"recording {rec.path.name}")
    report.add(
        "reachable",
        "ok",
        f"recorded run of {meta.get('model_id') or meta.get('model')} "
        f"({meta.get('server_kind') or 'unknown server'}) on {str(meta.get('recorded_at', '?'))[:10]}, "
        f"holmes-nb {meta.get('holmes_nb_version', '?')}",
    )
    calls = rec.called()
    report.add(
        "tool calls", "ok" if calls else "warn", f"{len(calls)} recorded: {', '.join(sorted(set(calls))) or 'none'}"
    )
    report.add("tool results", "skip", f"replayed as recorded ({rec.tool_results_mode()} messages)")
    report.add("question", "ok", f"replays only: {rec.question!r}")
    report.context_window = entry.max_context_size
    report.add("context window", "ok", f"{entry.max_context_size} tokens (as recorded)")
    return report
