"""Frozen series into a real Prometheus: OpenMetrics text, ``promtool`` backfill, a local server.

Used by ``snapshot serve`` (a lab gets PromQL on the frozen incident) and by the tests (a real
Prometheus on 127.0.0.1 with data they generate). Nothing here downloads anything: the
``prometheus`` and ``promtool`` binaries come from the system (Debian package ``prometheus``).

    text = openmetrics_text(series)
    with LocalPrometheus(series) as prom:
        print(prom.url)
"""

from __future__ import annotations

import math
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from holmes_nb.errors import ConfigError, HolmesError
from holmes_nb.sources.prometheus import Series


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def openmetrics_text(series: Iterable[Series]) -> str:
    """Every series as an OpenMetrics gauge family (grouped by name, samples in time order)."""
    families: dict[str, list[Series]] = {}
    for s in series:
        if s.name:
            families.setdefault(s.name, []).append(s)
    out = []
    for name, members in families.items():
        out.append(f"# TYPE {name} gauge")
        for s in members:
            labels = ",".join(f'{k}="{_escape(str(v))}"' for k, v in sorted(s.labels.items()) if k != "__name__")
            head = f"{name}{{{labels}}}" if labels else name
            out += [f"{head} {v!r} {t:.3f}" for t, v in sorted(s.points) if not math.isnan(v)]
    out.append("# EOF")
    return "\n".join(out) + "\n"


def binaries() -> tuple[str, str] | None:
    """``(prometheus, promtool)`` paths, or None when either is missing."""
    prom, tool = shutil.which("prometheus"), shutil.which("promtool")
    return (prom, tool) if prom and tool else None


def backfill(series: Iterable[Series], tsdb: Path) -> None:
    """Write the series as TSDB blocks into ``tsdb`` with ``promtool tsdb create-blocks-from openmetrics``."""
    found = binaries()
    if not found:
        raise ConfigError("promtool is not installed", hint="apt-get install prometheus (it ships promtool)")
    tsdb.mkdir(parents=True, exist_ok=True)
    src = tsdb.parent / "series.om"
    src.write_text(openmetrics_text(series), encoding="utf-8")
    run = subprocess.run(
        [found[1], "tsdb", "create-blocks-from", "openmetrics", str(src), str(tsdb)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if run.returncode != 0:
        raise HolmesError(f"promtool backfill failed: {(run.stderr or run.stdout).strip()[-400:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalPrometheus:
    """A real Prometheus on 127.0.0.1 serving backfilled series (no scraping); stop() ends it."""

    def __init__(
        self,
        series: Iterable[Series],
        *,
        port: int | None = None,
        rules: str | None = None,
        tls: tuple[str, str] | None = None,
    ):
        """``tls``: (certificate chain file, key file) to serve HTTPS (Prometheus' web config)."""
        self.series = list(series)
        self.port = port or free_port()
        self.tls = tls
        self.url = f"{'https://localhost' if tls else 'http://127.0.0.1'}:{self.port}"
        self.rules = rules
        self._dir: tempfile.TemporaryDirectory | None = None
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> LocalPrometheus:
        found = binaries()
        if not found:
            raise ConfigError("prometheus is not installed", hint="apt-get install prometheus")
        self._dir = tempfile.TemporaryDirectory(prefix="holmes-nb-prom-")
        root = Path(self._dir.name)
        backfill(self.series, root / "tsdb")
        config = "global: {scrape_interval: 1m}\nscrape_configs: []\n"
        if self.rules:
            (root / "rules.yml").write_text(self.rules, encoding="utf-8")
            config += "rule_files: [rules.yml]\n"
        (root / "prometheus.yml").write_text(config, encoding="utf-8")
        web = []
        if self.tls:
            (root / "web.yml").write_text(
                f"tls_server_config: {{cert_file: {self.tls[0]}, key_file: {self.tls[1]}}}\n", encoding="utf-8"
            )
            web = [f"--web.config.file={root / 'web.yml'}"]
        self.proc = subprocess.Popen(
            [
                found[0],
                *web,
                f"--config.file={root / 'prometheus.yml'}",
                f"--storage.tsdb.path={root / 'tsdb'}",
                "--storage.tsdb.retention.time=100y",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(root / "prometheus.log", "wb"),  # noqa: SIM115 (closed with the process)
        )
        self._wait_ready(timeout, root)
        return self

    def _wait_ready(self, timeout: float, root: Path) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                log = (root / "prometheus.log").read_text(errors="replace")[-600:]
                raise HolmesError(f"prometheus exited with {self.proc.returncode}: {log}")
            try:
                # readiness of our own loopback child only: the certificate is checked by the clients
                if httpx.get(self.url + "/-/ready", timeout=1.0, verify=False).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise HolmesError(f"prometheus did not become ready on {self.url} within {timeout:g}s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> LocalPrometheus:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
