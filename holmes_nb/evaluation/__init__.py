"""Measuring diagnosis: suites of incidents (YAML), runs of every scenario on every model, the
verdicts (expected words, an optional LLM judge), and one question on several backends (compare).
Imports the API layer and below; the CLI and the notebook call it."""
