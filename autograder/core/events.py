"""Events: how the kernel tells the build and the grader what a check saw.

An event is one JSON object (docs/architecture.md lists the payloads:
``record``, ``report``, ``block``; ``summary`` carries the tally). Inside an
IPython kernel it leaves as a ``display_data`` output whose only MIME type is
``MIME``, so it lands in the executed notebook and front ends that do not know
the type show nothing. Outside a kernel (plain Python, pytest) it is kept in an
in-process list read with ``captured()``.

Reading events back from an executed notebook: ``events_in_notebook(nb)`` or,
per cell, ``events_in_cell(cell)``.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

MIME = "application/vnd.seqlabs.autograder+json"
EVENT_KINDS = ("record", "report", "block", "summary")

# Events emitted outside a kernel, in order; inside a kernel they are in the
# notebook's outputs instead, so this list stays empty there.
_captured: list[dict[str, Any]] = []
# Set by ``autograder.kernel.seal`` in a graded kernel: events then leave through the
# grader's sealed channel (an audit event its hook authenticates), never as outputs.
_sealed = False


def in_kernel() -> bool:
    """True when running inside a Jupyter (IPython) kernel, where outputs reach the notebook."""
    try:
        from IPython import get_ipython
    except ImportError:  # IPython is a dependency, but the grader's parent need not import it
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def emit(event: dict[str, Any]) -> None:
    """Send one event out of the kernel (or into ``captured()`` outside a kernel).

    The event is round-tripped through ``json`` first: anything that would not
    survive the notebook file fails here, in the cell that made it, not later
    in the grader. ``allow_nan=False`` because NaN is not JSON.
    """
    if event.get("event") not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {event.get('event')!r}: one of {', '.join(EVENT_KINDS)}")
    text = json.dumps(event, allow_nan=False)
    if _sealed:
        import sys

        sys.audit("seqlabs.event", text)
        return
    payload = json.loads(text)
    if in_kernel():
        from IPython.display import display

        display({MIME: payload}, raw=True)
    else:
        _captured.append(payload)


def captured() -> list[dict[str, Any]]:
    """A copy of the events emitted outside a kernel since the last ``clear()``."""
    return [dict(e) for e in _captured]


def clear() -> None:
    """Forget the captured events (tests call this between cases)."""
    _captured.clear()


def events_in_cell(cell: Any) -> list[dict[str, Any]]:
    """The events in one executed code cell's outputs, in order."""
    found = []
    for output in cell.get("outputs", ()) if hasattr(cell, "get") else ():
        if output.get("output_type") not in ("display_data", "execute_result"):
            continue
        data = output.get("data", {}).get(MIME)
        if data is None:
            continue
        # nbformat keeps +json data as an object; a hand-written file may hold a string.
        found.append(json.loads(data) if isinstance(data, str) else dict(data))
    return found


def events_in_notebook(nb: Any, *, cells: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """The events in an executed notebook, in cell order.

    ``cells`` restricts the search to those cell indices (the grader passes the
    cells it restored from the source, so nothing a student displays counts).
    """
    wanted = None if cells is None else set(cells)
    found = []
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") == "code" and (wanted is None or index in wanted):
            found.extend(events_in_cell(cell))
    return found
