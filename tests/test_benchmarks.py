"""The benchmark runner's pieces: docs markers, request stamping, and the first-request token target."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from benchlib import StampedServer, request_tokens, tool_results  # noqa: E402
from run import END, START, render, write_docs  # noqa: E402

from devkit.openai_server import call, say  # noqa: E402


def test_write_docs_replaces_only_the_block_between_markers(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Title\n\nintro\n\n{START}\nold table\n{END}\n\nafter\n")
    write_docs("| new | table |\n", doc)
    write_docs("| newer | table |\n", doc)
    text = doc.read_text()
    assert text.startswith("# Title\n\nintro\n") and text.endswith("\nafter\n")
    assert f"{START}\n| newer | table |\n{END}" in text and "old table" not in text and "| new |" not in text
    missing = tmp_path / "fresh.md"
    write_docs("x\n", missing)
    assert START in missing.read_text() and END in missing.read_text()


def test_render_lists_every_target_with_its_verdict():
    sections = [
        {
            "title": "2. Loop overhead",
            "lines": ["| a |"],
            "data": {},
            "targets": [{"name": "per step", "value": "9 ms", "target": "<= 20 ms", "met": True}],
        },
        {
            "title": "5. Side by side",
            "lines": ["| b |"],
            "data": {},
            "targets": [{"name": "ratio", "value": "0.3", "target": "<= 0.2", "met": False}],
        },
    ]
    info = {"date": "d", "cores": "2", "cpu": "c", "memory": "1 GiB", "os": "Linux", "python": "3.11", "load": "0"}
    text = render(sections, info, 12.0, quick=False)
    assert "| Loop overhead: per step | 9 ms | <= 20 ms | **met** |" in text
    assert "| Side by side: ratio | 0.3 | <= 0.2 | **not met** |" in text
    assert "### 2. Loop overhead" in text and "2 cores" in text


def test_stamped_server_records_arrival_and_splits_runs():
    with StampedServer() as srv:
        import urllib.request

        def post():
            req = urllib.request.Request(
                srv.url + "/chat/completions",
                data=b'{"model": "scripted", "messages": []}',
                headers={"Content-Type": "application/json"},
            )
            urllib.request.urlopen(req, timeout=5).read()

        first = srv.play([say("a")])
        t0 = time.monotonic()
        post()
        second = srv.play([say("b"), say("c")])
        post()
        post()
        assert srv.first_chat_after(first) >= t0
        assert len(srv.since(first)) == 3 and len(srv.since(second)) == 2
        assert srv.first_chat_after(second) >= srv.first_chat_after(first)


@pytest.mark.parametrize(
    "question, turns",
    [
        ("which nodes have problems?", [call("list_resources", kind="nodes"), say("The nodes are healthy.")]),
    ],
)
def test_first_request_stays_within_the_token_target(openai_env, question, turns):
    from bench_agent import _ask

    with StampedServer() as srv:
        openai_env(srv, key="not-needed")
        inv, _, bodies = _ask(srv, question, turns)
    assert inv.status == "answered" and len(bodies) == 2
    assert 200 < request_tokens(bodies[0]) <= 1500
    results = tool_results(bodies[1])
    assert [r["tool"] for r in results] == ["list_resources"] and results[0]["arguments"] == {"kind": "nodes"}
    assert "node" in results[0]["text"].lower()
    assert request_tokens(bodies[1]) > request_tokens(bodies[0])


def test_the_redaction_section_measures_every_pattern_and_finds_no_secret_left():
    from bench_redact import ADVERSARIAL, measure, tables
    from run import SECTIONS

    assert SECTIONS["6"] == "redaction"
    m = measure(1, 4, 1)
    assert [r[0] for r in m["rows"]] == [name for name, _, _ in ADVERSARIAL] and m["left"] == 0
    lines = tables(m)
    assert lines[0].startswith("| adversarial input (4 KB, then 4x) |") and "| 1 MB as one string |" in lines[-1]


def test_every_benchmark_module_imports():
    """A helper moved out of benchlib once left bench_holmesgpt importing it: section 5 then failed
    only after sections 1-4 had run for minutes."""
    import importlib

    names = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "benchmarks").glob("bench*.py"))
    assert "bench_holmesgpt" in names and "benchlib" in names
    for name in names:
        importlib.import_module(name)
