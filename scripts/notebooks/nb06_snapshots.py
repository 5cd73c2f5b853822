from cells import code, md

NAME = "06-snapshots"
CELLS = [
    md("""
# Snapshots: capture, import, serve, investigate

A **snapshot** is a cluster frozen at one instant: objects, events and logs. holmes-nb investigates
a snapshot exactly like a live cluster (same tools, same analyzers), so a postmortem or a lab can be
rerun months later with the same evidence. This notebook goes through the whole life of one:

1. **capture** a running cluster to a file,
2. **import** a `kubectl cluster-info dump` someone sent you,
3. **serve** a snapshot read-only as a Kubernetes API, so `kubectl` works against it,
4. **investigate** it with the analyzers and DataFrames.

Everything runs offline: the "live cluster" is the bundled demo cluster served by holmes-nb's
snapshot API server on 127.0.0.1. Files are written to `output/` (ignored by git).
See [docs/snapshots.md](../docs/snapshots.md) and [docs/apiserver.md](../docs/apiserver.md).
"""),
    code("""
%load_ext holmes_nb
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

import holmes_nb
from holmes_nb.cluster_spec import open_cluster
from holmes_nb.formats.capture import capture
from holmes_nb.sources.live import LiveCluster
from holmes_nb.apiserver.server import SnapshotAPIServer

OUT = Path("output")
OUT.mkdir(exist_ok=True)
KUBECTL = shutil.which("kubectl")
print("kubectl:", "found" if KUBECTL else "not installed (the kubectl steps will say so and use Python instead)")
""", "nbval-ignore-output"),
    md("""
## 1. Capture a live cluster

With a real cluster you would run, in a terminal:

```bash
holmes-nb snapshot capture --context prod --namespaces shop,payments --output incident-42.json.gz
```

or in Python `capture(LiveCluster(context="prod"), "incident-42.json.gz")`. It only reads (GET),
skips what RBAC refuses (listed as notes), and never stores Secret values.

Here a snapshot API server serving the demo cluster stands in for the API server. A live cluster's clock
is *now*, but the demo's objects are frozen at 2025-03-14 10:30 UTC, so we give our stand-in that
clock: otherwise every age in the capture would read "600 days".
"""),
    code("""
demo_time = open_cluster("demo").now()


class StandInCluster(LiveCluster):
    \"\"\"A LiveCluster whose clock is the demo's capture time (a real one uses the wall clock).\"\"\"

    def now(self):
        return demo_time


api = SnapshotAPIServer(open_cluster("demo")).start()  # background thread on 127.0.0.1, a free port
live = StandInCluster(server=api.url)
print("stand-in API server:", api.url)
""", "nbval-ignore-output"),
    code("""
result = capture(live, OUT / "incident.json.gz", namespaces=["shop", "payments"])
print(result.summary())
print("captured at", result.captured_at)
""", "nbval-check-output"),
    md("The file (gzipped JSON) holds every kind holmes-nb's tools read, the current and previous logs, and a header:"),
    code("""
import gzip
import json

header = json.loads(gzip.decompress((OUT / "incident.json.gz").read_bytes()))["header"]
{key: header[key] for key in ("format", "version", "capturedAt", "namespaces", "logCount", "notes")}
""", "nbval-check-output"),
    code("""
incident = holmes_nb.cluster(str(OUT / "incident.json.gz"))
incident.pods(unhealthy=True)
""", "nbval-check-output"),
    md("""
## 2. Import a `kubectl cluster-info dump`

People often send what kubectl can produce without any plugin:

```bash
kubectl cluster-info dump --all-namespaces --output-directory cluster-state/
```

We run exactly that against the stand-in API server. If kubectl is not installed here (binder),
the same directory layout is written from Python instead.
"""),
    code("""
DUMP = OUT / "cluster-state"
shutil.rmtree(DUMP, ignore_errors=True)


def write_dump_like_kubectl(cluster, root):
    \"\"\"The directory `kubectl cluster-info dump --all-namespaces --output-directory root` writes.\"\"\"
    from holmes_nb.sources.kinds import resolve_kind

    def typed_list(plural, ns=None):
        k = resolve_kind(plural)
        items = [{f: v for f, v in o.items() if f not in ("kind", "apiVersion")} for o in cluster.list(plural, ns)]
        return json.dumps({"kind": k.list_kind, "apiVersion": k.api_version, "items": items}, indent=4)

    root.mkdir(parents=True)
    (root / "nodes.json").write_text(typed_list("nodes"))
    for ns in cluster.namespaces():
        (root / ns).mkdir()
        for plural, fname in [("events", "events"), ("replicationcontrollers", "replication-controllers"),
                              ("services", "services"), ("daemonsets", "daemonsets"), ("deployments", "deployments"),
                              ("replicasets", "replicasets"), ("pods", "pods")]:
            (root / ns / f"{fname}.json").write_text(typed_list(plural, ns))
        for pod in cluster.list("pods", ns):
            name, sections = pod["metadata"]["name"], []
            for c in pod["spec"].get("initContainers", []) + pod["spec"]["containers"]:
                marker = f"logs for container {c['name']} of pod {ns}/{name} ===="
                sections.append(f"==== START {marker}\\n{cluster.logs(ns, name, c['name'])}==== END {marker}\\n")
            (root / ns / name).mkdir()
            (root / ns / name / "logs.txt").write_text("".join(sections))


if KUBECTL:
    env = {**os.environ, "KUBECONFIG": os.devnull}  # only --server: never touch your own kubeconfig
    run = subprocess.run([KUBECTL, "--server", api.url, "cluster-info", "dump", "--all-namespaces",
                          "--output-directory", str(DUMP)], capture_output=True, text=True, env=env, timeout=120)
    print(run.stdout.strip() or run.stderr.strip())
else:
    print("kubectl is not installed: writing the same layout from Python")
    write_dump_like_kubectl(open_cluster("demo"), DUMP)
print(sorted(p.name for p in DUMP.iterdir()))
""", "nbval-ignore-output"),
    md("""
`holmes_nb.cluster(PATH)` (and `--cluster PATH` everywhere) detects the layout. A dump has no
capture time, so holmes-nb takes the newest timestamp in it: ages stay the same whenever you load it.
"""),
    code("""
dump = holmes_nb.cluster(str(DUMP))
print("capture time inferred from the dump:", dump.cluster.captured_at)
dump.pods("payments")
""", "nbval-check-output"),
    md("""
A dump is thinner than a holmes-nb capture: no previous-container logs, no ConfigMaps, Secrets,
PVCs, Ingresses, Jobs... Objects per kind in each (0 = not in the file):
"""),
    code("""
def kinds_held(frames):
    cluster = frames.cluster
    return {kind: len(cluster.objects.get(kind, [])) for kind in sorted(result.counts)}


pd.DataFrame({"capture (shop, payments)": kinds_held(incident), "cluster-info dump (all)": kinds_held(dump)})
""", "nbval-check-output"),
    md("""
## 3. Serve a snapshot read-only

Once the incident is over the live cluster has moved on, but the snapshot can be served as a
Kubernetes API so anyone can look with the tools they know:

```bash
holmes-nb snapshot serve output/incident.json.gz --port 8001 --write-kubeconfig incident.kubeconfig
KUBECONFIG=incident.kubeconfig kubectl get pods -A
```

In a notebook, serve it in a background thread and point a throwaway kubeconfig at it:
"""),
    code("""
api.stop()  # the "live cluster" is gone

from holmes_nb.cli.snapshot import write_kubeconfig

snapshot_api = SnapshotAPIServer(open_cluster(str(OUT / "incident.json.gz"))).start()
fd, kubeconfig = tempfile.mkstemp(prefix="incident-", suffix=".kubeconfig")
os.close(fd)
write_kubeconfig(kubeconfig, snapshot_api.url)
print("serving output/incident.json.gz at", snapshot_api.url, "| kubeconfig:", kubeconfig)


def kubectl(*args):
    \"\"\"Run kubectl against the served snapshot; say so when kubectl is not installed.\"\"\"
    if not KUBECTL:
        print(f"kubectl is not installed here: skipped `kubectl {' '.join(args)}`")
        return
    run = subprocess.run([KUBECTL, "--kubeconfig", kubeconfig, *args], capture_output=True, text=True, timeout=60)
    print((run.stdout + run.stderr).rstrip())
""", "nbval-ignore-output"),
    code("""
kubectl("get", "pods", "-n", "payments")
""", "nbval-ignore-output"),
    md("Ages are computed against the capture time. Writes are refused, whatever the kubeconfig's user may do on the real cluster:"),
    code("""
kubectl("delete", "pod", "-n", "payments", "--all")
""", "nbval-ignore-output"),
    md("Any Kubernetes client works the same way; here the official Python client (through holmes-nb's read-only `LiveCluster`):"),
    code("""
with LiveCluster(server=snapshot_api.url) as client:
    names = [p["metadata"]["name"] for p in client.list("pods", "payments")]
names
""", "nbval-check-output"),
    code("""
writes = snapshot_api.writes()
print(f"the server answered {len(snapshot_api.requests)} requests; {len(writes)} writes were refused (405)")
""", "nbval-ignore-output"),
    md("""
## 4. Investigate the snapshot

The analyzers need no model: `%holmes scan --cluster PATH` lists what is wrong.
"""),
    code("""
findings = %holmes scan --cluster output/incident.json.gz
findings[["severity", "kind", "namespace", "name", "reason"]]
""", "nbval-check-output"),
    code("""
pd.set_option("display.max_colwidth", 200)
findings.loc[findings["name"].str.startswith("payments-api"), ["reason", "message", "evidence"]]
""", "nbval-check-output"),
    md("Then dig with DataFrames, as on a live cluster:"),
    code("""
incident.events("payments", object="pod/payments-api-4vbbt5ts8q-kzz9x")
""", "nbval-check-output"),
    code("""
incident.logs("checkout-zn9hbl8h66-skgzh", namespace="shop", previous=True).tail(3)
""", "nbval-check-output"),
    md("""
And ask a model about it. The model of these notebooks is a recorded run, which only answers the
question it recorded, so the command is shown rather than run; with your own model:

```python
%env OPENAI_API_BASE=http://127.0.0.1:8000/v1
inv = %holmes ask "why is the payments-api pod not starting?" --cluster output/incident.json.gz --model openai/<model id>
%holmes export output/incident-postmortem.md
```

Every tool the model calls reads the snapshot, so the evidence is what the cluster looked like
during the incident, not what it looks like now.

## Clean up
"""),
    code("""
snapshot_api.stop()
os.unlink(kubeconfig)
print("stopped the server and removed", kubeconfig)
""", "nbval-ignore-output"),
]
