"""The agent loop against a zero-latency scripted model on 127.0.0.1 and the demo cluster:
time per step outside the model call (section 2) and tokens per question (section 3).

    python benchmarks/bench_agent.py              # prints both sections as Markdown
    python benchmarks/bench_agent.py --profile    # pyinstrument profile of one 10-step run

Outside-the-model time = wall time of ``holmes_nb.ask`` minus the sum of ``Step.duration_s`` (the
client-side duration of each ``litellm.completion`` call, HTTP included) over the steps.
"""

from __future__ import annotations

import os
import sys
import time

from bench_local_model import QUESTIONS
from bench_tool_tokens import count_tokens, pick_cases
from benchlib import StampedServer, isolate_environment, request_tokens, summary, tool_results, verdict

from devkit.openai_server import call, say

MODEL = "openai/scripted"


def evidence(cluster) -> dict:
    """Names from the demo cluster itself: the crashing pod, its namespace, its Deployment."""
    cases = pick_cases(cluster)
    pod = cases[0].args
    deploy = next((c.args["name"] for c in cases if c.args.get("kind") == "deployment"), None)
    return {"pod": pod["name"], "namespace": pod["namespace"], "deployment": deploy}


def ten_steps(ev: dict) -> list:
    """Nine distinct tool calls and an answer: ten model requests."""
    ns, pod = ev["namespace"], ev["pod"]
    return [
        call("find_problems"),
        call("list_pods", namespace=ns, unhealthy_only=True),
        call("describe", {"kind": "pod", "name": pod, "namespace": ns}),
        call("pod_logs", {"name": pod, "namespace": ns}),
        call("pod_logs", {"name": pod, "namespace": ns, "previous": True}),
        call("events", namespace=ns),
        call("describe", {"kind": "deployment", "name": ev["deployment"] or pod, "namespace": ns}),
        call("list_resources", kind="services", namespace=ns),
        call("events", namespace=ns, object=pod),
        say(f"{pod} crashes; see the logs and events above."),
    ]


def question_scripts(ev: dict) -> dict[str, list]:
    """A fixed tool sequence per question of ``bench_local_model.QUESTIONS``."""
    ns, pod = ev["namespace"], ev["pod"]
    scripts = [
        [call("find_problems"), say("Several pods are failing: see the findings.")],
        [
            call("describe", {"kind": "pod", "name": pod, "namespace": ns}),
            call("pod_logs", {"name": pod, "namespace": ns}),
            call("events", namespace=ns),
            say(f"{pod} exits with an error; see its logs."),
        ],
        [
            call("find_problems", namespace="payments"),
            call("list_pods", namespace="payments"),
            say("No: two payments pods are failing."),
        ],
        [call("list_resources", kind="nodes"), say("The nodes are healthy.")],
    ]
    return dict(zip(QUESTIONS, scripts, strict=False))


def _ask(srv: StampedServer, question: str, turns: list):
    from holmes_nb.api import ask

    index = srv.play(turns)
    t0 = time.perf_counter()
    inv = ask(question, MODEL, cluster="demo", max_steps=20)
    wall = time.perf_counter() - t0
    if inv.status != "answered" or len(srv.since(index)) != len(turns):
        raise RuntimeError(f"scripted run went wrong: {inv.status} {inv.error}")
    return inv, wall, srv.since(index)


def loop_section(srv: StampedServer, runs: int = 5) -> dict:
    """Section 2: per-step time outside the model call, median over ``runs`` warm runs."""
    from holmes_nb.cluster_spec import open_cluster

    ev = evidence(open_cluster("demo"))
    question = f"why is {ev['pod']} crashing?"
    _ask(srv, question, ten_steps(ev))  # warm-up: LiteLLM import, server probe, tokenizer
    per_step, model_ms, walls = [], [], []
    for _ in range(runs):
        inv, wall, _ = _ask(srv, question, ten_steps(ev))
        inside = sum(s.duration_s for s in inv.steps)
        per_step.append((wall - inside) / len(inv.steps) * 1000)
        model_ms.append(inside / len(inv.steps) * 1000)
        walls.append(wall)
    s, m, w = summary(per_step), summary(model_ms), summary(walls)
    ok = s["median"] <= 20
    lines = [
        "| measurement (10 steps: 9 tool calls + answer) | median | min - max | target | |",
        "|---|---:|---:|---:|---|",
        f"| time per step outside the model call | {s['median']:.1f} ms | {s['min']:.1f} - {s['max']:.1f} ms | "
        f"<= 20 ms | {verdict(ok)} |",
        f"| time per step inside the model call (LiteLLM + HTTP, zero-latency server) | {m['median']:.1f} ms | "
        f"{m['min']:.1f} - {m['max']:.1f} ms | - | - |",
        f"| whole investigation (`holmes_nb.ask`, demo cluster loaded each time) | {w['median'] * 1000:.0f} ms | "
        f"{w['min'] * 1000:.0f} - {w['max'] * 1000:.0f} ms | - | - |",
        "",
        f"{runs} warm runs (after one run that imports LiteLLM and probes the server). Outside the model "
        "call: opening the demo cluster, building the tools, running them, counting tokens, budgeting.",
    ]
    data = {"per_step_ms": per_step, "model_ms": model_ms, "wall_s": walls}
    return {
        "title": "2. Loop overhead",
        "lines": lines,
        "data": data,
        "targets": [
            {
                "name": "time per step outside the model call",
                "value": f"{s['median']:.1f} ms",
                "target": "<= 20 ms",
                "met": ok,
            }
        ],
    }


def tokens_section(srv: StampedServer) -> dict:
    """Section 3: first-request and total tokens per question, one counter (cl100k) on the recorded requests."""
    from holmes_nb.cluster_spec import open_cluster

    ev = evidence(open_cluster("demo"))
    lines = [
        "| question | tools called | requests | first request | tool results | total prompt tokens |",
        "|---|---|---:|---:|---:|---:|",
    ]
    rows = []
    for question, turns in question_scripts(ev).items():
        _, _, bodies = _ask(srv, question, turns)
        first, total = request_tokens(bodies[0]), sum(request_tokens(b) for b in bodies)
        results = tool_results(bodies[-1])
        result_tokens = sum(count_tokens(r["text"]) for r in results)
        tools = ", ".join(r["tool"] for r in results)
        rows.append(
            {
                "question": question,
                "first": first,
                "total": total,
                "results": result_tokens,
                "requests": len(bodies),
                "tools": tools,
            }
        )
        lines.append(f"| {question} | {tools} | {len(bodies)} | {first:,} | {result_tokens:,} | {total:,} |")
    body0 = bodies[0]
    schema = request_tokens({"messages": [], "tools": body0.get("tools")}) - request_tokens({"messages": []})
    system = request_tokens({"messages": body0["messages"][:1]})
    worst = max(r["first"] for r in rows)
    ok = worst <= 1500
    lines += [
        "",
        f"First request = system prompt ({system:,} tokens) + {len(body0.get('tools') or [])} tool "
        f"schemas ({schema:,}) + the question. Total = the prompt tokens of every request of the "
        "investigation summed (each request resends the conversation).",
    ]
    return {
        "title": "3. Tokens per question",
        "lines": lines,
        "data": {"rows": rows, "system": system, "schemas": schema},
        "targets": [{"name": "first request tokens", "value": f"{worst:,}", "target": "<= 1,500", "met": ok}],
    }


def profile(srv: StampedServer) -> str:
    """pyinstrument text profile of one warm 10-step run (``pip install pyinstrument``)."""
    from pyinstrument import Profiler

    from holmes_nb.cluster_spec import open_cluster

    ev = evidence(open_cluster("demo"))
    _ask(srv, "warm-up", ten_steps(ev))
    with Profiler(interval=0.0005) as prof:
        _ask(srv, f"why is {ev['pod']} crashing?", ten_steps(ev))
    return prof.output_text(unicode=False, color=False, show_all=False)


def main() -> int:
    isolate_environment()
    with StampedServer() as srv:
        os.environ.update(OPENAI_API_BASE=srv.url, OPENAI_API_KEY="not-needed")
        if "--profile" in sys.argv:
            print(profile(srv))
            return 0
        for section in (loop_section(srv, runs=3), tokens_section(srv)):
            print(f"## {section['title']}\n")
            print("\n".join(section["lines"]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
