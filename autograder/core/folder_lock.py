"""One grading run writes a grading folder at a time (``OUT/.grade-lock``).

Two runs into one folder (two TAs, a CI matrix) would each write a gradebook
of their own students, and the last to finish would win. The lock is an
exclusive ``flock`` on ``OUT/.grade-lock``, held for the whole run: the
kernel drops it when the process ends, however it ends, so a killed run
leaves no stale lock. The file names its holder (host, process, user, start,
command) so that the run that is refused can say who is writing.
"""
from __future__ import annotations

import fcntl
import getpass
import os
import socket
import sys
import time
from pathlib import Path

from autograder.core.atomic import file_mode

LOCK = ".grade-lock"


class FolderBusy(ValueError):
    """Another run holds the folder; the message names it and what to do."""


class FolderLock:
    """The held lock of one folder; ``release()`` (or leaving the ``with`` block) lets the next run in."""

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / LOCK
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, file_mode())
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._fd, 4096, 0).decode(errors="replace").strip() or "a run that did not say who"
            os.close(self._fd)
            raise FolderBusy(f"another grading run is writing {out}: {holder}. Wait for it to finish and run "
                             "this command again (its students are then merged into one gradebook), or grade into "
                             "another --out") from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, _holder().encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> "FolderLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _holder() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name for this uid (a container)
        user = str(os.getuid())
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime())
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300]  # `autograder grade ...`
    return f"process {os.getpid()} on {socket.gethostname()} (user {user}) since {started}, running `{command}`\n"
