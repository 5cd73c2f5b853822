"""Fuzz (hypothesis) what users and models hand to holmes-nb (issue 7, promise 3): config files,
``{{ env.VAR }}`` templates, tool calls written as text, tool-call arguments, and snapshots in every
layout. The outcome is always a valid result or a clear HolmesError, within a deadline; never
another exception type from deep inside a library.

With ``HOLMES_NB_FIGURES_DIR`` set, the number of inputs tried goes to ``fuzz.json`` there
(scripts/reliability_table.py turns it into the table of docs/reliability.md).
"""

from __future__ import annotations

import gzip
import json
import os
import warnings
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holmes_nb.config import Config, ModelEntry, load_config
from holmes_nb.errors import ConfigError, HolmesError
from holmes_nb.formats.importers import load_snapshot
from holmes_nb.llm.compat import ToolCall, parse_text_tool_calls, repair_arguments
from holmes_nb.sources.snapshot import Snapshot

FUZZ = settings(
    max_examples=150,
    deadline=timedelta(seconds=3),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_tried: Counter = Counter()
_errors: Counter = Counter()  # inputs answered with a clear HolmesError (the rest gave a valid result)


@pytest.fixture(scope="module", autouse=True)
def figures(write_figures):
    """The counts, as fuzz.json, after the module's tests."""
    yield
    by_target = {k: {"tried": _tried[k], "clear_errors": _errors[k]} for k in sorted(_tried)}
    write_figures(
        "fuzz",
        {
            "inputs_tried": sum(_tried.values()),
            "clear_errors": sum(_errors.values()),
            "valid_results": sum(_tried.values()) - sum(_errors.values()),
            "by_target": by_target,
        },
    )


def attempt(target: str, fn, *args, errors=(HolmesError,)):
    """Run ``fn``: its result, or None when it raised one of ``errors``; anything else fails the test."""
    _tried[target] += 1
    try:
        return fn(*args)
    except errors as e:
        assert str(e).strip(), "an error without a message"
        _errors[target] += 1
        return None


# -- value strategies ---------------------------------------------------------------------------
scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=True) | st.text(max_size=12)
json_scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=12)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
names = st.sampled_from(["m", "local", "gpt", "a b", "", "openai/x"]) | st.text(max_size=6)
models = st.sampled_from(["openai/llama3", "openai/", "ollama/x", "replay/", "x"]) | values


def maybe(d: dict) -> st.SearchStrategy:
    """A dict holding any subset of the keys of ``d`` (key -> strategy)."""
    return st.fixed_dictionaries({}, optional=d)


model_entries = maybe(
    {
        "model": models,
        "api_base": st.sampled_from(["http://127.0.0.1:9/v1", "{{ env.BASE }}"]) | values,
        "api_key": values,
        "temperature": values,
        "max_tokens": values,
        "timeout": values,
        "num_retries": values,
        "tool_results": st.sampled_from(["auto", "user"]) | values,
        "custom_args": maybe({"max_context_size": values}) | values,
        "top_p": values,
    }
)
env_items = maybe(
    {
        "name": names | values,
        "value": values,
        "valueFrom": maybe({"secretKeyRef": maybe({"name": values, "key": values}) | values}) | values,
    }
)
good_entries = st.fixed_dictionaries(
    {"model": st.sampled_from(["openai/llama3", "ollama/qwen", "openai/x"])},
    optional={
        "api_base": st.just("{{ env.BASE }}") | values,
        "timeout": values,
        "temperature": st.floats(0, 2) | values,
        "num_retries": values,
    },
)
good_docs = st.fixed_dictionaries(
    {"modelList": st.dictionaries(names, good_entries, min_size=1, max_size=3)},
    optional={"config": maybe({"model": names}), "holmes_nb": maybe({"timeout": values})},
)
config_docs = good_docs | maybe(
    {
        "modelList": st.dictionaries(names, model_entries | values, max_size=3) | values,
        "config": maybe({"model": names | values}) | values,
        "model": names | values,
        "additionalEnvVars": st.lists(env_items | values, max_size=3) | values,
        "holmes_nb": maybe({"timeout": values, "max_steps": values, "cluster": values}) | values,
        "timeout": values,
        "holmes": values,
    }
)


# -- the config loader --------------------------------------------------------------------------
@contextmanager
def quiet():
    """Unknown modelList keys warn (UserWarning) by design; warnings are not failures here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _load_and_select(path: Path, requested) -> ModelEntry:
    entry = load_config(path).select(requested)
    assert isinstance(entry, ModelEntry) and entry.model
    assert 0 < entry.timeout < float("inf")
    entry.litellm_kwargs(), entry.describe(), repr(entry)
    return entry


@FUZZ
@given(doc=config_docs | values, requested=st.none() | names, as_yaml=st.booleans())
def test_config_loader_takes_any_document(tmp_path, monkeypatch, doc, requested, as_yaml):
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("BASE", "http://127.0.0.1:9/v1")
    path = tmp_path / "config.yaml"
    try:
        path.write_text(yaml.safe_dump(doc) if as_yaml else json.dumps(doc, default=str))
    except ValueError:  # NaN in JSON is written; a few floats are not representable: skip those
        return
    with quiet():
        attempt("config loader", _load_and_select, path, requested)


@FUZZ
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_config_loader_takes_any_bytes(tmp_path, monkeypatch, data):
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:9/v1")
    path = tmp_path / "config.yaml"
    path.write_bytes(data)
    with quiet():
        attempt("config loader", _load_and_select, path, "openai/x")


# -- {{ env.VAR }} templating -------------------------------------------------------------------
var_names = st.from_regex(r"[A-Z_][A-Z0-9_]{0,8}", fullmatch=True)
literals = st.text(max_size=10).filter(lambda t: "{{" not in t and "}}" not in t and not t.endswith("{"))
parts = st.lists(st.tuples(literals, st.none() | st.tuples(var_names, st.sampled_from(["", " ", "  "]))), max_size=4)


@FUZZ
@given(parts=parts, overlay=st.dictionaries(var_names, st.text(max_size=12), max_size=4))
def test_env_templating_substitutes_every_variable_once(parts, overlay):
    template, expected, missing = "http://h/", "http://h/", []
    for literal, var in parts:
        template += literal
        expected += literal
        if var is not None:
            name, pad = var
            template += "{{" + pad + "env." + name + pad + "}}"
            value = os.environ.get(name, overlay.get(name))
            expected += value or ""
            if value is None:
                missing.append(name)
    cfg = Config(
        model_list={"m": {"model": "openai/x", "api_base": template, "extra_headers": {"X": [template]}}},
        env_overlay=overlay,
    )
    entry = attempt("env templating", cfg.entry, "m")
    if missing:
        assert entry is None  # a ConfigError that names the variable (checked below)
        with pytest.raises(ConfigError, match=missing[0]):
            cfg.entry("m")
    else:
        assert entry.api_base == expected and entry.extra["extra_headers"] == {"X": [expected]}


@FUZZ
@given(template=st.text(alphabet="{} env.ABC_$\\|", max_size=30), value=st.text(max_size=8))
def test_env_templating_of_garbage(template, value):
    cfg = Config(
        model_list={"m": {"model": "openai/x", "api_key": template}}, env_overlay={"A": value, "B": "{{ env.A }}"}
    )
    entry = attempt("env templating", cfg.entry, "m")
    assert entry is None or isinstance(entry.api_key, str)


# -- tool calls written as text, and their arguments ----------------------------------------------
TOOLS = ["list_pods", "pod_logs", "describe"]
arg_dicts = st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), json_scalars, max_size=3)
FORMATS = {
    "hermes": lambda n, a: f"<tool_call>\n{json.dumps({'name': n, 'arguments': a})}\n</tool_call>",
    "lmstudio": lambda n, a: f"[TOOL_REQUEST]{json.dumps({'name': n, 'arguments': a})}[END_TOOL_REQUEST]",
    "mistral": lambda n, a: f"[TOOL_CALLS][{json.dumps({'name': n, 'arguments': a})}]",
    "llama3": lambda n, a: f"<|python_tag|>{json.dumps({'name': n, 'parameters': a})}<|eom_id|>",
    "functions": lambda n, a: f"functions.{n}:\n{json.dumps(a)}",
    "fenced-json": lambda n, a: f"```json\n{json.dumps({'name': n, 'arguments': a})}\n```",
    "json": lambda n, a: json.dumps({"name": n, "arguments": a}),
}


def _check_calls(result) -> list[ToolCall]:
    calls, rest = result
    assert isinstance(rest, str)
    for c in calls:
        assert isinstance(c, ToolCall) and isinstance(c.name, str) and isinstance(c.arguments, dict)
        c.signature()
    return calls


@FUZZ
@given(
    fmt=st.sampled_from(sorted(FORMATS)),
    name=st.sampled_from(TOOLS),
    args=arg_dicts,
    before=st.sampled_from(["", "Let me check.\n", '<think>maybe {"name": "x"}</think>']),
)
def test_text_tool_calls_round_trip(fmt, name, args, before):
    if fmt == "json" and before.startswith("Let"):
        before = ""  # bare JSON counts as a call only when it is the whole reply (else it may be an answer)
    text = before + FORMATS[fmt](name, args)
    calls = _check_calls(attempt("tool-call text parser", parse_text_tool_calls, text, TOOLS))
    assert [(c.name, c.arguments) for c in calls] == [(name, args)], text


tokens = st.sampled_from(
    [
        "<tool_call>",
        "</tool_call>",
        "[TOOL_CALLS]",
        "[TOOL_REQUEST]",
        "[END_TOOL_REQUEST]",
        "<|python_tag|>",
        "functions.list_pods:",
        "```json\n",
        "```",
        "<think>",
        "</think>",
        '{"name": "list_pods"',
        '"arguments":',
        '{"',
        "}",
        "[",
        "]",
        ",",
        ":",
        "\n",
        " ",
        '"',
        "\\",
        "null",
        "1e999",
        "NaN",
    ]
) | st.text(max_size=5)


@FUZZ
@given(parts=st.lists(tokens, max_size=25), valid=st.lists(st.sampled_from(TOOLS + ["", "x"]), max_size=3))
def test_text_tool_call_parser_takes_anything(parts, valid):
    _check_calls(attempt("tool-call text parser", parse_text_tool_calls, "".join(parts), valid))


@FUZZ
@given(
    raw=st.one_of(
        st.lists(tokens, max_size=20).map("".join),
        json_values,
        json_values.map(json.dumps),
        json_values.map(lambda v: json.dumps(json.dumps(v))),
        st.integers(1, 3000).map(lambda n: "[" * n),
        st.integers(1, 3000).map(lambda n: '{"a":' * n),
    )
)
def test_argument_repair_always_gives_a_dict(raw):
    args, notes = attempt("argument repair", repair_arguments, raw)
    assert isinstance(args, dict) and all(isinstance(n, str) for n in notes)


@FUZZ
@given(args=arg_dicts)
def test_argument_repair_keeps_valid_and_double_encoded_arguments(args):
    assert attempt("argument repair", repair_arguments, json.dumps(args)) == (args, [])
    if args:
        assert attempt("argument repair", repair_arguments, json.dumps(json.dumps(args)))[0] == args


# -- snapshot importers -----------------------------------------------------------------------
KINDS = ["Pod", "Event", "Node", "Deployment", "Namespace", "Secret", "ConfigMap", "Widget", "PodList", "List", ""]
good_metadata = st.fixed_dictionaries(
    {"name": st.sampled_from(["web-1", "db", "x" * 63])},
    optional={
        "namespace": st.sampled_from(["shop", "kube-system"]),
        "labels": st.dictionaries(st.text(max_size=5), values, max_size=2),
        "creationTimestamp": st.sampled_from(["2024-06-01T10:00:00Z", "2024-13-45T99:00:00Z"]) | values,
    },
)
good_objects = st.fixed_dictionaries(
    {"kind": st.sampled_from(KINDS[:7]), "metadata": good_metadata},
    optional={
        "apiVersion": st.sampled_from(["v1", "apps/v1"]),
        "spec": st.dictionaries(
            st.sampled_from(["containers", "nodeName", "replicas", "selector"]), values, max_size=3
        ),
        "status": st.dictionaries(st.sampled_from(["phase", "containerStatuses", "conditions"]), values, max_size=3),
        "involvedObject": values,
        "lastTimestamp": values,
    },
)
metadata = maybe(
    {
        "name": st.sampled_from(["web-1", "db", ""]) | values,
        "namespace": st.sampled_from(["shop", "", "kube-system"]) | values,
        "labels": values,
        "creationTimestamp": st.sampled_from(["2024-06-01T10:00:00Z", "yesterday"]) | values,
        "annotations": values,
    }
)
objects = maybe(
    {
        "apiVersion": st.sampled_from(["v1", "apps/v1"]) | values,
        "kind": st.sampled_from(KINDS) | values,
        "metadata": metadata | values,
        "spec": values,
        "status": values,
        "data": values,
        "items": st.lists(values, max_size=3) | values,
        "lastTimestamp": values,
    }
)
objects = good_objects | objects
object_files = st.one_of(
    objects,
    st.lists(objects, max_size=4),
    st.fixed_dictionaries(
        {"kind": st.sampled_from(["List", "PodList", "EventList"]), "items": st.lists(objects, max_size=4) | values}
    ),
)
snapshot_docs = st.fixed_dictionaries(
    {
        "header": maybe(
            {
                "format": st.just("holmes-nb-snapshot"),
                "version": st.sampled_from([1, 2, 0, "1"]) | values,
                "capturedAt": st.sampled_from(["2024-06-01T12:00:00Z", "noon"]) | values,
                "namespaces": values,
                "notes": values,
                "source": values,
            }
        ).map(lambda h: {**h, "format": "holmes-nb-snapshot"})
    },
    optional={
        "objects": st.dictionaries(
            st.sampled_from(["pods", "events", "nodes", "widgets"]), st.lists(objects, max_size=3) | values, max_size=3
        )
        | values,
        "logs": st.lists(
            maybe({"namespace": values, "pod": values, "container": values, "previous": values, "text": values}),
            max_size=3,
        )
        | values,
    },
)


def _use(snap: Snapshot) -> Snapshot:
    """What the tools do with a snapshot: list every kind in every namespace, read the logs."""
    assert isinstance(snap, Snapshot)
    for kind in snap.kinds_available():
        for ns in [None, *snap.namespaces()]:
            assert isinstance(snap.list(kind, ns), list)
    for ns, pod, container, previous in list(snap.log_store):
        assert isinstance(snap.logs(ns, pod, container, previous=previous), str)
    snap.now(), snap.counts()
    return snap


def _load(path: Path) -> Snapshot:
    return _use(load_snapshot(path))


def _encode(doc, how: str) -> bytes:
    if how == "yaml":
        return yaml.safe_dump_all(
            doc if isinstance(doc, list) and doc and all(isinstance(d, dict) for d in doc) else [doc]
        ).encode()
    data = json.dumps(doc, default=str).encode()
    return gzip.compress(data) if how == "json.gz" else data


@FUZZ
@given(doc=object_files | snapshot_docs | json_values, how=st.sampled_from(["json", "yaml", "json.gz"]))
def test_snapshot_files_of_any_shape(tmp_path, doc, how):
    path = tmp_path / f"snap.{how}"
    try:
        path.write_bytes(_encode(doc, how))
    except (ValueError, yaml.YAMLError):
        return
    attempt("snapshot importers", _load, path)


DUMP_FILES = [
    "nodes.json",
    "shop/pods.json",
    "shop/events.json",
    "shop/services.yaml",
    "kube-system/pods.json",
    "notes.txt",
    "shop/web-1/logs.txt",
    "shop/.json",
    "x.yml.gz",
]
log_texts = st.lists(
    st.sampled_from(
        [
            "==== START logs for container web of pod shop/web-1 ====\n",
            "==== END logs for container web of pod shop/web-1 ====\n",
            "==== START logs for container a of pod x/ ====\n",
            "Request log error: x\n",
            "GET / 200\n",
            "\n",
        ]
    )
    | st.text(max_size=10),
    max_size=6,
).map("".join)


@FUZZ
@given(files=st.dictionaries(st.sampled_from(DUMP_FILES), object_files | json_values | log_texts, max_size=4))
def test_dump_directories_of_any_content(tmp_path, files):
    import shutil

    root = tmp_path / "dump"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = (
            content
            if isinstance(content, str)
            else (yaml.safe_dump(content) if rel.endswith(".yaml") else json.dumps(content, default=str))
        )
        data = text.encode("utf-8", "surrogatepass")
        target.write_bytes(gzip.compress(data) if rel.endswith(".gz") else data)
    attempt("snapshot importers", _load, root)


@FUZZ
@given(
    chunks=st.lists(
        st.one_of(object_files.map(lambda d: json.dumps(d, indent=4, default=str) + "\n"), log_texts),
        min_size=1,
        max_size=5,
    )
)
def test_dump_streams_of_any_content(tmp_path, chunks):
    path = tmp_path / "cluster-info.dump"
    path.write_text("==== START logs for container web of pod shop/web-1 ====\n" + "".join(chunks), encoding="utf-8")
    attempt("snapshot importers", _load, path)
