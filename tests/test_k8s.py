"""holmes_nb.k8s: the one set of Kubernetes value helpers (times, durations, quantities, accessors)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from analyzer_objects import NOW, cond, pod

from holmes_nb.k8s import (
    age,
    condition,
    condition_status,
    controller_ref,
    human_duration,
    labels_of,
    ns_name,
    owner_refs,
    parse_duration,
    parse_quantity,
    parse_time,
)


# -- durations: kubectl's duration.HumanDuration ---------------------------------------------------
@pytest.mark.parametrize(
    "seconds, text",
    [
        (-2, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (299.5, "4m59s"),
        (600, "10m"),
        (90 * 60, "90m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (5.5 * 3600, "5h30m"),
        (8 * 3600, "8h"),
        (30 * 3600, "30h"),
        (48 * 3600, "2d"),
        (3 * 86400 + 5 * 3600, "3d5h"),
        (8 * 86400, "8d"),
        (729 * 86400, "729d"),
        (730 * 86400, "2y"),
        (800 * 86400, "2y70d"),
        (8 * 365 * 86400, "8y"),
    ],
)
def test_human_duration_follows_kubectl(seconds, text):
    assert human_duration(seconds) == text
    if not text.startswith("<"):
        assert human_duration(parse_duration(text)) == text  # the timeline reads ages back


def test_parse_duration_rejects_what_is_not_an_age():
    assert parse_duration("5h30m") == 19800 and parse_duration("42s") == 42
    assert [parse_duration(t) for t in ("", None, "<invalid>", "5 hours", "h5")] == [None] * 5


# -- times ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "2024-06-01T12:00:00Z",
        "2024-06-01T12:00:00.000000000Z",
        "2024-06-01T14:00:00+02:00",
        "2024-06-01T07:30:00-04:30",
        "2024-06-01T14:00:00.0+02:00",
        datetime(2024, 6, 1, 12, 0),
    ],
)
def test_parse_time_keeps_offsets_and_answers_in_utc(text):
    t = parse_time(text)
    assert t == NOW and t.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [None, "", "yesterday", "2024-13-01T00:00:00Z", 42, ["2024-06-01T12:00:00Z"]])
def test_parse_time_and_age_reject_garbage(value):
    assert parse_time(value) is None and age(value, NOW) is None


# -- quantities ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, value",
    [
        ("250m", 0.25),
        ("1.5Gi", 1.5 * 2**30),
        ("2", 2.0),
        ("1e3", 1000.0),
        ("100K", 1e5),
        (" 64Mi ", 64 * 2**20),
        (3, 3.0),
    ],
)
def test_parse_quantity(text, value):
    assert parse_quantity(text) == pytest.approx(value)


@pytest.mark.parametrize("text", [None, "", "lots", "5Xi", "1ki", "NaN", "inf", True, float("nan")])
def test_parse_quantity_rejects_garbage(text):
    assert parse_quantity(text) is None


def test_parse_quantity_is_the_kubernetes_clients_parser():
    from kubernetes.utils import parse_quantity as client_parse

    for text in ("250m", "1.5Gi", "100K", "1e3", "12E", "0.5Ti", "7n", "3u"):
        assert parse_quantity(text) == float(client_parse(text)), text


def test_parsing_a_quantity_does_not_load_the_kubernetes_client():
    code = (
        "import sys; from holmes_nb.k8s import parse_quantity; assert parse_quantity('64Mi') == 64 * 2**20; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'kubernetes'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- metadata and conditions ---------------------------------------------------------------------------
def test_metadata_accessors_tolerate_odd_objects():
    p = pod("web-1", labels={"app": "web", "version": 1, "canary": True, "empty": None})
    assert ns_name(p) == ("shop", "web-1")
    assert labels_of(p) == {"app": "web", "version": "1", "canary": "true", "empty": ""}
    assert controller_ref(p)["name"] == "web-7d9f8c6b5" and len(owner_refs(p)) == 1
    assert ns_name({}) == ("", "") and labels_of({"metadata": None}) == {} and owner_refs({}) == []
    assert controller_ref({"metadata": {"ownerReferences": [{"kind": "A"}, {"kind": "B", "controller": True}]}}) == {
        "kind": "B",
        "controller": True,
    }


def test_condition_accessors():
    p = pod("web-1", conditions=[cond("Ready", "False", "ContainersNotReady"), cond("PodScheduled", "True")])
    assert condition(p, "Ready")["reason"] == "ContainersNotReady"
    assert condition_status(p, "PodScheduled") == "True"
    assert condition(p, "Initialized") is None and condition_status(p, "Initialized") is None
    assert condition({"status": {"conditions": None}}, "Ready") is None
