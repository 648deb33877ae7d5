"""What a lab is: where its files live, its cells' nbgrader roles, its points.

The build (``autograder.assign``) and the grader (``autograder.grade``) both
import this module and nothing from each other.

    labs/source/<lab>.ipynb     the master (nbgrader metadata, solution and hidden-test regions)
    labs/release/<lab>.ipynb    what students get
    labs/solution/<lab>.ipynb   the master executed with every token
    labs/keys/<lab>.json        the answer key for the default grading conditions
    labs/keys/<lab>.<...>.json  keys for other conditions (``autograder.core.conditions``)
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Mapping

from nbformat import NotebookNode

KINDS = ("source", "release", "solution", "key")


FOLDERS = {"source": "source", "release": "release", "solution": "solution", "key": "keys"}  # kind -> labs/<folder>


def lab_folder(root: Path, kind: str) -> Path:
    """The folder under ``root`` holding every lab's file of ``kind`` (one of ``KINDS``)."""
    return Path(root) / "labs" / FOLDERS[kind]


def list_labs(root: Path) -> list[str]:
    """Lab names: every ``labs/source/<lab>.ipynb``, sorted."""
    return sorted(p.stem for p in lab_folder(root, "source").glob("*.ipynb"))


def lab_paths(root: Path, lab: str, conditions: Any = None) -> dict[str, Path]:
    """Where the master and the three outputs of ``lab`` live under ``root``.

    ``key`` is the key for ``conditions`` (an ``autograder.core.conditions.Conditions``;
    ``None``: the default conditions, whose key the build commits beside the release).
    """
    key = f"{lab}.json" if conditions is None else conditions.key_name(lab)
    return {"source": lab_folder(root, "source") / f"{lab}.ipynb",
            "release": lab_folder(root, "release") / f"{lab}.ipynb",
            "solution": lab_folder(root, "solution") / f"{lab}.ipynb", "key": lab_folder(root, "key") / key}


def instructor_folders(root: Path) -> list[Path]:
    """The folders only instructors may read: masters, keys, solutions."""
    labs = lab_folder(root, "source").parent.resolve()  # labs/ itself may be a link
    return [labs / FOLDERS[kind] for kind in ("source", "key", "solution")]


def nbgrader_meta(cell: Any) -> dict[str, Any]:
    """The cell's nbgrader metadata (``{}`` for a cell nbgrader does not track)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def grade_id_of(cell: Any) -> str | None:
    """The cell's nbgrader grade_id, or None for a cell nbgrader does not track."""
    return nbgrader_meta(cell).get("grade_id") or None


def is_protected(cell: Any) -> bool:
    """Locked cells and autograder test cells: the grader always uses the source's version."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("locked")) or (bool(meta.get("grade")) and not meta.get("solution"))


def cell_index(nb: NotebookNode, grade_id: str | None) -> int | None:
    """The index of the cell carrying ``grade_id`` (None when there is none)."""
    if grade_id is None:
        return None
    return next((i for i, c in enumerate(nb.cells) if grade_id_of(c) == grade_id), None)


def strip_hidden_tests(source: NotebookNode) -> NotebookNode:
    """The master without its hidden-test regions (solutions kept), by nbgrader's ClearHiddenTests.

    What a student's test cells look like; the build's second record run.
    """
    from nbgrader.preprocessors import ClearHiddenTests

    nb, _ = ClearHiddenTests().preprocess(copy.deepcopy(source), {})
    return nb


def auto_points(key: Mapping[str, Any]) -> float:
    """Points of every autograded block of a key: a submission's maximum score."""
    return float(sum(float(b["points"]) for b in key["blocks"].values()))
