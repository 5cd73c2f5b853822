"""The cluster picker: kubeconfig contexts, snapshots on disk and the demo cluster, linked both ways
to the magic's ``cluster`` setting (holmes_nb.notebook.widgets has the model picker and the base).

    from holmes_nb.notebook.cluster_picker import ClusterPicker
    ClusterPicker(magic)
"""

from __future__ import annotations

import gzip
import html
import re
from pathlib import Path

import ipywidgets as W

from holmes_nb.errors import HolmesError
from holmes_nb.notebook.widgets import DEFAULT, PickerTarget, _Linked, _set_options
from holmes_nb.redact import scrub

_DATA_SUFFIXES = (".json", ".json.gz", ".yaml", ".yml", ".yaml.gz", ".yml.gz", ".dump", ".dump.gz")
_DIR_MARKERS = ("nodes.json", "nodes.yaml", "snapshot.json", "snapshot.json.gz")
_K8S_HEAD = re.compile(
    r'holmes-nb-snapshot|==== START logs for container|"kind"\s*:|"apiVersion"\s*:'
    r"|^(kind|apiVersion)\s*:",
    re.MULTILINE,
)


def kubeconfig_contexts() -> tuple[list[str], str | None, str | None]:
    """(context names, current context, error line) from KUBECONFIG / ~/.kube/config; no cluster contact."""
    from holmes_nb.sources.kube_http import contexts, kubeconfig_files

    try:
        files = kubeconfig_files(None)
        return (*contexts(files), None) if files else ([], None, None)
    except HolmesError as e:
        return [], None, scrub(str(e))


def _looks_like_snapshot(path: Path) -> bool:
    """Cheap detection: the first 4 KB hold Kubernetes objects, a holmes-nb header or a dump log marker."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as fh:
                head = fh.read(4096)
    except (OSError, EOFError):
        return False
    return bool(_K8S_HEAD.search(head.decode("utf-8", "ignore")))


def _snapshot_dir(path: Path, lenient: bool) -> bool:
    if any((path / m).is_file() for m in _DIR_MARKERS):
        return True
    if not lenient:
        return False
    try:
        return any(
            p.is_file() and p.name.endswith(_DATA_SUFFIXES) and _looks_like_snapshot(p)
            for p in sorted(path.iterdir())[:50]
        )
    except OSError:
        return False


def find_snapshots(search: tuple[str, ...] = ("snapshots", "."), limit: int = 100) -> list[Path]:
    """Snapshot files and dump directories in ``search`` (relative to the cwd), detected by name and head."""
    found: list[Path] = []
    for base in search:
        root = Path(base)
        try:
            entries = sorted(p for p in root.iterdir() if not p.name.startswith((".", "_")))
        except OSError:
            continue
        lenient = root.resolve() != Path.cwd().resolve()  # in ./snapshots any dir of object files counts
        for p in entries[:500]:
            if (p.is_dir() and _snapshot_dir(p, lenient)) or (
                p.is_file() and p.name.endswith(_DATA_SUFFIXES) and _looks_like_snapshot(p)
            ):
                found.append(p)
            if len(found) >= limit:
                break
    return list(dict.fromkeys(p.resolve() for p in found))[:limit]


def _spec(path: Path) -> str:
    try:
        rel = str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
    return f"./{rel}" if rel in ("demo", "live") or ":" in rel else rel


def _size(path: Path) -> str:
    n = 0 if path.is_dir() else path.stat().st_size
    return "directory" if path.is_dir() else f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} kB"


def cluster_choices(search: tuple[str, ...] = ("snapshots", ".")) -> tuple[list[tuple[str, str]], list[str]]:
    """(label, spec) options for open_cluster, and notes (unreadable kubeconfig): demo, contexts, snapshots."""
    names, current, error = kubeconfig_contexts()
    options = [("demo — the bundled broken demo cluster", "demo")]
    options += [(f"context: {n}{' (current)' if n == current else ''}", f"context:{n}") for n in names]
    for path in find_snapshots(search):
        spec = _spec(path)
        options.append((f"snapshot: {spec} ({_size(path)})", spec))
    default = f"(default: context {current})" if current else "(default: current context, else demo)"
    return [(default, DEFAULT)] + options, [error] if error else []


class ClusterPicker(_Linked):
    """Dropdown of the demo cluster, kubeconfig contexts and snapshots on disk, linked to target.cluster.

    picker = ClusterPicker(magic)      # magic.cluster = "context:prod" / "demo" / "snapshots/x.json.gz"
    picker.refresh()                   # rescan after saving a snapshot
    """

    def __init__(self, target: PickerTarget | None = None, *, search: tuple[str, ...] = ("snapshots", ".")) -> None:
        self.dropdown = W.Dropdown(description="cluster", layout=W.Layout(width="max-content"))
        self.refresh_button = W.Button(description="Rescan", icon="refresh", tooltip="re-read kubeconfig and snapshots")
        self.notes_label = W.HTML()
        super().__init__(target, [W.HBox([self.dropdown, self.refresh_button]), self.notes_label])
        self.search = tuple(search)
        self.notes: list[str] = []
        self._choices: list[tuple[str, str]] = []
        self.refresh()
        self.dropdown.observe(self._from_dropdown, "value")
        self.refresh_button.on_click(lambda _button: self.refresh())
        self.target.observe(self._from_target, "cluster")

    def refresh(self) -> None:
        """Re-read the kubeconfig contexts and rescan the snapshot folders."""
        self._choices, self.notes = cluster_choices(self.search)
        self.notes_label.value = "<br>".join(html.escape(n) for n in self.notes)
        self._from_target()

    def _from_target(self, change=None) -> None:
        with self._sync():
            _set_options(self.dropdown, self._choices, self.target.cluster or DEFAULT)

    def _from_dropdown(self, change) -> None:
        if not self._syncing:
            self.target.cluster = change["new"] or None

    def text(self) -> str:
        current = self.target.cluster or DEFAULT
        lines = ["holmes-nb cluster picker (or %holmes ask --cluster SPEC)"]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  {'*' if value == current else ' '} {label}" for label, value in self.dropdown.options]
        return "\n".join(lines)


__all__ = ["ClusterPicker", "cluster_choices", "find_snapshots", "kubeconfig_contexts"]
