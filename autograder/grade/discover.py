"""Find the submissions to grade and name their students."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

# Where a notebook may name its student, overriding the file name.
STUDENT_KEYS = (("autograder", "student"), ("seqlabs", "student"), ("student",))


@dataclass(frozen=True)
class Submission:
    path: Path
    student: str


def safe_id(text: str) -> str:
    """A student id usable as a file name (feedback/<student>.html): no path separators."""
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]+", "_", text.strip()).strip("._")
    return cleaned[:100] or "student"


def _named_in_metadata(path: Path) -> str | None:
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError, AttributeError):
        return None  # not a notebook: graded as an error later, named by its file
    for keys in STUDENT_KEYS:
        value = meta
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value.strip():
            return value
    return None


def discover(paths: list[Path], *, lab: str) -> list[Submission]:
    """Every .ipynb under ``paths`` (files, or folders searched recursively), sorted, each with a student id.

    The id is the notebook's ``metadata.autograder.student`` (or ``seqlabs.student``,
    ``student``) when set, else the file stem; a file named after the lab
    (nbgrader's ``submitted/<student>/<lab>.ipynb`` layout) takes its folder's
    name. Ids that collide get ``-2``, ``-3``, ... in path order.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in path.rglob("*.ipynb")
                         if ".ipynb_checkpoints" not in p.parts and not p.name.startswith("."))
        else:
            files.append(path)
    files = sorted(dict.fromkeys(p.resolve() for p in files))
    found, used = [], set()
    for path in files:
        name = _named_in_metadata(path) or (path.parent.name if path.stem == lab else path.stem)
        student, n = safe_id(name), 1
        while student in used:
            n += 1
            student = f"{safe_id(name)}-{n}"
        used.add(student)
        found.append(Submission(path=path, student=student))
    return found
