"""Static checks of a master notebook before anything runs.

Each failure is a ``BuildError`` naming the cell and the fix (the pipeline adds the lab). What
needs an execution (a check with no key entry, points that do not add up) is
checked in ``key.py`` from the record run.
"""
from __future__ import annotations

import re

from nbformat import NotebookNode
from nbgrader import utils as nbg
from nbgrader.nbgraderformat import MetadataValidator, ValidationError

from autograder.assign.errors import BuildError
from autograder.core.lab import grade_id_of

SCHEMA_VERSION = 3
# (begin, end, the nbgrader cell kind the region must live in, that kind's test)
REGIONS = (
    ("BEGIN SOLUTION", "END SOLUTION", "solution ('Autograded answer')", nbg.is_solution),
    ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "grade ('Autograder tests')", nbg.is_grade),
)
CHECK_CALL = re.compile(r"""autograder\.check(?:_below|_above|_agreement)?\(\s*(["'])([^"']+)\1""")


def init_call(lab: str) -> re.Pattern:
    """The setup cell's ``autograder.init("<lab>")`` call, with no token table yet."""
    return re.compile(r"""autograder\.init\(\s*(["'])""" + re.escape(lab) + r"""\1\s*\)""")


def validate_source(nb: NotebookNode, lab: str) -> None:
    """Raise ``BuildError`` for the first problem in the master ``nb`` of ``lab``."""
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        _check_metadata(cell, index)
        gid = grade_id_of(cell)
        if "nbgrader" in cell.metadata and gid:
            meta = cell.metadata.nbgrader
            if (meta.get("grade") or meta.get("solution") or meta.get("locked")) and gid in seen:
                raise BuildError(f"duplicate grade_id {gid!r} (also cell {seen[gid] + 1})",
                                 "give every graded, solution and locked cell its own grade_id",
                                 index=index, grade_id=gid)
            seen[gid] = index
        for begin, end, kind, is_kind in REGIONS:
            _check_region(cell, index, begin, end, kind, is_kind)
    _check_setup_cell(nb, lab)
    _check_unique_check_ids(nb)


def _check_metadata(cell: NotebookNode, index: int) -> None:
    if "nbgrader" not in cell.metadata:
        return
    gid = grade_id_of(cell)
    version = cell.metadata.nbgrader.get("schema_version")
    if version != SCHEMA_VERSION:
        raise BuildError(f"nbgrader metadata schema_version is {version!r}, not {SCHEMA_VERSION}",
                         "re-save the notebook with nbgrader 0.9 (`nbgrader update <notebook>`)",
                         index=index, grade_id=gid)
    try:
        MetadataValidator().validate_cell(cell)
    except ValidationError as error:
        raise BuildError(f"invalid nbgrader metadata: {error}",
                         "fix the cell's type, ID (grade_id) and points in the Create Assignment sidebar, or its "
                         "metadata.nbgrader (docs/instructor-guide.md §1)",
                         index=index, grade_id=gid) from None


def _check_region(cell, index, begin, end, kind, is_kind) -> None:
    depth = 0
    for line in cell.source.split("\n"):
        if begin in line:
            if depth:
                raise BuildError(f"nested '### {begin}'", f"close the first region with '### {end}'",
                                 index=index, grade_id=grade_id_of(cell))
            depth = 1
        elif end in line:
            if not depth:
                raise BuildError(f"'### {end}' without a '### {begin}' before it",
                                 f"add '### {begin}' above the region or delete the stray line",
                                 index=index, grade_id=grade_id_of(cell))
            depth = 0
    if depth:
        raise BuildError(f"'### {begin}' region is never closed",
                         f"add a '### {end}' line after the last line of the region",
                         index=index, grade_id=grade_id_of(cell))
    if begin in cell.source and not is_kind(cell):
        raise BuildError(f"'### {begin}' region in a cell that is not a {kind} cell",
                         _region_fix(cell, begin, end, kind), index=index, grade_id=grade_id_of(cell))


def _region_fix(cell: NotebookNode, begin: str, end: str, kind: str) -> str:
    """A region in the wrong kind of cell: in a cell nbgrader already gives another role (a test or
    read-only cell), the delimiters are the mistake; in a plain cell, the missing role may be."""
    delete = f"delete the '### {begin}' and '### {end}' lines"
    if begin == REGIONS[0][0]:
        if nbg.is_grade(cell) or nbg.is_locked(cell):
            return (f"{delete} (a test or read-only cell holds no answer; the answer goes in an "
                    "'Autograded answer' cell above it)")
    elif nbg.is_solution(cell) or nbg.is_locked(cell):
        return f"move the hidden tests into the 'Autograder tests' cell below, or {delete}"
    return (f"{delete}, or, if the cell is meant to be one, make it a {kind} cell in the Create Assignment "
            "sidebar (or set its metadata, docs/instructor-guide.md §1)")


def _check_setup_cell(nb: NotebookNode, lab: str) -> None:
    call = init_call(lab)
    found = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and call.search(c.source)]
    if len(found) != 1:
        problem = ("no setup cell calls" if not found else f"cells {[i + 1 for i in found]} all call") \
            + f' autograder.init("{lab}")'
        fix = (f'keep one autograder.init("{lab}") call, in the locked setup cell at the top, and delete the '
               "others" if found else f'put `import autograder` and `autograder.init("{lab}")` (no tokens: the '
               "build adds them) in one locked cell at the top (a call naming another lab does not count)")
        raise BuildError(problem, fix, index=found[1] if found else None)
    index = found[0]
    cell = nb.cells[index]
    if not nbg.is_locked(cell) or nbg.is_solution(cell) or nbg.is_grade(cell):
        raise BuildError("the setup cell is not a read-only (locked) nbgrader cell",
                         "make it 'Read-only' in the Create Assignment sidebar (metadata.nbgrader.locked: true) so "
                         "the grader restores it",
                         index=index, grade_id=grade_id_of(cell))


def _check_unique_check_ids(nb: NotebookNode) -> None:
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for match in CHECK_CALL.finditer(cell.source):
            check = match.group(2)
            if check in seen:
                raise BuildError(f"check id {check!r} is used twice (also cell {seen[check] + 1})",
                                 "give every check its own id, e.g. '<block>.<what>'",
                                 index=index, grade_id=grade_id_of(cell))
            seen[check] = index


def static_check_ids(nb: NotebookNode) -> dict[str, int]:
    """Check ids written as string literals in the master, with their cell index."""
    return {m.group(2): i for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for m in CHECK_CALL.finditer(c.source)}
