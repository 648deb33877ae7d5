"""Writing files so that a reader sees the old file or the new one, never half of one.

`stage` writes the text to a temporary file beside its target; `os.replace`
then swaps it in in one step. The build stages every output of a run before
replacing any (a failed build overwrites nothing); the grader writes each
output with `write_atomic` (an interrupted run never leaves a half-written
gradebook).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def stage(path: Path, text: str) -> Path:
    """Write ``text`` to a new temporary file in ``path``'s folder, flushed to disk; return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
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
