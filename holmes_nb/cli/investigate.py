"""``holmes-nb investigate alertmanager``: one investigation per firing alert, as in HolmesGPT.

holmes-nb investigate alertmanager --alertmanager-url http://127.0.0.1:9093 --model local --cluster demo \\
    --alertmanager-label severity=critical --json-output-file alerts.json
"""

from __future__ import annotations

from holmes_nb.cli.common import add_model_options, stderr


def register(sub) -> None:
    p = sub.add_parser(
        "investigate",
        help="investigate alerts: one investigation per firing alert",
        description="Investigate firing alerts, each from its labels and annotations.",
    )
    inner = p.add_subparsers(dest="source", metavar="SOURCE")
    am = inner.add_parser(
        "alertmanager",
        help="the firing alerts of an Alertmanager (v2 API)",
        description="One investigation per firing alert of an Alertmanager, run concurrently; "
        "a table on stdout and, with --json-output-file, a JSON list.",
    )
    am.add_argument(
        "--alertmanager-url", metavar="URL", help="default: alertmanager_url in the config, $ALERTMANAGER_URL"
    )
    am.add_argument(
        "--alertmanager-label",
        action="append",
        metavar="MATCHER",
        help='only alerts matching label=value (also !=, =~"re", !~); repeatable, all must match',
    )
    am.add_argument("--alertmanager-alertname", metavar="REGEX", help="only alerts whose name matches")
    add_model_options(am)
    am.add_argument("--cluster", help="demo | PATH to a snapshot | context:NAME (default: kubeconfig, else demo)")
    am.add_argument("--max-steps", type=int, metavar="N", help="model calls per investigation at most")
    am.add_argument("--concurrency", type=int, default=3, metavar="N", help="investigations at a time (default 3)")
    am.add_argument("--json-output-file", metavar="FILE", help="write a JSON list: each alert and its investigation")
    am.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    am.set_defaults(func=run_alertmanager)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def run_alertmanager(args) -> int:
    from holmes_nb.alert_runs import investigate_alerts
    from holmes_nb.cli.common import table

    matchers = list(args.alertmanager_label or [])
    if args.alertmanager_alertname:
        matchers.append(f'alertname=~"{args.alertmanager_alertname}"')

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
        concurrency=args.concurrency,
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
