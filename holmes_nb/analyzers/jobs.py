"""Failed Jobs (BackoffLimitExceeded, DeadlineExceeded, ...) and suspended CronJobs.

A failed Job's pods are not reported one by one: the Job's finding carries the newest failed
pod's exit code and last log lines. A CronJob's failed Job that a newer run of the same CronJob
has since completed is history, not a problem, and is skipped.
"""

from __future__ import annotations

from datetime import datetime, timezone

from holmes_nb.analyzers.cronjobs import cronjob_problem
from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj, controller_of, event_text
from holmes_nb.analyzers.safe import as_int, run_each
from holmes_nb.analyzers.util import clip, exit_code_meaning, log_gist
from holmes_nb.k8s import age, condition, meta, name_of, ns_name, ns_of, parse_time

_NEVER = datetime.min.replace(tzinfo=timezone.utc)
_REASON_TEXT = {
    "BackoffLimitExceeded": "its pods failed {failed} time(s), reaching backoffLimit {limit}",
    "DeadlineExceeded": "it ran longer than activeDeadlineSeconds ({deadline}s) and was stopped",
    "PodFailurePolicy": "a pod failure matched its podFailurePolicy FailJob rule",
    "MaxFailedIndexesExceeded": "too many indexes failed (maxFailedIndexes)",
}


def analyze_jobs(idx: ClusterIndex) -> list[Finding]:
    out: list[Finding] = []
    newest_success = _newest_success_per_cronjob(idx)
    run_each(
        idx.items("jobs"), lambda job: _job_finding(job, idx, newest_success) or _running_job(job, idx), "jobs", out
    )
    run_each(idx.items("cronjobs"), lambda cj: _cronjob(cj, idx), "cronjobs", out)
    return out


def _cronjob(cj: Obj, idx: ClusterIndex) -> list[Finding]:
    found = [cronjob_problem(cj, idx)]
    if (cj.get("spec") or {}).get("suspend"):
        found.append(_suspended(cj, idx))
    return [f for f in found if f is not None]


def _running_job(job: Obj, idx: ClusterIndex) -> Finding | None:
    """A Job that is suspended, or that keeps failing but has not reached its backoffLimit yet."""
    if any((condition(job, c) or {}).get("status") == "True" for c in ("Complete", "Failed", "SuccessCriteriaMet")):
        return None
    ns, name = ns_name(job)
    spec, status = job.get("spec") or {}, job.get("status") or {}
    if spec.get("suspend"):
        since = (condition(job, "Suspended") or {}).get("lastTransitionTime")
        return Finding(
            "Job",
            ns,
            name,
            "warning",
            "Suspended",
            f"Job {name} is suspended{f' (for {age(since, idx.now)})' if since else ''}, so none of its pods run; "
            "set spec.suspend to false (or ask the queue controller that suspended it, e.g. Kueue).",
            ["suspend: true", f"pods: {status.get('active', 0)} active, {status.get('succeeded', 0)} succeeded"],
        )
    failed, limit = as_int(status.get("failed"), 0) or 0, as_int(spec.get("backoffLimit"), 6)
    if failed < 1:
        return None
    pod_part, pod_evidence = _last_pod(job, idx)
    return Finding(
        "Job",
        ns,
        name,
        "warning",
        "FailingRetries",
        f"Job {name} is still failing: {failed} of its pods failed so far (backoffLimit {limit}) and it "
        f"keeps retrying{pod_part}; fix the cause before it reaches the limit and fails for good.",
        [
            f"pods: {status.get('active', 0)} active, {status.get('succeeded', 0)} succeeded, {failed} failed",
            f"backoffLimit: {limit}",
            *pod_evidence,
        ],
    )


def _newest_success_per_cronjob(idx: ClusterIndex) -> dict[tuple[str, str], datetime]:
    newest: dict[tuple[str, str], datetime] = {}
    for job in idx.items("jobs"):
        owner = controller_of(job)
        complete = condition(job, "Complete") or {}
        if owner and owner[0] == "CronJob" and complete.get("status") == "True":
            key = (ns_of(job), owner[1])
            created = parse_time(meta(job).get("creationTimestamp")) or _NEVER
            newest[key] = max(newest.get(key, _NEVER), created)
    return newest


def _job_finding(job: Obj, idx: ClusterIndex, newest_success: dict) -> Finding | None:
    failed = condition(job, "Failed") or condition(job, "FailureTarget") or {}
    if failed.get("status") != "True":
        return None
    ns, name = ns_name(job)
    owner = controller_of(job)
    created = parse_time(meta(job).get("creationTimestamp")) or _NEVER
    if owner and owner[0] == "CronJob" and newest_success.get((ns, owner[1]), _NEVER) > created:
        return None
    spec, status = job.get("spec") or {}, job.get("status") or {}
    reason = failed.get("reason") or "Failed"
    what = _REASON_TEXT.get(reason, "{message}").format(
        failed=status.get("failed", "?"),
        limit=spec.get("backoffLimit", 6),
        deadline=spec.get("activeDeadlineSeconds", "?"),
        message=clip(failed.get("message") or "it failed", 120),
    )
    evidence = [
        f"Failed=True {reason}: {clip(failed.get('message') or '')}",
        f"pods: {status.get('succeeded', 0)} succeeded, {status.get('failed', 0)} failed",
    ]
    pod_part, pod_evidence = _last_pod(job, idx)
    evidence += pod_evidence
    evidence += [event_text(e) for e in idx.events_for("Job", ns, name, warning_only=True)[:1]]
    if owner:
        evidence.append(f"created by {owner[0]} {owner[1]}")
    fix = (
        "make it faster or raise activeDeadlineSeconds"
        if reason == "DeadlineExceeded"
        else "fix the cause and re-run it (a failed Job is never retried)"
    )
    msg = f"Job {name} failed: {what}{pod_part}; {fix}."
    return Finding("Job", ns, name, "critical", reason, msg, evidence)


def _last_pod(job: Obj, idx: ClusterIndex) -> tuple[str, list[str]]:
    """(" — the last pod ... exited with code 1 ...", evidence) from the newest failed pod of the Job."""
    ns, name = ns_name(job)
    pods = sorted(
        idx.pods_of("Job", ns, name),
        key=lambda p: parse_time(meta(p).get("creationTimestamp")) or _NEVER,
        reverse=True,
    )
    for pod in pods:
        for cs in (pod.get("status") or {}).get("containerStatuses") or ():
            term = (cs.get("state") or {}).get("terminated")
            previous = False
            if not term:
                term, previous = (cs.get("lastState") or {}).get("terminated"), True
            if not term or as_int(term.get("exitCode"), 0) == 0:
                continue
            code = as_int(term.get("exitCode"), None)
            pname = name_of(pod)
            logs = idx.log_tail(ns, pname, cs.get("name", ""), previous=previous)
            evidence = [f"pod {pname}: container {cs.get('name')} {term.get('reason', 'Error')}, exit code {code}"]
            evidence += [f"log: {line}" for line in logs]
            gist = log_gist(logs)
            said = f'; its log says "{clip(gist, 160)}"' if gist else ""
            return (f"; the last pod {pname} exited with code {code} ({exit_code_meaning(code)}){said}", evidence)
    return "", []


def _suspended(cj: Obj, idx: ClusterIndex) -> Finding:
    ns, name = ns_name(cj)
    spec, status = cj.get("spec") or {}, cj.get("status") or {}
    last = status.get("lastScheduleTime")
    ran = f"; it last ran {age(last, idx.now) or '?'} ago" if last else "; it has never run"
    evidence = [f"suspend: true, schedule {spec.get('schedule', '?')!r}", f"lastScheduleTime: {last or 'never'}"]
    return Finding(
        "CronJob",
        ns,
        name,
        "warning",
        "Suspended",
        f"CronJob {name} is suspended, so no Jobs run on its schedule{ran}; set spec.suspend to false "
        "once it should run again.",
        evidence,
    )
