"""Run one blocking model request in a worker thread and yield, as they happen, the events its
callbacks produce (streamed text, retry notices); the caller's thread stays free for Ctrl-C.

    completion = yield from pump(request, on_text=lambda t: TextDelta(step, t), on_notice=...)

``request(on_text, on_notice)`` is called in the worker; ``on_text`` is None when the text maker
returns None for a probe (streaming off), so the request is not streamed at all.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator
from typing import Any

from holmes_nb.events import Event

_DONE, _ERROR, _EVENT = 0, 1, 2


def pump(
    request: Callable[[Any, Any], Any],
    text_event: Callable[[str], Event | None],
    notice_event: Callable[[str], Event],
) -> Generator[Event, None, Any]:
    """Yield the events of ``request`` while it runs; return its result or raise its error."""
    box: queue.Queue = queue.Queue()
    streaming = text_event("") is not None
    on_text = (lambda text: box.put((_EVENT, text_event(text)))) if streaming else None

    def work() -> None:
        try:
            box.put((_DONE, request(on_text, lambda message: box.put((_EVENT, notice_event(message))))))
        except BaseException as e:  # handed to the caller's thread as is
            box.put((_ERROR, e))

    threading.Thread(target=work, name="holmes-nb-model-call", daemon=True).start()
    while True:
        kind, value = box.get()  # Ctrl-C interrupts this wait; the worker ends with its request
        if kind == _DONE:
            return value
        if kind == _ERROR:
            raise value
        yield value
