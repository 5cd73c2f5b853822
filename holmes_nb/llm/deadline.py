"""A total deadline for one model request.

The HTTP client's ``timeout`` bounds each socket read, so a server that trickles its reply (one byte
every few seconds) is never cut off. :func:`call_with_deadline` runs the request in a daemon thread
and gives up when the whole request has taken ``seconds``; the thread is left to end with its
connection (it holds nothing the caller needs), and the caller keeps its partial work.

    response = call_with_deadline(lambda: litellm.completion(**kwargs), 60)  # DeadlineExceeded after 60 s
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class DeadlineExceeded(Exception):
    """The request as a whole took longer than its deadline."""

    def __init__(self, seconds: float):
        super().__init__(f"no complete reply within {seconds:g} s")
        self.seconds = seconds


def total_deadline(timeout: float | None) -> float | None:
    """The whole request's deadline for an entry's ``timeout`` (the socket read timeout): 10% and
    one second more, so a server that sends nothing still meets the read timeout first, and at
    least 5 s (LiteLLM's first call in a process spends a second or two setting itself up)."""
    return None if not timeout else max(round(timeout * 1.1 + 1, 2), 5.0)


def call_with_deadline(fn: Callable[[], Any], seconds: float | None) -> Any:
    """``fn()``, or :class:`DeadlineExceeded` once ``seconds`` have passed (no deadline when None or 0)."""
    if not seconds or seconds <= 0:
        return fn()
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # handed to the caller's thread as is
            box["error"] = e
        finally:
            done.set()

    threading.Thread(target=run, name="holmes-nb-model-request", daemon=True).start()
    if not done.wait(seconds):
        raise DeadlineExceeded(seconds)
    if "error" in box:
        raise box["error"]
    return box["value"]
