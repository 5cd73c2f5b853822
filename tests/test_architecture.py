"""Architecture contracts: the layers and forbidden imports declared in pyproject.toml
([tool.importlinter], checked with import-linter), no import cycle between any two modules, every room
placed in a layer, and the public API pinned. grimp (import-linter's engine) counts every import
statement, also those inside functions, so a cycle cannot hide behind a lazy import."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+
ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("holmes_nb", include_external_packages=True, cache_dir=None)


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    summary = run.stdout.split("Contracts:")[-1]
    assert re.search(r"\b0 broken", summary) and "BROKEN" not in run.stdout, summary


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    mods = sorted(m for m in graph.modules if m.startswith("holmes_nb"))
    edges = {
        m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i.startswith("holmes_nb")) for m in mods
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in mods:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            for j in range(i, len(edges[node])):
                nxt = edges[node][j]
                if nxt not in index:
                    work.append((node, j + 1))
                    work.append((nxt, 0))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                if low[node] == index[node]:
                    comp = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        comp.append(top)
                        if top == node:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return found


def test_no_import_cycles(graph):
    assert _cycles(graph) == []


def test_cycle_check_finds_a_cycle():
    """The check above can fail: a two-module cycle and a three-module cycle are found."""
    g = grimp.ImportGraph()
    for a, b in [
        ("holmes_nb.a", "holmes_nb.b"),
        ("holmes_nb.b", "holmes_nb.a"),
        ("holmes_nb.c", "holmes_nb.d"),
        ("holmes_nb.d", "holmes_nb.e"),
        ("holmes_nb.e", "holmes_nb.c"),
        ("holmes_nb.e", "holmes_nb.f"),
    ]:
        g.add_import(importer=a, imported=b)
    assert sorted(_cycles(g)) == [["holmes_nb.a", "holmes_nb.b"], ["holmes_nb.c", "holmes_nb.d", "holmes_nb.e"]]


def test_every_room_has_a_layer(graph):
    """A new top-level module or folder must be placed in the layers contract (and so in the map)."""
    contract = next(c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    placed = {name.strip() for layer in contract["layers"] for part in layer.split("|") for name in part.split(":")}
    rooms = {m.split(".")[1] for m in graph.modules if m.startswith("holmes_nb.")} - {"__main__"}
    assert rooms - placed == set()
    core = next(
        c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if "IPython" in c.get("forbidden_modules", [])
    )
    guarded = {m.split(".")[1] for m in core["source_modules"]}
    assert rooms - guarded == {"notebook", "_version"}  # every other room is held to "no IPython"
    shipped = {m for m in graph.modules if m.startswith("holmes_nb")}
    assert not any(m.startswith("devkit") for m in shipped)


def test_public_api_is_pinned():
    import holmes_nb

    assert sorted(holmes_nb.__all__) == sorted(
        [
            "__version__",
            "ask",
            "changes",
            "cluster",
            "compare",
            "evaluate",
            "investigate_alerts",
            "load_ipython_extension",
            "metrics",
            "tool",
        ]
    )
    for name in holmes_nb.__all__:
        assert getattr(holmes_nb, name) is not None
    # holmes_nb.cluster stays a function whatever subpackages were imported before
    import holmes_nb.cluster_spec
    import holmes_nb.frames.cluster_frames  # noqa: F401
    import holmes_nb.sources.base  # noqa: F401

    assert callable(holmes_nb.cluster) and type(holmes_nb.cluster).__name__ == "function"
