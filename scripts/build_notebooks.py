"""Write the example notebooks from their sources and run them so they are saved with real outputs.

Each module in scripts/notebooks/ defines ``NAME`` (the file in notebooks/) and ``CELLS``: a list of
``md(text)`` / ``code(source, *tags)`` cells. Notebooks run top to bottom in a real kernel with the
live view off (saved notebooks hold final outputs only) and offline (the model is a recorded run).

    python scripts/build_notebooks.py            # all
    python scripts/build_notebooks.py 01 03      # those whose NAME starts with 01 or 03
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def load_sources() -> list:
    sys.path.insert(0, str(ROOT / "scripts" / "notebooks"))  # for ``from cells import md, code``
    mods = []
    for path in sorted((ROOT / "scripts" / "notebooks").glob("nb*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        mods.append(mod)
    return mods


def build(mod) -> Path:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source, tags in mod.CELLS:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    for i, cell in enumerate(nb.cells):  # stable ids: diffs stay small when a notebook is rebuilt
        cell["id"] = f"{mod.NAME[:2]}-{i:02d}"
    env_before = dict(os.environ)
    os.environ.update({"HOLMES_NB_LIVE_DISPLAY": "off", "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    try:
        NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    out = NOTEBOOKS / f"{mod.NAME}.ipynb"
    nbformat.write(nb, out)
    return out


def main(argv: list[str]) -> int:
    for mod in load_sources():
        if argv and not any(mod.NAME.startswith(a) for a in argv):
            continue
        print(f"building {mod.NAME} ...", file=sys.stderr, flush=True)
        print(build(mod))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
