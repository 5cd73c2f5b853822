"""Snapshot importers: kubectl dump directory and stream, YAML/JSON object files, holmes-nb files.

Dump fixtures are written here the way kubectl cluster-info dump writes them (typed lists whose
items have no kind, 4-space JSON, per-pod logs.txt with START/END sections, init containers first).
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holmes_nb.errors import ConfigError, ForbiddenError
from holmes_nb.formats.demo import demo_cluster
from holmes_nb.formats.importers import load_snapshot, save_snapshot
from holmes_nb.redact import scrub
from holmes_nb.sources.kinds import resolve_kind
from holmes_nb.sources.snapshot import Snapshot

DUMP_FILES = [
    ("events", "events"),
    ("replicationcontrollers", "replication-controllers"),
    ("services", "services"),
    ("daemonsets", "daemonsets"),
    ("deployments", "deployments"),
    ("replicasets", "replicasets"),
    ("pods", "pods"),
]


def typed_list(snap: Snapshot, plural: str, ns: str | None = None) -> str:
    """A typed *List as kubectl prints it: items without kind/apiVersion, 4-space indent."""
    k = resolve_kind(plural)
    items = [{key: v for key, v in o.items() if key not in ("kind", "apiVersion")} for o in snap.list(plural, ns)]
    doc = {"kind": k.list_kind, "apiVersion": k.api_version, "metadata": {"resourceVersion": "48211"}, "items": items}
    return json.dumps(doc, indent=4) + "\n"


def log_sections(snap: Snapshot, ns: str, pod: dict) -> str:
    name, out = pod["metadata"]["name"], []
    for c in pod["spec"].get("initContainers", []) + pod["spec"]["containers"]:
        out.append(f"==== START logs for container {c['name']} of pod {ns}/{name} ====\n")
        key = (ns, name, c["name"], False)
        if key in snap.log_store:
            out.append(snap.log_store[key])
        else:
            out.append(
                f'Request log error: container "{c["name"]}" in pod "{name}" is waiting to start: ContainerCreating\n'
            )
        out.append(f"==== END logs for container {c['name']} of pod {ns}/{name} ====\n")
    return "".join(out)


def write_dump_dir(snap: Snapshot, root: Path) -> Path:
    (root / "nodes.json").parent.mkdir(parents=True, exist_ok=True)
    (root / "nodes.json").write_text(typed_list(snap, "nodes"))
    for ns in snap.namespaces():
        for plural, fname in DUMP_FILES:
            (root / ns).mkdir(exist_ok=True)
            (root / ns / f"{fname}.json").write_text(typed_list(snap, plural, ns))
        for pod in snap.list("pods", ns):
            (root / ns / pod["metadata"]["name"]).mkdir()
            (root / ns / pod["metadata"]["name"] / "logs.txt").write_text(log_sections(snap, ns, pod))
    return root


def dump_stream(snap: Snapshot) -> str:
    parts = [typed_list(snap, "nodes")]
    for ns in snap.namespaces():
        parts += [typed_list(snap, plural, ns) for plural, _ in DUMP_FILES]
        parts += [log_sections(snap, ns, pod) for pod in snap.list("pods", ns)]
    return "".join(parts)


@pytest.fixture(scope="module")
def demo() -> Snapshot:
    return demo_cluster()


def _names(snap: Snapshot, plural: str) -> set[tuple[str, str]]:
    return {(o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in snap.list(plural)}


def _assert_dump_loaded(loaded: Snapshot, demo: Snapshot) -> None:
    for plural in ["nodes"] + [p for p, _ in DUMP_FILES]:
        assert _names(loaded, plural) == _names(demo, plural), plural
        assert all(o["kind"] == resolve_kind(plural).kind for o in loaded.list(plural))
    current = {k: v for k, v in demo.log_store.items() if not k[3]}
    assert loaded.log_store == current
    assert set(loaded.namespaces()) == set(demo.namespaces())
    newest_event = max(e["lastTimestamp"] for e in demo.list("events"))
    assert newest_event <= loaded.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ") <= "2025-03-14T10:30:00Z"
    assert any("could not read the logs" in n for n in loaded.notes)  # the Request log error sections


def test_dump_directory_loads(demo, tmp_path):
    loaded = load_snapshot(write_dump_dir(demo, tmp_path / "dump"))
    _assert_dump_loaded(loaded, demo)
    pod = loaded.list("pods", "shop", label_selector="app=checkout")[0]
    assert "PAYMENTS_API_URL" in loaded.logs("shop", pod["metadata"]["name"], "checkout")
    assert loaded.get("namespaces", "shop")["metadata"]["annotations"] == {"holmes-nb/synthesized": "true"}


def test_dump_stream_loads(demo, tmp_path):
    path = tmp_path / "cluster-info.dump"
    path.write_text(dump_stream(demo))
    _assert_dump_loaded(load_snapshot(path), demo)


def test_dump_stream_gzipped_and_yaml_output(demo, tmp_path):
    path = tmp_path / "dump.txt.gz"
    path.write_bytes(gzip.compress(dump_stream(demo).encode()))
    assert _names(load_snapshot(path), "pods") == _names(demo, "pods")
    ydir = tmp_path / "ydump"
    ydir.mkdir()
    (ydir / "nodes.yaml").write_text(yaml.safe_dump(json.loads(typed_list(demo, "nodes"))))
    assert _names(load_snapshot(ydir), "nodes") == _names(demo, "nodes")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_real_kubectl_dump_of_the_replay_server_loads(demo, tmp_path):
    """kubectl itself writes both dump layouts (from the demo served by the snapshot API server)."""
    from holmes_nb.apiserver.server import SnapshotAPIServer

    env = {**os.environ, "KUBECONFIG": os.devnull}
    with SnapshotAPIServer(demo) as server:
        base = ["kubectl", "--server", server.url, "cluster-info", "dump", "--namespaces", "shop,data"]
        subprocess.run(
            base + ["--output-directory", str(tmp_path / "d")], check=True, env=env, timeout=120, capture_output=True
        )
        stream = subprocess.run(base, check=True, env=env, timeout=120, capture_output=True, text=True).stdout
    (tmp_path / "dump.txt").write_text(stream)
    wanted = {"shop", "data", ""}
    for loaded in (load_snapshot(tmp_path / "d"), load_snapshot(tmp_path / "dump.txt")):
        for plural in ["nodes"] + [p for p, _ in DUMP_FILES]:
            assert _names(loaded, plural) == {n for n in _names(demo, plural) if n[0] in wanted}, plural
        assert loaded.log_store == {k: v for k, v in demo.log_store.items() if not k[3] and k[0] in wanted}
        assert loaded.namespaces() == ["data", "shop"]


def test_end_marker_glued_to_a_log_without_newline(tmp_path):
    pod = {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": "web-1", "namespace": "shop"},
        "spec": {"containers": [{"name": "web"}, {"name": "side"}]},
    }
    text = (
        json.dumps({"kind": "PodList", "apiVersion": "v1", "items": [pod]}, indent=4) + "\n"
        "==== START logs for container web of pod shop/web-1 ====\nline 1\nno newline at end"
        "==== END logs for container web of pod shop/web-1 ====\n"
        "==== START logs for container side of pod shop/web-1 ====\n"
        "==== END logs for container side of pod shop/web-1 ====\n"
    )
    (tmp_path / "d.txt").write_text(text)
    snap = load_snapshot(tmp_path / "d.txt")
    assert snap.logs("shop", "web-1", "web") == "line 1\nno newline at end"
    assert snap.logs("shop", "web-1", "side") == ""


def test_kubectl_get_yaml_list_and_multidoc(demo, tmp_path):
    pods = copy.deepcopy(demo.list("pods", "shop"))
    (tmp_path / "list.yaml").write_text(
        yaml.safe_dump({"apiVersion": "v1", "items": pods, "kind": "List", "metadata": {"resourceVersion": ""}})
    )
    assert _names(load_snapshot(tmp_path / "list.yaml"), "pods") == _names(demo, "pods") & {
        ("shop", n) for _, n in _names(demo, "pods")
    }
    mixed = demo.list("deployments", "shop")[:2] + demo.list("services", "shop")[:1] + demo.list("nodes")[:1]
    (tmp_path / "multi.yaml").write_text(yaml.safe_dump_all(mixed) + "---\n")
    snap = load_snapshot(tmp_path / "multi.yaml")
    assert snap.counts() == {"deployments": 2, "services": 1, "nodes": 1, "namespaces": 1}
    (tmp_path / "one.json").write_text(json.dumps(demo.list("ingresses")[0]))
    assert len(load_snapshot(tmp_path / "one.json").list("ingresses")) == 1


def test_typed_list_yaml_and_defaults(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "kind: ConfigMapList\napiVersion: v1\nitems:\n- metadata:\n    name: app\n"
        "    creationTimestamp: 2025-01-02T03:04:05Z\n  data: {a: b}\n"
        "---\nkind: Widget\napiVersion: example.com/v1\nmetadata: {name: w, namespace: x}\n"
    )
    snap = load_snapshot(tmp_path / "x.yaml")
    cm = snap.get("configmaps", "app", "default")
    assert cm["kind"] == "ConfigMap" and cm["metadata"]["creationTimestamp"] == "2025-01-02T03:04:05Z"
    assert snap.objects["widgets"][0]["metadata"]["name"] == "w"  # unknown kinds are kept
    assert snap.now().isoformat() == "2025-01-02T03:04:05+00:00"


# -- the holmes-nb format -----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["snap.json", "snap.json.gz"])
def test_round_trip_keeps_everything(demo, tmp_path, name):
    calls = []
    path = save_snapshot(demo, tmp_path / name, progress=lambda d, t, label: calls.append((d, t, label)))
    loaded = load_snapshot(path)
    assert loaded.counts() == demo.counts()
    assert loaded.log_store == {k: scrub(v) for k, v in demo.log_store.items()}  # secrets redacted, nothing else
    assert any(k[3] for k in loaded.log_store)
    assert loaded.captured_at == demo.captured_at and loaded.source == demo.source
    assert [d for d, _, _ in calls] == list(range(1, len(calls) + 1))
    assert {t for _, t, _ in calls} == {len(calls)}
    assert calls[0][2] == "pods" and any(label.endswith("(previous)") for _, _, label in calls)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")


def test_save_to_directory_and_namespaces_filter(demo, tmp_path):
    path = save_snapshot(demo, tmp_path, namespaces=["shop"])
    assert path == tmp_path / "snapshot.json.gz"
    loaded = load_snapshot(tmp_path)
    assert {o["metadata"]["namespace"] for o in loaded.list("pods")} == {"shop"}
    assert loaded.namespaces() == ["shop"]
    assert len(loaded.list("nodes")) == len(demo.list("nodes"))
    assert {k[0] for k in loaded.log_store} == {"shop"}


class RefusingCluster(Snapshot):
    """A source whose RBAC refuses Secrets and whose log reads fail for one pod."""

    def list(self, kind, namespace=None, **kw):
        if self._kind(kind).name == "secrets":
            raise ForbiddenError('secrets is forbidden: User "sre" cannot list resource "secrets"')
        return super().list(kind, namespace, **kw)

    def logs(self, namespace, pod, container=None, **kw):
        if pod.startswith("cart-"):
            raise ForbiddenError("pods/log is forbidden")
        return super().logs(namespace, pod, container, **kw)


def test_refused_kinds_and_logs_become_notes(demo, tmp_path):
    src = RefusingCluster(demo.objects, demo.log_store, captured_at=demo.captured_at, source="context:lab")
    loaded = load_snapshot(save_snapshot(src, tmp_path / "s.json"))
    assert "secrets" not in loaded.counts() and loaded.counts()["pods"] == demo.counts()["pods"]
    assert any(n.startswith("secrets: skipped (secrets is forbidden") for n in loaded.notes)
    assert any("log reads failed" in n for n in loaded.notes)
    assert not any(k[1].startswith("cart-") for k in loaded.log_store)


# -- secrets never keep values ------------------------------------------------------------------
SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "type": "Opaque",
    "data": {"password": "aHVudGVyMi1zZWNyZXQ="},
    "stringData": {"token": "plain-token-value"},
    "metadata": {
        "name": "db",
        "namespace": "shop",
        "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"password":"aHVudGVyMi1zZWNyZXQ="}}'
        },
    },
}


def _assert_no_secret_values(snap: Snapshot) -> None:
    sec = snap.get("secrets", "db", "shop")
    assert sec["dataKeys"] == ["password", "token"] and "data" not in sec and "stringData" not in sec
    text = json.dumps(snap.objects)
    assert "aHVudGVyMi1zZWNyZXQ=" not in text and "plain-token-value" not in text


def test_secrets_lose_values_in_every_layout(tmp_path):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({"kind": "List", "apiVersion": "v1", "items": [SECRET]}))
    _assert_no_secret_values(load_snapshot(tmp_path / "s.yaml"))
    d = tmp_path / "dir"
    (d / "shop").mkdir(parents=True)
    (d / "shop" / "secrets.json").write_text(
        json.dumps(
            {"kind": "SecretList", "apiVersion": "v1", "items": [{k: v for k, v in SECRET.items() if k != "kind"}]}
        )
    )
    _assert_no_secret_values(load_snapshot(d))
    doc = {
        "header": {"format": "holmes-nb-snapshot", "version": 1, "capturedAt": "2025-03-14T10:30:00Z"},
        "objects": {"secrets": [SECRET]},
        "logs": [],
    }
    (tmp_path / "own.json").write_text(json.dumps(doc))
    snap = load_snapshot(tmp_path / "own.json")
    _assert_no_secret_values(snap)
    saved = save_snapshot(snap, tmp_path / "again.json").read_text()
    assert "aHVudGVyMi1zZWNyZXQ=" not in saved and '"dataKeys"' in saved


# -- malformed input ----------------------------------------------------------------------------
BAD_FILES = {
    "bad.yaml": ("kind: Pod\nmetadata:\n  name: x\n  labels: [\n", "bad.yaml:5"),
    "bad.json": ('{"kind": "PodList", "items": [\n  {"metadata": {"name": "a"}},\n  oops]}', "bad.json:3"),
    "items.json": ('{"kind": "PodList", "items": {"a": 1}}', "'items' must be a list"),
    "noname.yaml": ("kind: Pod\nmetadata: {namespace: x}\n", "noname.yaml:1: Pod has no metadata.name"),
    "scalar.yaml": ("just a string\n", "expected a Kubernetes object"),
    "nokind.json": ('{"metadata": {"name": "x"}}', "no 'kind'"),
    "empty.yaml": ("   \n", "empty file"),
    "spec.yaml": ("kind: Pod\nmetadata: {name: p}\nspec: [1]\n", "non-object 'spec'"),
    "cut.dump": (
        '{"kind": "PodList", "items": []}\n==== START logs for container a of pod x/y ====\nhello\n',
        "cut.dump:2: log section for container a of pod x/y has no END line",
    ),
    "newer.json": ('{"header": {"format": "holmes-nb-snapshot", "version": 99}, "objects": {}}', "version 99"),
    "objs.json": ('{"header": {"format": "holmes-nb-snapshot", "version": 1}, "objects": []}', "'objects' must map"),
    "logs.json": (
        '{"header": {"format": "holmes-nb-snapshot", "version": 1}, "objects": {}, "logs": [{"pod": 1}]}',
        "logs[0] needs",
    ),
    "bomb.yaml": (
        "kind: ConfigMap\nmetadata: {name: x}\na: &a [1,1,1,1,1,1,1,1,1,1]\n"
        + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
        "YAML aliases expand to too many nodes",
    ),
    "time.json": (
        '{"header": {"format": "holmes-nb-snapshot", "version": 1, "capturedAt": "yesterday"}, "objects": {}}',
        "capturedAt",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_malformed_input_is_a_config_error(tmp_path, name):
    text, expected = BAD_FILES[name]
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError) as err:
        load_snapshot(tmp_path / name)
    assert expected in str(err.value)


def test_bad_paths_and_binary(tmp_path):
    with pytest.raises(ConfigError, match="snapshot not found"):
        load_snapshot(tmp_path / "missing.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no snapshot files found"):
        load_snapshot(tmp_path / "empty")
    (tmp_path / "trunc.json.gz").write_bytes(gzip.compress(b'{"kind": "List", "items": []}')[:12])
    with pytest.raises(ConfigError, match="corrupt gzip"):
        load_snapshot(tmp_path / "trunc.json.gz")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_snapshot(tmp_path / "bin.json")


VALID_STREAM = (
    '{\n    "kind": "PodList",\n    "apiVersion": "v1",\n    "items": [\n        {"metadata": {"name": "web-1", '
    '"namespace": "shop"}, "spec": {"containers": [{"name": "web"}]}}\n    ]\n}\n'
    "==== START logs for container web of pod shop/web-1 ====\nGET / 200\n"
    "==== END logs for container web of pod shop/web-1 ====\n"
    '{\n    "kind": "ServiceList",\n    "apiVersion": "v1",\n    "items": []\n}\n'
)
VALID_YAML = "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata:\n    name: a\n    namespace: b\n  spec: {}\n"


def _load_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.txt"
    path.write_text(text, encoding="utf-8")
    try:
        snap = load_snapshot(path)
    except ConfigError as e:
        assert "fuzz.txt" in str(e) or "empty" in str(e)
        return
    assert isinstance(snap, Snapshot)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    base=st.sampled_from([VALID_STREAM, VALID_YAML]),
    cut=st.integers(0, 400),
    insert=st.text(max_size=8),
    drop=st.integers(0, 6),
)
def test_fuzz_mutated_inputs_load_or_fail_cleanly(tmp_path, base, cut, insert, drop):
    """Truncations, insertions and deletions of valid input: a Snapshot or a ConfigError, nothing else."""
    cut %= len(base) + 1
    _load_text(tmp_path, base[:cut] + insert + base[cut + drop :])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tokens=st.lists(
        st.sampled_from(
            list('{}[]:,"- \n\tab1=#!&*|>')
            + [
                "==== START logs for container a of pod x/y ====\n",
                "==== END logs for container a of pod x/y ====",
                "kind: ",
                "items",
                "metadata",
                "name",
                "---\n",
            ]
        ),
        max_size=30,
    )
)
def test_fuzz_random_tokens(tmp_path, tokens):
    _load_text(tmp_path, "".join(tokens))
