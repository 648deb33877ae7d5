"""Run the grader's coroutines from any caller: a shell, a test, or a Jupyter cell.

``asyncio.run`` refuses to start when the calling thread already runs an event loop, which is
the case in a Jupyter kernel, under Playwright's sync API and in any asyncio application. The
grader's work then runs on a fresh loop in a helper thread, and the caller waits for it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run *coro* to completion and return its result (or raise its exception)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    outcome: dict[str, Any] = {}

    def _in_thread() -> None:
        try:
            outcome["value"] = asyncio.run(coro)
        except BaseException as err:  # re-raised in the caller's thread
            outcome["error"] = err

    thread = threading.Thread(target=_in_thread, name="seqlabs-grader-loop", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
