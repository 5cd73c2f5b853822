"""Inputs built to hang or crash holmes-nb (issue 18), each a class: a YAML alias bomb and duplicate
keys in a config file, a gzip bomb snapshot, odd objects (list label values, a string restartCount),
a non-UTF-8 log in a dump, replies LiteLLM cannot read (``choices: [null]``), deeply nested tool
arguments, and what ``--anonymize`` must hide (IPv6, absent workloads, Service env names and DNS
names). Every input must give a valid result or a clear error (a HolmesError with a hint, no
library traceback). With ``HOLMES_NB_FIGURES_DIR`` set the counts go to ``hostile.json`` there.

The trickling model server is a fault of tests/test_faults.py ("trickle"), and redaction's time on
adversarial input is measured in benchmarks/bench_redact.py.
"""

from __future__ import annotations

import copy
import gzip
import json
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

from devkit.openai_server import call, say
from holmes_nb import api
from holmes_nb.cli import main
from holmes_nb.cluster_spec import open_cluster
from holmes_nb.config import load_config
from holmes_nb.errors import ConfigError, HolmesError, ModelError
from holmes_nb.formats.importers import load_snapshot

_tried: Counter = Counter()
_handled: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def figures(write_figures):
    yield
    by_class = {k: {"tried": _tried[k], "handled": _handled[k]} for k in sorted(_tried)}
    write_figures(
        "hostile",
        {"inputs_tried": sum(_tried.values()), "inputs_handled": sum(_handled.values()), "by_class": by_class},
    )


@contextmanager
def hostile(kind: str):
    """Count one input of ``kind`` as tried, and as handled only if the block's checks pass."""
    _tried[kind] += 1
    yield
    _handled[kind] += 1


def _clear(error: HolmesError) -> None:
    text = f"{error} {error.hint or ''}"
    assert "Traceback" not in text and 'File "' not in text, text


# -- config files --------------------------------------------------------------------------------
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_yaml_alias_bomb_in_a_config_file(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(BOMB + "modelList:\n  m:\n    model: openai/x\n")
    with hostile("config: YAML alias bomb"), pytest.raises(ConfigError, match="aliases expand") as err:
        load_config(cfg)
    _clear(err.value)


def test_duplicate_modellist_keys_are_refused(tmp_path, capsys):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "modelList:\n  fast:\n    model: openai/a\n  slow:\n    model: openai/b\n  fast:\n    model: openai/c\n"
    )
    with hostile("config: duplicate modelList keys"):
        with pytest.raises(ConfigError, match=r"line 6: duplicate key 'fast' \(first at line 2\)") as err:
            load_config(cfg)
        _clear(err.value)
        assert main(["models", "--config", str(cfg)]) != 0
        assert "duplicate key 'fast'" in capsys.readouterr().err


# -- snapshots and dumps -------------------------------------------------------------------------
def test_gzip_bomb_snapshot_stops_with_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOLMES_NB_MAX_SNAPSHOT_BYTES", "1000000")
    bomb = tmp_path / "bomb.json.gz"
    with gzip.open(bomb, "wb") as gz:
        gz.write(b'{"header": {"format": "holmes-nb-snapshot", "version": 1}, "objects": {"pods": [' + b" " * 5_000_000)
    assert bomb.stat().st_size < 20_000  # 5 MB of spaces
    with hostile("snapshot: gzip bomb"):
        with pytest.raises(ConfigError, match="expands to more than 1,000,000 bytes") as err:
            load_snapshot(bomb)
        _clear(err.value)
        assert main(["scan", "--cluster", str(bomb)]) != 0
        assert "gzip bomb" in capsys.readouterr().err


def _odd_snapshot(tmp_path: Path) -> Path:
    demo = open_cluster("demo")
    objects = copy.deepcopy(demo.objects)
    pods = [p for p in objects["pods"] if (p.get("status") or {}).get("containerStatuses")]
    pods[0]["metadata"]["labels"] = {"app": ["checkout", "v2"], "tier": {"x": 1}, "n": 3}
    for cs in pods[1]["status"].get("containerStatuses") or []:
        cs["restartCount"] = "7123"
    for cs in pods[2]["status"].get("containerStatuses") or []:
        cs.update(restartCount="many", state="running", lastState=["x"])
    pods[3]["status"]["containerStatuses"] = ["not an object", None]
    pods[4]["spec"]["containers"] = [*pods[4]["spec"]["containers"], "oops"]
    doc = {"header": {"format": "holmes-nb-snapshot", "version": 1}, "objects": objects, "logs": []}
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(doc))
    return path


def test_odd_objects_do_not_crash_the_scan_or_empty_a_tool(tmp_path):
    from holmes_nb.analyzers.runner import scan
    from holmes_nb.tools.kubernetes import kubernetes_tools

    path = _odd_snapshot(tmp_path)
    with hostile("objects: list label values, string restartCount, odd states"):
        cluster = open_cluster(str(path))
        findings = scan(cluster)
        assert findings and len(findings) >= len(scan(open_cluster("demo"))) - 3
        tools = {t.name: t for t in kubernetes_tools(cluster)}
        for name, args in [("list_pods", {}), ("find_problems", {}), ("list_resources", {"kind": "workloads"})]:
            result = tools[name].run(args)
            assert result.ok and result.text.count("\n") > 5, (name, result.text[:300])
        seven = [
            p
            for p in cluster.list("pods")
            if (p["status"].get("containerStatuses") or [{}])[0].get("restartCount") == 7123
        ]
        assert seven  # "7123" read as a number
        import holmes_nb

        assert len(holmes_nb.cluster(str(path)).pods()) == len(cluster.list("pods"))


def test_one_non_utf8_log_does_not_reject_a_dump(tmp_path):
    root = tmp_path / "dump"
    (root / "shop").mkdir(parents=True)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop"},
        "spec": {"containers": [{"name": "web", "image": "web:1"}]},
    }
    (root / "shop" / "pods.json").write_text(json.dumps({"kind": "PodList", "items": [pod]}))
    (root / "shop" / "web-1").mkdir()
    (root / "shop" / "web-1" / "logs.txt").write_bytes("caf\xe9 ol\xe9 started\n".encode("latin-1"))
    with hostile("dump: one non-UTF-8 log"):
        snap = load_snapshot(root)
        assert snap.get("pods", "web-1", "shop")
        assert "started" in "".join(snap.log_store.values())


# -- model replies -----------------------------------------------------------------------------
_REPLY = '{{"id": "x", "object": "chat.completion", "created": 1, "model": "scripted", "choices": {}}}'


def _tool_reply(arguments: str) -> str:
    message = {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
               "function": {"name": "list_pods", "arguments": arguments}}]}  # fmt: skip
    return _REPLY.format(json.dumps([{"index": 0, "message": message, "finish_reason": "tool_calls"}]))


def _config(tmp_path: Path, srv) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"modelList:\n  s:\n    model: openai/scripted\n    api_base: {srv.url}\n    timeout: 10\n    num_retries: 0\n"
    )
    return str(path)


@pytest.mark.parametrize("choices", ["[null]", "[1]", '[{"message": null}]'])
def test_a_reply_litellm_cannot_read_is_a_clear_error(model_server, tmp_path, choices):
    srv = model_server([call("list_pods", namespace="shop"), {"raw": _REPLY.format(choices)}])
    with hostile(f"model: choices {choices}"):
        with pytest.raises(ModelError) as err:
            api.ask("what is failing?", "s", cluster="demo", config=_config(tmp_path, srv))
        _clear(err.value)
        assert err.value.investigation.calls[0].status == "ok"  # the completed step is kept


@pytest.mark.parametrize("depth", [50, 900, 5000])
def test_deeply_nested_tool_arguments(model_server, tmp_path, depth):
    arguments = "[" * depth + "]" * depth if depth > 900 else json.dumps(_nested(depth))
    srv = model_server([{"raw": _tool_reply(arguments)}, say("done")])
    with hostile(f"model: tool arguments nested {depth} deep"):
        try:
            inv = api.ask("what is failing?", "s", cluster="demo", config=_config(tmp_path, srv))
        except HolmesError as e:
            _clear(e)
        else:
            assert inv.status == "answered" and all(c.status in ("ok", "error") for c in inv.calls)
            assert all("Traceback" not in (c.error or "") for c in inv.calls)


def _nested(depth: int) -> dict:
    value: dict = {"namespace": "shop"}
    for _ in range(depth):
        value = {"a": value}
    return value


# -- --anonymize ---------------------------------------------------------------------------------
def test_anonymize_hides_ipv6_absent_workloads_env_names_and_dns_names():
    from holmes_nb.anonymize import Anonymizer

    demo = open_cluster("demo")
    objects = copy.deepcopy(demo.objects)
    pod = copy.deepcopy(objects["pods"][0])
    pod["metadata"].update(
        name="ledger-sync-5f7c9d-abcde",
        labels={"app": "ledger-sync"},
        ownerReferences=[{"kind": "ReplicaSet", "name": "ledger-sync-5f7c9d", "apiVersion": "apps/v1"}],
    )
    objects["pods"].append(pod)
    from holmes_nb.sources.snapshot import Snapshot

    snap = Snapshot(name="t", source="t")
    for items in objects.values():
        for o in items:
            snap.add(o)
    anon = Anonymizer.from_cluster(snap)
    text = (
        "ledger-sync-5f7c9d-abcde at fd00:10:244:1::1a and 2001:db8::8a2e:370:7334 (loopback ::1, 10:29:01); "
        "LEDGER_SYNC_SERVICE_HOST=10.96.0.12 BILLING_API_PORT_8080_TCP=tcp://10.96.0.13:8080; "
        "calls billing-api.finance.svc.cluster.local:8080 and ledger-sync.shop.svc"
    )
    with hostile("anonymize: IPv6, absent workloads, env and DNS names"):
        hidden = anon.hide(text)
        for real in (
            "ledger",
            "fd00:10:244:1::1a",
            "2001:db8::8a2e:370:7334",
            "LEDGER",
            "BILLING",
            "billing",
            "finance",
        ):
            assert real not in hidden, (real, hidden)
        assert "::1," in hidden and "10:29:01" in hidden  # loopback and times stay
        assert anon.restore(hidden) == text and anon.hide(hidden) == hidden
