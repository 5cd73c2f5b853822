"""Tokens of the model-facing tool output vs the kubectl text a model would otherwise read.

Serves the cluster with the snapshot API server and runs the real ``kubectl`` against it, so the
kubectl side is exactly what ``kubectl describe`` / ``get -o yaml`` print. Tokens are counted with
``litellm.token_counter(model="gpt-3.5-turbo")`` (cl100k_base, bundled offline). Prints Markdown.

    python benchmarks/bench_tool_tokens.py                  # the demo cluster
    python benchmarks/bench_tool_tokens.py --cluster snap.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def count_tokens(text: str) -> int:
    import litellm

    return litellm.token_counter(model="gpt-3.5-turbo", text=text)


@dataclass
class Case:
    label: str
    tool: str
    args: dict
    describe: list[str] | None  # kubectl arguments of the text form (describe or a table), if any
    yaml: list[str]  # kubectl arguments of the ``-o yaml`` form


def pick_cases(cluster) -> list[Case]:
    """A crashing pod (and its namespace and Deployment) from the cluster itself."""
    from holmes_nb.frames.cluster_frames import pod_reason

    pods = cluster.list("pods")
    crash = next((p for p in pods if pod_reason(p).startswith("CrashLoopBackOff")), None)
    if crash is None:
        raise SystemExit("no pod in CrashLoopBackOff in this cluster: nothing to compare")
    ns, name = crash["metadata"]["namespace"], crash["metadata"]["name"]
    cases = [
        Case(
            f"describe a crashing pod ({name})",
            "describe",
            {"kind": "pod", "name": name, "namespace": ns},
            ["describe", "pod", name, "-n", ns],
            ["get", "pod", name, "-n", ns, "-o", "yaml"],
        ),
        Case(
            f"events of namespace {ns}",
            "events",
            {"namespace": ns},
            ["get", "events", "-n", ns],
            ["get", "events", "-n", ns, "-o", "yaml"],
        ),
        Case(
            f"pods of namespace {ns}",
            "list_pods",
            {"namespace": ns},
            ["get", "pods", "-n", ns, "-o", "wide"],
            ["get", "pods", "-n", ns, "-o", "yaml"],
        ),
    ]
    deploy = _deployment_of(cluster, crash)
    if deploy:
        cases.append(
            Case(
                f"describe its Deployment ({deploy})",
                "describe",
                {"kind": "deployment", "name": deploy, "namespace": ns},
                ["describe", "deployment", deploy, "-n", ns],
                ["get", "deployment", deploy, "-n", ns, "-o", "yaml"],
            )
        )
    return cases


def _deployment_of(cluster, pod) -> str | None:
    from holmes_nb.tools.describe import owner_chain

    chain = owner_chain(cluster, pod)
    return next((part.split()[1] for part in chain.split(" -> ") if part.startswith("Deployment ")), None)


def kubectl(url: str, args: list[str]) -> str | None:
    exe = shutil.which("kubectl")
    if exe is None:
        return None
    env = dict(os.environ, KUBECONFIG=os.devnull)
    done = subprocess.run([exe, "--server", url, *args], capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"kubectl {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def measure(cluster, url: str) -> list[dict]:
    """Per case: the tool's text uncut (same content as kubectl's) and as sent with the default caps."""
    from holmes_nb.tools.kubernetes import kubernetes_tools

    uncut = {t.name: t for t in kubernetes_tools(cluster, max_rows=10_000, max_chars=10**7)}
    capped = {t.name: t for t in kubernetes_tools(cluster)}
    rows = []
    for case in pick_cases(cluster):
        result, sent = uncut[case.tool].run(case.args), capped[case.tool].run(case.args)
        if not result.ok:
            raise SystemExit(f"{case.tool} failed: {result.text}")
        text = kubectl(url, case.describe) if case.describe else None
        yaml_text = kubectl(url, case.yaml)
        rows.append(
            {
                "case": case.label,
                "tool": f"`{case.tool}`",
                "tool_tokens": count_tokens(result.text),
                "sent_tokens": count_tokens(sent.text),
                "kubectl": f"`kubectl {' '.join(case.describe)}`" if case.describe else "-",
                "kubectl_tokens": count_tokens(text) if text is not None else None,
                "yaml_tokens": count_tokens(yaml_text) if yaml_text is not None else None,
            }
        )
    return rows


def markdown(rows: list[dict], schema_tokens: dict[str, int]) -> str:
    def ratio(a, b):
        return f"{a / b:.0%}" if a and b else "-"

    out = [
        "| case | holmes-nb tool | tokens (uncut) | as sent | kubectl text | tokens | `-o yaml` tokens | tool / text | tool / yaml |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['case']} | {r['tool']} | {r['tool_tokens']} | {r['sent_tokens']} | {r['kubectl']} | "
            f"{r['kubectl_tokens'] or '-'} | {r['yaml_tokens'] or '-'} | {ratio(r['tool_tokens'], r['kubectl_tokens'])} | "
            f"{ratio(r['tool_tokens'], r['yaml_tokens'])} |"
        )
    out.append("")
    out.append(
        'Ratios use the uncut tool text (the same rows kubectl prints); "as sent" is what the model gets '
        "with the default caps (40 rows, 4,000 characters per result)."
    )
    out.append(
        f"Tool schemas sent with every request: default set {schema_tokens['default']} tokens, "
        f"with `include_all` {schema_tokens['all']} tokens."
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", default="demo", help="demo (default) or a snapshot path")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of Markdown")
    args = parser.parse_args(argv)

    from holmes_nb.apiserver.server import SnapshotAPIServer
    from holmes_nb.cluster_spec import open_cluster
    from holmes_nb.tools.kubernetes import kubernetes_tools

    cluster = open_cluster(args.cluster)
    schema_tokens = {
        "default": count_tokens(json.dumps([t.schema() for t in kubernetes_tools(cluster)])),
        "all": count_tokens(json.dumps([t.schema() for t in kubernetes_tools(cluster, include_all=True)])),
    }
    with SnapshotAPIServer(cluster) as server:
        rows = measure(cluster, server.url)
    if args.json:
        print(json.dumps({"rows": rows, "schema_tokens": schema_tokens}, indent=2))
    else:
        print(markdown(rows, schema_tokens))
    return 0


if __name__ == "__main__":
    sys.exit(main())
