"""Alerts: the firing_alerts tool and one investigation per alert against a real Alertmanager
(alerts posted to its v2 API), with the scripted model server; and a whole investigation of the
bad rollout in which the model receives the revision diff, the metric's peak and the alert."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from prom_servers import LocalAlertmanager

from devkit.metrics import demo_alerts
from devkit.openai_server import call, say
from holmes_nb.formats.demo import demo_cluster
from holmes_nb.sources.alertmanager import AlertmanagerClient, AlertmanagerError
from holmes_nb.sources.matchers import parse_matchers
from holmes_nb.tools.alerts import alerts_tool


@pytest.fixture(scope="module")
def demo():
    return demo_cluster()


@pytest.fixture(scope="module")
def alertmanager(demo):
    am = LocalAlertmanager()
    am.post(demo_alerts(demo.now()))
    yield am
    am.stop()


def test_firing_alerts_tool_on_a_real_alertmanager(demo, alertmanager):
    client = AlertmanagerClient(alertmanager.url)
    r = alerts_tool(demo, client).run({"namespace": "shop", "name": "frontend"})
    assert r.ok, r.text
    assert r.text.splitlines() == [
        "1 firing alerts in namespace 'shop' about 'frontend', oldest first:",
        "- warning KubeDeploymentRolloutStuck deployment=frontend namespace=shop since 25m: "
        "Rollout of deployment shop/frontend is not progressing.",
    ]
    everything = alerts_tool(demo, client).run({})
    assert everything.meta["rows"] == 6 and set(everything.frame["alertname"]) >= {"HighErrorRate"}
    critical = client.alerts(["severity=critical"])
    assert sorted(a["labels"]["alertname"] for a in critical) == ["HighErrorRate", "NodeFilesystemSpaceFillingUp"]
    assert [a["labels"]["alertname"] for a in client.alerts('alertname=~"Kube.*OOM.*"')] == ["KubeContainerOOMKilled"]
    client.close()


def test_alertmanager_down_and_bad_matchers():
    client = AlertmanagerClient("http://127.0.0.1:9")
    with pytest.raises(AlertmanagerError, match="cannot reach Alertmanager at http://127.0.0.1:9"):
        client.alerts()
    with pytest.raises(Exception, match="bad label matcher"):
        parse_matchers(["no operator"])


def answering_model(body, server):
    """Asks for the firing alerts of the alert's namespace, then answers naming the alert."""
    messages = body["messages"]
    question = next(m["content"] for m in messages if m["role"] == "user")
    name = re.search(r"the alert (\S+) firing", question).group(1)
    if any(m["role"] == "tool" for m in messages):
        return say(f"Root cause of {name}: see the evidence.")
    ns = re.search(r"namespace=(\S+)", question)
    return call("firing_alerts", namespace=ns.group(1) if ns else "")


def test_one_investigation_per_alert(demo, alertmanager, model_server, openai_env, tmp_path):
    from holmes_nb.alert_runs import investigate_alerts

    srv = openai_env(model_server(default=answering_model))
    out = tmp_path / "alerts.json"
    frame, invs = investigate_alerts(
        alertmanager.url,
        model="openai/scripted",
        cluster=demo,
        matchers=["namespace=shop"],
        concurrency=2,
        json_output_file=str(out),
    )
    assert list(frame["alert"]) == [
        "HighErrorRate",
        "KubePodCrashLooping",
        "KubePodCrashLooping",
        "KubeContainerOOMKilled",
        "KubeDeploymentRolloutStuck",
    ]
    assert list(frame["status"]) == ["answered"] * 5 and list(frame["steps"]) == [2] * 5
    assert all(
        a == f"Root cause of {n}: see the evidence." for a, n in zip(frame["answer"], frame["alert"], strict=True)
    )
    first_questions = [r["messages"][1]["content"] for r in srv.chat_requests if len(r["messages"]) == 2]
    assert sum("Alert labels: container=checkout namespace=shop pod=checkout-" in q for q in first_questions) == 1
    doc = json.loads(out.read_text())
    assert len(doc) == 5 and doc[0]["alert"]["labels"]["alertname"] == "HighErrorRate"
    assert doc[0]["status"] == "answered" and doc[0]["steps"][0]["tool_calls"][0]["tool"] == "firing_alerts"
    assert invs[4].calls[0].text.startswith("5 firing alerts in namespace 'shop'")


def test_cli_investigate_alertmanager(alertmanager, model_server, tmp_path):
    srv = model_server(default=answering_model)
    out = tmp_path / "out.json"
    env = {**os.environ, "OPENAI_API_BASE": srv.url, "PYTHONPATH": os.getcwd()}
    run = subprocess.run(
        [sys.executable, "-m", "holmes_nb", "investigate", "alertmanager", "--alertmanager-url", alertmanager.url,
         "--model", "openai/scripted", "--cluster", "demo", "--alertmanager-label", "severity=critical",
         "--json-output-file", str(out)],
        capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["ALERT", "LABELS", "STATUS", "STEPS", "ANSWER"]
    assert len(lines) == 3 and all("answered" in ln for ln in lines[1:])
    assert "HighErrorRate: answered after 2 steps" in run.stderr
    assert [d["alert"]["labels"]["alertname"] for d in json.loads(out.read_text())] == [
        "HighErrorRate",  # oldest first
        "NodeFilesystemSpaceFillingUp",
    ]
    none = subprocess.run(
        [sys.executable, "-m", "holmes_nb", "investigate", "alertmanager", "--alertmanager-url", alertmanager.url,
         "--model", "openai/scripted", "--cluster", "demo", "--alertmanager-alertname", "Nothing.*"],
        capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    assert none.returncode == 0 and none.stdout.strip() == 'no firing alerts matching alertname=~"Nothing.*"'


def test_the_model_receives_diff_peak_and_alert_on_the_bad_rollout(demo, model_server, openai_env):
    """The issue's done-when: tools called on the demo's bad rollout return the evidence."""
    import holmes_nb

    srv = openai_env(
        model_server(
            [
                call("changes", {"namespace": "shop", "name": "frontend"}),
                call("metric_panel", {"panel": "memory", "name": "recommendations", "namespace": "shop"}),
                call("firing_alerts", {"namespace": "shop", "name": "frontend"}),
                say("frontend 2.41 does not exist; roll back to 2.4.0."),
            ]
        )
    )
    inv = holmes_nb.ask("why is the frontend rollout stuck?", model="openai/scripted", cluster=demo)
    assert inv.ok, inv.error
    offered = {t["function"]["name"] for t in srv.chat_requests[0]["tools"]}
    assert {"changes", "metric_panel", "prometheus_query", "metric_names", "firing_alerts"} <= offered
    results = [m["content"] for m in srv.chat_requests[-1]["messages"] if m["role"] == "tool"]
    assert "frontend image ghcr.io/acme-shop/frontend:2.4.0 -> ghcr.io/acme-shop/frontend:2.41" in results[0]
    assert "peak 512Mi @" in results[1] and "reached memory limit @" in results[1]
    assert "KubeDeploymentRolloutStuck deployment=frontend" in results[2]
    # the timeline (and the postmortem) put the change, the alert and the metric on one time axis
    from holmes_nb.report.timeline import timeline_frame

    tl = timeline_frame(inv)
    evidence = tl[tl["kind"].isin(["change", "alert", "metric"])]
    assert [
        (str(t), k, o, r) for t, k, o, r in evidence[["time", "kind", "object", "reason"]].itertuples(index=False)
    ] == [
        ("2025-03-14 09:55:00+00:00", "change", "deployment/frontend", "rollout revision 2"),
        ("2025-03-14 10:05:00+00:00", "alert", "deployment/frontend", "KubeDeploymentRolloutStuck (warning)"),
        ("2025-03-14 10:15:00+00:00", "metric", "pod/recommendations-cls4ggdjg8-mjwrk", "memory peak"),
        ("2025-03-14 10:15:00+00:00", "metric", "pod/recommendations-cls4ggdjg8-mjwrk", "memory reached 512Mi"),
    ]
    markdown = inv.to_markdown()
    assert "rollout revision 2" in markdown and "KubeDeploymentRolloutStuck" in markdown


def test_magic_investigate_alerts(alertmanager, model_server, openai_env, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setenv("HOLMES_NB_LIVE_DISPLAY", "off")
    openai_env(model_server(default=answering_model))
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("%load_ext holmes_nb").raise_error()
        line = (
            f"%holmes investigate alerts --alertmanager-url {alertmanager.url} --label severity=critical "
            "--model openai/scripted --cluster demo"
        )
        result = shell.run_cell(line)
        result.raise_error()
        frame = result.result
        assert list(frame["alert"]) == ["HighErrorRate", "NodeFilesystemSpaceFillingUp"]
        assert list(frame["status"]) == ["answered", "answered"]
        history = shell.run_cell("%holmes history").result
        assert len(history) == 2
        with pytest.raises(Exception, match="usage: %holmes investigate alerts"):
            shell.run_cell("%holmes investigate pods").raise_error()
    finally:
        shell.run_cell("%unload_ext holmes_nb")
        InteractiveShell.clear_instance()
