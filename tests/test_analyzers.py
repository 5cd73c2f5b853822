"""Analyzer tests on small, realistic objects (as kubelet and controllers write them).

Each test plants one failure next to healthy objects and checks the finding's reason, the
explanation and the evidence that proves it; healthy objects must give nothing.
"""

from __future__ import annotations

import pytest
from analyzer_objects import NS, cluster, container, event, healthy_objects, only, pod, running, terminated, waiting

from holmes_nb.analyzers import scan


def test_healthy_cluster_has_no_findings():
    assert scan(cluster(*healthy_objects())) == []


def test_old_restarts_and_startup_probe_blips_are_not_findings():
    p = pod("web-7d9f8c6b5-old", statuses=[running(restarts=2, last=terminated("Error", 137, minutes_ago=3000))])
    blip = event(
        "Pod",
        p["metadata"]["name"],
        "Unhealthy",
        "Readiness probe failed: connection refused",
        minutes_ago=2900,
        field_path="spec.containers{app}",
    )
    assert scan(cluster(*healthy_objects(), p, blip)) == []


# -- containers ------------------------------------------------------------------------------
def test_crashloop_oomkilled_names_the_limit_and_shows_previous_logs():
    name = "api-5c8d7-abcde"
    p = pod(
        name,
        containers=[container("api", limits={"memory": "256Mi"})],
        statuses=[
            waiting(
                "api",
                "CrashLoopBackOff",
                "back-off 5m0s restarting failed container=api",
                restarts=7,
                last=terminated("OOMKilled", 137),
            )
        ],
    )
    logs = {
        (NS, name, "api", True): "starting\nloading catalog 1/3\nloading catalog 2/3\nloading catalog 3/3\n"
        "building index\nallocating 512MB cache"
    }
    f = only(scan(cluster(p, logs=logs)))
    assert (f.severity, f.reason) == ("critical", "CrashLoopBackOff")
    assert "256Mi" in f.message and "memory" in f.message
    assert any("OOMKilled, code 137" in e for e in f.evidence)
    assert "log: allocating 512MB cache" in f.evidence and "log: starting" not in f.evidence  # tail of 5 lines
    assert "controlled by Deployment web" in f.evidence


@pytest.mark.parametrize(
    "code, meaning",
    [
        (1, "application error"),
        (127, "command not found"),
        (126, "cannot be executed"),
        (139, "segmentation fault"),
        (143, "SIGTERM"),
    ],
)
def test_crashloop_explains_exit_codes(code, meaning):
    name = "worker-6f7d9-zzz12"
    p = pod(name, statuses=[waiting("app", "CrashLoopBackOff", restarts=4, last=terminated("Error", code))])
    logs = {(NS, name, "app", True): 'FATAL: password authentication failed for user "app"'}
    f = only(scan(cluster(p, logs=logs)))
    assert meaning in f.message or meaning in " ".join(f.evidence)
    assert f"code {code}" in " ".join(f.evidence)
    if code == 1:
        assert "password authentication failed" in f.message


@pytest.mark.parametrize("reason, code", [("Error", 137), ("Completed", 0)])  # 0: the app exits cleanly on SIGTERM
def test_crashloop_caused_by_liveness_probe_says_so(reason, code):
    name = "web-7d9f8c6b5-live1"
    p = pod(name, statuses=[waiting("app", "CrashLoopBackOff", restarts=5, last=terminated(reason, code))])
    ev = event(
        "Pod",
        name,
        "Killing",
        "Container app failed liveness probe, will be restarted",
        type="Normal",
        count=5,
        field_path="spec.containers{app}",
    )
    f = only(scan(cluster(p, ev)))
    assert "restarted in a loop because its liveness probe keeps failing" in f.message
    assert any("failed liveness probe" in e for e in f.evidence)


@pytest.mark.parametrize(
    "text, cause",
    [
        (
            'rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/app:1.4.3": '
            'failed to resolve reference "ghcr.io/acme/app:1.4.3": ghcr.io/acme/app:1.4.3: not found',
            "does not exist",
        ),
        (
            "failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized",
            "imagePullSecrets",
        ),
        ("dial tcp: lookup registry.internal on 10.96.0.10:53: no such host", "cannot reach the registry"),
    ],
)
def test_image_pull_backoff_shows_image_and_pull_error(text, cause):
    name = "web-7d9f8c6b5-img01"
    image = "ghcr.io/acme/app:1.4.3"
    p = pod(name, statuses=[waiting("app", "ImagePullBackOff", f'Back-off pulling image "{image}"', image=image)])
    ev = event(
        "Pod", name, "Failed", f'Failed to pull image "{image}": {text}', count=4, field_path="spec.containers{app}"
    )
    f = only(scan(cluster(p, ev)))
    assert f.reason == "ImagePullBackOff" and cause in f.message
    assert f"image: {image}" in f.evidence
    assert any(e.startswith("event Failed (x4): Failed to pull image") for e in f.evidence)


def test_invalid_image_name():
    p = pod(
        "web-7d9f8c6b5-bad01",
        statuses=[
            waiting(
                "app",
                "InvalidImageName",
                'Failed to apply default image tag "ghcr.io/Acme/App:1": couldn\'t parse image reference',
                image="ghcr.io/Acme/App:1",
            )
        ],
    )
    f = only(scan(cluster(p)))
    assert f.reason == "InvalidImageName" and "malformed" in f.message


def test_create_container_config_error_missing_secret_and_key():
    c = container(env=[{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "password"}}}])
    p1 = pod(
        "web-7d9f8c6b5-cfg01",
        containers=[c],
        statuses=[waiting("app", "CreateContainerConfigError", 'secret "db-creds" not found')],
    )
    p2 = pod(
        "web-7d9f8c6b5-cfg02",
        containers=[c],
        statuses=[waiting("app", "CreateContainerConfigError", "couldn't find key password in Secret shop/db-creds")],
    )
    findings = scan(cluster(p1, p2))
    missing, key = only(findings, name="web-7d9f8c6b5-cfg01"), only(findings, name="web-7d9f8c6b5-cfg02")
    assert "Secret 'db-creds' does not exist" in missing.message
    assert "env DB_PASSWORD <- secret db-creds key password" in missing.evidence
    assert "has no key 'password'" in key.message


def test_run_container_error_explains_missing_command():
    msg = (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: "
        'unable to start container process: exec: "/app/start.sh": stat /app/start.sh: '
        "no such file or directory: unknown"
    )
    p = pod("web-7d9f8c6b5-run01", statuses=[waiting("app", "RunContainerError", msg, restarts=2)])
    f = only(scan(cluster(p)))
    assert f.reason == "RunContainerError" and "command" in f.message
    assert any("/app/start.sh" in e for e in f.evidence)


def test_init_container_crashloop_with_logs():
    name = "web-7d9f8c6b5-init1"
    init = [container("migrate", "ghcr.io/acme/migrate:2.0", ports=())]
    p = pod(
        name,
        phase="Pending",
        init=init,
        init_statuses=[
            waiting(
                "migrate", "CrashLoopBackOff", restarts=3, last=terminated("Error", 1), image="ghcr.io/acme/migrate:2.0"
            )
        ],
        statuses=[waiting("app", "PodInitializing")],
    )
    logs = {(NS, name, "migrate", True): 'applying 0042_add_index\nERROR: relation "orders" does not exist'}
    f = only(scan(cluster(p, logs=logs)))
    assert f.reason == "Init:CrashLoopBackOff" and "init container migrate" in f.message
    assert 'log: ERROR: relation "orders" does not exist' in f.evidence


def test_json_logs_are_reduced_to_the_error_line():
    name = "checkout-5b7d9-r2x45"
    p = pod(name, statuses=[waiting("app", "CrashLoopBackOff", restarts=30, last=terminated("Error", 1))])
    log = "\n".join(
        [
            '{"level":"info","ts":"2025-03-14T10:21:06.823Z","msg":"starting checkout","version":"1.0.0"}',
            '{"level":"fatal","ts":"2025-03-14T10:21:06.837Z","msg":"required environment variable PAYMENTS_API_URL '
            'is not set","error":"missing required configuration"}',
            '{"level":"info","ts":"2025-03-14T10:21:06.840Z","msg":"flushing telemetry"}',
        ]
    )
    f = only(scan(cluster(p, logs={(NS, name, "app", True): log})))
    assert (
        'its log says "fatal: required environment variable PAYMENTS_API_URL is not set '
        '(missing required configuration)"'
    ) in f.message
    assert sum(e.startswith("log: {") for e in f.evidence) == 3  # the raw lines stay as evidence


def test_init_container_start_error_quotes_the_missing_command():
    err = (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create "
        'failed: unable to start container process: exec: "pyhton": executable file not found in $PATH: unknown'
    )
    init = [container("migrate", ports=(), command=["pyhton", "manage.py", "migrate"])]
    last = terminated("StartError", 128, message=err)
    p = pod(
        "orders-6f8d9-7gs6g",
        phase="Pending",
        init=init,
        statuses=[waiting("app", "PodInitializing")],
        init_statuses=[waiting("migrate", "CrashLoopBackOff", restarts=10, last=last)],
    )
    f = only(scan(cluster(p)))
    assert f.reason == "Init:CrashLoopBackOff"
    assert 'its command "pyhton" does not exist in the image' in f.message
    assert "command: pyhton manage.py migrate" in f.evidence


def test_log_lines_in_evidence_are_scrubbed():
    name = "web-7d9f8c6b5-leak1"
    p = pod(name, statuses=[waiting("app", "CrashLoopBackOff", restarts=3, last=terminated("Error", 1))])
    log = "calling https://admin:s3cr3t-pw@billing.internal/api\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"
    f = only(scan(cluster(p, logs={(NS, name, "app", True): log})))
    text = " ".join([f.message, *f.evidence])
    assert "s3cr3t-pw" not in text and "eyJhbGciOiJIUzI1NiJ9" not in text
    assert "log: Authorization: Bearer [REDACTED]" in f.evidence
