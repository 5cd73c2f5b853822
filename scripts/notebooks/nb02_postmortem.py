from cells import code, md

NAME = "02-postmortem"
CELLS = [
    md("""
# Postmortem template

Fill in the **parameters** cell, run everything, and get a Markdown postmortem: what the analyzers
found, a timeline of events, restarts and terminations, the model's investigation of each question
with the evidence tables its tool calls returned, and a plot. Nothing is written to the cluster (every
tool is read-only) and everything written is scrubbed of API keys and tokens.

Run it headless with [papermill](https://papermill.readthedocs.io) (the cell below is tagged
`parameters`), from the repository root:

```bash
papermill notebooks/02-postmortem.ipynb notebooks/output/checkout-outage.ipynb --cwd notebooks \\
    -p incident_title "Checkout outage, 14 March" -p cluster ~/incidents/incident-42.json.gz \\
    -p model openai/gpt-4o-mini -y 'questions: ["why is checkout crashing?", "what changed in shop?"]'
```

`--cwd notebooks` runs the kernel beside `holmes-config.yaml`, so relative `cluster` and `output`
paths are relative to `notebooks/` (without `--cwd` they are relative to where papermill runs; the
config is found either way). As shipped it runs offline on the demo cluster with a recorded model
run, which only answers the question it recorded.
"""),
    code("""
incident_title = "Shop and payments outage (demo cluster)"
cluster = "demo"  # "demo", a snapshot file or `kubectl cluster-info dump` directory, "context:NAME"
model = "recorded-smollm2"  # a modelList key of `config`, or a LiteLLM id such as "openai/gpt-4o-mini"
questions = ["what pods are failing?"]
namespace = None  # limit the scan and the questions to one namespace
config = "holmes-config.yaml"  # the modelList file (also looked up in notebooks/)
output = "output/postmortem.md"  # the postmortem; the timeline picture is written beside it
""", "parameters"),
    code("""
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

import holmes_nb
from holmes_nb.report import plot_timeline, timeline_frame

# papermill runs the kernel where it was started: find the config there or in notebooks/
found = next((p for p in (Path(config), Path("notebooks") / config) if p.is_file()), None)
config = str(found) if found else None
target = holmes_nb.cluster(cluster)
cluster_time = target.cluster.now().strftime("%Y-%m-%d %H:%M UTC")
print(f"{incident_title}\\ncluster: {target.name} (as of {cluster_time}); model: {model}; {len(questions)} question(s)")
""", "nbval-check-output"),
    md("""
## 1. What the analyzers found

Deterministic checks, no model involved (the same as `%holmes scan --cluster ...`).
"""),
    code("""
findings = target.problems(namespace)
pd.set_option("display.max_colwidth", 120)
findings["severity"].value_counts().to_frame().T
""", "nbval-check-output"),
    code("""
findings[["severity", "kind", "namespace", "name", "reason", "message"]]
""", "nbval-check-output"),
    md("""
## 2. Timeline

Events, container terminations and restarts, evictions: exact times from the cluster (the API server
keeps events for about an hour, so older history is each container's last termination only).
"""),
    code("""
timeline = timeline_frame(target.cluster, namespace=namespace)
fig = plot_timeline(timeline, title=incident_title)
fig
""", "nbval-ignore-output"),
    code("""
key_moments = timeline[timeline["kind"] != "event"].drop(columns=["since"])
key_moments.tail(12)
""", "nbval-check-output"),
    md("""
### What changed, what fired, what the metrics show

The timeline above holds changes (rollouts, Helm releases, edits), firing alerts and metric limit
crossings too. The evidence behind them, without a model: the change history with each rollout's
pod template diff, the alerts, and memory against the limit. With `PROMETHEUS_URL` and
`ALERTMANAGER_URL` set they come from those servers; otherwise from the series and alerts frozen
in the snapshot (the demo holds some).
"""),
    code("""
changes = holmes_nb.changes(target, namespace)
changes[changes["change"] != "created"][["time", "namespace", "kind", "name", "change", "revision", "detail"]].head(10)
""", "nbval-check-output"),
    code("""
from holmes_nb.sources.evidence import alerts_backend
from holmes_nb.tools.alerts import alerts_frame

alerts = alerts_backend(target.cluster)
alerts_frame(alerts.alerts() if alerts else [])[["alertname", "severity", "startsAt", "summary"]]
""", "nbval-check-output"),
    code("""
from holmes_nb.report.metrics_plot import plot_metrics

memory = holmes_nb.metrics('container_memory_working_set_bytes{namespace="shop"}', start="-6h", cluster=target)
plot_metrics(memory, threshold=512 * 2**20, max_series=5, title="shop: container memory, 6 h before the capture")
""", "nbval-ignore-output"),
    md("""
## 3. Investigations

Each question goes to the model, which calls read-only tools against the cluster. Every tool call
and the table it returned are kept in the `Investigation`.
"""),
    code("""
investigations = []
for question in questions:
    inv = holmes_nb.ask(question, model=model, cluster=target, config=config, namespace=namespace)
    investigations.append(inv)
    display(inv)
""", "nbval-ignore-output"),
    code("""
pd.DataFrame([{"question": inv.question, "status": inv.status, "steps": len(inv.steps),
               "tool calls": len(inv.calls), "tables": len(inv.frames)} for inv in investigations])
""", "nbval-check-output"),
    md("The evidence: each question's tool calls, then every distinct table they returned (first rows)."),
    code("""
for i, inv in enumerate(investigations, 1):
    display(Markdown(f"### Question {i}: {inv.question}"))
    display(inv.tool_calls[["step", "tool", "arguments", "status", "rows"]])
    shown = []
    for key, frame in inv.frames.items():
        if any(frame.equals(seen) for seen in shown):
            continue  # the same table again (the model repeated a call)
        shown.append(frame)
        display(Markdown(f"`{key}`: {len(frame)} rows"))
        display(frame.head(15))
""", "nbval-check-output"),
    md("""
## 4. Export the postmortem

One Markdown file with a **Summary** section left for the incident owner, the analyzers' findings,
the timeline (picture and table), and for each question the answer, evidence tables, tool call log
and token usage (`inv.to_markdown()`; `holmes_nb.report.export_postmortem(inv, path)` writes one
investigation on its own).
"""),
    code("""
from holmes_nb.redact import scrub
from holmes_nb.report.postmortem import markdown_table


def shift_headings(text, by=1):
    \"\"\"Move Markdown headings down ``by`` levels (outside code fences), to nest a document.\"\"\"
    lines, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            line = "#" * by + line
        lines.append(line)
    return "\\n".join(lines)


out = Path(output)
out.parent.mkdir(parents=True, exist_ok=True)
picture = out.with_name(out.stem + "-timeline.png")
fig.savefig(picture, dpi=100, metadata={"Software": None})
doc = [
    f"# {incident_title}", "",
    "| | |", "|---|---|", f"| cluster | `{target.name}` (as of {cluster_time}) |", f"| model | `{model}` |",
    f"| questions | {len(questions)} |", f"| generated by | holmes-nb {holmes_nb.__version__} |", "",
    "## Summary", "", "*Impact, root cause, resolution and follow-up actions: written by the incident owner.*", "",
    "## What the analyzers found", "", markdown_table(findings[["severity", "kind", "namespace", "name", "reason",
                                                                 "message"]], max_rows=100), "",
    "## Timeline", "", f"![timeline]({picture.name})", "", markdown_table(key_moments, max_rows=50), "",
]
for i, inv in enumerate(investigations, 1):
    doc += [shift_headings(inv.to_markdown(title=f"Question {i}: {inv.question}")), ""]
out.write_text(scrub("\\n".join(doc)), encoding="utf-8")
print(f"wrote {out} and {picture}")
""", "nbval-check-output"),
    code("""
display(Markdown(out.read_text().split("## Timeline")[0]))
""", "nbval-check-output"),
]
