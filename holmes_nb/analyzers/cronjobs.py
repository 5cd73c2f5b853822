"""CronJobs with an invalid schedule, a negative startingDeadlineSeconds, or missed schedules.

A missed schedule: the next run after ``lastScheduleTime`` is well in the past and the
CronJob is not suspended, so the controller did not start it (controller down, a deadline too short
to catch up, or ``concurrencyPolicy: Forbid`` behind a Job that never ends).
"""

from __future__ import annotations

from datetime import timedelta

from holmes_nb.analyzers.cron import next_run, parse_schedule
from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj, event_text
from holmes_nb.analyzers.safe import as_int
from holmes_nb.k8s import age, ns_name, parse_time

#: a run this late (past its scheduled minute) counts as missed
MISSED_GRACE = timedelta(minutes=10)


def cronjob_problem(cj: Obj, idx: ClusterIndex) -> Finding | None:
    ns, name = ns_name(cj)
    spec = cj.get("spec") or {}
    schedule = str(spec.get("schedule") or "")
    try:
        parsed = parse_schedule(schedule)
    except ValueError as e:
        return Finding(
            "CronJob",
            ns,
            name,
            "critical",
            "InvalidSchedule",
            f"CronJob {name} has an invalid schedule {schedule!r} ({e}), so it never runs; write it as "
            "'minute hour day-of-month month day-of-week' (e.g. '*/15 * * * *').",
            [f"schedule: {schedule!r}"],
        )
    deadline = as_int(spec.get("startingDeadlineSeconds"), None)
    if deadline is not None and deadline < 0:
        return Finding(
            "CronJob",
            ns,
            name,
            "critical",
            "NegativeStartingDeadline",
            f"CronJob {name} has startingDeadlineSeconds {deadline}, a negative deadline, so every run counts as "
            "missed and no Job starts; set it to a positive number of seconds or remove it.",
            [f"startingDeadlineSeconds: {deadline}", f"schedule: {schedule!r}"],
        )
    if spec.get("suspend"):
        return None  # reported as Suspended
    return _missed(cj, idx, parsed, deadline)


def _missed(cj: Obj, idx: ClusterIndex, parsed, deadline: int | None) -> Finding | None:
    ns, name = ns_name(cj)
    spec, status = cj.get("spec") or {}, cj.get("status") or {}
    last_text = status.get("lastScheduleTime")  # never ran: no status to judge (it may just not be captured)
    last = parse_time(last_text)
    if last is None:
        return None
    due = next_run(parsed, last)
    if due is None or due + MISSED_GRACE > idx.now:
        return None
    active = status.get("active") or []
    evidence = [
        f"schedule: {spec.get('schedule')!r}",
        f"lastScheduleTime: {last_text}",
        f"next run was due {due.strftime('%Y-%m-%dT%H:%M:%SZ')} ({age(due.isoformat(), idx.now)} ago)",
    ]
    evidence += [
        event_text(e)
        for e in idx.events_with_reason("CronJob", ns, name, "MissSchedule", "TooManyMissedTimes", "FailedNeedsStart")[
            :1
        ]
    ]
    if active and spec.get("concurrencyPolicy") == "Forbid":
        job = (active[0] or {}).get("name", "?")
        why = (
            f"concurrencyPolicy is Forbid and Job {job} is still running, so every new run is skipped; "
            "find why that Job does not finish (or set activeDeadlineSeconds)"
        )
        evidence.append(f"active: {job}, concurrencyPolicy Forbid")
    elif deadline is not None and deadline < 120:
        why = (
            f"startingDeadlineSeconds is only {deadline}s, so a run the controller starts late is dropped; "
            "raise it (or remove it)"
        )
    else:
        why = "the CronJob controller did not start it; check kube-controller-manager and the CronJob's events"
    return Finding(
        "CronJob",
        ns,
        name,
        "warning",
        "MissedSchedule",
        f"CronJob {name} missed its schedule: a run was due {age(due.isoformat(), idx.now)} ago and none "
        f"started since {age(last_text, idx.now) or '?'} ago; {why}.",
        evidence,
    )
