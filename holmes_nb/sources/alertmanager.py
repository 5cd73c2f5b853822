"""Alertmanager's v2 API (GET only): the alerts it holds, filtered by label matchers.

Configured as in HolmesGPT: ``ALERTMANAGER_URL``, or ``alertmanager_url`` (with optional
``alertmanager_username``/``alertmanager_password`` for basic auth) in the config file, or
``--alertmanager-url``. TLS trusts ``CERTIFICATE`` like the model calls.

    am = AlertmanagerClient.from_config()
    firing = am.alerts(matchers=["namespace=shop"])
"""

from __future__ import annotations

from typing import Any

from holmes_nb.errors import HolmesError
from holmes_nb.sources.matchers import alert_matches, parse_matchers


class AlertmanagerError(HolmesError):
    """Alertmanager could not answer."""


class AlertmanagerClient:
    frozen = False

    def __init__(self, url: str, *, auth: tuple[str, str] | None = None, timeout: float = 20.0):
        import httpx

        from holmes_nb.llm.tls import ca_bundle_path, ssl_context

        self.url = url.rstrip("/")
        self.timeout = timeout
        self._http = httpx.Client(base_url=self.url, auth=auth, timeout=timeout, verify=ssl_context(ca_bundle_path()))

    @classmethod
    def from_config(cls, config: Any = None, url: str | None = None) -> AlertmanagerClient | None:
        if url:
            return cls(url)
        if config is None:
            from holmes_nb.config import load_config

            config = load_config()
        found = config.settings.get("alertmanager_url") or config.env("ALERTMANAGER_URL")
        if not found:
            return None
        user, password = config.settings.get("alertmanager_username"), config.settings.get("alertmanager_password")
        return cls(str(found), auth=(str(user), str(password or "")) if user else None)

    def alerts(self, matchers: list[str] | str | None = None, *, firing_only: bool = True) -> list[dict]:
        """Alerts (active, not silenced or inhibited, when ``firing_only``), oldest first."""
        import httpx

        params = {"active": "true", "silenced": "false", "inhibited": "false"} if firing_only else {}
        try:
            resp = self._http.get("/api/v2/alerts", params=params)
        except httpx.TimeoutException:
            raise AlertmanagerError(f"Alertmanager at {self.url} did not answer within {self.timeout:g}s") from None
        except httpx.HTTPError as e:
            raise AlertmanagerError(
                f"cannot reach Alertmanager at {self.url}: {type(e).__name__}: {e}",
                hint="check ALERTMANAGER_URL / --alertmanager-url and that Alertmanager is running",
            ) from None
        if resp.status_code >= 400:
            raise AlertmanagerError(f"Alertmanager at {self.url} answered HTTP {resp.status_code}: {resp.text[:200]}")
        wanted = parse_matchers(matchers)
        found = [a for a in resp.json() if alert_matches(a, wanted)]
        return sorted(found, key=lambda a: (a.get("startsAt") or "", (a.get("labels") or {}).get("alertname", "")))

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"<AlertmanagerClient {self.url}>"
