"""Find the submissions to grade and name their students.

A student is named by where the file is, never by what it says: the file
stem, or the folder's name for a file named after the lab (nbgrader's
``submitted/<student>/<lab>.ipynb``). A notebook's metadata is the student's
to write, so a name in it would let one submission take another's row.

Only regular files are graded. A symbolic link (to a classmate's or an
instructor's notebook) or a special file (a FIFO that would hang the reader,
a device) is a row of its own with the reason (``Submission.refused``), and
is never opened.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    path: Path
    student: str
    refused: str = ""  # why the file is not graded ("" for a regular file)
    # The bytes the batch read for its cache look-up (``read_regular``), graded as they are: one read
    # per submission, so the version looked up is the version graded. None: not read yet.
    data: bytes | None = field(default=None, repr=False, compare=False)


def safe_id(text: str) -> str:
    """A student id usable as a file name (feedback/<student>.html): no path separators."""
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]+", "_", text.strip()).strip("._")
    return cleaned[:100] or "student"


def refusal(path: Path) -> str:
    """Why ``path`` is not a submission the grader opens ("" when it is a regular file)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as err:
        return f"cannot read the submission: {err.strerror}"
    if stat.S_ISLNK(mode):
        return ("refused: the submission is a symbolic link (to "
                f"{os.readlink(path)!r}); submit the notebook file itself")
    if not stat.S_ISREG(mode):
        kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a special file")
        return f"refused: the submission is {kind}, not a regular file; submit the notebook file itself"
    return ""


def read_regular(path: Path) -> bytes:
    """The bytes of the regular file ``path``, read once through one descriptor.

    Never follows a symbolic link and never waits on a FIFO or a device: the
    file is opened without following links and without blocking, and refused
    (``OSError``) unless that descriptor is a regular file. Whoever hashes and
    parses a submission uses these same bytes, so what is graded, cached and
    shown on the feedback page is one version of the file.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


def digest(data: bytes) -> str:
    """The content hash of a submission's bytes: the cache key, ``Result.content_hash``, the graded version."""
    return hashlib.sha256(data).hexdigest()


def _notebooks(folder: Path) -> list[Path]:
    """Every .ipynb under ``folder``, links to folders not followed, checkpoints and hidden files left out."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d != ".ipynb_checkpoints" and not d.startswith("."))
        found += [Path(dirpath) / n for n in sorted(filenames) if n.endswith(".ipynb") and not n.startswith(".")]
    return found


def discover(paths: list[Path], *, lab: str) -> list[Submission]:
    """Every .ipynb under ``paths`` (files, or folders searched recursively), sorted, each with a student id.

    The id is the file stem; a file named after the lab takes its folder's
    name. Ids that collide get ``-2``, ``-3``, ... in path order. Symbolic
    links and special files come back with ``refused`` set.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            files.extend(_notebooks(path))
        else:
            files.append(path)
    files = sorted(dict.fromkeys(Path(os.path.abspath(p)) for p in files))
    found, used = [], set()
    for path in files:
        name = path.parent.name if path.stem == lab else path.stem
        student, n = safe_id(name), 1
        while student in used:
            n += 1
            student = f"{safe_id(name)}-{n}"
        used.add(student)
        found.append(Submission(path=path, student=student, refused=refusal(path)))
    return found
