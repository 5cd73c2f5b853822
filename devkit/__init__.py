"""Development kit, not shipped in the wheel: the builders that fabricate the demo cluster and
synthetic clusters (scripts/build_demo.py, benchmarks, tests) and the scripted OpenAI-compatible
model server the tests and benchmarks talk to. Imports holmes_nb; holmes_nb never imports it."""
