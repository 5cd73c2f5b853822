"""``holmes-nb snapshot capture|serve|info``: save a live cluster, serve a snapshot to kubectl, inspect one.

holmes-nb snapshot capture --output incident-42.json.gz --context prod --namespaces shop,payments
holmes-nb snapshot serve incident-42.json.gz --port 8001     # then: kubectl --server http://127.0.0.1:8001 get pods -A
holmes-nb snapshot info incident-42.json.gz
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from holmes_nb.cli.common import stderr, table

if TYPE_CHECKING:  # the CLI parser loads no cluster code
    from holmes_nb.sources.snapshot import Snapshot


def register(sub) -> None:
    p = sub.add_parser(
        "snapshot",
        help="capture a cluster to a file, serve a snapshot to kubectl, inspect one",
        description="Capture, serve (read-only, as a Kubernetes API) and inspect cluster snapshots.",
    )
    actions = p.add_subparsers(dest="snapshot_action", metavar="ACTION")
    p.set_defaults(func=lambda args: _usage(p))

    c = actions.add_parser("capture", help="save a live cluster (objects and logs; never Secret values)")
    c.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="PATH",
        help="file (.json or .json.gz) or directory (gets snapshot.json.gz)",
    )
    c.add_argument("--context", help="kubeconfig context (default: the current one)")
    c.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    c.add_argument(
        "--server", metavar="URL", help="an API server URL instead of kubeconfig (e.g. a snapshot API server)"
    )
    c.add_argument("--namespaces", "-n", metavar="A,B", help="only these namespaces (cluster-scoped kinds always)")
    c.add_argument("--timeout", type=float, default=30.0, help="seconds per API request (default 30)")
    c.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    c.add_argument(
        "--prometheus-url", metavar="URL", help="also record the standard series (default: $PROMETHEUS_URL / config)"
    )
    c.add_argument("--alertmanager-url", metavar="URL", help="also record firing alerts (default: $ALERTMANAGER_URL)")
    c.add_argument("--no-metrics", action="store_true", help="record no metrics or alerts even when configured")
    c.set_defaults(func=run_capture)

    s = actions.add_parser("serve", help="serve a snapshot read-only as a Kubernetes API for kubectl")
    s.add_argument("snapshot", metavar="PATH|demo", help="a snapshot in any supported layout, or 'demo'")
    s.add_argument("--port", "-p", type=int, default=8001, help="port (default 8001; 0 = any free port)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    s.add_argument(
        "--write-kubeconfig",
        metavar="FILE",
        help="also write a kubeconfig pointing at the server (use with KUBECONFIG=FILE kubectl ...)",
    )
    s.add_argument(
        "--prometheus",
        action="store_true",
        help="also serve the snapshot's frozen series through a real Prometheus (needs prometheus and promtool)",
    )
    s.add_argument("--prometheus-port", type=int, default=0, metavar="PORT", help="its port (default: a free one)")
    s.set_defaults(func=run_serve)

    i = actions.add_parser("info", help="objects per kind, logs and capture time of a snapshot")
    i.add_argument("snapshot", metavar="PATH|demo")
    i.add_argument("--json", action="store_true", help="print JSON")
    i.set_defaults(func=run_info)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


# -- capture ------------------------------------------------------------------------------
def run_capture(args) -> int:
    from holmes_nb.formats.capture import capture
    from holmes_nb.sources.live import LiveCluster

    namespaces = [n for n in (args.namespaces or "").split(",") if n.strip()] or None
    with LiveCluster(
        context=args.context, kubeconfig=args.kubeconfig, server=args.server, timeout=args.timeout
    ) as cluster:
        stderr(
            f"holmes-nb: capturing {cluster.name}" + (f" (namespaces: {', '.join(namespaces)})" if namespaces else "")
        )
        bar = ProgressBar(enabled=not args.quiet)
        try:
            result = capture(cluster, args.output, namespaces, progress=bar, **_evidence_clients(args))
        finally:
            bar.close()
    print(result.summary())
    for note in result.notes:
        stderr(f"  note: {note}")
    return 0


def _evidence_clients(args) -> dict:
    """The Prometheus and Alertmanager a capture records from (flags, else the configuration)."""
    if args.no_metrics:
        return {}
    from holmes_nb.sources.alertmanager import AlertmanagerClient
    from holmes_nb.sources.prometheus import PrometheusClient

    return {
        "prometheus": PrometheusClient.from_config(None, args.prometheus_url),
        "alertmanager": AlertmanagerClient.from_config(None, args.alertmanager_url),
    }


class ProgressBar:
    """``progress(done, total, label)`` drawn on stderr: tqdm when installed, else a plain text bar."""

    def __init__(self, enabled: bool = True, width: int = 30):
        self.enabled = enabled
        self.width = width
        self._tqdm = None
        self._last = ""

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        if self._tqdm is None and self._try_tqdm(total) is None:
            self._text(done, total, label)
            return
        self._tqdm.total = total
        self._tqdm.set_description_str(label[:40].ljust(40), refresh=False)
        self._tqdm.update(done - self._tqdm.n)

    def _try_tqdm(self, total: int):
        if self._tqdm is False:
            return None
        try:
            from tqdm import tqdm
        except ImportError:
            self._tqdm = False
            return None
        self._tqdm = tqdm(total=total, file=sys.stderr, unit="step", leave=True, dynamic_ncols=True)
        return self._tqdm

    def _text(self, done: int, total: int, label: str) -> None:
        filled = int(self.width * done / total) if total else self.width
        line = f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {label[:40]:<40}"
        if line != self._last:
            sys.stderr.write(line)
            sys.stderr.flush()
            self._last = line

    def close(self) -> None:
        if self._tqdm:
            self._tqdm.close()
        elif self._last:
            sys.stderr.write("\n")
            sys.stderr.flush()


# -- serve --------------------------------------------------------------------------------
def run_serve(args) -> int:
    import ipaddress
    import signal

    from holmes_nb.apiserver.server import SnapshotAPIServer
    from holmes_nb.errors import ConfigError

    cluster = open_snapshot(args.snapshot)
    try:
        server = SnapshotAPIServer(cluster, host=args.host, port=args.port)
    except OSError as e:
        raise ConfigError(
            f"cannot listen on {args.host}:{args.port}: {e.strerror or e}",
            hint="pick another --port (0 = any free port)",
        ) from None
    if args.write_kubeconfig:
        write_kubeconfig(args.write_kubeconfig, server.url)
    prom = _serve_prometheus(cluster, args.prometheus_port) if args.prometheus else None
    print(serve_banner(cluster, server.url, args.write_kubeconfig), flush=True)
    if prom is not None:
        print(prometheus_banner(cluster, prom.url, len(prom.series)), flush=True)
    try:
        if not ipaddress.ip_address(args.host).is_loopback:
            stderr(f"holmes-nb: warning: listening on {args.host}: anyone who can reach it can read the snapshot")
    except ValueError:
        stderr(f"holmes-nb: warning: listening on {args.host} (not a loopback address)")
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if prom is not None:
            prom.stop()
    writes = len(server.writes())
    stderr(
        f"holmes-nb: stopped; served {len(server.requests)} requests" + (f", refused {writes} writes" if writes else "")
    )
    return 0


def _serve_prometheus(cluster, port: int):
    """A real Prometheus backfilled (promtool) with the snapshot's frozen series."""
    from holmes_nb.errors import ConfigError
    from holmes_nb.formats.openmetrics import LocalPrometheus
    from holmes_nb.sources.frozen_metrics import FrozenMetrics

    frozen = FrozenMetrics.from_doc(cluster.metrics)
    if frozen is None or not frozen.series:
        raise ConfigError(f"{cluster.name} holds no metric series", hint="capture with a Prometheus configured")
    return LocalPrometheus(frozen.series, port=port or None).start(timeout=120)


def prometheus_banner(cluster, url: str, count: int) -> str:
    when = cluster.captured_at
    at = f"&time={when.strftime('%Y-%m-%dT%H:%M:%SZ')}" if when else ""
    return "\n".join(
        [
            f"Prometheus with the snapshot's {count} frozen series at {url} (the data ends at the capture time:",
            "set the evaluation time to it, e.g. in the query URL below)",
            f"  curl '{url}/api/v1/query?query=container_memory_working_set_bytes{at}'",
            f"  PROMETHEUS_URL={url} holmes-nb ask ... --cluster {cluster.source}",
        ]
    )


def _raise_interrupt(signum, frame):  # pragma: no cover - exercised by a subprocess test
    raise KeyboardInterrupt


def open_snapshot(spec: str) -> Snapshot:
    """A snapshot file (any supported layout) or ``demo``; a live cluster spec is a ConfigError."""
    from holmes_nb.cluster_spec import open_cluster
    from holmes_nb.errors import ConfigError

    if spec == "live" or spec.startswith(("context:", "http://", "https://")):
        raise ConfigError(
            f"{spec!r} is a live cluster, not a snapshot",
            hint="capture it first: holmes-nb snapshot capture --output PATH",
        )
    return open_cluster(spec)  # type: ignore[return-value]  # demo and paths are Snapshots


def serve_banner(cluster: Snapshot, url: str, kubeconfig: str | None = None) -> str:
    """The lines printed when serving: what, where, and ready-to-paste kubectl commands."""
    when = cluster.captured_at
    lines = [
        f"Serving {cluster.name} read-only at {url}"
        + (f" (captured {when.strftime('%Y-%m-%dT%H:%M:%SZ')})" if when else ""),
        "",
        "Try:",
        f"  kubectl --server {url} get pods -A",
        f"  kubectl --server {url} get events -A",
        "",
    ]
    if kubeconfig:
        lines.append(f"Or, with the kubeconfig written to {kubeconfig}:")
        lines.append(f"  export KUBECONFIG={kubeconfig}")
    else:
        lines.append("Or add a context (or use --write-kubeconfig FILE):")
        lines.append(f"  kubectl config set-cluster holmes-replay --server={url}")
        lines.append("  kubectl config set-context holmes-replay --cluster=holmes-replay")
        lines.append("  kubectl config use-context holmes-replay")
    lines += ["", "Writes (delete, apply, exec, ...) are refused with 405. Press Ctrl-C to stop."]
    return "\n".join(lines)


def write_kubeconfig(path: str, url: str) -> None:
    """A minimal kubeconfig whose only context points at the snapshot API server."""
    import yaml

    from holmes_nb.errors import ConfigError

    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "holmes-replay",
        "preferences": {},
        "clusters": [{"name": "holmes-replay", "cluster": {"server": url}}],
        "contexts": [
            {
                "name": "holmes-replay",
                "context": {"cluster": "holmes-replay", "user": "holmes-replay", "namespace": "default"},
            }
        ],
        "users": [{"name": "holmes-replay", "user": {}}],
    }
    try:
        with open(path, "w", encoding="utf-8") as fh:
            yaml.safe_dump(doc, fh, sort_keys=False)
    except OSError as e:
        raise ConfigError(f"cannot write kubeconfig {path}: {e.strerror or e}") from None


# -- info ---------------------------------------------------------------------------------
def run_info(args) -> int:
    info = snapshot_info(open_snapshot(args.snapshot))
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['name']}  (source: {info['source']})")
    print(f"captured: {info['captured_at'] or 'unknown'}")
    print(f"namespaces: {len(info['namespaces'])}  objects: {sum(info['counts'].values())}  logs: {info['logs']}")
    print()
    print(table([{"kind": k, "count": n} for k, n in info["counts"].items()], ["kind", "count"]))
    for note in info["notes"]:
        print(f"note: {note}")
    return 0


def snapshot_info(cluster: Snapshot) -> dict:
    """Counts per kind, logs, capture time and notes of a snapshot, as a JSON-ready dict."""
    counts = cluster.counts()
    namespaces: set[str | None] = set()
    for kind in counts:
        objs = cluster.objects[kind]
        namespaces.update((o.get("metadata") or {}).get("namespace") for o in objs)
        if kind == "namespaces":
            namespaces.update((o.get("metadata") or {}).get("name") for o in objs)
    when = cluster.captured_at
    return {
        "name": cluster.name,
        "source": cluster.source,
        "captured_at": when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None,
        "namespaces": sorted(n for n in namespaces if n),
        "counts": dict(counts),
        "logs": len(cluster.log_store),
        "previous_logs": sum(1 for key in cluster.log_store if key[3]),
        "notes": list(cluster.notes),
    }
