"""Recording a real run: every model request and raw response, in one JSON file (keys masked).

The file is rewritten after each model call, so a run that fails or is interrupted midway keeps
everything it did. ``--model replay/FILE`` (llm/replay.py) plays it back offline.

    inv = holmes_nb.ask("what pods are failing?", model="openai/llama3", cluster="demo", record="run.json")
    # or: record_run("run.json", agent, question)
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from holmes_nb.errors import ConfigError, HolmesError
from holmes_nb.redact import known_secrets, scrub

FORMAT = "holmes-nb-recording"
VERSION = 1

#: request keywords never stored: secrets, endpoints and transport settings
_DROP = {
    "api_key",
    "api_base",
    "base_url",
    "headers",
    "extra_headers",
    "timeout",
    "num_retries",
    "max_retries",
    "organization",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_profile_name",
    "azure_ad_token",
    "vertex_credentials",
    "ssl_verify",
}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _plain(value: Any) -> Any:
    """A JSON-safe deep copy (the agent keeps mutating its message list)."""
    return json.loads(json.dumps(value, default=str))


def _dump_response(response: Any) -> dict[str, Any]:
    for attempt in (lambda r: r.model_dump(), lambda r: r.dict(), lambda r: dict(r)):
        try:
            return _plain(attempt(response))
        except Exception:
            continue
    return {"raw": str(response)}


def server_kind(client) -> tuple[str, str]:
    """(server kind, endpoint kind) for the recording's meta; never the host name or key."""
    entry = client.entry
    base = entry.api_base or ""
    if not base or "api.openai.com" in base:
        return f"hosted ({entry.model.split('/')[0]})", "hosted"
    host = base.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]").lower()
    endpoint = "local" if host in ("127.0.0.1", "localhost", "::1", "0.0.0.0") else "remote"
    try:
        info = client.server_info()
    except Exception:
        info = None
    if info is None or not info.reachable:
        return "unknown (not probed)", endpoint
    owners = {o.lower() for o in info.owned_by}
    if "me" in owners:
        return "llama-cpp-python", endpoint
    if info.n_ctx or owners & {"llamacpp", "llama.cpp"}:
        return "llama.cpp", endpoint
    if "vllm" in owners or info.max_model_len:
        return "vllm", endpoint
    if owners & {"ollama", "library"}:
        return "ollama", endpoint
    if "scripted" in owners:
        return "scripted (holmes-nb test server)", endpoint
    return "openai-compatible" + (f" (owned_by: {', '.join(sorted(owners))})" if owners else ""), endpoint


class Recorder:
    """Collects the exchanges of one run and keeps ``path`` up to date.

    rec = Recorder("run.json", question="why?", cluster="demo"); rec.attach(client)
    ...  # client.complete() calls rec.add(...)
    rec.finish(inv); rec.detach()
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        question: str = "",
        cluster: str = "",
        namespace: str | None = None,
        max_steps: int | None = None,
    ):
        from holmes_nb._version import __version__

        self.path = Path(os.path.expanduser(str(path)))
        self.meta: dict[str, Any] = {
            "question": question,
            "cluster": cluster,
            "namespace": namespace,
            "max_steps": max_steps,
            "holmes_nb_version": __version__,
            "recorded_at": _now(),
            "finished_at": None,
            "status": "running",
        }
        self.exchanges: list[dict[str, Any]] = []
        self.client = None
        self._lock = threading.Lock()
        self.save()  # an unwritable path fails now, before any model call

    def attach(self, client) -> Recorder:
        entry = client.entry
        _refuse_replay(entry)
        known_secrets.add(entry.api_key)
        self.client = client
        client.recorder = self
        self.meta.update(
            model=entry.label,
            model_id=entry.public_id(),
            temperature=entry.temperature,
            tool_results=entry.tool_results,
        )
        self.save()
        return self

    def detach(self) -> None:
        if self.client is not None and self.client.recorder is self:
            self.client.recorder = None

    def add(
        self,
        request: dict[str, Any],
        *,
        response: Any = None,
        error: BaseException | None = None,
        duration_s: float = 0.0,
    ) -> None:
        """Store one model call: its request and either the raw response or the error it ended with."""
        kept = {k: v for k, v in request.items() if k not in _DROP}
        exchange: dict[str, Any] = {"request": _plain(kept), "duration_s": round(duration_s, 3)}
        if error is not None:
            exchange["error"] = {
                "type": type(error).__name__,
                "message": getattr(error, "message", str(error)),
                "hint": getattr(error, "hint", None),
                "limit": getattr(error, "limit", None),
            }
        else:
            exchange["response"] = _dump_response(response)
        with self._lock:
            self.exchanges.append(exchange)
        self.save()

    def finish(self, inv=None, error: BaseException | None = None) -> None:
        """Write the outcome (status, answer, context window, server kind) and save."""
        self.meta["finished_at"] = _now()
        if inv is not None:
            self.meta.update(
                status=inv.status,
                answer=inv.answer,
                error=inv.error,
                profile=getattr(inv, "profile", None) or "standard",  # a replay runs the same profile
                tool_calls=[{"tool": c.tool, "arguments": c.arguments, "status": c.status} for c in inv.calls],
            )
        elif error is not None:
            self.meta.update(
                status="interrupted" if isinstance(error, KeyboardInterrupt) else "failed",
                error=str(error) or type(error).__name__,
            )
        if self.client is not None:
            context = self.client.context
            if context is not None:
                self.meta.update(context_window=context.tokens, context_source=context.source)
            self.meta["server_kind"], self.meta["endpoint"] = server_kind(self.client)
        served = [x["response"].get("model") for x in self.exchanges if isinstance(x.get("response"), dict)]
        self.meta["served_model"] = next((m for m in served if m), None)
        self.save()

    def save(self) -> None:
        """Write the whole file (scrubbed) atomically: a crash leaves the previous complete version."""
        with self._lock:
            doc = {"format": FORMAT, "version": VERSION, "meta": self.meta, "exchanges": self.exchanges}
            text = scrub(json.dumps(doc, indent=1, ensure_ascii=False, default=str))
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text + "\n", encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as e:
            raise ConfigError(
                f"cannot write the recording {self.path}: {e.strerror or e}", hint="pass --record a writable file path"
            ) from None


def _refuse_replay(entry) -> None:
    if entry.model.startswith("replay/"):
        raise ConfigError(
            "a replayed run cannot be recorded again",
            hint="record with a real model; the replayed file already holds this run",
        )


def record_run(path: str | os.PathLike, agent, question: str, **run_kwargs):
    """Run ``agent`` on ``question`` while recording every model call to ``path``; returns the Investigation.

    inv = record_run("run.json", Agent(client, tools, cluster_name="demo"), "what pods are failing?")
    """
    _refuse_replay(agent.client.entry)  # before the file is touched: it may be the replayed recording
    rec = Recorder(
        path, question=question, cluster=agent.cluster_name, namespace=agent.namespace, max_steps=agent.max_steps
    )
    rec.attach(agent.client)
    try:
        inv = agent.run(question, **run_kwargs)
    except (HolmesError, KeyboardInterrupt) as e:
        rec.finish(getattr(e, "investigation", None), error=e)
        raise
    except Exception as e:
        rec.finish(None, error=e)
        raise
    finally:
        rec.detach()
    rec.finish(inv)
    return inv
