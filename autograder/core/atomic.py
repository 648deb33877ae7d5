"""Writing files so that a reader sees the old file or the new one, never half of one.

`stage` writes the text to a temporary file beside its target; `os.replace`
then swaps it in in one step. `replace_all` stages every file of a set before
replacing any, so the build's outputs and the grader's gradebook, results,
feedback and JUnit files are all old or all new: a full disk or a vanished
folder while writing overwrites nothing and leaves no temporary file.

A file gets the permissions an ordinary ``open`` would give it under the
process's umask (``mkstemp`` alone gives 0600, which a course's TAs in the
instructor's group could not read), minus write for others: ``umask 027``
gives 0640, ``umask 022`` 0644, and even ``umask 000`` gives 0664, never a
world-writable gradebook.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

NEVER = 0o002  # write for others: never given, whatever the umask


def current_umask() -> int:
    """The process's umask, read without changing it (Linux's /proc), else by setting and restoring it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new output file gets: what ``open`` gives under the umask, never writable by others."""
    return 0o666 & ~current_umask() & ~NEVER


def stage(path: Path, text: str) -> Path:
    """Write ``text`` to a new temporary file in ``path``'s folder, flushed to disk; return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step."""
    tmp = stage(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def replace_all(files: list[tuple[Path, str]]) -> None:
    """Stage every ``(path, text)``, then replace them all; if staging any fails, replace none.

    Raises the ``OSError`` of the first file that could not be staged, after
    removing the temporary files already written.
    """
    temps: list[tuple[Path, Path]] = []
    try:
        for target, text in files:
            temps.append((stage(target, text), target))
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in temps:
        os.replace(tmp, target)
