"""Progress reporting that suits where the code runs, and Trevett's epoch timing.

`progress(iterable)` is a tqdm bar where someone watches it live (a terminal,
or a notebook open in JupyterLab or Notebook 7), and plain log lines ("train
3/10 (30%) 4.1s loss=2.31"), about ten a run, where nobody does: CI, a piped
log, `autograder build`/`grade`, and a notebook executed headless by
`jupyter nbconvert --execute`, papermill or nbclient, which would store every
refresh of a bar as an output of its own.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import IO, Iterable, Iterator, TypeVar

__all__ = ["progress", "default_mode", "LogProgress", "is_interactive", "in_notebook", "watched_notebook",
           "epoch_time"]

T = TypeVar("T")


def in_notebook() -> bool:
    """True inside a Jupyter kernel (ipykernel's shell)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def watched_notebook() -> bool:
    """True in a kernel that a Jupyter server started for a notebook session (JupyterLab, Notebook 7).

    The server gives such a kernel ``JPY_SESSION_NAME`` (the notebook's path);
    nbconvert, papermill, nbclient and the grader start kernels without it.
    """
    return in_notebook() and bool(os.environ.get("JPY_SESSION_NAME"))


def is_interactive(stream: IO[str] | None = None) -> bool:
    """True where someone watches live: a notebook in a Jupyter front end, or `stream` (default sys.stderr)
    a terminal. A kernel executed headless is not interactive."""
    stream = sys.stderr if stream is None else stream
    if in_notebook():
        return watched_notebook()
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def epoch_time(start: float, end: float) -> tuple[int, int]:
    """Whole minutes and leftover whole seconds between two `time.time()` readings.

    As in Trevett's tutorials: `epoch_time(0, 125.9) == (2, 5)`.
    """
    elapsed = end - start
    if elapsed < 0:
        raise ValueError(f"epoch_time: end ({end}) is before start ({start}); pass (start, end) in that order")
    mins = int(elapsed / 60)
    secs = int(elapsed - mins * 60)
    return mins, secs


def _format_value(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class LogProgress:
    """The non-interactive stand-in for tqdm: iterates and writes a line now and then.

    With a known length, a line is written each time another tenth of it is
    done (`every` items; at most ten lines, the last one at the end), and
    when `min_interval` seconds have gone by since the last line (a long item,
    a long stretch between tenths). Without a length: the first item, then
    every `min_interval` seconds, then the end. Same small surface as tqdm:
    iteration, `update`, `set_postfix`, `close`, `total`, context manager.
    """

    def __init__(self, iterable=None, *, total=None, desc="", stream=None, every=None, min_interval=30.0):
        self.iterable = iterable
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.total = total
        self.desc = desc or ""
        self.stream = sys.stderr if stream is None else stream
        self._every = every  # None: a tenth of `total` (see `every`)
        self.min_interval = min_interval
        self.n = 0
        self.postfix: dict[str, object] = {}
        self._start = time.perf_counter()
        self._last_written_n = 0
        self._last_written_t = self._start
        self._closed = False
        self._lock = threading.Lock()

    @property
    def every(self) -> int | None:
        """Items between two lines: a tenth of the length (rounded up), or the given `every`; None without a
        length (then lines come with time)."""
        if self._every is not None:
            return self._every
        return -(-self.total // 10) if self.total else None

    def __iter__(self) -> Iterator:
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __len__(self) -> int:
        return self.total

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def set_postfix(self, ordered_dict=None, refresh=True, **kwargs) -> None:
        """Values shown at the end of each line (e.g. loss=2.31)."""
        self.postfix = dict(ordered_dict or {}, **kwargs)

    def update(self, n: int = 1) -> None:
        with self._lock:  # Hogwild worker threads update one display: one line per tenth, whole lines
            self.n += n
            now = time.perf_counter()
            every = self.every
            counted = every is not None and self.n // every > self._last_written_n // every  # another tenth done
            first = every is None and self.n == n
            if counted or first or now - self._last_written_t >= self.min_interval:
                self._write(now)

    def _write(self, now: float) -> None:
        where = f"{self.n}/{self.total} ({100 * self.n / self.total:.0f}%)" if self.total else f"{self.n}"
        parts = [p for p in (self.desc, where, f"{now - self._start:.1f}s") if p]
        parts += [f"{k}={_format_value(v)}" for k, v in self.postfix.items()]
        print(" ".join(parts), file=self.stream, flush=True)
        self._last_written_n, self._last_written_t = self.n, now

    def close(self) -> None:
        with self._lock:
            if not self._closed and self.n != self._last_written_n:
                self._write(time.perf_counter())  # the final count, if not yet written
            self._closed = True


MODES = ("auto", "bar", "log", "off")


def default_mode(stream: IO[str] | None = None) -> str:
    """What "auto" means here: ``SEQLABS_PROGRESS`` if set, else "bar" when interactive, "log" otherwise.

    ``autograder build`` and ``grade`` set ``SEQLABS_PROGRESS=log`` in their
    kernels: a notebook executed there has no one watching, and widget bars
    would put random model ids into the committed solution notebooks.
    """
    setting = os.environ.get("SEQLABS_PROGRESS", "").strip().lower()
    if setting and setting != "auto":
        if setting not in MODES:
            raise ValueError(f"SEQLABS_PROGRESS must be one of {', '.join(MODES)}, got {setting!r}")
        return setting
    return "bar" if is_interactive(stream) else "log"  # nbconvert/papermill kernels: "log"


def progress(
    iterable: Iterable[T] | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    mode: str = "auto",
    stream: IO[str] | None = None,
    leave: bool = True,
):
    """Wrap `iterable` in a progress display suited to where the code runs.

    mode: "auto" (tqdm when `is_interactive()`, log lines otherwise), "bar"
        (always tqdm), "log" (always log lines), "off" (nothing shown; still
        supports set_postfix/update/close).
    Returns an iterable with tqdm's `set_postfix`, `update` and `close`.
    """
    if mode not in MODES:
        raise ValueError(f"progress mode must be 'auto', 'bar', 'log' or 'off', got {mode!r}")
    if mode == "auto":
        mode = default_mode(stream)
    if mode == "bar":
        return _tqdm()(iterable, total=total, desc=desc or None, file=stream, leave=leave)
    if mode == "off":
        return _tqdm()(iterable, total=total, disable=True)
    return LogProgress(iterable, total=total, desc=desc, stream=stream)


def _tqdm():
    """tqdm's text bar, in Jupyter too.

    Not tqdm's notebook widget: a notebook run without a front end (nbclient,
    a kernel whose browser tab is closed) never renders a widget's updates, so
    its saved output shows a frozen "0%". The text bar writes its updates to
    the cell's stderr stream, which every front end, and the saved notebook,
    shows as the bar's latest state.
    """
    from tqdm import tqdm

    return tqdm
