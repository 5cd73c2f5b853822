"""``holmes-nb investigate alertmanager``: one investigation per firing alert, as in HolmesGPT.

holmes-nb investigate alertmanager --alertmanager-url http://127.0.0.1:9093 --model local --cluster demo \\
    --alertmanager-label severity=critical --json-output-file alerts.json
"""

from __future__ import annotations

from holmes_nb.cli.common import stderr
from holmes_nb.frontdoor.cli_args import add_command

SOURCES = ("alertmanager", "alerts")


def register(sub) -> None:
    add_command(sub, "investigate").set_defaults(func=run_alertmanager)


def run_alertmanager(args) -> int:
    from holmes_nb.alert_runs import investigate_alerts
    from holmes_nb.cli.common import table
    from holmes_nb.errors import ConfigError

    if args.source not in SOURCES:
        raise ConfigError(
            "investigate needs a source: alertmanager", hint="holmes-nb investigate alertmanager --model KEY"
        )

    matchers = list(args.labels or [])
    if args.alertname:
        matchers.append(f'alertname=~"{args.alertname}"')

    def done(alert, inv) -> None:
        if not args.quiet:
            name = (alert.get("labels") or {}).get("alertname", "?")
            stderr(f"holmes-nb: {name}: {inv.status} after {len(inv.steps)} steps")

    frame, invs = investigate_alerts(
        args.alertmanager_url,
        model=args.model,
        cluster=args.cluster,
        config=args.config,
        matchers=matchers,
        concurrency=args.concurrency or 3,
        max_steps=args.max_steps,
        json_output_file=args.json_output_file,
        on_done=done,
    )
    if not len(frame):
        print("no firing alerts" + (f" matching {', '.join(matchers)}" if matchers else ""))
        return 0
    rows = frame.assign(answer=frame["answer"].fillna(frame["error"]).str.slice(0, 120)).to_dict("records")
    print(table(rows, ["alert", "labels", "status", "steps", "answer"]))
    return 0 if all(inv.ok for inv in invs) else 1
