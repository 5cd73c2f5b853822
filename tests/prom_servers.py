"""Real Prometheus and Alertmanager for the tests, on 127.0.0.1 with data the tests generate.

Skipped with the reason when the binaries are missing, unless HOLMES_NB_PROMETHEUS=1 (CI installs
the Debian packages ``prometheus`` and ``prometheus-alertmanager`` and sets it): then a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from holmes_nb.formats.openmetrics import free_port
from holmes_nb.sources.prometheus import Series

INSTALL = "apt-get install -y prometheus prometheus-alertmanager"


def require(*binaries: str) -> None:
    missing = [b for b in binaries if shutil.which(b) is None]
    if not missing:
        return
    why = f"{', '.join(missing)} not installed ({INSTALL})"
    if os.environ.get("HOLMES_NB_PROMETHEUS") == "1":
        pytest.fail(why + " but HOLMES_NB_PROMETHEUS=1")
    pytest.skip(why + "; HOLMES_NB_PROMETHEUS=1 makes this a failure")


class LocalAlertmanager:
    """prometheus-alertmanager on 127.0.0.1 (clustering off); post() sends alerts to its v2 API."""

    CONFIG = "route: {receiver: none}\nreceivers: [{name: none}]\n"

    def __init__(self):
        require("prometheus-alertmanager")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="holmes-nb-am-")
        root = Path(self._dir.name)
        (root / "am.yml").write_text(self.CONFIG)
        self.proc = subprocess.Popen(
            [
                shutil.which("prometheus-alertmanager"),
                f"--config.file={root / 'am.yml'}",
                f"--storage.path={root / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/-/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("alertmanager did not become ready")

    def post(self, alerts: list[dict]) -> None:
        body = [{k: a[k] for k in ("labels", "annotations", "startsAt") if k in a} for a in alerts]
        httpx.post(self.url + "/api/v2/alerts", json=body, timeout=5).raise_for_status()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self._dir.cleanup()


def counters(demo) -> list[Series]:
    """http_requests_total for checkout (93% 5xx since its deploy) and catalog (healthy)."""
    end = demo.now().timestamp()
    grid = [end - 6 * 3600 + i * 60 for i in range(6 * 60 + 1)]
    deploy = end - 3 * 3600
    out = []
    for svc, bad in (("checkout", 0.93), ("catalog", 0.0)):
        ok_n = err_n = 0.0
        ok_pts, err_pts = [], []
        for t in grid:
            err_rate = 10 * bad if t >= deploy else 0.0
            ok_n += 60 * (10 - err_rate)
            err_n += 60 * err_rate
            ok_pts.append((t, ok_n))
            err_pts.append((t, err_n))
        base = {"__name__": "http_requests_total", "namespace": "shop", "service": svc}
        out += [Series({**base, "code": "200"}, ok_pts), Series({**base, "code": "503"}, err_pts)]
    return out
