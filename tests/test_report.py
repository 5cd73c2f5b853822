"""Postmortem Markdown, the Investigation's HTML and mimebundle, and the timeline: from real runs
(scripted model server through LiteLLM, demo cluster) and the demo cluster's own data."""

from __future__ import annotations

import re

from devkit.openai_server import call, say
from holmes_nb import api
from holmes_nb.investigation import Investigation, Step, ToolCallRecord
from holmes_nb.report import (
    answer_html,
    export_postmortem,
    investigation_html,
    plot_timeline,
    postmortem_markdown,
    timeline_frame,
    tool_call_html,
)

KEY = "sk-report-test-7f3a9c1e5b2d"
PLANTED = ("hunter2-demo", "eyJhbGciOiJIUzI1NiJ9", KEY)  # demo env value, demo log bearer token, our API key
PNG = b"\x89PNG\r\n\x1a\n"


def _script():
    return [
        call("list_pods", namespace="data"),
        call("describe", {"kind": "pod", "name": "report-ui-4p6dlgd9jq-4cljb", "namespace": "data"}),  # has DB_PASSWORD
        call("pod_logs", {"name": "payments-worker-jtcggbqmfl-pmvnh", "namespace": "payments"}),  # bearer token
        call("events", namespace="shop"),
        call("describe", {"kind": "pod", "name": "checkout-zn9hbl8h66-skgzh", "namespace": "shop"}),
        say(
            f"## Cause\n**checkout** crash loops: `PAYMENTS_API_URL` is not set.\n\n- fix the ConfigMap\n"
            f"- (the model echoed the key {KEY})\n<script>alert(1)</script>"
        ),
    ]


def _investigate(model_server, openai_env) -> Investigation:
    srv = openai_env(model_server(_script()), key=KEY)
    inv = api.ask("why is checkout failing?", model="openai/scripted", cluster="demo", max_steps=8)
    assert inv.status == "answered" and len(inv.calls) == 5 and srv.chat_requests
    return inv


def _mask_run_values(html: str) -> str:
    """What nbval would mask: durations and the start time (they differ between two runs)."""
    return re.sub(r'(class="hnb-(?:duration|time)">)[^<]*<', r"\1X<", html)


def test_real_investigation_postmortem_and_display(model_server, openai_env, tmp_path):
    inv = _investigate(model_server, openai_env)
    paths = export_postmortem(inv, tmp_path / "pm" / "checkout.md", title="Checkout outage")
    md_path, png_path = paths
    text = md_path.read_text(encoding="utf-8")
    for section in (
        "# Checkout outage",
        "## Question",
        "## Answer",
        "## Evidence",
        "## Tool call log",
        "## Token usage",
        "## Timeline",
    ):
        assert f"\n{section}\n" in f"\n{text}", section
    assert "`openai/scripted`" in text and "### Cause" in text  # the answer's heading sits under "## Answer"
    assert "| namespace | name | phase | ready | restarts | reason | age | node |" in text  # list_pods evidence
    assert "| 5 | 5 | `describe` |" in text  # tool call log row
    assert f"| **total** | {inv.prompt_tokens} | {inv.completion_tokens} |" in text
    assert re.search(
        # describe said "3m1s ago" at the 10:30:00 capture: the exact finishedAt comes back
        r"\| 2025-03-14 10:26:59Z \| termination \| shop \| pod/checkout-zn9hbl8h66-skgzh \| Error \|",
        text,
    )
    assert "![Timeline of events, restarts and terminations](checkout-timeline.png)" in text
    assert png_path.name == "checkout-timeline.png" and png_path.read_bytes()[:8] == PNG
    bundle = inv._repr_mimebundle_()
    assert sorted(bundle) == ["text/html", "text/markdown", "text/plain"]
    assert "## Evidence" in bundle["text/markdown"] and "## Timeline" in inv.to_markdown()
    assert bundle["text/plain"].startswith("<Investigation answered") and "PAYMENTS_API_URL" in bundle["text/plain"]
    assert inv._repr_mimebundle_(include=["text/html"]).keys() == {"text/html"}
    html = bundle["text/html"]
    assert html.count("<details") == 5 and "&lt;script&gt;" in html and "<script>" not in html
    for out in (text, html, *bundle.values()):
        leaked = [s for s in PLANTED if s in out]
        assert not leaked, leaked
    assert "sk-...2d" not in text and "Bearer [REDACTED]" in text  # the log line is kept, the token is not

    again = _investigate(model_server, openai_env)  # a second run of the same question
    assert investigation_html(inv) == html  # same input: byte-identical
    assert _mask_run_values(investigation_html(again)) == _mask_run_values(html)
    assert not re.search(r'\sid="', html) and "uuid" not in html.lower()


def _record(frame=None, text="", status="ok", **kw) -> ToolCallRecord:
    return ToolCallRecord(
        step=1,
        call_id="c1",
        tool="list_pods",
        arguments={"namespace": "shop"},
        status=status,
        duration_ms=12.3,
        tokens=10,
        text=text,
        frame=frame,
        **kw,
    )


def test_tool_call_block_caps_rows_and_escapes_text():
    import pandas as pd

    frame = pd.DataFrame({"name": [f"pod-{i}" for i in range(50)], "note": ["<b>x</b>"] * 50})
    block = tool_call_html(_record(frame))
    assert block.startswith('<details class="hnb-call" data-status="ok">') and "</details>" in block
    assert "<code>list_pods</code>" in block and "namespace=&quot;shop&quot;" in block
    assert '<span class="hnb-duration">12 ms</span>' in block and "50 rows" in block
    assert block.count("<td>pod-") == 20 and "30 more rows (20 of 50 shown)" in block
    assert "&lt;b&gt;x&lt;/b&gt;" in block and "<b>x</b>" not in block
    failed = tool_call_html(_record(text="boom <img src=x>", status="error", error="no such pod"))
    assert '<details class="hnb-call" data-status="error" open>' in failed
    assert "<pre" in failed and "boom &lt;img src=x&gt;" in failed and "error: no such pod" in failed
    refusal = "You already called list_pods with these arguments at step 1."
    refused = tool_call_html(_record(text=refusal, status="refused", error=refusal))
    assert refused.count("You already called") == 1 and "hnb-result" not in refused  # said once


def test_answer_markdown_renders_safely():
    out = answer_html(
        "# Cause\n\nThe **checkout** pod lacks `A<B`.\n1. one\n2. two\n\n"
        "| pod | restarts |\n|---|---:|\n| a | 3 |\n\n```sh\nkubectl get pods && echo <x>\n```\n"
        "[docs](https://kubernetes.io) [bad](javascript:alert(1)) <iframe>"
    )
    assert "<h1>Cause</h1>" in out and "<strong>checkout</strong>" in out and "<code>A&lt;B</code>" in out
    assert "<ol>\n<li>one</li>\n<li>two</li>\n</ol>" in out
    assert '<th style="text-align:right">restarts</th>' in out and "<td>a</td>" in out
    assert (
        '<pre style="white-space:pre;overflow-x:auto"><code class="language-sh">kubectl get pods &amp;&amp; '
        "echo &lt;x&gt;</code></pre>"
    ) in out
    assert '<a href="https://kubernetes.io">docs</a>' in out and "javascript:" not in out.replace("bad", "")
    assert "&lt;iframe&gt;" in out and "<iframe>" not in out


def test_header_and_empty_investigation():
    inv = Investigation(
        question="what broke?",
        model="openai/x",
        cluster="demo",
        status="failed",
        error="model refused",
        warnings=["context cut"],
        started_at="2025-03-14T10:31:00+00:00",
    )
    inv.steps.append(Step(index=1, prompt_tokens=100, completion_tokens=7))
    html = investigation_html(inv)
    assert (
        "what broke?" in html
        and "<code>openai/x</code>" in html
        and '<span class="hnb-tokens">107 tokens</span>' in html
    )
    assert "Error: model refused" in html and "Note: context cut" in html and "<details" not in html
    md = postmortem_markdown(inv)
    assert "*(no answer)*" in md and "*No tool calls.*" in md and "**Error:** model refused" in md
    assert "*No events, restarts or terminations in the evidence.*" in md


def test_demo_cluster_timeline_is_sorted_and_complete():
    frame = timeline_frame("demo")
    assert list(frame.columns)[:6] == ["time", "kind", "namespace", "object", "reason", "message"]
    assert len(frame) > 50 and frame["time"].notna().all() and frame["time"].is_monotonic_increasing
    assert {"event", "warning", "restart", "termination", "eviction"} <= set(frame["kind"])
    oom = frame[(frame["kind"] == "termination") & (frame["reason"] == "OOMKilled")]
    assert list(oom["object"]) == ["pod/recommendations-cls4ggdjg8-mjwrk"]
    assert str(oom["time"].iloc[0]) == "2025-03-14 10:26:04+00:00" and "exit 137" in oom["message"].iloc[0]
    backoff = frame[(frame["object"] == "pod/checkout-zn9hbl8h66-skgzh") & (frame["reason"] == "BackOff")]
    assert int(backoff["count"].iloc[0]) > 700 and backoff["since"].iloc[0] < backoff["time"].iloc[0]
    assert set(timeline_frame("demo", namespace="data")["namespace"]) == {"data"}


def test_timeline_plots_to_png(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    fig = plot_timeline(timeline_frame("demo"))
    fig.savefig(tmp_path / "t.png", dpi=60)
    data = (tmp_path / "t.png").read_bytes()
    assert data[:8] == PNG and len(data) > 5000
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == 25 and "busiest" in ax.get_title()
    inv = Investigation(question="q", model="m", cluster="demo")
    empty = inv.timeline()  # no evidence yet: an empty picture, not an error
    assert empty.axes[0].texts[0].get_text() == "no timed events in this investigation"
    assert inv.timeline("demo").axes[0].get_yticklabels()  # a spec string is opened
