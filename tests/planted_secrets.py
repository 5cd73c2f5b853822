"""The planted secrets of tests/test_secrets.py: the values that must never appear, where each was
planted, and the snapshot document (the demo cluster plus a crash-looping pod, an event, a Secret,
a misfiled Secret and a ConfigMap full of them)."""

from __future__ import annotations

import base64
import copy
import json

from holmes_nb.cluster_spec import open_cluster

KEY = "sk-pl4nted-model-key-4b7e2c9d1a"  # the modelList api_key
POD, NS = "vault-sync-6c9d7f5b8-q4m2x", "payments"
JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ2YXVsdC1zeW5jIn0.Pl4ntedJwtSignature_x9Q"
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDpl4ntedPEMkey"
GCP_BODY = "MIIEpl4ntedGcpServiceAccountKeyBodyQIBADANBgkqhkiG9w0BAQEFAASC"
PEM = f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n"
STRIPE = "sk_live_Pl4ntedStripeKey0123456789"
SLACK_HOOK = "hooks.slack.com/services/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"
HF_TOKEN = "hf_Pl4ntedHuggingFaceToken0123456789ab"
VAULT_TOKEN = "hvs.Pl4ntedVaultToken0123456789abcdef"
GOOGLE_OAUTH = "ya29.Pl4ntedGoogleOauthAccessToken0123456789"
SENDGRID = "SG.Pl4ntedSendGridKey012345.Pl4ntedSendGridSecret0123456789abcdefghijklm"
BARE_AWS = "Pl4nTedAwsSecretKeyBare0123456789abcdEFG"
PGP_BODY = "lQOYBGPl4ntedPgpBodyQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIB"
PREFIXED_KEY = "Pl4ntedPrefixedKeyLineQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgE"
SECRETS = {  # what must never appear -> where it was planted
    "hunter2-demo": "demo: env DB_PASSWORD of report-ui",
    "ZGVtby10b2tlbi1ub3QtcmVhbA": "demo: bearer token in a payments-worker log line",
    KEY: "model config: modelList api_key (also echoed by the model and in a 401 body)",
    "eyJzdWIiOiJ2YXVsdC1zeW5jIn0": "JWT in a termination message and a log line",
    "AKIAPL4NTEDKEY7Q2XZ9": "AWS access key id in env and a log line",
    "pl4nted/AwsSecretAccessKey+0123456789abcd": "AWS secret access key in env",
    PEM_BODY: "PEM private key in a log",
    GCP_BODY: "GCP service-account JSON private_key in env and a log line",
    "Pl4ntedAzureKey0123456789+/==": "Azure connection string AccountKey in a log line",
    "Pl4ntedUrlPw": "password in a URL (command flag and log line)",
    "Pl4ntedArgPw": "--password=... in the container command",
    "pl4nted-flag-token-81": "--token VALUE in the container command",
    "pl4nted-env-token-77": "env API_TOKEN literal value",
    "pl4nted-event-token-55": "token=... in an event message",
    "Pl4ntedLogPw": "password=... in a log line",
    "Pl4ntedConfigMapPw": "db.password=... in a ConfigMap value",
    "UGw0bnRlZFNlY3JldERhdGE=": "a Secret's data value (base64)",
    "Pl4ntedQuestionPw": "password=... pasted into the question",
    # issue 18: command lines, unusual formats, other outputs
    "Pl4ntedMysqlPw": "mysql -pX inside sh -c in the container args",
    "Pl4ntedRedisCliPw": "redis-cli -a X in an exec liveness probe",
    "Pl4ntedDockerPw": "docker login -p X in an init container's command",
    "Pl4ntedCurlPw": "curl -u user:X in a termination message",
    "Pl4ntedSrcCreds": "skopeo --src-creds user:X in the container args",
    "Pl4ntedRedisUrlPw": "redis://:X@host (empty user) in env and a waiting message",
    "UGw0bnRlZEhlYWRlcjpQdw==": "probe httpHeaders Authorization: Basic X",
    "Pl4ntedMountPw": "mount options password=X in an event",
    "Pl4ntedJsonPass": '"db_pass": "X" in a JSON log line',
    "Pl4ntedYamlPw": "pw: X in a YAML log line",
    STRIPE: "Stripe secret key in a log line",
    SLACK_HOOK: "Slack webhook URL in a log line",
    HF_TOKEN: "Hugging Face token in a log line",
    VAULT_TOKEN: "Vault token in a log line",
    GOOGLE_OAUTH: "Google OAuth access token in a log line",
    SENDGRID: "SendGrid API key in a log line",
    BARE_AWS: "a bare AWS secret access key in a log line",
    PGP_BODY: "a PGP private key block in a log",
    PREFIXED_KEY: "private key lines logged one by one with a prefix, BEGIN line cut off",
    "UGw0bnRlZE1pc2ZpbGVkU2VjcmV0": "a Secret filed under configmaps in the snapshot file",
    "Pl4ntedBasePw": "password in a modelList api_base",
    "Pl4ntedPipedPw": "redis://:X@host in a log piped into holmes-nb ask",
}
LOG = "\n".join(
    [
        "2025-03-14T10:29:01Z INFO vault-sync starting",
        f"2025-03-14T10:29:02Z DEBUG login Authorization: Bearer {JWT}",
        "2025-03-14T10:29:02Z DEBUG aws key=AKIAPL4NTEDKEY7Q2XZ9 region=eu-west-1",
        f'2025-03-14T10:29:03Z DEBUG gcp credentials {{"type": "service_account", "private_key": '
        f'"-----BEGIN PRIVATE KEY-----\\n{GCP_BODY}\\n-----END PRIVATE KEY-----\\n"}}',
        "2025-03-14T10:29:03Z DEBUG azure DefaultEndpointsProtocol=https;AccountName=acme;"
        "AccountKey=Pl4ntedAzureKey0123456789+/==;EndpointSuffix=core.windows.net",
        "2025-03-14T10:29:04Z ERROR connect postgres://sync:Pl4ntedUrlPw@postgres.data:5432/ledger: auth failed, password=Pl4ntedLogPw",
        "2025-03-14T10:29:04Z ERROR loaded signing key:",
        *PEM.splitlines(),
        '2025-03-14T10:29:04Z {"level":"error","msg":"db login","db_pass":"Pl4ntedJsonPass"}',
        "2025-03-14T10:29:04Z cfg: {user: sync, pw: Pl4ntedYamlPw}",
        f"2025-03-14T10:29:04Z DEBUG billing key {STRIPE} hook https://{SLACK_HOOK}",
        f"2025-03-14T10:29:04Z DEBUG hf={HF_TOKEN} vault {VAULT_TOKEN} gcp {GOOGLE_OAUTH}",
        f"2025-03-14T10:29:04Z DEBUG mail {SENDGRID} aws secret {BARE_AWS}",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----",
        "",
        PGP_BODY,
        "=Pl4n",
        "-----END PGP PRIVATE KEY BLOCK-----",
        f"2025-03-14T10:29:04Z keyloader: {PREFIXED_KEY}",
        f"2025-03-14T10:29:04Z keyloader: {PREFIXED_KEY[::-1]}",
        "2025-03-14T10:29:04Z keyloader: -----END RSA PRIVATE KEY-----",
        "2025-03-14T10:29:05Z FATAL giving up",
    ]
)
QUESTION = "why is vault-sync crash looping? I saw password=Pl4ntedQuestionPw in its config"


def planted_doc() -> dict:
    """The demo cluster plus a crash-looping pod, an event, a Secret and a ConfigMap full of secrets."""
    demo = open_cluster("demo")
    objects = copy.deepcopy(demo.objects)
    pod = copy.deepcopy(demo.get("pods", "payments-worker-jtcggbqmfl-pmvnh", NS))
    pod["metadata"].update(name=POD, generateName="vault-sync-6c9d7f5b8-", labels={"app": "vault-sync"})
    pod["metadata"].pop("ownerReferences", None)
    c = pod["spec"]["containers"][0]
    c.update(
        name="vault-sync",
        image="ghcr.io/acme-pay/vault-sync:1.0",
        command=[
            "/bin/vault-sync",
            "--password=Pl4ntedArgPw",
            "--token",
            "pl4nted-flag-token-81",
            "--db-url=postgres://sync:Pl4ntedUrlPw@postgres.data:5432/ledger",
        ],
        args=["sh", "-c", "mysql -uroot -pPl4ntedMysqlPw ledger && skopeo copy --src-creds sync:Pl4ntedSrcCreds a b"],
        livenessProbe={"exec": {"command": ["sh", "-c", "redis-cli -h localhost -a Pl4ntedRedisCliPw ping"]}},
        readinessProbe={
            "httpGet": {
                "path": "/ready",
                "port": 8080,
                "httpHeaders": [{"name": "Authorization", "value": "Basic UGw0bnRlZEhlYWRlcjpQdw=="}],
            }
        },
        env=[
            {"name": "AWS_ACCESS_KEY_ID", "value": "AKIAPL4NTEDKEY7Q2XZ9"},
            {"name": "AWS_SECRET_ACCESS_KEY", "value": "pl4nted/AwsSecretAccessKey+0123456789abcd"},
            {"name": "API_TOKEN", "value": "pl4nted-env-token-77"},
            {
                "name": "GCP_SA_JSON",
                "value": json.dumps(
                    {
                        "type": "service_account",
                        "private_key": f"-----BEGIN PRIVATE KEY-----\n{GCP_BODY}\n-----END PRIVATE KEY-----\n",
                    }
                ),
            },
            {"name": "REDIS_URL", "value": "redis://:Pl4ntedRedisUrlPw@redis.payments:6379/0"},
        ],
    )
    pod["spec"]["initContainers"] = [
        {
            "name": "login",
            "image": "docker:27",
            "command": ["sh", "-c", "docker login -u ci -p Pl4ntedDockerPw ghcr.io"],
        }
    ]
    pod["status"]["containerStatuses"] = [
        {
            "name": "vault-sync",
            "ready": False,
            "restartCount": 7,
            "image": c["image"],
            "imageID": "",
            "started": False,
            "state": {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": "back-off 5m0s restarting failed container (redis://:Pl4ntedRedisUrlPw@redis)",
                }
            },
            "lastState": {
                "terminated": {
                    "exitCode": 1,
                    "reason": "Error",
                    "message": f"login failed for bearer {JWT}; curl -u admin:Pl4ntedCurlPw https://vault/health",
                    "startedAt": "2025-03-14T10:29:01Z",
                    "finishedAt": "2025-03-14T10:29:05Z",
                }
            },
        }
    ]
    objects["pods"].append(pod)
    objects["events"].append(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "type": "Warning",
            "reason": "BackOff",
            "count": 7,
            "metadata": {"name": f"{POD}.17c0", "namespace": NS, "creationTimestamp": "2025-03-14T10:20:00Z"},
            "involvedObject": {"kind": "Pod", "name": POD, "namespace": NS},
            "message": "vault login to https://vault.example:8200 failed with token=pl4nted-event-token-55; "
            "MountVolume.SetUp failed: mount -t cifs -o username=svc,password=Pl4ntedMountPw //files/share",
            "firstTimestamp": "2025-03-14T10:20:00Z",
            "lastTimestamp": "2025-03-14T10:29:05Z",
        }
    )
    objects["secrets"].append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {"name": "vault-sync", "namespace": NS},
            "data": {"password": base64.b64encode(b"Pl4ntedSecretData").decode()},
        }
    )
    objects["configmaps"].append(  # a Secret filed under another kind's list
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "misfiled", "namespace": NS},
            "data": {"token": base64.b64encode(b"Pl4ntedMisfiledSecret").decode()},
        }
    )
    objects["configmaps"].append(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "vault-sync", "namespace": NS},
            "data": {"app.properties": "db.user=sync\ndb.password=Pl4ntedConfigMapPw\n"},
        }
    )
    logs = [
        {"namespace": k[0], "pod": k[1], "container": k[2], "previous": k[3], "text": v}
        for k, v in demo.log_store.items()
    ]
    logs += [
        {"namespace": NS, "pod": POD, "container": "vault-sync", "previous": p, "text": LOG} for p in (False, True)
    ]
    header = {"format": "holmes-nb-snapshot", "version": 1, "capturedAt": "2025-03-14T10:30:00Z", "source": "planted"}
    return {"header": header, "objects": objects, "logs": logs}
