"""Postmortems of the whole conversation: notebook 01's two questions, the summary at the top,
identical tables once, findings root causes first, cost per question."""

from __future__ import annotations

import re
from pathlib import Path

from test_magics import TestingShell, ip, server  # noqa: F401 (fixtures)

from devkit.openai_server import call, say
from holmes_nb.report.conversation import conversation, findings_of
from holmes_nb.report.postmortem import postmortem_markdown

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_export_of_notebook_01_contains_both_questions(ip, monkeypatch, tmp_path, capsys):  # noqa: F811
    """The quickstart's ask and follow-up cells, replayed from its recordings, then %holmes export."""
    monkeypatch.chdir(NOTEBOOKS)
    ip.run_cell('%config HolmesMagic.config_path = "holmes-config.yaml"')
    ip.run_cell(
        'inv = %holmes ask "Why does checkout keep restarting?" --cluster demo --namespace shop --model recorded-diagnosis'
    )
    ip.run_cell('second = %holmes followup "How do I fix it?" --model recorded-diagnosis-followup')
    target = tmp_path / "pm.md"
    ip.run_cell(f"%holmes export {target}")
    text = target.read_text(encoding="utf-8")
    assert "> Why does checkout keep restarting?" in text and "> How do I fix it?" in text
    assert "PAYMENTS_API_URL" in text.split("## Follow-up 1", 1)[0]  # the first answer, SmolLM2's diagnosis
    assert (
        text.index("## Summary") < text.index("## Question") < text.index("## Follow-up 1") < text.index("## Evidence")
    )
    assert "## Answer to follow-up 1" in text
    first, second = ip.user_ns["inv"], ip.user_ns["second"]
    # the evidence-first follow-up reads the conversation, no new calls: every call row is question 1's
    assert second.calls == [] and second.profile == "evidence-first"
    assert re.search(rf"\| {len(first.calls)} \| \d+ \| `[a-z_]+` \|.*\| 1 \|", text)
    assert "PAYMENTS_API_URL" in text.split("## Answer to follow-up 1", 1)[1].split("##", 1)[0]
    summary = dict(re.findall(r"- \*\*(.+?):\*\* (.*)", text.split("## Question", 1)[0]))
    assert summary["What broke"].startswith("Pod shop/checkout-")  # the pod asked about, before other roots
    assert summary["Cause"] == " ".join(first.answer.split())[: len(summary["Cause"])]  # the diagnosis ...
    assert summary["Fix"] in " ".join(second.answer.split())  # ... and the follow-up's fix, each once


def test_summary_findings_and_identical_tables_once(server):  # noqa: F811
    script = [
        call("find_problems", namespace="shop"),
        call("events", namespace="shop"),
        call("list_pods", namespace="shop"),
    ]
    server([*script, say("checkout crashes")])
    import holmes_nb

    first = holmes_nb.ask("what is failing in shop?", model="openai/scripted", cluster="demo")
    server(
        [
            call("list_pods", namespace="shop"),
            say("Roll back the checkout deployment: the new image lacks PAYMENTS_API_URL."),
        ]
    )
    second = holmes_nb.ask("how do I fix checkout?", model="openai/scripted", cluster="demo", previous=first)
    md = postmortem_markdown(second)
    summary = md.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert "**What broke:** " in summary and "checkout" in summary.split("**What broke:**", 1)[1].split("\n")[0]
    assert "**Since when:** 2025-03-14" in summary
    assert "**Cause:** checkout crashes" in summary  # the diagnosis; the answer that leads with a fix is the fix
    assert "**Fix:** Roll back the checkout deployment" in summary
    assert md.count('`list_pods`(namespace="shop")') == 1  # the same table of both questions, once
    assert "the same table came back 1 more time(s)" in md
    findings = md.split("## Findings (root causes first)", 1)[1].split("\n## ", 1)[0]
    found = findings_of(conversation(second))
    root = found["caused_by"].isna().tolist()
    assert True in root and False in root and root == sorted(root, reverse=True)  # root causes first
    consequence = found[~found["caused_by"].isna()].iloc[0]
    assert findings.index(found["name"].iloc[0]) < findings.index(f"| {consequence['name']} |")
    assert md.count("| cost | $0.0000 |") == 2 and "Cost: $0.0000 (0 for local models)." in md


def test_timeline_marks_the_incident_window_and_rollouts_and_explains_itself():
    import matplotlib

    matplotlib.use("Agg")
    from holmes_nb.investigation import Investigation
    from holmes_nb.report.timeline import plot_timeline, timeline_frame
    from holmes_nb.report.timeline_marks import CAPTION, incident_window, rollout_times

    frame = timeline_frame("demo")
    start, end = incident_window(frame)
    problems = frame[frame["kind"].isin(["warning", "restart", "termination", "eviction", "alert"])]
    assert problems["time"].min() <= start < end == problems["time"].max()
    rollouts = rollout_times(frame)
    assert rollouts and all(
        t in set(frame.loc[frame["kind"] == "change", "time"]) | set(frame["time"]) for t in rollouts
    )
    ax = plot_timeline(frame).axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert "incident window" in labels and "deploy / rollout" in labels
    assert " ".join(CAPTION.split()) in " ".join(ax.get_xlabel().split())
    empty = Investigation(question="q", model="m").timeline().axes[0]
    assert empty.texts[0].get_text() == "no timed events in this investigation" and not empty.axison


def test_summary_line_has_tokens_and_cost(server):  # noqa: F811
    import holmes_nb
    from holmes_nb.notebook.live_view import LiveView

    server([say("fine")])
    inv = holmes_nb.ask("is shop healthy?", model="openai/scripted", cluster="demo")
    line = LiveView("q").summary(inv, None)
    assert f"{inv.prompt_tokens + inv.completion_tokens:,} tokens · $0.0000 · " in line
