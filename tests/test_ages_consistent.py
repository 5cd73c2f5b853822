"""One timestamp, one reading: the same instant gives the same age in findings, DataFrames and tables.

Defect 2: a snapshot whose ``capturedAt`` carries a UTC offset was read as if the clock time were UTC.
Defect 3: one timestamp read as different ages in a finding (``1h``) and in a DataFrame (``90m``).
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone

import pytest
from analyzer_objects import NOW, cluster, pod, ts
from snapshot_objects import build_snapshot

from holmes_nb.analyzers import scan
from holmes_nb.apiserver.tables import render_table
from holmes_nb.formats.manifests import newest_timestamp
from holmes_nb.formats.snapshot_file import snapshot_from_document
from holmes_nb.frames.cluster_frames import ClusterFrames
from holmes_nb.sources.kinds import resolve_kind
from holmes_nb.tools.describe_kinds import describe_object


# -- defect 2: a capturedAt with a UTC offset ---------------------------------------------------------
def _document(captured_at: str) -> dict:
    snap = build_snapshot()
    objects = {kind: copy.deepcopy(snap.list(kind)) for kind in ("pods", "nodes", "events", "deployments")}
    header = {"format": "holmes-nb-snapshot", "version": 1, "capturedAt": captured_at}
    return json.loads(json.dumps({"header": header, "objects": objects}))


def test_a_capture_time_with_an_offset_gives_the_same_ages_as_in_utc():
    in_utc = snapshot_from_document(_document("2024-06-01T12:00:00Z"), "utc.json")
    offset = snapshot_from_document(_document("2024-06-01T14:00:00+02:00"), "offset.json")
    assert offset.now() == in_utc.now() == datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
    for kind in ("pods", "nodes", "events"):
        assert list(getattr(ClusterFrames(offset), kind)()["age" if kind != "events" else "last_seen"]) == list(
            getattr(ClusterFrames(in_utc), kind)()["age" if kind != "events" else "last_seen"]
        )
    assert [f.message for f in scan(offset)] == [f.message for f in scan(in_utc)]


def test_the_newest_timestamp_of_a_dump_compares_instants_not_clock_text():
    # 13:30+02:00 is 11:30Z: older than 12:00Z although its clock text sorts later
    objs = [{"lastTimestamp": "2024-06-01T13:30:00+02:00"}, {"lastTimestamp": "2024-06-01T12:00:00Z"}]
    assert newest_timestamp([objs]) == NOW
    assert newest_timestamp([[{"lastTimestamp": "2024-06-01T15:00:00+02:00"}]]) == NOW + timedelta(hours=1)


# -- defect 3: one timestamp, one age --------------------------------------------------------------------
@pytest.mark.parametrize("minutes, text", [(90, "90m"), (30 * 60, "30h"), (77 * 60 + 5, "3d5h")])
def test_a_findings_age_equals_the_dataframes_age(minutes, text):
    stuck = pod("stuck-1", phase="Pending", node=None, statuses=[], conditions=[], meta_extra={})
    stuck["metadata"]["creationTimestamp"] = ts(minutes=minutes)
    snap = cluster(stuck)
    frame_age = ClusterFrames(snap).pods("shop")["age"].iloc[0]
    finding = next(f for f in scan(snap) if f.name == "stuck-1")
    assert frame_age == text  # kubectl's rendering
    assert f"Pending for {frame_age}," in finding.message and f"created {frame_age} ago" in finding.evidence
    pods = resolve_kind("pods")
    assert f"age: {frame_age}" in describe_object(snap, pods, stuck).text().splitlines()
    table = render_table(pods, [stuck], now=snap.now())
    names = [c["name"] for c in table["columnDefinitions"]]
    assert table["rows"][0]["cells"][names.index("Age")] == frame_age  # kubectl get through the API server
