"""The hand grades of a grading run: kept in ``OUT/hand_grades.json``, applied to every output.

``autograder handgrade import`` (``handgrade.py``) stores them; ``outputs.write_all`` applies them, so a
regrade into the same ``OUT`` keeps them, except for an answer whose text changed since it was graded
(pending again).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping

import nbformat

from autograder.core.lab import cell_index
from autograder.grade.discover import digest, read_regular

STORE = "hand_grades.json"
FORMAT = "seqlabs-hand-grades/1"


class HandGradeError(Exception):
    """A sheet (or output folder) that cannot be imported; the message lists every problem and its row."""


def answer_text(nb: Any, gid: str) -> str | None:
    """The source of the cell ``gid`` in ``nb`` (None: no such cell, or no notebook)."""
    index = cell_index(nb, gid) if nb is not None else None
    if index is None:
        return None
    source = nb.cells[index].get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def answer_sha(text: str | None) -> str:
    return hashlib.sha256((text or "").strip().encode()).hexdigest()[:16]


def read_notebook(path: str | Path, *, graded: str = "") -> Any | None:
    """The submission at ``path`` (None: unreadable, refused, or no longer the version graded).

    ``graded``: the content hash of the version that was graded; a file changed
    since then (or a link or a FIFO put in its place) is not read as that one.
    """
    try:
        data = read_regular(Path(path))  # never follows a link, never waits on a FIFO
        if graded and digest(data) != graded:
            return None
        return nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception:  # unreadable submission: it has no answers to grade
        return None


def load_grades(out: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """``{student: {question: {"score", "comment", "answer_sha"}}}`` from ``out/hand_grades.json`` ({} if none)."""
    path = Path(out) / STORE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise HandGradeError(f"{path} is not a hand-grades file ({FORMAT}); move it away or delete it")
    return data["grades"]


def apply_grades(results: list[dict[str, Any]], grades: Mapping[str, Mapping[str, Mapping[str, Any]]],
                 answers: Mapping[str, Mapping[str, str]] | None = None) -> list[dict[str, Any]]:
    """Copies of ``results`` whose ``manual`` entries carry the stored grades.

    Each manual entry becomes ``{"points", "status": "graded", "score", "comment"}``
    or ``{"points", "status": "pending"}`` (with a ``note`` when the answer
    changed since it was graded: ``answers[student][question]`` is the current
    answer's ``answer_sha``). Only the store decides, so applying twice is applying once.
    """
    out = []
    for r in results:
        manual = {}
        for gid, m in r.get("manual", {}).items():
            entry = {"points": float(m["points"]), "status": "pending"}
            grade = grades.get(r["student"], {}).get(gid)
            current = (answers or {}).get(r["student"], {}).get(gid)
            if grade is not None and current is not None and grade.get("answer_sha") not in (None, current):
                entry["note"] = "the answer changed since it was graded"
            elif grade is not None:
                entry.update(status="graded", score=float(grade["score"]), comment=str(grade.get("comment", "")))
            manual[gid] = entry
        out.append({**r, "manual": manual})
    return out


def current_answers(results: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """``{student: {question: answer_sha}}`` of the submissions as they are on disk now."""
    found: dict[str, dict[str, str]] = {}
    for r in results:
        if not r.get("manual"):
            continue
        nb = read_notebook(r["path"])
        found[r["student"]] = {gid: answer_sha(answer_text(nb, gid)) for gid in r["manual"]}
    return found
