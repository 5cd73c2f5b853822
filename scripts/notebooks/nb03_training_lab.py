from cells import code, md

NAME = "03-training-lab"
CELLS = [
    md("""
# Training lab: the payments API will not start

**Scenario.** 10:30 UTC. The payments team deployed `payments-api` 5.2.0 about half an hour ago and
checkout now fails to take payments. You are on call. Find out **why the payments-api pod is not
starting**, the way you would on a real cluster, then compare with what holmes-nb finds.

The cluster is the bundled demo cluster (frozen at 2025-03-14 10:30 UTC, so everyone sees the same
thing), served read-only as a Kubernetes API for `kubectl`. Nothing you type can change it. The model
at the end is a recorded real run, so the lab works with no model server and no API key.

1. explore with DataFrames, 2. explore with kubectl, 3. write down your answer and check it,
4. ask holmes-nb, 5. clean up.
"""),
    code("""
%load_ext holmes_nb
%config HolmesMagic.config_path = "holmes-config.yaml"
import pandas as pd

import holmes_nb

pd.set_option("display.max_colwidth", 120)
lab = holmes_nb.cluster("demo")
lab
""", "nbval-check-output"),
    md("""
## 1. Explore with DataFrames

Start wide: which pods in `payments` are unhealthy, and what does Kubernetes say about them?
"""),
    code("""
lab.pods("payments")
""", "nbval-check-output"),
    code("""
lab.events("payments")
""", "nbval-check-output"),
    md("""
<details><summary>Hint 1</summary>

`CreateContainerConfigError` means the kubelet could not build the container's configuration: the
image is fine, but something the pod spec refers to (a ConfigMap, a Secret, a key in one) is wrong.
Look at the container's environment and at what it refers to.
</details>
"""),
    code("""
pod = lab.cluster.list("pods", "payments", label_selector="app=payments-api")[0]
pd.json_normalize(pod["spec"]["containers"][0]["env"])
""", "nbval-check-output"),
    code("""
lab.secrets("payments")  # key names only: holmes-nb never reads Secret values
""", "nbval-check-output"),
    md("""
## 2. Explore with kubectl

The same cluster, served by holmes-nb's read-only snapshot API server on 127.0.0.1 in a background
thread. A throwaway kubeconfig points at it, so `!kubectl ...` in any cell talks to the lab cluster,
never to your own (in a terminal: `holmes-nb snapshot serve demo --write-kubeconfig lab.kubeconfig`).
If kubectl is not installed (binder), the cells say so; the DataFrames above hold the same facts.
"""),
    code("""
import os
import shutil
import subprocess
import tempfile

from holmes_nb.cli.snapshot import write_kubeconfig
from holmes_nb.apiserver.server import SnapshotAPIServer

server = SnapshotAPIServer(lab.cluster).start()
fd, kubeconfig = tempfile.mkstemp(prefix="lab-", suffix=".kubeconfig")
os.close(fd)
write_kubeconfig(kubeconfig, server.url)
saved_kubeconfig = os.environ.get("KUBECONFIG")
os.environ["KUBECONFIG"] = kubeconfig  # for !kubectl in this notebook only
KUBECTL = shutil.which("kubectl")


def kubectl(command):
    \"\"\"Run `kubectl COMMAND` against the lab cluster (or say that kubectl is missing).\"\"\"
    if not KUBECTL:
        print(f"kubectl is not installed here: skipped `kubectl {command}` (use the DataFrames above)")
        return
    run = subprocess.run([KUBECTL, *command.split()], capture_output=True, text=True, timeout=60)
    print((run.stdout + run.stderr).rstrip())


print(f"lab cluster at {server.url}; kubeconfig {kubeconfig}; kubectl {'found' if KUBECTL else 'not installed'}")
""", "nbval-ignore-output"),
    code("""
kubectl("get pods -n payments")
""", "nbval-ignore-output"),
    code("""
kubectl("describe pod -n payments -l app=payments-api")
""", "nbval-ignore-output"),
    md("""
<details><summary>Hint 2</summary>

Compare the `Environment` section of `describe pod` with the keys the Secret really has:
`kubectl get secret stripe-credentials -n payments -o json` (the snapshot API server lists key names under
`dataKeys`, a holmes-nb extension; a real API server would send base64 values you should not print).
</details>
"""),
    code("""
kubectl("get secret stripe-credentials -n payments -o json")
""", "nbval-ignore-output"),
    md("Try a fix: the server is read-only, as a snapshot should be."),
    code("""
kubectl("delete pod -n payments -l app=payments-api")
""", "nbval-ignore-output"),
    md("""
## 3. Your answer

Write what is wrong in one or two sentences: which object, what exactly is missing or wrong.
The check below reads the facts from the cluster itself (the pod's environment and the Secret's keys),
not from this notebook, and tells you what your answer gets right.
"""),
    code("""
my_answer = ""  # your answer, between the quotes; then run the check below
"""),
    code("""
NEGATIONS = ("missing", "not found", "no key", "no such", "does not", "doesn't", "couldn't find", "cannot find",
             "lacks", "not exist", "not present", "absent", "wrong", "typo", "only has", "only publishable")


def lab_facts(frames):
    \"\"\"What really stops the payments-api pod, read from the cluster: the broken Secret reference.\"\"\"
    pod = frames.cluster.list("pods", "payments", label_selector="app=payments-api")[0]
    waiting = pod["status"]["containerStatuses"][0]["state"].get("waiting", {})
    secrets = {s["metadata"]["name"]: s.get("dataKeys", []) for s in frames.cluster.list("secrets", "payments")}
    for container in pod["spec"]["containers"]:
        for env in container.get("env", []):
            ref = (env.get("valueFrom") or {}).get("secretKeyRef")
            if ref and ref["key"] not in secrets.get(ref["name"], []):
                return {"reason": waiting.get("reason"), "env": env["name"], "secret": ref["name"],
                        "key": ref["key"], "keys": secrets.get(ref["name"], []), "node": pod["spec"].get("nodeName")}
    raise AssertionError("the lab cluster has no broken Secret reference: wrong cluster?")


def check(answer, frames=lab):
    \"\"\"Grade an answer against the cluster's facts; prints what it gets right and returns True when it is correct.\"\"\"
    if not (answer or "").strip():
        print("No answer yet: write it in my_answer above, then run this cell again.")
        return False
    facts, text = lab_facts(frames), " ".join(answer.lower().split())
    criteria = [
        ("names the Secret the container reads", facts["secret"] in text),
        ("names the key that Secret lacks", facts["key"] in text),
        ("says the key is missing (not the Secret, not the image)", any(n in text for n in NEGATIONS)),
    ]
    for label, ok in criteria:
        print(("✔ " if ok else "✘ ") + label)
    red_herrings = {"image": f"the image is on node {facts['node']} already (events: Pulled)",
                    "oom": "nothing was OOMKilled: the container never started",
                    "schedul": f"the pod is scheduled on {facts['node']}",
                    "crashloop": f"the container never ran: it is waiting in {facts['reason']}"}
    for word, why in red_herrings.items():
        if word in text:
            print(f"  note: you mention '{word}', but {why}")
    correct = all(ok for _, ok in criteria)
    print("Correct!" if correct else "Not yet: look at the pod's env and the Secret's keys again.")
    return correct


check(my_answer)
""", "nbval-check-output"),
    md("""
## 4. Ask holmes-nb

Now the same question to the model. `recorded-lab` is a recorded real run of SmolLM2-135M (a tiny
model, 135M parameters) on this question; with your own model use `--model openai/<model id>` (see
the quickstart). The tools the model calls really run against the lab cluster.
"""),
    code("""
inv = %holmes ask "why is the payments-api pod not starting?" --model recorded-lab --cluster demo
inv
""", "nbval-ignore-output"),
    code("""
inv.tool_calls[["step", "tool", "arguments", "status", "rows"]]
""", "nbval-check-output"),
    md("""
The model is graded as `holmes-nb eval` grades it (docs/evaluation.md), on the demo suite's
`missing-secret-key` scenario: only **the model's own answer** counts. When the model gave no usable
answer, holmes-nb shows the evidence its tool calls gathered; that evidence names the Secret and the
key, but it is not a diagnosis, so it never passes.
"""),
    code("""
from holmes_nb.evaluation.runner import grade

passed, missed = grade(inv, "missing-secret-key")
if passed:
    print("The model's answer names the Secret and the missing key: passed.")
elif inv.fallback:
    print("Not passed: the model gave no answer of its own (what is shown is the evidence its tools gathered).")
else:
    print(f"Not passed: the model's answer ({inv.status}) does not mention {', '.join(missed)}.")
""", "nbval-check-output"),
    md("""
A 135M model mostly shows the pipeline at work; a capable model (or you) names the Secret and the key.
Either way, the evidence is in `inv.frames`, one DataFrame per tool call, and `%holmes export lab.md`
writes it all as a postmortem. Your own answer is graded the same way:
`grade(my_answer, "missing-secret-key")`.

**More exercises on the same cluster**: why is `ledger` (payments) stuck in ContainerCreating? Why
does `fraud-detector` have no pods at all? (`lab.problems("payments")` has the answers.)

## 5. Clean up
"""),
    code("""
server.stop()
os.unlink(kubeconfig)
if saved_kubeconfig is None:
    os.environ.pop("KUBECONFIG", None)
else:
    os.environ["KUBECONFIG"] = saved_kubeconfig
print(f"lab server stopped after {len(server.requests)} requests ({len(server.writes())} writes refused)")
""", "nbval-ignore-output"),
]
