from cells import code, md

NAME = "05-compare-models"
CELLS = [
    md("""
# Comparing models

`holmes_nb.compare(question, models=[...])` runs one question on several backends and returns a
DataFrame: the answer, steps, tool calls, tokens, seconds and the error of each. A backend that
fails gives an error row; the others still run.

Here: the recorded SmolLM2 run (offline) and the same model live at 127.0.0.1:8011, which is only
up if you ran `holmes-nb local-model start` (otherwise its row shows why it failed).
"""),
    code("import holmes_nb"),
    code('''
results = holmes_nb.compare(
    "what pods are failing?",
    models=["recorded-smollm2", "local-smollm2"],
    cluster="demo",
    config="holmes-config.yaml",
    max_steps=6,
)
results
''', "nbval-ignore-output"),
    code('results[["model", "steps", "tool_calls"]].head(1)', "nbval-check-output"),
    code('results.set_index("model")[["tokens", "seconds"]]', "nbval-ignore-output"),
    md("""
The `tokens` column is what each backend cost in prompt + completion tokens; with hosted models the
cost matters, with small local ones the context window does. Add any modelList key or LiteLLM id
(`openai/<id>` with `OPENAI_API_BASE` set) to `models=`.
"""),
]
