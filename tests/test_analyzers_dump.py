"""The analyzers on a real ``kubectl cluster-info dump --output-directory`` tree (tests/dump_fixture.py):
only current logs, no PVC objects, events about objects that are not in the dump."""

from __future__ import annotations

import pytest
from analyzer_objects import NS, cluster, pod, terminated, waiting
from dump_fixture import CLAIMED, CRASH, INIT, failing_objects, write_dump

from holmes_nb.analyzers import scan
from holmes_nb.formats.importers import load_snapshot


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    snap = load_snapshot(write_dump(tmp_path_factory.mktemp("dump") / "cluster-state"))
    assert "persistentvolumeclaims" not in snap.kinds_available()  # what a real dump lacks
    return {(f.kind, f.name): f for f in scan(snap)}


def test_crashloop_quotes_the_current_log_and_says_which(findings):
    f = findings[("Pod", CRASH)]
    assert f.reason == "CrashLoopBackOff"
    assert "its current log (the last run's output) says \"2024-06-01T11:58:06.352Z FATAL shutting down" in f.message
    assert any("connection refused" in e and e.startswith("log: ") for e in f.evidence)
    assert any(e.startswith("logs: current log only") for e in f.evidence)


def test_init_container_exit_127_names_the_command(findings):
    f = findings[("Pod", INIT)]
    assert f.reason == "Init:CrashLoopBackOff"
    assert 'the command "migrate" is not found in the image' in f.message
    assert "command: /bin/sh -c migrate --up" in f.evidence
    assert "log: /bin/sh: 1: migrate: not found" in f.evidence


def test_unbound_claim_is_named_and_explained_by_its_event(findings):
    f = findings[("Pod", CLAIMED)]
    assert f.reason == "Unschedulable"
    assert "its PersistentVolumeClaim data-db-0 is not bound" in f.message
    assert "StorageClass 'fast-ssd', which does not exist" in f.message
    assert "its claims" not in f.message
    assert "PVC data-db-0: not in the captured data (known only from its events)" in f.evidence
    claim = findings[("PersistentVolumeClaim", "data-db-0")]
    assert claim.reason == "StorageClassNotFound" and "not in the captured data" in claim.message
    assert any('"fast-ssd" not found' in e for e in claim.evidence)


def test_healthy_workload_in_the_dump_gives_nothing(findings):
    assert not [k for k in findings if "web" in k[1]]
    assert {k[0] for k in findings} <= {"Pod", "Deployment", "PersistentVolumeClaim", "Service"}


def test_previous_log_is_preferred_and_named(tmp_path):
    crash = next(o for o in failing_objects() if o["metadata"]["name"] == CRASH)
    logs = {(NS, CRASH, "api", True): "panic: nil map\n", (NS, CRASH, "api", False): "starting\n"}
    f = next(f for f in scan(cluster(crash, logs=logs)) if f.name == CRASH)
    assert 'its log says "panic: nil map"' in f.message
    assert "logs: the previous (crashed) run's log" in f.evidence and "log: starting" not in f.evidence


def test_no_logs_at_all_says_the_output_is_unknown(tmp_path):
    crash = next(o for o in failing_objects() if o["metadata"]["name"] == CRASH)
    snap = load_snapshot(write_dump(tmp_path / "d", [crash], logs={}))
    f = next(f for f in scan(snap) if f.name == CRASH)
    assert "its log says" not in f.message and "its current log" not in f.message
    assert any(e.startswith("logs: none captured") for e in f.evidence)


def test_exit_127_without_a_log_names_the_spec_command_or_the_entrypoint():
    p = pod("x-1", statuses=[waiting("app", "CrashLoopBackOff", restarts=2, last=terminated("Error", 127))])
    f = next(f for f in scan(cluster(p)) if f.name == "x-1")
    assert "no log names it" in f.message and "the image's own entrypoint runs" in f.message
    p["spec"]["containers"][0]["command"] = ["/app/serve", "--port=8080"]
    f = next(f for f in scan(cluster(p)) if f.name == "x-1")
    assert 'the command "/app/serve" is not found' in f.message


def test_claim_without_events_and_without_object_says_its_state_is_unknown(tmp_path):
    claimed = next(o for o in failing_objects() if o["metadata"]["name"] == CLAIMED)
    sched = next(o for o in failing_objects() if o.get("reason") == "FailedScheduling")
    snap = load_snapshot(write_dump(tmp_path / "d", [claimed, sched], logs={}))
    found = scan(snap)
    f = next(f for f in found if f.name == CLAIMED)
    assert "its PersistentVolumeClaim data-db-0 is not bound" in f.message
    assert "PVC data-db-0: not in the captured data (its state is unknown)" in f.evidence
    assert not [f for f in found if f.kind == "PersistentVolumeClaim"]  # no event, no guess
