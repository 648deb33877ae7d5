"""Put the instructor's locked and test cells back into a submission, by nbgrader ``grade_id``.

The graded notebook is rebuilt in the source's order of graded cells:

* a *protected* cell (locked, or an autograder test: ``grade`` without
  ``solution``) always comes from the source, whatever the student did to it:
  edited ones are overwritten, deleted ones re-inserted, hidden tests included;
* a solution or manually graded cell keeps the student's text; one the
  student deleted stays deleted (the source's copy is the answer);
* a cell the student added stays, after the graded cell it followed;
* a second cell carrying a ``grade_id`` already used (a copy-paste) keeps its
  text but loses its nbgrader metadata: it is the student's, never restored.

``Restored.cells`` are the indices whose outputs the grader may read events from.
"""
from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from autograder.core.lab import is_protected, nbgrader_meta


@dataclass
class Restored:
    """A submission with the source's protected cells put back."""

    nb: Any  # nbformat.NotebookNode
    cells: set[int]  # indices of cells taken from the source
    notes: list[str] = field(default_factory=list)  # what was put back, for the detail column


def _fresh(cell: Any) -> Any:
    """A copy of a source cell ready to run: no outputs, a new id."""
    cell = copy.deepcopy(cell)
    if cell.get("cell_type") == "code":
        cell["outputs"], cell["execution_count"] = [], None
    cell["id"] = uuid.uuid4().hex[:12]
    return cell


def restore(source: Any, submission: Any, *, released: Any = None) -> Restored:
    """The notebook to grade: ``submission`` with every protected cell of ``source`` restored.

    ``released`` (the source without its hidden tests) only quiets the notes: a
    test cell that matches it was not edited, its hidden tests are just back.
    """
    anchors = [c for c in source.cells if nbgrader_meta(c).get("grade_id")]
    by_id = {nbgrader_meta(c)["grade_id"]: c for c in anchors}
    as_released = {nbgrader_meta(c).get("grade_id"): c.get("source") for c in (released or source).cells}
    notes: list[str] = []

    # Split the submission into the student's graded cells (first copy of each id)
    # and the runs of other cells that follow each of them.
    head: list[Any] = []  # student cells before any graded cell
    theirs: dict[str, Any] = {}
    after: dict[str, list[Any]] = {}
    current = head
    for cell in submission.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in by_id and gid not in theirs:
            theirs[gid] = cell
            current = after.setdefault(gid, [])
            continue
        if gid is not None:
            cell = copy.deepcopy(cell)
            cell["metadata"].pop("nbgrader", None)
            if gid in by_id:
                notes.append(f"duplicate of {gid} kept as the student's own cell")
        current.append(cell)

    cells, restored = list(head), set()
    for gid, src in by_id.items():
        if is_protected(src):
            if gid not in theirs:
                notes.append(f"{gid} re-inserted")
            elif (nbgrader_meta(src).get("grade")
                  and theirs[gid].get("source") not in (src.get("source"), as_released.get(gid))):
                notes.append(f"{gid} restored")  # a test cell; locked set-up cells differ by design (tokens)
            restored.add(len(cells))
            cells.append(_fresh(src))
        elif gid in theirs:
            cells.append(theirs[gid])
        cells.extend(after.get(gid, []))

    nb = copy.deepcopy(submission)
    nb.cells = cells
    seen: set[str] = set()
    for cell in nb.cells:  # nbformat 4.5 wants unique cell ids
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = uuid.uuid4().hex[:12]
        seen.add(cell["id"])
    return Restored(nb=nb, cells=restored, notes=notes)
