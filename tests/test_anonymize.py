"""``--anonymize``: the model sees placeholders, tools get real names, people get real names.

A scripted model (real LiteLLM, real HTTP) investigates the demo cluster by reading placeholders
out of the tool results it receives and calling tools with them; no real namespace, workload, pod
or node name or IP may reach the server, the tools must still find the real pod, and the answer
must come back with the real names.
"""

from __future__ import annotations

import json
import re

import pytest

from devkit.openai_server import call, say
from holmes_nb import api
from holmes_nb.anonymize import KEEP, Anonymizer
from holmes_nb.cluster_spec import open_cluster
from holmes_nb.tools.kubernetes import kubernetes_tools

_IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
_PLACEHOLDER_POD = re.compile(r"\b(deploy-\d+-[a-z0-9]+-[a-z0-9]+)\b")


@pytest.fixture(scope="module")
def demo():
    return open_cluster("demo")


def real_names(cluster) -> set[str]:
    """Every name the model must not see: namespaces, nodes, workloads, Services, pods, IPs."""
    kinds = (
        "namespaces",
        "nodes",
        "deployments",
        "statefulsets",
        "daemonsets",
        "cronjobs",
        "jobs",
        "replicasets",
        "services",
        "pods",
    )
    names = {o["metadata"]["name"] for k in kinds for o in cluster.list(k)}
    names |= {o["metadata"].get("namespace") for k in kinds for o in cluster.list(k)} - {None}
    names = {n for n in names if n not in KEEP and not n.startswith("kube-")}
    ips = set(_IP.findall(json.dumps([cluster.list(k) for k in ("pods", "nodes", "services")])))
    return names | (ips - {"0.0.0.0", "127.0.0.1"})


def leaked(text: str, names: set[str]) -> list[str]:
    text = text.replace("cluster data", "")  # holmes-nb's own label, not a namespace
    return sorted(n for n in names if re.search(rf"(?<![A-Za-z0-9]){re.escape(n)}(?![A-Za-z0-9])", text))


def test_every_tool_result_hides_every_name_and_restores_exactly(demo):
    anon = Anonymizer.from_cluster(demo)
    names = real_names(demo)
    assert Anonymizer.from_cluster(demo).to_placeholder == anon.to_placeholder  # stable placeholders
    tools = {t.name: t for t in kubernetes_tools(demo)}
    texts = [
        tools[n].run(a).text
        for n, a in [
            ("find_problems", {}),
            ("list_pods", {}),
            ("events", {}),
            ("list_resources", {"kind": "nodes"}),
            ("list_resources", {"kind": "workloads"}),
            ("list_resources", {"kind": "services"}),
            ("describe", {"kind": "pod", "name": "checkout-zn9hbl8h66-skgzh", "namespace": "shop"}),
            ("describe", {"kind": "node", "name": "worker-3"}),
            ("pod_logs", {"name": "orders-export-29032440-lx8wl", "namespace": "data"}),
        ]
    ]
    for text in texts:
        hidden = anon.hide(text)
        assert not leaked(hidden, names), hidden[:300]
        assert anon.restore(hidden) == text and anon.hide(hidden) == hidden
    shown = anon.hide("postgres-primary.data.svc.cluster.local:5432 on worker-1, 10.244.9.9")
    assert (
        shown == f"{anon.to_placeholder['postgres']}-primary.{anon.to_placeholder['data']}.svc.cluster.local:5432"
        f" on {anon.to_placeholder['worker-1']}, {anon.to_placeholder['10.244.9.9']}"
    )  # unseen IPs get one too


def _pick_pod(body, srv):
    """Turn 2: the model reads a crash-looping pod's placeholder out of list_pods' result."""
    result = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "tool")
    line = next(ln for ln in result.splitlines() if "CrashLoopBackOff" in ln)
    pod = _PLACEHOLDER_POD.search(line).group(1)
    srv.picked = pod
    return {
        "tool_calls": [
            {"name": "describe", "arguments": {"kind": "pod", "name": pod}},
            {"name": "pod_logs", "arguments": {"name": pod}},
        ]
    }


def _answer(body, srv):
    """Turn 3: the answer cites the placeholders the model saw in describe (node, IP)."""
    describe = next(m["content"] for m in body["messages"] if m["role"] == "tool" and m["content"].startswith("Pod "))
    node = re.search(r"^node: (\S+)", describe, re.M).group(1)
    ip = re.search(r"^ip: (\S+)", describe, re.M).group(1)
    return say(f"`{srv.picked}` on {node} ({ip}) is crash looping; see the logs of {srv.picked}.")


def test_model_sees_placeholders_tools_and_people_see_real_names(demo, model_server, openai_env):
    shop = Anonymizer.from_cluster(demo).to_placeholder["shop"]  # placeholders are stable: known in advance
    srv = openai_env(model_server([call("list_pods", namespace=shop, unhealthy_only=True), _pick_pod, _answer]))
    inv = api.ask(
        "why is a pod in the shop namespace crash looping?",
        model="openai/scripted",
        cluster="demo",
        namespace="shop",
        anonymize=True,
    )
    assert inv.status == "answered" and [c.status for c in inv.calls] == ["ok", "ok", "ok"]
    names = real_names(demo)
    for i, body in enumerate(srv.chat_requests):
        sent = json.dumps({k: v for k, v in body.items() if k != "tools"})  # tool schemas are holmes-nb's text
        assert not leaked(sent, names), f"request {i}: {leaked(sent, names)}"
    assert "Cluster: cluster-1. Focus on namespace " + shop in json.dumps(srv.chat_requests[0])
    # the tools ran on real names: the describe and logs are of the real pod
    real_pod = inv.anonymizer.restore(srv.picked)
    assert real_pod.startswith("checkout-") and demo.get("pods", real_pod, "shop")
    assert [c.arguments for c in inv.calls] == [
        {"namespace": "shop", "unhealthy_only": True},
        {"kind": "pod", "name": real_pod},
        {"name": real_pod},
    ]
    assert inv.calls[1].text.startswith(f"Pod shop/{real_pod}") and f"logs of pod shop/{real_pod}" in inv.calls[2].text
    # the answer shown to people has the real names back
    pod = demo.get("pods", real_pod, "shop")
    assert inv.answer == (
        f"`{real_pod}` on {pod['spec']['nodeName']} ({pod['status']['podIP']}) is crash looping; "
        f"see the logs of {real_pod}."
    )
    assert srv.picked in json.dumps(srv.chat_requests[-1])  # while the model kept its own placeholders


def test_cli_flag_and_follow_up_stay_anonymized(demo, model_server, openai_env, capsys):
    from holmes_nb.cli import main

    anon = Anonymizer.from_cluster(demo)
    srv = openai_env(
        model_server(
            [
                say(f"{anon.to_placeholder['checkout']} in {anon.to_placeholder['shop']} is crashing"),
                say("and the follow-up"),
            ]
        )
    )
    assert (
        main(
            [
                "ask",
                "is checkout in shop healthy?",
                "--model",
                "openai/scripted",
                "--cluster",
                "demo",
                "--anonymize",
                "-q",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == "checkout in shop is crashing"  # placeholders restored
    first = json.dumps(srv.chat_requests[0]["messages"])
    assert "checkout" not in first and "deploy-" in first and "ns-" in first
    inv = api.ask("first", model="openai/scripted", cluster="demo", anonymize=True)
    api.ask("and what about checkout?", model="openai/scripted", cluster="demo", previous=inv)
    assert "checkout" not in json.dumps(srv.chat_requests[-1]["messages"])


def test_streamed_answer_shows_real_names_once(demo, model_server, openai_env, capsys):
    """With --anonymize the streamed text is restored as it arrives (a placeholder split between two
    pieces too), so the CLI prints the answer once, with real names, and never "revised"."""
    from holmes_nb.cli import main

    anon = Anonymizer.from_cluster(demo)
    deploy, ns = anon.to_placeholder["checkout"], anon.to_placeholder["shop"]
    answer = f"{deploy} in {ns} is crashing:\nits pods {deploy}-zn9hbl8h66 restart.\nRoll back {deploy}."
    openai_env(model_server([say(answer)]))
    argv = ["ask", "is checkout healthy?", "--model", "openai/scripted", "--cluster", "demo", "--anonymize"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out == "checkout in shop is crashing:\nits pods checkout-zn9hbl8h66 restart.\nRoll back checkout.\n"
    assert "revised" not in err


def test_stream_restore_holds_a_placeholder_split_between_pieces(demo):
    from holmes_nb.anonymize import StreamRestore

    anon = Anonymizer.from_cluster(demo)
    text = f"{anon.to_placeholder['checkout']} in {anon.to_placeholder['shop']}, ip {anon.hide('10.244.1.12')}."
    for cut in range(1, len(text)):
        stream = StreamRestore(anon)
        assert stream.feed(text[:cut]) + stream.feed(text[cut:]) + stream.flush() == anon.restore(text), cut
    assert anon.restore(text) == "checkout in shop, ip 10.244.1.12."
