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
