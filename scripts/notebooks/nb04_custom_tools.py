from cells import code, md

NAME = "04-custom-tools"
CELLS = [
    md("""
# Custom tools

Give the model tools of your own, in two ways:

1. **A Python function** decorated with `@holmes_nb.tool`: its schema comes from the type hints and
   the docstring; it may return a DataFrame (people see the table, the model reads compact text).
2. **A HolmesGPT custom toolset YAML**: commands with `{{ param }}` placeholders, run without a
   shell (each value stays one argument), only from files you name with `-t`.
"""),
    code("%load_ext holmes_nb\n%config HolmesMagic.config_path = \"holmes-config.yaml\"\nimport holmes_nb\nimport pandas as pd"),
    md("## 1. A Python tool"),
    code('''
ONCALL = pd.DataFrame([
    {"team": "shop", "primary": "alice", "secondary": "bob", "channel": "#shop-oncall"},
    {"team": "payments", "primary": "carol", "secondary": "dan", "channel": "#payments-oncall"},
    {"team": "data", "primary": "erin", "secondary": "frank", "channel": "#data-oncall"},
])


@holmes_nb.tool
def who_is_on_call(team: str) -> pd.DataFrame:
    """Who is on call for a team (the namespace name), and where to reach them.

    Args:
        team: the team, e.g. shop or payments
    """
    rows = ONCALL[ONCALL["team"] == team.strip().lower()]
    return rows if len(rows) else ONCALL
'''),
    md("It is still a plain function, and its `.tool` is what the model is offered:"),
    code('who_is_on_call("payments")', "nbval-check-output"),
    code("who_is_on_call.tool.schema()", "nbval-check-output"),
    code('print(who_is_on_call.tool.run({"team": "shop"}).text)', "nbval-check-output"),
    md("""
## 2. A HolmesGPT toolset file

`toolsets/runbooks.yaml` defines `search_runbooks`, which greps `runbooks.md`:
"""),
    code("print(open(\"toolsets/runbooks.yaml\").read())", "nbval-check-output"),
    code('''
from holmes_nb.tools.toolsets_yaml import load_toolsets

(search_runbooks,) = load_toolsets(["toolsets/runbooks.yaml"])
print(search_runbooks.run({"keyword": "CrashLoopBackOff"}).text)
''', "nbval-check-output"),
    md("A hostile value cannot start a shell: it is one literal argument to grep."),
    code('print(search_runbooks.run({"keyword": "x; rm -rf / #"}).text)', "nbval-check-output"),
    md("""
## 3. Offered to the model

Every later ask offers the decorated functions; toolset files are added per ask (`-t FILE`) or for
the session (`%config HolmesMagic.toolsets = ["toolsets/runbooks.yaml"]`). `%holmes tools` lists
what the model sees (over the demo cluster here; without `--cluster` it takes the config file's
cluster, else the kubeconfig's):
"""),
    code('%config HolmesMagic.toolsets = ["toolsets/runbooks.yaml"]\n%holmes tools --cluster demo', "nbval-check-output"),
    md("""
With a live model, ask as usual and the model may call them:

```python
%holmes ask "checkout is crashing: what does our runbook say, and who do I page?" --model openai/<id>
```

(The recorded run in this folder was made with the default tools only, so it is not replayed here:
a replay refuses to run when the tools differ from those it recorded.)
"""),
    code("holmes_nb.tools.custom.unregister(\"who_is_on_call\")\n%config HolmesMagic.toolsets = []"),
]
