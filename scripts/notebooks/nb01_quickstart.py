from cells import code, md

NAME = "01-quickstart"
CELLS = [
    md("""
# holmes-nb quickstart

Investigate a Kubernetes cluster from this notebook with an LLM that calls read-only tools.
This notebook runs offline: the cluster is the bundled **demo cluster** (a frozen snapshot with
23 planted failures) and the model is a **recorded real run** of SmolLM2-135M on llama-cpp-python,
replayed through LiteLLM. Point it at your own model server to investigate for real (last section).
"""),
    code("%load_ext holmes_nb"),
    md("""
## 1. Pick a backend

The backends come from a HolmesGPT-style `modelList` (here `holmes-config.yaml` beside this
notebook). The picker is linked to the magic: choosing in the dropdown and `%holmes model KEY` agree.
**Check** asks the backend whether it can call tools and how large its context is.
"""),
    code('%config HolmesMagic.config_path = "holmes-config.yaml"\n%holmes pick', "nbval-ignore-output"),
    code("%holmes models", "nbval-check-output"),
    code("%holmes check-model recorded-smollm2", "nbval-check-output"),
    md("""
## 2. Ask

`%holmes ask` takes the question as typed (quotes optional; `%%holmes ask` takes it from the cell
body). In a live notebook each step and tool call appears as it happens; the result is an
`Investigation` object: the answer, every tool call and the cluster data they returned.
"""),
    code('inv = %holmes ask "Why does checkout keep restarting?" --cluster demo --namespace shop --model recorded-diagnosis\ninv', "nbval-ignore-output"),
    code("print(inv.answer)", "nbval-check-output"),
    md("""
That answer is SmolLM2-135M's own, in a recorded real run. A model this small cannot choose tools
well, so holmes-nb uses its **evidence-first profile** for it (automatically for llama-cpp-python
and small context windows): step 0 gathers the evidence deterministically (the analyzers' root
cause for the question's subject, then its describe, logs and events), and the model only explains
it. When an answer names none of the root cause's details, holmes-nb asks again and keeps the answer
that does (docs/local-model.md has the measurements). A larger model gets the tools and chooses.
"""),
    code('inv.tool_calls[["step", "tool", "arguments", "status", "rows"]]', "nbval-check-output"),
    code("list(inv.frames)", "nbval-check-output"),
    code('inv.frames["find_problems"][["severity", "kind", "name", "reason", "caused_by"]].head(8)', "nbval-check-output"),
    md("""
## 3. The cluster as DataFrames, no LLM needed

`holmes_nb.cluster(...)` opens the demo cluster, a snapshot file, or a kubeconfig context.
`problems()` runs the deterministic analyzers.
"""),
    code('import holmes_nb\n\ndemo = holmes_nb.cluster("demo")\ndemo.pods(unhealthy=True)', "nbval-check-output"),
    code('demo.problems()[["severity", "kind", "namespace", "name", "reason"]].head(10)', "nbval-check-output"),
    code('demo.logs("checkout-zn9hbl8h66-r2x45", previous=True).tail(5)  # the crash, from the previous container', "nbval-check-output"),
    md("""
Metrics too: `holmes_nb.metrics(PROMQL, cluster=...)` asks the configured Prometheus, or here the
series frozen in the demo snapshot, and returns a tidy DataFrame (notebook 02 plots them).
"""),
    code('restarts = holmes_nb.metrics(\'kube_pod_container_status_restarts_total{namespace="shop"}\', start="-6h", cluster="demo")\nrestarts.groupby("pod")["value"].max().sort_values(ascending=False).head(4)', "nbval-check-output"),
    md("""
## 4. Follow up

`%holmes followup` continues the same conversation. (The recorded follow-up is its own recording,
so it names its backend; with a live model, just run `%holmes followup "..."`.)
"""),
    code('second = %holmes followup "How do I fix it?" --model recorded-diagnosis-followup', "nbval-ignore-output"),
    code("print(second.answer)", "nbval-check-output"),
    md("""In the evidence-first profile a follow-up keeps the conversation as its evidence: no tools are
offered, the root cause is restated before the question, and the answer is checked against the root
cause's details like the first one. A follow-up that names another workload ("and the orders pod?")
gathers that workload's evidence first. A larger model (`profile: standard`) goes back to the tool loop.

Read the 135M model's fix with care: it names the right variable, `PAYMENTS_API_URL`, but the value it
suggests is not the fix (the Deployment needs the payments API's URL there). Small models name the
cause; judging the fix is a larger model's work."""),
    code("%holmes history", "nbval-ignore-output"),
    md("""
## 5. Your own model

Any OpenAI-compatible server works (llama.cpp, Ollama, vLLM, LM Studio, LocalAI, hosted APIs):

```python
%env OPENAI_API_BASE=http://127.0.0.1:8000/v1
%holmes ask "what pods are failing?" --model openai/<model id> --cluster demo
```

or run `holmes-nb local-model start` in a terminal and pick `local-smollm2`. `%holmes help` lists
every command; `%holmes export postmortem.md` writes the last investigation as a postmortem.
"""),
]
